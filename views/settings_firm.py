"""Settings (administrators): the firm's details and logo for PDFs, and API tokens."""

from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for
from flask_login import current_user

from models import db
from models.api_token import ApiToken
from models.firm import FirmProfile
from services.pdf_check import image_type
from services.validation import Errors
from services.validation import clean_email
from services.validation import clean_text
from services.validation import has_control_characters
from views._access import admin_required
from views._htmx import render_page_or_fragment
from views._security import no_store
from views.settings import bp
from views.settings import settings_context

FIRM_LIMITS = {"name": 200, "address_line1": 200, "address_line2": 200, "city": 100,
               "postcode": 20, "country": 2, "vat_number": 40, "phone": 40,
               "payment_terms": 2000}

NAME_NEEDED = "Give the token a name, such as the system that will use it."


def _firm_page(status=200, **extra):
    return render_page_or_fragment("settings/index.html", "settings/_firm.html",
                                   **settings_context(**extra)), status


@bp.post("/firm")
@admin_required
def save_firm():
    """Save the firm's details, and a new logo if one was uploaded."""
    errors = Errors()
    firm = FirmProfile.current()
    values = {field: clean_text(request.form.get(field), field, errors, limit)
              for field, limit in FIRM_LIMITS.items()}
    values["email"] = clean_email(request.form.get("email"), "email", errors)
    values["country"] = values["country"].upper()
    upload = request.files.get("logo")
    logo = upload.read() if upload and upload.filename else None
    if logo is not None:
        if len(logo) > current_app.config["LOGO_MAX_KB"] * 1024:
            errors.add("logo", f"The logo must be at most {current_app.config['LOGO_MAX_KB']} KB.")
        elif image_type(logo) is None:
            errors.add("logo", "The logo must be a PNG or JPEG image.")
    if errors:
        return _firm_page(422, firm_errors=errors)
    for field, value in values.items():
        setattr(firm, field, value)
    if logo is not None:
        firm.logo, firm.logo_type = logo, image_type(logo)
    if request.form.get("remove_logo") == "1":
        firm.logo, firm.logo_type = None, ""
    with db.atomic():
        firm.save()
    flash("Firm details saved; new PDFs use them.", "success")
    return redirect(url_for("settings.index") + "#firm")


@bp.post("/api-tokens")
@admin_required
@no_store
def create_token():
    """Create an API token and show it once."""
    name = (request.form.get("name") or "").strip()[:100]
    if not name or has_control_characters(name):
        error = NAME_NEEDED if not name else "The name may not contain control characters."
        return render_page_or_fragment("settings/index.html", "settings/_api_tokens.html",
                                       **settings_context(token_error=error)), 422
    with db.atomic():
        record, plain = ApiToken.issue(name, current_user._get_current_object())
    return render_page_or_fragment("settings/index.html", "settings/_api_tokens.html",
                                   **settings_context(new_token=plain, new_token_name=record.name))


@bp.post("/api-tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(token_id):
    """Revoke a token; requests using it are refused from now on."""
    record = ApiToken.get_or_none(ApiToken.id == token_id) or abort(404)
    if record.revoked_at is None:
        record.revoke()
    flash(f"Token \u201c{record.name}\u201d revoked.", "success")
    return render_page_or_fragment("settings/index.html", "settings/_api_tokens.html",
                                   **settings_context())
