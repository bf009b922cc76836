"""Documents (invoices and credit notes), their lines and an optional attached PDF."""

import datetime
from decimal import Decimal

from peewee import BlobField
from peewee import BooleanField
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import DecimalField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models import BaseModel
from models.contact import Contact
from models.money import document_totals
from models.money import line_amounts

KINDS = {
    "sales_invoice": "Sales invoice",
    "sales_credit_note": "Sales credit note",
    "supplier_invoice": "Supplier invoice",
    "supplier_credit_note": "Supplier credit note",
}
CREDIT_NOTE_OF = {"sales_credit_note": "sales_invoice", "supplier_credit_note": "supplier_invoice"}
CREDIT_NOTE_FOR = {invoice: credit for credit, invoice in CREDIT_NOTE_OF.items()}
STATUSES = ("draft", "approved", "void")
SENT_METHODS = {"email": "Email", "post": "Post", "manual": "Marked by hand"}
CATEGORIES = ("labour", "materials", "purchase", "other")
LOCK_MESSAGE = ("This document has been synced to the ledger, so it can no longer be changed here. "
                "To correct it, raise a credit note against it and issue a new document.")


def contact_kind_for(kind):
    """Sales documents go to customers, supplier documents come from suppliers."""
    return "customer" if kind.startswith("sales") else "supplier"


class DocumentLocked(Exception):
    """Raised on an attempt to change a document that has been synced."""

    def __init__(self):
        super().__init__(LOCK_MESSAGE)


class Document(BaseModel):
    """An invoice or credit note, known by the firm's own number (the "S number")."""

    kind = CharField(max_length=32)
    number = CharField(max_length=40, unique=True)
    contact = ForeignKeyField(Contact, backref="documents", on_delete="RESTRICT")
    care_of = ForeignKeyField(Contact, null=True, backref="care_of_documents",
                              on_delete="SET NULL")
    issue_date = DateField()
    due_date = DateField(null=True)
    currency = CharField(max_length=3, default="GBP")
    reference = CharField(max_length=100, default="")
    status = CharField(max_length=16, default="draft")
    sent = BooleanField(default=False)
    sent_method = CharField(max_length=16, default="")
    sent_at = DateTimeField(null=True)
    original = ForeignKeyField("self", null=True, backref="credit_notes", on_delete="SET NULL")
    notes = TextField(default="")
    # Totals are derived from the lines (see models/money.py) and kept here for fast lists.
    net_total = DecimalField(max_digits=14, decimal_places=2, default=0)
    tax_total = DecimalField(max_digits=14, decimal_places=2, default=0)
    gross_total = DecimalField(max_digits=14, decimal_places=2, default=0)
    # The lock: set by the sync engine once the document is in the ledger.
    synced_at = DateTimeField(null=True)
    created_at = DateTimeField(default=datetime.datetime.now)
    updated_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "document"

    @property
    def kind_label(self):
        """Human name of the kind."""
        return KINDS.get(self.kind, self.kind)

    @property
    def is_locked(self):
        """A synced document cannot be edited or voided; the fix is a credit note."""
        return self.synced_at is not None

    @property
    def is_credit_note(self):
        """True for sales and supplier credit notes."""
        return self.kind in CREDIT_NOTE_OF

    @property
    def is_sales(self):
        """Sales documents are the firm's own: it renders, sends and marks them sent."""
        return self.kind.startswith("sales")

    @property
    def credit_note_kind(self):
        """The kind of credit note raised against this invoice, or None for a credit note."""
        return CREDIT_NOTE_FOR.get(self.kind)

    def active_credit_notes(self, exclude_number=None):
        """The credit notes raised against this invoice that are not void."""
        query = Document.select().where(Document.original == self, Document.status != "void")
        if exclude_number:
            query = query.where(Document.number != exclude_number)
        return list(query.order_by(Document.issue_date, Document.id))

    def credited_total(self, exclude_number=None):
        """The gross total of the credit notes against this invoice, void ones left out."""
        return sum((note.gross_total for note in self.active_credit_notes(exclude_number)),
                   Decimal("0.00"))

    @property
    def is_marked_for_sync(self):
        """Approved documents are the ones the sync engine picks up."""
        return self.status == "approved"

    def ordered_lines(self):
        """The lines in their order on the document."""
        return list(self.lines.order_by(DocumentLine.position, DocumentLine.id))

    def ensure_unlocked(self):
        """Raise DocumentLocked when the document has been synced."""
        if self.is_locked:
            raise DocumentLocked()

    def replace_lines(self, lines):
        """Replace the lines with dicts (description, quantity, unit_price, tax_rate, ...)."""
        self.ensure_unlocked()
        DocumentLine.delete().where(DocumentLine.document == self).execute()
        triples = []
        for position, data in enumerate(lines):
            net, tax, gross = line_amounts(data["quantity"], data["unit_price"], data["tax_rate"])
            DocumentLine.create(
                document=self, position=position, description=data.get("description", ""),
                quantity=data["quantity"], unit_price=data["unit_price"],
                category=data.get("category", ""), nominal_code=data.get("nominal_code", ""),
                tax_rate=data["tax_rate"], net=net, tax=tax, gross=gross)
            triples.append((net, tax, gross))
        self.net_total, self.tax_total, self.gross_total = document_totals(triples)
        self.save()

    def set_sent(self, sent, method=""):
        """Record whether and how the document was sent (allowed even when locked)."""
        self.sent = bool(sent)
        self.sent_method = (method or "manual") if sent else ""
        self.sent_at = datetime.datetime.now() if sent else None
        self.save()

    def save(self, *args, **kwargs):
        """Stamp updated_at on every save."""
        self.updated_at = datetime.datetime.now()
        return super().save(*args, **kwargs)


class DocumentLine(BaseModel):
    """One line: quantity x unit price, a category or nominal code, and a tax rate in percent."""

    document = ForeignKeyField(Document, backref="lines", on_delete="CASCADE")
    position = IntegerField(default=0)
    description = TextField(default="")
    quantity = DecimalField(max_digits=14, decimal_places=4)
    unit_price = DecimalField(max_digits=14, decimal_places=4)
    category = CharField(max_length=16, default="")
    nominal_code = CharField(max_length=40, default="")
    tax_rate = DecimalField(max_digits=7, decimal_places=3)
    net = DecimalField(max_digits=14, decimal_places=2)
    tax = DecimalField(max_digits=14, decimal_places=2)
    gross = DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        table_name = "document_line"


class DocumentFile(BaseModel):
    """An attached PDF, kept in the database (see README: one backup, shared by every machine)."""

    document = ForeignKeyField(Document, unique=True, backref="files", on_delete="CASCADE")
    filename = CharField(max_length=200)
    content = BlobField()
    size = IntegerField()
    sha256 = CharField(max_length=64)
    uploaded_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "document_file"
