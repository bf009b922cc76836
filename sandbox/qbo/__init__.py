"""QuickBooks Online sandbox: Intuit OAuth 2.0 and the Accounting API v3 under /qbo.

Services (see `Provider.endpoint`): `appcenter` (authorize), `oauth` (token), `developer`
(revoke), `api` (/v3/company/<realmId>/...), `app` (the web app's document pages).
"""

import json
import secrets
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import redirect
from flask import render_template_string
from flask import request

from sandbox import qbo_faults as faults
from sandbox.core import Grant
from sandbox.core import Limits
from sandbox.core import OAuthError
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.pages import consent_page
from sandbox.qbo_api import ApiRequest
from sandbox.qbo_api import handle
from sandbox.qbo_documents import DOCUMENTS
from sandbox.qbo_ledger import QboLedger
from sandbox.qbo_seed import company_info
from sandbox.qbo_seed import seed_company

SCOPE = "com.intuit.quickbooks.accounting"
DEMO_REALMS = (("9341450000000001", "us", None), ("9341450000000002", "uk", None))
_DOC_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ entity }} {{ number }} (QuickBooks sandbox)</title></head><body><main>
<h1>{{ entity }} {{ number }}</h1><p>QuickBooks Online sandbox: not a real ledger.</p>
<pre>{{ body }}</pre></main></body></html>"""


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

    # --- HTTP -------------------------------------------------------------------------------
    def blueprint(self):
        """Routes under /qbo, grouped by Intuit service host."""
        bp = Blueprint("qbo_sandbox", __name__)
        bp.add_url_rule("/appcenter/connect/oauth2", "authorize", self.authorize,
                        methods=["GET", "POST"])
        bp.add_url_rule("/oauth/oauth2/v1/tokens/bearer", "token", self.token, methods=["POST"])
        bp.add_url_rule("/developer/v2/oauth2/tokens/revoke", "revoke", self.revoke,
                        methods=["POST"])
        bp.add_url_rule("/api/v3/company/<realm>/<path:rest>", "api", self.api,
                        methods=["GET", "POST"])
        bp.add_url_rule("/app/app/<kind>", "document_page", self.document_page)
        return bp

    def authorize(self):
        """The sign-in and consent page; one company per consent; realmId on the callback."""
        params = request.values
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not self.redirect_ok(client_id, redirect_uri):
            return Response("Unknown client_id or redirect_uri not registered for the app.",
                            400, mimetype="text/plain")
        state = params.get("state", "")

        def back(**query):
            return redirect(f"{redirect_uri}?{urlencode({**query, 'state': state})}", 302)

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if SCOPE not in (params.get("scope") or "").split():
            return back(error="invalid_scope")
        if request.method == "GET":
            hidden = {k: params.get(k, "") for k in
                      ("client_id", "redirect_uri", "scope", "state", "response_type")}
            choices = [(realm, ledger["name"]) for realm, ledger in self.tenants.items()]
            return consent_page("QuickBooks Online", request.path, hidden, params["scope"],
                                choices=choices, choice_name="realmId", choice_label="Company")
        if params.get("decision") != "allow":
            return back(error="access_denied")
        realm = params.get("realmId")
        if realm not in self.tenants:
            return back(error="access_denied", error_description="no company chosen")
        grant = Grant(client_id, params.get("user") or "owner@example.com", params["scope"],
                      [realm])
        return back(code=self.oauth.issue_code(grant, redirect_uri), realmId=realm)

    def token(self):
        """authorization_code and refresh_token grants; HTTP Basic client authentication."""
        auth = request.authorization
        if auth is None or auth.type != "basic" or not self.client_ok(auth.username,
                                                                      auth.password):
            return _oauth_error(OAuthError("invalid_client", "", 401))
        form = request.form
        try:
            if form.get("grant_type") == "authorization_code":
                body = self.oauth.exchange_code(auth.username, form.get("code"),
                                                form.get("redirect_uri"))
            elif form.get("grant_type") == "refresh_token":
                if self.faults.revoke_grants:
                    raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
                body = self.oauth.use_refresh_token(auth.username, form.get("refresh_token"))
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as error:
            return _oauth_error(error)
        with self.lock:
            issued = self.oauth.refresh[body["refresh_token"]]
            body["x_refresh_token_expires_in"] = int(issued.expires_at - self.clock.now())
        body.pop("scope", None)  # Intuit's token response carries no scope
        body["token_type"] = "bearer"  # noqa: S105 (a token type, not a secret)
        return _json(body, 200, {"Cache-Control": "no-store"})

    def revoke(self):
        """Revoke a refresh or access token (JSON {"token": ...}); this disconnects the app."""
        auth = request.authorization
        if auth is None or not self.client_ok(auth.username, auth.password):
            return _oauth_error(OAuthError("invalid_client", "", 401))
        token = (request.get_json(silent=True) or {}).get("token")
        if not token:
            return _oauth_error(OAuthError("invalid_request", "token is required"))
        self.oauth.revoke(token)
        return Response("", 200)

    def api(self, realm, rest):
        """Every Accounting API call: guards and faults first, then the resource."""
        call = ApiRequest.from_flask(request, realm, rest)
        self.requests.append(call.record())
        status, body, headers = handle(self, call)
        if isinstance(body, str):
            return Response(body, status, headers, mimetype="text/plain")
        if isinstance(body, dict):
            body.setdefault("time", faults.stamp(self.clock.now()))
        return _json(body, status, headers)

    def document_page(self, kind):
        """Where a pushed document's link opens: a read-only sandbox page."""
        entity = {"invoice": "Invoice", "creditmemo": "CreditMemo", "bill": "Bill",
                  "vendorcredit": "VendorCredit"}.get(kind)
        ledger = self.tenants.get(request.args.get("companyId", ""))
        record = ledger.record(entity, request.args.get("txnId", "")) if ledger and entity \
            else None
        if record is None:
            return Response("Not found", 404, mimetype="text/plain")
        return render_template_string(_DOC_PAGE, entity=entity, number=record.get("DocNumber", ""),
                                      body=json.dumps(record, indent=2))


def _json(body, status, headers=None):
    headers = {"intuit_tid": secrets.token_hex(16), **(headers or {})}
    return Response(json.dumps(body), status, headers, mimetype="application/json")


def _oauth_error(error):
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    return _json(body, error.status)
