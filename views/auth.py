"""Sign in and out; flask-login wiring; throttling of failed attempts."""

from urllib.parse import urlparse

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import LoginManager
from flask_login import login_user
from flask_login import logout_user

from models.user import User
from views._access import login_required
from views._htmx import client_redirect
from views._throttle import Throttle

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "basic"

BAD_CREDENTIALS = "That email and password do not match an active account."
TOO_MANY = "Too many failed sign-ins. Wait a minute and try again."


@login_manager.user_loader
def load_user(user_id):
    """Load the signed-in user; inactive users are treated as signed out."""
    user = User.get_or_none(User.id == int(user_id)) if user_id.isdigit() else None
    return user if user and user.active else None


@login_manager.unauthorized_handler
def unauthorized():
    """Send anonymous visitors to sign in; htmx requests get HX-Redirect, not a swapped form."""
    target = url_for("auth.login", next=_local_path(request.full_path.rstrip("?")))
    if request.path.startswith("/api/"):
        return {"error": "authentication required"}, 401
    flash(login_manager.login_message, "info")
    return client_redirect(target)


def _local_path(candidate):
    """Keep only same-site relative paths, so ?next= cannot send users elsewhere."""
    parsed = urlparse(candidate or "")
    if parsed.scheme or parsed.netloc or not (candidate or "").startswith("/"):
        return None
    return candidate


def _login_throttle():
    return Throttle("login", current_app.config["LOGIN_ATTEMPTS_PER_MINUTE"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and check credentials."""
    error, status = None, 200
    email = request.form.get("email", "")
    if request.method == "POST":
        subjects = (f"ip:{request.remote_addr}", f"account:{User.normalise_email(email)}")
        throttle = _login_throttle()
        if throttle.blocked(*subjects):
            error, status = TOO_MANY, 429
        else:
            user = User.authenticate(email, request.form.get("password", ""))
            if user is None:
                throttle.record_failure(*subjects)
                error, status = BAD_CREDENTIALS, 200
            else:
                login_user(user, remember=bool(request.form.get("remember")))
                return redirect(_local_path(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", error=error, email=email), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    logout_user()
    flash("You are signed out.", "info")
    return client_redirect(url_for("auth.login"))


def init_app(app):
    """Attach flask-login."""
    login_manager.init_app(app)
