"""QuickBooks Online lists: accounts, tax codes, customers and vendors, Service items."""

from decimal import Decimal

from providers import qbo_documents as docs
from providers.base import Account
from providers.base import AccountType
from providers.base import AuthError
from providers.base import Contact
from providers.base import ContactPage
from providers.base import Item
from providers.base import ProviderError
from providers.base import TaxRate

_ACCOUNT_TYPES = {"Income": AccountType.INCOME, "Other Income": AccountType.INCOME,
                  "Expense": AccountType.EXPENSE, "Other Expense": AccountType.EXPENSE,
                  "Cost of Goods Sold": AccountType.COST_OF_SALES, "Bank": AccountType.BANK}


def quote(text):
    """A string literal for the query language (backslash-escaped quotes)."""
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboLists:
    """The list half of the QuickBooks provider (mixed into QuickBooksOnline)."""

    def accounts(self, ctx):
        """All accounts, inactive ones flagged (QuickBooks calls deleting making inactive)."""
        return [Account(id=a["Id"], code=a.get("AcctNum", ""), name=a["Name"],
                        type=_ACCOUNT_TYPES.get(a.get("AccountType"), AccountType.OTHER),
                        active=a.get("Active", True), provider_type=a.get("AccountType", ""),
                        tax_rate_id=(a.get("TaxCodeRef") or {}).get("value"))
                for a in self.query_all(ctx, "Account", "where Active IN (true, false)")]

    def tax_rates(self, ctx):
        """Tax codes (what lines carry), each with the sum of its component rates."""
        rates = {r["Id"]: r for r in self.query_all(ctx, "TaxRate")}
        out = []
        for code in self.query_all(ctx, "TaxCode", "where Active IN (true, false)"):
            sales = _rate_ids(code.get("SalesTaxRateList"))
            purchases = _rate_ids(code.get("PurchaseTaxRateList"))
            chosen = sales or purchases
            total = sum((_decimal(rates.get(i, {}).get("RateValue", 0)) for i in chosen),
                        _decimal(0))
            us_pseudo = code["Id"] in ("TAX", "NON")
            out.append(TaxRate(id=code["Id"], name=code.get("Name", code["Id"]), rate=total,
                               active=code.get("Active", True), for_sales=bool(sales) or us_pseudo,
                               for_purchases=bool(purchases) or code["Id"] == "NON"))
        return out

    def contacts(self, ctx, cursor=None):
        """One page: customers first, then vendors. The cursor is "<entity>:<start>"."""
        entity, _, start = (cursor or "Customer:1").partition(":")
        page = self.query(ctx, f"select * from {entity} where Active IN (true, false) "
                               f"STARTPOSITION {int(start)} MAXRESULTS {self.page_size}")
        records = page.get(entity, [])
        if len(records) == self.page_size:
            following = f"{entity}:{int(start) + len(records)}"
        else:
            following = "Vendor:1" if entity == "Customer" else None
        return ContactPage([_contact(entity, r) for r in records], following)

    def search_contacts(self, ctx, name):
        """Customers and vendors whose DisplayName contains `name` (case-insensitive)."""
        pattern = quote("%" + name.replace("%", "") + "%")
        out = []
        for entity in ("Customer", "Vendor"):
            found = self.query(ctx, f"select * from {entity} where DisplayName LIKE {pattern}")
            out += [_contact(entity, r) for r in found.get(entity, [])]
        return out

    def get_contact(self, ctx, contact_id):
        """A contact by our id ("customer:58" / "vendor:41"), or None."""
        entity, _, raw = str(contact_id).rpartition(":")
        entity = {"vendor": "Vendor"}.get(entity.lower(), "Customer")
        try:
            return _contact(entity, self.api(ctx, "GET", f"/{entity.lower()}/{raw}")[entity])
        except ProviderError as error:
            if isinstance(error, AuthError) or "610" not in error.detail:
                raise
            return None

    def create_contact(self, ctx, new_contact):
        """POST /customer or /vendor; a name clash (6240) raises duplicate_contact_name."""
        entity = "Vendor" if new_contact.kind == "supplier" else "Customer"
        body = {"DisplayName": new_contact.name.strip(), "CompanyName": new_contact.name.strip()}
        if new_contact.email:
            body["PrimaryEmailAddr"] = {"Address": new_contact.email}
        if new_contact.phone:
            body["PrimaryPhone"] = {"FreeFormNumber": new_contact.phone}
        address = {f"Line{i + 1}": line for i, line in enumerate(new_contact.address_lines[:5])}
        address.update({k: v for k, v in (("City", new_contact.city),
                                          ("PostalCode", new_contact.postcode),
                                          ("Country", new_contact.country)) if v})
        if address:
            body["BillAddr"] = address
        if new_contact.account_number:
            body["AcctNum"] = new_contact.account_number
        if new_contact.vat_number and entity == "Vendor":
            body["TaxIdentifier"] = new_contact.vat_number
        record = self.api(ctx, "POST", f"/{entity.lower()}", write=True, json=body,
                          params={"requestid": docs.request_id_for("contact", entity, body)})
        return _contact(entity, record[entity])

    def items(self, ctx):
        """Service items with the income account each posts to."""
        return [_item(record) for record in self.query_all(ctx, "Item", "where Type = 'Service'")]

    def ensure_item(self, ctx, income_account_id, name):
        """A Service item posting to the income account: an existing one, else a new one."""
        services = self.query_all(ctx, "Item", "where Type = 'Service'")
        matching = [i for i in services
                    if (i.get("IncomeAccountRef") or {}).get("value") == str(income_account_id)]
        matching.sort(key=lambda i: i.get("Name", "").lower() != name.lower())
        if matching:
            return _item(matching[0])
        body = {"Name": name[:100], "Type": "Service",
                "IncomeAccountRef": {"value": str(income_account_id)}}
        try:
            created = self.api(ctx, "POST", "/item", write=True, json=body,
                               params={"requestid": docs.request_id_for("item", body)})
        except ProviderError as error:
            if error.code != "duplicate_contact_name":  # 6240 also guards item names
                raise
            raise ProviderError("item_invalid", f"QuickBooks already has a product or service "
                                f"named \"{body['Name']}\" that posts to another income account "
                                "or is inactive. Rename it in QuickBooks, or choose another item "
                                "for this account.", detail=error.detail) from error
        return _item(created["Item"])


def _rate_ids(rate_list):
    return [d["TaxRateRef"]["value"] for d in (rate_list or {}).get("TaxRateDetail", [])]

def _decimal(value):

    return Decimal(str(value))

def _contact(entity, record):
    email = (record.get("PrimaryEmailAddr") or {}).get("Address", "")
    return Contact(id=f"{entity.lower()}:{record['Id']}", name=record.get("DisplayName", ""),
                   is_customer=entity == "Customer", is_supplier=entity == "Vendor", email=email,
                   account_number=record.get("AcctNum", ""), active=record.get("Active", True))

def _item(record):
    return Item(id=record["Id"], name=record["Name"],
                income_account_id=(record.get("IncomeAccountRef") or {}).get("value"),
                active=record.get("Active", True))

