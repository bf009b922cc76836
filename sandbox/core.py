"""Shared machinery of the accounting sandbox: clock, state, OAuth grants, rate limits, faults.

Each provider package (`sandbox/xero/`, ...) builds its own HTTP surface on top of these, so the
wire format stays each provider's own while the bookkeeping is written once.
"""

import hashlib
import random
import secrets
import threading
import time
import uuid
from base64 import urlsafe_b64encode
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sandbox.demo_firm import DEMO_FIRM_CONTACTS


class Clock:
    """Wall time plus an adjustable offset; documented lifetimes are divided by `factor`."""

    def __init__(self, factor=1.0):
        self.factor = float(factor)
        self.offset = 0.0

    def now(self):
        """Current sandbox time in epoch seconds."""
        return time.time() + self.offset

    def scaled(self, seconds):
        """A documented duration shortened by the clock factor (e.g. 1800 s at factor 60 = 30 s)."""
        return seconds / self.factor

    def advance(self, seconds):
        """Move sandbox time forward (for expiry tests)."""
        self.offset += seconds


@dataclass
class TokenPolicy:
    """How a provider's tokens behave, in documented (unscaled) seconds."""

    access_lifetime: int
    refresh_lifetime: int
    rotate_refresh: bool = True
    reuse_grace: int = 0  # seconds an already-used refresh token still works (Xero: 1800)
    # Live refresh tokens per user and client (Zoho: 20; the 21st silently evicts the oldest).
    max_refresh_tokens: int | None = None


@dataclass
class Grant:
    """What a user consented to: the client, the user, scopes and the organisations chosen."""

    client_id: str
    user: str
    scope: str
    organisations: list
    extra: dict = field(default_factory=dict)
    revoked: bool = False
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


@dataclass
class RefreshToken:
    """One refresh token of a grant."""

    value: str
    grant: Grant
    issued_at: float
    expires_at: float
    used_at: float | None = None
    successor: dict | None = None  # the token response issued when it was used (for the grace)


class OAuthError(Exception):
    """An OAuth error to render as {"error": code, "error_description": ...} (RFC 6749 5.2)."""

    def __init__(self, error, description="", status=400):
        super().__init__(error)
        self.error, self.description, self.status = error, description, status


