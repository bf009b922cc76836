"""The Integrations page: provider cards, tabs, refresh lists, disconnect (admins act)."""

from urllib.parse import urlparse

from flask import Blueprint
from flask import abort
from flask import flash
from flask import make_response
from flask import render_template
from flask import request
from flask import url_for

from connections.connect import disconnect
from connections.health import archived_mappings
from connections.health import health
from connections.jobs import refresh_lists
from connections.tokens import provider_for
from connections.zynk import provider_name
from models.integration import CONNECTED
from models.integration import Connection
from providers import PULL_REGISTRY
from providers import REGISTRY
from providers.errors import message_for
from sync.zynk import link_of
from views._access import admin_required
from views._access import login_required
from views._htmx import client_redirect
from views._htmx import render_page_or_fragment
from views._jobs import fetch_own_job
from views._lookup import get_or_404
from views._security import content_security_policy
from worker.runtime import enqueue
from worker.runtime import job_state

bp = Blueprint("integrations", __name__, url_prefix="/integrations")

CATEGORIES = [("Accounting", ("xero", "qbo", "sage", "zoho", "sage50"))]


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
        "why": _why(provider, connection) if connection and connection.needs_reconnect else None,
    }


def _why(provider, connection):
    """Why a connection needs reconnecting, without repeating the card's own advice."""
    if connection.status_reason in (None, "", message_for("reconnect")):
        return f"{provider.name} has ended Ledgerlink's access (revoked, or expired unused)."
    return connection.status_reason
def pull_card(provider_id, connections):
    """A card for a package that fetches from us (Sage 50 through Zynk)."""
    connection = connections.get(provider_id)
    return {"id": provider_id, "provider": PULL_REGISTRY[provider_id], "connection": connection,
            "link": link_of(connection) if connection else None, "missing": [],
            "template": f"{provider_id}/_card.html"}


def _cards(tab):
    current = Connection.shown_per_provider()
    sections = []
    for title, ids in CATEGORIES:
        cards = [card(pid, current) if pid in REGISTRY else pull_card(pid, current)
                 for pid in ids if pid in REGISTRY or pid in PULL_REGISTRY]
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
        active=Connection.active_connection(), job=None, state="idle",
        package_names=_package_names(),
        connected_count=Connection.select().where(Connection.active == True).count()))  # noqa: E712
    # Connect forms post here and are redirected on to the provider's sign-in page, which
    # the browser allows only for origins listed in form-action.
    origins = [_origin(c["provider"].endpoint(c["provider"].oauth.authorize))
               for _title, cards in sections for c in cards
               if getattr(c["provider"], "oauth", None)]
    response.headers["Content-Security-Policy"] = content_security_policy(origins)
    return response


def _package_names():
    return {pid: provider.name for pid, provider in REGISTRY.items()}


def _origin(url):
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


@bp.post("/<int:connection_id>/refresh")
@admin_required
def refresh_start(connection_id):
    """Queue a refresh of the ledger lists; the banner then polls for the result."""
    connection = get_or_404(Connection, connection_id)
    if connection.status != CONNECTED:
        flash("Reconnect first: lists can only be read from a working connection.", "warning")
        return client_redirect(url_for("integrations.index"))
    job = enqueue(refresh_lists, connection.id, job_timeout=600, result_ttl=3600)
    return _refresh_banner(job)


@bp.get("/refresh/<job_id>")
@login_required
def refresh_status(job_id):
    """Read-only poll of a refresh job."""
    return _refresh_banner(fetch_own_job(job_id) or abort(404))


def _refresh_banner(job):
    state = job_state(job)
    connection = Connection.get_or_none(Connection.id == job.args[0]) if state == "failed" \
        else None
    # A failure can be how Ledgerlink learns the grant was revoked: the card changes in place.
    changed = card(connection.provider, {connection.provider: connection}) \
        if connection and connection.provider in REGISTRY else None
    return render_template("integrations/_refresh_banner.html", job=job, state=state,
                           connection=connection, changed=changed,
                           active=Connection.active_connection(),
                           package_names=_package_names())


@bp.post("/<int:connection_id>/disconnect")
@admin_required
def disconnect_connection(connection_id):
    """Disconnect: revoke at the provider and stop syncing; mappings and links are kept."""
    connection = get_or_404(Connection, connection_id)
    name = provider_name(connection.provider)
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
    if bad is None:
        return {}
    # The plain "access has ended" reason only repeats what the banner says; others add to it.
    why = bad.status_reason if bad.status_reason not in (None, "", message_for("reconnect")) \
        else None
    return {"reconnect_needed": bad, "reconnect_why": why and why.rstrip(". "),
            "reconnect_package": REGISTRY[bad.provider].name if bad.provider in REGISTRY
            else "The accounting package"}

