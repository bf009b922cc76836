"""The one periodic table: what the single `flask --app app cron` process enqueues, and how often.

Each entry is (job, every how many seconds, job timeout in seconds). The scheduler enqueues every
job once when it starts, then at its interval.
"""

from connections.jobs import keep_connections_alive
from sync.jobs import resume_stale_runs
from sync.jobs import scheduled_auto_sync
from sync.jobs import send_failure_digest
from worker.jobs import cron_heartbeat

SCHEDULE = (
    (cron_heartbeat, 60, 30),  # /healthz reports the scheduler down after three missed beats
    (keep_connections_alive, 6 * 3600, 600),
    (resume_stale_runs, 20, 60),  # a run whose worker died is resumed within a minute
    (scheduled_auto_sync, 60, 60),  # the admin's schedule (off by default)
    (send_failure_digest, 900, 120),  # sends once a day, from DIGEST_HOUR
)


def register(scheduler, queue_name):
    """Register every periodic job with an RQ CronScheduler, on the given queue."""
    for job, interval, timeout in SCHEDULE:
        scheduler.register(job, queue_name=queue_name, interval=interval, job_timeout=timeout)
