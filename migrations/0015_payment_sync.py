"""Payments to the cloud packages: where each payment stands with each connection (the sync
engine's states and idempotency key), and the audit row of every send, read and decision."""

import datetime

from peewee import *


def up(migrator, db):
    class Connection(db.Model):
        class Meta:
            table_name = "connection"

    class Payment(db.Model):
        class Meta:
            table_name = "payment"

    class SyncRun(db.Model):
        class Meta:
            table_name = "sync_run"

    class PaymentSync(db.Model):
        payment = ForeignKeyField(Payment, on_delete="CASCADE")
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        kind = CharField(max_length=32)
        state = CharField(max_length=24, default="blocked")
        code = CharField(max_length=40, default="")
        message = TextField(default="")
        remote_id = CharField(max_length=100, default="")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(null=True)
        generation = IntegerField(default=1)
        idempotency_key = CharField(max_length=80, default="")
        fence = IntegerField(default=0)
        synced_at = DateTimeField(null=True)
        updated_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "payment_sync"
            indexes = ((("payment", "connection"), True),
                       (("connection", "kind", "state"), False))

    class PaymentAttempt(db.Model):
        record = ForeignKeyField(PaymentSync, on_delete="CASCADE")
        run = ForeignKeyField(SyncRun, null=True, on_delete="SET NULL")
        at = DateTimeField(default=datetime.datetime.now)
        outcome = CharField(max_length=24)
        code = CharField(max_length=40, default="")
        message = TextField(default="")
        calls = IntegerField(default=0)
        generation = IntegerField(default=1)

        class Meta:
            table_name = "payment_attempt"

    db.create_tables([PaymentSync, PaymentAttempt])


def down(migrator, db):
    db.execute_sql('DROP TABLE "payment_attempt"')
    db.execute_sql('DROP TABLE "payment_sync"')
