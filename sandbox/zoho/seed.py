"""Demo data for the Zoho Books sandbox: organisations, chart of accounts, taxes, contacts."""

import itertools
import threading
from datetime import UTC
from datetime import datetime

_ids = itertools.count(460000000030001)
_ids_lock = threading.Lock()


def new_id():
    """A Zoho-style id: a long numeric string."""
    with _ids_lock:
        return str(next(_ids))


# The organisations seeded on every reset: (organization_id, preset, name).
DEMO_ORGANISATIONS = (("20060001", "uk", "Demo Trading Ltd"),
                      ("20060002", "uk", "Demo Consulting Ltd"))

# (code, name, account_type, active). Zoho's own types (chart-of-accounts.yml `account_type`).
UK_ACCOUNTS = [
    ("4000", "Sales", "income", True),
    ("4010", "General Income", "income", True),
    ("4900", "Other Charges", "other_income", True),
    ("5000", "Cost of Goods Sold", "cost_of_goods_sold", True),
    ("7500", "Office Supplies", "expense", True),
    ("7600", "Advertising And Marketing", "expense", True),
    ("7700", "IT and Internet Expenses", "expense", True),
    ("7800", "Postage (old)", "expense", False),
    ("1200", "Business Current Account", "bank", True),
    ("1100", "Accounts Receivable", "accounts_receivable", True),
    ("2100", "Accounts Payable", "accounts_payable", True),
    ("2200", "VAT Payable", "other_current_liability", True),
]

US_ACCOUNTS = [
    ("4000", "Sales", "income", True),
    ("4100", "Discount", "income", True),
    ("5000", "Cost of Goods Sold", "cost_of_goods_sold", True),
    ("6000", "Office Supplies", "expense", True),
    ("6100", "Rent Expense", "expense", True),
    ("6900", "Travel (legacy)", "expense", False),
    ("1000", "Checking Account", "bank", True),
    ("1100", "Accounts Receivable", "accounts_receivable", True),
    ("2000", "Accounts Payable", "accounts_payable", True),
]

# (name, percentage, tax_specific_type)
UK_TAXES = [("Standard Rate", 20, "standard"), ("Reduced Rate", 5, "reduced"),
            ("Zero Rate", 0, "zero_rate")]
US_TAXES = [("State Sales Tax", 6, "sales"), ("No Tax", 0, "exempt")]

# (name, contact_type, email)
UK_CONTACTS = [("Acme Trading Ltd", "customer", "accounts@acme.example"),
               ("Brightside Cafe", "customer", "owner@brightside.example"),
               ("Northwind Supplies Ltd", "vendor", "billing@northwind.example"),
               ("Office Depot UK", "vendor", "ap@officedepot.example")]
US_CONTACTS = [("Globex Corporation", "customer", "ap@globex.example"),
               ("Initech LLC", "vendor", "billing@initech.example")]

PRESETS = {
    "uk": {"accounts": UK_ACCOUNTS, "taxes": UK_TAXES, "contacts": UK_CONTACTS,
           "currency": ("GBP", "£"), "country": "U.K"},
    "us": {"accounts": US_ACCOUNTS, "taxes": US_TAXES, "contacts": US_CONTACTS,
           "currency": ("USD", "$"), "country": "U.S.A"},
}

# Automatic numbering per module, as the organisation's settings hold it.
DEFAULT_NUMBERING = {
    "invoices": {"auto": True, "prefix": "INV-", "next": 1},
    "creditnotes": {"auto": True, "prefix": "CN-", "next": 1},
    "vendorcredits": {"auto": True, "prefix": "DN-", "next": 1},
}

TIMESTAMP = "2025-01-01T09:00:00+0000"
# The currencies of a new organisation: (code, name, symbol); the preset's own is the base.
CURRENCIES = {"GBP": ("GBP- Pound Sterling", "£"), "USD": ("USD- US Dollar", "$"),
              "EUR": ("EUR- Euro", "€"), "AUD": ("AUD- Australian Dollar", "$"),
              "CAD": ("CAD- Canadian Dollar", "$")}


