"""What every Sage Accounting API call goes through: recording, bearer token, business, rate
limit and injected faults; and the write path with its idempotency_id replay."""

import contextlib
import json

from flask import request

from sandbox.core import OAuthError
from sandbox.core import fingerprint
from sandbox.core import redact
from sandbox.sage.documents import KINDS
from sandbox.sage.errors import GatewayTimeout
from sandbox.sage.errors import SageError
from sandbox.sage.errors import Throttled


def record(box):
    """Remember an API call for tests (Authorization redacted)."""
    body = request.get_data(as_text=True)
    with contextlib.suppress(ValueError):
        body = json.loads(body) if body else None
    box.record(request.method, request.path, request.args.to_dict(),
               redact(request.headers, "<redacted>"), body)


def guard(box, needs_business=True):
    """Authenticate, pick the business and apply limits and faults.

    Returns (grant, business id) or raises SageError / Throttled.
    """
    record(box)
    value = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    try:
        grant = box.oauth.check_access(value)
    except OAuthError as exc:
        raise SageError(401, "AuthorizationFailure", "Authorisation failure: the access "
                        "token is invalid or has expired.") from exc
    if box.faults.revoke_grants:
        box.oauth.revoke_grant(grant)
        raise SageError(401, "AuthorizationFailure", "Authorisation failure: access was "
                        "revoked.")
    if box.faults.subscription_expired:
        raise SageError(401, "AuthorizationFailure", "No active subscription. (MSE)")
    business = request.headers.get("X-Business") or grant.organisations[0]
    if needs_business and (business not in grant.organisations
                           or business not in box.tenants
                           or box.faults.organisation_disconnected):
        raise SageError(403, "AccessDenied", "You do not have access to this business.")
    budget = business if needs_business else f"user:{grant.user}"
    if needs_business:
        box.count(business)
    problem, retry = box.limiter.take(budget, box.limits)
    if problem is not None:
        if needs_business:
            box.count(business, "throttled")
        raise Throttled(retry)
    box.limiter.release(budget)
    box.faults.wait_latency()
    if box.faults.rate_limited_now():
        raise Throttled(box.faults.retry_after(1))
    if box.faults.server_error_now():
        raise SageError(500, "UnexpectedError", "An unexpected error occurred.")
    return grant, business


def write(box, business, collection, create):
    """Create once per idempotency_id (kept 7 days); hang after writing when told to."""
    payload = request.get_json(silent=True)
    root = _root(collection)
    if not isinstance(payload, dict) or not isinstance(payload.get(root), dict):
        raise SageError(422, "RecordInvalid", "This field is required.", root)
    resource = payload[root]
    key = resource.get("idempotency_id")
    digest = fingerprint("POST", request.path, json.dumps(resource, sort_keys=True).encode())
    with box.lock:
        if key:
            try:
                stored = box.idempotency.get((business, key), digest)
            except ValueError as exc:
                raise SageError(422, "RecordInvalid", "has already been used for a "
                                "different request", "idempotency_id") from exc
            if stored is not None:
                return stored
        body = create(box.tenants[business], resource)
        if key:
            box.idempotency.put((business, key), digest, body)
    if box.faults.hang_after_write():
        raise GatewayTimeout()
    return body


def _root(collection):
    if collection in KINDS:
        return KINDS[collection].root
    return {"contacts": "contact", "attachments": "attachment",
            "contact_payments": "contact_payment"}[collection]
