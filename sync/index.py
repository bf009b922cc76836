"""The ledger number index: the documents already in the ledger, kept up to date with the
packages' modified-since reads (one call when nothing changed), so duplicate numbers are found
without an API call per document."""

from models import db
from models.integration import Connection
from models.sync import LedgerDocument
from providers.base import DocumentKind

MAX_PAGES = 200
BATCH = 200


def _row(connection, kind, remote):
    return {"connection": connection.id, "kind": kind, "remote_id": remote.remote_id,
            "number": (remote.number or "")[:60], "reference": (remote.reference or "")[:100],
            "contact_id": remote.contact_id or "", "total": remote.total,
            "issue_date": remote.issue_date, "url": remote.url or ""}


def store(connection, kind, documents):
    """Upsert ledger documents (RemoteDocument) into the index by remote id."""
    rows = list({d.remote_id: _row(connection, kind, d) for d in documents}.values())
    with db.atomic():
        for start in range(0, len(rows), BATCH):
            LedgerDocument.insert_many(rows[start:start + BATCH]).on_conflict(
                conflict_target=[LedgerDocument.connection, LedgerDocument.kind,
                                 LedgerDocument.remote_id],
                preserve=[LedgerDocument.number, LedgerDocument.reference,
                          LedgerDocument.contact_id, LedgerDocument.total,
                          LedgerDocument.issue_date, LedgerDocument.url]).execute()
    return len(rows)


def refresh_index(connection, provider, ctx, kind):
    """Read what changed in the ledger since the kind's watermark; return documents stored."""
    state = dict(Connection.get_by_id(connection.id).ledger_state or {})
    watermarks = dict(state.get("watermarks") or {})
    since = watermarks.get(kind) or None
    cursor, stored, watermark = None, 0, since
    for _ in range(MAX_PAGES):
        page = provider.list_documents(ctx, DocumentKind(kind), modified_since=since,
                                       cursor=cursor)
        stored += store(connection, kind, page.documents)
        watermark = page.watermark or watermark
        cursor = page.next_cursor
        if not cursor:
            break
    watermarks[kind] = watermark or ""
    # Re-read before writing: the run keeps other keys (organisation) in the same column.
    state = dict(Connection.get_by_id(connection.id).ledger_state or {})
    state["watermarks"] = watermarks
    Connection.update(ledger_state=state).where(Connection.id == connection.id).execute()
    connection.ledger_state = state
    return stored


def refresh_all_kinds(connection):
    """Bring the whole number index up to date (after Refresh lists); documents stored."""
    from connections.tokens import call_with_refresh

    kinds = ("sales_invoice", "sales_credit_note", "supplier_invoice", "supplier_credit_note")
    return call_with_refresh(connection, lambda provider, ctx: sum(
        refresh_index(connection, provider, ctx, kind) for kind in kinds))


def refresh_organisation(connection):
    """Read the organisation settings again (lock date, currencies, numbering), as Refresh lists
    does, so a lock date or currency changed in the ledger is seen before the next run."""
    from connections.tokens import call_with_refresh
    from sync.snapshot import keep_organisation_settings

    settings = call_with_refresh(connection,
                                 lambda provider, ctx: provider.organisation_settings(ctx))
    keep_organisation_settings(connection, settings)
    return settings