def zoho_time(epoch):
    """Sandbox time as Zoho writes times: "2025-01-01T09:00:00+0000" (UTC here)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def currency(code, base=False):
    """A currency as GET /settings/currencies lists it."""
    name, symbol = CURRENCIES.get(code, (code, code[:1]))
    return {"currency_id": new_id(), "currency_code": code, "currency_name": name,
            "currency_symbol": symbol, "price_precision": 2, "currency_format": "1,234,567.89",
            "is_base_currency": base}


def build_tenant(preset, name, dc):
    """A fresh organisation's collections from a preset ("uk" or "us")."""
    spec = PRESETS[preset]
    code, symbol = spec["currency"]
    currency_id = new_id()
    accounts = {}
    for number, account_name, account_type, active in spec["accounts"]:
        account_id = new_id()
        accounts[account_id] = {
            "account_id": account_id, "account_name": account_name, "account_code": number,
            "account_type": account_type, "is_active": active, "is_user_created": False,
            "is_system_account": account_type in ("accounts_receivable", "accounts_payable"),
            "is_standalone_account": False, "can_show_in_ze": False,
            "is_involved_in_transaction": False, "parent_account_id": "",
            "parent_account_name": "", "depth": "0", "has_attachment": False,
            "is_child_present": "false", "child_count": "", "documents": [],
            "created_time": TIMESTAMP, "last_modified_time": TIMESTAMP,
        }
    taxes = {}
    for tax_name, percentage, specific in spec["taxes"]:
        tax_id = new_id()
        taxes[tax_id] = {
            "tax_id": tax_id, "tax_name": tax_name, "tax_percentage": percentage,
            "tax_type": "tax", "tax_specific_type": specific, "tax_authority_id": "",
            "tax_authority_name": "", "is_value_added": preset == "uk",
            "is_default_tax": percentage == 20, "is_editable": True,
            "output_tax_account_name": "VAT Payable", "purchase_tax_account_name": "VAT Payable",
            "tax_account_id": "", "purchase_tax_account_id": "",
        }
    tenant = {"name": name, "dc": dc, "currency_code": code, "currency_symbol": symbol,
              "currency_id": currency_id, "country": spec["country"],
              "chartofaccounts": accounts, "taxes": taxes, "contacts": {}, "items": {},
              "invoices": {}, "creditnotes": {}, "bills": {}, "vendorcredits": {},
              "attachments": {}, "customerpayments": {}, "vendorpayments": {},
              "numbering": {k: dict(v) for k, v in DEFAULT_NUMBERING.items()},
              "currencies": [currency(code, True)]}
    income = [a for a in accounts.values() if a["account_type"] == "income"]
    sales = income[-1]  # the last income account, so the first stays item-free
    item_id = new_id()  # one existing service item, as a firm that sold through Zoho would have
    tenant["items"][item_id] = {
        "item_id": item_id, "name": "Labour (hourly)", "status": "active", "description": "",
        "rate": 45.0, "unit": "hr", "tax_id": "", "sku": "", "product_type": "service",
        "account_id": sales["account_id"], "account_name": sales["account_name"]}
    for contact_name, contact_type, email in spec["contacts"]:
        contact = new_contact(tenant, {"contact_name": contact_name, "contact_type": contact_type,
                                       "company_name": contact_name})
        contact["email"] = email
    return tenant


def new_contact(tenant, body):
    """Store a contact built from a create request body; return it."""
    contact_id = new_id()
    contact = {
        "contact_id": contact_id, "contact_name": body["contact_name"],
        "company_name": body.get("company_name", ""),
        "contact_type": body.get("contact_type") or "customer",
        "customer_sub_type": body.get("customer_sub_type") or "business",
        "status": "active", "payment_terms": 0, "payment_terms_label": "Due on Receipt",
        "currency_id": tenant["currency_id"], "currency_code": tenant["currency_code"],
        "outstanding_receivable_amount": 0, "unused_credits_receivable_amount": 0,
        "first_name": "", "last_name": "", "email": "", "phone": "", "mobile": "",
        "contact_number": body.get("contact_number", ""),
        "vat_reg_no": body.get("vat_reg_no", ""), "notes": body.get("notes", ""),
        "billing_address": dict(body.get("billing_address") or {}),
        "created_time": TIMESTAMP, "last_modified_time": TIMESTAMP,
    }
    for person in body.get("contact_persons") or []:
        if person.get("is_primary_contact") or not contact["email"]:
            contact["email"] = person.get("email", "")
            contact["phone"] = person.get("phone", "")
            contact["first_name"] = person.get("first_name", "")
            contact["last_name"] = person.get("last_name", "")
    tenant["contacts"][contact_id] = contact
    return contact


LIST_CONTACT_FIELDS = (
    "contact_id", "contact_name", "company_name", "contact_type", "status", "payment_terms",
    "payment_terms_label", "currency_id", "currency_code", "outstanding_receivable_amount",
    "unused_credits_receivable_amount", "first_name", "last_name", "email", "phone", "mobile",
    "created_time", "last_modified_time")


def contact_summary(contact):
    """A contact as the list endpoint shows it."""
    return {k: contact[k] for k in LIST_CONTACT_FIELDS}


def contact_detail(contact):
    """A contact as get/create return it."""
    detail = {k: v for k, v in contact.items() if k not in ("email", "phone", "mobile",
                                                          "first_name", "last_name")}
    detail["contact_persons"] = []
    if contact["email"] or contact["first_name"]:
        detail["contact_persons"].append({
            "contact_person_id": contact["contact_id"] + "1", "first_name": contact["first_name"],
            "last_name": contact["last_name"], "email": contact["email"],
            "phone": contact["phone"], "mobile": contact["mobile"], "is_primary_contact": True})
    return detail
