"""Calling QuickBooks Online: /v3/company/<realmId>/... with minorversion, the query language,
and `Fault`s and HTTP statuses translated into our stable error codes."""

import re

from providers import answers
from providers import http
from providers.base import AuthError
from providers.base import ProviderError
from providers.errors import message_for

MINOR_VERSION = "75"

_REFERENCE_CODES = {"customer": "contact_missing", "vendor": "contact_missing",
                    "taxcode": "tax_invalid", "item": "item_invalid", "account": "account_invalid",
                    "accounts": "account_invalid"}
_REFERENCE = re.compile(r"\b(Customer|Vendor|TaxCode|Item|Accounts?)(?:Ref)?\b(?: element)?"
                        r"(?: id)? \w+", re.I)


class QboApi:
    """The calling half of QuickBooksOnline: one way to send a request and read its answer."""

    page_size = 1000  # the query language's maximum MAXRESULTS
    max_pages = answers.MAX_PAGES

    def api(self, ctx, method, path, write=False, params=None, **kwargs):
        """One API call; returns the JSON body or raises a translated ProviderError."""
        url = self.endpoint(f"api:/v3/company/{ctx.organisation_id}{path}")
        headers = {"Authorization": f"Bearer {ctx.access_token}", "Accept": "application/json"}
        # /batch calls have a per-minute limit of their own (besides the realm's).
        bucket = "batch" if path == "/batch" else ""
        response = http.call(ctx, method, url, write=write, bucket=bucket, headers=headers,
                             params={**(params or {}), "minorversion": MINOR_VERSION}, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
            body = body if isinstance(body, dict) else {}
            raise translate(body.get("Fault") or body.get("fault"), response.status_code)
        body = answers.json_of(self.name, response, write)
        fault = body.get("Fault") or body.get("fault")  # an HTTP 200 can still carry a Fault
        if fault:
            raise translate(fault, response.status_code)
        return body

    def query(self, ctx, text):
        """Run a query; return the QueryResponse."""
        return answers.member(self.api(ctx, "GET", "/query", params={"query": text}),
                              "QueryResponse")

    def query_all(self, ctx, entity, where=""):
        """Every record of an entity, page by page."""
        def fetch(page):
            start = (page - 1) * self.page_size + 1
            found = self.query(ctx, f"select * from {entity} {where} STARTPOSITION {start} "
                                    f"MAXRESULTS {self.page_size}")
            rows = answers.records(found, entity, missing_ok=True)
            return rows, len(rows) >= self.page_size

        return list(answers.pages(self.name, fetch, self.max_pages))

    def read(self, ctx, entity, remote_id):
        """One record by id, or None when QuickBooks has none (error 610)."""
        try:
            return answers.member(self.api(ctx, "GET", f"/{entity.lower()}/{remote_id}"), entity)
        except ProviderError as error:
            if isinstance(error, AuthError) or "610" not in error.detail:
                raise
            return None


def first_error(fault):
    """(code, message, detail, element) of a Fault's first Error."""
    fault = fault if isinstance(fault, dict) else {}
    errors = fault.get("Error") or fault.get("error") or [{}]  # the gateway writes lowercase
    errors = errors if isinstance(errors, list) else [errors]
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    error = {str(k).lower(): v for k, v in first.items()}
    return (str(error.get("code", "")), str(error.get("message") or ""),
            str(error.get("detail") or ""), str(error.get("element") or ""))


def translate(fault, status=400):
    """A ProviderError (AuthError for grant problems) for a QuickBooks Fault."""
    code, message, detail, element = first_error(fault)
    text = detail or message
    if status == 401 or code in ("3200", "100"):
        return AuthError("reconnect", message_for("reconnect"), detail=text)
    if code == "120":
        return AuthError("organisation_removed", "QuickBooks says the user who connected "
                         "Ledgerlink no longer has access to this company. An administrator "
                         "must reconnect it on the Integrations page.", detail=text)
    if status == 403 or code == "3100":
        return AuthError("forbidden", "QuickBooks refused access to this company. Reconnect "
                         "it on the Integrations page, choosing the right company.", detail=text)
    if code == "6190":
        return AuthError("subscription", "The QuickBooks subscription for this company has "
                         "ended or has a billing problem, so QuickBooks accepts no new data. "
                         "Renew it in QuickBooks, then sync again.", detail=text)
    return ProviderError(*_validation(code, text, element), detail=f"QuickBooks {code}: {text}")


def _validation(code, text, element=""):
    if code == "6140":
        number = re.search(r"DocNumber=(\S+)", text)
        shown = f" {number.group(1)}" if number else ""
        return ("duplicate_number", f"QuickBooks already has a document numbered{shown}. "
                "Check whether it was sent before; if it is a different document, renumber it.")
    if code == "6240":
        return ("duplicate_contact_name", "QuickBooks already has a customer, supplier or "
                "employee with this name (names are shared across all three); rename one, or "
                "link the existing one.")
    if code == "5010":
        return "stale_object", message_for("stale_object")
    if code == "6210":
        return "period_closed", message_for("period_closed")
    if code in ("610", "2500"):
        named = re.sub(r"Ref$", "", element) or (_REFERENCE.search(text) or [""])[0]
        ours = _REFERENCE_CODES.get(named.split(" ")[0].lower())
        if ours:
            return ours, message_for(ours, _short(text))
        return ("validation", "Something the document uses (an account, customer, supplier, "
                "item or tax code) is inactive or missing in QuickBooks. Refresh lists, check "
                f"the mappings, then sync again. ({_short(text)})")
    if code == "6000" and "more than the open balance" in text:
        return "overpayment", message_for("overpayment", _short(text))
    if code == "6070":
        return ("validation", "QuickBooks wants each line's amount to equal quantity × unit "
                "price to the cent. Correct the line, then sync again.")
    return "validation", f"QuickBooks rejected it: {_short(text)}. Correct it and sync again."


def _short(text):
    return text.split(" : ", 1)[-1][:200] if text else "no details given"
