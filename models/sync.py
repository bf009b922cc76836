"""What the sync engine knows: a record per (document, connection), its attempts, the runs, and
the ledger's own documents (the number index that finds duplicates without an API call)."""

import datetime

from peewee import BooleanField
from peewee import CharField
from peewee import DateField
from peewee import DateTimeField
from peewee import DecimalField
from peewee import DoubleField
from peewee import ForeignKeyField
from peewee import IntegerField
from peewee import TextField

from models import BaseModel
from models.document import Document
from models.integration import Connection
from models.user import User

# Sync record states (see README "Sync states").
BLOCKED = "blocked"  # a pre-flight check fails; the code says which
READY = "ready"
SENDING = "sending"  # a request may be in flight
UNCERTAIN = "uncertain"  # it may have landed; resolved by reading the ledger, never re-sent blind
SYNCED = "synced"
VARIANCE = "synced_with_variance"  # in the ledger, but its total differs from ours
FAILED = "failed"  # the ledger refused the content; not retried until something changes
WAITING = "waiting"  # retry at next_attempt_at, or waiting for its invoice
EXCLUDED = "excluded"  # by a person, with a reason

STATES = {
    BLOCKED: "Blocked", READY: "Ready", SENDING: "Sending", UNCERTAIN: "Uncertain",
    SYNCED: "Synced", VARIANCE: "Synced with variance", FAILED: "Failed", WAITING: "Waiting",
    EXCLUDED: "Excluded",
}
IN_LEDGER = (SYNCED, VARIANCE)
# States a recheck may recompute (the others belong to a send in progress or a person).
RECHECKABLE = (BLOCKED, READY, WAITING, FAILED)

# Run modes and states.
SYNC, AUTO, SCHEDULED = "sync", "auto", "scheduled"
MODES = {SYNC: "Sync", AUTO: "Auto sync", SCHEDULED: "Scheduled auto sync"}
QUEUED, RUNNING, FINISHED, STOPPED, ABORTED = "queued", "running", "finished", "stopped", "aborted"
ACTIVE_RUN_STATES = (QUEUED, RUNNING)


def _now():
    return datetime.datetime.now()


class SyncRecord(BaseModel):
    """Where one document stands with one connection's ledger."""

    document = ForeignKeyField(Document, backref="sync_records", on_delete="CASCADE")
    connection = ForeignKeyField(Connection, backref="sync_records", on_delete="CASCADE")
    kind = CharField(max_length=32)  # the document's kind, kept here for the grid's index
    state = CharField(max_length=24, default=BLOCKED)
    code = CharField(max_length=40, default="")
    message = TextField(default="")
    remote_id = CharField(max_length=100, default="")
    ledger_number = CharField(max_length=60, default="")
    ledger_url = TextField(default="")
    ledger_total = DecimalField(max_digits=14, decimal_places=2, null=True)
    warning = TextField(default="")  # e.g. the PDF could not be attached
    attempts = IntegerField(default=0)  # sends in this generation
    next_attempt_at = DateTimeField(null=True)
    generation = IntegerField(default=1)  # bumped when a failed document is sent afresh
    idempotency_key = CharField(max_length=80, default="")
    fence = IntegerField(default=0)  # the run's fencing token that wrote last
    excluded_reason = TextField(default="")
    synced_at = DateTimeField(null=True)
    updated_at = DateTimeField(default=_now)

    class Meta:
        table_name = "sync_record"
        indexes = ((("document", "connection"), True), (("connection", "kind", "state"), False))

    @property
    def state_label(self):
        """The state in words."""
        return STATES.get(self.state, self.state)

    @property
    def in_ledger(self):
        """True once the document is in the ledger."""
        return self.state in IN_LEDGER


class SyncRun(BaseModel):
    """One Sync or Auto sync of one kind on one connection; what the progress poll reads."""

    connection = ForeignKeyField(Connection, backref="sync_runs", on_delete="CASCADE")
    kind = CharField(max_length=32)
    mode = CharField(max_length=16, default=SYNC)
    started_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    started_at = DateTimeField(default=_now)
    deadline = DateTimeField()
    finished_at = DateTimeField(null=True)
    state = CharField(max_length=16, default=QUEUED)
    limit = IntegerField(null=True)  # at most this many documents (Sync); None: until done
    total = IntegerField(default=0)  # ready when the run started, for the progress bar
    sent = IntegerField(default=0)
    synced = IntegerField(default=0)
    failed = IntegerField(default=0)
    blocked = IntegerField(default=0)
    left = IntegerField(default=0)
    stop_requested = BooleanField(default=False)
    message = TextField(default="")
    # One active run per connection: the connection's id while queued or running, else NULL.
    active_connection = IntegerField(null=True, unique=True)
    fence = IntegerField(default=0)  # bumped by every worker that takes the lease
    lease_owner = CharField(max_length=80, default="")
    lease_expires_at = DoubleField(null=True)

    class Meta:
        table_name = "sync_run"

    @property
    def is_active(self):
        """Queued or running."""
        return self.state in ACTIVE_RUN_STATES

    @property
    def mode_label(self):
        """The mode in words."""
        return MODES.get(self.mode, self.mode)


class SyncAttempt(BaseModel):
    """The audit row of one send, read or decision about a document; kept after a disconnect."""

    record = ForeignKeyField(SyncRecord, backref="attempts_log", on_delete="CASCADE")
    run = ForeignKeyField(SyncRun, null=True, backref="attempts", on_delete="SET NULL")
    at = DateTimeField(default=_now)
    outcome = CharField(max_length=24)
    code = CharField(max_length=40, default="")
    message = TextField(default="")
    calls = DoubleField(default=0)  # API calls spent on it (a batch call is shared)
    request_id = CharField(max_length=100, default="")
    generation = IntegerField(default=1)

    class Meta:
        table_name = "sync_attempt"


class LedgerDocument(BaseModel):
    """A document already in the ledger, as the modified-since reads last saw it."""

    connection = ForeignKeyField(Connection, backref="ledger_documents", on_delete="CASCADE")
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
