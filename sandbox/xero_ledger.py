"""A Xero sandbox tenant's lists: seeding, accounts, tax rates, contacts, document queries."""

import copy

from sandbox.xero_data import CLASS_BY_TYPE
from sandbox.xero_data import SYSTEM_ACCOUNTS
from sandbox.xero_data import UK_ACCOUNTS
from sandbox.xero_data import UK_CONTACTS
from sandbox.xero_data import UK_TAX_RATES
from sandbox.xero_data import ms_date
from sandbox.xero_data import new_id
from sandbox.xero_data import where_matches

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


def document_view(doc, with_lines=True):
    """A stored invoice or credit note as returned (lists omit line items unless paged)."""
    out = copy.deepcopy(doc)
    if not with_lines:
        out.pop("LineItems", None)
    return out


def page_of(records, page, page_size):
    """Records of a 1-based page and Xero's pagination object."""
    page_size = max(1, min(page_size or 100, 1000))
    page = max(1, page)
    count = len(records)
    chunk = records[(page - 1) * page_size: page * page_size]
    return chunk, {"page": page, "pageSize": page_size,
                   "pageCount": (count + page_size - 1) // page_size, "itemCount": count}


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
    store = tenant["invoices"] if endpoint == "Invoices" else tenant["credit_notes"]
    if key in store:
        return store[key]
    if endpoint == "Invoices":
        return next((d for d in store.values() if d.get("InvoiceNumber") == key), None)
    return None
