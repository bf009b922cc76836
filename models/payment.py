"""Payments: a receipt against a customer invoice, or a payment against a supplier invoice.

Exported to Sage 50 through Zynk as SalesReceipt / PurchasePayment transactions once the invoice
is confirmed there, and to the cloud packages by the sync engine (a PaymentSync per connection,
each send, read and decision audited in PaymentAttempt); removable until one of them may have
carried it.
"""

import datetime

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import DecimalField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models import BaseModel
from models.document import Document
from models.integration import Connection
from models.sync import SENDING
from models.sync import SYNCED
from models.sync import UNCERTAIN
from models.sync import SyncRun
from models.user import User

PAYABLE_KINDS = {"sales_invoice": "Receipt", "supplier_invoice": "Payment"}


class Payment(BaseModel):
    """Money received against a sales invoice or paid against a supplier invoice."""

    document = ForeignKeyField(Document, backref="payments", on_delete="CASCADE")
    paid_on = DateField()
    amount = DecimalField(max_digits=14, decimal_places=2)
    bank_code = CharField(max_length=8, default="")  # Sage nominal; blank: the mapped bank
    reference = CharField(max_length=10, default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.datetime.now)
    # Sage 50 through Zynk: the connection whose download carried it, and what came back.
    connection = ForeignKeyField(Connection, null=True, on_delete="SET NULL")
    exported_at = DateTimeField(null=True)
    confirmed_at = DateTimeField(null=True)
    ledger_number = CharField(max_length=60, default="")
    failed_reason = TextField(default="")

    class Meta:
        table_name = "payment"

    @property
    def is_exported(self):
        """True once a download has carried it, or a cloud package may have it (it can no longer
        be removed)."""
        if self.exported_at is not None or self.confirmed_at is not None:
            return True
        return self.id is not None and PaymentSync.select().where(
            PaymentSync.payment == self.id, PaymentSync.state.in_(LEFT_FOR_LEDGER)).exists()


# A payment in one of these states on any connection may be in the ledger.
LEFT_FOR_LEDGER = (SENDING, UNCERTAIN, SYNCED)


def _now():
    return datetime.datetime.now()


class PaymentSync(BaseModel):
    """Where one payment stands with one cloud connection's ledger (the sync engine's states)."""

    payment = ForeignKeyField(Payment, backref="ledger_syncs", on_delete="CASCADE")
    connection = ForeignKeyField(Connection, backref="payment_syncs", on_delete="CASCADE")
    kind = CharField(max_length=32)  # the paid document's kind
    state = CharField(max_length=24, default="blocked")
    code = CharField(max_length=40, default="")
    message = TextField(default="")
    remote_id = CharField(max_length=100, default="")
    attempts = IntegerField(default=0)  # sends in this generation
    next_attempt_at = DateTimeField(null=True)
    generation = IntegerField(default=1)  # bumped when a refused payment is sent afresh
    idempotency_key = CharField(max_length=80, default="")
    fence = IntegerField(default=0)  # the run's fencing token that wrote last
    synced_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=_now)

    class Meta:
        table_name = "payment_sync"
        indexes = ((("payment", "connection"), True), (("connection", "kind", "state"), False))


class PaymentAttempt(BaseModel):
    """The audit row of one send, read or decision about a payment; kept after a disconnect."""

    record = ForeignKeyField(PaymentSync, backref="attempts_log", on_delete="CASCADE")
    run = ForeignKeyField(SyncRun, null=True, on_delete="SET NULL")
    at = DateTimeField(default=_now)
    outcome = CharField(max_length=24)
    code = CharField(max_length=40, default="")
    message = TextField(default="")
    calls = IntegerField(default=0)
    generation = IntegerField(default=1)

    class Meta:
        table_name = "payment_attempt"
