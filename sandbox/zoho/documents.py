"""Zoho Books documents in the sandbox: validation, numbering, totals and the JSON shapes.

Shapes follow ../shared/specs/zoho/*.yml, including where the published spec types a field
oddly (invoice `total`/`balance` as strings); see sandbox/README.md.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

from sandbox.zoho.errors import DUPLICATE_NUMBER
from sandbox.zoho.errors import INVALID_VALUE
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.seed import TIMESTAMP
from sandbox.zoho.seed import new_id

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Kind:
    """One document module of Zoho Books."""

    module: str  # the path segment and list key: invoices, creditnotes, bills, vendorcredits
    single: str  # the key of one document in a response
    id_field: str
    number_field: str
    party_field: str  # customer_id or vendor_id
    party_type: str  # the contact_type the party must have
    label: str  # as Zoho names it in messages
    initial_status: str
    auto_numbered: bool = True
    attachments: bool = False


KINDS = {k.module: k for k in (
    Kind("invoices", "invoice", "invoice_id", "invoice_number", "customer_id", "customer",
         "Invoice", "draft", attachments=True),
    Kind("creditnotes", "creditnote", "creditnote_id", "creditnote_number", "customer_id",
         "customer", "Credit Note", "open"),
    Kind("bills", "bill", "bill_id", "bill_number", "vendor_id", "vendor", "Bill", "open",
         auto_numbered=False, attachments=True),
    Kind("vendorcredits", "vendor_credit", "vendor_credit_id", "vendor_credit_number",
         "vendor_id", "vendor", "Vendor Credit", "open"),
)}

def money(value):
    """Round to pence."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _decimal(value, field):
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ZohoError(INVALID_VALUE, f"Invalid value passed for {field}") from None


def _invalid(field):
    return ZohoError(INVALID_VALUE, f"Invalid value passed for {field}")


def assign_number(tenant, kind, body, ignore_auto):
    """The document's number: supplied (unique in the organisation) or auto-generated."""
    supplied = str(body.get(kind.number_field) or "").strip()
    numbering = tenant["numbering"].get(kind.module)
    auto = kind.auto_numbered and numbering["auto"] and not ignore_auto
    if auto:
        # Automatic numbering wins; a number sent without the flag is not used.
        while True:
            number = f"{numbering['prefix']}{numbering['next']:06d}"
            numbering["next"] += 1
            if find_by_number(tenant, kind, number) is None:
                return number
    if not supplied:
        raise ZohoError(INVALID_VALUE, f"Please enter the {kind.label.lower()} number.")
    if len(supplied) > 100:
        raise _invalid(kind.number_field)
    if find_by_number(tenant, kind, supplied) is not None:
        raise ZohoError(DUPLICATE_NUMBER,
                        f'{kind.label} number "{supplied}" already exists. Please enter a '
                        "different number.")
    return supplied


def find_by_number(tenant, kind, number):
    """A stored document of this kind with exactly this number, or None."""
    for doc in tenant[kind.module].values():
        if doc[kind.number_field] == number:
            return doc
    return None


def create(tenant, kind, body, ignore_auto):
    """Validate a create request body and store the document; return it."""
    party = tenant["contacts"].get(str(body.get(kind.party_field) or ""))
    if party is None or party["contact_type"] != kind.party_type or party["status"] != "active":
        raise _invalid(kind.party_field)
    lines_in = body.get("line_items")
    if not isinstance(lines_in, list) or not lines_in:
        raise ZohoError(INVALID_VALUE, "Please add at least one line item.")
    if kind.module == "creditnotes" and not body.get("date"):
        raise _invalid("date")
    inclusive = bool(body.get("is_inclusive_tax"))
    lines = [_line(tenant, kind, line, index, inclusive) for index, line in enumerate(lines_in)]
    number = assign_number(tenant, kind, body, ignore_auto)
    doc_id = new_id()
    sub_total = sum((line["_net"] for line in lines), Decimal(0))
    tax_total = sum((line["_tax"] for line in lines), Decimal(0))
    doc = {
        kind.id_field: doc_id, kind.number_field: number, "status": kind.initial_status,
        "date": body.get("date") or "2025-01-01", "due_date": body.get("due_date", ""),
        "reference_number": str(body.get("reference_number") or ""),
        kind.party_field: party["contact_id"], "_party_name": party["contact_name"],
        "currency_id": tenant["currency_id"], "currency_code": tenant["currency_code"],
        "exchange_rate": 1.0, "is_inclusive_tax": inclusive, "line_items": lines,
        "_sub_total": sub_total, "_tax_total": tax_total, "_total": sub_total + tax_total,
        "_paid": Decimal(0), "has_attachment": False, "attachment_name": "",
        "created_time": TIMESTAMP, "last_modified_time": TIMESTAMP,
    }
    tenant[kind.module][doc_id] = doc
    return doc


