"""The sync engine through the API: a document's sync state and history, start and read runs."""

from flask import jsonify

from models.document import Document
from models.integration import Connection
from models.sync import AUTO
from models.sync import SYNC
from models.sync import SyncRun
from sync import records
from sync import runs
from sync.jobs import RunRefused
from sync.jobs import start_run
from views.api import schemas
from views.api.protocol import ApiError
from views.api.protocol import read_json
from views.api.routes import _by_number
from views.api.routes import _iso
from views.api.routes import _not_found


def _connection():
    connection = Connection.active_connection()
    if connection is None:
        raise ApiError(409, "not_connected", "No accounting package is connected.")
    return connection


def run_json(run):
    """A run as the API shows it."""
    return {"id": run.id, "kind": run.kind or None, "mode": run.mode, "state": run.state,
            "started_at": _iso(run.started_at), "deadline": _iso(run.deadline),
            "finished_at": _iso(run.finished_at), "limit": run.limit, "total": run.total,
            "sent": run.sent, "synced": run.synced, "failed": run.failed,
            "blocked": run.blocked, "left": run.left, "stop_requested": run.stop_requested,
            "message": run.message}


def document_sync(number):
    """A document's sync state on the active connection, with its history."""
    document = _by_number(Document, number)
    if document is None:
        raise _not_found("document", number)
    connection = _connection()
    records.recheck(connection, [document.id], changed=False)
    record = records.record_of(connection, document.id)
    if record is None:
        return jsonify({"number": document.number, "state": "not_waiting", "code": "",
                        "message": "Only approved documents are synced.", "remote_id": None,
                        "ledger_number": None, "ledger_url": None, "attempts": 0,
                        "history": []})
    return jsonify({
        "number": document.number, "state": record.state, "code": record.code,
        "message": record.message, "remote_id": record.remote_id or None,
        "ledger_number": record.ledger_number or None, "ledger_url": record.ledger_url or None,
        "attempts": record.attempts,
        "history": [{"at": _iso(a.at), "outcome": a.outcome, "code": a.code,
                     "message": a.message, "calls": a.calls,
                     "run_id": a.run_id} for a in records.history(record)]})


def start_sync_run():
    """Start a Sync (the next few) or an Auto sync; 409 with the run when one is going."""
    payload = read_json(schemas.RUN_INPUT)
    connection = _connection()
    mode = AUTO if payload.get("mode") == "auto" else SYNC
    try:
        run, created = start_run(connection, payload.get("kind") or "", mode,
                                 limit=payload.get("limit"))
    except RunRefused as exc:
        raise ApiError(409, "not_sent_to", str(exc)) from exc
    if not created:
        return jsonify({"error": "run_going", "message": "A run is already going on this "
                        "connection.", "run": run_json(run)}), 409
    return jsonify(run_json(run)), 202


def _run(run_id):
    run = SyncRun.get_or_none(SyncRun.id == run_id)
    if run is None:
        raise ApiError(404, "not_found", f"There is no run {run_id}.")
    return run


def get_sync_run(run_id):
    """One run's state and counters."""
    return jsonify(run_json(_run(run_id)))


def stop_sync_run(run_id):
    """Ask a run to stop after the step in flight."""
    run = _run(run_id)
    runs.request_stop(run.id)
    return jsonify(run_json(SyncRun.get_by_id(run.id))), 202
