"""Sage Business Cloud Accounting v3.1 sandbox, served under /sage.

Services: `auth` (www.sageone.com authorize pages), `oauth` (oauth.accounting.sage.com token and
revoke) and `api` (api.accounting.sage.com, paths under /v3.1). Every API call needs a bearer token;
`X-Business` picks the business (the user's lead business when absent).
"""

import contextlib
import json
import random
import time
import uuid

from flask import Blueprint
from flask import request

from sandbox.core import Limits
from sandbox.core import OAuthError
from sandbox.core import ProviderSandbox
from sandbox.core import TokenPolicy
from sandbox.core import fingerprint
from sandbox.sage_data import new_business
from sandbox.sage_docs import KINDS
from sandbox.sage_errors import GatewayTimeout
from sandbox.sage_errors import SageError
from sandbox.sage_errors import Throttled
from sandbox.sage_oauth import register_oauth
from sandbox.sage_routes import register_api

DEMO_BUSINESSES = [("Demo Trading Ltd", "uk"), ("Demo Services Ltd", "uk")]


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

    def forget_refresh_tokens(self, value):
        """Revoke: drop every refresh token of the grant; its access tokens live on (as Sage)."""
        with self.lock:
            token = self.oauth.refresh.get(value)
            if token is None:
                return
            for key, other in list(self.oauth.refresh.items()):
                if other.grant is token.grant:
                    del self.oauth.refresh[key]

    def blueprint(self):
        """OAuth routes and the v3.1 API."""
        bp = Blueprint("sage_sandbox", __name__)
        register_oauth(bp, self)
        register_api(bp, self)
        return bp

    # --- the guard every API call passes -------------------------------------------------------

    def record(self):
        """Remember an API call for tests (Authorization redacted)."""
        headers = {k: ("<redacted>" if k.lower() == "authorization" else v)
                   for k, v in request.headers.items()}
        body = request.get_data(as_text=True)
        with contextlib.suppress(ValueError):
            body = json.loads(body) if body else None
        with self.lock:
            self.requests.append({"method": request.method, "path": request.path,
                                  "query": request.args.to_dict(), "headers": headers,
                                  "body": body})

    def guard(self, needs_business=True):
        """Authenticate, pick the business and apply limits and faults.

        Returns (grant, business id) or raises SageError / Throttled.
        """
        self.record()
        value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        try:
            grant = self.oauth.check_access(value)
        except OAuthError as exc:
            raise SageError(401, "AuthorizationFailure", "Authorisation failure: the access "
                            "token is invalid or has expired.") from exc
        if self.faults.revoke_grants:
            self.oauth.revoke_grant(grant)
            raise SageError(401, "AuthorizationFailure", "Authorisation failure: access was "
                            "revoked.")
        if self.faults.subscription_expired:
            raise SageError(401, "AuthorizationFailure", "No active subscription. (MSE)")
        business = request.headers.get("X-Business") or grant.organisations[0]
        if needs_business and (business not in grant.organisations
                               or business not in self.tenants
                               or self.faults.organisation_disconnected):
            raise SageError(403, "AccessDenied", "You do not have access to this business.")
        budget = business if needs_business else f"user:{grant.user}"
        problem, retry = self.limiter.take(budget, self.limits)
        if problem is not None:
            raise Throttled(retry)
        self.limiter.release(budget)
        if self.faults.take("rate_limit_next"):
            raise Throttled(1)
        if self.faults.take("errors_next") or random.random() < self.faults.error_rate:
            raise SageError(500, "UnexpectedError", "An unexpected error occurred.")
        return grant, business

    def write(self, business, collection, create):
        """Create once per idempotency_id (kept 7 days); hang after writing when told to."""
        payload = request.get_json(silent=True)
        root = _root(collection)
        if not isinstance(payload, dict) or not isinstance(payload.get(root), dict):
            raise SageError(422, "RecordInvalid", "This field is required.", root)
        resource = payload[root]
        key = resource.get("idempotency_id")
        digest = fingerprint("POST", request.path, json.dumps(resource, sort_keys=True).encode())
        with self.lock:
            if key:
                try:
                    stored = self.idempotency.get((business, key), digest)
                except ValueError as exc:
                    raise SageError(422, "RecordInvalid", "has already been used for a "
                                    "different request", "idempotency_id") from exc
                if stored is not None:
                    return stored
            body = create(self.tenants[business], resource)
            if key:
                self.idempotency.put((business, key), digest, body)
        if self.faults.take("timeout_after_write_next"):
            time.sleep(self.faults.timeout_seconds)
            raise GatewayTimeout()
        return body


def _root(collection):
    if collection in KINDS:
        return KINDS[collection].root
    return {"contacts": "contact", "attachments": "attachment"}[collection]
