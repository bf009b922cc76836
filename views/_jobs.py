"""Background job status for the screens: each user sees only the jobs they started."""

from flask_login import current_user

from worker.runtime import fetch_job


def fetch_own_job(job_id):
    """The job if the signed-in user started it (administrators see every job), else None."""
    job = fetch_job(job_id)
    if job is None:
        return None
    if current_user.is_admin or job.meta.get("user_id") == current_user.id:
        return job
    return None
