"""Reading what the checks need from the database: a connection's Snapshot and documents' facts,
in a bounded number of queries per batch (never one per document)."""

from dataclasses import replace
from decimal import Decimal

from models.document import Document
from models.document import DocumentLine
from models.integration import CONNECTED
from models.integration import MAPPING_ROLES
from models.integration import NEEDS_RECONNECT
from models.integration import AccountMapping
from models.integration import ContactLink
from models.integration import LedgerAccount
from models.integration import LedgerContact
from models.integration import LedgerTaxRate
from models.sync import IN_LEDGER
from models.sync import LedgerDocument
from models.sync import SyncRecord
from providers import REGISTRY
from providers.base import OrganisationSettings
from sync.preflight import AccountFacts
from sync.preflight import DocumentFacts
from sync.preflight import LedgerContactFacts
from sync.preflight import LedgerDocumentFacts
from sync.preflight import LineFacts
from sync.preflight import Snapshot
from sync.preflight import TaxFacts

CHUNK = 500  # documents per query batch (keeps IN lists well under the backends' limits)


def organisation_settings(connection):
    """The organisation settings the engine last read for the connection, or None."""
    data = (connection.ledger_state or {}).get("organisation")
    return OrganisationSettings.from_dict(data) if data else None


def connection_snapshot(connection):
    """The connection-wide part of a Snapshot: status, mapping, accounts, taxes, settings."""
    provider = REGISTRY.get(connection.provider) if connection else None
    if connection is None or provider is None:
        return Snapshot()
    accounts = {a.remote_id: AccountFacts(a.remote_id, a.code or "", a.type, a.active)
                for a in LedgerAccount.select().where(LedgerAccount.connection == connection)}
    mappings = {m.role: m for m in AccountMapping.select().where(
        AccountMapping.connection == connection)}
    options = connection.options or {}
    settings = organisation_settings(connection)
    empty = tuple(label for role, (label, _types) in MAPPING_ROLES.items()
                  if role not in mappings or not connection.mappings_confirmed)
    numbers_itself = bool(options.get("use_package_numbering")) or (
        settings is not None and settings.keeps_our_numbers is False)
    return Snapshot(
        provider_id=connection.provider, connection_id=connection.id,
        connected=connection.status == CONNECTED and connection.active,
        needs_reconnect=connection.status == NEEDS_RECONNECT,
        reconnect_reason=connection.status_reason or "",
        empty_roles=empty,
        role_accounts={role: accounts.get(m.account_remote_id) for role, m in mappings.items()},
        role_items={role: m.item_remote_id for role, m in mappings.items() if m.item_remote_id},
        accounts_by_code={a.code: a for a in accounts.values() if a.code},
        tax_rates=tuple(TaxFacts(t.remote_id, Decimal(t.rate), t.active, t.for_sales,
                                 t.for_purchases)
                        for t in LedgerTaxRate.select().where(
                            LedgerTaxRate.connection == connection)),
        default_sales_tax=options.get("sales_tax_id", ""),
        default_purchase_tax=options.get("purchase_tax_id", ""),
        ledger_numbers_sales=numbers_itself,
        supports_care_of=provider.supports_care_of,
        contact_kinds_strict=provider.contact_kinds_strict,
        field_limits=dict(provider.field_limits),
        lock_date=settings.lock_date if settings else None,
        lock_date_label=settings.lock_date_label if settings else "",
        currencies=settings.currencies if settings else frozenset())


def document_facts(document_ids):
    """{id: DocumentFacts} for these documents, with their lines (two or three queries)."""
    facts, lines = {}, {}
    ids = list(document_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for line in (DocumentLine.select().where(DocumentLine.document.in_(chunk))
                     .order_by(DocumentLine.position, DocumentLine.id)):
            lines.setdefault(line.document_id, []).append(LineFacts(
                description=line.description or "", category=line.category or "",
                nominal_code=line.nominal_code or "", tax_rate=Decimal(line.tax_rate),
                quantity=Decimal(line.quantity), unit_price=Decimal(line.unit_price),
                net=Decimal(line.net), tax=Decimal(line.tax)))
        rows = list(Document.select().where(Document.id.in_(chunk)))
        originals = {d.original_id for d in rows if d.original_id}
        numbers = {d.id: d.number for d in Document.select(Document.id, Document.number)
                   .where(Document.id.in_(list(originals)))} if originals else {}
        for d in rows:
            facts[d.id] = DocumentFacts(
                id=d.id, kind=d.kind, number=d.number, status=d.status, sent=bool(d.sent),
                contact_id=d.contact_id, care_of_id=d.care_of_id, issue_date=d.issue_date,
                currency=d.currency, gross_total=Decimal(d.gross_total),
                original_id=d.original_id, reference=d.reference or "",
                lines=tuple(lines.get(d.id, ())), due_date=d.due_date,
                net_total=Decimal(d.net_total), tax_total=Decimal(d.tax_total),
                original_number=numbers.get(d.original_id, ""))
    return facts


def batch_snapshot(base, connection, facts):
    """The Snapshot `base` completed with what this batch of DocumentFacts needs."""
    if not base.connection_id:
        return base
    contact_ids = {f.contact_id for f in facts} | {f.care_of_id for f in facts if f.care_of_id}
    links = {}
    ids = list(contact_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        links.update({link.contact_id: link.remote_id for link in ContactLink.select().where(
            ContactLink.connection == connection, ContactLink.contact.in_(chunk))})
    remote_ids = list(set(links.values()))
    contacts = {}
    for start in range(0, len(remote_ids), CHUNK):
        contacts.update({c.remote_id: LedgerContactFacts(c.active, c.is_customer, c.is_supplier)
                         for c in LedgerContact.select().where(
                             LedgerContact.connection == connection,
                             LedgerContact.remote_id.in_(remote_ids[start:start + CHUNK]))})
    numbers = {}
    wanted = list({f.number for f in facts})
    for start in range(0, len(wanted), CHUNK):
        for row in LedgerDocument.select().where(
                LedgerDocument.connection == connection,
                LedgerDocument.number.in_(wanted[start:start + CHUNK])):
            numbers.setdefault((row.kind, row.number), []).append(LedgerDocumentFacts(
                row.remote_id, row.number, row.contact_id,
                Decimal(row.total) if row.total is not None else None))
    originals = list({f.original_id for f in facts if f.original_id})
    in_ledger = set()
    for start in range(0, len(originals), CHUNK):
        in_ledger.update(r.document_id for r in SyncRecord.select(SyncRecord.document).where(
            SyncRecord.connection == connection, SyncRecord.state.in_(IN_LEDGER),
            SyncRecord.document.in_(originals[start:start + CHUNK])))
    return replace(base, links=links, ledger_contacts=contacts, numbers=numbers,
                   in_ledger=frozenset(in_ledger))
