"""The firm's own details, printed on invoice PDFs (one row, edited in Settings)."""

import datetime

from peewee import BlobField
from peewee import CharField
from peewee import DateTimeField
from peewee import TextField

from models import BaseModel


class FirmProfile(BaseModel):
    """Name, address, VAT number, contact details and an optional logo."""

    name = CharField(max_length=200, default="")
    address_line1 = CharField(max_length=200, default="")
    address_line2 = CharField(max_length=200, default="")
    city = CharField(max_length=100, default="")
    postcode = CharField(max_length=20, default="")
    country = CharField(max_length=2, default="GB")
    vat_number = CharField(max_length=40, default="")
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=40, default="")
    payment_terms = TextField(default="")
    logo = BlobField(null=True)
    logo_type = CharField(max_length=8, default="")
    updated_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "firm_profile"

    TEXT_FIELDS = ("name", "address_line1", "address_line2", "city", "postcode", "country",
                   "vat_number", "email", "phone", "payment_terms")

    @classmethod
    def current(cls):
        """The one profile row (an unsaved blank one until Settings are saved)."""
        return cls.select().order_by(cls.id).first() or cls()
