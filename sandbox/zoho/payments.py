"""Zoho Books payments in the sandbox: customer payments applied to invoices and vendor payments
applied to bills, which lower their balance. Shapes follow customer-payments.yml and
vendor-payments.yml; refusals use the {"code", "message"} body (wordings in sandbox/README.md)."""

import re
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from sandbox.zoho.documents import money
from sandbox.zoho.errors import INVALID_VALUE
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.seed import new_id

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
BANK_TYPES = {"bank", "cash"}  # the accounts a payment may go into or come from


@dataclass(frozen=True)
class Side:
    """Customer payments (to invoices) or vendor payments (to bills)."""

    collection: str  # where the payments are kept, and their path
    single: str  # the key of one payment in an answer
    party_field: str
    party_type: str
    account_field: str
    documents: str  # the module paid
    document_id: str
    lines_field: str  # the body's list of documents paid
    link_field: str  # the id of one application of the payment to one document
    label: str


CUSTOMER = Side("customerpayments", "payment", "customer_id", "customer", "account_id",
                "invoices", "invoice_id", "invoices", "invoice_payment_id", "invoice")
VENDOR = Side("vendorpayments", "vendorpayment", "vendor_id", "vendor",
              "paid_through_account_id", "bills", "bill_id", "bills", "bill_payment_id", "bill")
SIDES = {CUSTOMER.collection: CUSTOMER, VENDOR.collection: VENDOR}


def _invalid(field):
    return ZohoError(INVALID_VALUE, f"Invalid value passed for {field}")


def _amount(value, field):
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _invalid(field)
    try:
        amount = money(Decimal(str(value)))
    except InvalidOperation:
        raise _invalid(field) from None
    if amount <= 0:
        raise _invalid(field)
    return amount


def create(tenant, side, body, now):
    """Validate a payment and apply it to the documents it names; return the stored payment.
    Raises ZohoError with nothing applied."""
    party = tenant["contacts"].get(str(body.get(side.party_field) or ""))
    if party is None or party["contact_type"] != side.party_type or party["status"] != "active":
        raise _invalid(side.party_field)
    amount = _amount(body.get("amount"), "amount")
    date = body.get("date")
    if not isinstance(date, str) or not _DATE.match(date):
        raise _invalid("date")
    if side is CUSTOMER and not body.get("payment_mode"):
        raise _invalid("payment_mode")
    account = None
    if body.get(side.account_field):
        account = tenant["chartofaccounts"].get(str(body[side.account_field]))
        if account is None or not account["is_active"] or \
                account["account_type"] not in BANK_TYPES:
            raise _invalid(side.account_field)
    applied = _applications(tenant, side, body, party)
    if sum((a for _, a in applied), Decimal(0)) > amount:
        raise ZohoError(INVALID_VALUE, f"The amount applied to the {side.label}s is more than "
                        "the payment amount.")
    payment = _store(tenant, side, body, party, account, amount, applied, now)
    for doc, applies in applied:
        doc["_paid"] += applies
        doc["status"] = "paid" if doc["_paid"] >= doc["_total"] else "partially_paid"
        doc["last_modified_time"] = now
    return payment


def _applications(tenant, side, body, party):
    """(document, amount applied) for each document the body pays, checked against its
    balance."""
    rows = body.get(side.lines_field)
    if not isinstance(rows, list) or not rows:
        raise ZohoError(INVALID_VALUE, f"Please select at least one {side.label} to apply the "
                        "payment to.")
    out, owed = [], {}
    for row in rows:
        if not isinstance(row, dict):
            raise _invalid(side.lines_field)
        doc = tenant[side.documents].get(str(row.get(side.document_id) or ""))
        if doc is None or doc[side.party_field] != party["contact_id"]:
            raise _invalid(side.document_id)
        if doc["status"] in ("draft", "void"):
            raise ZohoError(INVALID_VALUE, f"Payments cannot be recorded for a {doc['status']} "
                            f"{side.label}.")
        applies = _amount(row.get("amount_applied"), "amount_applied")
        left = owed.setdefault(doc[side.document_id], doc["_total"] - doc["_paid"])
        if applies > left:
            number = doc["invoice_number" if side is CUSTOMER else "bill_number"]
            raise ZohoError(INVALID_VALUE, f"The amount applied is more than the balance due "
                            f"({left:.2f}) of {side.label} {number}.")
        owed[doc[side.document_id]] = left - applies
        out.append((doc, applies))
    return out


def _store(tenant, side, body, party, account, amount, applied, now):
    payment_id = new_id()
    payments = tenant[side.collection]
    number = len(payments) + 1
    lines = []
    for doc, applies in applied:
        line = {side.document_id: doc[side.document_id], side.link_field: new_id(),
                "date": doc["date"], "amount_applied": float(applies),
                "balance_amount" if side is CUSTOMER else "balance":
                    float(doc["_total"] - doc["_paid"] - applies)}
        if side is CUSTOMER:
            line.update(invoice_number=doc["invoice_number"], invoice_amount=float(doc["_total"]))
        else:
            line.update(bill_number=doc["bill_number"], total=float(doc["_total"]),
                        due_date=doc["due_date"])
        lines.append(line)
    payment = {
        "payment_id": payment_id, "payment_number": number,
        "payment_mode": str(body.get("payment_mode") or "cash"), "amount": float(amount),
        "date": body["date"], "reference_number": str(body.get("reference_number") or ""),
        "description": str(body.get("description") or ""),
        side.party_field: party["contact_id"],
        f"{side.party_type}_name": party["contact_name"],
        "currency_code": tenant["currency_code"], "currency_symbol": tenant["currency_symbol"],
        side.lines_field: lines, "_account": account, "_currency_id": tenant["currency_id"],
        "created_time": now, "last_modified_time": now,
    }
    payments[payment_id] = payment
    return payment


def detail(side, payment):
    """One payment as create and get return it."""
    out = {k: v for k, v in payment.items() if not k.startswith("_")}
    account = payment["_account"]
    if side is CUSTOMER:
        out["status"] = "success"
        for key in ("payment_number", "created_time", "last_modified_time"):
            out.pop(key)  # not in the customer payment's documented shape
    else:
        out.update(paid_through_account_id=account["account_id"] if account else "",
                   paid_through_account_name=account["account_name"] if account else "",
                   balance=float(Decimal(str(payment["amount"])) - sum(
                       (Decimal(str(b["amount_applied"])) for b in payment["bills"]),
                       Decimal(0))), exchange_rate=1.0, currency_id=payment["_currency_id"])
    return out


def of_document(tenant, side, doc_id):
    """The payments applied to one invoice or bill, as GET /{module}/{id}/payments lists them:
    one row per application, with the amount applied to that document."""
    rows = []
    for payment in tenant[side.collection].values():
        for line in payment[side.lines_field]:
            if line[side.document_id] != doc_id:
                continue
            row = {"payment_id": payment["payment_id"], side.document_id: doc_id,
                   side.link_field: line[side.link_field],
                   "payment_mode": payment["payment_mode"],
                   "description": payment["description"], "date": payment["date"],
                   "reference_number": payment["reference_number"], "exchange_rate": 1.0,
                   "amount": line["amount_applied"]}
            if side is CUSTOMER:
                row.update(payment_number=payment["payment_number"],
                           is_single_invoice_payment=len(payment["invoices"]) == 1)
            else:
                account = payment["_account"]
                row.update(vendor_id=payment["vendor_id"], vendor_name=payment["vendor_name"],
                           paid_through=account["account_name"] if account else "",
                           is_single_bill_payment=len(payment["bills"]) == 1)
            rows.append(row)
    return rows
