"""Sage Accounting sandbox: seeded businesses and the JSON shapes of its reference data.

Shapes follow the v3.1 swagger definitions (LedgerAccount, TaxRate, Contact, InvoiceSettings).
"""

import re
import uuid
from datetime import UTC
from datetime import datetime

# (nominal code, name, ledger_account_type id, included in chart, control account)
UK_CHART = [
    (1100, "Trade Debtors", "CURRENT_ASSETS", True, True),
    (1200, "Current account", "BANK", True, False),
    (2100, "Trade Creditors", "CURRENT_LIABILITY", True, True),
    (2200, "Sales Tax Control Account", "CURRENT_LIABILITY", True, True),
    (4000, "Sales Type A", "SALES", True, False),
    (4010, "Sales Type B", "SALES", True, False),
    (4020, "Sales Type C", "SALES", False, False),  # removed from the chart: inactive
    (4900, "Other income", "OTHER_INCOME", True, False),
    (5000, "Cost of sales - goods", "DIRECT_EXPENSES", True, False),
    (7100, "Rent", "OVERHEADS", True, False),
    (7500, "Office costs", "OVERHEADS", True, False),
]

TYPE_NAMES = {
    "SALES": "Sales", "OTHER_INCOME": "Other Income", "DIRECT_EXPENSES": "Direct Expenses",
    "OVERHEADS": "Overheads", "BANK": "Bank", "CURRENT_ASSETS": "Current Assets",
    "CURRENT_LIABILITY": "Current Liability",
}

# Where each account type is offered (the v3.1 visible_in_* flags).
VISIBILITY = {
    "SALES": {"sales", "other_receipts", "journals", "reporting"},
    "OTHER_INCOME": {"sales", "other_receipts", "journals", "reporting"},
    "DIRECT_EXPENSES": {"expenses", "other_payments", "journals", "reporting"},
    "OVERHEADS": {"expenses", "other_payments", "journals", "reporting"},
    "BANK": {"banking", "reporting"},
}

# (id, name, percentage); ids as Sage's UK readable ids.
UK_TAX = [("GB_STANDARD", "Standard", 20.0), ("GB_LOWER", "Reduced", 5.0),
          ("GB_ZERO", "Zero", 0.0), ("GB_EXEMPT", "Exempt", 0.0), ("GB_NO_TAX", "No VAT", 0.0)]
IE_TAX = [("IE_STANDARD", "Standard", 23.0), ("IE_LOWER", "Reduced", 13.5),
          ("IE_ZERO", "Zero", 0.0), ("IE_EXEMPT", "Exempt", 0.0)]

PRESETS = {"uk": ("GB", "GBP", UK_TAX), "ie": ("IE", "EUR", IE_TAX)}

# The currencies GET /currencies lists (Sage's list is longer): code -> name.
CURRENCIES = {"GBP": "Pound Sterling", "EUR": "Euro", "USD": "US Dollar",
              "CAD": "Canadian Dollar", "AUD": "Australian Dollar", "CHF": "Swiss Franc",
              "SEK": "Swedish Krona", "PLN": "Polish Zloty"}

# The businesses seeded on every reset: (name, preset).
DEMO_BUSINESSES = [("Demo Trading Ltd", "uk"), ("Demo Services Ltd", "uk")]

DEMO_CONTACTS = [("Acme Trading Ltd", "CUSTOMER", "ACME001", "accounts@acme.example"),
                 ("Bright Lights Cafe", "CUSTOMER", "BRIGHT01", "hello@bright.example"),
                 ("Paper Supplies plc", "VENDOR", "PAPER001", "sales@paper.example"),
                 ("Northern Power", "VENDOR", "NORTH001", "billing@north.example")]

ZERO_RATES = {"GB_ZERO", "GB_EXEMPT", "GB_NO_TAX", "IE_ZERO", "IE_EXEMPT"}


def guid():
    """A Sage-style opaque id: 32 lowercase hex characters."""
    return uuid.uuid4().hex


def stamp(epoch=None):
    """An ISO 8601 UTC timestamp as Sage returns it (now, or sandbox time `epoch`)."""
    moment = datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def base(kind, item_id, displayed_as):
    """The Base shape {id, displayed_as, $path} used for every link to another resource."""
    return {"id": item_id, "displayed_as": displayed_as, "$path": f"/{kind}/{item_id}"}


