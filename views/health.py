"""GET /healthz: database, Redis, worker and scheduler status as JSON, for monitors. No login."""

from flask import Blueprint

from services.system_status import healthy
from services.system_status import system_status

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report health; 503 when the database, Redis or every worker is down."""
    checks = system_status()
    ok = healthy(checks)
    return {"status": "ok" if ok else "down", "checks": checks}, 200 if ok else 503