def _line(tenant, kind, raw, index, inclusive):
    if not isinstance(raw, dict):
        raise _invalid("line_items")
    item = None
    if raw.get("item_id") or kind.module == "invoices":  # invoice lines require an item
        item = tenant["items"].get(str(raw.get("item_id") or ""))
        if item is None or item["status"] != "active":
            raise _invalid("item_id")
    account_id = str(raw.get("account_id") or (item or {}).get("account_id") or "")
    account = tenant["chartofaccounts"].get(account_id)
    if account is None or not account["is_active"]:
        raise _invalid("account_id")
    tax = None
    if raw.get("tax_id"):
        tax = tenant["taxes"].get(str(raw["tax_id"]))
        if tax is None:
            raise _invalid("tax_id")
    rate = _decimal(raw.get("rate", (item or {}).get("rate", 0)), "rate")
    quantity = _decimal(raw.get("quantity", 1), "quantity")
    gross = money(rate * quantity)
    pct = Decimal(str(tax["tax_percentage"])) if tax else Decimal(0)
    if inclusive:
        tax_amount = money(gross * pct / (100 + pct))
        net = gross - tax_amount
    else:
        net, tax_amount = gross, money(gross * pct / 100)
    return {
        "line_item_id": new_id(), "item_id": item["item_id"] if item else "",
        "account_id": account_id, "account_name": account["account_name"],
        "name": str(raw.get("name") or (item or {}).get("name", "")),
        "description": str(raw.get("description") or ""), "item_order": index + 1,
        "rate": float(rate), "quantity": raw.get("quantity", 1),
        "tax_id": tax["tax_id"] if tax else "", "tax_name": tax["tax_name"] if tax else "",
        "tax_percentage": tax["tax_percentage"] if tax else 0,
        "item_total": float(net), "_net": net, "_tax": tax_amount,
    }


def _public_line(line):
    return {k: v for k, v in line.items() if not k.startswith("_")}


def detail(kind, doc):
    """One document as create/get return it."""
    out = {k: v for k, v in doc.items() if not k.startswith("_") and k != "line_items"}
    out["line_items"] = [_public_line(line) for line in doc["line_items"]]
    name_field = "customer_name" if kind.party_type == "customer" else "vendor_name"
    out[name_field] = doc["_party_name"]
    balance = doc["_total"] - doc["_paid"]
    taxes = {}
    for line in doc["line_items"]:
        if line["tax_name"]:
            taxes[line["tax_name"]] = taxes.get(line["tax_name"], Decimal(0)) + line["_tax"]
    # The spec types tax_amount as a number on invoices and as a string elsewhere.
    as_text = kind.module != "invoices"
    out["taxes"] = [{"tax_name": n, "tax_amount": f"{a:.2f}" if as_text else float(a)}
                    for n, a in taxes.items()]
    out["sub_total"], out["tax_total"] = float(doc["_sub_total"]), float(doc["_tax_total"])
    if kind.module == "invoices":  # the spec types these two as strings
        out["total"], out["balance"] = f"{doc['_total']:.2f}", f"{balance:.2f}"
        out["payment_made"], out["credits_applied"] = float(doc["_paid"]), 0.0
    else:
        out["total"], out["balance"] = float(doc["_total"]), float(balance)
    return out


_SUMMARY = ("status", "date", "due_date", "reference_number", "currency_id", "currency_code",
            "has_attachment", "created_time", "last_modified_time")


def summary(kind, doc):
    """One document as the list endpoint shows it."""
    full = detail(kind, doc)
    keep = (kind.id_field, kind.number_field, kind.party_field, "customer_name", "vendor_name",
            "total", "balance", *_SUMMARY)
    return {k: full[k] for k in keep if k in full}


def matches(kind, doc, args):
    """Whether a document passes the list filters Ledgerlink uses (number, reference, party)."""
    number = args.get(kind.number_field)
    if number is not None and doc[kind.number_field] != number:
        return False
    start = args.get(f"{kind.number_field}_startswith")
    if start is not None and not doc[kind.number_field].startswith(start):
        return False
    reference = args.get("reference_number")
    if reference is not None and doc["reference_number"] != reference:
        return False
    party = args.get(kind.party_field)
    return party is None or doc[kind.party_field] == party
