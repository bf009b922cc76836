"""Background jobs. Each takes plain values (ids), never objects, and opens its own connection."""

import os
import socket
import time

from sync.runtime import ledger_job

CRON_HEARTBEAT_KEY = "ledgerlink:cron:heartbeat"


@ledger_job
def worker_check(user_id):
    """Prove a worker can run jobs and reach the database; report where it ran."""
    from models.user import User

    user = User.get_by_id(user_id)
    return {"host": socket.gethostname(), "pid": os.getpid(), "email": user.email}


@ledger_job
def keep_connections_alive():
    """Refresh grants before their refresh tokens can idle out."""
    from sync.connections import keep_alive

    return keep_alive()


@ledger_job
def cron_heartbeat():
    """Record that the periodic scheduler is alive (read by /healthz)."""
    from sync.queue import get_redis

    get_redis().set(CRON_HEARTBEAT_KEY, int(time.time()), ex=3600)
