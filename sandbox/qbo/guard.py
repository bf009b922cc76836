"""What every QuickBooks Online API call goes through: the parsed request, bearer token and
company, rate limits, injected faults, the requestid replay and a snapshot of the answer."""

import copy
import json
from dataclasses import dataclass
from dataclasses import field

from sandbox.core import OAuthError
from sandbox.core import fingerprint
from sandbox.core import redact
from sandbox.qbo import errors
from sandbox.qbo.errors import QboFault

MINOR_VERSION = 75  # the baseline since August 2025; 1-74 are ignored
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36


@dataclass
class ApiRequest:
    """One API call, parsed from the HTTP request."""

    method: str
    realm: str
    rest: str
    path: str
    query: dict
    headers: dict
    raw: bytes
    json: object = None
    files: dict = field(default_factory=dict)

    @classmethod
    def from_flask(cls, request, realm, rest):
        """Read what the handlers need from a Flask request."""
        raw = request.get_data(cache=True)
        files = {}
        if request.mimetype == "multipart/form-data":
            files = {name: (f.filename, f.mimetype, f.read()) for name, f in request.files.items()}
            files.update({name: (None, "application/json", value.encode())
                          for name, value in request.form.items()})
            raw = b"".join(files[k][2] for k in sorted(files))
        body = None
        if request.mimetype == "application/json":
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                body = ValueError
        return cls(request.method, realm, rest.strip("/"), request.path, request.args.to_dict(),
                   dict(request.headers), raw, body, files)

    def record(self, sandbox):
        """Keep the call in the sandbox's recorded requests: Authorization redacted, the body
        parsed."""
        # A copy: the handlers fill in what QuickBooks adds (ItemRef names) on the parsed body.
        body = None if self.json is ValueError else copy.deepcopy(self.json)
        if self.files:
            body = {name: (json.loads(content) if filename is None else
                           {"filename": filename, "content_type": mimetype, "size": len(content)})
                    for name, (filename, mimetype, content) in self.files.items()}
        sandbox.record(self.method, self.path, dict(self.query), redact(self.headers), body)

    @property
    def write(self):
        """POSTs change data (a POSTed query does not)."""
        return self.method == "POST" and self.rest.lower() != "query"


def handle(sandbox, call, resource):
    """Run one API call through the guards, then `resource(sandbox, ledger, call)` for its
    answer; return (status, body, headers)."""
    key = (call.realm, "api")
    try:
        _authorise(sandbox, call)
        sandbox.count(call.realm)
        limited = _rate_limit(sandbox, call)
        if limited:
            return limited
        try:
            sandbox.faults.wait_latency()
            if sandbox.faults.server_error_now():
                raise errors.system_error()
            return _idempotent(sandbox, call, resource)
        finally:
            sandbox.limiter.release(key)
    except QboFault as fault:
        return fault.status, {"Fault": fault.fault()}, {}


def _authorise(sandbox, call):
    header = call.headers.get("Authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    try:
        grant = sandbox.oauth.check_access(token)
    except OAuthError:
        raise errors.authentication() from None
    if call.realm not in grant.organisations or call.realm not in sandbox.tenants:
        raise errors.wrong_company()
    if sandbox.faults.revoke_grants:
        raise errors.authentication()
    if sandbox.faults.organisation_disconnected:
        raise errors.disconnected()
    if sandbox.faults.subscription_expired and call.write:
        raise errors.subscription()


def _rate_limit(sandbox, call):
    key = (call.realm, "api")
    if sandbox.faults.rate_limited_now():
        return _throttled(sandbox.faults.retry_after(60))
    problem, detail = sandbox.limiter.take(key, sandbox.limits)
    if problem:
        sandbox.count(call.realm, "throttled")
        return _throttled(detail)
    if call.rest.lower() == "batch":
        problem, detail = sandbox.limiter.take((call.realm, "batch"), sandbox.batch_limits)
        sandbox.limiter.release((call.realm, "batch"))
        if problem:
            sandbox.limiter.release(key)
            sandbox.count(call.realm, "throttled")
            return _throttled(detail)
    return None


def _throttled(retry_after):
    fault = errors.throttled()
    return 429, {"Fault": fault.fault()}, {"Retry-After": str(int(retry_after))}


def _idempotent(sandbox, call, resource):
    request_id = call.query.get("requestid")
    if not (call.write and request_id):
        return _respond(sandbox, call, resource)
    limit = BATCH_REQUEST_ID_MAX if call.rest.lower() == "batch" else REQUEST_ID_MAX
    if len(request_id) > limit:
        raise errors.too_long("requestid", limit)
    store_key = f"{call.realm}:{request_id}"
    digest = fingerprint(call.method, call.path, call.raw)
    try:
        stored = sandbox.idempotency.get(store_key, digest)
    except ValueError:
        raise QboFault("600", "Duplicate Request ID",
                       f"Duplicate Request ID : requestid {request_id} was already used for a "
                       "different request.") from None
    if stored is not None:
        return stored
    status, body, headers = _respond(sandbox, call, resource, lambda r: sandbox.idempotency.put(
        store_key, digest, r))
    return status, body, headers


def _respond(sandbox, call, resource, remember=None):
    with sandbox.lock:
        try:
            response = (200, resource(sandbox, sandbox.tenants[call.realm], call), {})
        except QboFault as fault:
            response = (fault.status, {"Fault": fault.fault()}, {})
        except (KeyError, TypeError, AttributeError, ValueError, IndexError) as error:
            # A body of the wrong shape: QuickBooks answers 400, never a stack trace.
            fault = QboFault("2010", "Request has invalid or unsupported property",
                             f"Property Name:{type(error).__name__} {error} specified is "
                             "unsupported or invalid")
            response = (400, {"Fault": fault.fault()}, {})
        response[1]["time"] = errors.stamp(sandbox.clock.now())
        # A snapshot taken under the lock: later writes must not change a sent or stored reply.
        response = (response[0], json.loads(json.dumps(response[1])), response[2])
        if remember and response[0] < 500:
            remember(response)
    if call.write and sandbox.faults.hang_after_write():
        return 504, "Gateway Timeout", {}
    return response
