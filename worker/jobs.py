"""The worker's own jobs and the heartbeats /healthz reads: workers alive, scheduler alive."""

import os
import socket
import time

from flask import current_app
from rq import Worker

from models.user import User
from worker.queue import get_redis
from worker.runtime import ledger_job

CRON_HEARTBEAT_KEY = "ledgerlink:cron:heartbeat"
CRON_STALE_SECONDS = 180  # three missed beats (the cron table beats every minute)


@ledger_job
def worker_check(user_id):
    """Prove a worker can run jobs and reach the database; report where it ran."""
    user = User.get_by_id(user_id)
    return {"host": socket.gethostname(), "pid": os.getpid(), "email": user.email}


@ledger_job
def cron_heartbeat():
    """Record that the periodic scheduler is alive."""
    get_redis().set(CRON_HEARTBEAT_KEY, int(time.time()), ex=3600)


def live_workers():
    """How many workers have sent RQ a heartbeat within WORKER_STALE_SECONDS."""
    stale = current_app.config["WORKER_STALE_SECONDS"]
    now = time.time()
    workers = Worker.all(connection=get_redis())
    return sum(1 for w in workers
               if w.last_heartbeat and now - w.last_heartbeat.timestamp() < stale)


def cron_beat_age():
    """Seconds since the scheduler's last heartbeat, or None when it never beat (or long ago)."""
    beat = get_redis().get(CRON_HEARTBEAT_KEY)
    return None if beat is None else int(time.time() - int(beat))
