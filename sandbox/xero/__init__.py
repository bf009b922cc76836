"""The Xero sandbox: identity (OAuth, connections) and the Accounting API under /xero.

Paths mirror Xero's hosts: /xero/login (login.xero.com), /xero/identity (identity.xero.com),
/xero/api (api.xero.com: /connections) and /xero/accounting (api.xero.com/api.xro/2.0).
Simplifications are listed in sandbox/README.md under "Xero".
"""

import base64
import secrets
from datetime import UTC
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint
from flask import redirect
from flask import request

from sandbox.core import Limits
from sandbox.core import OAuthError
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.pages import consent_page
from sandbox.xero_data import DEMO_TENANTS
from sandbox.xero_data import new_id
from sandbox.xero_guard import Guard
from sandbox.xero_guard import problem

KNOWN_SCOPES = {"offline_access", "openid", "profile", "email"} | {
    f"accounting.{area}{suffix}" for suffix in ("", ".read") for area in
    ("settings", "contacts", "transactions", "invoices", "attachments", "payments",
     "banktransactions", "manualjournals")}


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
        from sandbox.xero_ledger import new_tenant
        from sandbox.xero_ledger import seed_uk

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

    def now(self):
        """Sandbox time as an aware datetime."""
        return datetime.fromtimestamp(self.clock.now(), UTC)

    def user_connections(self, user, client_id):
        """The connections a user's grant to a client reaches."""
        return [c for c in self.connections.values()
                if c["_user"] == user and c["_client"] == client_id]

    def blueprint(self):
        """Identity, connections and Accounting routes."""
        from sandbox.xero_api import register_accounting

        bp = Blueprint("xero", __name__)
        guard = Guard(self)
        self._register_oauth(bp)
        self._register_connections(bp, guard)
        register_accounting(bp, self, guard)
        return bp

    # --- OAuth -----------------------------------------------------------------------------

    def _register_oauth(self, bp):
        @bp.route("/login/identity/connect/authorize", methods=["GET", "POST"])
        def authorize():
            params = request.values
            client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
            if not self.redirect_ok(client_id, redirect_uri):
                return "Error: unauthorized_client (unknown client or redirect_uri)", 400
            state = params.get("state", "")
            scopes = params.get("scope", "").split()
            if params.get("response_type", "code") != "code":
                return self._callback(redirect_uri, error="unsupported_response_type", state=state)
            if not scopes or not set(scopes) <= KNOWN_SCOPES:
                return self._callback(redirect_uri, error="invalid_scope", state=state)
            if request.method == "POST":
                return self._consent(params, client_id, redirect_uri, scopes, state)
            return self._consent_form(params)

        @bp.post("/identity/connect/token")
        def token():
            client_id = self._basic_client()
            if client_id is None:
                return {"error": "invalid_client"}, 400
            form = request.form
            try:
                if form.get("grant_type") == "authorization_code":
                    body = self.oauth.exchange_code(client_id, form.get("code", ""),
                                                    form.get("redirect_uri", ""),
                                                    form.get("code_verifier"))
                elif form.get("grant_type") == "refresh_token":
                    if self.faults.revoke_grants:
                        raise OAuthError("invalid_grant")
                    body = self.oauth.use_refresh_token(client_id, form.get("refresh_token", ""))
                else:
                    return {"error": "unsupported_grant_type"}, 400
            except OAuthError as exc:
                return {"error": exc.error}, exc.status
            if "offline_access" not in body["scope"].split():
                body.pop("refresh_token")  # Xero issues refresh tokens for offline_access only
            return body, 200, {"Cache-Control": "no-store"}

        @bp.post("/identity/connect/revocation")
        def revocation():
            client_id = self._basic_client()
            if client_id is None:
                return {"error": "invalid_client"}, 400
            grant = self.oauth.revoke(request.form.get("token", ""))
            if grant is not None and grant.client_id == client_id:
                with self.lock:
                    for conn in self.user_connections(grant.user, client_id):
                        del self.connections[conn["id"]]
            return "", 200

    def _consent_form(self, params, message=""):
        hidden = {k: params.get(k, "") for k in ("client_id", "redirect_uri", "scope", "state",
                                                  "response_type", "code_challenge",
                                                  "code_challenge_method")}
        choices = [(tid, t["name"]) for tid, t in self.tenants.items()]
        extra = f'<p role="alert">{message}</p>' if message else ""
        page = consent_page("Xero", request.path, hidden, params.get("scope", ""), choices,
                            multi=True, choice_name="tenant", choice_label="Organisations",
                            extra=extra)
        return page, 400 if message else 200

    def _consent(self, params, client_id, redirect_uri, scopes, state):
        if params.get("decision") != "allow":
            return self._callback(redirect_uri, error="access_denied", state=state)
        chosen = [t for t in request.form.getlist("tenant") if t in self.tenants]
        user = (params.get("user") or "").strip().lower()
        if not chosen or not user:
            return self._consent_form(params, "Choose at least one organisation.")
        from sandbox.core import Grant

        with self.lock:
            # Xero's scopes are additive: a new consent keeps what the user granted before.
            earlier = {s for g in self.oauth.grants() if g.user == user
                       and g.client_id == client_id and not g.revoked for s in g.scope.split()}
            scope = " ".join(dict.fromkeys(scopes + sorted(earlier - set(scopes))))
            event = new_id()
            grant = Grant(client_id, user, scope, chosen, extra={"auth_event_id": event})
            stamp = self.now().strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
            existing = {c["tenantId"]: c for c in self.user_connections(user, client_id)}
            for tenant_id in chosen:
                conn = existing.get(tenant_id) or {
                    "id": new_id(), "tenantId": tenant_id, "tenantType": "ORGANISATION",
                    "createdDateUtc": stamp, "_user": user, "_client": client_id}
                conn.update(authEventId=event, tenantName=self.tenants[tenant_id]["name"],
                            updatedDateUtc=stamp)
                self.connections[conn["id"]] = conn
        code = self.oauth.issue_code(grant, redirect_uri, params.get("code_challenge") or None,
                                     params.get("code_challenge_method") or None)
        return self._callback(redirect_uri, code=code, state=state)

    @staticmethod
    def _callback(redirect_uri, **params):
        query = urlencode({k: v for k, v in params.items() if v})
        return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{query}")

    def _basic_client(self):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
        from urllib.parse import unquote_plus

        client_id, secret = unquote_plus(client_id), unquote_plus(secret)
        return client_id if self.client_ok(client_id, secret) else None

    # --- connections (identity API) ----------------------------------------------------------

    def _register_connections(self, bp, guard):
        @bp.get("/api/connections")
        @bp.get("/api/Connections", endpoint="connections_spec_case")
        @guard.api(scopes=None, tenant=False)
        def connections(grant):
            event = request.args.get("authEventId")
            listed = [c for c in self.user_connections(grant.user, grant.client_id)
                      if not (event and c["authEventId"] != event)
                      and not self.faults.organisation_disconnected]
            return 200, [{k: v for k, v in c.items() if not k.startswith("_")} for c in listed]

        @bp.delete("/api/connections/<conn_id>")
        @bp.delete("/api/Connections/<conn_id>", endpoint="delete_connection_spec_case")
        @guard.api(scopes=None, tenant=False, write=True)
        def delete_connection(grant, conn_id):
            with self.lock:
                conn = self.connections.get(conn_id)
                if conn is None or conn["_user"] != grant.user \
                        or conn["_client"] != grant.client_id:
                    return problem(404, "Not Found", "Resource not found")
                del self.connections[conn_id]
            return 204, None
