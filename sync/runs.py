"""Run rows: one active run per connection, Stop, and the lease with its fencing token.

A worker holds a run by its lease; taking it bumps the run's fence, and every write the worker
makes to records carries that fence, so a worker that lost the lease (paused, partitioned) cannot
write over what its successor recorded. A run whose lease lapsed is resumed by another worker.
"""

import datetime
import time

from peewee import IntegrityError

from models import db
from models.sync import ACTIVE_RUN_STATES
from models.sync import FINISHED
from models.sync import QUEUED
from models.sync import RUNNING
from models.sync import SyncRun


def _now():
    return datetime.datetime.now()


def active_run(connection):
    """The connection's queued or running run, or None."""
    if connection is None:
        return None
    return SyncRun.get_or_none(SyncRun.active_connection == connection.id)


def latest_run(connection, kind=None):
    """The connection's most recent run (of a kind, when given), or None."""
    if connection is None:
        return None
    query = SyncRun.select().where(SyncRun.connection == connection)
    if kind:
        query = query.where(SyncRun.kind == kind)
    return query.order_by(SyncRun.id.desc()).first()


def create_run(connection, kind, mode, minutes, user=None, limit=None):
    """(run, True) for a new queued run; (the active run, False) when one is already going."""
    started = _now()
    try:
        with db.atomic():
            run = SyncRun.create(connection=connection, kind=kind, mode=mode, started_by=user,
                                 started_at=started,
                                 deadline=started + datetime.timedelta(minutes=minutes),
                                 limit=limit, state=QUEUED, active_connection=connection.id)
        return run, True
    except IntegrityError:
        return active_run(connection), False


def request_stop(run_id):
    """Ask a run to stop after the step in flight; True when it was active."""
    return bool(SyncRun.update(stop_requested=True).where(
        SyncRun.id == run_id, SyncRun.state.in_(ACTIVE_RUN_STATES)).execute())


def acquire(run_id, owner, lease_seconds):
    """Take the run's lease when it is free or lapsed; return the new fence, or None."""
    now = time.time()
    with db.atomic():
        run = SyncRun.get_or_none(SyncRun.id == run_id)
        if run is None or run.state not in ACTIVE_RUN_STATES:
            return None
        fence = run.fence + 1
        taken = SyncRun.update(fence=fence, lease_owner=owner, state=RUNNING,
                               lease_expires_at=now + lease_seconds).where(
            SyncRun.id == run_id, SyncRun.fence == run.fence,
            SyncRun.state.in_(ACTIVE_RUN_STATES),
            (SyncRun.lease_expires_at.is_null()) | (SyncRun.lease_expires_at < now)
            | (SyncRun.lease_owner == owner)).execute()
    return fence if taken else None


def renew(run_id, fence, lease_seconds):
    """Extend the lease; False when another worker has taken the run."""
    return bool(SyncRun.update(lease_expires_at=time.time() + lease_seconds).where(
        SyncRun.id == run_id, SyncRun.fence == fence,
        SyncRun.state.in_(ACTIVE_RUN_STATES)).execute())


def update_counters(run_id, fence, **counters):
    """Write the run's counters (sent, synced, ...) if this worker still holds it."""
    return bool(SyncRun.update(**counters).where(SyncRun.id == run_id,
                                                 SyncRun.fence == fence).execute())


def finish(run_id, fence, state=FINISHED, message=""):
    """End the run (frees the connection for the next one) if this worker still holds it."""
    return bool(SyncRun.update(state=state, message=message, finished_at=_now(),
                               active_connection=None, lease_expires_at=None).where(
        SyncRun.id == run_id, SyncRun.fence == fence).execute())


def stale_runs():
    """Ids of running runs whose lease has lapsed (their worker died)."""
    return [r.id for r in SyncRun.select(SyncRun.id).where(
        SyncRun.state == RUNNING, SyncRun.lease_expires_at < time.time())]
