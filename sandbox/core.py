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
    """Sliding windows per key, scaled by the clock; plus a concurrency count."""

    def __init__(self, clock, lock):
        self.clock, self.lock = clock, lock
        self.hits = {}  # (key, window) -> deque of timestamps
        self.in_flight = {}

    def take(self, key, limits):
        """Count one call. Return (None, remaining) if allowed, or (problem, retry_after)."""
        now = self.clock.now()
        with self.lock:
            windows = [("second", limits.per_second, 1), ("minute", limits.per_minute, 60),
                       ("day", limits.per_day, 86400)]
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


@dataclass
class Faults:
    """Injected trouble for one provider, set per run by the control endpoint or environment.

    Counts apply to the next N matching API calls; `error_rate` is a probability per call.
    """

    error_rate: float = 0.0  # fraction of API calls answered with a 500
    errors_next: int = 0  # the next N API calls get a 500
    timeout_after_write_next: int = 0  # the next N writes are applied, then the reply hangs
    timeout_seconds: float = 30.0  # how long a "timed out" reply hangs before a 504
    rate_limit_next: int = 0  # the next N API calls get 429 (a storm)
    revoke_grants: bool = False  # refresh gives invalid_grant; API calls give 401
    subscription_expired: bool = False  # API calls fail as the provider does for a lapsed plan
    organisation_disconnected: bool = False  # the tenant no longer authorises this app

    def take(self, name):
        """Consume one unit of a `*_next` counter; True when it fired."""
        current = getattr(self, name)
        if current > 0:
            setattr(self, name, current - 1)
            return True
        return False

    def server_error_now(self):
        """True when this API call gets an injected 500: an `errors_next` unit or `error_rate`."""
        return self.take("errors_next") or bool(
            self.error_rate and random.random() < self.error_rate)

    def hang_after_write(self):
        """After a write: when a `timeout_after_write_next` unit fires, hold the reply for
        `timeout_seconds` and return True (the write stands; the caller answers 504)."""
        if not self.take("timeout_after_write_next"):
            return False
        time.sleep(self.timeout_seconds)
        return True


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

    Subclasses set `name`, `prefix`, `token_policy`, `limits`, `idempotency_ttl`, and implement
    `blueprint()` and `seed_tenant(tenant, preset)`.
    """

    name = ""
    prefix = ""
    token_policy = TokenPolicy(1800, 60 * 86400)
    limits = Limits()
    idempotency_ttl = 0

    def __init__(self, clock):
        self.clock = clock
        self.lock = threading.RLock()
        self.oauth = OAuthServer(clock, self.token_policy, self.lock)
        self.limiter = RateLimiter(clock, self.lock)
        self.idempotency = IdempotencyStore(clock, self.lock, self.idempotency_ttl)
        self.faults = Faults()
        self.tenants = {}  # tenant id -> dict of the provider's own collections
        self.clients = {}  # client_id -> {"secret": ..., "redirect_uris": [...]}
        self.requests = []  # the API calls received (see `record`), for tests
        self.reset()

    def reset(self):
        """Forget everything and seed the default tenants and client."""
        with self.lock:
            self.oauth.__init__(self.clock, self.token_policy, self.lock)
            self.limiter.__init__(self.clock, self.lock)
            self.idempotency.__init__(self.clock, self.lock, self.idempotency_ttl)
            self.faults = Faults()
            self.tenants.clear()
            self.requests.clear()
            self.clients = {f"sandbox-{self.name}-client": {
                "secret": f"sandbox-{self.name}-secret", "redirect_uris": None}}
            self.seed_defaults()

    def seed_defaults(self):
        """Create the provider's default demo tenants (override)."""

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
