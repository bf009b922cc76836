"""The OAuth 2.0 authorization-code dance with requests-oauthlib, shared by every provider.

A provider sets its endpoints, scopes and client-authentication style as class attributes
(`OAuthEndpoints`) and gets authorization_request / exchange_code / refresh from here.
"""

import os
import time
from dataclasses import dataclass
from urllib.parse import parse_qs
from urllib.parse import urlparse

from oauthlib.oauth2 import OAuth2Error
from requests_oauthlib import OAuth2Session

from providers import answers
from providers.base import AuthError
from providers.base import AuthorizationRequest
from providers.base import ProviderError
from providers.base import TokenSet
from providers.errors import message_for

# Xero may grant more scopes than asked; oauthlib would otherwise raise on the difference.
os.environ.setdefault("OAUTHLIB_RELAX_TOKEN_SCOPE", "1")


class StateMismatch(ProviderError):
    """The callback's state does not match the one we sent."""


class ConsentDenied(ProviderError):
    """The user cancelled at the provider, or the provider returned an error on the callback."""


@dataclass(frozen=True)
class OAuthEndpoints:
    """A provider's OAuth endpoints (absolute, or paths under the sandbox URL)."""

    authorize: str
    token: str
    revoke: str = ""
    client_auth: str = "basic"  # "basic" (HTTP Basic) or "body" (client_id/secret in the form)
    pkce: bool = False


def _insecure_transport_for_loopback(url):
    # oauthlib refuses http:// URLs; allow them only for the loopback sandbox.
    host = urlparse(url).hostname or ""
    if host in {"127.0.0.1", "localhost", "::1"}:
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def session(provider, state=None, token=None):
    """An OAuth2Session for the provider's client, redirect URI and scopes."""
    settings = provider.settings
    return OAuth2Session(
        settings.client_id, redirect_uri=settings.redirect_uri, scope=provider.scopes(),
        state=state, token=token, pkce="S256" if provider.oauth.pkce else None,
    )


def authorization_request(provider, state=None, **params):
    """Build the authorize URL (state, and PKCE when the provider supports it)."""
    url = provider.endpoint(provider.oauth.authorize)
    _insecure_transport_for_loopback(url)
    oauth = session(provider, state=state)
    auth_url, state = oauth.authorization_url(url, **params)
    verifier = getattr(oauth._client, "code_verifier", None) if provider.oauth.pkce else None
    return AuthorizationRequest(url=auth_url, state=state, code_verifier=verifier)


