"""Sage Accounting sandbox: contact payments (customer receipts and vendor payments) allocated
to invoices, which they mark paid; and the bank accounts they go through."""

from sandbox.sage.documents import check_date
from sandbox.sage.documents import money
from sandbox.sage.documents import required
from sandbox.sage.errors import SageError
from sandbox.sage.seed import base
from sandbox.sage.seed import guid
from sandbox.sage.seed import stamp
from sandbox.sage.seed import usable_currencies

# transaction_type_id -> (the invoices it pays, the contact type it needs, its name)
PAYMENT_TYPES = {"CUSTOMER_RECEIPT": ("sales_invoices", "CUSTOMER", "Customer Receipt"),
                 "VENDOR_PAYMENT": ("purchase_invoices", "VENDOR", "Vendor Payment")}
# Refunds Sage takes as well, not modelled here.
UNMODELLED_TYPES = {"CUSTOMER_REFUND", "VENDOR_REFUND"}


def create_payment(tenant, payload, now=None):
    """Validate and store a contact payment whose allocations settle invoices of its contact;
    return its JSON. Raises SageError (nothing applied)."""
    type_id = required(payload, "transaction_type_id")
    if type_id in UNMODELLED_TYPES or type_id not in PAYMENT_TYPES:
        raise SageError(404, "RecordNotFound", "Couldn't find TransactionType",
                        "transaction_type_id")
    collection, contact_type, type_name = PAYMENT_TYPES[type_id]
    contact_id = required(payload, "contact_id")
    bank_id = required(payload, "bank_account_id")
    required(payload, "date")
    check_date(payload, "date")
    total = money(required(payload, "total_amount"), "total_amount")
    if total <= 0:
        raise SageError(422, "RecordInvalid", "must be greater than 0", "total_amount")
    locked = tenant["financial_settings"]["year_end_lockdown_date"]
    if locked and payload["date"] <= locked:
        raise SageError(422, "RecordInvalid", f"is on or before the year end lockdown date "
                        f"({locked}); the period is locked", "date")
    contact = tenant["contacts"].get(contact_id)
    if contact is None or contact_type not in {t["id"] for t in contact["contact_types"]}:
        who = "Supplier" if contact_type == "VENDOR" else "Customer"
        raise SageError(404, "RecordNotFound", f"Couldn't find {who}", "contact_id")
    bank = tenant["bank_accounts"].get(bank_id)
    if bank is None or not bank["is_active"]:
        raise SageError(404, "RecordNotFound", "Couldn't find BankAccount", "bank_account_id")
    currency = payload.get("currency_id") or tenant["currency"]
    if currency not in usable_currencies(tenant):
        raise SageError(404, "RecordNotFound", "Couldn't find Currency", "currency_id")
    allocations = _allocations(tenant, collection, payload, contact_id, currency)
    allocated = round(sum(amount for _, amount in allocations), 2)
    if allocated != total:
        raise SageError(422, "RecordInvalid", "must equal the total of the allocated artefacts",
                        "total_amount")
    return _store(tenant, payload, currency, (type_id, type_name), contact, bank, allocations,
                  total, now)


def _allocations(tenant, collection, payload, contact_id, currency):
    """(invoice, amount) for each allocated artefact, each checked against what it still owes."""
    raw = payload.get("allocated_artefacts")
    if not isinstance(raw, list) or not raw:
        raise SageError(422, "RecordInvalid", "This field is required.", "allocated_artefacts")
    out, owed = [], {}
    for index, item in enumerate(raw):
        where = f"allocated_artefacts.{index}"
        if not isinstance(item, dict):
            raise SageError(422, "RecordInvalid", "is invalid", where)
        artefact_id = required(item, "artefact_id", f"{where}.artefact_id")
        doc = tenant[collection].get(artefact_id)
        if doc is None or doc["contact"]["id"] != contact_id:
            raise SageError(404, "RecordNotFound", "Couldn't find Artefact",
                            f"{where}.artefact_id")
        if doc["currency"]["id"] != currency:
            raise SageError(422, "RecordInvalid", "must be in the currency of the payment",
                            f"{where}.artefact_id")
        amount = money(required(item, "amount", f"{where}.amount"), f"{where}.amount")
        if amount <= 0:
            raise SageError(422, "RecordInvalid", "must be greater than 0", f"{where}.amount")
        left = owed.setdefault(artefact_id, doc["outstanding_amount"])
        if amount > left + 0.001:
            raise SageError(422, "RecordInvalid", f"is more than the outstanding amount of the "
                            f"invoice ({left:.2f}); the payment would overpay it",
                            f"{where}.amount")
        owed[artefact_id] = round(left - amount, 2)
        out.append((doc, amount))
    return out


