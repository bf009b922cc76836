"""The firm's customers and suppliers."""

import datetime

from peewee import CharField
from peewee import DateTimeField
from peewee import ForeignKeyField

from models import BaseModel
from models.countries import country_name

CONTACT_KINDS = ("customer", "supplier")


class Contact(BaseModel):
    """A customer or supplier, known by the firm's own account number (the "A number")."""

    kind = CharField(max_length=16)
    number = CharField(max_length=40, unique=True)
    name = CharField(max_length=200)
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=40, default="")
    address_line1 = CharField(max_length=200, default="")
    address_line2 = CharField(max_length=200, default="")
    city = CharField(max_length=100, default="")
    postcode = CharField(max_length=20, default="")
    country = CharField(max_length=2, default="GB")
    vat_number = CharField(max_length=40, default="")
    care_of = ForeignKeyField("self", null=True, backref="sites", on_delete="SET NULL")
    created_at = DateTimeField(default=datetime.datetime.now)
    updated_at = DateTimeField(default=datetime.datetime.now)

    class Meta:
        table_name = "contact"

    EDITABLE = ("kind", "name", "email", "phone", "address_line1", "address_line2", "city",
                "postcode", "country", "vat_number")

    def address_lines(self):
        """The non-empty address lines, postcode and country (by name) last."""
        parts = [self.address_line1, self.address_line2, self.city, self.postcode]
        return [p for p in parts if p] + ([country_name(self.country)] if self.country else [])

    def save(self, *args, **kwargs):
        """Stamp updated_at on every save."""
        self.updated_at = datetime.datetime.now()
        return super().save(*args, **kwargs)
