"""QuickBooks Online sandbox: Intuit OAuth 2.0 and the Accounting API v3 under /qbo.

Services (see `Provider.endpoint`): `appcenter` (authorize), `oauth` (token), `developer`
(revoke), `api` (/v3/company/<realmId>/...), `app` (the web app's document pages).
"""

import secrets

from flask import Blueprint

from sandbox.core import Limits
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.qbo.documents import DOCUMENTS
from sandbox.qbo.ledger import QboLedger
from sandbox.qbo.oauth import register_oauth
from sandbox.qbo.routes import register_api
from sandbox.qbo.seed import DEMO_REALMS
from sandbox.qbo.seed import company_info
from sandbox.qbo.seed import seed_company


class QboSandbox(ProviderSandbox):
    """Intuit's documented behaviour for the parts of QuickBooks Online Ledgerlink uses."""

    name = "qbo"
    prefix = "/qbo"
    # Access 1 hour; refresh 100 days rolling; the value rotates and the old one is then refused.
    token_policy = TokenPolicy(3600, 100 * 86400, rotate_refresh=True, reuse_grace=0)
    limits = Limits(per_minute=500, per_second=10)
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

    def blueprint(self):
        """Routes under /qbo, grouped by Intuit service host."""
        bp = Blueprint("qbo_sandbox", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp
