"""Bulk fixes above the grid: link or create every unlinked contact of a kind (an RQ job, its
progress polled), and mark a kind's unsent invoices sent in one go. Each confirm swaps the grid
and the menu counts; ids that are unknown, of another kind or already fixed are skipped and
said."""

from flask import abort
from flask import flash
from flask import render_template
from flask import request

from models import db
from models.contact import Contact
from models.document import SENT_METHODS
from models.document import Document
from models.integration import Connection
from models.sync import SyncRecord
from services import cursors
from services.contact_links import package_name
from services.ledger_links import CREATE
from services.ledger_links import plan_unlinked
from sync import grid
from sync import records
from sync.grid import BULK_MAX
from sync.jobs import fix_contacts_job
from views._access import login_required
from views._htmx import htmx_response
from views._jobs import fetch_own_job
from views.sync.page import grid_context
from worker.runtime import enqueue
from worker.runtime import job_state


def _ids(name):
    ids = [cursors.parse_id((value or "").strip()) for value in request.form.getlist(name)]
    return [i for i in ids[:BULK_MAX] if i is not None]


def _grid_and_menu(connection):
    """The grid (its filters as the page has them) and the menu counts, out of band."""
    context = grid_context(connection, request.values)
    return (render_template("sync/_grid.html", grid_oob=True, **context)
            + render_template("sync/_menu.html", oob=True, kinds=grid.KIND_LABELS,
                              kind=context["kind"], counts=grid.waiting_counts(connection)))


def _connection_or_404():
    connection = Connection.active_connection()
    if connection is None:
        abort(404)
    return connection


def _contacts_dialog(connection, kind, error=""):
    steps = plan_unlinked(connection, kind)
    creates = [s for s in steps if s.action == CREATE]
    return render_template(
        "sync/_bulk_contacts.html", kind=kind, package=package_name(connection), error=error,
        links=[s for s in steps if s.action == "link"],
        customers=[s for s in creates if s.contact.kind != "supplier"],
        suppliers=[s for s in creates if s.contact.kind == "supplier"],
        decide=[s for s in steps if s.action == "decide"])


@login_required
def contacts_dialog():
    """What "Link or create N contacts" would do, contact by contact, to confirm."""
    connection = _connection_or_404()
    return _contacts_dialog(connection, grid.chosen_kind(request.args.get("kind")))


@login_required
def contacts_apply():
    """Link and create the confirmed contacts in a background job; answers its progress."""
    connection = _connection_or_404()
    kind = grid.chosen_kind(request.form.get("kind"))
    steps = {s.contact.id: s for s in plan_unlinked(connection, kind) if s.action != "decide"}
    asked = _ids("contact")
    suppliers = [i for i in _ids("supplier") if i in steps]
    chosen = [i for i in dict.fromkeys(asked + suppliers) if i in steps]
    skipped = len(set(asked) | set(_ids("supplier"))) - len(chosen)
    if not chosen:
        dialog = _contacts_dialog(connection, kind, error="Nothing to link or create: "
                                  f"{skipped} skipped (already linked, or not waiting here)."
                                  if skipped else "Nothing to link or create.")
        return htmx_response(dialog, retarget="#sync-dialog-slot", reswap="innerHTML")
    job = enqueue(fix_contacts_job, connection.id, chosen, suppliers,
                  job_timeout=60 + 10 * len(chosen), result_ttl=3600)
    return render_template("sync/_bulk_progress.html", job=job, state="running", done=0,
                           total=len(chosen), skipped=skipped, result=None)


@login_required
def contacts_status(job_id):
    """Read-only poll of the bulk contact job; when it ends, the summary, grid and menu."""
    job = fetch_own_job(job_id)
    if job is None or job.func_name != f"{fix_contacts_job.__module__}.fix_contacts_job":
        abort(404)
    state = job_state(job)
    skipped = cursors.parse_id(request.args.get("skipped") or "0") or 0
    body = render_template("sync/_bulk_progress.html", job=job, state=state,
                           done=job.get_meta(refresh=True).get("done", 0),
                           total=len(job.args[1]), skipped=skipped,
                           result=job.return_value() if state == "done" else None)
    if state == "running":
        return body
    return body + _grid_and_menu(Connection.active_connection())


def _unsent(connection, kind, ids=None):
    query = (grid.blocked_by(connection, kind, grid.NOT_SENT).join(Document).join(Contact)
             .select(SyncRecord, Document, Contact)
             .order_by(Document.issue_date, Document.id).limit(BULK_MAX))
    if ids is not None:
        query = query.where(SyncRecord.document.in_(ids))
    return [r for r in query if r.document.is_sales]


@login_required
def sent_dialog():
    """The kind's invoices blocked as not sent, all ticked, with how they were sent."""
    connection = _connection_or_404()
    kind = grid.chosen_kind(request.args.get("kind"))
    return render_template("sync/_bulk_sent.html", kind=kind, sent_methods=SENT_METHODS,
                           rows=_unsent(connection, kind), error="")


@login_required
def sent_apply():
    """Mark the ticked documents sent (one transaction, the Sent toggle's own save), recheck
    them, close the dialog and swap the grid."""
    connection = _connection_or_404()
    kind = grid.chosen_kind(request.form.get("kind"))
    asked = list(dict.fromkeys(_ids("document")))
    method = request.form.get("method", "manual")
    method = method if method in SENT_METHODS else "manual"
    rows = _unsent(connection, kind, asked) if asked else []
    if not rows:
        return render_template("sync/_bulk_sent.html", kind=kind, sent_methods=SENT_METHODS,
                               rows=_unsent(connection, kind),
                               error="Tick at least one invoice that is waiting to be sent."
                               if not asked else f"Nothing marked: {len(asked)} skipped "
                               "(not waiting to be sent, or not of this kind).")
    with db.atomic():
        for record in rows:
            record.document.set_sent(True, method)
    records.recheck(connection, [r.document.id for r in rows])
    skipped = len(asked) - len(rows)
    flash(f"{len(rows)} marked sent ({SENT_METHODS[method].lower()})"
          + (f"; {skipped} skipped (not waiting to be sent, or not of this kind)." if skipped
             else "."), "success")
    return _grid_and_menu(connection)
