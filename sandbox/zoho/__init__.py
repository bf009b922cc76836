"""The Zoho Books v3 sandbox: accounts servers per data centre and the Books API under them.

Paths: /zoho/<accounts service>/oauth/v2/... and /zoho/<api service>/books/v3/..., where the
services are one pair per data centre (see sandbox.zoho.oauth.DATA_CENTRES). Every API call
needs `Authorization: Zoho-oauthtoken <token>` and `?organization_id=` (except /organizations).
"""

from flask import Blueprint

from sandbox.core import Limits
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.core import check_changes
from sandbox.zoho.documents import KINDS
from sandbox.zoho.oauth import register_oauth
from sandbox.zoho.routes import register_api
from sandbox.zoho.seed import DEMO_ORGANISATIONS
from sandbox.zoho.seed import build_tenant
from sandbox.zoho.seed import currency
from sandbox.zoho.seed import new_contact
from sandbox.zoho.seed import zoho_time


class ZohoSandbox(ProviderSandbox):
    """Zoho Books: non-rotating refresh tokens capped at 20 per user, 100 calls/min per org."""

    name = "zoho"
    prefix = "/zoho"
    # 1 h access tokens; refresh tokens never expire (10 years here) and do not rotate.
    token_policy = TokenPolicy(3600, 10 * 365 * 86400, rotate_refresh=False,
                               max_refresh_tokens=20)
    limits = Limits(per_minute=100, per_day=10000)
    idempotency_ttl = 0  # Zoho Books has no idempotency key
    attachment_limit = 10 * 1024 * 1024
    attachment_types = ("gif", "png", "jpeg", "jpg", "bmp", "pdf")
    odd_answers = {
        "ids_as_numbers": "every id of digits is a JSON number, as in Zoho's own examples",
        "creditnotes_as_object": "the credit-note list is one object (the first credit note, or "
                                 "an empty object), as the published spec types it",
        "always_more_pages": "every list says has_more_page, even on its last page",
        "empty_refusal_reason": "refusals come with an empty message",
    }

    def reset(self):
        """Forget everything (refresh throttling included) and seed the demo organisations."""
        self.refresh_log = {}
        super().reset()

    def seed_defaults(self):
        """Two organisations in the EU data centre, so the organisation chooser has a choice."""
        for tenant, preset, name in DEMO_ORGANISATIONS:
            self.seed_tenant(tenant, preset, name)

    def seed_tenant(self, tenant, preset="uk", name=None):
        """(Re)create an organisation: "uk" in the EU data centre, "us" in the .com one."""
        if preset not in ("uk", "us"):
            raise ValueError(f"unknown preset {preset!r}")
        with self.lock:
            tenant = tenant or str(20060001 + len(self.tenants))
            dc = "eu" if preset == "uk" else "com"
            self.tenants[tenant] = build_tenant(preset, name or f"Sandbox {tenant}", dc)
            return tenant

    def set_numbering(self, tenant, module, auto, prefix=None):
        """Turn a module's automatic numbering on or off (an organisation setting)."""
        with self.lock:
            numbering = self.tenants[tenant]["numbering"][module]
            numbering["auto"] = bool(auto)
            if prefix is not None:
                numbering["prefix"] = prefix

    def add_contacts(self, tenant, contacts):
        """Customers and vendors as typed into Zoho Books."""
        with self.lock:
            org = self.tenants[tenant]
            for item in contacts:
                kind = "customer" if item["kind"] == "customer" else "vendor"
                made = new_contact(org, {"contact_name": item["name"], "contact_type": kind,
                                         "company_name": item["name"]})
                made["email"] = item["email"]

    def set_organisation(self, tenant, changes):
        """`currencies`: the organisation's currencies (its base among them). Zoho Books' API
        has no lock date, so `lock_date` is refused."""
        if "lock_date" in changes:
            raise ValueError("Zoho Books' API exposes no lock date")
        check_changes(changes, ("currencies",))
        with self.lock:
            org = self.tenants[tenant]
            if "currencies" in changes:
                codes = [str(code).upper() for code in changes["currencies"]]
                if org["currency_code"] not in codes:
                    raise ValueError(f"currencies must include the base currency "
                                     f"{org['currency_code']}")
                org["currencies"] = [currency(code, code == org["currency_code"])
                                     for code in codes]
            return {"currencies": [c["currency_code"] for c in org["currencies"]]}

    def touch_document(self, tenant, remote_id):
        """Set a document's last_modified_time to now."""
        return self.stamp_document(tenant, KINDS, remote_id, "last_modified_time",
                                   zoho_time(self.clock.now()))

    def duplicate_numbers(self, tenant):
        """Numbers held by more than one document of the same module."""
        out = []
        for module, field in (("invoices", "invoice_number"), ("creditnotes", "creditnote_number"),
                              ("bills", "bill_number"), ("vendorcredits", "vendor_credit_number")):
            seen = {}
            for doc in tenant[module].values():
                seen[doc[field]] = seen.get(doc[field], 0) + 1
            out += [f"{module}:{number}" for number, count in seen.items() if count > 1]
        return out

    def ledger_documents(self, tenant):
        """Invoices, credit notes, bills and vendor credits: (kind, id, number, reference)."""
        for module, kind, id_field, field in (
                ("invoices", "sales_invoice", "invoice_id", "invoice_number"),
                ("creditnotes", "sales_credit_note", "creditnote_id", "creditnote_number"),
                ("bills", "supplier_invoice", "bill_id", "bill_number"),
                ("vendorcredits", "supplier_credit_note", "vendor_credit_id",
                 "vendor_credit_number")):
            for doc in tenant[module].values():
                yield kind, doc[id_field], doc.get(field), doc.get("reference_number")

    def blueprint(self):
        """Accounts servers, the Books API and a numbering control."""
        bp = Blueprint("zoho", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp
