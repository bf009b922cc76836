"""Translate QuickBooks Online `Fault`s and HTTP statuses into our stable error codes."""

import re

from providers.base import AuthError
from providers.base import ProviderError
from providers.errors import message_for

_REFERENCE_CODES = {"customer": "contact_missing", "vendor": "contact_missing",
                    "taxcode": "tax_invalid", "item": "item_invalid", "account": "account_invalid",
                    "accounts": "account_invalid"}
_REFERENCE = re.compile(r"\b(Customer|Vendor|TaxCode|Item|Accounts?)(?:Ref)?\b(?: element)?"
                        r"(?: id)? \w+", re.I)


def first_error(fault):
    """(code, message, detail, element) of a Fault's first Error."""
    fault = fault or {}
    errors = fault.get("Error") or fault.get("error") or [{}]  # the gateway writes lowercase
    error = {k.lower(): v for k, v in errors[0].items()}
    return (str(error.get("code", "")), error.get("message", ""), error.get("detail", ""),
            error.get("element") or "")


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
    if code == "6070":
        return ("validation", "QuickBooks wants each line's amount to equal quantity × unit "
                "price to the cent. Correct the line, then sync again.")
    return "validation", f"QuickBooks rejected it: {_short(text)}. Correct it and sync again."


def _short(text):
    return text.split(" : ", 1)[-1][:200] if text else "no details given"
