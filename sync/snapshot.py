"""Reading what the checks need from the database: a connection's Snapshot and documents' facts,
in a bounded number of queries per batch (never one per document)."""

from dataclasses import replace
from decimal import Decimal

from models.document import Document
from models.document import DocumentLine
from models.fields import IdList
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
    """{id: DocumentFacts} for these documents, with their lines (two or three queries, read as
    plain tuples: building model objects would cost more than the checks themselves)."""
    facts, lines = {}, {}
    ids = list(document_ids)
    line_columns = (DocumentLine.document, DocumentLine.description, DocumentLine.category,
                    DocumentLine.nominal_code, DocumentLine.tax_rate, DocumentLine.quantity,
                    DocumentLine.unit_price, DocumentLine.net, DocumentLine.tax)
    doc_columns = (Document.id, Document.kind, Document.number, Document.status, Document.sent,
                   Document.contact, Document.care_of, Document.issue_date, Document.currency,
                   Document.gross_total, Document.original, Document.reference,
                   Document.due_date, Document.net_total, Document.tax_total)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        for (doc_id, description, category, nominal, rate, quantity, price, net,
             tax) in (DocumentLine.select(*line_columns)
                      .where(DocumentLine.document.in_(IdList(chunk)))
                      .order_by(DocumentLine.position, DocumentLine.id).tuples()):
            lines.setdefault(doc_id, []).append(LineFacts(
                description=description or "", category=category or "",
                nominal_code=nominal or "", tax_rate=Decimal(rate), quantity=Decimal(quantity),
                unit_price=Decimal(price), net=Decimal(net), tax=Decimal(tax)))
        rows = list(Document.select(*doc_columns).where(Document.id.in_(IdList(chunk))).tuples())
        originals = {row[10] for row in rows if row[10]}
        numbers = dict(Document.select(Document.id, Document.number)
                       .where(Document.id.in_(list(originals))).tuples()) if originals else {}
        for (doc_id, kind, number, status, sent, contact, care_of, issued, currency, gross,
             original, reference, due, net_total, tax_total) in rows:
            facts[doc_id] = DocumentFacts(
                id=doc_id, kind=kind, number=number, status=status, sent=bool(sent),
                contact_id=contact, care_of_id=care_of, issue_date=issued, currency=currency,
                gross_total=Decimal(gross), original_id=original, reference=reference or "",
                lines=tuple(lines.get(doc_id, ())), due_date=due,
                net_total=Decimal(net_total), tax_total=Decimal(tax_total),
                original_number=numbers.get(original, ""))
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
            ContactLink.connection == connection, ContactLink.contact.in_(IdList(chunk)))})
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
            SyncRecord.document.in_(IdList(originals[start:start + CHUNK]))))
    return replace(base, links=links, ledger_contacts=contacts, numbers=numbers,
                   in_ledger=frozenset(in_ledger))
