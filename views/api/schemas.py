"""JSON Schemas of the API's bodies; the same ones validate requests and fill openapi.json."""

from models.contact import CONTACT_KINDS
from models.document import CATEGORIES
from models.document import KINDS
from models.document import SENT_METHODS
from models.document import STATUSES

DECIMAL = {"type": ["string", "number"], "pattern": r"^-?[0-9]+(\.[0-9]+)?$",
           "description": "An exact decimal; send a string such as \"12.50\" to avoid float "
                          "rounding in your client."}
NUMBER = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$"}
TEXT = {"type": "string"}
OPTIONAL_NUMBER = {"type": ["string", "null"], "maxLength": 40}
DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{2}$"}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def _strict(properties, required=()):
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False}


CONTACT_INPUT = _strict({
    "kind": {"type": "string", "enum": list(CONTACT_KINDS)},
    "name": {"type": "string", "minLength": 1, "maxLength": 200},
    "email": TEXT, "phone": TEXT, "address_line1": TEXT, "address_line2": TEXT, "city": TEXT,
    "postcode": TEXT, "country": {"type": "string", "minLength": 2, "maxLength": 2},
    "vat_number": TEXT, "care_of_number": OPTIONAL_NUMBER,
}, required=("kind", "name"))

LINE_INPUT = _strict({
    "description": {"type": "string", "maxLength": 2000},
    "quantity": DECIMAL, "unit_price": DECIMAL, "tax_rate": DECIMAL,
    "category": {"type": "string", "enum": ["", *CATEGORIES]},
    "nominal_code": {"type": "string", "maxLength": 40},
}, required=("quantity", "unit_price", "tax_rate"))


def document_input(max_lines):
    """The document upsert body, with the configured cap on lines."""
    return _strict({
        "kind": {"type": "string", "enum": list(KINDS)},
        "contact_number": NUMBER, "care_of_number": OPTIONAL_NUMBER,
        "original_number": OPTIONAL_NUMBER,
        "issue_date": DATE, "due_date": {"type": ["string", "null"], "format": "date"},
        "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        "reference": {"type": "string", "maxLength": 100},
        "status": {"type": "string", "enum": list(STATUSES)},
        "notes": {"type": "string", "maxLength": 5000},
        "lines": {"type": "array", "minItems": 1, "maxItems": max_lines, "items": LINE_INPUT},
    }, required=("kind", "contact_number", "issue_date", "lines"))


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

FIELD_ERROR = _strict({"field": TEXT, "message": TEXT}, required=("field", "message"))
ERROR = _strict({"error": TEXT, "message": TEXT,
                 "errors": {"type": "array", "items": FIELD_ERROR}}, required=("error", "message"))
OUTCOME = {"type": "string", "enum": ["created", "updated", "unchanged"]}
CONTACT_RESULT = _strict({"outcome": OUTCOME, "contact": CONTACT}, required=("outcome", "contact"))
DOCUMENT_RESULT = _strict({"outcome": OUTCOME, "document": DOCUMENT},
                          required=("outcome", "document"))
DOCUMENT_PAGE = _strict({"items": {"type": "array", "items": DOCUMENT_SUMMARY},
                         "next_cursor": {"type": ["string", "null"]}},
                        required=("items", "next_cursor"))
