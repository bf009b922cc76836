"""Xero identity in the sandbox: the authorize page (organisations chosen), token and revocation.

Only HTTP Basic client authentication is accepted at the token and revocation endpoints.
"""

import base64
from urllib.parse import unquote_plus

from flask import request

from sandbox.core import Grant
from sandbox.core import OAuthError
from sandbox.pages import back_to_client
from sandbox.pages import consent_page
from sandbox.xero.seed import new_id

KNOWN_SCOPES = {"offline_access", "openid", "profile", "email"} | {
    f"accounting.{area}{suffix}" for suffix in ("", ".read") for area in
    ("settings", "contacts", "transactions", "invoices", "attachments", "payments",
     "banktransactions", "manualjournals")}


def register_oauth(bp, box):
    """Add the login and identity routes to the Xero blueprint."""

    @bp.route("/login/identity/connect/authorize", methods=["GET", "POST"])
    def authorize():
        params = request.values
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not box.redirect_ok(client_id, redirect_uri):
            return "Error: unauthorized_client (unknown client or redirect_uri)", 400
        state = params.get("state", "")
        scopes = params.get("scope", "").split()
        if params.get("response_type", "code") != "code":
            return back_to_client(redirect_uri, error="unsupported_response_type", state=state)
        if not scopes or not set(scopes) <= KNOWN_SCOPES:
            return back_to_client(redirect_uri, error="invalid_scope", state=state)
        if request.method == "POST":
            return _consent(box, params, client_id, redirect_uri, scopes, state)
        return _consent_form(box, params)

    @bp.post("/identity/connect/token")
    def token():
        client_id = _basic_client(box)
        if client_id is None:
            return {"error": "invalid_client"}, 400
        form = request.form
        try:
            if form.get("grant_type") == "authorization_code":
                body = box.oauth.exchange_code(client_id, form.get("code", ""),
                                               form.get("redirect_uri", ""),
                                               form.get("code_verifier"))
            elif form.get("grant_type") == "refresh_token":
                if box.faults.revoke_grants:
                    raise OAuthError("invalid_grant")
                body = box.oauth.use_refresh_token(client_id, form.get("refresh_token", ""))
            else:
                return {"error": "unsupported_grant_type"}, 400
        except OAuthError as exc:
            return {"error": exc.error}, exc.status
        if "offline_access" not in body["scope"].split():
            body.pop("refresh_token")  # Xero issues refresh tokens for offline_access only
        return body, 200, {"Cache-Control": "no-store"}

    @bp.post("/identity/connect/revocation")
    def revocation():
        client_id = _basic_client(box)
        if client_id is None:
            return {"error": "invalid_client"}, 400
        grant = box.oauth.revoke(request.form.get("token", ""))
        if grant is not None and grant.client_id == client_id:
            with box.lock:
                for conn in box.user_connections(grant.user, client_id):
                    del box.connections[conn["id"]]
        return "", 200


def _consent_form(box, params, message=""):
    hidden = {k: params.get(k, "") for k in ("client_id", "redirect_uri", "scope", "state",
                                              "response_type", "code_challenge",
                                              "code_challenge_method")}
    choices = [(tid, t["name"]) for tid, t in box.tenants.items()]
    extra = f'<p role="alert">{message}</p>' if message else ""
    page = consent_page("Xero", request.path, hidden, params.get("scope", ""), choices,
                        multi=True, choice_name="tenant", choice_label="Organisations",
                        extra=extra)
    return page, 400 if message else 200


def _consent(box, params, client_id, redirect_uri, scopes, state):
    if params.get("decision") != "allow":
        return back_to_client(redirect_uri, error="access_denied", state=state)
    chosen = [t for t in request.form.getlist("tenant") if t in box.tenants]
    user = (params.get("user") or "").strip().lower()
    if not chosen or not user:
        return _consent_form(box, params, "Choose at least one organisation.")
    with box.lock:
        # Xero's scopes are additive: a new consent keeps what the user granted before.
        earlier = {s for g in box.oauth.grants() if g.user == user
                   and g.client_id == client_id and not g.revoked for s in g.scope.split()}
        scope = " ".join(dict.fromkeys(scopes + sorted(earlier - set(scopes))))
        event = new_id()
        grant = Grant(client_id, user, scope, chosen, extra={"auth_event_id": event})
        stamp = box.now().strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
        existing = {c["tenantId"]: c for c in box.user_connections(user, client_id)}
        for tenant_id in chosen:
            conn = existing.get(tenant_id) or {
                "id": new_id(), "tenantId": tenant_id, "tenantType": "ORGANISATION",
                "createdDateUtc": stamp, "_user": user, "_client": client_id}
            conn.update(authEventId=event, tenantName=box.tenants[tenant_id]["name"],
                        updatedDateUtc=stamp)
            box.connections[conn["id"]] = conn
    code = box.oauth.issue_code(grant, redirect_uri, params.get("code_challenge") or None,
                                params.get("code_challenge_method") or None)
    return back_to_client(redirect_uri, code=code, state=state)


def _basic_client(box):
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    client_id, secret = unquote_plus(client_id), unquote_plus(secret)
    return client_id if box.client_ok(client_id, secret) else None
