"""Payments on the document screen: record a receipt or payment, remove one not yet exported,
see where each stands with the active cloud package and retry one it refused. Answers with the
payments fragment for htmx, else goes back to the document."""

from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from models.document import Document
from models.integration import Connection
from models.payment import PAYABLE_KINDS
from models.payment import Payment
from services.payments import PaymentError
from services.payments import add_payment
from services.payments import owed
from services.payments import payments_of
from services.payments import remove_payment
from sync import payments as ledger_payments
from views._access import login_required
from views._htmx import is_partial
from views._lookup import get_or_404


def payments_context(document, values=None, errors=None, message=""):
    """What the payments fragment shows."""
    payable = document.kind in PAYABLE_KINDS
    payments = payments_of(document) if payable else []
    connection = Connection.active_connection()
    ledger = {}
    if connection is not None:
        for payment in payments:
            state = ledger_payments.ledger_state(connection, payment)
            if state is not None:
                ledger[payment.id] = state
    return {"payments": payments, "ledger": ledger,
            "owed": owed(document) if payable else None, "payable": payable,
            "payment_label": PAYABLE_KINDS.get(document.kind, "Payment"),
            "payment_values": values or {}, "payment_errors": errors or {},
            "payment_message": message}


def _answer(document, status=200, **context):
    if not is_partial():
        return redirect(url_for("documents.detail", document_id=document.id))
    return render_template("documents/_payments.html", document=document,
                           **payments_context(document, **context)), status


@login_required
def add(document_id):
    """Record a payment against the document."""
    document = get_or_404(Document, document_id)
    values = {key: request.form.get(key, "") for key in ("paid_on", "amount", "bank_code",
                                                           "reference")}
    _payment, errors = add_payment(document, values, current_user)
    if errors:
        return _answer(document, 200, values=values,
                       errors={e["field"]: e["message"] for e in errors})
    return _answer(document, message="Recorded.")


@login_required
def remove(document_id, payment_id):
    """Remove a payment that has not gone to the ledger."""
    document = get_or_404(Document, document_id)
    payment = get_or_404(Payment, payment_id)
    if payment.document_id != document.id:
        return _answer(document, message="That payment is on another document.")
    try:
        remove_payment(payment)
    except PaymentError as exc:
        return _answer(document, message=str(exc))
    return _answer(document, message="Removed.")


@login_required
def retry(document_id, payment_id):
    """Send a payment the package refused again, with a fresh key, at the next sync."""
    document = get_or_404(Document, document_id)
    payment = get_or_404(Payment, payment_id)
    connection = Connection.active_connection()
    if payment.document_id != document.id or connection is None:
        return _answer(document, message="There is nothing to retry.")
    ledger_payments.retry(connection, payment.id, current_user)
    return _answer(document, message="It goes again at the next sync.")

