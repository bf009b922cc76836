"""Sage Accounting sandbox: sales/purchase invoices and credit notes, and attachments.

Validation and numbering as Sage does them (see sandbox/README.md for what is assumed).
"""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from sandbox.sage.errors import SageError
from sandbox.sage.seed import ZERO_RATES
from sandbox.sage.seed import base
from sandbox.sage.seed import guid
from sandbox.sage.seed import stamp
from sandbox.sage.seed import usable_currencies

MAX_ATTACHMENT_BYTES = 2_621_440  # 2.5 MB
# Attachment contexts Sage accepts for Accounting, and the collection each points at.
ATTACHABLE = {"PURCHASE_INVOICE": "purchase_invoices",
              "PURCHASE_CREDIT_NOTE": "purchase_credit_notes"}
# Accepted by Sage but not modelled here: their context ids are never found.
ATTACHABLE_UNMODELLED = {"OTHER_PAYMENT", "OTHER_RECEIPT", "JOURNAL", "CONTACT_PAYMENT",
                         "BANK_TRANSFER"}


@dataclass(frozen=True)
class Kind:
    """How one document collection differs from the others."""

    root: str
    lines: str
    number: str | None  # Sage-generated number field (sales only)
    contact_type: str
    visible_in: str
    context_type: str
    purchase: bool


