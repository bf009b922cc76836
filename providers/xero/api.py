"""Calling Xero's APIs: headers, the caller's gate, quota headers and error translation."""

import dataclasses

from providers import answers
from providers import http
from providers.base import AuthError
from providers.base import ProviderError
from providers.base import Quota
from providers.base import RateLimited
from providers.base import RequestGate
from providers.errors import message_for
from providers.xero.wire import messages_of
from providers.xero.wire import translated


class _Watch(RequestGate):
    """Passes through to the caller's gate and keeps the last response headers."""

    def __init__(self, inner):
        self.inner, self.headers = inner, {}

    def before(self, bucket=""):
        """Ask the caller's gate."""
        self.inner.before(*([bucket] if bucket else []))

    def after(self, status_code, headers):
        """Remember the headers, then tell the caller's gate."""
        self.headers = headers
        self.inner.after(status_code, headers)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class XeroApi:
    """Mixin for XeroProvider: one place that sends requests and reads Xero's failures."""

    def _call(self, ctx, method, spec, tenant=True, write=False, headers=None, **kwargs):
        watch = _Watch(ctx.gate)
        local = dataclasses.replace(ctx, gate=watch)
        sent = {"Authorization": f"Bearer {ctx.access_token}", "Accept": "application/json"}
        if tenant:
            sent["xero-tenant-id"] = ctx.organisation_id
        sent.update(headers or {})
        try:
            response = http.call(local, method, self.endpoint(spec), write=write, headers=sent,
                                 **kwargs)
        except RateLimited as exc:
            self._learn(watch.headers)
            if (watch.headers or {}).get("X-Rate-Limit-Problem", "").lower() == "day":
                raise RateLimited("daily_limit", message_for("daily_limit"),
                                  retry_after=exc.retry_after) from exc
            raise
        self._learn(response.headers)
        if response.status_code == 401:
            raise AuthError("reconnect", message_for("reconnect"), detail=self._detail(response))
        if response.status_code == 403:
            detail = self._detail(response)
            code = "subscription" if "subscription" in detail.lower() else "organisation_removed"
            raise AuthError(code, message_for(code), detail=detail)
        return response

    def _learn(self, headers):
        if not headers:
            return
        day, minute = _int(headers.get("X-DayLimit-Remaining")), _int(
            headers.get("X-MinLimit-Remaining"))
        if day is not None or minute is not None:
            self._quota = Quota(day_remaining=day, minute_remaining=minute)

    @staticmethod
    def _detail(response):
        try:
            body = response.json()
        except ValueError:
            return response.text[:200]
        return str(body.get("Detail") or body.get("Message") or "") if isinstance(body, dict) \
            else ""

    def _error_message(self, response):
        """(code, message) for a 4xx body in Xero's Error or problem shape."""
        try:
            body = response.json()
        except ValueError:
            body = {}
        messages = [m for e in (body.get("Elements") or []) for m in messages_of(e)]
        if not messages and body.get("Message"):
            messages = [body["Message"]]
        if not messages and body.get("Detail"):
            messages = [body["Detail"]]
        return translated(messages or [f"HTTP {response.status_code}"])

    def _get(self, ctx, path, params=None, missing_ok=False, headers=None):
        """GET an Accounting resource; None on 404 when `missing_ok`."""
        response = self._call(ctx, "GET", "accounting:" + path, params=params, headers=headers)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            code, message = self._error_message(response)
            raise ProviderError(code, message)
        return answers.json_of(self.name, response)

    def _write(self, ctx, method, path, payload, key, params=None):
        """PUT/POST JSON with an Idempotency-Key; the 200 body, or ProviderError."""
        response = self._call(ctx, method, "accounting:" + path, write=True, params=params,
                              json=payload, headers={"Idempotency-Key": key})
        if response.status_code != 200:
            code, message = self._error_message(response)
            raise ProviderError(code, message)
        return answers.json_of(self.name, response, write=True)
