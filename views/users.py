"""Administrators manage who can sign in: add staff, change roles, set passwords, deactivate."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user
from peewee import IntegrityError

from models import db
from models.user import ROLES
from models.user import LastAdminError
from models.user import User
from models.user_session import UserSession
from services.validation import EMAIL_PATTERN
from views._access import admin_required
from views._htmx import is_partial
from views._htmx import render_page_or_fragment
from views._lockouts import is_locked
from views._lockouts import locked_accounts
from views._lockouts import unlock
from views._passwords import password_problem

bp = Blueprint("users", __name__, url_prefix="/users")
ROLE_LABELS = {"admin": "an administrator", "staff": "staff"}


def _render(form_error=None, form=None, status=200, password_errors=None):
    users = list(User.select().order_by(User.active.desc(), User.email))
    return render_page_or_fragment(
        "users/index.html", "users/_table.html",
        users=users, roles=ROLES, form_error=form_error, form=form or {},
        locked={user.email for user in users if is_locked(user.email)},
        password_errors=password_errors or {},
    ), status


def _get(user_id):
    return User.get_or_none(User.id == user_id) or abort(404)


@bp.get("/")
@admin_required
def index():
    """List users with their role and status."""
    return _render()


@bp.post("/")
@admin_required
def create():
    """Add a user (staff unless an admin role is chosen)."""
    email = User.normalise_email(request.form.get("email"))
    password = request.form.get("password", "")
    role = request.form.get("role", "staff")
    error = None
    if not EMAIL_PATTERN.match(email) or len(email) > 254 or not email.isprintable():
        error = "Enter a valid email address."
    elif password_problem(password):
        error = password_problem(password)
    elif role not in ROLES:
        error = "Choose a role."
    if error is None:
        try:
            with db.atomic():
                User.create_user(email, password, role)
        except IntegrityError:
            error = "A user with that email already exists."
    if error:
        return _render(form_error=error, form={"email": email, "role": role}, status=200)
    flash(f"{email} is added as {ROLE_LABELS[role]} and can now sign in with the starting "
          "password you gave.", "success")
    return _render() if is_partial() else redirect(url_for("users.index"))


@bp.post("/<int:user_id>")
@admin_required
def update(user_id):
    """Change a user's role or active flag; the last active admin is protected."""
    user = _get(user_id)
    role = request.form.get("role")
    active = {"1": True, "0": False}.get(request.form.get("active"))
    try:
        with db.atomic():
            user.change(role=role, active=active)
            if active is False:
                UserSession.end_all(user)
    except LastAdminError as exc:
        flash(str(exc), "error")
    except ValueError:
        flash("Choose a valid role.", "error")
    else:
        if active is False:
            flash(f"{user.email} is deactivated and signed out everywhere.", "success")
        elif active is True:
            flash(f"{user.email} is active again and can sign in.", "success")
        else:
            flash(f"{user.email} is now {ROLE_LABELS[user.role]}.", "success")
    return _render()


@bp.post("/<int:user_id>/password")
@admin_required
def set_password(user_id):
    """Set a new password for a user, who must change it at next sign-in; their sign-ins end."""
    user = _get(user_id)
    password = request.form.get("password", "")
    problem = password_problem(password, email=user.email)
    if problem:
        return _render(password_errors={user.id: problem}, status=200)
    with db.atomic():
        user.set_password(password)
        user.must_change_password = user.id != current_user.id
        user.save()
        UserSession.end_all(user, keep_token=current_user.get_id())
    unlock(user.email)
    flash(f"New password set for {user.email}. They are signed out everywhere and must choose "
          "their own password when they next sign in.", "success")
    return _render()


@bp.post("/<int:user_id>/unlock")
@admin_required
def unlock_account(user_id):
    """Let a user locked out by failed sign-ins (perhaps someone else's) sign in again."""
    user = _get(user_id)
    unlock(user.email)
    flash(f"{user.email} can sign in again. If someone keeps guessing, the account locks again; "
          "setting a new password stops a guessing attack.", "success")
    return _render()


@bp.app_context_processor
def _lockout_banner():
    """Administrators see which accounts failed sign-ins have locked in the last hour."""
    if not getattr(current_user, "is_authenticated", False) or not current_user.is_admin:
        return {}
    return {"locked_accounts": locked_accounts()}
