"""Xero JSON in and out: document payloads, list parsing and error translation."""

import hashlib
import re
from datetime import UTC
from datetime import datetime
from decimal import Decimal

from providers import answers
from providers.base import Account
from providers.base import AccountType
from providers.base import Contact
from providers.base import DocumentKind
from providers.base import RemoteDocument
from providers.base import RemotePayment
from providers.base import TaxRate
from providers.errors import message_for

# Our kind -> (endpoint, Xero type, id field, number field, go.xero.com page).
KINDS = {
    DocumentKind.SALES_INVOICE: ("Invoices", "ACCREC", "InvoiceID", "InvoiceNumber",
                                 "/AccountsReceivable/View.aspx?InvoiceID="),
    DocumentKind.SUPPLIER_INVOICE: ("Invoices", "ACCPAY", "InvoiceID", "InvoiceNumber",
                                    "/AccountsPayable/View.aspx?InvoiceID="),
    DocumentKind.SALES_CREDIT_NOTE: ("CreditNotes", "ACCRECCREDIT", "CreditNoteID",
                                     "CreditNoteNumber",
                                     "/AccountsReceivable/ViewCreditNote.aspx?creditNoteID="),
    DocumentKind.SUPPLIER_CREDIT_NOTE: ("CreditNotes", "ACCPAYCREDIT", "CreditNoteID",
                                        "CreditNoteNumber",
                                        "/AccountsPayable/ViewCreditNote.aspx?creditNoteID="),
}
KIND_BY_TYPE = {spec[1]: kind for kind, spec in KINDS.items()}
ACCOUNT_TYPES = {"REVENUE": AccountType.INCOME, "SALES": AccountType.INCOME,
                 "OTHERINCOME": AccountType.INCOME, "EXPENSE": AccountType.EXPENSE,
                 "OVERHEADS": AccountType.EXPENSE, "DIRECTCOSTS": AccountType.COST_OF_SALES,
                 "BANK": AccountType.BANK}
# Substrings of Xero's validation messages -> our stable codes (first match wins).
MESSAGE_CODES = [
    ("payment amount exceeds", "overpayment"),
    ("account type is invalid", "account_invalid"),
    ("contact name", "duplicate_contact_name"),
    ("must be unique", "duplicate_number"),
    ("account code", "account_invalid"),
    ("archived, or has been deleted", "account_invalid"),
    ("taxtype", "tax_invalid"),
    ("tax rate", "tax_invalid"),
    ("contact", "contact_missing"),
    ("lock date", "period_closed"),
]


def amount(value):
    """A Decimal as a JSON number with 2 dp (Xero's money)."""
    return float(Decimal(value).quantize(Decimal("0.01")))


def document_payload(doc):
    """One OutgoingDocument as a Xero Invoice or CreditNote element.

    Tax is sent per line (LineAmountTypes Exclusive plus our rounded TaxAmount), so Xero's
    totals are the sum of our rounded lines, matching the document we hold.
    """
    _, xero_type, _, number_field, _ = KINDS[doc.kind]
    element = {
        "Type": xero_type,
        "Contact": {"ContactID": doc.contact_id},
        "Date": doc.issue_date.isoformat(),
        "LineAmountTypes": "Exclusive",
        "Status": "AUTHORISED",
        "CurrencyCode": doc.currency,
        "LineItems": [_line(line) for line in doc.lines],
    }
    if doc.due_date and number_field == "InvoiceNumber":
        element["DueDate"] = doc.due_date.isoformat()
    if doc.kind.is_sales:
        if doc.use_our_number:
            element[number_field] = doc.number
        element["Reference"] = doc.reference or ("" if doc.use_our_number else doc.number)
        if not element["Reference"]:
            del element["Reference"]
    else:
        # Xero keeps the supplier's own number on bills; supplier documents have no Reference.
        element[number_field] = doc.supplier_reference or doc.number
    return element


def payment_payload(payment):
    """An OutgoingPayment as a Xero Payment element: against the invoice (or bill) by its id,
    from the mapped bank account by its id."""
    return {"Invoice": {"InvoiceID": payment.document_remote_id},
            "Account": {"AccountID": payment.bank_account_id},
            "Date": payment.paid_on.isoformat(), "Amount": amount(payment.amount),
            "Reference": payment.reference}


def remote_payment_from(raw, document_remote_id):
    """A Xero Payment (as an invoice lists them, or as created) as a RemotePayment."""
    return RemotePayment(remote_id=answers.ident(raw["PaymentID"]),
                         document_remote_id=document_remote_id,
                         amount=answers.money(raw.get("Amount")), paid_on=day_of(raw.get("Date")),
                         reference=answers.text(raw.get("Reference")))


def _line(line):
    quantity, unit = Decimal(line.quantity), Decimal(line.unit_price)
    if (quantity * unit).quantize(Decimal("0.01")) != Decimal(line.net).quantize(Decimal("0.01")):
        # Xero works the line out as quantity x unit price; keep our net when they disagree.
        quantity, unit = Decimal(1), Decimal(line.net)
    out = {"Description": line.description or "-", "Quantity": float(quantity),
           "UnitAmount": float(unit), "TaxAmount": amount(line.tax)}
    if line.account_code:
        out["AccountCode"] = line.account_code
    else:
        out["AccountID"] = line.account_id
    if line.tax_rate_id:
        out["TaxType"] = line.tax_rate_id
    return out


