"""GET /healthz: database, Redis, worker and scheduler status as JSON, for monitors. No login."""

import time

from flask import Blueprint
from flask import current_app
from rq import Worker

from models import db
from sync.jobs import CRON_HEARTBEAT_KEY
from sync.queue import get_redis

bp = Blueprint("health", __name__)


def _check_database():
    db.execute_sql("SELECT 1")
    return {"ok": True, "backend": "postgresql" if "postgres" in type(db.obj).__name__.lower()
            else "sqlite"}


def _check_redis():
    get_redis().ping()
    return {"ok": True}


def _check_workers():
    stale = current_app.config["WORKER_STALE_SECONDS"]
    now = time.time()
    workers = Worker.all(connection=get_redis())
    live = [w for w in workers if w.last_heartbeat and now - w.last_heartbeat.timestamp() < stale]
    return {"ok": bool(live), "count": len(live)}


def _check_cron():
    beat = get_redis().get(CRON_HEARTBEAT_KEY)
    age = None if beat is None else int(time.time() - int(beat))
    return {"ok": age is not None and age < 180, "last_beat_seconds_ago": age}


def system_status():
    """Run every check; a failing check reports its error class, never its message or a secret."""
    results = {}
    for name, check in (("database", _check_database), ("redis", _check_redis),
                        ("workers", _check_workers), ("scheduler", _check_cron)):
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure means "down" here
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


@bp.get("/healthz")
def healthz():
    """Report health; 503 when the database, Redis or every worker is down."""
    checks = system_status()
    essential = ("database", "redis", "workers")
    healthy = all(checks[name]["ok"] for name in essential)
    body = {"status": "ok" if healthy else "down", "checks": checks}
    return body, 200 if healthy else 503
