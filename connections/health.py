"""A grant's health as its card shows it: token lifetimes, quota left, last error, stale mapping."""

import datetime
import time

from connections.ratelimit import RedisGate
from models.integration import MAPPING_ROLES
from models.integration import LedgerAccount
from providers import REGISTRY
from worker.queue import get_redis


def archived_mappings(connection):
    """Mapping roles whose account is archived or gone in the ledger."""
    active = {a.remote_id for a in LedgerAccount.select(LedgerAccount.remote_id).where(
        LedgerAccount.connection == connection, LedgerAccount.active == True)}  # noqa: E712
    return [MAPPING_ROLES[m.role][0] for m in connection.mappings
            if m.account_remote_id not in active]


def health(connection):
    """Token expiry, refresh-token age and lapse, remaining quota and last error, for a card."""
    now = time.time()
    provider = REGISTRY.get(connection.provider)
    lifetime = provider.refresh_token_days if provider is not None else None
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
