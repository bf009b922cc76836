"""Logging: one line per request and per job to stdout, tied together by an id, secrets scrubbed."""

import contextvars
import logging
import re
import sys
import time
import uuid

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{6,64}$")

# Anything that looks like a credential: key=value / key: value pairs for secret-ish keys, HTTP
# auth schemes, and the query parameters OAuth puts in callback URLs.
_SECRET_PATTERNS = [
    re.compile(
        r"(?i)([\"']?(?:password|passwd|secret|client_secret|token|access_token|refresh_token|id_token"
        r"|api[_-]?key|authorization|csrf_token|code_verifier)[\"']?\s*[=:]\s*)"
        r"(?!\*\*\*)(\"[^\"]*\"|'[^']*'|[^\s&,;}]+)"
    ),
    re.compile(r"(?i)\b(Bearer|Basic|Zoho-oauthtoken)\s+[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)([?&](?:code|state)=)[^&\s]+"),
]


def redact(text):
    """Replace anything that looks like a secret in a log message with ***."""
    text = _SECRET_PATTERNS[1].sub(lambda m: m.group(1) + " ***", text)
    text = _SECRET_PATTERNS[0].sub(lambda m: m.group(1) + "***", text)
    return _SECRET_PATTERNS[2].sub(lambda m: m.group(1) + "***", text)


class _ContextFilter(logging.Filter):
    def filter(self, record):
        record.request_id = REQUEST_ID.get()
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message), ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class _StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is at the time, so process managers and tests see it."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass


def configure(level="INFO"):
    """Send every logger's records to stdout through the scrubbing filter (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level)
    if not any(isinstance(h, _StdoutHandler) for h in root.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        handler.addFilter(_ContextFilter())
        root.addHandler(handler)
    logging.getLogger("werkzeug").setLevel("WARNING")


def new_id(candidate=None):
    """A request or job id: the caller's if it is safe, else a fresh one."""
    if candidate and _SAFE_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex[:16]


def init_app(app):
    """Log one line per request with its id; echo the id in X-Request-ID."""
    from flask import g
    from flask import request

    configure(app.config["LOG_LEVEL"])
    log = logging.getLogger("ledgerlink.request")

    @app.before_request
    def _start():
        g.request_id = new_id(request.headers.get("X-Request-ID"))
        g.request_token = REQUEST_ID.set(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        if "request_started" in g:
            elapsed = (time.perf_counter() - g.request_started) * 1000
            log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, elapsed)
            response.headers["X-Request-ID"] = g.request_id
        return response

    @app.teardown_request
    def _reset(exc):
        token = g.pop("request_token", None)
        if token is not None:
            REQUEST_ID.reset(token)
