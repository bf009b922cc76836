"""The Integrations page: provider cards, tabs, refresh lists, disconnect (admins act)."""

import datetime
import time
from urllib.parse import urlparse

from flask import Blueprint
from flask import abort
from flask import flash
from flask import make_response
from flask import request
from flask import url_for

from models.integration import CONNECTED
from models.integration import MAPPING_ROLES
from models.integration import Connection
from models.integration import LedgerAccount
from providers import REGISTRY
from sync import lists
from sync.connect import disconnect
from sync.connections import REFRESH_TOKEN_DAYS
from sync.connections import provider_for
from sync.queue import get_redis
from sync.ratelimit import RedisGate
from sync.runtime import enqueue
from views._access import admin_required
from views._access import login_required
from views._htmx import client_redirect
from views._htmx import render_page_or_fragment
from views._jobs import fetch_own_job
from views._security import content_security_policy

bp = Blueprint("integrations", __name__, url_prefix="/integrations")

CATEGORIES = [("Accounting", ("xero", "qbo", "sage", "zoho"))]


def archived_mappings(connection):
    """Mapping roles whose account is archived or gone in the ledger."""
    active = {a.remote_id for a in LedgerAccount.select(LedgerAccount.remote_id).where(
        LedgerAccount.connection == connection, LedgerAccount.active == True)}  # noqa: E712
    return [MAPPING_ROLES[m.role][0] for m in connection.mappings
            if m.account_remote_id not in active]


def health(connection):
    """Token expiry, refresh-token age and lapse, remaining quota and last error, for a card."""
    now = time.time()
    lifetime = REFRESH_TOKEN_DAYS.get(connection.provider)
    refreshed = connection.refreshed_at
    quota = RedisGate(get_redis(), connection.provider, connection.organisation_id).quota()
    return {
        "access_expires_in": None if connection.access_expires_at is None
        else int(connection.access_expires_at - now),
        "refresh_age_days": None if refreshed is None else int((now - refreshed) // 86400),
        "refresh_lapses": None if refreshed is None or lifetime is None
        else datetime.datetime.fromtimestamp(refreshed + lifetime * 86400),
        "day_remaining": quota.get("day_remaining"),
        "last_error": connection.last_error,
    }


def card(provider_id, connections):
    """Everything a provider's card shows."""
    provider = provider_for(provider_id)
    connection = connections.get(provider_id)
    return {
        "id": provider_id, "provider": provider, "connection": connection,
        "missing": provider.missing_settings(),
        "health": health(connection) if connection and connection.status != "disconnected"
        else None,
        "archived": archived_mappings(connection) if connection else [],
    }


def _cards(tab):
    current = {}
    for connection in Connection.select().order_by(Connection.connected_at):
        shown = current.get(connection.provider)
        if shown is None or not shown.active:  # the active one, else the latest
            current[connection.provider] = connection
    sections = []
    for title, ids in CATEGORIES:
        cards = [card(pid, current) for pid in ids if pid in REGISTRY]
        if tab == "connected":
            cards = [c for c in cards if c["connection"] and c["connection"].active]
        if cards or tab == "connected":
            sections.append((title, cards))
    return sections


@bp.get("/")
@login_required
def index():
    """The page (or, for htmx, the card list of the chosen tab)."""
    tab = "connected" if request.args.get("tab") == "connected" else "all"
    sections = _cards(tab)
    response = make_response(render_page_or_fragment(
        "integrations/index.html", "integrations/_cards.html", sections=sections, tab=tab,
        active=Connection.active_connection()))
    # Connect forms post here and are redirected on to the provider's sign-in page, which
    # the browser allows only for origins listed in form-action.
    origins = [_origin(c["provider"].endpoint(c["provider"].oauth.authorize))
               for _title, cards in sections for c in cards if c["provider"].oauth]
    response.headers["Content-Security-Policy"] = content_security_policy(origins)
    return response


def _origin(url):
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def connection_or_404(connection_id):
    return Connection.get_or_none(Connection.id == connection_id) or abort(404)


@bp.post("/<int:connection_id>/refresh")
@admin_required
def refresh_start(connection_id):
    """Queue a refresh of the ledger lists; the banner then polls for the result."""
    connection = connection_or_404(connection_id)
    if connection.status != CONNECTED:
        flash("Reconnect first: lists can only be read from a working connection.", "warning")
        return client_redirect(url_for("integrations.index"))
    job = enqueue(lists.refresh_lists, connection.id, job_timeout=600, result_ttl=3600)
    return _refresh_banner(job)


@bp.get("/refresh/<job_id>")
@login_required
def refresh_status(job_id):
    """Read-only poll of a refresh job."""
    return _refresh_banner(fetch_own_job(job_id) or abort(404))


def _refresh_banner(job):
    from flask import render_template

    return render_template("integrations/_refresh_banner.html", job=job,
                           status=job.get_status(), result=job.return_value())


@bp.post("/<int:connection_id>/disconnect")
@admin_required
def disconnect_connection(connection_id):
    """Disconnect: revoke at the provider and stop syncing; mappings and links are kept."""
    connection = connection_or_404(connection_id)
    name = REGISTRY[connection.provider].name
    if disconnect(connection):
        flash(f"{name} is disconnected. What is already in the ledger stays there.", "success")
    else:
        flash(f"{name} is disconnected here, but {name} did not confirm the revocation; remove "
              "Ledgerlink from its connected apps too.", "warning")
    return client_redirect(url_for("integrations.index"))


@bp.app_context_processor
def _reconnect_banner():
    """Admins see a banner on every page while the active connection needs reconnecting."""
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False) or not current_user.is_admin:
        return {}
    bad = Connection.select().where(Connection.status == "needs_reconnect",
                                    Connection.active == True).first()  # noqa: E712
    return {"reconnect_needed": bad}

