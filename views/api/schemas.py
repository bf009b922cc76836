"""JSON Schemas of the API's bodies; the same ones validate requests and fill openapi.json."""

from models.contact import CONTACT_KINDS
from models.countries import COUNTRIES
from models.document import CATEGORIES
from models.document import CREDIT_NOTE_OF
from models.document import KINDS
from models.document import SENT_METHODS
from models.document import STATUSES
from services.cursors import ID_CURSOR_PATTERN
from services.validation import ISO_4217

_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# The rules the server enforces, written so that a request valid here is accepted (apart from
# the cross-field rules named in descriptions) and one invalid here is refused with 422.
TEXT_PATTERN = rf"^[^{_CONTROLS}]*$"
REQUIRED_TEXT_PATTERN = rf"^\s*[^\s{_CONTROLS}][^{_CONTROLS}]*$"
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$"
OPTIONAL_NUMBER_PATTERN = r"^([A-Za-z0-9][A-Za-z0-9./_-]{0,39})?$"
QUANTITY_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,4})?$"
RATE_PATTERN = r"^(100(\.0{1,3})?|[0-9]{1,2}(\.[0-9]{1,3})?)$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
EMAIL_PATTERN = (rf"^\s*([^@\s{_CONTROLS}]+@[^@\s{_CONTROLS}]+\.[^@\s{_CONTROLS}]+)?\s*$")
NOMINAL_PATTERN = TEXT_PATTERN

NUMBER = {"type": "string", "pattern": NUMBER_PATTERN}
PATH_NUMBER = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$",
               "description": "A number holding / cannot be addressed in a path."}
TEXT = {"type": "string"}
OPTIONAL_NUMBER = {"type": ["string", "null"], "pattern": OPTIONAL_NUMBER_PATTERN,
                   "description": "The number of an existing contact or document, or empty."}
DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN, "description": "YYYY-MM-DD"}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
CURSOR = {"type": "string", "pattern": ID_CURSOR_PATTERN,
          "description": "next_cursor of the previous page. Any value of this form is a "
                         "position in the list; other values are refused with 422."}
QUANTITY_RULE = ("must be an exact decimal below 10,000,000,000 with at most 4 decimal places: "
                 "a string such as \"2.5\", or a whole number")


def text(max_length, required=False):
    """A text field: at most max_length characters, no control characters (NUL and the like)."""
    return {"type": "string", "maxLength": max_length,
            "pattern": REQUIRED_TEXT_PATTERN if required else TEXT_PATTERN}


def _decimal(pattern, minimum, maximum, rule):
    return {"anyOf": [{"type": "string", "pattern": pattern},
                      {"type": "integer", "minimum": minimum, "maximum": maximum}],
            "x-rule": rule,
            "description": "An exact decimal. Send a string such as \"12.50\" (a JSON number with "
                           "a fraction would be rounded by many clients, so only whole numbers "
                           "may be sent as numbers)."}


QUANTITY = _decimal(QUANTITY_PATTERN, -9999999999, 9999999999, QUANTITY_RULE)
TAX_RATE = _decimal(RATE_PATTERN, 0, 100, "must be a percentage between 0 and 100 with at most "
                                          "3 decimal places: a string such as \"20\", or a "
                                          "whole number")


def _strict(properties, required=()):
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


CONTACT_INPUT = _strict({
    "kind": {"type": "string", "enum": list(CONTACT_KINDS)},
    "name": text(200, required=True),
    "email": {"type": "string", "maxLength": 254, "pattern": EMAIL_PATTERN},
    "phone": text(40), "address_line1": text(200), "address_line2": text(200),
    "city": text(100), "postcode": text(20),
    "country": {"type": "string", "enum": sorted(COUNTRIES),
                "x-rule": "must be a two-letter ISO 3166 country code in capitals, such as GB",
                "description": "An ISO 3166-1 alpha-2 country code in capitals, such as GB."},
    "vat_number": text(40), "care_of_number": OPTIONAL_NUMBER,
}, required=("kind", "name"))
CONTACT_INPUT["description"] = ("care_of_number names an existing contact other than this one "
                                "(refused with 422 otherwise).")

LINE_INPUT = _strict({
    "description": text(2000),
    "quantity": QUANTITY, "unit_price": QUANTITY, "tax_rate": TAX_RATE,
    "category": {"type": "string", "enum": ["", *CATEGORIES]},
    "nominal_code": {"type": "string", "maxLength": 40, "pattern": NOMINAL_PATTERN},
}, required=("quantity", "unit_price", "tax_rate"))
# Every line says where it posts: a category, or an explicit nominal code.
LINE_INPUT["anyOf"] = [
    {"required": ["category"], "properties": {"category": {"enum": list(CATEGORIES)}}},
    {"required": ["nominal_code"], "properties": {"nominal_code": {"pattern": r"\S"}}},
]
LINE_INPUT["x-rule"] = ("needs a category (" + ", ".join(CATEGORIES) + ") or an explicit "
                        "nominal code")
