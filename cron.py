"""The periodic schedule, run by exactly one `rq cron -c sync.rq_settings sync.cron` process."""

from pathlib import Path

from rq import cron

from config import environment_overrides
from sync.jobs import cron_heartbeat
from sync.jobs import keep_connections_alive

QUEUE = environment_overrides(Path(__file__).resolve().parent.parent).get("RQ_QUEUE", "default")

cron.register(cron_heartbeat, queue_name=QUEUE, interval=60, job_timeout=30)
cron.register(keep_connections_alive, queue_name=QUEUE, interval=6 * 3600, job_timeout=600)
