"""Calling Sage Accounting v3.1: bearer token and `X-Business` on every call, pages of 200, and
error answers translated into our stable codes."""

import re

from providers import answers
from providers import http
from providers.base import AuthError
from providers.base import ProviderError
from providers.errors import message_for

PAGE_SIZE = 200  # Sage's maximum items_per_page


class SageApi:
    """The calling half of SageProvider: one way to send a request and read its answer."""

    max_pages = answers.MAX_PAGES

    def _send(self, ctx, method, path, body=None, params=None):
        headers = {"Authorization": f"Bearer {ctx.access_token}", "Accept": "application/json"}
        if ctx.organisation_id:
            headers["X-Business"] = ctx.organisation_id
        write = method != "GET"
        response = http.call(ctx, method, self.endpoint(f"api:/v3.1{path}"),
                             write=write, headers=headers, params=params, json=body)
        if response.status_code >= 400:
            raise translate(response)
        return answers.json_of(self.name, response, write)

    def _get(self, ctx, path, params=None):
        return self._send(ctx, "GET", path, params=params)

    def _all(self, ctx, path, params):
        def fetch(page):
            body = self._get(ctx, path, {**params, "items_per_page": PAGE_SIZE, "page": page})
            return answers.records(body, "$items"), bool(body.get("$next"))

        return list(answers.pages(self.name, fetch, self.max_pages))


def _errors(response):
    try:
        body = response.json()
    except ValueError:
        return []
    return [e for e in body if isinstance(e, dict)] if isinstance(body, list) else []


def _code_for(error):
    source, text = error.get("$source") or "", error.get("$message") or ""
    if "lockdown" in text.lower() or "locked" in text.lower():
        return "period_closed"
    if "outstanding amount" in text or "overpay" in text.lower():
        return "overpayment"
    if source == "bank_account_id":
        return "account_invalid"
    if "already been taken" in text or "already been used" in text:
        if source in ("invoice_number", "credit_note_number", "vendor_reference"):
            return "duplicate_number"
        if source == "reference":
            return "duplicate_contact_reference"
    if source.endswith("contact_id") or re.search(r"\b(Customer|Supplier|Contact)\b", text):
        return "contact_missing"
    if "ledger_account" in source or "LedgerAccount" in text:
        return "account_invalid"
    if "tax_rate" in source or "tax_amount" in source or "TaxRate" in text:
        return "tax_invalid"
    return None


def translate(response):
    """A ProviderError (AuthError for access problems) for a 4xx answer from Sage."""
    errors = _errors(response)
    detail = "; ".join(f"{e.get('$source') or 'base'}: {e.get('$message')}" for e in errors)
    detail = f"Sage said: {detail}" if detail else f"HTTP {response.status_code}"
    if response.status_code == 401:
        lapsed = any("subscription" in (e.get("$message") or "").lower() for e in errors)
        code = "subscription" if lapsed else "reconnect"
        return AuthError(code, message_for(code), detail=detail)
    if response.status_code == 403:
        return AuthError("organisation_removed", message_for("organisation_removed"),
                         detail=detail)
    codes = [c for c in map(_code_for, errors) if c]
    code = codes[0] if codes else ("not_found" if response.status_code == 404 else "validation")
    error = ProviderError(code, message_for(code, detail), detail=detail)
    error.status = response.status_code
    return error


def or_none(read):
    """The result of `read()`, or None when Sage answered 404."""
    try:
        return read()
    except ProviderError as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise
