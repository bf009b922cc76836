"""The documents list: filters, search and keyset pagination that stay fast at any size.

Rows are ordered newest first by (issue_date, id); a page asks for one row more than it shows to
know whether there is a next page, and the cursor is the last row's (issue_date, id). Nothing
counts the whole table.
"""

import datetime
import re

from peewee import JOIN
from peewee import PostgresqlDatabase
from peewee import Tuple

from models import db
from models.contact import Contact
from models.document import KINDS
from models.document import Document
from services import cursors

PAGE_SIZE = 50
_NUMBER_SEARCH = re.compile(r"^[A-Za-z0-9./-]+$")
MAX_NAME_MATCHES = 500


def encode_cursor(issue_date, row_id):
    """An opaque cursor for the row after which the next page starts."""
    return cursors.encode_cursor(issue_date, row_id)


def decode_cursor(cursor):
    """(issue_date, id) from a cursor, or None when it is missing or malformed."""
    return cursors.decode_cursor(cursor, "date", "id")


def printable(text):
    """text without control characters (which PostgreSQL refuses in a query, NUL above all)."""
    return "".join(char for char in text if char.isprintable())


def prefix_condition(field, prefix):
    """field starts with prefix (case-sensitive, so the btree index on field is used)."""
    prefix = printable(prefix)
    # peewee's % is LIKE on PostgreSQL (index: text_pattern_ops) and GLOB on SQLite (binary index).
    wildcard = "%" if isinstance(db.obj, PostgresqlDatabase) else "*"
    return field % (prefix + wildcard)


def name_contains(field, text):
    """Case-insensitive substring match on a name."""
    cleaned = re.sub(r"[%_\\*?\[\]]", " ", printable(text)).strip()
    if not cleaned:
        return field.is_null() & field.is_null(False)
    return field ** f"%{cleaned}%"


def search_condition(query):
    """Documents whose number starts with the query or whose contact's name contains it."""
    conditions = []
    if _NUMBER_SEARCH.match(query):
        conditions.append(prefix_condition(Document.number, query.upper()))
    contact_ids = [c.id for c in Contact.select(Contact.id)
                   .where(name_contains(Contact.name, query)).limit(MAX_NAME_MATCHES)]
    if contact_ids:
        conditions.append(Document.contact.in_(contact_ids))
    if not conditions:
        return Document.id < 0
    condition = conditions[0]
    for extra in conditions[1:]:
        condition |= extra
    return condition


def filter_conditions(filters):
    """peewee conditions for kind, sent, synced, date range and search."""
    conditions = []
    if filters.get("kind") in KINDS:
        conditions.append(Document.kind == filters["kind"])
    if filters.get("sent") in ("yes", "no"):
        conditions.append(Document.sent == (filters["sent"] == "yes"))
    if filters.get("synced") == "yes":
        conditions.append(Document.synced_at.is_null(False))
    elif filters.get("synced") == "no":
        conditions.append(Document.synced_at.is_null())
    for key, op in (("date_from", "__ge__"), ("date_to", "__le__")):
        try:
            day = datetime.date.fromisoformat(filters.get(key) or "")
        except ValueError:
            continue
        conditions.append(getattr(Document.issue_date, op)(day))
    query = (filters.get("q") or "").strip()[:100]
    if query:
        conditions.append(search_condition(query))
    return conditions


def list_documents(filters, cursor=None, page_size=None):
    """One page of documents (with their contacts) and the cursor of the next page or None."""
    page_size = page_size or PAGE_SIZE
    query = (Document.select(Document, Contact)
             .join(Contact, JOIN.INNER, on=(Document.contact == Contact.id)))
    conditions = filter_conditions(filters)
    after = decode_cursor(cursor)
    if after:
        conditions.append(Tuple(Document.issue_date, Document.id) < Tuple(*after))
    if conditions:
        query = query.where(*conditions)
    rows = list(query.order_by(Document.issue_date.desc(), Document.id.desc())
                .limit(page_size + 1))
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = encode_cursor(rows[-1].issue_date, rows[-1].id)
    return rows, next_cursor
