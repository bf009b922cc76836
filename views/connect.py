"""Connecting a ledger: explain, send the admin to the provider, check the answer, pick the org."""

import logging

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from connections.connect import ConnectError
from connections.connect import discard_grant
from connections.connect import finish
from connections.connect import pending_grant
from connections.connect import stash_grant
from connections.connect import sync_running
from connections.tokens import provider_for
from connections.zynk import provider_name
from models.integration import Connection
from providers import REGISTRY
from providers.base import AuthorizationRequest
from providers.base import ProviderError
from views._access import admin_required

bp = Blueprint("connect", __name__, url_prefix="/integrations")
log = logging.getLogger("ledgerlink.connect")
SESSION_KEY = "ledgerlink_connect"


def redirect_uri(provider_id):
    """The callback address to register with the provider."""
    from flask import current_app

    base = current_app.config["PUBLIC_URL"].rstrip("/")
    path = url_for("connect.callback", provider_id=provider_id)
    return base + path if base else url_for("connect.callback", provider_id=provider_id,
                                            _external=True)


def _provider_or_404(provider_id):
    if provider_id not in REGISTRY:
        abort(404)
    return provider_for(provider_id, redirect_uri(provider_id))


def _back(message, category="error"):
    flash(message, category)
    return redirect(url_for("integrations.index"))


@bp.post("/<provider_id>/connect")
@admin_required
def start(provider_id):
    """Check we may connect, remember state (and PKCE verifier), and go to the provider."""
    provider = _provider_or_404(provider_id)
    if provider.missing_settings():
        return _back(f"{provider.name} is not configured: set "
                     f"{', '.join(provider.missing_settings())}.")
    active = Connection.active_connection()
    if active is not None and active.provider != provider_id:
        if sync_running():
            return _back("A sync is running. Wait for it to finish before changing ledgers.")
        return _back(f"{provider_name(active.provider)} is connected. Disconnect it first; "
                     "only one accounting package syncs at a time.")
    auth = provider.authorization_request()
    session[SESSION_KEY] = {"provider": provider_id, "state": auth.state,
                            "verifier": auth.code_verifier,
                            "reconnect": request.form.get("reconnect")}
    return redirect(auth.url)


@bp.get("/<provider_id>/callback")
@admin_required
def callback(provider_id):
    """The provider sends the admin back here with a code (or an error) and our state."""
    provider = _provider_or_404(provider_id)
    pending = session.pop(SESSION_KEY, None)
    if not pending or pending.get("provider") != provider_id:
        return _back("That sign-in was not started here, or it has expired. Connect again.")
    if not request.args.get("code") and not request.args.get("error"):
        return _back(f"{provider.name} sent you back without an answer (no authorisation code "
                     "and no error), so nothing was connected. Connect again.")
    auth = AuthorizationRequest(url="", state=pending["state"],
                                code_verifier=pending.get("verifier"))
    try:
        tokens = provider.exchange_code(request.url, auth)
        organisations = provider.organisations(tokens)
    except ProviderError as exc:
        log.info("connecting %s failed: %s", provider_id, exc.code)
        return _back(exc.message)
    if not organisations:
        return _back(f"Your {provider.name} sign-in does not reach any organisation. Check "
                     "your subscription and access, then connect again.")
    pending_id = stash_grant(provider_id, tokens, organisations, pending.get("reconnect"))
    session[SESSION_KEY + "_grant"] = pending_id
    if len(organisations) == 1:
        return _finish(pending_id, organisations[0].id)
    return redirect(url_for("connect.choose", provider_id=provider_id))


@bp.route("/<provider_id>/choose", methods=["GET", "POST"])
@admin_required
def choose(provider_id):
    """Pick the organisation when the grant reaches more than one."""
    provider = _provider_or_404(provider_id)
    pending_id = session.get(SESSION_KEY + "_grant")
    if pending_id is None:  # cancelled or finished here, e.g. the browser's Back after Cancel
        return _back("No sign-in is waiting for an organisation to be chosen: it was finished "
                     "or cancelled. Connect again to choose one.", "info")
    grant = pending_grant(pending_id)
    if grant is None or grant["provider"] != provider_id:
        return _back("The sign-in took too long and has expired. Connect again.")
    if request.method == "POST":
        if request.form.get("cancel"):
            discard_grant(pending_id)
            session.pop(SESSION_KEY + "_grant", None)
            return _back("Connecting was cancelled; nothing was changed.", "info")
        return _finish(pending_id, request.form.get("organisation", ""))
    earlier = list(Connection.select().where(Connection.provider == provider_id)
                   .order_by(Connection.connected_at.desc()))
    reconnecting = next((c for c in earlier if str(c.id) == str(grant.get("reconnect_id"))),
                        None)
    return render_template("integrations/choose.html", provider=provider,
                           organisations=grant["organisations"],
                           existing={c.organisation_id for c in earlier},
                           reconnecting=reconnecting,
                           ticked=_ticked(grant["organisations"], reconnecting, earlier))


def _ticked(organisations, reconnecting, earlier):
    """The organisation to tick: the one being reconnected, else the one connected last, else
    none (the admin chooses) unless only one is offered."""
    offered = [org.id for org in organisations]
    for connection in ([reconnecting] if reconnecting else []) + earlier:
        if connection.organisation_id in offered:
            return connection.organisation_id
    return offered[0] if len(offered) == 1 else None


def _finish(pending_id, organisation_id):
    try:
        connection, restored = finish(pending_id, organisation_id)
    except ConnectError as exc:
        discard_grant(pending_id)
        session.pop(SESSION_KEY + "_grant", None)
        return _back(str(exc))
    session.pop(SESSION_KEY + "_grant", None)
    name = REGISTRY[connection.provider].name
    if restored:
        flash(f"Reconnected to {connection.organisation_name}. Your earlier account mapping is "
              "back: check it and save to confirm.", "success")
    else:
        flash(f"Connected to {name}: {connection.organisation_name}. Now map your accounts.",
              "success")
        if Connection.select().where(Connection.id != connection.id).exists():
            flash("This organisation is new to Ledgerlink, so it starts with no account mapping "
                  "and no contact links. Those of the organisations connected before are kept, "
                  "untouched, for when you reconnect them.", "info")
    return redirect(url_for("mapping.form", connection_id=connection.id))
