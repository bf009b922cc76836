"""The actions popup: a document's sync status and what fixes it; Sent, Exclude, Include,
Retry now, link to the ledger's copy, Preview. Each action rechecks the row and answers with
the popup (the next problem, or closed) and the row swapped in place."""

import datetime

from flask import abort
from flask import flash
from flask import g
from flask import render_template
from flask import request
from flask_login import current_user

from models import db
from models.document import SENT_METHODS
from models.document import Document
from models.integration import Connection
from models.payment import PAYABLE_KINDS
from models.sync import IN_LEDGER
from models.sync import LedgerDocument
from services.contact_links import link_in
from services.contact_links import package_name
from services.ledger_links import new_contact_warning
from services.ledger_links import suggestions
from services.payments import payments_of
from sync import grid
from sync import payments as ledger_payments
from sync import records
from sync.codes import describe
from sync.preview import preview as dry_run
from sync.snapshot import organisation_settings
from views._access import login_required
from views._lookup import get_or_404

DONE_PROBLEMS = ("ready", "excluded")
REASON_MAX = 500
# A row another process touched just before this action is swapped too (harmless).
ACTION_OVERLAP = datetime.timedelta(seconds=1)


def _context(document_id):
    """(connection, document, record) for the active connection; 404 when not on the grid."""
    g.sync_action_started = datetime.datetime.now()
    connection = Connection.active_connection()
    document = get_or_404(Document, document_id)
    record = grid.row_for(connection, document.id) if connection is not None else None
    return connection, document, record


def _problem(record):
    if record is None:
        return "connection"
    if record.state in IN_LEDGER:
        return "synced"
    return describe(record.code).problem


def _duplicate(connection, document):
    return (LedgerDocument.select().where(LedgerDocument.connection == connection,
                                          LedgerDocument.kind == document.kind,
                                          LedgerDocument.number == document.number).first())


def _whose_link(document, problem):
    """The contact the contact section links: the care-of one for its own problem."""
    if problem == "care_of" and document.care_of_id:
        return document.care_of
    return document.contact


