"""Settings: check that a background worker picks up jobs and reaches the database."""

from flask import abort
from flask import render_template
from flask_login import current_user

from views._access import admin_required
from views._jobs import fetch_own_job
from worker.jobs import worker_check
from worker.runtime import enqueue
from worker.runtime import job_state


def _panel(job):
    return render_template("settings/_worker_check.html", worker_check=job,
                           worker_check_state=job_state(job))


@admin_required
def worker_check_start():
    """Enqueue a job that a worker must pick up; the panel then polls for its result."""
    return _panel(enqueue(worker_check, current_user.id, job_timeout=30, result_ttl=600))


@admin_required
def worker_check_status(job_id):
    """Read-only poll of the check job; the finished state stops polling."""
    return _panel(fetch_own_job(job_id) or abort(404))
