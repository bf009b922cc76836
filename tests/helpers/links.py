"""Helpers for the contact-link tests: connections inserted directly, no OAuth dance."""

import models
from models.integration import CONNECTED
from models.integration import Connection
from models.integration import LedgerContact
from services.contact_links import remote_id_in


def add_connection(app, provider="xero", organisation_id="org-1", name="Harbour Lettings Ltd",
                   active=True):
    """A connection row as the connect flow leaves it (no tokens, so nothing to revoke)."""
    with app.app_context(), models.db.connection_context():
        return Connection.create(provider=provider, organisation_id=organisation_id,
                                 organisation_name=name, status=CONNECTED, active=active)


def add_ledger_contact(app, connection, remote_id, name, active=True):
    """A cached ledger contact, as Refresh lists stores it."""
    with app.app_context(), models.db.connection_context():
        return LedgerContact.create(connection=connection, remote_id=remote_id, name=name,
                                    is_customer=True, active=active)


def ledger_id(app, connection, contact):
    """The contact's ledger id in the connection, "" when not linked."""
    with app.app_context(), models.db.connection_context():
        return remote_id_in(connection, contact)


def connect_sandbox(app, admin_client, provider_id):
    """Connect a provider through the sandbox and read its lists; returns the Connection."""
    from connections.lists import refresh_lists_now
    from helpers.connect import connect

    _response, connection = connect(app, admin_client, provider_id)
    assert connection is not None, f"{provider_id} did not connect"
    with app.app_context(), models.db.connection_context():
        refresh_lists_now(connection.id)
    return connection


def cached_contact(app, connection, kind="customer", active=True):
    """The first cached ledger contact of a kind (by name) in the connection."""
    from providers import REGISTRY

    flag = LedgerContact.is_supplier if kind == "supplier" else LedgerContact.is_customer
    with app.app_context(), models.db.connection_context():
        query = LedgerContact.select().where(LedgerContact.connection == connection,
                                             LedgerContact.active == active)
        if REGISTRY[connection.provider].contact_kinds_strict:  # Xero's flags mean nothing yet
            query = query.where(flag == True)  # noqa: E712
        return query.order_by(LedgerContact.name).first()