def _store(tenant, payload, currency, payment_type, contact, bank, allocations, total, now):
    type_id, type_name = payment_type
    payment_id = guid()
    reference = payload.get("reference") or ""
    payment = base("contact_payments", payment_id, reference or type_name)
    payment.update({
        "created_at": stamp(now), "updated_at": stamp(now), "links": [],
        "transaction": base("transactions", guid(), type_name),
        "transaction_type": base("transaction_types", type_id, type_name),
        "payment_method": base("payment_methods", payload.get("payment_method_id")
                               or "BANK_TRANSFER", "Bank Transfer"),
        "contact": base("contacts", contact["id"], contact["displayed_as"]),
        "bank_account": base("bank_accounts", bank["id"], bank["displayed_as"]),
        "date": payload["date"], "net_amount": total, "tax_amount": 0.0, "total_amount": total,
        "currency": base("currencies", currency, currency), "exchange_rate": 1.0,
        "base_currency_net_amount": total, "base_currency_tax_amount": 0.0,
        "base_currency_total_amount": total, "base_currency_currency_charge": 0.0,
        "reference": reference, "editable": True, "allocated_artefacts": [],
    })
    for doc, amount in allocations:
        payment["allocated_artefacts"].append({
            "id": guid(), "amount": amount, "discount": 0.0,
            "artefact": {"id": doc["id"], "displayed_as": doc["displayed_as"],
                         "$path": doc["$path"]}})
        _apply(doc, payment, type_name, amount, now)
    bank["balance"] = round(bank["balance"] + (total if type_id == "CUSTOMER_RECEIPT"
                                               else -total), 2)
    tenant["contact_payments"][payment_id] = payment
    return payment


def _apply(doc, payment, type_name, amount, now):
    """Mark an invoice (part) paid and list the payment among its payments_allocations."""
    doc["total_paid"] = round(doc["total_paid"] + amount, 2)
    doc["outstanding_amount"] = round(doc["total_amount"] - doc["total_paid"], 2)
    doc["base_currency_outstanding_amount"] = doc["outstanding_amount"]
    paid = doc["outstanding_amount"] <= 0
    doc["status"] = base("artefact_statuses", "PAID" if paid else "PART_PAID",
                         "Paid" if paid else "Part Paid")
    doc["updated_at"] = stamp(now)
    doc.setdefault("payments_allocations", []).append({
        "date": payment["date"], "type": type_name, "reference": payment["reference"],
        "amount": amount, "discount": 0.0, "displayed_as": payment["displayed_as"],
        "contact_payment": {k: payment[k] for k in ("id", "displayed_as", "$path")}})


def search_payments(tenant, args):
    """The contact payments a list call returns: by contact, bank account, type and date."""
    out = []
    for payment in tenant["contact_payments"].values():
        if args.get("contact_id") and payment["contact"]["id"] != args["contact_id"]:
            continue
        if args.get("bank_account_id") and payment["bank_account"]["id"] != \
                args["bank_account_id"]:
            continue
        if args.get("transaction_type_id") and payment["transaction_type"]["id"] != \
                args["transaction_type_id"]:
            continue
        if args.get("from_date") and payment["date"] < args["from_date"][:10]:
            continue
        if args.get("to_date") and payment["date"] > args["to_date"][:10]:
            continue
        out.append(payment)
    return out
