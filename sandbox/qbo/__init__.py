"""QuickBooks Online sandbox: Intuit OAuth 2.0 and the Accounting API v3 under /qbo.

Services (see `Provider.endpoint`): `appcenter` (authorize), `oauth` (token), `developer`
(revoke), `api` (/v3/company/<realmId>/...), `app` (the web app's document pages).
"""

import secrets

from flask import Blueprint

from sandbox.core import Limits
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.core import check_changes
from sandbox.core import iso_date_or_none
from sandbox.qbo.documents import DOCUMENTS
from sandbox.qbo.ledger import QboLedger
from sandbox.qbo.oauth import register_oauth
from sandbox.qbo.routes import register_api
from sandbox.qbo.seed import DEMO_REALMS
from sandbox.qbo.seed import add_name
from sandbox.qbo.seed import company_info
from sandbox.qbo.seed import currency_name
from sandbox.qbo.seed import seed_company

# QuickBooks' document entities as Ledgerlink names the kinds (for /_control/ledger).
LEDGER_KINDS = {"Invoice": "sales_invoice", "CreditMemo": "sales_credit_note",
                "Bill": "supplier_invoice", "VendorCredit": "supplier_credit_note"}


class QboSandbox(ProviderSandbox):
    """Intuit's documented behaviour for the parts of QuickBooks Online Ledgerlink uses."""

    name = "qbo"
    prefix = "/qbo"
    # Access 1 hour; refresh 100 days rolling; the value rotates and the old one is then refused.
    token_policy = TokenPolicy(3600, 100 * 86400, rotate_refresh=True, reuse_grace=0)
    limits = Limits(per_minute=500, per_second=10, concurrent=10)
    batch_limits = Limits(per_minute=40)
    batch_max = 30
    idempotency_ttl = 86400  # undocumented by Intuit; see sandbox/README.md
    attachment_max_bytes = 100 * 1024 * 1024

    def seed_defaults(self):
        """Two demo companies: a US one and a UK (VAT) one."""
        for realm, preset, name in DEMO_REALMS:
            self.seed_tenant(realm, preset, name)

    def seed_tenant(self, tenant, preset="us", name=None):
        """Create (or replace) a company from a preset ("us" or "uk"); return its realmId."""
        realm = str(tenant or secrets.randbelow(10**15) + 9 * 10**15)
        with self.lock:
            ledger = QboLedger(realm, name or "", self.clock)
            data = seed_company(ledger, (preset or "us").lower())
            ledger["name"] = name or data["name"]
            ledger.store("CompanyInfo", {"Id": "1", **company_info(ledger, ledger["name"],
                                                                   data)})
            self.tenants[realm] = ledger
        return realm

    def duplicate_numbers(self, tenant):
        """DocNumbers used more than once per document type (per vendor for purchases)."""
        seen, out = {}, []
        for entity, party in DOCUMENTS.items():
            for record in tenant[entity].values():
                if not record.get("DocNumber"):
                    continue
                scope = record[f"{party}Ref"]["value"] if party == "Vendor" else ""
                key = (entity, scope, record["DocNumber"].lower())
                seen.setdefault(key, []).append(record["Id"])
        for (entity, _, number), ids in seen.items():
            if len(ids) > 1:
                out.append({"entity": entity, "number": number, "ids": ids})
        return out

    def add_contacts(self, tenant, contacts):
        """Customers and vendors as typed into QuickBooks."""
        with self.lock:
            ledger = self.tenants[tenant]
            for item in contacts:
                add_name(ledger, item["name"], item["kind"], item["email"])

    def set_organisation(self, tenant, changes):
        """`lock_date`: the books close date; `currencies`: the company's currencies (more
        than the home one turns multicurrency on, which QuickBooks never turns off)."""
        check_changes(changes, ("lock_date", "currencies"))
        with self.lock:
            ledger = self.tenants[tenant]
            prefs = ledger.preferences()
            if "lock_date" in changes:
                closed = iso_date_or_none(changes["lock_date"])
                accounting = prefs.setdefault("AccountingInfoPrefs", {})
                if closed:
                    accounting["BookCloseDate"] = closed.isoformat()
                else:
                    accounting.pop("BookCloseDate", None)
            if "currencies" in changes:
                codes = [str(code).upper() for code in changes["currencies"]]
                if ledger.currency not in codes:
                    raise ValueError(f"currencies must include the home currency "
                                     f"{ledger.currency}")
                known = {c["Code"]: c for c in ledger["CompanyCurrency"].values()}
                for code in codes:
                    if code == ledger.currency:
                        continue
                    if code in known:
                        known[code]["Active"] = True
                    else:
                        ledger.store("CompanyCurrency", {"Code": code, "Name": currency_name(code),
                                                         "Active": True})
                for code, record in known.items():
                    record["Active"] = record["Active"] and code in codes
                if len(codes) > 1:
                    prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = True
            return {"BookCloseDate": prefs.get("AccountingInfoPrefs", {}).get("BookCloseDate"),
                    "MultiCurrencyEnabled": prefs["CurrencyPrefs"]["MultiCurrencyEnabled"],
                    "currencies": sorted(ledger.currencies())}

    def touch_document(self, tenant, remote_id):
        """Bump a transaction's SyncToken and MetaData.LastUpdatedTime to now."""
        with self.lock:
            ledger = self.tenants[tenant]
            for entity in DOCUMENTS:
                record = ledger.record(entity, remote_id)
                if record is not None:
                    return ledger.touch(entity, record)["MetaData"]["LastUpdatedTime"]
            raise KeyError(remote_id)

    def ledger_documents(self, tenant):
        """Invoices, credit memos, bills and vendor credits: (kind, Id, DocNumber, PrivateNote)."""
        for entity, kind in LEDGER_KINDS.items():
            for record in tenant[entity].values():
                yield kind, record["Id"], record.get("DocNumber"), record.get("PrivateNote")

    def blueprint(self):
        """Routes under /qbo, grouped by Intuit service host."""
        bp = Blueprint("qbo_sandbox", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp
