"""Sage Accounting sandbox: the authorize pages (country step, then businesses), token, revoke."""

from flask import jsonify
from flask import render_template_string
from flask import request

from sandbox.core import Grant
from sandbox.core import OAuthError
from sandbox.pages import HEAD
from sandbox.pages import back_to_client
from sandbox.pages import consent_page

LABEL = "Sage Business Cloud Accounting"
COUNTRIES = {"gb": "United Kingdom", "ie": "Ireland", "ca": "Canada"}  # the v3.1 countries
SCOPES = {"readonly", "full_access"}
CODE_LIFETIME = 60  # seconds; Sage's authorization codes are single-use and live 60 s

_COUNTRY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ label }} sandbox: country</title>
{{ head|safe }}</head>
<body><main><h1>{{ label }} (sandbox)</h1>
<p>Choose the country or region where your business is registered.</p>
<form method="get" action="{{ action }}">
{% for name, value in hidden.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}
{% for code, text in countries.items() %}
<label><input type="radio" name="country" value="{{ code }}"{% if loop.first %} checked{% endif %}>
{{ text }}</label><br>
{% endfor %}
<button type="submit">Continue</button>
</form></main></body></html>"""


def register_oauth(bp, sandbox):
    """Add the OAuth routes to the provider blueprint."""

    @bp.get("/auth/oauth2/auth/central")
    def authorize():
        params = request.args.to_dict()
        problem = _check_client(sandbox, params)
        if problem:
            return problem
        if params.get("response_type") != "code":
            return _back(params, error="unsupported_response_type")
        if params.get("scope") not in SCOPES:
            return _back(params, error="invalid_scope")
        country = (params.get("country") or "").lower()
        if not country:
            hidden = {k: v for k, v in params.items() if k != "country"}
            return render_template_string(_COUNTRY_PAGE, head=HEAD, label=LABEL,
                                          action=request.path, hidden=hidden,
                                          countries=COUNTRIES)
        if country not in COUNTRIES:
            return _back(params, error="invalid_request", reason="Unsupported country")
        params["country"] = country
        choices = [(bid, b["name"]) for bid, b in sandbox.tenants.items()
                   if b["country"].lower() == country]
        return consent_page(LABEL, request.path, params, params["scope"], choices=choices,
                            multi=True, choice_name="business", choice_label="Businesses")

    @bp.post("/auth/oauth2/auth/central")
    def consent():
        params = {k: v for k, v in request.form.items() if k not in ("business", "decision")}
        problem = _check_client(sandbox, params)
        if problem:
            return problem
        if request.form.get("decision") != "allow":
            return _back(params, error="access_denied")
        country = (params.get("country") or "").lower()
        chosen = [b for b in request.form.getlist("business")
                  if b in sandbox.tenants and sandbox.tenants[b]["country"].lower() == country]
        if not chosen:
            return _back(params, error="invalid_request", reason="Email already in use")
        grant = Grant(params["client_id"], request.form.get("user") or "owner@example.com",
                      params.get("scope", ""), chosen, extra={"country": country.upper()})
        code = sandbox.oauth.issue_code(grant, params["redirect_uri"],
                                        params.get("code_challenge"),
                                        params.get("code_challenge_method"))
        with sandbox.lock:
            entry = sandbox.oauth.codes[code]
            lifetime = sandbox.clock.now() + sandbox.clock.scaled(CODE_LIFETIME)
            sandbox.oauth.codes[code] = (*entry[:4], lifetime)
        return _back(params, code=f"{country.upper()}/{code}", country=country.upper())

    @bp.post("/oauth/token")
    def token():
        form = request.form
        if not sandbox.client_ok(form.get("client_id"), form.get("client_secret")):
            return jsonify(error="invalid_client"), 401
        try:
            if form.get("grant_type") == "authorization_code":
                code = (form.get("code") or "").partition("/")[2]
                body = sandbox.oauth.exchange_code(form["client_id"], code,
                                                   form.get("redirect_uri"),
                                                   form.get("code_verifier"))
            elif form.get("grant_type") == "refresh_token":
                body = _refresh(sandbox, form)
            else:
                raise OAuthError("unsupported_grant_type")
        except OAuthError as exc:
            return jsonify(error=exc.error), exc.status
        return jsonify(_sage_token(sandbox, body))

    @bp.post("/oauth/revoke")
    def revoke():
        form = request.form
        if not sandbox.client_ok(form.get("client_id"), form.get("client_secret")):
            return jsonify(error="invalid_client"), 401
        _forget_refresh_tokens(sandbox, form.get("token") or "")
        return jsonify(success="ok")


def _refresh(sandbox, form):
    value = form.get("refresh_token") or ""
    if sandbox.faults.revoke_grants:
        token = sandbox.oauth.refresh.get(value)
        if token is not None:
            sandbox.oauth.revoke_grant(token.grant)
        raise OAuthError("invalid_grant")
    return sandbox.oauth.use_refresh_token(form.get("client_id"), value)


def _forget_refresh_tokens(sandbox, value):
    """Revoke: drop every refresh token of the grant; its access tokens live on (as Sage)."""
    with sandbox.lock:
        token = sandbox.oauth.refresh.get(value)
        if token is None:
            return
        for key, other in list(sandbox.oauth.refresh.items()):
            if other.grant is token.grant:
                del sandbox.oauth.refresh[key]


def _sage_token(sandbox, body):
    """The core token response reshaped as Sage's (lower-case type, refresh lifetime)."""
    refresh = sandbox.oauth.refresh.get(body["refresh_token"])
    left = refresh.expires_at - sandbox.clock.now() if refresh else 0
    return {**body, "token_type": "bearer", "refresh_token_expires_in": int(left) or 1,
            "requested_by_id": refresh.grant.id if refresh else ""}


def _check_client(sandbox, params):
    client_id, uri = params.get("client_id"), params.get("redirect_uri") or ""
    if client_id not in sandbox.clients or not sandbox.redirect_ok(client_id, uri):
        return ("Unknown client_id or redirect_uri not registered for it.", 400,
                {"Content-Type": "text/plain"})
    return None


def _back(params, **values):
    """Redirect to the client's callback with values and the state."""
    return back_to_client(params["redirect_uri"], **values, state=params.get("state"))
