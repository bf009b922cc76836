"""Redis and RQ plumbing: the Redis connection (a server or the embedded one), the queue, the
wrapper every job runs in, and the worker's own jobs (the scheduler heartbeat, the worker check).

Nothing here knows about ledgers. The worker and cron processes are `flask --app app worker` and
`flask --app app cron` (see cli.py), so jobs run inside the app's context without importing it.
"""
