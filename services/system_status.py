"""The state of the parts Ledgerlink needs: database, Redis, workers and the periodic scheduler."""

from models import db
from worker.jobs import CRON_STALE_SECONDS
from worker.jobs import cron_beat_age
from worker.jobs import live_workers
from worker.queue import get_redis

ESSENTIAL = ("database", "redis", "workers")  # the scheduler being late is not an outage


def _check_database():
    db.execute_sql("SELECT 1")
    return {"ok": True, "backend": "postgresql" if "postgres" in type(db.obj).__name__.lower()
            else "sqlite"}


def _check_redis():
    get_redis().ping()
    return {"ok": True}


def _check_workers():
    count = live_workers()
    return {"ok": bool(count), "count": count}


def _check_cron():
    age = cron_beat_age()
    return {"ok": age is not None and age < CRON_STALE_SECONDS, "last_beat_seconds_ago": age}


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


def healthy(checks):
    """True when every essential part is up."""
    return all(checks[name]["ok"] for name in ESSENTIAL)
