"""Sage 50 through Zynk: the connection's Basic-auth credentials, mapping and watermarks, and
the customers and suppliers made in Sage 50 with their account references."""

import datetime

from peewee import *


def up(migrator, db):
    class Connection(db.Model):
        class Meta:
            table_name = "connection"

    class Contact(db.Model):
        class Meta:
            table_name = "contact"

    class ZynkLink(db.Model):
        connection = ForeignKeyField(Connection, unique=True, on_delete="CASCADE")
        username = CharField(max_length=40, unique=True)
        secret_hash = CharField(max_length=200)
        secret_set_at = DateTimeField(default=datetime.datetime.now)
        test_mode = BooleanField(default=False)
        nominal_codes = TextField(null=True)
        tax_codes = TextField(null=True)
        invoice_format = CharField(max_length=16, default="transaction")
        manual_numbers = BooleanField(default=False)
        last_download_at = DateTimeField(null=True)
        last_confirmation_at = DateTimeField(null=True)
        last_fail_file_at = DateTimeField(null=True)

        class Meta:
            table_name = "zynk_link"

    class ZynkContact(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        kind = CharField(max_length=16)
        account_reference = CharField(max_length=8)
        confirmed_at = DateTimeField(null=True)
        failed_reason = TextField(default="")
        created_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "zynk_contact"
            indexes = ((("connection", "contact", "kind"), True),
                       (("connection", "kind", "account_reference"), True))

    db.create_tables([ZynkLink, ZynkContact])


def down(migrator, db):
    for table in ("zynk_contact", "zynk_link"):
        db.execute_sql(f'DROP TABLE "{table}"')
