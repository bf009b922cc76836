"""The Zoho Books v3 sandbox: accounts servers per data centre and the Books API under them.

Paths: /zoho/<accounts service>/oauth/v2/... and /zoho/<api service>/books/v3/..., where the
services are one pair per data centre (see sandbox.zoho_oauth.DATA_CENTRES). Every API call
needs `Authorization: Zoho-oauthtoken <token>` and `?organization_id=` (except /organizations).
"""

import functools
import json
import random
import time

from flask import Blueprint
from flask import request

from sandbox.core import Limits
from sandbox.core import OAuthError
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.zoho_api import register_api
from sandbox.zoho_docs import ZohoError
from sandbox.zoho_oauth import API_SERVICES
from sandbox.zoho_oauth import register_oauth
from sandbox.zoho_seed import build_tenant

# Error bodies the gate answers with (codes: see sandbox/README.md).
NOT_AUTHORISED = (401, 57, "You are not authorized to perform this operation")
INVALID_TOKEN = (401, 14, "Invalid OAuth token.")
NO_ORGANISATION = (400, 6024, "organization_id is required.")
WRONG_ORGANISATION = (403, 6041, "This user is not associated with this organization.")
SUBSCRIPTION = (403, 1040, "Your Zoho Books subscription has expired. Please renew it.")
PER_MINUTE = (429, 44, "You have made too many requests continuously. Please try again after "
              "some time.")
PER_DAY = (429, 45, "You have exceeded the maximum number of API calls allowed per day.")
INTERNAL = (500, 1000, "Internal error")
TIMEOUT = (504, 1000, "Gateway timeout")


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

    def reset(self):
        """Forget everything (refresh throttling included) and seed the demo organisations."""
        self.refresh_log = {}
        super().reset()

    def seed_defaults(self):
        """Two organisations in the EU data centre, so the organisation chooser has a choice."""
        self.seed_tenant("20060001", "uk", "Demo Trading Ltd")
        self.seed_tenant("20060002", "uk", "Demo Consulting Ltd")

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

    def blueprint(self):
        """Accounts servers, the Books API and a numbering control."""
        bp = Blueprint("zoho", __name__)
        register_oauth(bp, self)
        register_api(bp, self)

        @bp.post("/_control/numbering")
        def numbering():
            body = request.get_json(force=True)
            try:
                self.set_numbering(body["tenant"], body["module"], body["auto"],
                                   body.get("prefix"))
            except KeyError as exc:
                return {"error": f"unknown {exc.args[0]}"}, 400
            return {"numbering": self.tenants[body["tenant"]]["numbering"]}

        return bp

    # --- the gate every API call passes -------------------------------------------------------

    def api_route(self, bp, rule, methods=("GET",), needs_org=True, write=False):
        """Register a Books API handler behind auth, organisation, limits and faults."""

        def decorate(handler):
            @functools.wraps(handler)
            def view(service, **kwargs):
                self._record(service)
                if service not in API_SERVICES:
                    return _error(404, 5, "Invalid URL Passed")
                try:
                    grant = self._authorise(service)
                    tenant_id = self._organisation(grant) if needs_org else None
                except ZohoError as exc:
                    return _error(exc.status, exc.code, exc.message)
                key = tenant_id or f"user:{grant.user}"
                problem, detail = self.limiter.take(key, self.limits)
                if problem:
                    status, code, message = PER_DAY if problem == "day" else PER_MINUTE
                    return _error(status, code, message, {"Retry-After": str(detail)})
                try:
                    return self._dispatch(handler, grant, tenant_id, write, kwargs)
                finally:
                    self.limiter.release(key)

            bp.add_url_rule(f"/<service>/books/v3{rule}", view_func=view, methods=list(methods),
                            endpoint=handler.__name__)
            return view

        return decorate

    def _dispatch(self, handler, grant, tenant_id, write, kwargs):
        faults = self.faults
        unlucky = faults.error_rate and random.random() < faults.error_rate
        if faults.take("errors_next") or unlucky:
            return _error(*INTERNAL)
        if faults.take("rate_limit_next"):
            return _error(*PER_MINUTE, {"Retry-After": "1"})
        tenant = self.tenants[tenant_id] if tenant_id else None
        try:
            with self.lock:
                status, body = handler(grant=grant, tenant=tenant, **kwargs)
        except ZohoError as exc:
            return _error(exc.status, exc.code, exc.message)
        if write and status < 300 and faults.take("timeout_after_write_next"):
            time.sleep(faults.timeout_seconds)  # the write stands; the caller hears nothing
            return _error(*TIMEOUT)
        return body, status

    def _authorise(self, service):
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme != "Zoho-oauthtoken" or not value:
            raise ZohoError(INVALID_TOKEN[1], INVALID_TOKEN[2], INVALID_TOKEN[0])
        if self.faults.revoke_grants:
            raise ZohoError(NOT_AUTHORISED[1], NOT_AUTHORISED[2], NOT_AUTHORISED[0])
        try:
            grant = self.oauth.check_access(value)
        except OAuthError:
            raise ZohoError(INVALID_TOKEN[1], INVALID_TOKEN[2], INVALID_TOKEN[0]) from None
        if API_SERVICES[service] != grant.extra["dc"]:
            # Tokens are only valid at the API domain of their own data centre.
            raise ZohoError(INVALID_TOKEN[1], INVALID_TOKEN[2], INVALID_TOKEN[0])
        return grant

    def _organisation(self, grant):
        tenant_id = request.args.get("organization_id", "")
        if not tenant_id:
            raise ZohoError(NO_ORGANISATION[1], NO_ORGANISATION[2], NO_ORGANISATION[0])
        tenant = self.tenants.get(tenant_id)
        if tenant is None or tenant["dc"] != grant.extra["dc"] or \
                self.faults.organisation_disconnected:
            raise ZohoError(WRONG_ORGANISATION[1], WRONG_ORGANISATION[2], WRONG_ORGANISATION[0])
        if self.faults.subscription_expired:
            raise ZohoError(SUBSCRIPTION[1], SUBSCRIPTION[2], SUBSCRIPTION[0])
        return tenant_id

    def _record(self, service):
        headers = {k: v for k, v in request.headers.items()}
        if "Authorization" in headers:
            headers["Authorization"] = headers["Authorization"].split(" ")[0] + " [redacted]"
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
        elif request.files:
            body = {name: {"filename": f.filename, "content_type": f.mimetype}
                    for name, f in request.files.items()}
        else:
            body = request.get_data(as_text=True) or None
        with self.lock:
            self.requests.append({"method": request.method, "path": request.path,
                                  "query": request.args.to_dict(), "headers": headers,
                                  "body": body, "service": service})


def _error(status, code, message, headers=None):
    return json.dumps({"code": code, "message": message}), status, {
        "Content-Type": "application/json;charset=UTF-8", **(headers or {})}
