"""Using a connection: provider settings, encrypted tokens, single-flight refresh, API contexts.

Refresh is single-flight across every process: a Redis lock per connection, the stored tokens
re-read after taking it (another process may have refreshed meanwhile), and the new pair saved
before anyone uses it. A refused grant marks the connection "needs reconnect" and stops work.
"""

import datetime
import logging
import time

from flask import current_app

from connections.ratelimit import RedisGate
from models import db
from models import token_vault
from models.integration import CONNECTED
from models.integration import NEEDS_RECONNECT
from models.integration import Connection
from providers import REGISTRY
from providers.base import ApiContext
from providers.base import AuthError
from providers.base import ProviderSettings
from providers.errors import message_for
from worker.queue import get_redis

log = logging.getLogger("ledgerlink.connections")

REFRESH_MARGIN_SECONDS = 120  # refresh when the access token has less than this left
KEEP_ALIVE_AFTER_SECONDS = 7 * 86400  # refresh anything older, so no refresh token idles out
LOCK_TIMEOUT_SECONDS = 60


def provider_settings(provider_id, redirect_uri="", config=None):
    """ProviderSettings for a provider from app settings (sandbox URL applies to all)."""
    config = config or current_app.config
    prefix = provider_id.upper()
    return ProviderSettings(
        client_id=config.get(f"{prefix}_CLIENT_ID", ""),
        client_secret=config.get(f"{prefix}_CLIENT_SECRET", ""),
        redirect_uri=redirect_uri,
        sandbox_url=config.get("LEDGER_SANDBOX_URL", ""),
        options={"broad_scopes": bool(config.get(f"{prefix}_BROAD_SCOPES"))},
    )


def provider_for(provider_id, redirect_uri=""):
    """An instance of the provider configured from app settings."""
    return REGISTRY[provider_id](provider_settings(provider_id, redirect_uri))


def _keys():
    return token_vault.parse_keys(current_app.config["TOKEN_KEYS"])


def load_tokens(connection):
    """The connection's decrypted token set."""
    return token_vault.decrypt(_keys(), connection.tokens)


def store_tokens(connection, tokens, previous=None):
    """Encrypt and save a token set on the connection (committed before it is used)."""
    connection.tokens = token_vault.encrypt(_keys(), tokens)
    connection.access_expires_at = tokens.expires_at
    connection.refresh_expires_at = tokens.refresh_expires_at
    if previous is None or previous.refresh_token != tokens.refresh_token:
        connection.refreshed_at = time.time()  # the refresh token's age counts from here
    with db.atomic():
        connection.save()


def mark_needs_reconnect(connection, reason):
    """Stop work on a connection until an admin reconnects it; record why."""
    Connection.update(status=NEEDS_RECONNECT, status_reason=reason, last_error=reason,
                      last_error_at=datetime.datetime.now()).where(
        Connection.id == connection.id).execute()
    connection.status, connection.status_reason = NEEDS_RECONNECT, reason
    log.warning("connection %s (%s) needs reconnect: %s", connection.id, connection.provider,
                reason)


def _lock(connection_id):
    return get_redis().lock(f"ledgerlink:refresh:{connection_id}", timeout=LOCK_TIMEOUT_SECONDS,
                            blocking_timeout=LOCK_TIMEOUT_SECONDS)


def refresh_tokens(connection_id, force=False):
    """Refresh a connection's tokens once, however many processes ask at the same moment.

    Returns the current token set. Raises AuthError (after marking the connection) when the
    provider refuses the grant.
    """
    with _lock(connection_id):
        connection = Connection.get_by_id(connection_id)  # re-read: someone may have refreshed
        if connection.status != CONNECTED:
            raise AuthError("reconnect", message_for("reconnect"), detail=connection.status)
        tokens = load_tokens(connection)
        if not force and tokens.expires_at - time.time() > REFRESH_MARGIN_SECONDS:
            return tokens
        provider = provider_for(connection.provider)
        try:
            fresh = provider.refresh(tokens)
        except AuthError as exc:
            mark_needs_reconnect(connection, exc.message)
            raise
        store_tokens(connection, fresh, previous=tokens)
        log.info("connection %s refreshed its tokens", connection_id)
        return fresh


def api_context(connection, timeout=30.0):
    """(provider, ApiContext) for a connected connection, refreshing the token first if due."""
    if connection.status != CONNECTED:
        raise AuthError("reconnect", message_for("reconnect"), detail=connection.status)
    tokens = load_tokens(connection)
    if tokens.expires_at - time.time() <= REFRESH_MARGIN_SECONDS:
        tokens = refresh_tokens(connection.id)
    provider = provider_for(connection.provider)
    gate = RedisGate(get_redis(), connection.provider, connection.organisation_id)
    ctx = ApiContext(access_token=tokens.access_token, organisation_id=connection.organisation_id,
                     extra={**tokens.extra, **(connection.organisation_extra or {})}, gate=gate,
                     timeout=timeout)
    return provider, ctx


def call_with_refresh(connection, operation):
    """Run operation(provider, ctx); on an auth failure refresh once and retry, then give up.

    A second failure marks the connection "needs reconnect".
    """
    provider, ctx = api_context(connection)
    try:
        return operation(provider, ctx)
    except AuthError:
        refresh_tokens(connection.id, force=True)
        connection = Connection.get_by_id(connection.id)
        provider, ctx = api_context(connection)
        try:
            return operation(provider, ctx)
        except AuthError as exc:
            mark_needs_reconnect(connection, exc.message)
            raise


def keep_alive():
    """Refresh every connected grant whose refresh token is older than a week; return count."""
    cutoff = time.time() - KEEP_ALIVE_AFTER_SECONDS
    stale = Connection.select(Connection.id).where(
        Connection.status == CONNECTED, Connection.refreshed_at < cutoff)
    refreshed = 0
    for connection in stale:
        try:
            refresh_tokens(connection.id, force=True)
            refreshed += 1
        except AuthError:
            continue  # already marked "needs reconnect"
    return refreshed
