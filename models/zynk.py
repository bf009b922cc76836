"""Sage 50 through Zynk: a connection's credentials and settings, and the customers and
suppliers made in Sage 50 (their account references, and whether Zynk confirmed them)."""

import datetime

from peewee import BooleanField
from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField
from peewee import TextField

from models import BaseModel
from models.contact import Contact
from models.fields import JSONField
from models.integration import Connection

CUSTOMER, SUPPLIER = "customer", "supplier"


def _now():
    return datetime.datetime.now()


class ZynkLink(BaseModel):
    """How Zynk reaches one Sage 50 connection: Basic auth (the secret kept only as a hash),
    the nominal and tax code mapping, the XML chosen, test mode and the last exchange times."""

    connection = ForeignKeyField(Connection, unique=True, backref="zynk_links",
                                 on_delete="CASCADE")
    username = CharField(max_length=40, unique=True)
    secret_hash = CharField(max_length=200)
    secret_set_at = DateTimeField(default=_now)
    test_mode = BooleanField(default=False)
    nominal_codes = JSONField(null=True)  # mapping role -> nominal code
    tax_codes = JSONField(null=True)  # our rate ("20") -> Sage T-code number
    invoice_format = CharField(max_length=16, default="transaction")
    manual_numbers = BooleanField(default=False)  # Invoice XML keeps our numbers
    last_download_at = DateTimeField(null=True)
    last_confirmation_at = DateTimeField(null=True)
    last_fail_file_at = DateTimeField(null=True)

    class Meta:
        table_name = "zynk_link"


class ZynkContact(BaseModel):
    """One of our contacts as a Sage 50 customer or supplier, under its account reference."""

    connection = ForeignKeyField(Connection, backref="zynk_contacts", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="zynk_accounts", on_delete="CASCADE")
    kind = CharField(max_length=16)
    account_reference = CharField(max_length=8)
    confirmed_at = DateTimeField(null=True)
    failed_reason = TextField(default="")
    created_at = DateTimeField(default=_now)

    class Meta:
        table_name = "zynk_contact"
        indexes = ((("connection", "contact", "kind"), True),
                   (("connection", "kind", "account_reference"), True))
