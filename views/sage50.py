"""Sage 50 through Zynk on the Integrations page: connect (credentials shown once), regenerate
the secret, and the settings (nominal codes, tax codes, which XML, test mode)."""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import make_response
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from connections.zynk import PROVIDER_ID
from connections.zynk import TAX_CODE_CHOICES
from connections.zynk import ZynkSetupError
from connections.zynk import connect
from connections.zynk import regenerate_secret
from connections.zynk import save_settings
from connections.zynk import settings_values
from connections.zynk import validate_settings
from models.integration import MAPPING_ROLES
from models.integration import Connection
from providers.sage50.provider import FORMATS
from providers.sage50.provider import Sage50
from sync.zynk import link_of
from sync.zynk import recheck
from views._access import admin_required
from views._htmx import render_page_or_fragment

bp = Blueprint("sage50", __name__, url_prefix="/integrations/sage50")
# Sage 50's default chart of accounts, shown as examples (never filled in for the admin).
NOMINAL_EXAMPLES = {"labour_sales": "4000", "materials_sales": "4010", "purchases": "5000",
                    "bank": "1200"}


def zynk_urls():
    """The three URLs to paste into Zynk's HTTP tasks."""
    base = current_app.config["PUBLIC_URL"].rstrip("/")

    def full(endpoint):
        return base + url_for(endpoint) if base else url_for(endpoint, _external=True)

    return {"download": full("zynk.download"), "confirm": full("zynk.confirm"),
            "failed": full("zynk.failed")}


def _credentials_page(connection, username, secret):
    urls = zynk_urls()
    response = make_response(render_template(
        "sage50/credentials.html", connection=connection, username=username, secret=secret,
        urls=urls, provider=Sage50, ledgerlink=urls["download"].rsplit("/zynk/", 1)[0],
        demo=bool(current_app.config["LEDGER_SANDBOX_URL"])))
    response.headers["Cache-Control"] = "no-store"
    return response


def _active_link():
    connection = Connection.active_connection()
    if connection is None or connection.provider != PROVIDER_ID:
        return None, None
    return connection, link_of(connection)


@bp.post("/connect")
@admin_required
def connect_start():
    """Connect Sage 50: make the credentials and show them, with the URLs, this once."""
    try:
        connection, _link, username, secret = connect(request.form.get("company_name"))
    except ZynkSetupError as exc:
        flash(str(exc), "error")
        return redirect(url_for("integrations.index"))
    return _credentials_page(connection, username, secret)


@bp.post("/regenerate")
@admin_required
def regenerate():
    """A new secret; the old one stops working at once."""
    connection, link = _active_link()
    if link is None:
        flash("Sage 50 is not connected.", "error")
        return redirect(url_for("integrations.index"))
    return _credentials_page(connection, link.username, regenerate_secret(link))


def _render(connection, link, values=None, errors=None, saved=False, counts=None):
    values = values if values is not None else settings_values(link)
    rows = sorted(values["tax"].items(), key=lambda item: item[0]) + [("", "")]
    return render_page_or_fragment(
        "sage50/settings.html", "sage50/_settings_form.html", connection=connection, link=link,
        values=values, errors=errors or {}, saved=saved, roles=MAPPING_ROLES, tax_rows=rows,
        tax_codes=TAX_CODE_CHOICES, formats=FORMATS, provider=Sage50, counts=counts or {},
        nominal_examples=NOMINAL_EXAMPLES)


@bp.get("/settings")
@admin_required
def settings_form():
    """The Sage 50 mapping and options."""
    connection, link = _active_link()
    if link is None:
        abort(404)
    return _render(connection, link)


@bp.post("/settings")
@admin_required
def settings_save():
    """Save the Sage 50 mapping and options (a refused form keeps what was typed)."""
    connection, link = _active_link()
    if link is None:
        abort(404)
    values, errors = validate_settings(request.form)
    if errors:
        return _render(connection, link, values, errors)
    save_settings(connection, link, values)
    connection = Connection.get_by_id(connection.id)
    # Check the documents now, so the Sync page shows what will go (and what cannot) before
    # Zynk's first download; refused ones stay as they are until they change.
    counts = recheck(connection, changed=False)
    return _render(connection, link_of(connection), saved=True, counts=counts)
