"""Background jobs about grants. Each takes ids, never objects, and opens its own connection."""

from connections.lists import refresh_lists_now
from connections.tokens import keep_alive
from worker.runtime import ledger_job


@ledger_job
def refresh_lists(connection_id):
    """Refresh the cached ledger lists of a connection."""
    return refresh_lists_now(connection_id)


@ledger_job
def keep_connections_alive():
    """Refresh grants before their refresh tokens can idle out."""
    return keep_alive()