class OAuthServer:
    """Authorization codes, access tokens and refresh tokens for one provider."""

    def __init__(self, clock, policy, lock):
        self.clock, self.policy, self.lock = clock, policy, lock
        self.codes = {}  # code -> (grant, redirect_uri, code_challenge, method, expires_at)
        self.access = {}  # token -> (grant, expires_at)
        self.refresh = {}  # token -> RefreshToken
        self.refresh_count = 0  # successful refresh_token grants (for tests)

    def issue_code(self, grant, redirect_uri, code_challenge=None, method=None):
        """Store an authorization code valid for 10 minutes."""
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = (grant, redirect_uri, code_challenge, method,
                                self.clock.now() + 600)
        return code

    def exchange_code(self, client_id, code, redirect_uri, code_verifier=None):
        """authorization_code grant: single-use code, same client and redirect URI, PKCE."""
        with self.lock:
            entry = self.codes.pop(code, None)
            if entry is None:
                raise OAuthError("invalid_grant", "authorization code is invalid or used")
            grant, expected_uri, challenge, method, expires_at = entry
            if grant.client_id != client_id or expected_uri != redirect_uri:
                raise OAuthError("invalid_grant", "client or redirect_uri does not match")
            if expires_at < self.clock.now():
                raise OAuthError("invalid_grant", "authorization code expired")
            if challenge and not _pkce_ok(challenge, method, code_verifier):
                raise OAuthError("invalid_grant", "code_verifier does not match")
            return self._token_response(grant)

    def use_refresh_token(self, client_id, value):
        """refresh_token grant with the provider's rotation, single use, grace and cap rules."""
        with self.lock:
            token = self.refresh.get(value)
            now = self.clock.now()
            if token is None or token.grant.revoked or token.grant.client_id != client_id:
                raise OAuthError("invalid_grant")
            if token.expires_at < now:
                raise OAuthError("invalid_grant", "refresh token expired")
            if token.used_at is not None:
                within_grace = now - token.used_at <= self.clock.scaled(self.policy.reuse_grace)
                if not (self.policy.reuse_grace and within_grace and token.successor):
                    raise OAuthError("invalid_grant", "refresh token already used")
                return dict(token.successor)
            response = self._token_response(token.grant, reuse_refresh=token)
            if self.policy.rotate_refresh:
                token.used_at, token.successor = now, dict(response)
            self.refresh_count += 1
            return response

    def revoke(self, value):
        """Revoke the grant behind an access or refresh token (unknown tokens are ignored)."""
        with self.lock:
            token = self.refresh.get(value)
            grant = token.grant if token else (self.access.get(value) or (None,))[0]
            if grant is not None:
                grant.revoked = True
            return grant

    def revoke_grant(self, grant):
        """Mark a grant revoked (fault injection: the user disconnected us at the provider)."""
        with self.lock:
            grant.revoked = True

    def check_access(self, value):
        """Return the grant for a live access token, or raise OAuthError 401."""
        with self.lock:
            entry = self.access.get(value)
            if entry is None or entry[0].revoked:
                raise OAuthError("invalid_token", "access token is invalid or revoked", 401)
            if entry[1] < self.clock.now():
                raise OAuthError("invalid_token", "access token expired", 401)
            return entry[0]

    def grants(self):
        """Every grant that still has a token."""
        with self.lock:
            seen = {}
            for token in self.refresh.values():
                seen[token.grant.id] = token.grant
            return list(seen.values())

    def _token_response(self, grant, reuse_refresh=None):
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        access_ttl = self.clock.scaled(self.policy.access_lifetime)
        self.access[access] = (grant, now + access_ttl)
        if reuse_refresh is not None and not self.policy.rotate_refresh:
            refresh_value = reuse_refresh.value
        else:
            refresh_value = secrets.token_urlsafe(32)
            self.refresh[refresh_value] = RefreshToken(
                refresh_value, grant, now, now + self.clock.scaled(self.policy.refresh_lifetime))
            self._enforce_cap(grant)
        return {
            "access_token": access,
            "refresh_token": refresh_value,
            "token_type": "Bearer",
            "expires_in": int(round(access_ttl)) or 1,
            "scope": grant.scope,
        }

    def _enforce_cap(self, grant):
        cap = self.policy.max_refresh_tokens
        if not cap:
            return
        mine = sorted((t for t in self.refresh.values()
                       if t.grant.user == grant.user and t.grant.client_id == grant.client_id),
                      key=lambda t: t.issued_at)
        for stale in mine[:-cap]:
            del self.refresh[stale.value]  # silently, as the provider does


def _pkce_ok(challenge, method, verifier):
    if not verifier:
        return False
    if (method or "plain").upper() == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        return urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge
    return verifier == challenge


@dataclass
class Limits:
    """A tenant's published limits (unscaled windows); None means no such limit."""

    per_minute: int | None = None
    per_second: int | None = None
    per_day: int | None = None
    concurrent: int | None = None


class RateLimiter:
    """Sliding windows per key, scaled by the clock; plus a concurrency count.

    With `enforce` False (limits off) every call passes and nothing is counted; the remaining
    figures then say the whole allowance is left.
    """

    def __init__(self, clock, lock, enforce=True):
        self.clock, self.lock, self.enforce = clock, lock, enforce
        self.hits = {}  # (key, window) -> deque of timestamps
        self.in_flight = {}

    def take(self, key, limits):
        """Count one call. Return (None, remaining) if allowed, or (problem, retry_after)."""
        now = self.clock.now()
        with self.lock:
            windows = [("second", limits.per_second, 1), ("minute", limits.per_minute, 60),
                       ("day", limits.per_day, 86400)]
            if not self.enforce:
                return None, {name: limit - 1 for name, limit, _ in windows if limit}
            remaining = {}
            for name, limit, seconds in windows:
                if not limit:
                    continue
                span = self.clock.scaled(seconds)
                hits = self.hits.setdefault((key, name), deque())
                while hits and hits[0] <= now - span:
                    hits.popleft()
                if len(hits) >= limit:
                    return name, max(1, int(hits[0] + span - now + 0.999))
                remaining[name] = limit - len(hits) - 1
            if limits.concurrent and self.in_flight.get(key, 0) >= limits.concurrent:
                return "concurrent", 1
            for name, limit, _ in windows:
                if limit:
                    self.hits[(key, name)].append(now)
            self.in_flight[key] = self.in_flight.get(key, 0) + 1
            return None, remaining

    def release(self, key):
        """A call finished (for the concurrency count)."""
        with self.lock:
            self.in_flight[key] = max(0, self.in_flight.get(key, 0) - 1)


