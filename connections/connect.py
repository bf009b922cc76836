"""Connecting, choosing the organisation, disconnecting: the steps behind the Integrations page.

Between the provider's callback and the organisation choice, the new tokens wait encrypted in
Redis for ten minutes under a random id kept in the admin's session; nothing is written to the
database until an organisation is chosen, so a failed or abandoned attempt leaves nothing behind.
"""

import datetime
import json
import logging
import secrets
from dataclasses import asdict

from flask import current_app

from connections.jobs import refresh_lists
from connections.lists import fetch_lists
from connections.lists import store_lists
from connections.ratelimit import RedisGate
from connections.tokens import load_tokens
from connections.tokens import provider_for
from connections.tokens import store_tokens
from models import db
from models import token_vault
from models.integration import CONNECTED
from models.integration import DISCONNECTED
from models.integration import Connection
from providers import REGISTRY
from providers.base import ApiContext
from providers.base import Organisation
from providers.base import ProviderError
from worker.queue import get_redis
from worker.runtime import enqueue

log = logging.getLogger("ledgerlink.connect")
PENDING_TTL_SECONDS = 600
SYNC_RUNNING_KEY = "ledgerlink:sync:running"


class ConnectError(Exception):
    """A step of connecting failed; the message is for the admin."""


def sync_running():
    """True while a sync run is queued or running (or a process holds the running flag)."""
    from models.sync import SyncRun

    active = SyncRun.select().where(SyncRun.active_connection.is_null(False)).exists()
    return active or bool(get_redis().exists(SYNC_RUNNING_KEY))


def _pending_key(pending_id):
    return f"ledgerlink:connect:{pending_id}"


def _keys():
    return token_vault.parse_keys(current_app.config["TOKEN_KEYS"])


def stash_grant(provider_id, tokens, organisations, reconnect_id=None):
    """Keep a fresh grant (encrypted) until the admin chooses an organisation; return its id."""
    pending_id = secrets.token_urlsafe(16)
    payload = {"provider": provider_id, "tokens": token_vault.encrypt(_keys(), tokens),
               "organisations": [asdict(org) for org in organisations],
               "reconnect_id": reconnect_id}
    get_redis().set(_pending_key(pending_id), json.dumps(payload), ex=PENDING_TTL_SECONDS)
    return pending_id


def pending_grant(pending_id):
    """The stashed grant, or None when it expired or never existed."""
    raw = get_redis().get(_pending_key(pending_id or ""))
    if raw is None:
        return None
    payload = json.loads(raw)
    payload["organisations"] = [Organisation(**org) for org in payload["organisations"]]
    return payload


def discard_grant(pending_id):
    """Forget a stashed grant (after use, or when the admin gives up)."""
    get_redis().delete(_pending_key(pending_id or ""))


def _chosen(pending_id, organisation_id):
    """(payload, chosen Organisation, TokenSet) of a stashed grant, or ConnectError."""
    payload = pending_grant(pending_id)
    if payload is None:
        raise ConnectError("The sign-in took too long and has expired. Start connecting again.")
    chosen = next((o for o in payload["organisations"] if o.id == organisation_id), None)
    if chosen is None:
        raise ConnectError("Choose one of the organisations offered.")
    return payload, chosen, token_vault.decrypt(_keys(), payload["tokens"])


def check_organisation(pending_id, organisation_id):
    """Read the chosen organisation's accounts and taxes with the new grant, before saving.

    A grant that cannot read them (lapsed subscription, removed organisation, refused access)
    raises ConnectError with the provider's plain message, and nothing is stored.
    """
    payload, chosen, tokens = _chosen(pending_id, organisation_id)
    provider = provider_for(payload["provider"])
    ctx = ApiContext(access_token=tokens.access_token, organisation_id=organisation_id,
                     extra={**tokens.extra, **(chosen.extra or {})},
                     gate=RedisGate(get_redis(), payload["provider"], organisation_id))
    try:
        return fetch_lists(provider, ctx, contacts=False)
    except ProviderError as exc:
        log.info("organisation check for %s failed: %s", payload["provider"], exc.code)
        raise ConnectError(f"{provider.name} did not let Ledgerlink read {chosen.name}: "
                           f"{exc.message}") from exc


def complete(pending_id, organisation_id):
    """Create or restore the connection for the chosen organisation and make it active.

    Returns (connection, restored) where restored says earlier mappings came back.
    """
    payload, chosen, tokens = _chosen(pending_id, organisation_id)
    provider_id = payload["provider"]
    with db.atomic():
        other = Connection.active_connection()
        if other is not None and other.provider != provider_id:
            raise ConnectError(f"{_label(other)} is still connected. Disconnect it first.")
        if other is not None and other.organisation_id != organisation_id:
            # The admin signed in to the same package again and chose another of its
            # organisations: that one takes over, and the one before keeps its mapping and
            # links for when it is reconnected. Its grant is not revoked, as it may be the grant
            # just given.
            if sync_running():
                raise ConnectError("A sync is running. Wait for it to finish before changing "
                                   "organisations.")
            Connection.update(status=DISCONNECTED, active=False, tokens=None,
                              access_expires_at=None, status_reason=None).where(
                Connection.id == other.id).execute()
        connection = Connection.get_or_none(Connection.provider == provider_id,
                                            Connection.organisation_id == organisation_id)
        restored = connection is not None and connection.mappings.count() > 0
        if connection is None:
            connection = Connection(provider=provider_id, organisation_id=organisation_id)
        connection.organisation_name = chosen.name
        connection.organisation_extra = chosen.extra
        connection.status, connection.status_reason, connection.active = CONNECTED, None, True
        connection.last_error = None
        connection.mappings_confirmed = False  # every (re)connect asks to confirm the mapping
        connection.connected_at = datetime.datetime.now()
        store_tokens(connection, tokens)
    discard_grant(pending_id)
    log.info("connected %s organisation %s (restored=%s)", provider_id, organisation_id,
             restored)
    return connection, restored


def finish(pending_id, organisation_id):
    """Check the chosen organisation, save the connection with its accounts and taxes, and queue
    reading its contacts. Returns (connection, restored); raises ConnectError, saving nothing.
    """
    fetched = check_organisation(pending_id, organisation_id)
    connection, restored = complete(pending_id, organisation_id)
    store_lists(connection, fetched)
    enqueue(refresh_lists, connection.id, job_timeout=600)  # contacts in the background
    return connection, restored


def disconnect(connection):
    """Revoke at the provider (best effort), stop syncing; keep mappings and contact links."""
    revoked = True
    if connection.tokens:
        try:
            provider_for(connection.provider).revoke(load_tokens(connection),
                                                    connection.organisation_id)
        except ProviderError as exc:
            revoked = False
            log.warning("revoking %s connection %s failed: %s", connection.provider,
                        connection.id, exc.code)
    Connection.update(status=DISCONNECTED, active=False, tokens=None, access_expires_at=None,
                      status_reason=None).where(Connection.id == connection.id).execute()
    return revoked


def _label(connection):
    name = REGISTRY[connection.provider].name if connection.provider in REGISTRY else "A ledger"
    return f"{name} ({connection.organisation_name})"