def new_business(name, preset="uk", business_id=None):
    """A business with its chart, tax rates, numbering settings and a few contacts."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {sorted(PRESETS)}")
    country, currency, taxes = PRESETS[preset]
    tenant = {"name": name, "country": country, "currency": currency,
              "ledger_accounts": {}, "tax_rates": {}, "contacts": {},
              "sales_invoices": {}, "sales_credit_notes": {}, "purchase_invoices": {},
              "purchase_credit_notes": {}, "attachments": {}, "bank_accounts": {},
              "contact_payments": {}}
    tenant["id"] = business_id or guid()
    standard = taxes[0][0]
    for code, account_name, type_id, in_chart, control in UK_CHART:
        account = ledger_account(code, account_name, type_id, in_chart, control, standard)
        tenant["ledger_accounts"][account["id"]] = account
    for tax_id, tax_name, pct in taxes:
        tenant["tax_rates"][tax_id] = tax_rate(tax_id, tax_name, pct)
    for account in list(tenant["ledger_accounts"].values()):
        if account["ledger_account_type"]["id"] == "BANK":
            bank = bank_account(account, currency)
            tenant["bank_accounts"][bank["id"]] = bank
    tenant["invoice_settings"] = Numbering()
    tenant["financial_settings"] = {
        "year_end_date": "2026-03-31", "year_end_lockdown_date": None,
        "accounting_type": "accrual", "accounts_start_date": "2024-04-01",
        "base_currency": base("currencies", currency, CURRENCIES[currency]),
        "multi_currency_enabled": False, "use_live_exchange_rates": True}
    for contact_name, type_id, ref, email in DEMO_CONTACTS:
        item = contact(contact_name, [type_id], ref, email=email)
        tenant["contacts"][item["id"]] = item
    return tenant


class Numbering:
    """The business's invoice settings that drive Sage-generated document numbers."""

    def __init__(self):
        self.next_invoice_number = 1
        self.next_credit_note_number = 1
        self.separate_invoice_credit_note_numbering = True
        self.sales_invoice_number_prefix = "SI-"
        self.sales_credit_note_number_prefix = "SCN-"

    def as_json(self):
        """The InvoiceSettings shape."""
        out = {"$path": "/invoice_settings", **vars(self)}
        out["updated_at"] = stamp()
        return out


def ledger_account(code, name, type_id, in_chart, control, tax_id):
    """A LedgerAccount."""
    visible = VISIBILITY.get(type_id, {"journals", "reporting"})
    account_id = guid()
    account = base("ledger_accounts", account_id, f"{name} ({code})")
    account.update({
        "created_at": stamp(), "updated_at": stamp(), "name": name, "display_name": name,
        "nominal_code": code, "included_in_chart": in_chart,
        "ledger_account_type": base("ledger_account_types", type_id, TYPE_NAMES[type_id]),
        "visible_scopes": sorted(visible), "is_control_account": control,
        "control_name": name.lower().replace(" ", "_") if control else "",
        "display_formatted": f"{code} - {name}", "fixed_tax_rate": False,
    })
    for scope in ("banking", "expenses", "journals", "other_payments", "other_receipts",
                  "reporting", "sales"):
        account[f"visible_in_{scope}"] = scope in visible
    if type_id in {"SALES", "OTHER_INCOME", "DIRECT_EXPENSES", "OVERHEADS"}:
        account["tax_rate"] = base("tax_rates", tax_id, tax_id)
    return account


def bank_account(ledger, currency):
    """A BankAccount on a BANK ledger account (Sage keeps one per bank ledger account)."""
    item = base("bank_accounts", guid(), ledger["name"])
    item.update({
        "created_at": stamp(), "updated_at": stamp(), "nominal_code": ledger["nominal_code"],
        "ledger_account": base("ledger_accounts", ledger["id"], ledger["displayed_as"]),
        "bank_account_type": base("bank_account_types", "CHECKING", "Current"),
        "bank_account_details": {"account_name": ledger["name"], "account_number": "12345678",
                                 "sort_code": "40-00-00"},
        "balance": 0.0, "editable": True, "deletable": False, "is_active": True,
        "currency": base("currencies", currency, CURRENCIES[currency]),
    })
    return item


def tax_rate(tax_id, name, pct):
    """A TaxRate."""
    rate = base("tax_rates", tax_id, f"{name} {pct:.2f}%")
    rate.update({"created_at": stamp(), "updated_at": stamp(), "name": name, "agency": "HMRC",
                 "percentage": pct, "is_visible": True, "retailer": False, "editable": False,
                 "deletable": False, "is_combined_rate": False})
    return rate


def contact(name, type_ids, reference, email="", tax_number="", notes=""):
    """A Contact."""
    item = base("contacts", guid(), f"{name} ({reference})")
    item.update({
        "created_at": stamp(), "updated_at": stamp(), "name": name, "reference": reference,
        "contact_types": [base("contact_types", t, t.title()) for t in type_ids],
        "email": email, "tax_number": tax_number, "notes": notes, "balance": 0.0,
        "is_active": True, "deletable": True, "system": False, "locale": "en",
    })
    return item


def contact_reference(name, taken):
    """The reference Sage would generate for a new contact: letters of the name + a counter."""
    stem = re.sub(r"[^A-Z0-9]", "", name.upper())[:5] or "CONT"
    counter = 1
    while f"{stem}{counter:03d}" in taken:
        counter += 1
    return f"{stem}{counter:03d}"


def financial_settings(tenant):
    """The FinancialSettings shape of a business (an unset lockdown date left out)."""
    out = {"$path": "/financial_settings", **tenant["financial_settings"], "updated_at": stamp()}
    return {k: v for k, v in out.items() if v is not None}


def currency_list():
    """GET /currencies: Base items."""
    return [base("currencies", code, name) for code, name in CURRENCIES.items()]


def usable_currencies(tenant):
    """The currencies a document may be in: the base one, or any with multi-currency on."""
    settings = tenant["financial_settings"]
    if settings["multi_currency_enabled"]:
        return set(CURRENCIES)
    return {settings["base_currency"]["id"]}


BASE_ATTRIBUTES = ("id", "displayed_as", "$path")


def project(item, attributes):
    """A list item as Sage returns it: base attributes plus the ones asked for ('all')."""
    if attributes == "all":
        return item
    wanted = set(BASE_ATTRIBUTES) | {a.strip() for a in (attributes or "").split(",") if a}
    return {k: v for k, v in item.items() if k in wanted}