# Odd answers every provider's sandbox can give (each adds its own: see `odd_answers`).
GENERIC_ODD_ANSWERS = {
    "html_page": "successful answers are an HTML page (as from a proxy or a sign-in wall)",
    "empty_object": "successful answers are an empty JSON object",
    "html_page_on_write": "successful writes are answered with an HTML page (the write stands)",
    "empty_object_on_write": "successful writes are answered with an empty JSON object",
}
_HTML_PAGE = ("<!doctype html><html><head><title>Service notice</title></head><body>"
              "<h1>We'll be back soon</h1></body></html>")


@dataclass
class Faults:
    """Injected trouble for one provider, set per run by the control endpoint or environment.

    `*_next` counts apply to the next N matching API calls; `*_rate` fields are a probability per
    matching call. `odd_answers` names answers in odd shapes (see `ProviderSandbox.odd_answers`).
    """

    error_rate: float = 0.0  # fraction of API calls answered with a 500 (before any write)
    errors_next: int = 0  # the next N API calls get a 500
    timeout_after_write_rate: float = 0.0  # fraction of writes applied, then the reply hangs
    timeout_after_write_next: int = 0  # the next N writes are applied, then the reply hangs
    timeout_seconds: float = 30.0  # how long a "timed out" reply hangs before a 504
    rate_limit_rate: float = 0.0  # fraction of API calls answered 429 with Retry-After
    rate_limit_next: int = 0  # the next N API calls get 429 (a storm)
    rate_limit_retry_after: float | None = None  # an injected 429's Retry-After (None: usual)
    revoke_grants: bool = False  # refresh gives invalid_grant; API calls give 401
    subscription_expired: bool = False  # API calls fail as the provider does for a lapsed plan
    organisation_disconnected: bool = False  # the tenant no longer authorises this app
    odd_answers: list = field(default_factory=list)  # names of odd answer shapes to give
    latency_seconds: float = 0.0  # every API call answers this much later (a slow package)
    # How often each injected fault fired since these faults were set (not settable).
    fired: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_settings(cls, values, known_odd=()):
        """Faults from a dict of field values; ValueError names a wrong field or value."""
        faults = cls()
        for key, value in values.items():
            kind = _FAULT_KINDS.get(key)
            if kind is None:
                raise ValueError(f"unknown fault {key!r}")
            setattr(faults, key, _checked(key, kind, value, known_odd))
        return faults

    def settings(self):
        """The settable fields and their values (what /_control/faults shows)."""
        return {name: getattr(self, name) for name in _FAULT_KINDS}

    def take(self, name):
        """Consume one unit of a `*_next` counter; True when it fired."""
        with _FAULTS_LOCK:
            current = getattr(self, name)
            if current > 0:
                setattr(self, name, current - 1)
                return True
            return False

    def _fires(self, label, next_name, rate_name):
        """A `next_name` unit, else a draw against `rate_name`; counted in `fired[label]`."""
        rate = getattr(self, rate_name)
        hit = self.take(next_name) or bool(rate and random.random() < rate)
        if hit:
            with _FAULTS_LOCK:
                self.fired[label] = self.fired.get(label, 0) + 1
        return hit

    def wait_latency(self):
        """Hold this API call for `latency_seconds` (a package slow to answer)."""
        if self.latency_seconds:
            time.sleep(self.latency_seconds)

    def server_error_now(self):
        """True when this API call gets an injected 500: an `errors_next` unit or `error_rate`."""
        return self._fires("server_error", "errors_next", "error_rate")

    def rate_limited_now(self):
        """True when this API call gets an injected 429: `rate_limit_next` or `rate_limit_rate`."""
        return self._fires("rate_limit", "rate_limit_next", "rate_limit_rate")

    def retry_after(self, usual):
        """The Retry-After (whole seconds, as text) of an injected 429."""
        seconds = usual if self.rate_limit_retry_after is None else self.rate_limit_retry_after
        return str(max(0, int(seconds)))

    def hang_after_write(self):
        """After a write: when `timeout_after_write_next` or `_rate` fires, hold the reply for
        `timeout_seconds` and return True (the write stands; the caller answers 504)."""
        if not self._fires("timeout_after_write", "timeout_after_write_next",
                           "timeout_after_write_rate"):
            return False
        time.sleep(self.timeout_seconds)
        return True

    def odd(self, name):
        """True when the odd answer `name` is switched on."""
        return name in self.odd_answers

    def odd_body(self, status, write=False):
        """(text, mimetype) to send instead of a successful answer (to a write, when `write`)
        when a generic odd answer is on, else None."""
        if not 200 <= status < 300:
            return None
        for name, odd in (("html_page", (_HTML_PAGE, "text/html")),
                          ("empty_object", ("{}", "application/json"))):
            if self.odd(name) or (write and self.odd(f"{name}_on_write")):
                return odd
        return None


