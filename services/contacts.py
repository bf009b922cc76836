"""Create or update contacts from screens, the API and imports."""

from models.contact import CONTACT_KINDS
from models.contact import Contact
from services.validation import Errors
from services.validation import clean_choice
from services.validation import clean_email
from services.validation import clean_number
from services.validation import clean_text
from services.validation import is_number

TEXT_LIMITS = {"name": 200, "phone": 40, "address_line1": 200, "address_line2": 200,
               "city": 100, "postcode": 20, "vat_number": 40}


def clean_contact(data, number):
    """Validate contact fields; return (cleaned dict, Errors). care_of_number names a parent."""
    errors = Errors()
    cleaned = {"number": clean_number(number, "number", errors, "A number")}
    cleaned["kind"] = clean_choice(data.get("kind"), "kind", errors, CONTACT_KINDS)
    for field, limit in TEXT_LIMITS.items():
        cleaned[field] = clean_text(data.get(field), field, errors, limit,
                                    required=field == "name")
    cleaned["email"] = clean_email(data.get("email"), "email", errors)
    country = str(data.get("country") or "GB").strip().upper()
    if len(country) != 2 or not (country.isascii() and country.isalpha()):
        errors.add("country", "The country must be a two-letter ISO 3166 code, such as GB.")
    cleaned["country"] = country
    cleaned["postcode"] = cleaned["postcode"].upper()
    parent_number = str(data.get("care_of_number") or "").strip().upper()
    cleaned["care_of"] = None
    if parent_number and is_number(parent_number, "care_of_number", errors):
        parent = Contact.get_or_none(Contact.number == parent_number)
        if parent is None:
            errors.add("care_of_number", f"There is no contact with A number {parent_number}.")
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
    return contact, "updated"
