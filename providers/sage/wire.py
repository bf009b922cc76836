"""Sage Accounting v3.1 wire format: request bodies we send, responses we read, errors we
translate into our stable codes."""

import re
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

from providers.base import Account
from providers.base import AccountType
from providers.base import AuthError
from providers.base import Contact
from providers.base import DocumentKind
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import RemoteDocument
from providers.base import TaxRate
from providers.base import TransientError
from providers.base import UncertainError
from providers.errors import message_for


@dataclass(frozen=True)
class Collection:
    """Where a document kind lives in the API and how its body is named."""

    path: str
    root: str
    lines: str
    number: str | None  # the number Sage generates (sales only)
    attach_context: str | None  # attachment_context_type_id, None where Sage takes none
    label: str


COLLECTIONS = {
    DocumentKind.SALES_INVOICE: Collection("sales_invoices", "sales_invoice", "invoice_lines",
                                           "invoice_number", None, "sales invoice"),
    DocumentKind.SALES_CREDIT: Collection("sales_credit_notes", "sales_credit_note",
                                          "credit_note_lines", "credit_note_number", None,
                                          "sales credit note"),
    DocumentKind.PURCHASE_INVOICE: Collection("purchase_invoices", "purchase_invoice",
                                              "invoice_lines", None, "PURCHASE_INVOICE",
                                              "purchase invoice"),
    DocumentKind.PURCHASE_CREDIT: Collection("purchase_credit_notes", "purchase_credit_note",
                                             "credit_note_lines", None, "PURCHASE_CREDIT_NOTE",
                                             "purchase credit note"),
}

ACCOUNT_TYPES = {"SALES": AccountType.INCOME, "OTHER_INCOME": AccountType.INCOME,
                 "DIRECT_EXPENSES": AccountType.COST_OF_SALES,
                 "OVERHEADS": AccountType.EXPENSE, "DEPRECIATION": AccountType.EXPENSE,
                 "BANK": AccountType.BANK}
ACCOUNT_ATTRIBUTES = ("nominal_code,name,ledger_account_type,included_in_chart,"
                      "visible_in_sales,visible_in_expenses,tax_rate")
CONTACT_ATTRIBUTES = "name,reference,contact_types,email,is_active"
DOCUMENT_ATTRIBUTES = ("reference,vendor_reference,invoice_number,credit_note_number,contact,"
                       "total_amount,tax_amount,total_paid,status,links")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def idempotency_id(document):
    """A 32-hex idempotency_id, stable for the document's push generation."""
    key = (document.idempotency_key or "").lower().replace("-", "")
    if _HEX32.match(key):
        return key
    seed = document.idempotency_key or f"{document.local_id}:{document.number}"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink:sage:{seed}").hex


def _amount(value):
    return float(Decimal(value).quantize(Decimal("0.01")))


def document_body(document):
    """The POST body for a document: our number in `reference`, the supplier's in
    `vendor_reference`, an explicit tax_amount on every line (v3.1 defaults it to 0)."""
    where = COLLECTIONS[document.kind]
    body = {"contact_id": document.contact_id, "date": document.issue_date.isoformat(),
            "reference": document.number, "idempotency_id": idempotency_id(document)}
    if where.lines == "invoice_lines":
        due = document.due_date or document.issue_date
        body["due_date"] = due.isoformat()
    if not document.kind.is_sales and document.supplier_reference:
        body["vendor_reference"] = document.supplier_reference
    if document.reference:
        body["notes"] = document.reference
    lines = []
    for line in document.lines:
        item = {"description": line.description or "-", "ledger_account_id": line.account_id,
                "quantity": float(line.quantity), "unit_price": float(line.unit_price),
                "tax_amount": _amount(line.tax)}
        if line.tax_rate_id:
            item["tax_rate_id"] = line.tax_rate_id
        lines.append(item)
    body[where.lines] = lines
    return {where.root: body}


def contact_body(new, key):
    """The POST body for a customer or supplier."""
    body = {"name": new.name, "contact_type_ids": ["VENDOR" if new.kind == "supplier"
                                                   else "CUSTOMER"], "idempotency_id": key}
    if new.account_number:
        body["reference"] = new.account_number
    if new.vat_number:
        body["tax_number"] = new.vat_number
    lines = list(new.address_lines) + ["", ""]
    address = {"address_line_1": lines[0], "address_line_2": lines[1], "city": new.city,
               "postal_code": new.postcode, "country_id": new.country.upper()}
    address = {k: v for k, v in address.items() if v}
    if address:
        body["main_address"] = address
    if new.email or new.phone:
        person = {"name": new.name, "email": new.email, "telephone": new.phone,
                  "is_main_contact": True}
        body["main_contact_person"] = {k: v for k, v in person.items() if v != ""}
    return {"contact": body}


def to_account(item):
    """A ledger account as our Account (inactive when taken out of the chart)."""
    type_id = (item.get("ledger_account_type") or {}).get("id", "")
    return Account(id=item["id"], code=str(item.get("nominal_code", "")),
                   name=item.get("name") or item.get("displayed_as", ""),
                   type=ACCOUNT_TYPES.get(type_id, AccountType.OTHER),
                   active=bool(item.get("included_in_chart", True)),
                   provider_type=(item.get("ledger_account_type") or {}).get("displayed_as", ""),
                   tax_rate_id=(item.get("tax_rate") or {}).get("id"))


def to_tax_rate(item):
    """A tax rate as our TaxRate."""
    return TaxRate(id=item["id"], name=item.get("name") or item.get("displayed_as", ""),
                   rate=Decimal(str(item.get("percentage", 0))),
                   active=bool(item.get("is_visible", True)))


def to_contact(item):
    """A contact as our Contact; `reference` is what Sage users know as the account code."""
    types = {t["id"] for t in item.get("contact_types") or []}
    return Contact(id=item["id"], name=item.get("name") or item.get("displayed_as", ""),
                   is_customer="CUSTOMER" in types, is_supplier="VENDOR" in types,
                   email=item.get("email") or "", account_number=item.get("reference") or "",
                   active=bool(item.get("is_active", True)))


def link_of(item):
    """The web link Sage gives for a document."""
    for link in item.get("links") or []:
        if link.get("rel") == "alternate":
            return link.get("href", "")
    return ""


def number_of(kind, item):
    """The number a user sees for a document in Sage."""
    where = COLLECTIONS[kind]
    if where.number:
        return item.get(where.number) or item.get("displayed_as", "")
    return item.get("vendor_reference") or item.get("reference") or ""


def to_remote(kind, item):
    """A document read back from Sage."""
    return RemoteDocument(
        remote_id=item["id"], number=number_of(kind, item), reference=item.get("reference", ""),
        kind=kind, contact_id=(item.get("contact") or {}).get("id", ""),
        total=Decimal(str(item.get("total_amount", 0))),
        tax_total=Decimal(str(item.get("tax_amount", 0))),
        status=(item.get("status") or {}).get("id", ""),
        amount_paid=Decimal(str(item.get("total_paid", 0))), url=link_of(item))


def _errors(response):
    try:
        body = response.json()
    except ValueError:
        return []
    return [e for e in body if isinstance(e, dict)] if isinstance(body, list) else []


def _code_for(error):
    source, text = error.get("$source") or "", error.get("$message") or ""
    if "already been taken" in text or "already been used" in text:
        if source in ("invoice_number", "credit_note_number", "vendor_reference"):
            return "duplicate_number"
        if source == "reference":
            return "duplicate_contact_reference"
    if source.endswith("contact_id") or re.search(r"\b(Customer|Supplier|Contact)\b", text):
        return "contact_missing"
    if "ledger_account" in source or "LedgerAccount" in text:
        return "account_invalid"
    if "tax_rate" in source or "tax_amount" in source or "TaxRate" in text:
        return "tax_invalid"
    return None


def translate(response):
    """A ProviderError (AuthError for access problems) for a 4xx answer from Sage."""
    errors = _errors(response)
    detail = "; ".join(f"{e.get('$source') or 'base'}: {e.get('$message')}" for e in errors)
    detail = f"Sage said: {detail}" if detail else f"HTTP {response.status_code}"
    if response.status_code == 401:
        lapsed = any("subscription" in (e.get("$message") or "").lower() for e in errors)
        code = "subscription" if lapsed else "reconnect"
        return AuthError(code, message_for(code), detail=detail)
    if response.status_code == 403:
        return AuthError("organisation_removed", message_for("organisation_removed"),
                         detail=detail)
    codes = [c for c in map(_code_for, errors) if c]
    code = codes[0] if codes else ("not_found" if response.status_code == 404 else "validation")
    error = ProviderError(code, message_for(code, detail), detail=detail)
    error.status = response.status_code
    return error


_FAILURES = ((RateLimited, PushStatus.RATE_LIMITED), (AuthError, PushStatus.AUTH),
             (UncertainError, PushStatus.UNCERTAIN), (TransientError, PushStatus.TRANSIENT))


def push_failure(local_id, exc):
    """The PushResult for a failed push: by error class, else duplicate or invalid content."""
    status = next((s for cls, s in _FAILURES if isinstance(exc, cls)), None)
    if status is None:
        status = PushStatus.DUPLICATE if exc.code == "duplicate_number" else PushStatus.INVALID
    return PushResult(local_id, status, code=exc.code, message=exc.message,
                      retry_after=exc.retry_after)


def or_none(read):
    """The result of `read()`, or None when Sage answered 404."""
    try:
        return read()
    except ProviderError as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


def token_lifetimes(tokens):
    """Sage reports the refresh token's lifetime (31 days); keep it as refresh_expires_at."""
    lifetime = tokens.extra.pop("refresh_token_expires_in", None)
    if lifetime is not None:
        tokens.refresh_expires_at = time.time() + float(lifetime)
    tokens.extra.pop("requested_by_id", None)
    return tokens
