"""Security baseline: CSRF on every state change, strict headers, secure cookies over https."""

import functools

from flask import make_response
from flask import request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

csrf = CSRFProtect()

def content_security_policy(form_targets=()):
    """The CSP; form_targets adds origins a form may lead to (a provider's sign-in page)."""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        " ".join(["form-action 'self'", *sorted(set(form_targets))]),
        "frame-ancestors 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()


def no_store(view):
    """Mark a view's answer Cache-Control: no-store (it shows a secret once)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapper


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when the setting says so or the request came over https."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or request.is_secure)


def init_app(app):
    """Turn on CSRF, the security headers and https-only cookies when served over https."""
    csrf.init_app(app)
    app.session_interface = _SessionInterface()
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            _mark_cookies_secure(response)
        return response


def _mark_cookies_secure(response):
    """Add Secure to cookies set by after-request hooks (remember-me) on https responses."""
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie += "; Secure"
        response.headers.add("Set-Cookie", cookie)
