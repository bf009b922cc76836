"""Settings (administrators): system status and a check that a background worker runs jobs."""

from flask import Blueprint
from flask import abort
from flask import render_template
from flask import url_for
from flask_login import current_user

from sync.jobs import worker_check
from sync.runtime import enqueue
from views._access import admin_required
from views._jobs import fetch_own_job
from views.health import system_status

bp = Blueprint("settings", __name__, url_prefix="/settings")


def settings_context(**extra):
    """What the settings page shows: system checks, firm details and API tokens."""
    from models.api_token import ApiToken
    from models.firm import FirmProfile

    tokens = ApiToken.select().order_by(ApiToken.revoked_at.is_null(False),
                                        ApiToken.created_at.desc())
    return {"checks": system_status(), "firm": FirmProfile.current(), "tokens": tokens, **extra}


@bp.get("/")
@admin_required
def index():
    """The settings page."""
    return render_template("settings/index.html", **settings_context())


@bp.post("/worker-check")
@admin_required
def worker_check_start():
    """Enqueue a job that a worker must pick up; the panel then polls for its result."""
    job = enqueue(worker_check, current_user.id, job_timeout=30, result_ttl=600)
    return render_template("settings/_worker_check.html", job=job, status=job.get_status(),
                           poll_url=url_for("settings.worker_check_status", job_id=job.id))


@bp.get("/worker-check/<job_id>")
@admin_required
def worker_check_status(job_id):
    """Read-only poll of the check job; the finished state stops polling."""
    job = fetch_own_job(job_id) or abort(404)
    return render_template("settings/_worker_check.html", job=job, status=job.get_status(),
                           poll_url=url_for("settings.worker_check_status", job_id=job.id))
