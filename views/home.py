"""The Control Center home page."""

from flask import Blueprint
from flask import render_template

from services.getting_started import getting_started
from views._access import login_required

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """Landing page after sign-in."""
    return render_template("home/index.html", steps=getting_started())
