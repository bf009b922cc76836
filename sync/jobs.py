"""The engine's RQ jobs and how runs are started. Jobs take ids and open their own connection;
the web process only creates run rows and enqueues, it never calls a provider for a sync."""

import datetime
import logging

from flask import current_app

from models.integration import Connection
from models.sync import AUTO
from models.sync import SCHEDULED
from models.sync import SYNC
from models.sync import SyncRun
from providers import PULL_REGISTRY
from sync import records
from sync import runs
from sync.digest import send_digest
from sync.engine import run_sync_now
from worker.runtime import enqueue
from worker.runtime import ledger_job

log = logging.getLogger("ledgerlink.sync")


def _job_timeout(minutes):
    return int(minutes * 60) + 600


class RunRefused(Exception):
    """A run cannot start on this connection (the message says why)."""


def start_run(connection, kind, mode=SYNC, user=None, limit=None):
    """Create and enqueue a run; (run, False) when one is already going on the connection.

    Sync takes the next SYNC_BATCH_LIMIT documents (or `limit`); Auto sync and scheduled runs
    keep going until nothing is ready or AUTO_SYNC_MINUTES have passed.
    """
    if connection.provider in PULL_REGISTRY:
        raise RunRefused(f"{PULL_REGISTRY[connection.provider].name} is not sent to: Zynk "
                         "fetches everything ready on its own schedule.")
    config = current_app.config
    if mode == SYNC and limit is None:
        limit = int(config["SYNC_BATCH_LIMIT"])
    minutes = float(config["AUTO_SYNC_MINUTES"])
    run, created = runs.create_run(connection, kind or "", mode, minutes, user=user, limit=limit)
    if created:
        enqueue(run_sync, run.id, job_timeout=_job_timeout(minutes))
    return run, created


@ledger_job
def run_sync(run_id):
    """Run (or resume) a sync run."""
    return run_sync_now(run_id)


@ledger_job
def resume_stale_runs():
    """Enqueue again every run whose worker died (its lease lapsed); return how many."""
    stale = runs.stale_runs()
    minutes = float(current_app.config["AUTO_SYNC_MINUTES"])
    for run_id in stale:
        log.warning("run %s lost its worker; resuming it", run_id)
        enqueue(run_sync, run_id, job_timeout=_job_timeout(minutes))
    return len(stale)


def schedule_due(connection, now=None):
    """True when the admin's schedule says an Auto sync of every kind is due now."""
    minutes = int((connection.options or {}).get("schedule_minutes") or 0)
    if minutes <= 0 or runs.active_run(connection) is not None:
        return False
    last = (SyncRun.select().where(SyncRun.connection == connection, SyncRun.mode == SCHEDULED)
            .order_by(SyncRun.id.desc()).first())
    now = now or datetime.datetime.now()
    return last is None or now - last.started_at >= datetime.timedelta(minutes=minutes)


@ledger_job
def scheduled_auto_sync():
    """Start the scheduled Auto sync when due (skipped while a run is going)."""
    connection = Connection.active_connection()
    if connection is None or not schedule_due(connection):
        return None
    run, created = start_run(connection, "", SCHEDULED)
    return run.id if created else None


@ledger_job
def send_failure_digest():
    """The daily failure digest to administrators (sent once a day, when due)."""
    return send_digest()


@ledger_job
def recheck_connection(connection_id):
    """Recheck every approved document on a connection (after lists or the mapping changed)."""
    connection = Connection.get_or_none(Connection.id == connection_id)
    return records.recheck(connection) if connection is not None else {}


def enqueue_recheck(connection_id):
    """Recheck a connection's documents in the background."""
    return enqueue(recheck_connection, connection_id, job_timeout=1800)


@ledger_job
def fix_contacts_job(connection_id, contact_ids, supplier_ids):
    """The Sync page's bulk contact fix: link or create these contacts (suppliers asked about
    are created only when in supplier_ids); progress in job.meta["done"]."""
    from rq import get_current_job

    from models.contact import Contact
    from services.ledger_links import fix_contacts

    connection = Connection.get_or_none(Connection.id == connection_id)
    if connection is None:
        return {"counts": {}, "said": [("failed", "The connection is gone.")]}
    job = get_current_job()

    def progress(done):
        if job is not None:
            job.meta["done"] = done
            job.save_meta()

    contacts = list(Contact.select().where(Contact.id.in_(list(contact_ids))).order_by(
        Contact.name, Contact.id))
    counts, said = fix_contacts(connection, contacts, create_suppliers=supplier_ids,
                                progress=progress)
    return {"counts": counts, "said": said}


__all__ = ["AUTO", "SYNC", "SCHEDULED", "start_run", "run_sync", "resume_stale_runs",
           "scheduled_auto_sync", "send_failure_digest", "recheck_connection",
           "enqueue_recheck", "fix_contacts_job"]
