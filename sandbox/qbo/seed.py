"""Demo companies for the QuickBooks Online sandbox: a US company and a UK (VAT) company."""

# The companies seeded on every reset: (realmId, preset, name or None for the preset's).
DEMO_REALMS = (("9341450000000001", "us", None), ("9341450000000002", "uk", None))

# (name, AcctNum, AccountType, AccountSubType, Classification, active)
_US_ACCOUNTS = [
    ("Checking", "1000", "Bank", "Checking", "Asset", True),
    ("Savings", "1010", "Bank", "Savings", "Asset", True),
    ("Accounts Receivable (A/R)", "1200", "Accounts Receivable", "AccountsReceivable", "Asset",
     True),
    ("Accounts Payable (A/P)", "2000", "Accounts Payable", "AccountsPayable", "Liability", True),
    ("Sales Tax Payable", "2200", "Other Current Liability", "SalesTaxPayable", "Liability",
     True),
    ("Services", "4000", "Income", "ServiceFeeIncome", "Revenue", True),
    ("Sales of Product Income", "4100", "Income", "SalesOfProductIncome", "Revenue", True),
    ("Cost of Goods Sold", "5000", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense", True),
    ("Job Expenses", "6000", "Expense", "OtherMiscellaneousServiceCost", "Expense", True),
    ("Office Expenses", "6100", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense", True),
    ("Advertising (old)", "6900", "Expense", "AdvertisingPromotional", "Expense", False),
]
_UK_ACCOUNTS = [
    ("Current Account", "1200", "Bank", "Checking", "Asset", True),
    ("Deposit Account", "1210", "Bank", "Savings", "Asset", True),
    ("Debtors", "1100", "Accounts Receivable", "AccountsReceivable", "Asset", True),
    ("Creditors", "2100", "Accounts Payable", "AccountsPayable", "Liability", True),
    ("VAT Control", "2202", "Other Current Liability", "GlobalTaxPayable", "Liability", True),
    ("Sales", "4000", "Income", "SalesOfProductIncome", "Revenue", True),
    ("Consultancy Income", "4010", "Income", "ServiceFeeIncome", "Revenue", True),
    ("Cost of Sales", "5000", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense", True),
    ("Office Costs", "7500", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense", True),
    ("Travel", "7400", "Expense", "Travel", "Expense", True),
    ("Old Rent Account", "7100", "Expense", "RentOrLeaseOfBuildings", "Expense", False),
]
_PRESETS = {
    "us": {"name": "Maple Street Studio LLC", "country": "US", "currency": "USD",
           "accounts": _US_ACCOUNTS, "custom_numbers": True,
           "customers": ["Bluebird Cafe", "Cool Cars Inc", "Old Client LLC"],
           "vendors": ["Paper Supply Co", "City Power & Light"], "employee": "Emily Platt",
           "address": {"Line1": "12 Maple Street", "City": "Portland",
                       "CountrySubDivisionCode": "OR", "PostalCode": "97201", "Country": "US"}},
    "uk": {"name": "Harbour Lane Consulting Ltd", "country": "GB", "currency": "GBP",
           "accounts": _UK_ACCOUNTS, "custom_numbers": False,
           "customers": ["Acme Widgets Ltd", "Northwind Traders Ltd", "Old Customer Ltd"],
           "vendors": ["Office Supplies Ltd", "Harbour Energy Ltd"], "employee": "Sam Jones",
           "address": {"Line1": "3 Harbour Lane", "City": "Bristol", "PostalCode": "BS1 4RN",
                       "Country": "GB"}},
}
_CURRENCY_NAMES = {"USD": "United States Dollar", "GBP": "British Pound Sterling",
                   "EUR": "Euro", "CAD": "Canadian Dollar", "AUD": "Australian Dollar"}


def currency_name(code):
    """QuickBooks' name for a currency code (the code itself when the sandbox has none)."""
    return _CURRENCY_NAMES.get(code, code)


def seed_company(ledger, preset):
    """Fill an empty company (a `QboLedger`) with the preset's lists; return the company name."""
    if preset not in _PRESETS:
        raise ValueError(f"unknown preset {preset!r}; use one of {sorted(_PRESETS)}")
    data = _PRESETS[preset]
    ledger.country, ledger.currency = data["country"], data["currency"]
    ledger.currency_name = currency_name(data["currency"])
    ids = {}
    for name, number, kind, subtype, classification, active in data["accounts"]:
        record = ledger.store("Account", {
            "Name": name, "AcctNum": number, "AccountType": kind, "AccountSubType": subtype,
            "Classification": classification, "Active": active, "SubAccount": False,
            "FullyQualifiedName": name, "CurrentBalance": 0,
            "CurrencyRef": ledger.currency_ref()})
        ids[name] = record["Id"]
    income = ids["Services"] if preset != "uk" else ids["Sales"]
    ledger.store("Item", {"Name": "Services", "Type": "Service", "Active": True,
                          "FullyQualifiedName": "Services", "IncomeAccountRef": {
                              "value": income, "name": ledger.record("Account", income)["Name"]}})
    _seed_tax(ledger, preset)
    for index, name in enumerate(data["customers"]):
        ledger.store("Customer", _name_record(ledger, name, index < len(data["customers"]) - 1))
    for name in data["vendors"]:
        ledger.store("Vendor", _name_record(ledger, name, True))
    ledger.store("Employee", {"DisplayName": data["employee"], "Active": True,
                              "GivenName": data["employee"].split()[0],
                              "FamilyName": data["employee"].split()[-1],
                              "PrintOnCheckName": data["employee"]})
    month = "January" if data["country"] == "US" else "April"
    ledger.store("Preferences", {"AccountingInfoPrefs": {"FirstMonthOfFiscalYear": month},
                                 "SalesFormsPrefs": {"CustomTxnNumbers": data["custom_numbers"],
                                                     "AllowDiscount": False},
                                 "CurrencyPrefs": {"HomeCurrency": ledger.currency_ref(),
                                                   "MultiCurrencyEnabled": False}})
    return data


def company_info(ledger, name, data):
    """The CompanyInfo record for a seeded company."""
    return {"CompanyName": name, "LegalName": name, "Country": data["country"],
            "CompanyAddr": dict(data["address"]), "LegalAddr": dict(data["address"]),
            "Email": {"Address": "owner@example.com"}, "SupportedLanguages": "en",
            "FiscalYearStartMonth": "January" if data["country"] == "US" else "April"}


def add_name(ledger, name, kind, email):
    """Store a Customer (kind "customer") or Vendor as typed into QuickBooks; return it."""
    record = _name_record(ledger, name, True)
    record["PrimaryEmailAddr"] = {"Address": email}
    return ledger.store("Customer" if kind == "customer" else "Vendor", record)


def _name_record(ledger, name, active):
    return {"DisplayName": name, "CompanyName": name, "PrintOnCheckName": name,
            "FullyQualifiedName": name, "Active": active, "Balance": 0,
            "CurrencyRef": ledger.currency_ref(),
            "PrimaryEmailAddr": {"Address": "accounts@" + "".join(
                c for c in name.lower() if c.isalnum())[:16] + ".example"}}


def _seed_tax(ledger, preset):
    if preset == "uk":
        rates = [("20.0% S", 20), ("0.0% Z", 0), ("Exempt", 0), ("17.5% S", 17.5)]
        for name, value in rates:
            sales = ledger.store("TaxRate", _rate(f"{name} (sales)", value, name != "17.5% S"))
            purchase = ledger.store("TaxRate", _rate(f"{name} (purchases)", value,
                                                     name != "17.5% S"))
            ledger.store("TaxCode", {
                "Name": name, "Description": name, "Active": name != "17.5% S",
                "Taxable": name != "Exempt", "TaxGroup": False, "Hidden": False,
                "SalesTaxRateList": _rate_list(sales), "PurchaseTaxRateList":
                _rate_list(purchase)})
        return
    state = ledger.store("TaxRate", _rate("State sales tax", 8, True))
    ledger.store("TaxCode", {"Id": "TAX", "Name": "TAX", "Description": "TAX", "Active": True,
                             "Taxable": True, "TaxGroup": True, "Hidden": False,
                             "SalesTaxRateList": _rate_list(state),
                             "PurchaseTaxRateList": {"TaxRateDetail": []}})
    ledger.store("TaxCode", {"Id": "NON", "Name": "NON", "Description": "NON", "Active": True,
                             "Taxable": False, "TaxGroup": False, "Hidden": False,
                             "SalesTaxRateList": {"TaxRateDetail": []},
                             "PurchaseTaxRateList": {"TaxRateDetail": []}})


def _rate(name, value, active):
    return {"Name": name, "Description": name, "RateValue": value, "Active": active,
            "AgencyRef": {"value": "1"}, "SpecialTaxType": "NONE", "DisplayType": "ReadOnly"}


def _rate_list(rate):
    return {"TaxRateDetail": [{"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]},
                               "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]}
