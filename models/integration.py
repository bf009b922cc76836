"""Connections to accounting packages, their cached ledger lists, and the account mapping."""

import datetime

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import DoubleField
from peewee import ForeignKeyField
from peewee import TextField

from models import BaseModel
from models.contact import Contact
from models.fields import JSONField

CONNECTED = "connected"
NEEDS_RECONNECT = "needs_reconnect"
DISCONNECTED = "disconnected"
PENDING = "pending"  # authorised, organisation not chosen yet

# The mapping roles the form asks for, with the account types each may use.
MAPPING_ROLES = {
    "labour_sales": ("Sales of labour", ("income",)),
    "materials_sales": ("Sales of materials", ("income",)),
    "purchases": ("Purchases", ("expense", "cost_of_sales")),
    "bank": ("Bank", ("bank",)),
}


def _now():
    return datetime.datetime.now()


class Connection(BaseModel):
    """A grant to one organisation in one accounting package; at most one is active."""

    provider = CharField()
    organisation_id = CharField(null=True)
    organisation_name = CharField(null=True)
    organisation_extra = JSONField(null=True)
    status = CharField(default=PENDING)
    status_reason = TextField(null=True)
    active = BooleanField(default=False)
    tokens = TextField(null=True)  # Fernet ciphertext of the token set (models.token_vault)
    access_expires_at = DoubleField(null=True)
    refreshed_at = DoubleField(null=True)  # when the refresh token was issued
    refresh_expires_at = DoubleField(null=True)
    options = JSONField(null=True)  # numbering, send files, default taxes, supplier warning
    mappings_confirmed = BooleanField(default=False)
    lists_refreshed_at = DateTimeField(null=True)
    last_sync_at = DateTimeField(null=True)
    last_error = TextField(null=True)
    last_error_at = DateTimeField(null=True)
    connected_at = DateTimeField(default=_now)
    # What the sync engine keeps about the ledger: modified-since watermarks per kind, the
    # organisation settings (lock date, currencies) last read.
    ledger_state = JSONField(null=True)

    class Meta:
        indexes = ((("provider", "organisation_id"), True),)

    @classmethod
    def active_connection(cls):
        """The connection syncing now, or None."""
        return cls.get_or_none(cls.active == True)  # noqa: E712 - peewee expression

    @classmethod
    def shown_per_provider(cls):
        """{provider id: its active connection, else its latest one} for the Integrations page."""
        shown = {}
        for connection in cls.select().order_by(cls.connected_at):
            current = shown.get(connection.provider)
            if current is None or not current.active:
                shown[connection.provider] = connection
        return shown

    @property
    def needs_reconnect(self):
        """True when the grant has gone bad and an admin must reconnect."""
        return self.status == NEEDS_RECONNECT


class LedgerAccount(BaseModel):
    """A cached account from the ledger's chart of accounts."""

    connection = ForeignKeyField(Connection, backref="accounts", on_delete="CASCADE")
    remote_id = CharField()
    code = CharField(default="")
    name = CharField()
    type = CharField()
    provider_type = CharField(default="")
    active = BooleanField(default=True)
    tax_rate_id = CharField(null=True)

    class Meta:
        indexes = ((("connection", "remote_id"), True),)


class LedgerTaxRate(BaseModel):
    """A cached tax rate."""

    connection = ForeignKeyField(Connection, backref="tax_rates", on_delete="CASCADE")
    remote_id = CharField()
    name = CharField()
    rate = CharField()  # Decimal as text, exact on both backends
    active = BooleanField(default=True)
    for_sales = BooleanField(default=True)
    for_purchases = BooleanField(default=True)

    class Meta:
        indexes = ((("connection", "remote_id"), True),)


class LedgerContact(BaseModel):
    """A cached ledger contact, for matching and linking."""

    connection = ForeignKeyField(Connection, backref="contacts", on_delete="CASCADE")
    remote_id = CharField()
    name = CharField()
    is_customer = BooleanField(default=False)
    is_supplier = BooleanField(default=False)
    email = CharField(default="")
    account_number = CharField(default="")
    postcode = CharField(max_length=20, default="")
    vat_number = CharField(max_length=40, default="")
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("connection", "remote_id"), True), (("connection", "name"), False))


class AccountMapping(BaseModel):
    """Which ledger account a role (sales of labour, ...) posts to; kept across reconnects."""

    connection = ForeignKeyField(Connection, backref="mappings", on_delete="CASCADE")
    role = CharField()
    account_remote_id = CharField()
    item_remote_id = CharField(null=True)  # QuickBooks/Zoho item for this income account
    updated_at = DateTimeField(default=_now)

    class Meta:
        indexes = ((("connection", "role"), True),)


class LedgerItem(BaseModel):
    """A cached product/service item and the income account it posts to (QuickBooks, Zoho)."""

    connection = ForeignKeyField(Connection, backref="items", on_delete="CASCADE")
    remote_id = CharField()
    name = CharField()
    income_account_id = CharField(null=True)
    active = BooleanField(default=True)

    class Meta:
        indexes = ((("connection", "remote_id"), True),)


class ContactLink(BaseModel):
    """Which ledger contact one of the firm's contacts is in one connection; kept on disconnect."""

    connection = ForeignKeyField(Connection, backref="contact_links", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="ledger_links", on_delete="CASCADE")
    remote_id = CharField(max_length=100)
    linked_at = DateTimeField(default=_now)

    class Meta:
        indexes = ((("connection", "contact"), True), (("connection", "remote_id"), False))
