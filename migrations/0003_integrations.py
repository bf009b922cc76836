"""Connections to accounting packages, cached ledger lists and account mappings."""

import datetime

from peewee import *


class JSONText(TextField):
    pass


def up(migrator, db):
    now = datetime.datetime.now

    class Connection(db.Model):
        provider = CharField()
        organisation_id = CharField(null=True)
        organisation_name = CharField(null=True)
        organisation_extra = JSONText(null=True)
        status = CharField(default="pending")
        status_reason = TextField(null=True)
        active = BooleanField(default=False)
        tokens = TextField(null=True)
        access_expires_at = FloatField(null=True)
        refreshed_at = FloatField(null=True)
        refresh_expires_at = FloatField(null=True)
        options = JSONText(null=True)
        mappings_confirmed = BooleanField(default=False)
        lists_refreshed_at = DateTimeField(null=True)
        last_sync_at = DateTimeField(null=True)
        last_error = TextField(null=True)
        last_error_at = DateTimeField(null=True)
        connected_at = DateTimeField(default=now)

        class Meta:
            table_name = "connection"
            indexes = ((("provider", "organisation_id"), True),)

    class LedgerAccount(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        remote_id = CharField()
        code = CharField(default="")
        name = CharField()
        type = CharField()
        provider_type = CharField(default="")
        active = BooleanField(default=True)
        tax_rate_id = CharField(null=True)

        class Meta:
            table_name = "ledger_account"
            indexes = ((("connection", "remote_id"), True),)

    class LedgerTaxRate(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        remote_id = CharField()
        name = CharField()
        rate = CharField()
        active = BooleanField(default=True)
        for_sales = BooleanField(default=True)
        for_purchases = BooleanField(default=True)

        class Meta:
            table_name = "ledger_tax_rate"
            indexes = ((("connection", "remote_id"), True),)

    class LedgerContact(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        remote_id = CharField()
        name = CharField()
        is_customer = BooleanField(default=False)
        is_supplier = BooleanField(default=False)
        email = CharField(default="")
        account_number = CharField(default="")
        active = BooleanField(default=True)

        class Meta:
            table_name = "ledger_contact"
            indexes = ((("connection", "remote_id"), True), (("connection", "name"), False))

    class AccountMapping(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        role = CharField()
        account_remote_id = CharField()
        item_remote_id = CharField(null=True)
        updated_at = DateTimeField(default=now)

        class Meta:
            table_name = "account_mapping"
            indexes = ((("connection", "role"), True),)

    db.create_tables([Connection, LedgerAccount, LedgerTaxRate, LedgerContact, AccountMapping])


def down(migrator, db):
    for table in ("account_mapping", "ledger_contact", "ledger_tax_rate", "ledger_account",
                  "connection"):
        db.execute_sql(f"DROP TABLE {table}")