def _waiting_for(connection, document, record, problem):
    """What a waiting document waits for: (the invoice, its record) and the minutes to its
    retry time (None when it has none)."""
    invoice = invoice_record = None
    if problem == "waits" and document.original_id:
        invoice = document.original
        invoice_record = grid.row_for(connection, invoice.id)
    minutes = None
    if record is not None and record.next_attempt_at is not None:
        seconds = (record.next_attempt_at - datetime.datetime.now()).total_seconds()
        minutes = max(0, int(seconds + 59) // 60)
    return {"invoice": invoice, "invoice_record": invoice_record, "retry_in": minutes,
            "today": datetime.date.today()}


def render_dialog(connection, document, record, error="", typed="", confirm="", note="",
                  found=None, preview=None, status=200):
    """The popup for one document, with what the last action said."""
    problem = _problem(record)
    contact = _whose_link(document, problem)
    ranked = suggestions(connection, contact) if problem in ("contact", "care_of") else []
    history = records.history(record) if record is not None else []
    return render_template(
        "sync/_dialog.html", connection=connection, document=document, record=record,
        package=package_name(connection), current_link=link_in(connection, contact),
        problem=problem, code=describe(record.code) if record else None, contact=contact,
        suggestions=ranked, exact=next((s for s in ranked if s.exact_name), None),
        create_warning=(new_contact_warning(connection, contact, ranked)
                        if problem in ("contact", "care_of") else None),
        duplicate=_duplicate(connection, document) if problem == "duplicate" else None,
        lines=document.ordered_lines() if problem in ("account", "tax", "text") else [],
        history=history[:20], sent_methods=SENT_METHODS, error=error, typed=typed,
        confirm=confirm, note=note, found=found, preview=preview,
        settings=(organisation_settings(connection)
                  if problem in ("currency", "period") else None),
        is_admin=current_user.is_admin, payments=_payments(connection, document),
        **_waiting_for(connection, document, record, problem)
    ), status


def _payments(connection, document):
    """The invoice's payments with where each stands with the package: [(payment, words)]."""
    if document.kind not in PAYABLE_KINDS:
        return []
    shown = []
    for payment in payments_of(document):
        state = ledger_payments.ledger_state(connection, payment) if connection else None
        shown.append((payment, state[2] if state else "Not sent yet"))
    return shown


def _rows_changed_on_screen(connection, record):
    """The other rows on screen (the ids the popup's form sent) that this action changed: a
    contact linked from one document readies all of that contact's documents."""
    ids = [i for i in grid.parse_ids(request.form.get("visible"))
           if record is None or i != record.id]
    started = g.get("sync_action_started")
    if not ids or started is None:
        return []
    return grid.rows_by_id(connection, ids, since=started - ACTION_OVERLAP)


def after_action(connection, document, note="", error=""):
    """Answer an action: the popup (next problem, or closed when nothing is left) + the row."""
    record = grid.row_for(connection, document.id)
    if not error and _problem(record) in (*DONE_PROBLEMS, "synced"):
        flash(note, "success")  # carried out of band into the page's messages
        body = ""
    else:
        body = render_dialog(connection, document, record, error=error, note=note)[0]
    for row in ([record] if record is not None else []) + _rows_changed_on_screen(
            connection, record):
        body += render_template("sync/_row.html", record=row, oob=True)
    return (body + render_template("sync/_menu.html", oob=True, kinds=grid.KIND_LABELS,
                                   kind=document.kind, counts=grid.waiting_counts(connection))
            + render_template("sync/_bulk_buttons.html", oob=True, kind=document.kind,
                              bulk=grid.bulk_counts(connection, document.kind)))


@login_required
def actions(document_id):
    """The popup for a document on the grid."""
    connection, document, record = _context(document_id)
    if record is None:
        abort(404)
    return render_dialog(connection, document, record)


@login_required
def preview(document_id):
    """The engine's dry run: exactly what would be sent, calling nothing."""
    connection, document, record = _context(document_id)
    if record is None:
        abort(404)
    return render_dialog(connection, document, record, preview=dry_run(document, connection))


@login_required
def mark_sent(document_id):
    """The Sent toggle in place (sales documents); the row rechecks."""
    connection, document, record = _context(document_id)
    if record is None:
        abort(404)
    if not document.is_sales:
        return after_action(connection, document, error="Supplier documents have no Sent.")
    method = request.form.get("method", "manual")
    with db.atomic():
        document.set_sent(request.form.get("sent") == "1",
                          method if method in SENT_METHODS else "manual")
    records.recheck_documents([document.id])
    said = "sent" if document.sent else "not sent"
    return after_action(connection, document, note=f"{document.number} is marked {said}.")


def _person_action(document_id, action, done):
    connection, document, record = _context(document_id)
    if record is None:
        abort(404)
    try:
        action(connection, document)
    except records.RecordError as exc:
        return after_action(connection, document, error=str(exc))
    return after_action(connection, document, note=done.format(number=document.number))


@login_required
def exclude(document_id):
    """Keep the document out of the ledger, with a reason."""
    reason = (request.form.get("reason") or "").strip()[:REASON_MAX]
    return _person_action(document_id, lambda c, d: records.exclude(
        c, d.id, reason, user=current_user._get_current_object()), "{number} is excluded.")


@login_required
def include(document_id):
    """Bring an excluded document back; its checks run again."""
    return _person_action(document_id, lambda c, d: records.include(
        c, d.id, user=current_user._get_current_object()), "{number} is included again.")


@login_required
def retry(document_id):
    """Retry now (uncertain ones are read back from the ledger first by the next run)."""
    return _person_action(document_id, lambda c, d: records.retry(
        c, d.id, user=current_user._get_current_object()), "{number} will be tried again.")


@login_required
def link_existing(document_id):
    """Take the ledger's matching document as this one's copy."""
    return _person_action(document_id, lambda c, d: records.link_existing(
        c, d.id, user=current_user._get_current_object()),
        "{number} is linked to the ledger's copy.")
