"""Sage Accounting v3.1 wire format: request bodies we send and responses we read."""

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from providers import answers
from providers.base import Account
from providers.base import AccountType
from providers.base import Contact
from providers.base import DocumentKind
from providers.base import RemoteDocument
from providers.base import RemotePayment
from providers.base import TaxRate


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
    DocumentKind.SALES_CREDIT_NOTE: Collection("sales_credit_notes", "sales_credit_note",
                                               "credit_note_lines", "credit_note_number", None,
                                               "sales credit note"),
    DocumentKind.SUPPLIER_INVOICE: Collection("purchase_invoices", "purchase_invoice",
                                              "invoice_lines", None, "PURCHASE_INVOICE",
                                              "purchase invoice"),
    DocumentKind.SUPPLIER_CREDIT_NOTE: Collection("purchase_credit_notes", "purchase_credit_note",
                                                  "credit_note_lines", None,
                                                  "PURCHASE_CREDIT_NOTE", "purchase credit note"),
}

ACCOUNT_TYPES = {"SALES": AccountType.INCOME, "OTHER_INCOME": AccountType.INCOME,
                 "DIRECT_EXPENSES": AccountType.COST_OF_SALES,
                 "OVERHEADS": AccountType.EXPENSE, "DEPRECIATION": AccountType.EXPENSE,
                 "BANK": AccountType.BANK}
ACCOUNT_ATTRIBUTES = ("nominal_code,name,ledger_account_type,included_in_chart,"
                      "visible_in_sales,visible_in_expenses,tax_rate")
CONTACT_ATTRIBUTES = "name,reference,contact_types,email,is_active,tax_number,main_address"
DOCUMENT_ATTRIBUTES = ("reference,vendor_reference,invoice_number,credit_note_number,contact,"
                       "total_amount,tax_amount,total_paid,status,links")
LIST_ATTRIBUTES = DOCUMENT_ATTRIBUTES + ",date,updated_at"
_HEX32 = re.compile(r"^[0-9a-f]{32}$")


def idempotency_id(document):
    """A 32-hex idempotency_id, stable for the document's push generation."""
    return _hex_key(document.idempotency_key, f"{document.local_id}:{document.number}")


def _hex_key(key, fallback):
    """`key` as Sage's 32-hex idempotency_id: itself when already one, else a UUID5 of it (of
    `fallback` when empty)."""
    plain = (key or "").lower().replace("-", "")
    if _HEX32.match(plain):
        return plain
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink:sage:{key or fallback}").hex


def _amount(value):
    return float(Decimal(value).quantize(Decimal("0.01")))


def document_body(document):
    """The POST body for a document: our number in `reference`, the supplier's in
    `vendor_reference`, an explicit tax_amount on every line (v3.1 defaults it to 0)."""
    where = COLLECTIONS[document.kind]
    body = {"contact_id": document.contact_id, "date": document.issue_date.isoformat(),
            "reference": document.number, "idempotency_id": idempotency_id(document)}
    if document.currency:
        body["currency_id"] = document.currency  # Sage's currency ids are the ISO codes
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


# The payment a paid document's kind takes, and Sage's limit on a payment's reference.
PAYMENT_TYPES = {DocumentKind.SALES_INVOICE: "CUSTOMER_RECEIPT",
                 DocumentKind.SUPPLIER_INVOICE: "VENDOR_PAYMENT"}
PAYMENT_REFERENCE_LIMIT = 25


def payment_body(payment, bank_account_id):
    """The POST /contact_payments body: the whole amount allocated to the paid invoice, through
    the Sage bank account, with an idempotency_id from the payment's key."""
    key = _hex_key(payment.idempotency_key, f"payment:{payment.local_id}")
    reference = (payment.reference or payment.document_number)[:PAYMENT_REFERENCE_LIMIT]
    amount = _amount(payment.amount)
    body = {"transaction_type_id": PAYMENT_TYPES[payment.kind],
            "contact_id": payment.contact_id, "bank_account_id": bank_account_id,
            "date": payment.paid_on.isoformat(), "total_amount": amount,
            "allocated_artefacts": [{"artefact_id": payment.document_remote_id,
                                     "amount": amount}],
            "idempotency_id": key}
    if payment.currency:
        body["currency_id"] = payment.currency  # the invoice's, as documents send it
    if reference:
        body["reference"] = reference
    return {"contact_payment": body}


def to_remote_payments(document_remote_id, item):
    """The contact payments an invoice's `payments_allocations` lists (credit-note
    allocations, which name no contact payment, left out)."""
    out = []
    for entry in item.get("payments_allocations") or []:
        payment = entry.get("contact_payment") or {}
        if not payment.get("id"):
            continue
        out.append(RemotePayment(remote_id=answers.ident(payment["id"]),
                                 document_remote_id=document_remote_id,
                                 amount=answers.money(entry.get("amount")),
                                 paid_on=answers.day(entry.get("date")),
                                 reference=answers.text(entry.get("reference"))))
    return out


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
    return Account(id=answers.ident(item["id"]), code=answers.text(item.get("nominal_code")),
                   name=answers.text(item.get("name") or item.get("displayed_as")),
                   type=ACCOUNT_TYPES.get(type_id, AccountType.OTHER),
                   active=answers.flag(item.get("included_in_chart"), True),
                   provider_type=answers.text(
                       (item.get("ledger_account_type") or {}).get("displayed_as")),
                   tax_rate_id=answers.optional_ident((item.get("tax_rate") or {}).get("id")))


def to_tax_rate(item):
    """A tax rate as our TaxRate."""
    return TaxRate(id=answers.ident(item["id"]),
                   name=answers.text(item.get("name") or item.get("displayed_as")),
                   rate=answers.money(item.get("percentage")),
                   active=answers.flag(item.get("is_visible"), True))


def to_contact(item):
    """A contact as our Contact; `reference` is what Sage users know as the account code."""
    types = {t["id"] for t in item.get("contact_types") or []}
    return Contact(id=answers.ident(item["id"]),
                   name=answers.text(item.get("name") or item.get("displayed_as")),
                   is_customer="CUSTOMER" in types, is_supplier="VENDOR" in types,
                   email=answers.text(item.get("email")),
                   account_number=answers.text(item.get("reference")),
                   active=answers.flag(item.get("is_active"), True),
                   postcode=answers.text(answers.nested(item, "main_address", "postal_code")),
                   vat_number=answers.text(item.get("tax_number")))


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
        remote_id=answers.ident(item["id"]), number=answers.text(number_of(kind, item)),
        reference=answers.text(item.get("reference")), kind=kind,
        contact_id=answers.optional_ident((item.get("contact") or {}).get("id")) or "",
        total=answers.money(item.get("total_amount")),
        tax_total=answers.money(item.get("tax_amount")),
        status=answers.text((item.get("status") or {}).get("id")),
        amount_paid=answers.money(item.get("total_paid")), url=link_of(item),
        issue_date=answers.day(item.get("date")))
