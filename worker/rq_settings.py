"""Settings module for the `rq worker` and `rq cron` command lines (`-c sync.rq_settings`).

It resolves Redis as the app does: REDIS_URL when set, else the embedded server.
"""

from sync.queue import redis_url_from_env

REDIS_URL = redis_url_from_env()