def needs_unitdp4(documents):
    """True when a unit price has more than 2 decimal places (Xero's unitdp=4)."""
    return any(Decimal(line.unit_price) != Decimal(line.unit_price).quantize(Decimal("0.01"))
               for doc in documents for line in doc.lines)


def pushed_number(doc):
    """The number Xero files the document under (the supplier's, for supplier documents)."""
    if doc.kind.is_sales:
        return doc.number if doc.use_our_number else ""
    return doc.supplier_reference or doc.number


def idempotency_key(endpoint, documents, body):
    """A stable key (<= 128 chars) for one batch request: same documents, same key."""
    keys = [d.idempotency_key for d in documents]
    seed = "|".join(keys) if all(keys) else body
    return "ledgerlink-" + hashlib.sha256(f"{endpoint}:{seed}".encode()).hexdigest()


def messages_of(element):
    """The ValidationErrors messages of a Xero element."""
    return [e.get("Message", "") for e in element.get("ValidationErrors") or []]


def code_for(messages):
    """Our stable code for a list of Xero validation messages."""
    text = " ".join(messages).lower()
    for needle, code in MESSAGE_CODES:
        if needle in text:
            return code
    return "validation"


def account_from(raw):
    """A Xero Account as ours."""
    return Account(id=answers.ident(raw["AccountID"]), code=answers.text(raw.get("Code")),
                   name=answers.text(raw.get("Name")),
                   type=ACCOUNT_TYPES.get(raw.get("Type"), AccountType.OTHER),
                   active=answers.active(raw.get("Status"), ("ACTIVE",)),
                   provider_type=answers.text(raw.get("Type")),
                   tax_rate_id=answers.optional_ident(raw.get("TaxType")))


def tax_rate_from(raw):
    """A Xero TaxRate as ours (its TaxType is the id lines use)."""
    return TaxRate(id=answers.ident(raw["TaxType"]), name=answers.text(raw.get("Name")),
                   rate=answers.money(raw.get("EffectiveRate")),
                   active=answers.active(raw.get("Status"), ("ACTIVE",)),
                   for_sales=bool(raw.get("CanApplyToRevenue")),
                   for_purchases=bool(raw.get("CanApplyToExpenses")))


def contact_from(raw):
    """A Xero Contact as ours."""
    return Contact(id=answers.ident(raw["ContactID"]), name=answers.text(raw.get("Name")),
                   is_customer=answers.flag(raw.get("IsCustomer"), False),
                   is_supplier=answers.flag(raw.get("IsSupplier"), False),
                   email=answers.text(raw.get("EmailAddress")),
                   account_number=answers.text(raw.get("AccountNumber")),
                   active=answers.active(raw.get("ContactStatus"), ("ACTIVE",)),
                   postcode=_postcode(raw.get("Addresses")),
                   vat_number=answers.text(raw.get("TaxNumber")))


def _postcode(addresses):
    """The first postcode among a contact's addresses (summary reads have none)."""
    for address in addresses if isinstance(addresses, list) else []:
        if isinstance(address, dict) and address.get("PostalCode"):
            return answers.text(address["PostalCode"])
    return ""


def contact_payload(new):
    """A NewContact as a Xero Contact element (IsCustomer/IsSupplier are set by Xero)."""
    element = {"Name": new.name}
    if new.email:
        element["EmailAddress"] = new.email
    if new.account_number:
        element["AccountNumber"] = new.account_number
    if new.vat_number:
        element["TaxNumber"] = new.vat_number
    if new.phone:
        element["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": new.phone}]
    if new.address_lines or new.city or new.postcode or new.country:
        address = {"AddressType": "POBOX", "City": new.city, "PostalCode": new.postcode,
                   "Country": new.country}
        for i, text in enumerate(new.address_lines[:4], start=1):
            address[f"AddressLine{i}"] = text
        element["Addresses"] = [address]
    return element


def remote_from(raw, url):
    """A Xero Invoice or CreditNote read back as a RemoteDocument."""
    kind = KIND_BY_TYPE[raw["Type"]]
    _, _, id_field, number_field, _ = KINDS[kind]
    total = answers.money(raw.get("Total"))
    if "AmountPaid" in raw:
        paid = answers.money(raw["AmountPaid"])
    else:
        paid = total - answers.money(raw.get("RemainingCredit", total))
    return RemoteDocument(remote_id=answers.ident(raw[id_field]),
                          number=answers.text(raw.get(number_field)),
                          reference=answers.text(raw.get("Reference")), kind=kind,
                          contact_id=answers.optional_ident(
                              (raw.get("Contact") or {}).get("ContactID")) or "",
                          total=total, tax_total=answers.money(raw.get("TotalTax")),
                          status=answers.text(raw.get("Status")), amount_paid=paid, url=url,
                          issue_date=day_of(raw.get("Date")))


def where_quote(value):
    """A string literal for Xero's where filter."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


_MS = re.compile(r"/Date\((-?\d+)")


def from_ms_date(raw):
    """Xero's /Date(ms+0000)/ as an aware datetime (None when absent)."""
    match = _MS.match(raw or "")
    return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC) if match else None


def day_of(raw):
    """The date of a Xero /Date(ms)/ value, or None."""
    moment = from_ms_date(raw)
    return moment.date() if moment else None


def detail(messages):
    """The provider's own words, for the end of our message."""
    return "; ".join(m for m in messages if m)


def translated(messages):
    """(code, plain-English message) for Xero validation messages."""
    code = code_for(messages)
    return code, message_for(code, detail(messages))
