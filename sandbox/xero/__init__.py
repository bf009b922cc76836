"""The Xero sandbox: identity (OAuth, connections) and the Accounting API under /xero.

Paths mirror Xero's hosts: /xero/login (login.xero.com), /xero/identity (identity.xero.com),
/xero/api (api.xero.com: /connections) and /xero/accounting (api.xero.com/api.xro/2.0).
Simplifications are listed in sandbox/README.md under "Xero".
"""

import secrets
from datetime import UTC
from datetime import datetime

from flask import Blueprint

from sandbox.core import Limits
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.core import check_changes
from sandbox.core import iso_date_or_none
from sandbox.xero.files import register_files
from sandbox.xero.guard import Guard
from sandbox.xero.oauth import register_oauth
from sandbox.xero.routes import register_api
from sandbox.xero.seed import DEMO_TENANTS
from sandbox.xero.seed import add_contact
from sandbox.xero.seed import ms_date
from sandbox.xero.seed import new_tenant
from sandbox.xero.seed import seed_uk

# Xero's document types as Ledgerlink names the kinds (for /_control/ledger).
LEDGER_KINDS = {"ACCREC": "sales_invoice", "ACCRECCREDIT": "sales_credit_note",
                "ACCPAY": "supplier_invoice", "ACCPAYCREDIT": "supplier_credit_note"}


class XeroSandbox(ProviderSandbox):
    """Xero: 30-minute access tokens, rotating 60-day refresh tokens with a 30-minute grace."""

    name = "xero"
    prefix = "/xero"
    token_policy = TokenPolicy(access_lifetime=1800, refresh_lifetime=60 * 86400,
                               rotate_refresh=True, reuse_grace=1800)
    limits = Limits(per_minute=60, per_day=5000, concurrent=5)
    app_limits = Limits(per_minute=10000)
    idempotency_ttl = 6 * 60
    max_attachment_bytes = 10 * 1024 * 1024
    max_attachments = 10
    odd_answers = {"status_absent": "active accounts and tax rates come without their optional "
                                    "Status, as in Xero's own example answers"}

    def reset(self):
        """Forget everything, including connections and tenant metadata."""
        with self.lock:
            self.meta = {}  # tenant id -> {"organisation": {...}, "settings": {...}}
            self.connections = {}  # connection id -> Xero connection (+ user and client)
            super().reset()

    def seed_defaults(self):
        """Two UK demo organisations, so the organisation chooser has a choice."""
        for name, preset in DEMO_TENANTS:
            self.seed_tenant(None, preset, name)

    def seed_tenant(self, tenant, preset="uk", name=None):
        """Create (or re-seed) a tenant with a chart, tax rates and contacts; return its id."""
        if preset not in ("uk", "empty"):
            raise ValueError("Xero presets: uk, empty")
        with self.lock:
            tenant_id, data, meta = new_tenant(name or "Sandbox Organisation", self.now(),
                                               "!" + secrets.token_hex(3))
            if tenant:
                tenant_id = meta["organisation"]["OrganisationID"] = tenant
            if preset == "uk":
                seed_uk(data, self.now())
            self.tenants[tenant_id], self.meta[tenant_id] = data, meta
            return tenant_id

    def duplicate_numbers(self, tenant):
        """ACCREC/ACCRECCREDIT numbers held more than once (ACCPAY numbers may repeat)."""
        seen, dupes = set(), set()
        for store, field in (("invoices", "InvoiceNumber"), ("credit_notes", "CreditNoteNumber")):
            for doc in tenant[store].values():
                if doc["Type"] in ("ACCREC", "ACCRECCREDIT") and doc.get(field) \
                        and doc["Status"] != "DELETED":
                    key = (doc["Type"], doc[field])
                    (dupes if key in seen else seen).add(key)
        return sorted(number for _, number in dupes)

    def add_contacts(self, tenant, contacts):
        """Contacts as typed into Xero (which derives customer or supplier from documents)."""
        with self.lock:
            data = self.tenants[tenant]
            for item in contacts:
                add_contact(data, {"Name": item["name"], "EmailAddress": item["email"]},
                            self.now())

    def set_organisation(self, tenant, changes):
        """Lock dates (`lock_date` is the period lock date, `end_of_year_lock_date` the other)
        and enabled `currencies`."""
        check_changes(changes, ("lock_date", "end_of_year_lock_date", "currencies"))
        with self.lock:
            org, data = self.meta[tenant]["organisation"], self.tenants[tenant]
            for key, field in (("lock_date", "PeriodLockDate"),
                               ("end_of_year_lock_date", "EndOfYearLockDate")):
                if key in changes:
                    day = iso_date_or_none(changes[key])
                    if day:
                        org[field] = ms_date(day)
                    else:
                        org.pop(field, None)
            if "currencies" in changes:
                codes = [str(code).upper() for code in changes["currencies"]]
                if org["BaseCurrency"] not in codes:
                    raise ValueError(f"currencies must include the base currency "
                                     f"{org['BaseCurrency']}")
                data["currencies"] = codes
            return {"PeriodLockDate": org.get("PeriodLockDate"),
                    "EndOfYearLockDate": org.get("EndOfYearLockDate"),
                    "currencies": data["currencies"]}

    def touch_document(self, tenant, remote_id):
        """Set a document's UpdatedDateUTC to now."""
        return self.stamp_document(tenant, ("invoices", "credit_notes"), remote_id,
                                   "UpdatedDateUTC", ms_date(self.now()))

    def ledger_documents(self, tenant):
        """Invoices, bills and credit notes not deleted: (kind, id, number, Reference)."""
        for store, id_field, field in (("invoices", "InvoiceID", "InvoiceNumber"),
                                       ("credit_notes", "CreditNoteID", "CreditNoteNumber")):
            for doc in tenant[store].values():
                if doc["Status"] != "DELETED":
                    yield (LEDGER_KINDS[doc["Type"]], doc[id_field], doc.get(field),
                           doc.get("Reference"))

    def now(self):
        """Sandbox time as an aware datetime."""
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def user_connections(self, user, client_id):
        """The connections a user's grant to a client reaches."""
        return [c for c in self.connections.values()
                if c["_user"] == user and c["_client"] == client_id]

    def blueprint(self):
        """Identity, connections, Accounting and attachment routes."""
        bp = Blueprint("xero", __name__)
        guard = Guard(self)
        register_oauth(bp, self)
        register_api(bp, self, guard)
        register_files(bp, self, guard)
        return bp
