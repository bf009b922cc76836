"""What every RQ job runs inside: the app's config, a logging id, and its own DB connection."""

import functools
import logging

from rq import get_current_job

import logs

_app = None
log = logging.getLogger("ledgerlink.job")


def job_app():
    """The app object for this worker process, built once from the environment."""
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def ledger_job(func):
    """Run a job function in an app context with its own DB connection, logging start and end.

    The log id is the id of the request that enqueued the job when there was one, so a request
    and the jobs it caused share a line prefix; the job id is in every job line too.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from models import db

        job = get_current_job()
        job_id = job.id if job else "inline"
        origin = (job.meta.get("request_id") if job else None) or job_id
        token = logs.REQUEST_ID.set(logs.new_id(origin))
        try:
            with job_app().app_context(), db.connection_context():
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
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from sync.queue import get_redis

    try:
        return Job.fetch(job_id, connection=get_redis())
    except (NoSuchJobError, ValueError):
        return None


def enqueue(func, *args, job_timeout=300, **kwargs):
    """Enqueue a job on the app's queue, carrying the current request id for the logs."""
    from sync.queue import get_queue

    return get_queue().enqueue(
        func, *args, job_timeout=job_timeout,
        meta={"request_id": logs.REQUEST_ID.get(), "user_id": _requesting_user_id()}, **kwargs
    )


def _requesting_user_id():
    """The signed-in user who asked for the job (its status is theirs to poll), else None."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None