def callback_params(callback_url):
    """The query parameters of a callback URL as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlparse(callback_url).query).items()}


# The standard callback error codes (RFC 6749 4.1.2.1) in plain words, and what to do about each.
_CALLBACK_ERRORS = {
    "invalid_request": ("it could not accept the sign-in request",
                        "Check what you chose at {name} (country, organisation or business) and "
                        "the account you signed in with, then connect again."),
    "unauthorized_client": ("Ledgerlink's app may not ask for access this way",
                            "Check the app's client id and redirect address registered at {name} "
                            "against Ledgerlink's settings (see the README), then connect again."),
    "invalid_client": ("it does not know Ledgerlink's app",
                       "Check the app's client id and secret in Ledgerlink's settings (see the "
                       "README), then connect again."),
    "unsupported_response_type": ("Ledgerlink's app may not ask for access this way",
                                  "Check the app registered at {name} (see the README), then "
                                  "connect again."),
    "invalid_scope": ("it would not grant the access Ledgerlink asks for",
                      "Check the permissions of the app registered at {name}, and that your "
                      "subscription includes API access, then connect again."),
    "server_error": ("it had a problem of its own",
                     "Wait a few minutes and connect again."),
    "temporarily_unavailable": ("it is busy or down for maintenance",
                                "Wait a few minutes and connect again."),
}


def callback_error(provider, params):
    """The ConsentDenied for a callback carrying an error: the package's own reason, in plain
    words, and what to do."""
    code = _printable(params["error"], 60)
    reason = next((_printable(params[k], 200) for k in provider.callback_reason_params
                   if _printable(params.get(k) or "", 200)), "")
    if code == "access_denied":
        why = f" ({provider.name} said: {reason})" if reason else ""
        return ConsentDenied("cancelled", f"Connecting was cancelled at {provider.name}{why}; "
                             "nothing was changed. Connect again when you are ready.")
    plain, todo = _CALLBACK_ERRORS.get(code, ("it stopped the sign-in",
                                              "Connect again; if this happens again, check your "
                                              "account at {name}."))
    said = f"“{reason.rstrip('.')}”" if reason else plain
    return ConsentDenied("provider_error", f"{provider.name} did not connect: {said} (its code: "
                         f"{code}). {todo.format(name=provider.name)}", detail=code)


def _printable(text, limit):
    """Callback text fit to show: control characters dropped, cut to limit."""
    text = "".join(ch for ch in str(text) if ch.isprintable()).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def exchange_code(provider, callback_url, auth_request, token_url=None):
    """Check state and errors on the callback, then trade the code for tokens."""
    params = callback_params(callback_url)
    if params.get("state") != auth_request.state:
        raise StateMismatch("state_mismatch", "The sign-in could not be verified (the state did "
                            "not match). Start connecting again.")
    if "error" in params:
        raise callback_error(provider, params)
    url = token_url or provider.endpoint(provider.oauth.token)
    _insecure_transport_for_loopback(url)
    oauth = session(provider, state=auth_request.state)
    kwargs = _client_auth(provider)
    # fetch_token takes the client id from the session; passing it again is deprecated.
    kwargs.pop("client_id", None)
    if auth_request.code_verifier:
        # A fresh session has no verifier of its own; requests-oauthlib sends this one.
        oauth._code_verifier = auth_request.code_verifier
    try:
        return to_token_set(oauth.fetch_token(url, code=params.get("code"), **kwargs))
    except OAuth2Error as exc:
        raise ProviderError("provider_error", f"The provider refused the sign-in ({exc.error}). "
                            "Start connecting again.") from exc
    except (ValueError, TypeError, KeyError) as exc:  # a token answer of an odd shape
        raise answers.unexpected(provider.name) from exc


def refresh(provider, tokens, token_url=None):
    """Use the refresh token; invalid_grant becomes AuthError (reconnect)."""
    url = token_url or provider.endpoint(provider.oauth.token)
    _insecure_transport_for_loopback(url)
    oauth = session(provider, token={"access_token": tokens.access_token,
                                     "refresh_token": tokens.refresh_token,
                                     "token_type": "Bearer"})
    try:
        token = oauth.refresh_token(url, refresh_token=tokens.refresh_token,
                                    **_client_auth(provider, refreshing=True))
        return to_token_set(token, previous=tokens)
    except OAuth2Error as exc:
        if exc.error == "invalid_grant":
            raise AuthError("reconnect", message_for("reconnect"), detail="invalid_grant") from exc
        raise ProviderError("provider_error", f"Refreshing the connection failed ({exc.error}).",
                            detail=exc.error) from exc
    except (ValueError, TypeError, KeyError) as exc:  # a token answer of an odd shape
        raise answers.unexpected(provider.name) from exc


def _client_auth(provider, refreshing=False):
    settings = provider.settings
    if provider.oauth.client_auth == "body":
        auth = {"client_secret": settings.client_secret, "include_client_id": True}
        if refreshing:  # oauthlib adds its own client_id to a code exchange, not to a refresh
            auth["client_id"] = settings.client_id
        return auth
    from requests.auth import HTTPBasicAuth

    return {"auth": HTTPBasicAuth(settings.client_id, settings.client_secret)}


def to_token_set(token, previous=None):
    """Convert an oauthlib token dict to our TokenSet (keeping the refresh token if not rotated)."""
    known = {"access_token", "refresh_token", "expires_in", "expires_at", "token_type", "scope"}
    extra = dict(previous.extra) if previous else {}
    extra.update({k: v for k, v in token.items() if k not in known})
    refresh_token = token.get("refresh_token") or (previous.refresh_token if previous else "")
    scope = token.get("scope", "")
    if isinstance(scope, list):
        scope = " ".join(scope)
    expires_at = token.get("expires_at") or time.time() + float(token.get("expires_in", 0))
    return TokenSet(access_token=token["access_token"], refresh_token=refresh_token,
                    expires_at=float(expires_at), scope=scope, extra=extra)
