"""Payments: a receipt against a customer invoice or a payment against a supplier invoice, and
what Sage 50 (through Zynk) made of it."""

import datetime

from peewee import *


def up(migrator, db):
    class Users(db.Model):
        class Meta:
            table_name = "users"

    class Connection(db.Model):
        class Meta:
            table_name = "connection"

    class Document(db.Model):
        class Meta:
            table_name = "document"

    class Payment(db.Model):
        document = ForeignKeyField(Document, on_delete="CASCADE")
        paid_on = DateField()
        amount = DecimalField(max_digits=14, decimal_places=2)
        bank_code = CharField(max_length=8, default="")
        reference = CharField(max_length=10, default="")
        created_by = ForeignKeyField(Users, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.now)
        connection = ForeignKeyField(Connection, null=True, on_delete="SET NULL")
        exported_at = DateTimeField(null=True)
        confirmed_at = DateTimeField(null=True)
        ledger_number = CharField(max_length=60, default="")
        failed_reason = TextField(default="")

        class Meta:
            table_name = "payment"

    db.create_tables([Payment])


def down(migrator, db):
    db.execute_sql('DROP TABLE "payment"')
