"""Payments: a receipt against a customer invoice, or a payment against a supplier invoice.

Exported to Sage 50 through Zynk as SalesReceipt / PurchasePayment transactions once the invoice
is confirmed there; removable until a download has carried it.
"""

import datetime

from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import DecimalField
from peewee import ForeignKeyField
from peewee import TextField

from models import BaseModel
from models.document import Document
from models.integration import Connection
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
        """True once a download has carried it (it can no longer be removed)."""
        return self.exported_at is not None or self.confirmed_at is not None
