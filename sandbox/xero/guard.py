"""What every Xero API call goes through: recording, bearer token, tenant header, scopes, rate
limits, injected faults, the Idempotency-Key replay, and Xero's response envelope."""

import functools
import json

from flask import Response
from flask import request

from sandbox.core import OAuthError
from sandbox.core import fingerprint
from sandbox.core import redact
from sandbox.xero.errors import SERVER_ERROR
from sandbox.xero.errors import problem
from sandbox.xero.seed import ms_date
from sandbox.xero.seed import new_id


class Guard:
    """Wraps the sandbox's Xero API handlers."""

    def __init__(self, sandbox):
        self.sandbox = sandbox

    def api(self, scopes, tenant=True, write=False):
        """Decorate a handler `(grant, [tenant_id,] **kwargs) -> (status, body[, headers])`.

        `scopes`: any one of them grants access (None: no scope needed, as for /connections).
        """
        def decorator(handler):
            @functools.wraps(handler)
            def wrapper(**kwargs):
                self._record()
                outcome = self._handle(handler, scopes, tenant, write, kwargs)
                return self._respond(*outcome, write=write)
            return wrapper
        return decorator

    def _handle(self, handler, scopes, needs_tenant, write, kwargs):
        box = self.sandbox
        grant, failure = self._grant()
        if failure:
            return failure
        args = [grant]
        if needs_tenant:
            tenant_id = request.headers.get("xero-tenant-id", "")
            reachable = {c["tenantId"] for c in box.user_connections(grant.user, grant.client_id)}
            if tenant_id not in reachable or box.faults.organisation_disconnected:
                return problem(403, "Forbidden", "AuthenticationUnsuccessful")
            if box.faults.subscription_expired:
                return problem(403, "Forbidden", "OrganisationSubscriptionExpired: the "
                               "organisation's Xero subscription has expired")
            args.append(tenant_id)
            box.count(tenant_id)
        else:
            tenant_id = "identity:" + grant.user
        if scopes and not set(scopes) & set(grant.scope.split()):
            return problem(403, "Forbidden", "AuthenticationUnsuccessful: insufficient scope")
        problem_name, info = box.limiter.take(tenant_id, box.limits)
        if problem_name is None:
            app_problem, app_info = box.limiter.take("app:" + grant.client_id, box.app_limits)
            if app_problem is not None:
                box.limiter.release(tenant_id)
                problem_name, info = "appminute", app_info
        if problem_name is not None:
            if needs_tenant:
                box.count(tenant_id, "throttled")
            return self._too_many(problem_name, info)
        try:
            headers = {"X-MinLimit-Remaining": str(info.get("minute", 0)),
                       "X-DayLimit-Remaining": str(info.get("day", 0)),
                       "X-AppMinLimit-Remaining": str(app_info.get("minute", 0))}
            status, body, *extra = self._run(handler, args, kwargs, write)
            headers.update(extra[0] if extra else {})
            return status, body, headers
        finally:
            box.limiter.release(tenant_id)
            box.limiter.release("app:" + grant.client_id)

    def _grant(self):
        box = self.sandbox
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        try:
            grant = box.oauth.check_access(token)
        except OAuthError as exc:
            detail = "TokenExpired: token expired" if "expired" in exc.description \
                else "AuthenticationUnsuccessful"
            return None, problem(401, "Unauthorized", detail) + (
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},)
        if box.faults.revoke_grants:
            return None, problem(401, "Unauthorized", "AuthenticationUnsuccessful")
        return grant, None

    def _too_many(self, name, retry_after):
        headers = {"X-Rate-Limit-Problem": name}
        if name != "concurrent":
            headers["Retry-After"] = str(retry_after)
        return 429, None, headers

    def _run(self, handler, args, kwargs, write):
        box, faults = self.sandbox, self.sandbox.faults
        faults.wait_latency()
        if faults.rate_limited_now():
            return self._too_many("minute", faults.retry_after(max(1, box.clock.scaled(60))))
        if faults.server_error_now():
            return problem(500, SERVER_ERROR["Title"], SERVER_ERROR["Detail"])
        key = request.headers.get("Idempotency-Key") if write else None
        digest = fingerprint(request.method, request.full_path, request.get_data())
        if key:
            if len(key) > 128:
                return problem(400, "Bad Request", "Idempotency-Key must be 128 characters "
                               "or fewer")
            try:
                stored = box.idempotency.get(key, digest)
            except ValueError:
                return problem(400, "Bad Request", "The Idempotency-Key has already been used "
                               "with a different request")
            if stored is not None:
                return stored
        with box.lock:
            outcome = handler(*args, **kwargs)
        if key and outcome[0] < 500:
            box.idempotency.put(key, digest, outcome)
        if write and faults.hang_after_write():
            return 504, "Gateway Timeout", {"Content-Type": "text/plain"}
        return outcome

    def _respond(self, status, body, headers=None, write=False):
        headers = dict(headers or {})
        headers["Xero-Correlation-Id"] = new_id()
        if body is None or status == 204:
            return Response(status=status, headers=headers)
        odd = self.sandbox.faults.odd_body(status, write)
        if odd is not None:
            return Response(odd[0], status=status, headers=headers, mimetype=odd[1])
        if isinstance(body, bytes | str):
            return Response(body, status=status, headers=headers)
        if status == 200 and isinstance(body, dict):
            body = {"Id": new_id(), "Status": "OK", "ProviderName": "Ledgerlink",
                    "DateTimeUTC": ms_date(self.sandbox.now()).replace("+0000", ""), **body}
        return Response(json.dumps(body), status=status, headers=headers,
                        mimetype="application/json")

    def _record(self):
        raw = request.get_data()
        if request.mimetype == "application/json":
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = {"unparsable": raw.decode(errors="replace")}
        else:
            body = {"bytes": len(raw), "content_type": request.mimetype} if raw else None
        self.sandbox.record(request.method, request.path, request.query_string.decode(),
                            redact(request.headers), body)

