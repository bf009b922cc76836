"""Settings: the firm's details and logo, printed on invoice PDFs."""

from flask import current_app
from flask import flash
from flask import redirect
from flask import request
from flask import url_for

from services.firm import FIRM_LABELS
from services.firm import clean_firm
from services.firm import save_firm as store_firm
from services.validation import labelled
from views._access import admin_required
from views._htmx import render_page_or_fragment
from views.settings.page import settings_context


@admin_required
def save_firm():
    """Save the firm's details, and a new logo if one was uploaded."""
    upload = request.files.get("logo")
    logo = upload.read() if upload and upload.filename else None
    values, errors = clean_firm(request.form, logo, current_app.config["LOGO_MAX_KB"])
    if errors:
        # Everything typed comes back as it was; only a chosen logo file must be chosen again.
        context = settings_context(firm_errors=labelled(errors, FIRM_LABELS),
                                   firm_values=request.form.to_dict(),
                                   firm_error_fields={e["field"] for e in errors})
        return render_page_or_fragment("settings/index.html", "settings/_firm.html",
                                       **context), 422
    store_firm(values, logo, remove_logo=request.form.get("remove_logo") == "1")
    flash("Firm details saved; new PDFs use them.", "success")
    return redirect(url_for("settings.index") + "#firm")
