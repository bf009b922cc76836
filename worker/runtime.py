"""What every RQ job runs inside: the app's context, a logging id, and its own DB connection.

The app context comes from the process: `flask --app app worker` pushes it before the worker
starts, and each job's forked work-horse inherits it (as flask-rq does). Jobs never import `app`.
"""

import functools
import logging

from flask import current_app
from flask import has_app_context
from flask import has_request_context
from flask_login import current_user
from rq import get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job

import logs
from models import db
from worker.queue import get_queue
from worker.queue import get_redis

log = logging.getLogger("ledgerlink.job")
NO_APP = ("Ledgerlink jobs run inside the app: start workers with `flask --app app worker`, "
          "not `rq worker`.")


def ledger_job(func):
    """Run a job function in a fresh app context with its own DB connection, logging start and end.

    The log id is the id of the request that enqueued the job when there was one, so a request
    and the jobs it caused share a line prefix; the job id is in every job line too.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if not has_app_context():
            raise RuntimeError(NO_APP)
        job = get_current_job()
        job_id = job.id if job else "inline"
        origin = (job.meta.get("request_id") if job else None) or job_id
        token = logs.REQUEST_ID.set(logs.new_id(origin))
        try:
            with current_app._get_current_object().app_context(), db.connection_context():
                log.info("job %s %s started", job_id, func.__name__)
                result = func(*args, **kwargs)
                log.info("job %s %s finished", job_id, func.__name__)
                return result
        except Exception:
            log.exception("job %s %s failed", job_id, func.__name__)
            raise
        finally:
            logs.REQUEST_ID.reset(token)

    return wrapper


def fetch_job(job_id):
    """The RQ job with this id, or None when it is unknown or expired."""
    try:
        return Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):
        return None


def enqueue(func, *args, job_timeout=300, **kwargs):
    """Enqueue a job on the app's queue, carrying the current request id for the logs."""
    return get_queue().enqueue(
        func, *args, job_timeout=job_timeout,
        meta={"request_id": logs.REQUEST_ID.get(), "user_id": _requesting_user_id()}, **kwargs
    )


def _requesting_user_id():
    """The signed-in user who asked for the job (its status is theirs to poll), else None."""
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


RUNNING_STATUSES = ("queued", "started", "deferred", "scheduled")


def job_state(job):
    """A job as a progress widget shows it: idle (no job yet), running, done or failed."""
    if job is None:
        return "idle"
    status = job.get_status().value
    if status in RUNNING_STATUSES:
        return "running"
    return "done" if status == "finished" else "failed"
