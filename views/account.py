"""Your own account: change your password, see and end your sign-ins."""

from flask import Blueprint
from flask import flash
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import logout_user

from models import db
from models.user_session import UserSession
from views._access import login_required
from views._htmx import client_redirect
from views._passwords import password_problem
from views.auth import PASSWORD_CHANGE_NEEDED

bp = Blueprint("account", __name__, url_prefix="/account")


def _render(errors=None, status=200):
    user = current_user._get_current_object()
    return render_template("account/index.html", user=user, errors=errors or {},
                           sessions=UserSession.live_count(user),
                           must_change_message=PASSWORD_CHANGE_NEEDED), status


@bp.get("/")
@login_required
def index():
    """Your email and role, the password form and your sign-ins."""
    return _render()


@bp.post("/password")
@login_required
def change_password():
    """Change your own password; your other sign-ins end."""
    user = current_user._get_current_object()
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    errors = {}
    if not user.check_password(current):
        errors["current"] = "That is not your current password."
    problem = password_problem(new, request.form.get("confirm_password", ""), user.email)
    if problem:
        errors["new"] = problem
    elif user.check_password(new):
        errors["new"] = "Choose a password different from the current one."
    if errors:
        return _render(errors, 422)
    forced = user.must_change_password
    with db.atomic():
        user.set_password(new)
        user.must_change_password = False
        user.save()
        ended = UserSession.end_all(user, keep_token=current_user.get_id())
    message = "Your password is changed."
    if ended:
        message += f" Your other sign-ins ({ended}) are signed out."
    flash(message, "success")
    return client_redirect(url_for("home.index") if forced else url_for("account.index"))


@bp.post("/sign-out-everywhere")
@login_required
def sign_out_all():
    """End every sign-in of yours, on every browser and device, this one included."""
    UserSession.end_all(current_user._get_current_object())
    logout_user()
    flash("You are signed out everywhere, this browser included.", "info")
    return client_redirect(url_for("auth.login"))
