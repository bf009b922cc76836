"""The /api/v1 endpoints: contacts and documents upserted by their own numbers, mark sent, list,
and payments against invoices."""

import datetime

from flask import current_app
from flask import jsonify
from flask import request

from models import db
from models.contact import Contact
from models.document import KINDS
from models.document import Document
from models.document import DocumentFile
from models.document import DocumentLocked
from models.integration import Connection
from models.payment import Payment
from services.contacts import clean_contact
from services.contacts import upsert_contact
from services.cursors import decode_cursor
from services.cursors import encode_cursor
from services.cursors import parse_id
from services.documents import clean_document
from services.documents import upsert_document
from services.invoice_pdf import SUPPLIER_NOT_SENT
from services.payments import PaymentError
from services.payments import add_payment as record_payment
from services.payments import owed
from services.payments import payment_json
from services.payments import payments_of
from services.payments import remove_payment as drop_payment
from services.validation import NUMBER_PATTERN
from sync.payments import ledger_json as payment_ledger
from sync.records import recheck_documents
from views.api import schemas
from views.api.openapi import build_spec
from views.api.protocol import ApiError
from views.api.protocol import read_json

MAX_PAGE = 200


def _iso(value):
    """RFC 3339 for datetimes (stored as local time, so given the local offset)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.astimezone().isoformat(timespec="seconds")
    return value.isoformat()


def contact_json(contact):
    """A contact as the API shows it."""
    data = {field: getattr(contact, field) for field in Contact.EDITABLE}
    data.update(number=contact.number, updated_at=_iso(contact.updated_at),
                care_of_number=contact.care_of.number if contact.care_of_id else None)
    return data


def document_json(document, full=True):
    """A document as the API shows it: totals as strings, the sync status, lines when full."""
    data = {
        "number": document.number, "kind": document.kind, "status": document.status,
        "contact_number": document.contact.number,
        "care_of_number": document.care_of.number if document.care_of_id else None,
        "original_number": document.original.number if document.original_id else None,
        "issue_date": document.issue_date.isoformat(), "due_date": _iso(document.due_date),
        "currency": document.currency, "reference": document.reference,
        "sent": document.sent, "sent_method": document.sent_method or None,
        "sent_at": _iso(document.sent_at),
        "totals": {"net": f"{document.net_total:.2f}", "tax": f"{document.tax_total:.2f}",
                   "gross": f"{document.gross_total:.2f}"},
        "sync": {"state": "synced" if document.synced_at else "not_synced",
                 "synced_at": _iso(document.synced_at)},
        "updated_at": _iso(document.updated_at),
    }
    if full:
        data["notes"] = document.notes
        data["has_attachment"] = (DocumentFile.select()
                                  .where(DocumentFile.document == document).exists())
        data["lines"] = [{
            "description": line.description, "quantity": f"{line.quantity.normalize():f}",
            "unit_price": f"{line.unit_price.normalize():f}",
            "tax_rate": f"{line.tax_rate.normalize():f}", "category": line.category,
            "nominal_code": line.nominal_code, "net": f"{line.net:.2f}",
            "tax": f"{line.tax:.2f}", "gross": f"{line.gross:.2f}",
        } for line in document.ordered_lines()]
    return data


def _by_number(model, number):
    """The contact or document with this own number; None for anything not shaped like one."""
    number = number.upper()
    return model.get_or_none(model.number == number) if NUMBER_PATTERN.fullmatch(number) else None


def _not_found(what, number):
    return ApiError(404, "not_found", f"There is no {what} numbered {number.upper()}.")


def openapi():
    """The OpenAPI 3.1 description (no token needed)."""
    return jsonify(build_spec(current_app.config["API_MAX_LINES"]))


def get_contact(number):
    """One contact."""
    contact = _by_number(Contact, number)
    if contact is None:
        raise _not_found("contact", number)
    return jsonify(contact_json(contact))


def put_contact(number):
    """Create or update a contact by its A number."""
    payload = read_json(schemas.CONTACT_INPUT, lambda data: clean_contact(data, number)[1])
    with db.atomic():
        cleaned, errors = clean_contact(payload, number)
        if errors:
            raise ApiError(422, "invalid", "The input has errors; see `errors`.", errors)
        contact, outcome = upsert_contact(cleaned)
    return jsonify({"outcome": outcome, "contact": contact_json(contact)}), (
        201 if outcome == "created" else 200)


def get_document(number):
    """One document with its lines and sync status."""
    document = _by_number(Document, number)
    if document is None:
        raise _not_found("document", number)
    return jsonify(document_json(document))


def put_document(number):
    """Create or update a document by its S number; a synced one refuses changes (409)."""
    max_lines = current_app.config["API_MAX_LINES"]
    payload = read_json(schemas.document_input(max_lines),
                        lambda data: clean_document(data, number, max_lines)[1])
    try:
        with db.atomic():
            cleaned, errors = clean_document(payload, number, max_lines)
            if errors:
                raise ApiError(422, "invalid", "The input has errors; see `errors`.", errors)
            document, outcome = upsert_document(cleaned)
    except DocumentLocked as exc:
        raise ApiError(409, "locked", str(exc)) from exc
    return jsonify({"outcome": outcome, "document": document_json(document)}), (
        201 if outcome == "created" else 200)


def mark_sent(number):
    """Record that a document was sent (or not), and how."""
    payload = read_json(schemas.SENT_INPUT)
    document = _by_number(Document, number)
    if document is None:
        raise _not_found("document", number)
    if not document.is_sales:
        raise ApiError(422, "invalid", "The input has errors; see `errors`.",
                       [{"field": "sent", "message": SUPPLIER_NOT_SENT}])
    sent = payload.get("sent", True)
    method = payload.get("method", "manual") if sent else ""
    if document.sent == sent and document.sent_method == method:
        return jsonify({"outcome": "unchanged", "document": document_json(document)})
    with db.atomic():
        document.set_sent(sent, method)
    recheck_documents([document.id])
    return jsonify({"outcome": "updated", "document": document_json(document)})


def _page_args():
    errors = []
    limit = parse_id(request.args.get("limit", "50"))
    if limit is None or not 1 <= limit <= MAX_PAGE:
        errors.append({"field": "limit", "message": f"Give a limit from 1 to {MAX_PAGE}."})
    after = 0
    cursor = request.args.get("cursor")
    if cursor is not None:
        position = decode_cursor(cursor, "id")
        if position is None:
            errors.append({"field": "cursor", "message": "The cursor is not one we gave out."})
        else:
            (after,) = position
    kind = request.args.get("kind")
    if kind is not None and kind not in KINDS:
        errors.append({"field": "kind", "message": "Unknown kind."})
    if errors:
        raise ApiError(422, "invalid", "The query has errors; see `errors`.", errors)
    return limit, after, kind


def list_documents():
    """Documents in the order they were created, a page at a time (cursor pagination)."""
    limit, after, kind = _page_args()
    query = (Document.select(Document, Contact)
             .join(Contact, on=(Document.contact == Contact.id)).where(Document.id > after))
    if kind:
        query = query.where(Document.kind == kind)
    rows = list(query.order_by(Document.id).limit(limit + 1))
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].id)
    return jsonify({"items": [document_json(d, full=False) for d in rows],
                    "next_cursor": next_cursor})


def _document_or_404(number):
    document = _by_number(Document, number)
    if document is None:
        raise _not_found("document", number)
    return document


def _payment_json(payment):
    """payment_json with where it stands with the active cloud package."""
    return payment_json(payment, payment_ledger(Connection.active_connection(), payment))


def list_payments(number):
    """The payments against a document, and what is still owed."""
    document = _document_or_404(number)
    return jsonify({"items": [_payment_json(p) for p in payments_of(document)],
                    "owed": f"{owed(document):.2f}"})


def add_payment(number):
    """Record a payment against an invoice (never more than is owed)."""
    payload = read_json(schemas.PAYMENT_INPUT)
    document = _document_or_404(number)
    payment, errors = record_payment(document, {**payload, "amount": str(payload["amount"])})
    if errors:
        raise ApiError(422, "invalid", "The input has errors; see `errors`.", errors)
    return jsonify({"payment": _payment_json(payment), "owed": f"{owed(document):.2f}"}), 201


def remove_payment(number, payment_id):
    """Remove a payment that has not been sent to the ledger."""
    document = _document_or_404(number)
    payment = Payment.get_or_none(Payment.id == payment_id, Payment.document == document)
    if payment is None:
        raise ApiError(404, "not_found", f"There is no payment {payment_id} on {document.number}.")
    try:
        drop_payment(payment)
    except PaymentError as exc:
        raise ApiError(409, "exported", str(exc)) from exc
    return "", 204
