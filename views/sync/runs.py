"""Sync, Auto sync and Stop, and the progress poll (a cheap read of the run row)."""

import datetime

from flask import abort
from flask import render_template
from flask import request
from flask_login import current_user

from models.integration import CONNECTED
from models.integration import Connection
from models.sync import AUTO
from models.sync import SYNC
from models.sync import SyncRun
from providers import PULL_REGISTRY
from sync import grid
from sync.jobs import RunRefused
from sync.jobs import start_run
from sync.runs import request_stop
from views._access import login_required

# A row written just before a poll may carry a stamp a little older than the poll's own.
POLL_OVERLAP = datetime.timedelta(seconds=1)


def _since(text):
    try:
        return datetime.datetime.fromisoformat(text) - POLL_OVERLAP
    except (TypeError, ValueError):
        return None


def progress_context(run, kind, connection=None, message="", rows=(), counts=None, bulk=None):
    """What the toolbar and progress widget show."""
    now = datetime.datetime.now()
    return {"run": run, "kind": kind, "message": message, "connection": connection,
            "changed_rows": rows, "final_counts": counts, "final_bulk": bulk,
            "kinds": grid.KIND_LABELS,
            "polled_at": now.isoformat(), "now": now, "timing": timing(run, now),
            "pull_providers": PULL_REGISTRY}


def timing(run, now):
    """(elapsed, time left) in seconds for a run; time left None until it can be told."""
    if run is None:
        return None, None
    end = run.finished_at or now
    elapsed = max(0.0, (end - run.started_at).total_seconds())
    if not run.is_active:
        return elapsed, 0.0
    until_deadline = max(0.0, (run.deadline - now).total_seconds()) if run.deadline else None
    done = run.sent + run.failed
    if done and run.left:
        estimate = elapsed / done * run.left
        return elapsed, min(estimate, until_deadline) if until_deadline is not None else estimate
    return elapsed, until_deadline if run.limit is None else None


def progress_fragment(run, kind, connection=None, message="", rows=(), counts=None, bulk=None):
    """The toolbar and progress widget (polling itself while the run is active)."""
    if run is not None and not run.is_active and connection is None:
        connection = Connection.active_connection()
    return render_template("sync/_progress.html", **progress_context(
        run, kind, connection, message, rows, counts, bulk))


@login_required
def run_start():
    """Start a Sync (the next few) or an Auto sync of a kind; show the run already going."""
    kind = grid.chosen_kind(request.form.get("kind"))
    mode = AUTO if request.form.get("mode") == AUTO else SYNC
    connection = Connection.active_connection()
    if connection is None or connection.status != CONNECTED:
        reason = ("No accounting package is connected." if connection is None else
                  "The connection needs reconnecting; an administrator does it on Integrations.")
        return progress_fragment(None, kind, connection, message=f"Nothing started. {reason}")
    try:
        run, created = start_run(connection, kind, mode, user=current_user._get_current_object())
    except RunRefused as exc:
        return progress_fragment(None, kind, connection, message=f"Nothing started. {exc}")
    message = "" if created else "A run is already going; here it is."
    return progress_fragment(run, kind, connection, message=message)


@login_required
def run_status(run_id):
    """Read-only poll: the run's counters, the visible rows it changed since the last poll."""
    run = SyncRun.get_or_none(SyncRun.id == run_id) or abort(404)
    kind = grid.chosen_kind(request.args.get("kind") or run.kind)
    ids = grid.parse_ids(request.args.get("visible"))
    connection = Connection(id=run.connection_id)  # only its id is needed for the rows
    rows = grid.rows_by_id(connection, ids, _since(request.args.get("since"))) if ids else []
    counts = bulk = None
    if not run.is_active:
        connection = Connection.active_connection()
        counts, bulk = grid.waiting_counts(connection), grid.bulk_counts(connection, kind)
    return progress_fragment(run, kind, connection if not run.is_active else None, rows=rows,
                             counts=counts, bulk=bulk)


@login_required
def run_stop(run_id):
    """Ask the run to stop after the step in flight."""
    run = SyncRun.get_or_none(SyncRun.id == run_id) or abort(404)
    stopped = request_stop(run.id)
    run = SyncRun.get_by_id(run.id)
    message = "Stopping after the documents in flight." if stopped else "The run had ended."
    return progress_fragment(run, grid.chosen_kind(request.form.get("kind") or run.kind),
                             message=message)
