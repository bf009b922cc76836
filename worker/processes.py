"""The long-running RQ processes: workers and the one periodic scheduler.

Both run inside the app's context (the `flask --app app worker` and `cron` commands push it), so
a worker's forked work-horses inherit it and jobs need not import the app. Neither process holds
a database connection: each job opens its own in its work-horse.
"""

from flask import current_app
from rq import Queue
from rq import Worker
from rq.cron import CronScheduler

from worker.queue import get_redis


def run_worker(queue_names=(), burst=False, with_scheduler=False):
    """Work jobs from the queues (default: RQ_QUEUE), one forked work-horse per job."""
    connection = get_redis()
    names = list(queue_names) or [current_app.config["RQ_QUEUE"]]
    worker = Worker([Queue(name, connection=connection) for name in names],
                    connection=connection)
    return worker.work(burst=burst, with_scheduler=with_scheduler,
                       logging_level=current_app.config["LOG_LEVEL"])


def run_scheduler(register):
    """Enqueue periodic jobs until stopped; register(scheduler, queue_name) adds the table."""
    scheduler = CronScheduler(connection=get_redis(),
                              logging_level=current_app.config["LOG_LEVEL"])
    register(scheduler, current_app.config["RQ_QUEUE"])
    scheduler.start()
