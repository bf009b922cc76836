"""Zoho accounts servers in the sandbox: consent page, token, refresh and revoke, per data centre.

Zoho answers token errors with HTTP 200 and {"error": "invalid_code"} (a used or expired grant
code, a revoked refresh token, or a request sent to the wrong data centre's accounts server).
"""

from collections import deque

from flask import abort
from flask import request

from sandbox.core import Grant
from sandbox.core import OAuthError
from sandbox.pages import back_to_client
from sandbox.pages import consent_page

# Data centres the sandbox serves: location -> (accounts service, API service, label).
DATA_CENTRES = {
    "eu": ("accounts-eu", "api-eu", "Europe (zoho.eu)"),
    "com": ("accounts", "api", "United States (zoho.com)"),
}
ACCOUNTS_SERVICES = {v[0]: k for k, v in DATA_CENTRES.items()}
API_SERVICES = {v[1]: k for k, v in DATA_CENTRES.items()}

# At most 10 access tokens per refresh token in 10 minutes (then blocked for the rest of them).
REFRESH_BURST, REFRESH_WINDOW = 10, 600


def service_url(service):
    """Absolute URL of a sandbox service under /zoho, for callbacks and api_domain."""
    return f"{request.url_root.rstrip('/')}/zoho/{service}"


def register_oauth(bp, sandbox):
    """Add the accounts-server routes to the Zoho blueprint."""

    @bp.route("/<server>/oauth/v2/auth", methods=["GET", "POST"])
    def authorize(server):
        if server not in ACCOUNTS_SERVICES:
            abort(404)
        params = request.values
        client_id, redirect_uri = params.get("client_id", ""), params.get("redirect_uri", "")
        if not sandbox.redirect_ok(client_id, redirect_uri):
            return {"error": "invalid_client"}, 400
        if params.get("response_type", "code") != "code":
            return {"error": "unsupported_response_type"}, 400
        if request.method == "GET":
            hidden = {k: params.get(k, "") for k in (
                "client_id", "redirect_uri", "scope", "state", "access_type", "prompt")}
            choices = [(loc, label) for loc, (_, _, label) in DATA_CENTRES.items()]
            return consent_page("Zoho Books", request.path, hidden, params.get("scope", ""),
                                choices, choice_name="location",
                                choice_label="Data centre of your Zoho account")
        return _decide(sandbox, params, redirect_uri)

    @bp.post("/<server>/oauth/v2/token")
    def token(server):
        if server not in ACCOUNTS_SERVICES:
            abort(404)
        params = request.values  # Zoho takes the parameters in the query or the form body
        if not sandbox.client_ok(params.get("client_id"), params.get("client_secret")):
            return {"error": "invalid_client"}
        try:
            if params.get("grant_type") == "authorization_code":
                return _exchange(sandbox, server, params)
            if params.get("grant_type") == "refresh_token":
                return _refresh(sandbox, server, params)
        except OAuthError as exc:
            return {"error": "invalid_code" if exc.error == "invalid_grant" else exc.error}
        return {"error": "unsupported_grant_type"}

    @bp.post("/<server>/oauth/v2/token/revoke")
    def revoke(server):
        if server not in ACCOUNTS_SERVICES:
            abort(404)
        sandbox.oauth.revoke(request.values.get("token", ""))
        return {"status": "success"}


def _decide(sandbox, params, redirect_uri):
    state = params.get("state")
    if params.get("decision") != "allow":
        return back_to_client(redirect_uri, error="access_denied", state=state)
    location = params.get("location", "eu")
    if location not in DATA_CENTRES:
        abort(400)
    organisations = [tid for tid, t in sandbox.tenants.items() if t["dc"] == location]
    grant = Grant(client_id=params["client_id"], user=params.get("user", "owner@example.com"),
                  scope=params.get("scope", ""), organisations=organisations,
                  extra={"dc": location, "offline": params.get("access_type") == "offline"})
    code = sandbox.oauth.issue_code(grant, redirect_uri)
    return back_to_client(redirect_uri, state=state, code=code, location=location,
                          **{"accounts-server": service_url(DATA_CENTRES[location][0])})


def _exchange(sandbox, server, params):
    with sandbox.lock:
        entry = sandbox.oauth.codes.get(params.get("code", ""))
        if entry is not None and ACCOUNTS_SERVICES[server] != entry[0].extra["dc"]:
            # The code is only known to the accounts server of the user's data centre.
            raise OAuthError("invalid_grant", "wrong data centre")
        response = sandbox.oauth.exchange_code(params.get("client_id"), params.get("code", ""),
                                               params.get("redirect_uri", ""))
        grant = sandbox.oauth.access[response["access_token"]][0]
        if not grant.extra.get("offline"):
            # A refresh token only comes with access_type=offline.
            sandbox.oauth.refresh.pop(response.pop("refresh_token"), None)
    response["api_domain"] = service_url(DATA_CENTRES[grant.extra["dc"]][1])
    return response


def _refresh(sandbox, server, params):
    value = params.get("refresh_token", "")
    with sandbox.lock:
        if sandbox.faults.revoke_grants:
            raise OAuthError("invalid_grant", "grant revoked")
        token = sandbox.oauth.refresh.get(value)
        if token is not None and ACCOUNTS_SERVICES[server] != token.grant.extra["dc"]:
            raise OAuthError("invalid_grant", "wrong data centre")
        now = sandbox.clock.now()
        window = sandbox.clock.scaled(REFRESH_WINDOW)
        log = sandbox.refresh_log.setdefault(value, deque())
        while log and log[0] <= now - window:
            log.popleft()
        if token is not None and len(log) >= REFRESH_BURST:
            return {"error_description": "You have made too many requests continuously. "
                    "Please try again after some time.", "error": "Access Denied",
                    "status": "failure"}
        response = sandbox.oauth.use_refresh_token(params.get("client_id"), value)
        log.append(now)
        grant = token.grant
    response.pop("refresh_token", None)  # Zoho's refresh response carries no refresh token
    response["api_domain"] = service_url(DATA_CENTRES[grant.extra["dc"]][1])
    return response
