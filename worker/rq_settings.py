"""Settings for RQ's own monitoring commands, such as `rq info -c worker.rq_settings`.

It resolves Redis as the app does: REDIS_URL when set, else the embedded server. Workers and the
scheduler are not started this way but with `flask --app app worker` and `flask --app app cron`,
which give jobs the app's context.
"""

from worker.queue import redis_url_from_env

REDIS_URL = redis_url_from_env()