KINDS = {
    "sales_invoices": Kind("sales_invoice", "invoice_lines", "invoice_number", "CUSTOMER",
                           "sales", "SALES_INVOICE", False),
    "sales_credit_notes": Kind("sales_credit_note", "credit_note_lines", "credit_note_number",
                               "CUSTOMER", "sales", "SALES_CREDIT_NOTE", False),
    "purchase_invoices": Kind("purchase_invoice", "invoice_lines", None, "VENDOR", "expenses",
                              "PURCHASE_INVOICE", True),
    "purchase_credit_notes": Kind("purchase_credit_note", "credit_note_lines", None, "VENDOR",
                                  "expenses", "PURCHASE_CREDIT_NOTE", True),
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def required(payload, name, source=None):
    """The field's value; a 422 on it when absent or empty."""
    value = payload.get(name)
    if value in (None, "", []):
        raise SageError(422, "RecordInvalid", "This field is required.", source or name)
    return value


def check_date(payload, name):
    """A 422 on the field unless absent or a YYYY-MM-DD date."""
    value = payload.get(name)
    if value is not None and not (isinstance(value, str) and _DATE.match(value)):
        raise SageError(422, "RecordInvalid", "is not a valid date", name)


def money(value, source):
    """A JSON number rounded to pence; a 422 on `source` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SageError(422, "RecordInvalid", "is not a number", source)
    return round(float(value), 2)


def create_document(tenant, collection, payload, link_base, now=None):
    """Validate and store a new document (created at sandbox time `now`); return its JSON.
    Raises SageError."""
    kind = KINDS[collection]
    contact_id = required(payload, "contact_id")
    required(payload, "date")
    if collection == "purchase_invoices":
        required(payload, "due_date")
    for name in ("date", "due_date", "original_invoice_date"):
        check_date(payload, name)
    locked = tenant["financial_settings"]["year_end_lockdown_date"]
    if locked and payload["date"] <= locked:
        raise SageError(422, "RecordInvalid", f"is on or before the year end lockdown date "
                        f"({locked}); the period is locked", "date")
    currency = payload.get("currency_id")
    if currency and currency not in usable_currencies(tenant):
        raise SageError(404, "RecordNotFound", "Couldn't find Currency", "currency_id")
    contact = tenant["contacts"].get(contact_id)
    if contact is None or kind.contact_type not in {t["id"] for t in contact["contact_types"]}:
        who = "Supplier" if kind.purchase else "Customer"
        raise SageError(404, "RecordNotFound", f"Couldn't find {who}", "contact_id")
    lines = [_line(tenant, kind, raw, index)
             for index, raw in enumerate(required(payload, kind.lines))]
    number = _number(tenant, collection, kind, payload) if kind.number else None
    _check_vendor_reference(tenant, collection, kind, payload, contact_id)
    return _store(tenant, collection, kind, payload, contact, lines, number, link_base, now)


def _line(tenant, kind, raw, index):
    where = f"{kind.lines}.{index}"
    if not isinstance(raw, dict):
        raise SageError(422, "RecordInvalid", "is invalid", where)
    description = required(raw, "description", f"{where}.description")
    account_id = required(raw, "ledger_account_id", f"{where}.ledger_account_id")
    unit_price = money(required(raw, "unit_price", f"{where}.unit_price"), "unit_price")
    if kind.purchase:
        required(raw, "quantity", f"{where}.quantity")
    quantity = float(raw.get("quantity", 1))
    account = tenant["ledger_accounts"].get(account_id)
    if (account is None or not account["included_in_chart"]
            or not account[f"visible_in_{kind.visible_in}"]):
        raise SageError(404, "RecordNotFound", "Couldn't find LedgerAccount",
                        f"{where}.ledger_account_id")
    tax_id = raw.get("tax_rate_id")
    tax = tenant["tax_rates"].get(tax_id) if tax_id else None
    if tax_id and tax is None:
        raise SageError(404, "RecordNotFound", "Couldn't find TaxRate", f"{where}.tax_rate_id")
    # v3.1: tax_amount defaults to 0 when omitted, even for a 20% rate (Sage does not compute it).
    tax_amount = money(raw.get("tax_amount", 0), f"{where}.tax_amount")
    if tax_id in ZERO_RATES and tax_amount:
        raise SageError(422, "RecordInvalid", "must be 0 for this tax rate", f"{where}.tax_amount")
    net = round(quantity * unit_price, 2)
    line = base("line_items", guid(), description)
    del line["$path"]
    line.update({"description": description, "quantity": quantity, "unit_price": unit_price,
                 "net_amount": net, "tax_amount": tax_amount,
                 "total_amount": round(net + tax_amount, 2),
                 "ledger_account": base("ledger_accounts", account_id, account["displayed_as"]),
                 "unit_price_includes_tax": False})
    if tax is not None:
        line["tax_rate"] = base("tax_rates", tax_id, tax["displayed_as"])
    return line


def _taken_numbers(tenant, collection, kind):
    settings = tenant["invoice_settings"]
    shared = not settings.separate_invoice_credit_note_numbering
    collections = ["sales_invoices", "sales_credit_notes"] if shared else [collection]
    return {doc.get("invoice_number") or doc.get("credit_note_number")
            for name in collections for doc in tenant[name].values()}


def _number(tenant, collection, kind, payload):
    """The supplied number if free (422 if taken), else the next generated one."""
    taken = _taken_numbers(tenant, collection, kind)
    supplied = payload.get(kind.number)
    if supplied:
        if supplied in taken:
            label = kind.number.replace("_", " ").capitalize()
            raise SageError(422, "RecordInvalid", f"{label} has already been taken", kind.number)
        return str(supplied)
    settings = tenant["invoice_settings"]
    is_invoice = collection == "sales_invoices"
    counter = ("next_invoice_number" if is_invoice or not
               settings.separate_invoice_credit_note_numbering else "next_credit_note_number")
    prefix = (settings.sales_invoice_number_prefix if is_invoice
              else settings.sales_credit_note_number_prefix)
    while True:
        value = getattr(settings, counter)
        setattr(settings, counter, value + 1)
        candidate = f"{prefix}{value}"
        if candidate not in taken:
            return candidate


def _check_vendor_reference(tenant, collection, kind, payload, contact_id):
    reference = payload.get("vendor_reference")
    if not kind.purchase or not reference:
        return
    for doc in tenant[collection].values():
        if doc["contact"]["id"] == contact_id and doc.get("vendor_reference") == reference:
            raise SageError(422, "RecordInvalid", "Vendor reference has already been used for "
                            "this supplier", "vendor_reference")


def _store(tenant, collection, kind, payload, contact, lines, number, link_base, now):
    doc_id = guid()
    currency = payload.get("currency_id") or tenant["currency"]
    net = round(sum(line["net_amount"] for line in lines), 2)
    tax = round(sum(line["tax_amount"] for line in lines), 2)
    total = round(net + tax, 2)
    shown = number or payload.get("vendor_reference") or payload.get("reference") or doc_id[:8]
    doc = base(collection, doc_id, shown)
    doc.update({
        "created_at": stamp(now), "updated_at": stamp(now), "editable": True,
        "links": [{"href": f"{link_base}/{collection}/{doc_id}", "rel": "alternate",
                   "type": "text/html"}],
        "contact": base("contacts", contact["id"], contact["displayed_as"]),
        "contact_name": contact["name"], "contact_reference": contact["reference"],
        "date": payload["date"], "reference": payload.get("reference") or "",
        "notes": payload.get("notes") or "", "net_amount": net, "tax_amount": tax,
        "total_amount": total, "total_paid": 0.0, "outstanding_amount": total,
        "total_quantity": round(sum(line["quantity"] for line in lines), 2),
        "currency": base("currencies", currency, currency),
        "exchange_rate": 1.0, "base_currency_net_amount": net, "base_currency_tax_amount": tax,
        "base_currency_total_amount": total, "base_currency_outstanding_amount": total,
        "status": base("artefact_statuses", "UNPAID", "Unpaid"), kind.lines: lines,
    })
    extra_date = "due_date" if kind.lines == "invoice_lines" else "original_invoice_date"
    if payload.get(extra_date):
        doc[extra_date] = payload[extra_date]
    if kind.number:
        doc[kind.number] = number
    if kind.purchase:
        doc["vendor_reference"] = payload.get("vendor_reference") or ""
    tenant[collection][doc_id] = doc
    return doc


def search_documents(tenant, collection, args):
    """The documents a list call returns: `search` on reference or contact name, the filters
    (`updated_or_created_since` inclusive), then `sort` ("field" or "field:desc")."""
    term = (args.get("search") or "").lower()
    since = _moment(args.get("updated_or_created_since"), "updated_or_created_since")
    out = []
    for doc in tenant[collection].values():
        if since and _moment(doc["updated_at"]) < since:
            continue
        if term and term not in doc["reference"].lower() and term not in (
                doc["contact_name"].lower()):
            continue
        if args.get("contact_id") and doc["contact"]["id"] != args["contact_id"]:
            continue
        if args.get("from_date") and doc["date"] < args["from_date"][:10]:
            continue
        if args.get("to_date") and doc["date"] > args["to_date"][:10]:
            continue
        out.append(doc)
    field, _, direction = (args.get("sort") or "").partition(":")
    if field:
        if field not in SORTABLE:
            raise SageError(422, "RecordInvalid", f"is not one of {', '.join(SORTABLE)}", "sort")
        out.sort(key=lambda d: d.get(field) or "", reverse=direction == "desc")
    return out


SORTABLE = ("created_at", "updated_at", "date", "due_date")


def _moment(text, source=None):
    """An ISO 8601 date or date-time (Z, an offset, or none for UTC) as an aware datetime;
    None when absent. A parameter Sage cannot read is a 422 on it."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise SageError(422, "RecordInvalid", "is not a valid date", source or "") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_attachment(tenant, payload):
    """Validate and store an attachment on a document Sage allows; return its JSON."""
    content = required(payload, "file")
    file_name = required(payload, "file_name")
    mime_type = required(payload, "mime_type")
    context_type = payload.get("attachment_context_type_id") or ""
    context_id = payload.get("attachment_context_id") or ""
    if context_type not in ATTACHABLE and context_type not in ATTACHABLE_UNMODELLED:
        raise SageError(422, "RecordInvalid", "is not included in the list",
                        "attachment_context_type_id")
    target = tenant[ATTACHABLE[context_type]].get(context_id) if context_type in ATTACHABLE \
        else None
    if target is None:
        raise SageError(404, "RecordNotFound", "Couldn't find record.", "attachment_context_id")
    try:
        raw = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise SageError(422, "RecordInvalid", "is not valid Base64", "file") from exc
    if len(raw) > MAX_ATTACHMENT_BYTES:
        raise SageError(422, "RecordInvalid", "File size must be less than 2.5 MB", "file")
    attachment = base("attachments", guid(), file_name)
    attachment.update({
        "created_at": stamp(), "updated_at": stamp(), "file_name": file_name,
        "mime_type": mime_type, "file_size": len(raw),
        "file_extension": payload.get("file_extension") or "",
        "description": payload.get("description") or "", "is_public": False,
        "attachment_context_type": base("attachment_context_types", context_type,
                                        context_type.replace("_", " ").title()),
        "attachment_context": base(ATTACHABLE[context_type], context_id,
                                   target["displayed_as"]),
    })
    tenant["attachments"][attachment["id"]] = attachment
    return attachment
