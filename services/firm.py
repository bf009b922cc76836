"""The firm's details for invoice PDFs: checking what an administrator entered, and saving it."""

from models import db
from models.firm import DATE_ORDERS
from models.firm import FirmProfile
from services.pdf_check import image_type
from services.validation import Errors
from services.validation import clean_country
from services.validation import clean_email
from services.validation import clean_text

FIRM_LIMITS = {"name": 200, "address_line1": 200, "address_line2": 200, "city": 100,
               "postcode": 20, "vat_number": 40, "phone": 40, "payment_terms": 2000}
# How the firm form labels each field, for its error list.
FIRM_LABELS = {"name": "Firm name", "vat_number": "VAT number", "address_line1": "Address line 1",
               "address_line2": "Address line 2", "city": "Town or city", "postcode": "Postcode",
               "country": "Country", "email": "Email", "phone": "Phone",
               "payment_terms": "Payment terms", "logo": "Logo", "date_order": "Dates in CSV files"}


def clean_firm(submitted, logo, logo_max_kb):
    """Check the submitted details and an uploaded logo (bytes or None); return (values, errors)."""
    errors = Errors()
    values = {field: clean_text(submitted.get(field), field, errors, limit)
              for field, limit in FIRM_LIMITS.items()}
    values["email"] = clean_email(submitted.get("email"), "email", errors)
    values["country"] = clean_country(submitted.get("country"), "country", errors)
    values["date_order"] = submitted.get("date_order", "")
    if values["date_order"] not in ("", *DATE_ORDERS):
        errors.add("date_order", "Choose how CSV files write dates from the list.")
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