_FAULTS_LOCK = threading.Lock()
# Each settable fault and what its value must be.
_FAULT_KINDS = {f: "rate" for f in ("error_rate", "timeout_after_write_rate", "rate_limit_rate")}
_FAULT_KINDS.update({f: "count" for f in ("errors_next", "timeout_after_write_next",
                                          "rate_limit_next")})
_FAULT_KINDS.update({"timeout_seconds": "seconds", "latency_seconds": "seconds",
                     "rate_limit_retry_after": "seconds or null",
                     "revoke_grants": "switch", "subscription_expired": "switch",
                     "organisation_disconnected": "switch", "odd_answers": "odd"})


def _checked(key, kind, value, known_odd):
    """The value for a fault field, or ValueError saying what it must be."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "rate" and number and 0 <= value <= 1:
        return float(value)
    if kind == "count" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind.startswith("seconds") and (number and value >= 0 or
                                       (value is None and kind.endswith("null"))):
        return value if value is None else float(value)
    if kind == "switch" and isinstance(value, bool):
        return value
    if kind == "odd" and isinstance(value, list) and all(v in known_odd for v in value):
        return list(value)
    wanted = {"rate": "a number from 0 to 1", "count": "a whole number, 0 or more",
              "seconds": "a number of seconds, 0 or more",
              "seconds or null": "a number of seconds, 0 or more, or null",
              "switch": "true or false",
              "odd": "a list of odd answers among: " + ", ".join(sorted(known_odd))}[kind]
    raise ValueError(f"{key} must be {wanted}")


class IdempotencyStore:
    """Remembers responses by key for a documented time, comparing the request fingerprint."""

    def __init__(self, clock, lock, ttl_seconds):
        self.clock, self.lock, self.ttl = clock, lock, ttl_seconds
        self.entries = {}

    def get(self, key, fingerprint):
        """The stored (status, body, headers) for key, None if unknown or expired.

        Raises ValueError when the key was used for a different request.
        """
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry[0] < self.clock.now():
                return None
            if entry[1] != fingerprint:
                raise ValueError("idempotency key reused for a different request")
            return entry[2]

    def put(self, key, fingerprint, response):
        """Store a response for key."""
        with self.lock:
            self.entries[key] = (self.clock.now() + self.clock.scaled(self.ttl), fingerprint,
                                 response)


def redact(headers, mask="[redacted]", keep_scheme=False):
    """Request headers as the sandbox records them: the Authorization value masked (after its
    scheme when `keep_scheme`)."""
    out = {}
    for name, value in headers.items():
        if name.lower() == "authorization":
            value = f"{value.split(' ')[0]} {mask}" if keep_scheme else mask
        out[name] = value
    return out


def fingerprint(method, path, body):
    """A stable digest of a request for idempotency comparisons."""
    raw = method.encode() + b" " + path.encode() + b"\n" + (body or b"")
    return hashlib.sha256(raw).hexdigest()


class ProviderSandbox:
    """Base of each provider's sandbox: its OAuth server, tenants, limits and faults.

    Subclasses set `name`, `prefix`, `token_policy`, `limits`, `idempotency_ttl`,
    `odd_answers`, and implement `blueprint()`, `seed_tenant(tenant, preset)` and
    `ledger_documents(tenant)`.
    """

    name = ""
    prefix = ""
    token_policy = TokenPolicy(1800, 60 * 86400)
    limits = Limits()
    idempotency_ttl = 0
    odd_answers = {}  # the provider's own odd answers: name -> what it does

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.oauth = OAuthServer(clock, self.token_policy, self.lock)
        self.limiter = RateLimiter(clock, self.lock)
        self.idempotency = IdempotencyStore(clock, self.lock, self.idempotency_ttl)
        self.faults = Faults()
        # What a reset restores: the run's faults and limits switch (environment or arguments).
        self.run_faults, self.run_enforces_limits = {}, True
        self.run_demo_firm = False  # the default organisations also hold the demo firm's contacts
        self.tenants = {}  # tenant id -> dict of the provider's own collections
        self.clients = {}  # client_id -> {"secret": ..., "redirect_uris": [...]}
        self.requests = []  # the API calls received (see `record`), for tests
        self.usage = {}  # tenant id -> {"api_calls": n, "throttled": n}
        self.reset()

    def reset(self):
        """Forget everything, seed the default tenants and client, and go back to the run's
        faults and limits."""
        with self.lock:
            self.oauth.__init__(self.clock, self.token_policy, self.lock)
            self.limiter.__init__(self.clock, self.lock, self.run_enforces_limits)
            self.idempotency.__init__(self.clock, self.lock, self.idempotency_ttl)
            self.faults = self.make_faults(self.run_faults)
            self.tenants.clear()
            self.requests.clear()
            self.usage.clear()
            self.clients = {f"sandbox-{self.name}-client": {
                "secret": f"sandbox-{self.name}-secret", "redirect_uris": None}}
            self.seed_defaults()
            if self.run_demo_firm:
                self._seed_demo_firm()

    def seed_defaults(self):
        """Create the provider's default demo tenants (override)."""

    def add_contacts(self, tenant, contacts):
        """Add contacts ({"name", "kind": customer or supplier, "email"}) to a tenant as a
        person would in the package. KeyError: no such tenant; ValueError: the provider takes
        none (override per provider)."""
        raise ValueError(f"the {self.name} sandbox takes no contacts")

    def _seed_demo_firm(self):
        for tenant in list(self.tenants):
            self.add_contacts(tenant, DEMO_FIRM_CONTACTS)

    def client_ok(self, client_id, secret):
        """Check a client's credentials."""
        client = self.clients.get(client_id)
        return client is not None and secrets.compare_digest(client["secret"], secret or "")

    def redirect_ok(self, client_id, uri):
        """A registered redirect URI; the default client accepts any loopback address."""
        client = self.clients.get(client_id)
        if client is None:
            return False
        allowed = client["redirect_uris"]
        if allowed is None:
            return uri.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))
        return uri in allowed

    def record(self, method, path, query, headers, body, **extra):
        """Keep one API call for tests and /_control/requests (headers already redacted)."""
        with self.lock:
            self.requests.append({"method": method, "path": path, "query": query,
                                  "headers": headers, "body": body, **extra})

    def summary(self, tenant_id=None):
        """Counts per collection and duplicate document numbers, for the control endpoint."""
        with self.lock:
            tenants = [tenant_id] if tenant_id else list(self.tenants)
            out = {}
            for tid in tenants:
                tenant = self.tenants.get(tid)
                if tenant is None:
                    continue
                out[tid] = {
                    "name": tenant.get("name"),
                    "counts": {k: len(v) for k, v in tenant.items() if isinstance(v, (list, dict))},
                    "duplicate_numbers": self.duplicate_numbers(tenant),
                }
            return out

    def duplicate_numbers(self, tenant):
        """Document numbers held more than once in a tenant (override per provider)."""
        return []

    def set_organisation(self, tenant_id, changes):
        """Change what a tenant's organisation settings say: `lock_date` (ISO date, or None to
        clear it) and `currencies` (the enabled codes, the base among them), plus what a
        provider adds. Return the tenant's settings as a dict. KeyError: no such tenant;
        ValueError: a change the provider cannot take (override per provider)."""
        raise ValueError(f"the {self.name} sandbox has no organisation settings")

    def touch_document(self, tenant_id, remote_id):
        """Mark a document changed now, as an edit in the ledger would; return its new
        modified time as the provider shows it. KeyError when unknown (override)."""
        raise KeyError(remote_id)

    def stamp_document(self, tenant_id, collections, remote_id, field, value):
        """Set `field` of the document `remote_id`, held in one of a tenant's `collections`, to
        `value` and return it (for touch_document); KeyError when none holds it."""
        with self.lock:
            tenant = self.tenants[tenant_id]
            for name in collections:
                doc = tenant[name].get(remote_id)
                if doc is not None:
                    doc[field] = value
                    return value
            raise KeyError(remote_id)

    # --- faults, limits and what each tenant received ---------------------------------------

    def make_faults(self, values):
        """Faults from field values, odd answers checked against this provider's (ValueError)."""
        return Faults.from_settings(values, set(GENERIC_ODD_ANSWERS) | set(self.odd_answers))

    def set_run_defaults(self, faults=None, enforce_limits=None, demo_firm=None):
        """Faults, the limits switch and whether the default organisations hold the demo firm's
        contacts, for the whole run: applied now and after every reset."""
        with self.lock:
            if demo_firm and not self.run_demo_firm:
                self._seed_demo_firm()
            if demo_firm is not None:
                self.run_demo_firm = bool(demo_firm)
            if faults is not None:
                self.faults = self.make_faults(faults)
                self.run_faults = dict(faults)
            if enforce_limits is not None:
                self.limiter.enforce = self.run_enforces_limits = bool(enforce_limits)

    def count(self, tenant_id, what="api_calls"):
        """Count one API call an organisation received ("api_calls"), or one it was refused
        for its rate limits ("throttled")."""
        with self.lock:
            counts = self.usage.setdefault(tenant_id, {"api_calls": 0, "throttled": 0})
            counts[what] += 1

    def ledger_documents(self, tenant):
        """(kind, remote id, number, reference) of every document in a tenant's ledger, kind
        as Ledgerlink names it (sales_invoice, sales_credit_note, supplier_invoice,
        supplier_credit_note); override per provider."""
        return []

    def ledger(self, tenant_id=None):
        """Per tenant: its documents by number and by reference, and the API calls it got."""
        with self.lock:
            out = {}
            for tid in [tenant_id] if tenant_id else list(self.tenants):
                tenant = self.tenants.get(tid)
                if tenant is None:
                    continue
                kinds = {}
                for kind, remote_id, number, reference in self.ledger_documents(tenant):
                    entry = kinds.setdefault(kind, {"count": 0, "number": {}, "reference": {}})
                    entry["count"] += 1
                    for key, value in (("number", number), ("reference", reference)):
                        if value:
                            entry[key].setdefault(str(value), []).append(str(remote_id))
                usage = self.usage.get(tid, {"api_calls": 0, "throttled": 0})
                out[tid] = {"name": tenant.get("name"), **usage, "documents": kinds}
            return out


def check_changes(changes, allowed):
    """Refuse (ValueError) organisation changes a provider does not model."""
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValueError(f"unknown settings {unknown}; this provider takes {sorted(allowed)}")


def iso_date_or_none(value):
    """A control endpoint's date (ISO text or None) as a date; ValueError when unreadable."""
    return date.fromisoformat(value) if value else None
