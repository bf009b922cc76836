"""QuickBooks Online document bodies (Invoice, CreditMemo, Bill, VendorCredit) and read-back."""

import hashlib
import json
import uuid
from decimal import Decimal

from providers.base import DocumentKind
from providers.base import RemoteDocument

ENTITIES = {DocumentKind.SALES_INVOICE: "Invoice", DocumentKind.SALES_CREDIT: "CreditMemo",
            DocumentKind.PURCHASE_INVOICE: "Bill", DocumentKind.PURCHASE_CREDIT: "VendorCredit"}
KINDS = {entity: kind for kind, entity in ENTITIES.items()}
DOC_NUMBER_MAX = 21
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36


def raw_contact_id(contact_id):
    """"customer:58" -> "58" (a bare id passes through)."""
    return str(contact_id).rpartition(":")[2]


def document_number(document):
    """The DocNumber we would send: ours for sales, the supplier's for purchases."""
    if document.kind.is_sales:
        return document.number
    return document.supplier_reference or document.number


def body(document, send_number, items):
    """The create body for one document; `items` maps an income account id to an Item id."""
    entity = ENTITIES[document.kind]
    note = f"Ledgerlink {document.number}"
    if document.reference:
        note += f"; reference {document.reference}"
    if document.original_number:
        note += f"; credits {document.original_number}"
    out = {"TxnDate": document.issue_date.isoformat(), "PrivateNote": note[:4000],
           "CurrencyRef": {"value": document.currency}}
    if document.kind.is_sales:
        out["CustomerRef"] = {"value": raw_contact_id(document.contact_id)}
        out["Line"] = [_sales_line(line, items) for line in document.lines]
        if send_number and document.use_our_number:
            out["DocNumber"] = document.number
    else:
        out["VendorRef"] = {"value": raw_contact_id(document.contact_id)}
        out["Line"] = [_expense_line(line) for line in document.lines]
        out["DocNumber"] = document_number(document)
    if document.due_date and entity in ("Invoice", "Bill"):
        out["DueDate"] = document.due_date.isoformat()
    return out


def _sales_line(line, items):
    detail = {"ItemRef": {"value": line.item_id or items[line.account_id]},
              "Qty": _number(line.quantity), "UnitPrice": _number(line.unit_price)}
    if line.tax_rate_id:
        detail["TaxCodeRef"] = {"value": line.tax_rate_id}
    return {"DetailType": "SalesItemLineDetail", "Amount": _number(line.net),
            "Description": line.description[:4000], "SalesItemLineDetail": detail}


def _expense_line(line):
    detail = {"AccountRef": {"value": line.account_id}}
    if line.tax_rate_id:
        detail["TaxCodeRef"] = {"value": line.tax_rate_id}
    return {"DetailType": "AccountBasedExpenseLineDetail", "Amount": _number(line.net),
            "Description": line.description[:4000], "AccountBasedExpenseLineDetail": detail}


def _number(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def request_id(documents):
    """`requestid` for a push: the document's own key, or a digest of the batch's keys.

    A retry of the same push (same keys) replays QuickBooks' stored answer instead of creating
    the documents again.
    """
    keys = [d.idempotency_key or f"ledgerlink-{d.local_id}-{uuid.uuid4()}" for d in documents]
    if len(documents) == 1 and len(keys[0]) <= REQUEST_ID_MAX:
        return keys[0]
    limit = BATCH_REQUEST_ID_MAX if len(documents) > 1 else REQUEST_ID_MAX
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:limit]


def remote(entity, record, url=""):
    """A RemoteDocument from a QuickBooks transaction record."""
    total = Decimal(str(record.get("TotalAmt", 0)))
    balance = Decimal(str(record.get("Balance", record.get("RemainingCredit", total))))
    party = "CustomerRef" if entity in ("Invoice", "CreditMemo") else "VendorRef"
    prefix = "customer:" if party == "CustomerRef" else "vendor:"
    if balance == 0 and total:
        status = "Paid" if entity in ("Invoice", "Bill") else "Applied"
    else:
        status = "Open" if balance == total else "Partially paid"
    tax = (record.get("TxnTaxDetail") or {}).get("TotalTax", 0)
    return RemoteDocument(
        remote_id=record["Id"], number=record.get("DocNumber", ""),
        reference=record.get("PrivateNote", ""), kind=KINDS[entity],
        contact_id=prefix + (record.get(party) or {}).get("value", ""), total=total,
        tax_total=Decimal(str(tax)), status=status, amount_paid=total - balance, url=url)


def request_id_for(*parts):
    """A deterministic `requestid` for a non-document write (a retry replays the first answer)."""
    raw = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:REQUEST_ID_MAX]
