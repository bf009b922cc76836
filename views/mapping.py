"""The mapping form: which ledger accounts and taxes Ledgerlink posts to, and sync options."""

import re
from decimal import Decimal

from flask import Blueprint
from flask import redirect
from flask import request
from flask import url_for

from connections.health import health
from connections.mapping import OPTION_FLAGS
from connections.mapping import mapping_choices
from connections.mapping import save_mapping
from connections.mapping import validate_mapping
from models.firm import FirmProfile
from models.integration import MAPPING_ROLES
from models.integration import Connection
from providers import PULL_REGISTRY
from sync.jobs import enqueue_recheck
from views._access import admin_required
from views._htmx import render_page_or_fragment
from views._lookup import get_or_404

bp = Blueprint("mapping", __name__, url_prefix="/integrations")
_RATE_IN_NAME = re.compile(r"\(?\s*-?\d+(?:\.\d+)?\s*%\s*\)?")


@bp.app_template_filter("tax_label")
def tax_label(rate):
    """A ledger tax rate as "VAT on Income 20%": the rate said once, even when the package's
    name carries it already ("20% (VAT on Income)")."""
    name = " ".join(_RATE_IN_NAME.sub(" ", rate.name).replace("()", " ").split())
    if name.startswith("(") and name.endswith(")") and name.count("(") == 1:
        name = name[1:-1]
    percent = Decimal(rate.rate).normalize()
    return f"{name or 'Tax'} {percent:f}%"


def _render(connection, values=None, errors=None, saved=False, **extra):
    choices = mapping_choices(connection)
    return render_page_or_fragment(
        "mapping/form.html", "mapping/_form.html", connection=connection, roles=MAPPING_ROLES,
        flags=OPTION_FLAGS, errors=errors or {}, saved=saved,
        firm_missing=FirmProfile.current().missing_for_documents(),
        values=values if values is not None else choices["current"],
        options=choices["options"] if values is None else values.get("_options"),
        **{key: choices[key] for key in ("provider", "items", "item_roles", "accounts_by_id",
                                         "choices", "archived", "rates", "empty_chart")},
        **extra)


@bp.get("/<int:connection_id>/configure")
@admin_required
def form(connection_id):
    """Show the mapping form."""
    connection = get_or_404(Connection, connection_id)
    if connection.provider in PULL_REGISTRY:
        return redirect(url_for("sage50.settings_form"))
    return _render(connection, health=health(connection) if connection.tokens else None)


@bp.post("/<int:connection_id>/configure")
@admin_required
def save(connection_id):
    """Save the mapping and options (applies to future syncs only)."""
    connection = get_or_404(Connection, connection_id)
    if connection.provider in PULL_REGISTRY:
        return redirect(url_for("sage50.settings_form"))
    values, errors = validate_mapping(connection, request.form)
    if errors:
        return _render(connection, values, errors)
    save_mapping(connection, values)
    enqueue_recheck(connection.id)  # every document's accounts and taxes may read differently
    return _render(Connection.get_by_id(connection.id), saved=True)
