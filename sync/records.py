"""Recording where documents stand: pre-flight rechecks written to sync records, and what a
person decides (exclude, include, retry, link to the ledger's own copy), each with an audit row.
"""

import datetime

from models import db
from models.document import Document
from models.fields import IdList
from models.integration import Connection
from models.sync import BLOCKED
from models.sync import EXCLUDED
from models.sync import FAILED
from models.sync import IN_LEDGER
from models.sync import READY
from models.sync import SENDING
from models.sync import SYNCED
from models.sync import UNCERTAIN
from models.sync import WAITING
from models.sync import LedgerDocument
from models.sync import SyncAttempt
from models.sync import SyncRecord
from sync.preflight import check
from sync.snapshot import CHUNK
from sync.snapshot import batch_snapshot
from sync.snapshot import connection_snapshot
from sync.snapshot import document_facts

# Packages that fetch from us (Sage 50 through Zynk) check with their own snapshot: their
# module registers its recheck here by provider id (it imports this one, so not the reverse).
PULL_RECHECKS = {}


class RecordError(Exception):
    """A person's action that cannot apply to the record as it stands (message says why)."""


def _now():
    return datetime.datetime.now()


def audit(record, outcome, code="", message="", run=None, calls=0, request_id=""):
    """Add an audit row for a record."""
    return SyncAttempt.create(record=record, run=run, outcome=outcome, code=code,
                              message=message[:2000], calls=calls, request_id=request_id[:100],
                              generation=record.generation)


def approved_ids(connection):
    """Ids of every approved document (the ones the engine considers)."""
    del connection  # every approved document is considered for the active connection
    return [d.id for d in Document.select(Document.id).where(Document.status == "approved")]


def _state_for(verdict):
    if verdict.ready:
        return READY
    return WAITING if verdict.code == "waits_for_invoice" else BLOCKED


# What a recheck reads of each record, as plain rows (model objects would cost more than the
# checks themselves).
_RECHECK_COLUMNS = (SyncRecord.id, SyncRecord.document.alias("document_id"), SyncRecord.state,
                    SyncRecord.code, SyncRecord.message, SyncRecord.kind,
                    SyncRecord.next_attempt_at)


def recheck(connection, document_ids=None, changed=True):
    """Recompute the checks of these documents (all approved ones when None) on a connection.

    Creates missing records. Failed records are reconsidered only when `changed` (something
    about the document, its contact, the mapping or the connection changed): they then get a
    new generation, so a fresh send carries a fresh idempotency key. Returns {state: count}.
    """
    if connection is None:
        return {}
    if connection.provider in PULL_RECHECKS:
        return PULL_RECHECKS[connection.provider](connection, document_ids, changed)
    ids = approved_ids(connection) if document_ids is None else list(document_ids)
    base = connection_snapshot(connection)
    counts = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        facts = document_facts(chunk)
        records = {r.document_id: r for r in SyncRecord.select(*_RECHECK_COLUMNS).where(
            SyncRecord.connection == connection,
            SyncRecord.document.in_(IdList(chunk))).namedtuples()}
        approved = [f for f in facts.values() if f.status == "approved"]
        snapshot = batch_snapshot(base, connection, approved)
        writes = _Writes(connection, changed)
        for fact in approved:
            state = writes.add(records.get(fact.id), fact, check(fact, snapshot))
            counts[state] = counts.get(state, 0) + 1
        with db.atomic():
            _drop_unapproved(records, facts)
            writes.flush()
    return counts


def _drop_unapproved(records, facts):
    """A document no longer approved (draft again, void, deleted) leaves the grid."""
    gone = [r.id for doc_id, r in records.items()
            if (doc_id not in facts or facts[doc_id].status != "approved")
            and r.state in (BLOCKED, READY, WAITING)]
    if gone:
        SyncRecord.delete().where(SyncRecord.id.in_(gone)).execute()


class _Writes:
    """A batch's record changes, written in a few statements: new records in one insert, the
    rest grouped by what they change to (so a batch costs queries per outcome, not per row)."""

    def __init__(self, connection, changed):
        self.connection, self.changed = connection, changed
        self.new, self.groups, self.bumped = [], {}, []

    def add(self, record, fact, verdict):
        """Plan the write for one document; return the state it ends in."""
        state = _state_for(verdict)
        if record is None:
            self.new.append({"document": fact.id, "connection": self.connection.id,
                             "kind": fact.kind, "state": state, "code": verdict.code,
                             "message": verdict.message})
            return state
        if record.state in (SENDING, UNCERTAIN, EXCLUDED) or record.state in IN_LEDGER:
            return record.state
        if record.state == FAILED and not self.changed:
            return FAILED
        if record.state == WAITING and record.next_attempt_at and verdict.ready:
            return WAITING  # a transient retry keeps its time
        if record.state == FAILED:
            self.bumped.append(record.id)  # a fresh send gets a fresh key
        elif (record.state, record.code, record.message, record.kind) == (
                state, verdict.code, verdict.message, fact.kind):
            return state
        key = (state, verdict.code, verdict.message, fact.kind)
        self.groups.setdefault(key, []).append(record.id)
        return state

    def flush(self):
        """Write what was planned."""
        for start in range(0, len(self.new), 100):
            SyncRecord.insert_many(self.new[start:start + 100]).execute()
        if self.bumped:
            SyncRecord.update(generation=SyncRecord.generation + 1, attempts=0,
                              next_attempt_at=None).where(
                SyncRecord.id.in_(self.bumped)).execute()
        now = _now()
        for (state, code, message, kind), ids in self.groups.items():
            SyncRecord.update(state=state, code=code, message=message, kind=kind,
                              updated_at=now).where(SyncRecord.id.in_(ids)).execute()


def check_unrecorded(connection):
    """Give a record to every approved document that has none on the connection yet (documents
    made before it was connected); return how many."""
    recorded = SyncRecord.select(SyncRecord.document).where(SyncRecord.connection == connection)
    missing = [d.id for d in Document.select(Document.id).where(
        Document.status == "approved", Document.id.not_in(recorded))]
    if missing:
        recheck(connection, missing, changed=False)
    return len(missing)


def recheck_waiting(connection, kinds):
    """Recheck the blocked and waiting documents of these kinds (a run does this first, so a
    change made behind the screens' backs, or in the ledger, is seen); return how many."""
    ids = [r.document_id for r in SyncRecord.select(SyncRecord.document).where(
        SyncRecord.connection == connection, SyncRecord.kind.in_(list(kinds)),
        SyncRecord.state.in_((BLOCKED, WAITING)))]
    if ids:
        recheck(connection, ids, changed=False)
    return len(ids)


def recheck_documents(document_ids):
    """Recheck documents on the active connection after they (or their contact) changed."""
    connection = Connection.active_connection()
    if connection is not None and document_ids:
        recheck(connection, list(document_ids))


def recheck_contact(contact_id):
    """Recheck the documents of a contact (as main contact or care-of) after it changed."""
    ids = [d.id for d in Document.select(Document.id).where(
        (Document.contact == contact_id) | (Document.care_of == contact_id))]
    recheck_documents(ids)


def record_of(connection, document_id):
    """The record of a document on a connection, or None."""
    return SyncRecord.get_or_none(SyncRecord.connection == connection,
                                  SyncRecord.document == document_id)


def _record_or_error(connection, document_id):
    record = record_of(connection, document_id)
    if record is None:
        raise RecordError("This document is not waiting for the ledger (is it approved?).")
    return record


def exclude(connection, document_id, reason, user=None):
    """Keep a document out of the ledger, with a person's reason."""
    reason = (reason or "").strip()
    if not reason:
        raise RecordError("Say why it is excluded.")
    record = _record_or_error(connection, document_id)
    if record.state in IN_LEDGER or record.state in (SENDING, UNCERTAIN):
        raise RecordError("It is already in the ledger, or may be: it cannot be excluded now.")
    who = f" ({user.email})" if user is not None else ""
    with db.atomic():
        SyncRecord.update(state=EXCLUDED, code="excluded", excluded_reason=reason[:500],
                          message=f"Excluded: {reason[:500]}", updated_at=_now()).where(
            SyncRecord.id == record.id).execute()
        audit(record, "excluded", "excluded", f"{reason[:500]}{who}")


def include(connection, document_id, user=None):
    """Bring an excluded document back; its checks run again."""
    record = _record_or_error(connection, document_id)
    if record.state != EXCLUDED:
        raise RecordError("It is not excluded.")
    who = f"by {user.email}" if user is not None else ""
    with db.atomic():
        SyncRecord.update(state=BLOCKED, excluded_reason="", updated_at=_now()).where(
            SyncRecord.id == record.id).execute()
        audit(record, "included", "", who)
    recheck(connection, [document_id])


def retry(connection, document_id, user=None):
    """Try a failed or waiting document again now (a refused one with a fresh key)."""
    record = _record_or_error(connection, document_id)
    if record.state == UNCERTAIN:
        return record  # the next run reads the ledger first; nothing is re-sent blind
    if record.state not in (FAILED, WAITING, BLOCKED):
        raise RecordError("There is nothing to retry.")
    with db.atomic():
        update = {"next_attempt_at": None, "updated_at": _now(), "attempts": 0}
        if record.state == FAILED:
            update.update(state=BLOCKED, generation=record.generation + 1)
        SyncRecord.update(**update).where(SyncRecord.id == record.id).execute()
        audit(record, "retry", "", f"by {user.email}" if user is not None else "")
    recheck(connection, [document_id], changed=False)
    return record_of(connection, document_id)


def mark_in_ledger(record, remote_id, number="", url="", ledger_total=None, state=SYNCED,
                   message="", fence=None):
    """Record that a document is in the ledger and lock it; False when a newer run owns it."""
    now = _now()
    query = SyncRecord.update(
        state=state, code="synced" if state == SYNCED else "variance", message=message,
        remote_id=remote_id, ledger_number=number or "", ledger_url=url or "",
        ledger_total=ledger_total, synced_at=now, next_attempt_at=None, updated_at=now).where(
        SyncRecord.id == record.id)
    if fence is not None:
        query = query.where(SyncRecord.fence <= fence)
    if not query.execute():
        return False
    Document.update(synced_at=now).where(Document.id == record.document_id,
                                         Document.synced_at.is_null()).execute()
    return True


def link_existing(connection, document_id, user=None):
    """Take the ledger's document with the same number, total and contact as this one."""
    record = _record_or_error(connection, document_id)
    if record.code != "duplicate_matches":
        raise RecordError("There is no matching document in the ledger to link to.")
    recheck(connection, [document_id], changed=False)
    document = Document.get_by_id(document_id)
    match = (LedgerDocument.select().where(LedgerDocument.connection == connection,
                                           LedgerDocument.kind == document.kind,
                                           LedgerDocument.number == document.number).first())
    if match is None:
        raise RecordError("The ledger's document is no longer in the number index.")
    with db.atomic():
        mark_in_ledger(record, match.remote_id, match.number, match.url, match.total)
        audit(record, "linked", "synced",
              f"Linked to the ledger's {match.number} {('by ' + user.email) if user else ''}")


def history(record):
    """The record's audit rows, newest first."""
    return list(SyncAttempt.select().where(SyncAttempt.record == record)
                .order_by(SyncAttempt.at.desc(), SyncAttempt.id.desc()))
