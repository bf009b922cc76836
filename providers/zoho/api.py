"""Calling Zoho Books v3: `Zoho-oauthtoken` calls to the stored `api_domain` with
`organization_id`, pages of 200, and error bodies ({"code": N, "message": "..."}) translated into
our stable codes."""

from providers import answers
from providers import http
from providers.base import AuthError
from providers.base import ProviderError
from providers.base import RateLimited
from providers.errors import message_for
from providers.zoho.wire import page_context

# Zoho's own codes as seen in its answers (see sandbox/README.md for which are verified).
DUPLICATE = 1001
DUPLICATE_CONTACT = 3062
INVALID_VALUE = 4
NOT_FOUND = 1002
ORGANISATION = 6041
SUBSCRIPTION = 1040

# "Invalid value passed for <field>" -> our code.
_FIELDS = {"customer_id": "contact_missing", "vendor_id": "contact_missing",
           "account_id": "account_invalid", "tax_id": "tax_invalid", "item_id": "item_invalid"}
# What a refused call was about, by the first part of its path.
_SUBJECTS = {"invoices": "the invoice", "creditnotes": "the credit note", "bills": "the bill",
             "vendorcredits": "the vendor credit", "contacts": "the contact",
             "items": "the item", "customerpayments": "the payment",
             "vendorpayments": "the payment"}


class ZohoApi:
    """The calling half of ZohoBooks: one way to send a request and read its answer."""

    page_size = 200  # Zoho's largest per_page
    max_pages = answers.MAX_PAGES

    def api(self, ctx, method, path, params=None, write=False, with_org=True, **kwargs):
        """One Books API call to the stored api_domain; the JSON answer, or a translated error."""
        api_domain = ctx.extra.get("api_domain")
        if not api_domain:
            raise AuthError("reconnect", "Ledgerlink does not know which Zoho data centre holds "
                            "this organisation. An administrator must reconnect Zoho Books.")
        query = dict(params or {})
        if with_org:
            query["organization_id"] = ctx.organisation_id
        headers = {"Authorization": f"Zoho-oauthtoken {ctx.access_token}"}
        url = api_domain.rstrip("/") + "/books/v3" + path
        try:
            response = http.call(ctx, method, url, write=write, params=query, headers=headers,
                                 **kwargs)
        except RateLimited as exc:
            if (exc.retry_after or 0) > 3600:  # the daily allowance, not the per-minute one
                raise RateLimited("daily_limit", message_for("daily_limit"),
                                  retry_after=exc.retry_after) from exc
            raise
        if response.status_code >= 300:
            raise translate(response, subject(path))
        return answers.json_of(self.name, response, write)

    def _pages(self, ctx, path, key, params=None):
        def fetch(page):
            body = self.api(ctx, "GET", path, {**(params or {}), "page": page,
                                               "per_page": self.page_size})
            return answers.records(body, key), bool(page_context(body).get("has_more_page"))

        return answers.pages(self.name, fetch, self.max_pages)

    def read(self, ctx, path):
        """GET one record's answer, or None when Zoho does not know the id."""
        try:
            return self.api(ctx, "GET", path)
        except ProviderError as exc:
            if exc.code == "not_found":
                return None
            raise


def error_body(response):
    """The {"code", "message"} of an answer, tolerant of bodies that are not JSON."""
    try:
        body = response.json()
    except ValueError:
        return {"code": None, "message": response.text[:200]}
    if not isinstance(body, dict):
        return {"code": None, "message": str(body)[:200]}
    return {"code": body.get("code"), "message": str(body.get("message") or "")}


def subject(path):
    """What a call to `path` is about, for a refusal's message ("the credit note")."""
    parts = path.strip("/").split("/")
    if parts[-1] == "attachment":
        return "the attachment"
    if parts[-2:] == ["status", "sent"]:
        return "marking the invoice as sent"
    return _SUBJECTS.get(parts[0], "the request")


def translate(response, what="the request"):
    """A ProviderError (or AuthError) for a failed Zoho answer; `what` names what was refused."""
    body = error_body(response)
    code, detail = body["code"], body["message"]
    status = response.status_code
    if status == 401:
        return AuthError("reconnect", message_for("reconnect"), detail=detail)
    if status == 403 and code == SUBSCRIPTION:
        return AuthError("subscription", message_for("subscription"), detail=detail)
    if status == 403:
        return AuthError("organisation_removed", message_for("organisation_removed"),
                         detail=detail)
    if status == 404:
        return ProviderError("not_found", message_for("not_found"), detail=detail)
    ours = _our_code(code, detail)
    return ProviderError(ours, _message(ours, detail, what), detail=detail)


def _our_code(code, detail):
    lowered = detail.lower()
    if code == DUPLICATE and "number" in lowered:
        return "duplicate_number"
    if code == DUPLICATE_CONTACT:
        return "duplicate_contact_name"
    if "more than the balance" in lowered:
        return "overpayment"
    if code == INVALID_VALUE:
        for field, ours in _FIELDS.items():
            if lowered.endswith(field):
                return ours
        if "file size" in lowered:
            return "attachment_too_large"
    return "validation"


def _message(ours, detail, what):
    reason = detail.strip()
    if ours == "duplicate_number":
        return ("Zoho Books already has a document with this number. Check whether it was sent "
                "before; if it is a different document, renumber it." + (
                    f" ({reason})" if reason else ""))
    if ours == "duplicate_contact_name":
        return ("Zoho Books already has a contact with this name. Rename one, or link the "
                "existing contact.")
    if ours == "overpayment":
        return ("Zoho Books refused the payment: it is more than the document still owes there"
                + (f" ({reason.rstrip('.')})" if reason else "") + ". Check the payments "
                "already recorded in Zoho Books, then correct the amount.")
    if ours == "validation":
        if not reason:
            return (f"Zoho Books refused {what} and gave no reason. Check it in Zoho Books, "
                    "correct it and sync again.")
        if not reason.endswith((".", "!", "?")):
            reason += "."
        return f"Zoho Books refused {what}: {reason} Correct it and sync again."
    return message_for(ours)
