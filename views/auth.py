"""Sign in and out; flask-login wiring; throttling of failed attempts."""

from urllib.parse import urlparse

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import LoginManager
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from models import db
from models.user import User
from models.user_session import UserSession
from views._access import login_required
from views._htmx import client_redirect
from views._htmx import htmx
from views._htmx import is_partial
from views._lockouts import login_throttle
from views._lockouts import record_locked_account

bp = Blueprint("auth", __name__, url_prefix="/auth")
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "basic"

BAD_CREDENTIALS = "That email and password do not match an active account."
TOO_MANY = "Too many failed sign-ins. Wait a minute and try again."
PASSWORD_CHANGE_NEEDED = ("An administrator set a new password for you. "  # noqa: S105
                          "Choose your own password before going on.")
# Endpoints a user who must change their password may still reach.
PASSWORD_CHANGE_ENDPOINTS = {"account.index", "account.change_password", "account.sign_out_all",
                             "auth.logout", "auth.login", "static"}


@login_manager.user_loader
def load_user(token):
    """The user of a live sign-in record; ended, expired or deactivated sign-ins are anonymous."""
    return UserSession.user_for(token)


@login_manager.unauthorized_handler
def unauthorized():
    """Send anonymous visitors to sign in; htmx requests get HX-Redirect, not a swapped form."""
    target = url_for("auth.login", next=_local_path(_page_path()))
    if request.path.startswith("/api/"):
        return {"error": "authentication required"}, 401
    flash(login_manager.login_message, "info")
    return client_redirect(target)


def _page_path():
    """Where to come back to after signing in: for an htmx request (a poll, a fragment) the page
    it was made from, never the fragment's own URL; else the request's path."""
    if is_partial() and htmx.current_url:
        page = urlparse(htmx.current_url)
        return page.path + (f"?{page.query}" if page.query else "")
    return request.full_path.rstrip("?")


def _local_path(candidate):
    """Keep only same-site relative paths, so ?next= cannot send users elsewhere."""
    parsed = urlparse(candidate or "")
    if parsed.scheme or parsed.netloc or not (candidate or "").startswith("/"):
        return None
    return candidate


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form and check credentials."""
    error, status = None, 200
    email = request.form.get("email", "")
    retry_after = None
    if request.method == "POST":
        address = User.normalise_email(email)
        subjects = (f"ip:{request.remote_addr}", f"account:{address}")
        throttle = login_throttle()
        if throttle.blocked(*subjects):
            error, status = TOO_MANY, 429
            retry_after = throttle.retry_after(*subjects)
        else:
            user = User.authenticate(email, request.form.get("password", ""))
            if user is None:
                throttle.record_failure(*subjects)
                note_failed_sign_in(address, throttle)
                error, status = BAD_CREDENTIALS, 200
            else:
                _sign_in(user, remember=bool(request.form.get("remember")))
                if user.must_change_password:  # the account page says why
                    return redirect(url_for("account.index"))
                return redirect(_local_path(request.args.get("next")) or url_for("home.index"))
    response = current_app.make_response((render_template(
        "auth/login.html", error=error, email=email,
        no_admin_yet=User.active_admin_count() == 0), status))
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _sign_in(user, remember):
    """Start a fresh session with a new server-side record (and a new CSRF secret)."""
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME"]
    with db.atomic():
        _record, token = UserSession.start(user, lifetime, remember,
                                           request.headers.get("User-Agent", ""))
    # Nothing from before the sign-in carries over: no fixation, and a new CSRF secret.
    session.clear()
    user.session_token = token
    login_user(user, remember=remember, duration=lifetime)


@bp.post("/logout")
@login_required
def logout():
    """Sign out: the sign-in record is deleted, so saved copies of the cookies stop working."""
    UserSession.end(current_user.get_id())
    logout_user()
    flash("You are signed out.", "info")
    return client_redirect(url_for("auth.login"))


def note_failed_sign_in(address, throttle):
    """Tell administrators when an account reaches its failure limit (someone may be guessing)."""
    if address and throttle.blocked(f"account:{address}"):
        record_locked_account(address)


def init_app(app):
    """Attach flask-login; a user whose password an admin set must change it before going on."""
    login_manager.init_app(app)

    @app.before_request
    def _require_password_change():
        if request.endpoint in PASSWORD_CHANGE_ENDPOINTS or request.blueprint == "api":
            return None
        if request.endpoint in (None, "health.healthz"):
            return None
        if current_user.is_authenticated and current_user.must_change_password:
            return client_redirect(url_for("account.index"))  # which says why
        return None
