"""Xero invoices and credit notes in a sandbox tenant: validation, numbering, totals, queries.

Totals follow Xero: tax is worked out per line and rounded to 2 dp, then summed; a line's
`TaxAmount`, when supplied, overrides the calculated tax (the spec allows the override).
"""

import copy
import re
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal

from sandbox.xero.query import where_matches
from sandbox.xero.seed import ms_date
from sandbox.xero.seed import new_id

# Endpoint -> (types it creates, id field, number field).
KINDS = {
    "Invoices": (("ACCREC", "ACCPAY"), "InvoiceID", "InvoiceNumber"),
    "CreditNotes": (("ACCRECCREDIT", "ACCPAYCREDIT"), "CreditNoteID", "CreditNoteNumber"),
}
SALES_TYPES = ("ACCREC", "ACCRECCREDIT")
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
DUPLICATE_MESSAGE = {"ACCREC": "Invoice # must be unique.",
                     "ACCRECCREDIT": "Credit Note # must be unique."}


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_date(raw):
    """A date from `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss` or `/Date(ms)/`; None if unreadable."""
    if not isinstance(raw, str) or not raw:
        return None
    match = _MS_DATE.match(raw)
    try:
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def money(value, places=2):
    """Round half away from zero, as Xero does per line."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def decimal_or_none(raw):
    """A Decimal from a JSON number or numeric string, else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def collection(tenant, endpoint):
    """The tenant's store for an endpoint (invoices or credit notes), keyed by id."""
    return tenant["invoices"] if endpoint == "Invoices" else tenant["credit_notes"]


def number_taken(tenant, endpoint, doc_type, number):
    """True when a sales document of this type already uses the number (ACCPAY never clash)."""
    if doc_type not in SALES_TYPES or not number:
        return False
    _, _, number_field = KINDS[endpoint]
    return any(d["Type"] == doc_type and d.get(number_field) == number
               and d["Status"] != "DELETED" for d in collection(tenant, endpoint).values())


def create_document(tenant, meta, endpoint, element, unitdp, now):
    """Validate one submitted element; store it and return (True, doc) or (False, errors)."""
    types, id_field, number_field = KINDS[endpoint]
    errors = []
    doc_type = element.get("Type")
    if doc_type not in types:
        return False, [f"{'Invoice' if endpoint == 'Invoices' else 'Credit Note'} Type must be "
                       f"one of {', '.join(types)}."]
    contact, contact_error = _contact(tenant, element.get("Contact"))
    if contact_error:
        errors.append(contact_error)
    status = element.get("Status") or "DRAFT"
    if status not in CREATE_STATUSES:
        errors.append("Invoice not of valid status for creation")
    currency = element.get("CurrencyCode") or meta["organisation"]["BaseCurrency"]
    if currency != meta["organisation"]["BaseCurrency"]:
        errors.append(f"Organisation is not subscribed to currency {currency}")
    issued = parse_date(element.get("Date")) or now.date()
    if element.get("Date") and parse_date(element.get("Date")) is None:
        errors.append("The date is not in a valid format.")
    due = parse_date(element.get("DueDate"))
    if due is None and doc_type in ("ACCREC", "ACCPAY"):
        due = issued + timedelta(days=meta["settings"]["payment_terms_days"])
    amount_types = element.get("LineAmountTypes") or "Exclusive"
    if amount_types not in ("Exclusive", "Inclusive", "NoTax"):
        errors.append("LineAmountTypes must be Exclusive, Inclusive or NoTax.")
    lines, line_errors = _lines(tenant, element.get("LineItems") or [], doc_type, amount_types,
                                status, unitdp)
    errors.extend(line_errors)
    number = (element.get(number_field) or "").strip()
    if number and number_taken(tenant, endpoint, doc_type, number):
        errors.append(DUPLICATE_MESSAGE[doc_type])
    if errors:
        return False, errors
    if not number and doc_type in SALES_TYPES:
        number = _next_number(meta["settings"], doc_type)
    doc = _assemble(element, doc_type, id_field, number_field, number, contact, status,
                    currency, issued, due, amount_types, lines, now)
    collection(tenant, endpoint)[doc[id_field]] = doc
    contact["IsCustomer" if doc_type in SALES_TYPES else "IsSupplier"] = True
    return True, doc


def _contact(tenant, ref):
    if not isinstance(ref, dict) or not (ref.get("ContactID") or ref.get("Name")):
        return None, "A Contact must be specified for this type of transaction"
    if ref.get("ContactID"):
        contact = tenant["contacts"].get(ref["ContactID"])
    else:
        contact = next((c for c in tenant["contacts"].values()
                        if c["Name"] == ref["Name"] and c["ContactStatus"] == "ACTIVE"), None)
    if contact is None:
        return None, "The contact specified could not be found."
    if contact["ContactStatus"] != "ACTIVE":
        return None, f"The contact {contact['Name']} has been archived and cannot be used."
    return contact, None


def _account(tenant, line):
    code, account_id = line.get("AccountCode"), line.get("AccountID")
    for account in tenant["accounts"]:
        if (code and account.get("Code") == code) or (account_id and
                                                      account["AccountID"] == account_id):
            return account
    return None


