"""The sync engine's tables: sync records, runs, attempts (the audit trail), the ledger number
index, and per-connection ledger state (modified-since watermarks, organisation settings)."""

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

    class SyncRecord(db.Model):
        document = ForeignKeyField(Document, on_delete="CASCADE")
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        kind = CharField(max_length=32)
        state = CharField(max_length=24, default="blocked")
        code = CharField(max_length=40, default="")
        message = TextField(default="")
        remote_id = CharField(max_length=100, default="")
        ledger_number = CharField(max_length=60, default="")
        ledger_url = TextField(default="")
        ledger_total = DecimalField(max_digits=14, decimal_places=2, null=True)
        warning = TextField(default="")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        generation = IntegerField(default=1)
        idempotency_key = CharField(max_length=80, default="")
        fence = IntegerField(default=0)
        excluded_reason = TextField(default="")
        synced_at = DateTimeField(null=True)
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "sync_record"
            indexes = ((("document", "connection"), True),
                       (("connection", "kind", "state"), False))

    class SyncRun(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        kind = CharField(max_length=32)
        mode = CharField(max_length=16, default="sync")
        started_by = ForeignKeyField(Users, null=True, on_delete="SET NULL")
        started_at = DateTimeField(default=datetime.datetime.now)
        deadline = DateTimeField()
        finished_at = DateTimeField(null=True)
        state = CharField(max_length=16, default="queued")
        limit = IntegerField(null=True)
        total = IntegerField(default=0)
        sent = IntegerField(default=0)
        synced = IntegerField(default=0)
        failed = IntegerField(default=0)
        blocked = IntegerField(default=0)
        left = IntegerField(default=0)
        stop_requested = BooleanField(default=False)
        message = TextField(default="")
        active_connection = IntegerField(null=True, unique=True)
        fence = IntegerField(default=0)
        lease_owner = CharField(max_length=80, default="")
        lease_expires_at = DoubleField(null=True)

        class Meta:
            table_name = "sync_run"

    class SyncAttempt(db.Model):
        record = ForeignKeyField(SyncRecord, on_delete="CASCADE")
        run = ForeignKeyField(SyncRun, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.now)
        outcome = CharField(max_length=24)
        code = CharField(max_length=40, default="")
        message = TextField(default="")
        calls = DoubleField(default=0)
        request_id = CharField(max_length=100, default="")
        generation = IntegerField(default=1)

        class Meta:
            table_name = "sync_attempt"

    class LedgerDocument(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        kind = CharField(max_length=32)
        remote_id = CharField(max_length=100)
        number = CharField(max_length=60, default="")
        reference = CharField(max_length=100, default="")
        contact_id = CharField(max_length=100, default="")
        total = DecimalField(max_digits=14, decimal_places=2, null=True)
        issue_date = DateField(null=True)
        url = TextField(default="")

        class Meta:
            table_name = "ledger_document"
            indexes = ((("connection", "kind", "remote_id"), True),
                       (("connection", "kind", "number"), False),
                       (("connection", "kind", "reference"), False))

    db.create_tables([SyncRecord, SyncRun, SyncAttempt, LedgerDocument])
    migrator.migrate(migrator.add_column("connection", "ledger_state", TextField(null=True)))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("connection", "ledger_state"))
    for table in ("sync_attempt", "sync_run", "sync_record", "ledger_document"):
        db.execute_sql(f'DROP TABLE "{table}"')