LINE_INPUT["x-field"] = "category"
LINE_INPUT["description"] = ("quantity x unit_price must be below 10,000,000,000 (refused with "
                             "422 otherwise).")
INVOICE_KINDS = [kind for kind in KINDS if kind not in CREDIT_NOTE_OF]


def document_input(max_lines):
    """The document upsert body, with the configured cap on lines."""
    schema = _strict({
        "kind": {"type": "string", "enum": list(KINDS)},
        "contact_number": NUMBER, "care_of_number": OPTIONAL_NUMBER,
        "original_number": OPTIONAL_NUMBER,
        "issue_date": DATE,
        "due_date": {"type": ["string", "null"], "format": "date", "pattern": DATE_PATTERN},
        "currency": {"type": "string", "enum": sorted(ISO_4217),
                     "x-rule": "must be an ISO 4217 currency code in capitals, such as GBP",
                     "description": "An ISO 4217 currency code such as GBP."},
        "reference": text(100),
        "status": {"type": "string", "enum": list(STATUSES)},
        "notes": text(5000),
        "lines": {"type": "array", "minItems": 1, "maxItems": max_lines, "items": LINE_INPUT},
    }, required=("kind", "contact_number", "issue_date", "lines"))
    # Only a credit note refers to an original invoice.
    schema["if"] = {"properties": {"kind": {"enum": INVOICE_KINDS}}}
    schema["then"] = {"properties": {"original_number": {
        "enum": [None, ""], "x-rule": "is only for credit notes; leave it out for an invoice"}}}
    schema["description"] = (
        "Rules that depend on stored data or on two fields at once, refused with 422: "
        "contact_number (and care_of_number) name existing contacts, customers for sales "
        "documents and suppliers for supplier documents; original_number names an existing "
        "invoice of the matching kind; due_date is not before issue_date; the document's gross "
        "total is below 1,000,000,000,000 and not below zero (a credit note carries the sign, so "
        "its amounts are sent as positive numbers); a credit note totals no more than is left "
        "to credit on its invoice; an invoice with credit notes keeps its kind and contact and "
        "totals at least what they credit.")
    return schema


SENT_INPUT = _strict({
    "sent": {"type": "boolean", "default": True},
    "method": {"type": "string", "enum": list(SENT_METHODS)},
})

CONTACT = _strict({
    "number": TEXT, "kind": TEXT, "name": TEXT, "email": TEXT, "phone": TEXT,
    "address_line1": TEXT, "address_line2": TEXT, "city": TEXT, "postcode": TEXT,
    "country": TEXT, "vat_number": TEXT, "care_of_number": {"type": ["string", "null"]},
    "updated_at": {"type": "string", "format": "date-time"},
}, required=("number", "kind", "name"))

LINE = _strict({
    "description": TEXT, "quantity": TEXT, "unit_price": TEXT, "tax_rate": TEXT,
    "category": TEXT, "nominal_code": TEXT, "net": MONEY, "tax": MONEY, "gross": MONEY,
}, required=("quantity", "unit_price", "tax_rate", "net", "tax", "gross"))

SYNC_STATUS = _strict({
    "state": {"type": "string", "enum": ["synced", "not_synced"]},
    "synced_at": DATETIME_OR_NULL,
}, required=("state", "synced_at"))

DOCUMENT_SUMMARY_PROPERTIES = {
    "number": TEXT, "kind": TEXT, "status": TEXT, "contact_number": TEXT,
    "care_of_number": {"type": ["string", "null"]}, "original_number": {"type": ["string", "null"]},
    "issue_date": DATE, "due_date": {"type": ["string", "null"], "format": "date"},
    "currency": TEXT, "reference": TEXT,
    "sent": {"type": "boolean"}, "sent_method": {"type": ["string", "null"]},
    "sent_at": DATETIME_OR_NULL,
    "totals": _strict({"net": MONEY, "tax": MONEY, "gross": MONEY}, ("net", "tax", "gross")),
    "sync": SYNC_STATUS, "updated_at": {"type": "string", "format": "date-time"},
}
DOCUMENT_SUMMARY = _strict(DOCUMENT_SUMMARY_PROPERTIES,
                           required=("number", "kind", "status", "totals", "sync"))
DOCUMENT = _strict({**DOCUMENT_SUMMARY_PROPERTIES, "notes": TEXT,
                    "has_attachment": {"type": "boolean"},
                    "lines": {"type": "array", "items": LINE}},
                   required=("number", "kind", "status", "totals", "sync", "lines"))

