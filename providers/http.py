"""One way to call a provider's API: the caller's gate, timeouts, and failure classification."""

import requests

from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.errors import message_for

_session = requests.Session()


def retry_after_seconds(headers, default=60.0):
    """Seconds to wait from a Retry-After header (numeric form), else the default."""
    try:
        return max(0.0, float(headers.get("Retry-After")))
    except (TypeError, ValueError):
        return default


def call(ctx, method, url, write=False, bucket="", **kwargs):
    """Send one request through ctx.gate; return the Response for the caller to interpret.
    `bucket` names a rate limit of its own the call also counts against (see RequestGate).

    Raises TransientError when nothing could have been applied (connection refused, 5xx on a
    read), UncertainError when a write may have been applied (timeout or dropped connection
    after sending, 502/504 on a write), RateLimited on 429.
    """
    if bucket:
        ctx.gate.before(bucket)
    else:
        ctx.gate.before()
    try:
        response = _session.request(method, url, timeout=ctx.timeout, **kwargs)
    except requests.RequestException as exc:
        ctx.gate.after(0, {})  # release the gate's slot whatever happened
        raise _translate(exc, write) from exc
    ctx.gate.after(response.status_code, response.headers)
    if response.status_code == 429:
        wait = retry_after_seconds(response.headers)
        raise RateLimited("rate_limited", message_for("rate_limited"), retry_after=wait)
    if response.status_code >= 500:
        error = UncertainError if write and response.status_code in (502, 504) else TransientError
        code = "uncertain" if error is UncertainError else "transient"
        raise error(code, message_for(code), detail=f"HTTP {response.status_code}")
    return response


def _translate(exc, write):
    """Our error for a requests exception: could the request have reached the server?"""
    never_sent = isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and "refused" in str(exc).lower())
    if write and not never_sent and isinstance(exc, (requests.ReadTimeout,
                                                     requests.ConnectionError)):
        return UncertainError("uncertain", message_for("uncertain"), detail=type(exc).__name__)
    return TransientError("transient", message_for("transient"), detail=type(exc).__name__)
