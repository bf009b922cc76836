"""Contacts: list them a page at a time, and create or update them from screens, the API and
imports."""

from peewee import Tuple

from models.contact import CONTACT_KINDS
from models.contact import Contact
from services import cursors
from services.document_list import name_contains
from services.document_list import prefix_condition
from services.document_list import printable
from services.validation import Errors
from services.validation import clean_choice
from services.validation import clean_country
from services.validation import clean_email
from services.validation import clean_number
from services.validation import clean_text
from services.validation import is_number
from sync.records import recheck_contact

PAGE_SIZE = 50
# How the contact form labels each field, for its error list.
FIELD_LABELS = {"kind": "Kind", "number": "Account number", "name": "Name", "email": "Email",
                "phone": "Phone", "vat_number": "VAT number", "address_line1": "Address line 1",
                "address_line2": "Address line 2", "city": "Town or city",
                "postcode": "Postcode", "country": "Country", "care_of_number": "Billed care of",
                "ledger_remote_id": "Ledger account id"}
TEXT_LIMITS = {"name": 200, "phone": 40, "address_line1": 200, "address_line2": 200,
               "city": 100, "postcode": 20, "vat_number": 40}


def clean_contact(data, number):
    """Validate contact fields; return (cleaned dict, Errors). care_of_number names a parent."""
    errors = Errors()
    cleaned = {"number": clean_number(number, "number", errors, "account number")}
    cleaned["kind"] = clean_choice(data.get("kind"), "kind", errors, CONTACT_KINDS)
    for field, limit in TEXT_LIMITS.items():
        cleaned[field] = clean_text(data.get(field), field, errors, limit,
                                    required=field == "name")
    cleaned["email"] = clean_email(data.get("email"), "email", errors)
    cleaned["country"] = clean_country(data.get("country"), "country", errors)
    cleaned["postcode"] = cleaned["postcode"].upper()
    parent_number = str(data.get("care_of_number") or "").strip().upper()
    cleaned["care_of"] = None
    if parent_number and is_number(parent_number, "care_of_number", errors):
        parent = Contact.get_or_none(Contact.number == parent_number)
        if parent is None:
            errors.add("care_of_number", f"There is no contact with account number "
                                         f"{parent_number}.")
        elif parent_number == cleaned["number"]:
            errors.add("care_of_number", "A contact cannot be billed care of itself.")
        else:
            cleaned["care_of"] = parent
    return cleaned, errors


def _snapshot(contact):
    values = {field: getattr(contact, field) for field in Contact.EDITABLE}
    values["care_of"] = contact.care_of_id
    return values


def upsert_contact(cleaned):
    """Create or update by A number; return (contact, "created" | "updated" | "unchanged")."""
    wanted = {field: cleaned[field] for field in Contact.EDITABLE}
    wanted["care_of"] = cleaned["care_of"].id if cleaned["care_of"] else None
    contact = Contact.get_or_none(Contact.number == cleaned["number"])
    if contact is None:
        contact = Contact.create(number=cleaned["number"], **wanted)
        return contact, "created"
    if _snapshot(contact) == wanted:
        return contact, "unchanged"
    for field, value in wanted.items():
        setattr(contact, field if field != "care_of" else "care_of_id", value)
    contact.save()
    recheck_contact(contact.id)  # its documents' checks read the contact
    return contact, "updated"


def encode_cursor(contact):
    """An opaque cursor for the contact after which the next page starts."""
    return cursors.encode_cursor(contact.id, contact.name)


def decode_cursor(cursor):
    """(name, id) from a cursor, or None when it is missing or malformed."""
    parts = cursors.decode_cursor(cursor, "id", "text")
    return (printable(parts[1]), parts[0]) if parts else None


def list_contacts(kind="", q="", cursor=None, page_size=None):
    """A page of contacts by name, filtered by kind and by name or number, and the cursor of the
    next page or None."""
    page_size = page_size or PAGE_SIZE
    query = Contact.select()
    if kind in CONTACT_KINDS:
        query = query.where(Contact.kind == kind)
    if q:
        query = query.where(name_contains(Contact.name, q)
                            | prefix_condition(Contact.number, q.upper()))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(Tuple(Contact.name, Contact.id) > after)
    rows = list(query.order_by(Contact.name, Contact.id).limit(page_size + 1))
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = encode_cursor(rows[-1])
    return rows, next_cursor
