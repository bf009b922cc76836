"""Zoho Books error bodies ({"code": N, "message": "..."}) translated into our stable codes."""

from providers.base import AuthError
from providers.base import ProviderError
from providers.errors import message_for

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


def error_body(response):
    """The {"code", "message"} of an answer, tolerant of bodies that are not JSON."""
    try:
        body = response.json()
    except ValueError:
        return {"code": None, "message": response.text[:200]}
    if not isinstance(body, dict):
        return {"code": None, "message": str(body)[:200]}
    return {"code": body.get("code"), "message": str(body.get("message", ""))}


def translate(response):
    """A ProviderError (or AuthError) for a failed Zoho answer."""
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
    return ProviderError(ours, _message(ours, detail), detail=detail)


def _our_code(code, detail):
    lowered = detail.lower()
    if code == DUPLICATE and "number" in lowered:
        return "duplicate_number"
    if code == DUPLICATE_CONTACT:
        return "duplicate_contact_name"
    if code == INVALID_VALUE:
        for field, ours in _FIELDS.items():
            if lowered.endswith(field):
                return ours
        if "file size" in lowered:
            return "attachment_too_large"
    return "validation"


def _message(ours, detail):
    if ours == "duplicate_number":
        return ("Zoho Books already has a document with this number. Check whether it was sent "
                "before; if it is a different document, renumber it. (" + detail + ")")
    if ours == "duplicate_contact_name":
        return ("Zoho Books already has a contact with this name. Rename one, or link the "
                "existing contact.")
    if ours == "validation":
        return f"Zoho Books rejected the document: {detail} Correct it and sync again."
    return message_for(ours)
