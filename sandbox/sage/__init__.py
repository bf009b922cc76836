"""Sage Business Cloud Accounting v3.1 sandbox, served under /sage.

Services: `auth` (www.sageone.com authorize pages), `oauth` (oauth.accounting.sage.com token and
revoke) and `api` (api.accounting.sage.com, paths under /v3.1). Every API call needs a bearer token;
`X-Business` picks the business (the user's lead business when absent).
"""

import uuid

from flask import Blueprint

from sandbox.core import Limits
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.core import check_changes
from sandbox.core import iso_date_or_none
from sandbox.sage.documents import KINDS
from sandbox.sage.oauth import register_oauth
from sandbox.sage.routes import register_api
from sandbox.sage.seed import CURRENCIES
from sandbox.sage.seed import DEMO_BUSINESSES
from sandbox.sage.seed import contact
from sandbox.sage.seed import contact_reference
from sandbox.sage.seed import new_business
from sandbox.sage.seed import stamp

# Sage's document collections as Ledgerlink names the kinds (for /_control/ledger).
LEDGER_KINDS = {"sales_invoices": "sales_invoice", "sales_credit_notes": "sales_credit_note",
                "purchase_invoices": "supplier_invoice",
                "purchase_credit_notes": "supplier_credit_note"}


class SageSandbox(ProviderSandbox):
    """Sage Accounting: 5-minute access tokens, single-use 31-day refresh tokens, 200 calls/min."""

    name = "sage"
    prefix = "/sage"
    token_policy = TokenPolicy(access_lifetime=300, refresh_lifetime=31 * 86400,
                               rotate_refresh=True, reuse_grace=0)
    limits = Limits(per_minute=200)
    idempotency_ttl = 7 * 86400

    def seed_defaults(self):
        """Two UK demo businesses, each with a chart, tax rates and contacts."""
        for name, preset in DEMO_BUSINESSES:
            self.seed_tenant(uuid.uuid5(uuid.NAMESPACE_DNS, f"sage.{name}").hex, preset, name)

    def seed_tenant(self, tenant, preset="uk", name=None):
        """Create (or replace) a business seeded with the preset's data; return its id."""
        business = new_business(name or "Sandbox business", preset or "uk", tenant or None)
        with self.lock:
            self.tenants[business["id"]] = business
        return business["id"]

    def duplicate_numbers(self, tenant):
        """Numbers or references held by more than one document of a kind (per supplier for
        vendor references)."""
        seen, dupes = set(), set()
        for collection in KINDS:
            for doc in tenant[collection].values():
                keys = [(collection, "reference", doc.get("reference"))]
                keys.append((collection, "number", doc.get("invoice_number")
                             or doc.get("credit_note_number")))
                keys.append((collection, doc["contact"]["id"], doc.get("vendor_reference")))
                for key in keys:
                    if key[2]:
                        (dupes if key in seen else seen).add(key)
        return sorted(key[2] for key in dupes)

    def add_contacts(self, tenant, contacts):
        """Contacts as typed into Sage, each with the reference Sage would generate."""
        with self.lock:
            stored = self.tenants[tenant]["contacts"]
            for item in contacts:
                taken = {c["reference"] for c in stored.values()}
                kind = "CUSTOMER" if item["kind"] == "customer" else "VENDOR"
                made = contact(item["name"], [kind], contact_reference(item["name"], taken),
                               email=item["email"])
                stored[made["id"]] = made

    def set_organisation(self, tenant, changes):
        """`lock_date`: the year end lockdown date; `currencies`: more than the base one turns
        multi-currency on (Sage then takes any currency it lists)."""
        check_changes(changes, ("lock_date", "currencies"))
        with self.lock:
            settings = self.tenants[tenant]["financial_settings"]
            if "lock_date" in changes:
                locked = iso_date_or_none(changes["lock_date"])
                settings["year_end_lockdown_date"] = locked.isoformat() if locked else None
            if "currencies" in changes:
                codes = {str(code).upper() for code in changes["currencies"]}
                base_code = settings["base_currency"]["id"]
                if base_code not in codes:
                    raise ValueError(f"currencies must include the base currency {base_code}")
                unknown = sorted(codes - set(CURRENCIES))
                if unknown:
                    raise ValueError(f"the sandbox's Sage lists no currency {unknown}")
                settings["multi_currency_enabled"] = len(codes) > 1
            return dict(settings)

    def touch_document(self, tenant, remote_id):
        """Set a document's updated_at to now."""
        return self.stamp_document(tenant, KINDS, remote_id, "updated_at",
                                   stamp(self.clock.now()))

    def ledger_documents(self, tenant):
        """Sales and purchase documents: (kind, id, number, reference); a purchase document's
        number is the supplier's (vendor_reference)."""
        for collection, kind in LEDGER_KINDS.items():
            for doc in tenant[collection].values():
                number = doc.get("invoice_number") or doc.get("credit_note_number") \
                    or doc.get("vendor_reference")
                yield kind, doc["id"], number, doc.get("reference")

    def blueprint(self):
        """OAuth routes and the v3.1 API."""
        bp = Blueprint("sage_sandbox", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp
