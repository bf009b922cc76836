"""The firm's own details, printed on invoice PDFs (one row, edited in Settings)."""

import datetime

from peewee import BlobField
from peewee import CharField
from peewee import DateTimeField
from peewee import TextField

from models import BaseModel

# How CSV files write dates; the firm's own choice, else the custom of its country.
DATE_ORDERS = {"dmy": "Day first: 15/11/2026", "mdy": "Month first: 11/15/2026"}
MONTH_FIRST_COUNTRIES = frozenset({"US", "PH", "AS", "GU", "MP", "UM", "VI"})


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
    date_order = CharField(max_length=3, default="")  # "dmy", "mdy", or "" for the country's
    updated_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "firm_profile"

    TEXT_FIELDS = ("name", "address_line1", "address_line2", "city", "postcode", "country",
                   "vat_number", "email", "phone", "payment_terms")

    @property
    def csv_date_order(self):
        """"dmy" or "mdy": the firm's choice, else month first only where that is the custom."""
        if self.date_order in DATE_ORDERS:
            return self.date_order
        return "mdy" if self.country in MONTH_FIRST_COUNTRIES else "dmy"

    def missing_for_documents(self):
        """What documents issued by the firm still lack, as words: "the firm's name", ..."""
        missing = []
        if not (self.name or "").strip():
            missing.append("the firm's name")
        if not any((value or "").strip() for value in (self.address_line1, self.city,
                                                       self.postcode)):
            missing.append("its address")
        return missing

    @classmethod
    def current(cls):
        """The one profile row (an unsaved blank one until Settings are saved)."""
        return cls.select().order_by(cls.id).first() or cls()
