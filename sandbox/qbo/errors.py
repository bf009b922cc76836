"""QuickBooks Online `Fault` bodies and the faults the sandbox raises, in Intuit's words."""

from datetime import datetime
from datetime import timedelta
from datetime import timezone

# QuickBooks stamps responses in US Pacific time, e.g. "2026-07-01T09:17:31.892-07:00".
PACIFIC = timezone(timedelta(hours=-7))


def stamp(epoch, millis=True):
    """A QuickBooks timestamp for sandbox time `epoch`."""
    moment = datetime.fromtimestamp(epoch, PACIFIC)
    text = moment.isoformat(timespec="milliseconds" if millis else "seconds")
    return text


class QboFault(Exception):
    """One QuickBooks error: code, message, detail, fault type and HTTP status."""

    def __init__(self, code, message, detail="", status=400, kind="ValidationFault", element=""):
        super().__init__(f"{code} {message}")
        self.code, self.message, self.detail = code, message, detail
        self.status, self.kind, self.element = status, kind, element

    def fault(self):
        """The `Fault` object (as inside a batch item or a response body)."""
        error = {"Message": self.message, "Detail": self.detail or self.message,
                 "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.kind}


def required(name):
    """2020: a required field is missing."""
    return QboFault("2020", "Required param missing, need to supply the required value for the API",
                    f"Required parameter {name} is missing in the request", element=name)


def invalid_reference(entity, value):
    """2500: a reference points at nothing."""
    return QboFault("2500", "Invalid Reference Id",
                    f"Invalid Reference Id : {entity} element id {value} not found",
                    element=f"{entity}Ref")


def inactive(entity, value):
    """610: the referenced object is inactive (deleted in the UI)."""
    return QboFault("610", "Object Not Found",
                    "Object Not Found : Something you're trying to use has been made inactive. "
                    "Check the fields with accounts, customers, items, vendors or employees.",
                    element=f"{entity}Ref")


def not_found(entity, value):
    """610 on a read by id."""
    return QboFault("610", "Object Not Found",
                    f"Object Not Found : {entity} with Id {value} was not found.")


def duplicate_number(number, txn_type, txn_id):
    """6140: the DocNumber is already used by this transaction type."""
    return QboFault("6140", "Duplicate Document Number Error",
                    "Duplicate Document Number Error : You must specify a different number. "
                    f"This number has already been used. DocNumber={number} is assigned to "
                    f"TxnType={txn_type} with TxnId={txn_id}")


def duplicate_name(existing_id, what="customer, vendor, or employee"):
    """6240: a name list already has this name."""
    return QboFault("6240", "Duplicate Name Exists Error",
                    f"The name supplied already exists. : Another {what} is already using this "
                    f"name. Please use a different name. Id={existing_id}")


def stale_object():
    """5010: an update carried an old SyncToken."""
    return QboFault("5010", "Stale Object Error",
                    "Stale Object Error : You and another user were working on the same thing. "
                    "The other user finished before you did, so your work was not saved.")


def business(detail):
    """6000: a business rule failed."""
    return QboFault("6000", "A business validation error has occurred while processing your "
                    "request", f"Business Validation Error: {detail}")


def too_long(name, limit):
    """2050: a string is longer than the field allows."""
    return QboFault("2050", "String length is either shorter or longer than supported by "
                    "specification", f"String length specified does not match the supported "
                    f"length. Min:0 Max:{limit}", element=name)


def authentication():
    """401: the access token is missing, expired or revoked."""
    return QboFault("3200", "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "Token expired or invalid", 401, "AuthenticationFault")


def wrong_company():
    """403: the token does not reach this company (realmId)."""
    return QboFault("3100", "message=ApplicationAuthorizationFailed; errorCode=003100; "
                    "statusCode=403", "The application is not authorized for this company.",
                    403, "AuthorizationFault")


def disconnected():
    """403 code 120: the user who connected the app lost access to the company."""
    return QboFault("120", "Authorization Failure",
                    "AuthorizationFailure: The user who connected this app no longer has access "
                    "to the company.", 403, "AuthorizationFault")


def subscription():
    """6190: the company's subscription has lapsed."""
    return QboFault("6190", "Invalid Company Status",
                    "Subscription period has ended or canceled or there was a billing problem : "
                    "You can't add data to QuickBooks Online Plus because your trial or "
                    "subscription period ended, you canceled your subscription, or there was a "
                    "billing problem.")


def throttled():
    """429: too many requests."""
    return QboFault("3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.", 429, "SystemFault")


def system_error():
    """500: an injected server failure."""
    return QboFault("10000", "An application error has occurred while processing your request",
                    "System Failure Error: An unexpected error occurred while accessing or "
                    "saving your data. Please wait a few minutes and try again.", 500,
                    "SystemFault")