def _lines(tenant, raw_lines, doc_type, amount_types, status, unitdp):
    rates = {r["TaxType"]: r for r in tenant["tax_rates"]}
    lines, errors = [], []
    for raw in raw_lines:
        account = _account(tenant, raw)
        label = raw.get("AccountCode") or raw.get("AccountID")
        if label and account is None:
            errors.append(f"Account code '{label}' is not a valid code for this document.")
        elif account is not None and account["Status"] != "ACTIVE":
            errors.append(f"Account code '{account['Code']}' has been archived, or has been "
                          "deleted. Each line item must reference a valid account.")
        elif account is None and status != "DRAFT":
            errors.append("Account code must be specified for each line item.")
        tax_type = raw.get("TaxType") or (account or {}).get("TaxType") or "NONE"
        rate = rates.get(tax_type)
        sales = doc_type in SALES_TYPES
        if rate is None or rate["Status"] != "ACTIVE" or not (
                rate["CanApplyToRevenue"] if sales else rate["CanApplyToExpenses"]):
            errors.append(f"The TaxType code '{tax_type}' does not exist or cannot be used "
                          "with this type of transaction.")
            continue
        quantity = decimal_or_none(raw.get("Quantity"))
        unit = decimal_or_none(raw.get("UnitAmount"))
        given = decimal_or_none(raw.get("LineAmount"))
        if unit is None and given is not None:
            quantity = quantity or Decimal(1)
            unit = given / quantity
        quantity = Decimal(1) if quantity is None else quantity
        unit = money(unit or 0, unitdp)
        line_amount = money(quantity * unit)
        percent = Decimal(str(rate["EffectiveRate"]))
        if amount_types == "NoTax":
            tax = Decimal("0.00")
        elif amount_types == "Inclusive":
            tax = money(line_amount * percent / (100 + percent))
        else:
            tax = money(line_amount * percent / 100)
        override = decimal_or_none(raw.get("TaxAmount"))
        if override is not None and amount_types != "NoTax":
            tax = money(override)
        lines.append({"LineItemID": new_id(), "Description": raw.get("Description") or "",
                      "Quantity": float(quantity), "UnitAmount": float(unit),
                      "AccountCode": (account or {}).get("Code", ""),
                      "AccountID": (account or {}).get("AccountID"),
                      "TaxType": tax_type, "TaxAmount": float(tax),
                      "LineAmount": float(line_amount), "_tax": tax, "_amount": line_amount})
    return lines, errors


def _next_number(settings, doc_type):
    key = "invoice" if doc_type == "ACCREC" else "credit_note"
    number = f"{settings[key + '_prefix']}{settings[key + '_next']:04d}"
    settings[key + "_next"] += 1
    return number


def _assemble(element, doc_type, id_field, number_field, number, contact, status, currency,
              issued, due, amount_types, lines, now):
    tax = sum((line.pop("_tax") for line in lines), Decimal("0.00"))
    amounts = sum((line.pop("_amount") for line in lines), Decimal("0.00"))
    line_items = [{k: v for k, v in line.items() if v is not None} for line in lines]
    subtotal = amounts - tax if amount_types == "Inclusive" else amounts
    total = subtotal + tax
    doc = {
        "Type": doc_type, id_field: new_id(), number_field: number,
        "Contact": {"ContactID": contact["ContactID"], "Name": contact["Name"]},
        "Date": ms_date(issued), "Status": status, "LineAmountTypes": amount_types,
        "LineItems": line_items, "SubTotal": float(subtotal), "TotalTax": float(tax),
        "Total": float(total), "CurrencyCode": currency, "CurrencyRate": 1.0,
        "UpdatedDateUTC": ms_date(now), "HasAttachments": False,
    }
    if due is not None:
        doc["DueDate"] = ms_date(due)
    if doc_type in SALES_TYPES and element.get("Reference"):
        doc["Reference"] = element["Reference"]  # ACCREC/ACCRECCREDIT only, per the spec
    if id_field == "InvoiceID":
        doc.update(AmountDue=float(total), AmountPaid=0.0, AmountCredited=0.0,
                   IsDiscounted=False)
    else:
        doc.update(RemainingCredit=float(total), AppliedAmount=0.0)
    return doc


def document_view(doc, with_lines=True):
    """A stored invoice or credit note as returned (lists omit line items unless paged)."""
    out = copy.deepcopy(doc)
    if not with_lines:
        out.pop("LineItems", None)
    return out


def query_documents(tenant, store, groups, filters):
    """Invoices or credit notes filtered by where and by the list parameters Xero offers."""
    found = []
    for doc in store.values():
        if filters.get("ids") and doc.get("InvoiceID", doc.get("CreditNoteID")) \
                not in filters["ids"]:
            continue
        if filters.get("numbers") and doc.get("InvoiceNumber") not in filters["numbers"]:
            continue
        if filters.get("contacts") and doc["Contact"]["ContactID"] not in filters["contacts"]:
            continue
        if filters.get("statuses"):
            if doc["Status"] not in filters["statuses"]:
                continue
        elif doc["Status"] == "DELETED":
            continue
        if groups and not where_matches(groups, doc):
            continue
        term = (filters.get("term") or "").lower()
        if term and not any(term in (doc.get(f) or "").lower()
                            for f in ("InvoiceNumber", "CreditNoteNumber", "Reference")):
            continue
        found.append(doc)
    return found


def find_document(tenant, endpoint, key):
    """A document by id, or an invoice by number (Xero accepts either in the path)."""
    store = collection(tenant, endpoint)
    if key in store:
        return store[key]
    if endpoint == "Invoices":
        return next((d for d in store.values() if d.get("InvoiceNumber") == key), None)
    return None
