"""The firm's details for invoice PDFs: checking what an administrator entered, and saving it."""

from models import db
from models.firm import FirmProfile
from services.pdf_check import image_type
from services.validation import Errors
from services.validation import clean_email
from services.validation import clean_text

FIRM_LIMITS = {"name": 200, "address_line1": 200, "address_line2": 200, "city": 100,
               "postcode": 20, "country": 2, "vat_number": 40, "phone": 40,
               "payment_terms": 2000}


def clean_firm(submitted, logo, logo_max_kb):
    """Check the submitted details and an uploaded logo (bytes or None); return (values, errors)."""
    errors = Errors()
    values = {field: clean_text(submitted.get(field), field, errors, limit)
              for field, limit in FIRM_LIMITS.items()}
    values["email"] = clean_email(submitted.get("email"), "email", errors)
    values["country"] = values["country"].upper()
    if logo is not None:
        if len(logo) > logo_max_kb * 1024:
            errors.add("logo", f"The logo must be at most {logo_max_kb} KB.")
        elif image_type(logo) is None:
            errors.add("logo", "The logo must be a PNG or JPEG image.")
    return values, errors


def save_firm(values, logo=None, remove_logo=False):
    """Save checked details; a new logo replaces the old one, remove_logo drops it."""
    firm = FirmProfile.current()
    for field, value in values.items():
        setattr(firm, field, value)
    if logo is not None:
        firm.logo, firm.logo_type = logo, image_type(logo)
    if remove_logo:
        firm.logo, firm.logo_type = None, ""
    with db.atomic():
        firm.save()
    return firm
