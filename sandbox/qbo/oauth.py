"""Intuit OAuth 2.0 in the sandbox: the consent page (one company), token and revoke.

The token and revoke endpoints take HTTP Basic client authentication only.
"""

from flask import Response
from flask import request

from sandbox.core import Grant
from sandbox.core import OAuthError
from sandbox.pages import back_to_client
from sandbox.pages import consent_page
from sandbox.qbo.routes import json_response

SCOPE = "com.intuit.quickbooks.accounting"


def register_oauth(bp, box):
    """Add the appcenter (authorize), oauth (token) and developer (revoke) routes."""

    @bp.route("/appcenter/connect/oauth2", methods=["GET", "POST"])
    def authorize():
        """The sign-in and consent page; one company per consent; realmId on the callback."""
        params = request.values
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not box.redirect_ok(client_id, redirect_uri):
            return Response("Unknown client_id or redirect_uri not registered for the app.",
                            400, mimetype="text/plain")
        state = params.get("state", "")
        if params.get("response_type") != "code":
            return back_to_client(redirect_uri, error="unsupported_response_type", state=state)
        if SCOPE not in (params.get("scope") or "").split():
            return back_to_client(redirect_uri, error="invalid_scope", state=state)
        if request.method == "GET":
            hidden = {k: params.get(k, "") for k in
                      ("client_id", "redirect_uri", "scope", "state", "response_type")}
            choices = [(realm, ledger["name"]) for realm, ledger in box.tenants.items()]
            return consent_page("QuickBooks Online", request.path, hidden, params["scope"],
                                choices=choices, choice_name="realmId", choice_label="Company")
        if params.get("decision") != "allow":
            return back_to_client(redirect_uri, error="access_denied", state=state)
        realm = params.get("realmId")
        if realm not in box.tenants:
            return back_to_client(redirect_uri, error="access_denied",
                                  error_description="no company chosen", state=state)
        grant = Grant(client_id, params.get("user") or "owner@example.com", params["scope"],
                      [realm])
        return back_to_client(redirect_uri, code=box.oauth.issue_code(grant, redirect_uri),
                              realmId=realm, state=state)

    @bp.post("/oauth/oauth2/v1/tokens/bearer")
    def token():
        """authorization_code and refresh_token grants; HTTP Basic client authentication."""
        auth = request.authorization
        if auth is None or auth.type != "basic" or not box.client_ok(auth.username,
                                                                     auth.password):
            return _oauth_error(OAuthError("invalid_client", "", 401))
        form = request.form
        try:
            if form.get("grant_type") == "authorization_code":
                body = box.oauth.exchange_code(auth.username, form.get("code"),
                                               form.get("redirect_uri"))
            elif form.get("grant_type") == "refresh_token":
                if box.faults.revoke_grants:
                    raise OAuthError("invalid_grant", "Incorrect or invalid refresh token")
                body = box.oauth.use_refresh_token(auth.username, form.get("refresh_token"))
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as error:
            return _oauth_error(error)
        with box.lock:
            issued = box.oauth.refresh[body["refresh_token"]]
            body["x_refresh_token_expires_in"] = int(issued.expires_at - box.clock.now())
        body.pop("scope", None)  # Intuit's token response carries no scope
        body["token_type"] = "bearer"  # noqa: S105 (a token type, not a secret)
        return json_response(body, 200, {"Cache-Control": "no-store"})

    @bp.post("/developer/v2/oauth2/tokens/revoke")
    def revoke():
        """Revoke a refresh or access token (JSON {"token": ...}); this disconnects the app."""
        auth = request.authorization
        if auth is None or not box.client_ok(auth.username, auth.password):
            return _oauth_error(OAuthError("invalid_client", "", 401))
        token = (request.get_json(silent=True) or {}).get("token")
        if not token:
            return _oauth_error(OAuthError("invalid_request", "token is required"))
        box.oauth.revoke(token)
        return Response("", 200)


def _oauth_error(error):
    body = {"error": error.error}
    if error.description:
        body["error_description"] = error.description
    return json_response(body, error.status)
