"""Recording payments against invoices: what is owed, the checks, adding and removing.

A receipt goes against an approved customer invoice, a payment against an approved supplier
invoice. What is owed is the gross total less the credit notes against it and the payments
already recorded; a payment cannot exceed it. A payment can be removed until a download to the
ledger has carried it, or a cloud package may have it (a payment record sending, uncertain
or synced on any connection).
"""

import re
from decimal import Decimal

from peewee import PostgresqlDatabase

from models import db
from models.document import Document
from models.payment import PAYABLE_KINDS
from models.payment import Payment
from services.validation import Errors
from services.validation import clean_date
from services.validation import clean_decimal
from services.validation import clean_text

LIMIT = Decimal(10) ** 12
BANK_CODE = re.compile(r"^[0-9]{1,8}$")


class PaymentError(Exception):
    """A payment cannot be added or removed; the message says why."""


def paid_total(document):
    """The payments recorded against a document."""
    return sum((p.amount for p in Payment.select().where(Payment.document == document)),
               Decimal("0.00"))


def owed(document):
    """What is still owed on an invoice: gross less credit notes less payments."""
    return (Decimal(document.gross_total) - document.credited_total()
            - paid_total(document)).quantize(Decimal("0.01"))


def payments_of(document):
    """The document's payments, oldest first."""
    return list(Payment.select().where(Payment.document == document)
                .order_by(Payment.paid_on, Payment.id))


def clean_payment(document, data):
    """(cleaned, errors) for a payment against the document; errors a list of {field, message}.
    """
    errors = Errors()
    if document.kind not in PAYABLE_KINDS:
        errors.add("document", "Payments are recorded against customer and supplier invoices "
                               "only.")
    elif document.status != "approved":
        errors.add("document", "Only an approved invoice can be paid.")
    cleaned = {
        "paid_on": clean_date(data.get("paid_on"), "paid_on", errors),
        "amount": clean_decimal(data.get("amount"), "amount", errors, 2, LIMIT,
                                minimum=Decimal("0.01")),
        "bank_code": clean_text(data.get("bank_code"), "bank_code", errors, 8,
                                label="bank account"),
        "reference": clean_text(data.get("reference"), "reference", errors, 10),
    }
    if cleaned["bank_code"] and not BANK_CODE.match(cleaned["bank_code"]):
        errors.add("bank_code", "The bank account is a nominal code: digits only, up to 8 "
                                "(e.g. 1200). Leave it blank for the mapped bank.")
    if not errors and cleaned["amount"] > owed(document):
        errors.add("amount", f"The amount is more than is owed ({owed(document):.2f}).")
    return cleaned, errors


def add_payment(document, data, user=None):
    """Record a payment; (Payment, None) or (None, errors)."""
    with db.atomic():
        # Lock the document row, so two payments at once cannot both pass the owed check.
        if isinstance(db.obj, PostgresqlDatabase):
            list(Document.select(Document.id).where(Document.id == document.id).for_update())
        cleaned, errors = clean_payment(document, data)
        if errors:
            return None, errors
        return Payment.create(document=document, created_by=user, **cleaned), None


def remove_payment(payment):
    """Remove a payment that no download has carried yet."""
    with db.atomic():
        fresh = Payment.get_or_none(Payment.id == payment.id)
        if fresh is None:
            raise PaymentError("That payment is already gone.")
        if fresh.is_exported:
            raise PaymentError("This payment has gone to the ledger (or is on its way), so it "
                               "cannot be removed here. Remove it in the ledger first if it "
                               "was a mistake.")
        fresh.delete_instance()


def payment_json(payment, ledger=None):
    """A payment as the JSON API gives it; `ledger` where it stands with the active cloud
    package (a dict, or None)."""
    return {"id": payment.id, "paid_on": payment.paid_on.isoformat(),
            "amount": f"{Decimal(payment.amount):.2f}", "bank_code": payment.bank_code,
            "reference": payment.reference, "exported": payment.is_exported,
            "ledger_number": payment.ledger_number, "ledger": ledger}