RUN_INPUT = _strict({
    "kind": {"type": "string", "enum": ["sales_invoice", "sales_credit_note", "supplier_invoice",
                                        "supplier_credit_note"]},
    "mode": {"type": "string", "enum": ["sync", "auto"], "default": "sync"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
})
NULL_TEXT = {"type": ["string", "null"]}
RUN = _strict({
    "id": {"type": "integer"}, "kind": NULL_TEXT, "mode": TEXT, "state": TEXT,
    "started_at": DATETIME_OR_NULL, "deadline": DATETIME_OR_NULL,
    "finished_at": DATETIME_OR_NULL, "limit": {"type": ["integer", "null"]},
    **{name: {"type": "integer"} for name in ("total", "sent", "synced", "failed", "blocked",
                                               "left")},
    "stop_requested": {"type": "boolean"}, "message": TEXT,
}, required=("id", "state", "sent", "synced", "failed", "left"))
ATTEMPT = _strict({"at": DATETIME_OR_NULL, "outcome": TEXT, "code": TEXT, "message": TEXT,
                   "calls": {"type": "number"}, "run_id": {"type": ["integer", "null"]}})
DOCUMENT_SYNC = _strict({
    "number": TEXT, "state": TEXT, "code": TEXT, "message": TEXT, "remote_id": NULL_TEXT,
    "ledger_number": NULL_TEXT, "ledger_url": NULL_TEXT, "attempts": {"type": "integer"},
    "history": {"type": "array", "items": ATTEMPT},
}, required=("number", "state", "code", "message", "history"))
RUN_GOING = _strict({"error": TEXT, "message": TEXT, "run": RUN},
                    required=("error", "message", "run"))

FIELD_ERROR = _strict({"field": TEXT, "message": TEXT}, required=("field", "message"))
ERROR = _strict({"error": TEXT, "message": TEXT,
                 "errors": {"type": "array", "items": FIELD_ERROR}}, required=("error", "message"))
OUTCOME = {"type": "string", "enum": ["created", "updated", "unchanged"]}
PAYMENT_AMOUNT = {"anyOf": [{"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,2})?$"},
                            {"type": "integer", "minimum": 1, "maximum": 999999999999}],
                  "x-rule": "must be an amount from 0.01 with at most 2 decimal places: a "
                            "string such as \"12.50\", or a whole number",
                  "description": "An exact amount. Send a string such as \"12.50\"."}
PAYMENT_INPUT = _strict({
    "paid_on": DATE, "amount": PAYMENT_AMOUNT,
    "bank_code": {"type": "string", "pattern": r"^([0-9]{1,8})?$",
                  "description": "The ledger's bank nominal code (Sage 50: e.g. 1200); empty "
                                 "for the mapped bank."},
    "reference": text(10),
}, required=("paid_on", "amount"))
PAYMENT_INPUT["description"] = (
    "Rules that depend on stored data, refused with 422: the document is an approved customer "
    "or supplier invoice, and the amount (at least 0.01) is no more than is owed on it (gross "
    "less credit notes less payments).")
PAYMENT_LEDGER = {
    **_strict({"package": TEXT,
               "state": {"type": "string", "enum": ["blocked", "ready", "sending", "uncertain",
                                                    "synced", "failed", "waiting"]},
               "code": TEXT, "message": TEXT},
              required=("package", "state", "code", "message")),
    "type": ["object", "null"],
    "description": "Where the payment stands with the active cloud package (null when none is "
                   "connected, or Sage 50 through Zynk, which `exported` covers).",
}
PAYMENT = _strict({
    "id": {"type": "integer"}, "paid_on": DATE, "amount": MONEY, "bank_code": TEXT,
    "reference": TEXT, "exported": {"type": "boolean"}, "ledger_number": TEXT,
    "ledger": PAYMENT_LEDGER,
}, required=("id", "paid_on", "amount", "exported", "ledger"))
PAYMENT_RESULT = _strict({"payment": PAYMENT, "owed": MONEY}, required=("payment", "owed"))
PAYMENT_LIST = _strict({"items": {"type": "array", "items": PAYMENT}, "owed": MONEY},
                       required=("items", "owed"))
CONTACT_RESULT = _strict({"outcome": OUTCOME, "contact": CONTACT}, required=("outcome", "contact"))
DOCUMENT_RESULT = _strict({"outcome": OUTCOME, "document": DOCUMENT},
                          required=("outcome", "document"))
DOCUMENT_PAGE = _strict({"items": {"type": "array", "items": DOCUMENT_SUMMARY},
                         "next_cursor": {"type": ["string", "null"]}},
                        required=("items", "next_cursor"))
