"""Xero sandbox tenants: the demo data, new and seeded tenants, ids and dates, and contacts
(checks, search and the views the API returns)."""

import copy
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime

from sandbox.xero.query import where_matches

# A UK chart in the style of Xero's demo company: (code, name, type, tax type, status).
UK_ACCOUNTS = [
    ("090", "Business Bank Account", "BANK", "NONE", "ACTIVE"),
    ("200", "Sales", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("270", "Interest Income", "OTHERINCOME", "NONE", "ACTIVE"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "ACTIVE"),
    ("320", "Direct Wages", "DIRECTCOSTS", "NONE", "ACTIVE"),
    ("400", "Advertising", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("429", "General Expenses", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("433", "Insurance", "OVERHEADS", "EXEMPTINPUT", "ACTIVE"),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("480", "Staff Training", "OVERHEADS", "INPUT2", "ARCHIVED"),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "ACTIVE"),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "ACTIVE"),
    ("820", "VAT", "CURRLIAB", "NONE", "ACTIVE"),
]
CLASS_BY_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY", "EQUITY": "EQUITY",
    "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE",
    "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}
SYSTEM_ACCOUNTS = {"610": "DEBTORS", "800": "CREDITORS", "820": "GST"}
# UK VAT rates: (name, tax type, rate, report tax type, revenue?, expenses?).
UK_TAX_RATES = [
    ("20% (VAT on Income)", "OUTPUT2", "20.0000", "OUTPUT", True, False),
    ("20% (VAT on Expenses)", "INPUT2", "20.0000", "INPUT", False, True),
    ("5% (VAT on Income)", "RROUTPUT", "5.0000", "OUTPUT", True, False),
    ("5% (VAT on Expenses)", "RRINPUT", "5.0000", "INPUT", False, True),
    ("Zero Rated Income", "ZERORATEDOUTPUT", "0.0000", "OUTPUT", True, False),
    ("Zero Rated Expenses", "ZERORATEDINPUT", "0.0000", "INPUT", False, True),
    ("Exempt Income", "EXEMPTOUTPUT", "0.0000", "EXEMPTOUTPUT", True, False),
    ("Exempt Expenses", "EXEMPTINPUT", "0.0000", "EXEMPTINPUT", False, True),
    ("No VAT", "NONE", "0.0000", "NONE", True, True),
]
UK_CONTACTS = [
    ("Bayside Club", "secretary@bayside.example"),
    ("Ridgeway University", "accounts@ridgeway.example"),
    ("PC Complete", "sales@pccomplete.example"),
    ("Swanston Security", "billing@swanston.example"),
]
DEMO_TENANTS = [("Demo Company (UK)", "uk"), ("Ledgerlink Trading Ltd", "uk")]


def new_id():
    """A Xero-style GUID."""
    return str(uuid.uuid4())


def ms_date(value):
    """A date or epoch-seconds value as Xero's `/Date(ms+0000)/`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, datetime):
        value = value.timestamp()
    return f"/Date({int(value * 1000)}+0000)/"


CONTACT_SUMMARY = ("ContactID", "ContactStatus", "Name", "FirstName", "LastName",
                   "EmailAddress", "AccountNumber", "ContactNumber", "IsSupplier", "IsCustomer",
                   "UpdatedDateUTC", "HasAttachments")
DUPLICATE_CONTACT = ("The contact name {name} is already assigned to another contact. The "
                     "contact name must be unique across all active contacts.")


def new_tenant(name, now, short_code):
    """An empty UK tenant (collections) and its metadata (organisation, numbering settings)."""
    tenant_id = new_id()
    tenant = {"name": name, "accounts": [], "tax_rates": [], "contacts": {}, "invoices": {},
              "credit_notes": {}, "attachments": {}}
    meta = {"organisation": {
        "OrganisationID": tenant_id, "APIKey": "", "Name": name, "LegalName": name,
        "PaysTax": True, "Version": "UK", "OrganisationType": "COMPANY", "BaseCurrency": "GBP",
        "CountryCode": "GB", "IsDemoCompany": False, "OrganisationStatus": "ACTIVE",
        "FinancialYearEndDay": 31, "FinancialYearEndMonth": 3, "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive", "CreatedDateUTC": ms_date(now),
        "Timezone": "GMTSTANDARDTIME", "OrganisationEntityType": "COMPANY",
        "ShortCode": short_code, "Class": "STANDARD", "Edition": "BUSINESS",
        "Addresses": [], "Phones": [], "ExternalLinks": []},
        "settings": {"invoice_prefix": "INV-", "invoice_next": 1, "credit_note_prefix": "CN-",
                     "credit_note_next": 1, "payment_terms_days": 30}}
    return tenant_id, tenant, meta


def seed_uk(tenant, now):
    """The demo-company style UK chart, VAT rates and a few contacts."""
    for code, name, kind, tax_type, status in UK_ACCOUNTS:
        account = {"AccountID": new_id(), "Code": code, "Name": name, "Type": kind,
                   "Status": status, "TaxType": tax_type, "Class": CLASS_BY_TYPE[kind],
                   "EnablePaymentsToAccount": kind == "BANK", "ShowInExpenseClaims": False,
                   "HasAttachments": False, "UpdatedDateUTC": ms_date(now),
                   "Description": ""}
        if kind == "BANK":
            account.update(BankAccountNumber="12-34-56 12345678", BankAccountType="BANK",
                           CurrencyCode="GBP")
        if code in SYSTEM_ACCOUNTS:
            account["SystemAccount"] = SYSTEM_ACCOUNTS[code]
        tenant["accounts"].append(account)
    for name, tax_type, rate, report, revenue, expenses in UK_TAX_RATES:
        tenant["tax_rates"].append({
            "Name": name, "TaxType": tax_type, "ReportTaxType": report, "Status": "ACTIVE",
            "TaxComponents": [{"Name": "VAT", "Rate": float(rate), "IsCompound": False,
                               "IsNonRecoverable": False}],
            "CanApplyToAssets": expenses, "CanApplyToEquity": expenses,
            "CanApplyToExpenses": expenses, "CanApplyToLiabilities": expenses,
            "CanApplyToRevenue": revenue, "DisplayTaxRate": float(rate),
            "EffectiveRate": float(rate)})
    for name, email in UK_CONTACTS:
        add_contact(tenant, {"Name": name, "EmailAddress": email}, now)


def add_contact(tenant, element, now):
    """Store a contact built from a submitted element; return it."""
    contact = {k: copy.deepcopy(v) for k, v in element.items()
               if k in ("Name", "FirstName", "LastName", "EmailAddress", "AccountNumber",
                        "ContactNumber", "TaxNumber", "CompanyNumber", "Addresses", "Phones",
                        "DefaultCurrency", "BankAccountDetails")}
    contact.update(ContactID=new_id(), ContactStatus="ACTIVE", Name=element["Name"].strip(),
                   IsSupplier=False, IsCustomer=False, UpdatedDateUTC=ms_date(now),
                   HasAttachments=False, HasValidationErrors=False, ContactGroups=[],
                   ContactPersons=[])
    contact.setdefault("Addresses", [])
    contact.setdefault("Phones", [])
    tenant["contacts"][contact["ContactID"]] = contact
    return contact


def contact_errors(tenant, element):
    """Xero's checks on a new contact: a name, unique among active contacts."""
    name = (element.get("Name") or "").strip() if isinstance(element, dict) else ""
    if not name:
        return ["The contact name must be specified."]
    if len(name) > 255:
        return ["The contact name must be 255 characters or fewer."]
    for contact in tenant["contacts"].values():
        if contact["ContactStatus"] == "ACTIVE" and contact["Name"].lower() == name.lower():
            return [DUPLICATE_CONTACT.format(name=name)]
    return []


def contact_view(contact, summary=False):
    """A contact as the API returns it (summaryOnly drops the heavy fields)."""
    if summary:
        return {k: contact[k] for k in CONTACT_SUMMARY if k in contact}
    return copy.deepcopy(contact)


def search_contacts(tenant, term, groups, include_archived, ids):
    """Contacts matching searchTerm (case-insensitive, several fields), where and IDs."""
    term = (term or "").lower()
    found = []
    for contact in tenant["contacts"].values():
        if contact["ContactStatus"] != "ACTIVE" and not include_archived and not ids:
            continue
        if ids and contact["ContactID"] not in ids:
            continue
        if groups and not where_matches(groups, contact):
            continue
        fields = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
        if term and not any(term in (contact.get(f) or "").lower() for f in fields):
            continue
        found.append(contact)
    return sorted(found, key=lambda c: c["Name"].lower())
