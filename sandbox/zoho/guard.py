"""What every Zoho Books API call goes through: recording, the data centre's API domain, the
Zoho-oauthtoken header, organization_id, rate limits and injected faults."""

import functools

from flask import request

from sandbox.core import OAuthError
from sandbox.core import redact
from sandbox.zoho.errors import INTERNAL
from sandbox.zoho.errors import INVALID_TOKEN
from sandbox.zoho.errors import NO_ORGANISATION
from sandbox.zoho.errors import NOT_AUTHORISED
from sandbox.zoho.errors import PER_DAY
from sandbox.zoho.errors import PER_MINUTE
from sandbox.zoho.errors import SUBSCRIPTION
from sandbox.zoho.errors import TIMEOUT
from sandbox.zoho.errors import WRONG_ORGANISATION
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.errors import error_response
from sandbox.zoho.oauth import API_SERVICES


def api_route(box, bp, rule, methods=("GET",), needs_org=True, write=False):
    """Register a Books API handler behind auth, organisation, limits and faults."""

    def decorate(handler):
        @functools.wraps(handler)
        def view(service, **kwargs):
            _record(box, service)
            if service not in API_SERVICES:
                return error_response(404, 5, "Invalid URL Passed")
            try:
                grant = _authorise(box, service)
                tenant_id = _organisation(box, grant) if needs_org else None
            except ZohoError as exc:
                return error_response(exc.status, exc.code, exc.message)
            key = tenant_id or f"user:{grant.user}"
            if tenant_id:
                box.count(tenant_id)
            problem, detail = box.limiter.take(key, box.limits)
            if problem:
                if tenant_id:
                    box.count(tenant_id, "throttled")
                status, code, message = PER_DAY if problem == "day" else PER_MINUTE
                return error_response(status, code, message, {"Retry-After": str(detail)})
            try:
                return _dispatch(box, handler, grant, tenant_id, write, kwargs)
            finally:
                box.limiter.release(key)

        bp.add_url_rule(f"/<service>/books/v3{rule}", view_func=view, methods=list(methods),
                        endpoint=handler.__name__)
        return view

    return decorate


def _dispatch(box, handler, grant, tenant_id, write, kwargs):
    faults = box.faults
    faults.wait_latency()
    if faults.server_error_now():
        return error_response(*INTERNAL)
    if faults.rate_limited_now():
        return error_response(*PER_MINUTE, {"Retry-After": faults.retry_after(1)})
    tenant = box.tenants[tenant_id] if tenant_id else None
    try:
        with box.lock:
            status, body = handler(grant=grant, tenant=tenant, **kwargs)
    except ZohoError as exc:
        reason = "" if faults.odd("empty_refusal_reason") else exc.message
        return error_response(exc.status, exc.code, reason)
    if write and status < 300 and faults.hang_after_write():
        return error_response(*TIMEOUT)  # the write stands; the caller heard nothing
    odd = faults.odd_body(status, write)
    if odd is not None:
        return odd[0], status, {"Content-Type": odd[1]}
    return odd_shapes(faults, body), status


def odd_shapes(faults, body):
    """A success body in the odd shapes switched on (see ZohoSandbox.odd_answers)."""
    if faults.odd("ids_as_numbers"):
        body = _ids_as_numbers(body)
    if faults.odd("creditnotes_as_object") and isinstance(body.get("creditnotes"), list):
        rows = body["creditnotes"]
        body = {**body, "creditnotes": rows[0] if rows else {}}
    if faults.odd("always_more_pages") and "page_context" in body:
        context = body["page_context"]
        for one in context if isinstance(context, list) else [context]:
            one["has_more_page"] = True
    return body


def _ids_as_numbers(node):
    """Every `..._id` that holds digits, as a JSON number (as in Zoho's own examples)."""
    if isinstance(node, dict):
        return {key: int(value) if key.endswith("_id") and isinstance(value, str)
                and value.isdigit() else _ids_as_numbers(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_ids_as_numbers(value) for value in node]
    return node


def _refusal(answer):
    status, code, message = answer
    return ZohoError(code, message, status)


def _authorise(box, service):
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme != "Zoho-oauthtoken" or not value:
        raise _refusal(INVALID_TOKEN)
    if box.faults.revoke_grants:
        raise _refusal(NOT_AUTHORISED)
    try:
        grant = box.oauth.check_access(value)
    except OAuthError:
        raise _refusal(INVALID_TOKEN) from None
    if API_SERVICES[service] != grant.extra["dc"]:
        # Tokens are only valid at the API domain of their own data centre.
        raise _refusal(INVALID_TOKEN)
    return grant


def _organisation(box, grant):
    tenant_id = request.args.get("organization_id", "")
    if not tenant_id:
        raise _refusal(NO_ORGANISATION)
    tenant = box.tenants.get(tenant_id)
    if tenant is None or tenant["dc"] != grant.extra["dc"] or \
            box.faults.organisation_disconnected:
        raise _refusal(WRONG_ORGANISATION)
    if box.faults.subscription_expired:
        raise _refusal(SUBSCRIPTION)
    return tenant_id


def _record(box, service):
    if request.mimetype == "application/json":
        body = request.get_json(silent=True)
    elif request.files:
        body = {name: {"filename": f.filename, "content_type": f.mimetype}
                for name, f in request.files.items()}
    else:
        body = request.get_data(as_text=True) or None
    box.record(request.method, request.path, request.args.to_dict(),
               redact(request.headers, keep_scheme=True), body, service=service)
