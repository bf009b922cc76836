"""Building what a provider receives from a document that passed its checks. Pure, like the
checks: the same snapshot resolves the accounts, tax rates, items and contact."""

from providers.base import DocumentKind
from providers.base import OutgoingDocument
from providers.base import OutgoingLine
from sync.preflight import account_for
from sync.preflight import role_for
from sync.preflight import tax_rate_for


def idempotency_key(connection_id, document_id, generation):
    """The key a send carries: the same for every retry of one generation, new after a refusal."""
    return f"ledgerlink-{connection_id}-{document_id}-{generation}"


def build(document, snapshot, generation=1):
    """The OutgoingDocument for a document (its checks must have passed)."""
    lines = []
    for line in document.lines:
        account, _ = account_for(line, document, snapshot)
        tax = tax_rate_for(line, document, snapshot)
        item = snapshot.role_items.get(role_for(line, document)) if document.is_sales else None
        lines.append(OutgoingLine(
            description=line.description, quantity=line.quantity, unit_price=line.unit_price,
            net=line.net, tax=line.tax, account_id=account.remote_id, account_code=account.code,
            tax_rate_id=tax.remote_id if tax else None, item_id=item))
    care_of = snapshot.links.get(document.care_of_id, "") if snapshot.supports_care_of else ""
    return OutgoingDocument(
        local_id=document.id, kind=DocumentKind(document.kind), number=document.number,
        contact_id=snapshot.links[document.contact_id], issue_date=document.issue_date,
        due_date=document.due_date, currency=document.currency, lines=lines,
        net_total=document.net_total, tax_total=document.tax_total,
        gross_total=document.gross_total, reference=document.reference,
        use_our_number=not (document.is_sales and snapshot.ledger_numbers_sales),
        original_number=document.original_number,
        idempotency_key=idempotency_key(snapshot.connection_id, document.id, generation),
        care_of_contact_id=care_of)
