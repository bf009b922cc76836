"""Zoho Books JSON in and out: document bodies and read-back, accounts, taxes, items, contacts.

Where we number: sales documents carry our number (sent with `ignore_auto_number_generation`);
supplier documents carry the supplier's number, and ours in `reference_number`.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal

from providers import answers
from providers.base import Account
from providers.base import AccountType
from providers.base import Contact
from providers.base import DocumentKind
from providers.base import Item
from providers.base import RemoteDocument
from providers.base import RemotePayment
from providers.base import TaxRate


@dataclass(frozen=True)
class Module:
    """Where a document kind lives in Zoho Books."""

    path: str
    single: str
    id_field: str
    number_field: str
    party_field: str
    auto_numbered: bool
    attachments: bool


MODULES = {
    DocumentKind.SALES_INVOICE: Module("invoices", "invoice", "invoice_id", "invoice_number",
                                       "customer_id", True, True),
    DocumentKind.SALES_CREDIT_NOTE: Module("creditnotes", "creditnote", "creditnote_id",
                                           "creditnote_number", "customer_id", True, False),
    DocumentKind.SUPPLIER_INVOICE: Module("bills", "bill", "bill_id", "bill_number", "vendor_id",
                                          False, True),
    DocumentKind.SUPPLIER_CREDIT_NOTE: Module("vendorcredits", "vendor_credit",
                                              "vendor_credit_id", "vendor_credit_number",
                                              "vendor_id", True, False),
}

ACCOUNT_TYPES = {"income": AccountType.INCOME, "other_income": AccountType.INCOME,
                 "finance_income": AccountType.INCOME, "expense": AccountType.EXPENSE,
                 "other_expense": AccountType.EXPENSE,
                 "cost_of_goods_sold": AccountType.COST_OF_SALES, "bank": AccountType.BANK,
                 "cash": AccountType.BANK}


# --- documents ----------------------------------------------------------------------------------


def document_body(doc, item_for):
    """(body, query parameters) to create a document; `item_for(line)` names a sales line's
    item (Zoho's invoices take items, not accounts)."""
    module = MODULES[doc.kind]
    body = {module.party_field: doc.contact_id, "date": doc.issue_date.isoformat()}
    params = {}
    if doc.kind.is_sales:
        if doc.use_our_number or doc.kind == DocumentKind.SALES_CREDIT_NOTE:
            # The credit-note number is required by the spec; ignored when Zoho numbers it.
            body[module.number_field] = doc.number
        if doc.use_our_number:
            params["ignore_auto_number_generation"] = "true"
        body["reference_number"] = doc.reference if doc.use_our_number else doc.number
    else:
        body[module.number_field] = doc.supplier_reference or doc.number
        body["reference_number"] = doc.number
        if module.auto_numbered:
            params["ignore_auto_number_generation"] = "true"
    if doc.due_date and doc.kind in (DocumentKind.SALES_INVOICE,
                                     DocumentKind.SUPPLIER_INVOICE):
        body["due_date"] = doc.due_date.isoformat()
    body["is_inclusive_tax"] = False
    body["line_items"] = [_line(doc, line, item_for) for line in doc.lines]
    if not body["reference_number"]:
        del body["reference_number"]
    return body, params


def _line(doc, line, item_for):
    whole = doc.kind == DocumentKind.SALES_CREDIT_NOTE  # the spec types this quantity integer
    quantity, rate, description = _amounts(line, whole)
    out = {"description": description, "rate": float(rate), "quantity": quantity}
    if doc.kind == DocumentKind.SALES_INVOICE:
        out["item_id"] = line.item_id or item_for(line)
    else:
        out["account_id"] = line.account_id
    if line.tax_rate_id:
        out["tax_id"] = line.tax_rate_id
    return out


def _amounts(line, whole_quantity):
    """(quantity, rate, description) that make Zoho's rate x quantity equal our net."""
    quantity = Decimal(line.quantity)
    rate = Decimal(line.unit_price)
    exact = (rate * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == line.net
    if exact and (not whole_quantity or quantity == quantity.to_integral_value()):
        number = int(quantity) if quantity == quantity.to_integral_value() else float(quantity)
        return number, rate, line.description
    # Otherwise one unit at the line's net, keeping the quantity in the text.
    return 1, Decimal(line.net), f"{line.description} ({quantity.normalize()} x {rate})"


def remote_from(kind, raw, url):
    """A document read back from Zoho Books."""
    module = MODULES[kind]
    total = answers.money(raw.get("total"))
    balance = raw.get("balance")
    return RemoteDocument(
        remote_id=answers.ident(raw[module.id_field]),
        number=answers.text(raw.get(module.number_field)),
        reference=answers.text(raw.get("reference_number")), kind=kind,
        contact_id=answers.optional_ident(raw.get(module.party_field)) or "", total=total,
        tax_total=answers.money(raw.get("tax_total")),
        status=answers.text(raw.get("status")),
        amount_paid=total - (total if balance is None else answers.money(balance)), url=url,
        issue_date=answers.day(raw.get("date")))


# --- payments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentModule:
    """Where payments against one document kind go, and how their body names things."""

    path: str
    single: str
    party_field: str
    account_field: str
    lines_field: str


PAYMENT_MODULES = {
    DocumentKind.SALES_INVOICE: PaymentModule("customerpayments", "payment", "customer_id",
                                              "account_id", "invoices"),
    DocumentKind.SUPPLIER_INVOICE: PaymentModule("vendorpayments", "vendorpayment", "vendor_id",
                                                 "paid_through_account_id", "bills"),
}
PAYMENT_REFERENCE_LIMIT = 100  # as for documents' reference_number


def payment_note(payment):
    """The description a payment carries: our key, so that find_payments can tell that a
    payment whose answer was lost did land (Zoho has no idempotency key)."""
    return f"Ledgerlink {payment.idempotency_key}" if payment.idempotency_key else "Ledgerlink"


def payment_body(payment):
    """The POST body of a customer payment (to an invoice) or vendor payment (to a bill): the
    whole amount applied to the one document, into or out of the mapped bank account."""
    where = PAYMENT_MODULES[payment.kind]
    module = MODULES[payment.kind]
    amount = float(_money(payment.amount))
    applied = {module.id_field: payment.document_remote_id, "amount_applied": amount}
    body = {where.party_field: payment.contact_id, "payment_mode": "banktransfer",
            "amount": amount, "date": payment.paid_on.isoformat(),
            "reference_number": (payment.reference
                                 or payment.document_number)[:PAYMENT_REFERENCE_LIMIT],
            "description": payment_note(payment), where.account_field: payment.bank_account_id,
            where.lines_field: [applied]}
    if payment.kind == DocumentKind.SALES_INVOICE:
        body.update(applied)  # customer-payments.yml requires these at the top level too
    return body


def remote_payment_from(raw, document_remote_id):
    """A row of GET /invoices/{id}/payments or /bills/{id}/payments as a RemotePayment (the
    amount applied to that document)."""
    return RemotePayment(remote_id=answers.ident(raw["payment_id"]),
                         document_remote_id=document_remote_id,
                         amount=answers.money(raw.get("amount")),
                         paid_on=answers.day(raw.get("date")),
                         reference=answers.text(raw.get("reference_number")),
                         note=answers.text(raw.get("description")))


def _money(value):
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- lists --------------------------------------------------------------------------------------


def account_from(raw):
    """A Zoho account as ours."""
    return Account(id=answers.ident(raw["account_id"]),
                   code=answers.text(raw.get("account_code")),
                   name=answers.text(raw["account_name"]),
                   type=ACCOUNT_TYPES.get(raw.get("account_type"), AccountType.OTHER),
                   active=answers.flag(raw.get("is_active"), True),
                   provider_type=answers.text(raw.get("account_type")))


def tax_rate_from(raw):
    """A Zoho tax as ours (Zoho uses one tax for sales and purchases)."""
    return TaxRate(id=answers.ident(raw["tax_id"]), name=answers.text(raw["tax_name"]),
                   rate=answers.money(raw.get("tax_percentage")),
                   active=answers.active(raw.get("status"), ("active",)))


def item_from(raw):
    """A Zoho item as ours, with the income account it posts to."""
    return Item(id=answers.ident(raw["item_id"]), name=answers.text(raw["name"]),
                income_account_id=answers.optional_ident(raw.get("account_id")),
                active=answers.active(raw.get("status"), ("active",)))


def contact_from(raw):
    """A Zoho contact as ours; the primary contact person's email wins."""
    kind = raw.get("contact_type", "customer")
    email = answers.text(raw.get("email"))
    for person in raw.get("contact_persons") or []:
        if person.get("is_primary_contact") and person.get("email"):
            email = answers.text(person["email"])
    return Contact(id=answers.ident(raw["contact_id"]), name=answers.text(raw["contact_name"]),
                   is_customer=kind == "customer", is_supplier=kind == "vendor", email=email,
                   account_number=answers.text(raw.get("contact_number")),
                   active=answers.active(raw.get("status"), ("active",)),
                   postcode=answers.text(answers.nested(raw, "billing_address", "zip")),
                   vat_number=answers.text(raw.get("vat_reg_no")))


def contact_body(new_contact):
    """The create body for a customer or vendor."""
    body = {"contact_name": new_contact.name, "company_name": new_contact.name,
            "contact_type": "vendor" if new_contact.kind == "supplier" else "customer"}
    if new_contact.email or new_contact.phone:
        body["contact_persons"] = [{"email": new_contact.email, "phone": new_contact.phone,
                                    "is_primary_contact": True}]
    address = {"address": "\n".join(new_contact.address_lines), "city": new_contact.city,
               "zip": new_contact.postcode, "country": new_contact.country}
    if any(address.values()):
        body["billing_address"] = address
    if new_contact.vat_number:
        body["vat_reg_no"] = new_contact.vat_number
    if new_contact.account_number:
        body["contact_number"] = new_contact.account_number
    return body


def page_context(body):
    """A list answer's page_context (a list of one in the invoice list's published shape)."""
    context = body.get("page_context") or {}
    if isinstance(context, list):
        context = context[0] if context else {}
    return context
