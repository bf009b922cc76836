"""Cached ledger items (QuickBooks and Zoho sales lines go through items)."""

from peewee import *


def up(migrator, db):
    class Connection(db.Model):
        class Meta:
            table_name = "connection"

    class LedgerItem(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        remote_id = CharField()
        name = CharField()
        income_account_id = CharField(null=True)
        active = BooleanField(default=True)

        class Meta:
            table_name = "ledger_item"
            indexes = ((("connection", "remote_id"), True),)

    db.create_tables([LedgerItem])


def down(migrator, db):
    db.execute_sql("DROP TABLE ledger_item")
