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
from sandbox.sage.documents import KINDS
from sandbox.sage.oauth import register_oauth
from sandbox.sage.routes import register_api
from sandbox.sage.seed import DEMO_BUSINESSES
from sandbox.sage.seed import new_business


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

    def blueprint(self):
        """OAuth routes and the v3.1 API."""
        bp = Blueprint("sage_sandbox", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp
