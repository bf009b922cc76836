"""What the Sync page's grid reads: sync records of one kind on one connection, filtered by
state, searched by number or contact, a page at a time by keyset; and the waiting counts.

Rows go oldest first by (issue date, document id), the order they are sent in. A page asks for
one row more than it shows to know whether there is another; nothing counts the whole table
except the per-kind waiting counts, which the (connection, kind, state) index answers.
"""

from peewee import JOIN
from peewee import PostgresqlDatabase
from peewee import Tuple
from peewee import fn

from models import db
from models.contact import Contact
from models.document import KINDS
from models.document import Document
from models.sync import BLOCKED
from models.sync import EXCLUDED
from models.sync import FAILED
from models.sync import IN_LEDGER
from models.sync import READY
from models.sync import SENDING
from models.sync import UNCERTAIN
from models.sync import WAITING
from models.sync import SyncRecord
from services import cursors
from services.document_list import search_condition

PAGE_SIZE = 50
COUNT_CAP = 1000  # the menu counts up to this many waiting per kind
FEW = 2000  # up to this many matching records are sorted; beyond, documents are walked in order
# Not in the ledger yet, and nobody said to keep it out: what "waiting" counts.
WAITING_STATES = (BLOCKED, READY, SENDING, UNCERTAIN, FAILED, WAITING)
FILTERS = {
    "waiting": ("Waiting", WAITING_STATES),
    "blocked": ("Blocked", (BLOCKED,)),
    "failed": ("Failed", (FAILED,)),
    "uncertain": ("Uncertain", (UNCERTAIN,)),
    "synced": ("Synced", IN_LEDGER),
    "excluded": ("Excluded", (EXCLUDED,)),
    "all": ("All", None),
}
KIND_LABELS = {"sales_invoice": "Sales invoices", "sales_credit_note": "Sales credit notes",
               "supplier_invoice": "Supplier invoices",
               "supplier_credit_note": "Supplier credit notes"}
DEFAULT_FILTER = "waiting"
DEFAULT_KIND = "sales_invoice"


def chosen_kind(value):
    """The kind asked for, or the default (sales invoices) for anything else."""
    return value if value in KINDS else DEFAULT_KIND


def chosen_filter(value):
    """The filter asked for, or "waiting"."""
    return value if value in FILTERS else DEFAULT_FILTER


# What a grid row shows (fewer columns: less to read and to build per row).
ROW_COLUMNS = (SyncRecord.id, SyncRecord.document, SyncRecord.kind, SyncRecord.state,
               SyncRecord.code, SyncRecord.message, SyncRecord.ledger_number,
               SyncRecord.ledger_url, SyncRecord.warning, SyncRecord.updated_at,
               Document.id, Document.kind, Document.number, Document.issue_date,
               Document.currency, Document.gross_total, Document.contact,
               Contact.id, Contact.number, Contact.name)


def _rows_query(connection, columns=None):
    return (SyncRecord.select(*(columns or (SyncRecord, Document, Contact)))
            .join(Document, JOIN.INNER, on=(SyncRecord.document == Document.id))
            .join(Contact, JOIN.INNER, on=(Document.contact == Contact.id))
            .where(SyncRecord.connection == connection))


def _few_match(connection, kind, states):
    """True when at most FEW records of the kind are in these states (read from the state
    index alone, and never more than FEW + 1 of them)."""
    query = SyncRecord.select(SyncRecord.id).where(SyncRecord.connection == connection,
                                                   SyncRecord.kind == kind)
    if states is not None:
        query = query.where(SyncRecord.state.in_(states))
    return query.limit(FEW + 1).count() <= FEW


def _in_document_order(connection, kind, states):
    """Walk the kind's documents in (issue date, id) order, taking each one's record: the first
    page costs a few dozen lookups when many records match. PostgreSQL's planner finds that
    plan by itself; on SQLite the "+ 0" and COALESCE keep it from planning around the sync
    record indexes instead (which would sort every matching record)."""
    sqlite = not isinstance(db.obj, PostgresqlDatabase)
    on_connection = (SyncRecord.connection + 0) if sqlite else SyncRecord.connection
    query = (SyncRecord.select(*ROW_COLUMNS)
             .join(Document, JOIN.INNER, on=(SyncRecord.document == Document.id))
             .join(Contact, JOIN.INNER, on=(Document.contact == Contact.id))
             .where(on_connection == _id(connection), Document.kind == kind))
    if states is not None:
        state = fn.COALESCE(SyncRecord.state, "") if sqlite else SyncRecord.state
        query = query.where(state.in_(states))
    return query


