"""Administrators manage who can sign in: add staff, change roles, deactivate."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from peewee import IntegrityError

from models import db
from models.user import ROLES
from models.user import LastAdminError
from models.user import User
from views._access import admin_required
from views._htmx import render_page_or_fragment

bp = Blueprint("users", __name__, url_prefix="/users")
MIN_PASSWORD = 10


def _render(form_error=None, form=None, status=200):
    users = User.select().order_by(User.active.desc(), User.email)
    return render_page_or_fragment(
        "users/index.html", "users/_table.html",
        users=users, roles=ROLES, form_error=form_error, form=form or {},
    ), status


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
    if "@" not in email or len(email) > 254:
        error = "Enter a valid email address."
    elif len(password) < MIN_PASSWORD:
        error = f"The password must be at least {MIN_PASSWORD} characters."
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
    flash(f"{email} can now sign in.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>")
@admin_required
def update(user_id):
    """Change a user's role or active flag; the last active admin is protected."""
    user = User.get_or_none(User.id == user_id) or abort(404)
    role = request.form.get("role")
    active = {"1": True, "0": False}.get(request.form.get("active"))
    try:
        with db.atomic():
            user.change(role=role, active=active)
    except LastAdminError as exc:
        flash(str(exc), "error")
    except ValueError:
        flash("Choose a valid role.", "error")
    else:
        flash(f"Saved {user.email}.", "success")
    return _render()
