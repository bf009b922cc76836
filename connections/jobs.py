"""Background jobs about grants. Each takes ids, never objects, and opens its own connection."""

from connections.lists import refresh_lists_now
from connections.tokens import keep_alive
from models.integration import Connection
from worker.runtime import ledger_job


@ledger_job
def refresh_lists(connection_id):
    """Refresh the cached ledger lists of a connection, then recheck its documents (accounts,
    tax rates and contacts may have changed in the ledger)."""
    from sync.index import refresh_all_kinds
    from sync.index import refresh_organisation
    from sync.records import recheck

    result = refresh_lists_now(connection_id)
    connection = Connection.get_by_id(connection_id)
    refresh_all_kinds(connection)
    refresh_organisation(connection)
    recheck(connection)
    return result


@ledger_job
def keep_connections_alive():
    """Refresh grants before their refresh tokens can idle out."""
    return keep_alive()