def _id(connection):
    return connection if isinstance(connection, int) else connection.id


def grid_page(connection, kind, state_filter=DEFAULT_FILTER, q="", cursor=None,
              page_size=None):
    """(records with .document and .document.contact, next cursor or None).

    When few records match (a rare state), they are read by the state index and sorted; when
    many do, the kind's documents are walked in order until a page is full.
    """
    page_size = page_size or PAGE_SIZE
    if connection is None:
        return [], None
    kind = chosen_kind(kind)
    states = FILTERS[chosen_filter(state_filter)][1]
    if _few_match(connection, kind, states):
        query = _rows_query(connection, ROW_COLUMNS).where(SyncRecord.kind == kind)
        if states is not None:
            query = query.where(SyncRecord.state.in_(states))
    else:
        query = _in_document_order(connection, kind, states)
    q = (q or "").strip()[:100]
    if q:
        query = query.where(search_condition(q))
    after = cursors.decode_cursor(cursor, "date", "id") if cursor else None
    if after:
        query = query.where(Tuple(Document.issue_date, Document.id) > Tuple(*after))
    rows = list(query.order_by(Document.issue_date, Document.id).limit(page_size + 1))
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1].document
        next_cursor = cursors.encode_cursor(last.issue_date, last.id)
    return rows, next_cursor


def rows_by_id(connection, record_ids, since=None):
    """The records among these ids (of the connection), changed after `since` when given."""
    if connection is None or not record_ids:
        return []
    record_ids = list(record_ids)[:PAGE_SIZE]
    if since is not None:  # most polls find nothing changed: ask that first, cheaply
        record_ids = [r for (r,) in SyncRecord.select(SyncRecord.id).where(
            SyncRecord.id.in_(record_ids), SyncRecord.connection == connection,
            SyncRecord.updated_at > since).tuples()]
        if not record_ids:
            return []
    return list(_rows_query(connection, ROW_COLUMNS).where(SyncRecord.id.in_(record_ids)))


def row_for(connection, document_id):
    """The record of one document (with document and contact), or None."""
    if connection is None:
        return None
    return _rows_query(connection).where(SyncRecord.document == document_id).first()


def waiting_counts(connection):
    """{kind: how many are waiting} for every kind, each counted up to COUNT_CAP (the menu says
    "1000+" beyond), so the count costs the same at any size."""
    counts = dict.fromkeys(KINDS, 0)
    if connection is None:
        return counts
    for kind in KINDS:
        counts[kind] = (SyncRecord.select(SyncRecord.id)
                        .where(SyncRecord.connection == connection, SyncRecord.kind == kind,
                               SyncRecord.state.in_(WAITING_STATES))
                        .limit(COUNT_CAP + 1).count())
    return counts


def status_message(record):
    """The plain message a row shows: the record's own, else its code's."""
    from sync.codes import CODES

    if record.message:
        return record.message
    if record.in_ledger:
        return "In the ledger."
    code = CODES.get(record.code)
    return code.message if code else ""


def parse_ids(text, limit=PAGE_SIZE):
    """Record ids from "1,2,3" (what the grid says is on screen); junk is dropped."""
    ids = []
    for part in (text or "").split(",")[:limit]:
        value = cursors.parse_id(part.strip())
        if value is not None:
            ids.append(value)
    return ids


NOT_LINKED, NOT_SENT = "contact_not_linked", "not_sent"
BULK_MAX = 500  # what one bulk fix above the grid takes (the rest: do it again)


def blocked_by(connection, kind, code):
    """The kind's records with this code (what a bulk fix above the grid works on)."""
    return SyncRecord.select().where(SyncRecord.connection == connection,
                                     SyncRecord.kind == kind, SyncRecord.code == code)


def bulk_counts(connection, kind):
    """{"contacts": unlinked contacts blocking the kind, "unsent": its not_sent documents},
    each up to BULK_MAX + 1."""
    if connection is None:
        return {"contacts": 0, "unsent": 0}
    contacts = (blocked_by(connection, kind, NOT_LINKED).join(Document)
                .select(Document.contact).distinct().limit(BULK_MAX + 1).count())
    unsent = (blocked_by(connection, kind, NOT_SENT).select(SyncRecord.id)
              .limit(BULK_MAX + 1).count() if kind.startswith("sales") else 0)
    return {"contacts": contacts, "unsent": unsent}
