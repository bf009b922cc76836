"""Links from the firm's contacts to ledger contacts, one per connection.

A connection is one organisation in one accounting package, so a link made while connected to
one organisation comes back when that organisation is reconnected and is never seen by another.
"""

import datetime
from dataclasses import dataclass

from models.integration import Connection
from models.integration import ContactLink
from models.integration import LedgerContact
from sync.records import recheck

REMOTE_ID_MAX = 100


@dataclass(frozen=True)
class LinkView:
    """One link as the contact screens show it."""

    connection: Connection
    package: str
    remote_id: str
    ledger_name: str | None  # the cached ledger contact's name, None when not in the cache
    ledger_active: bool
    active_connection: bool

    @property
    def problem(self):
        """What is wrong with the linked ledger contact, or None."""
        if self.ledger_name is None:
            return ("not among the ledger contacts last read from the package (the list may be "
                    "out of date: Refresh lists on Integrations)")
        if not self.ledger_active:
            return "inactive or archived in the ledger"
        return None


def package_name(connection):
    """The accounting package's display name for a connection."""
    from providers import PULL_REGISTRY
    from providers import REGISTRY

    provider = REGISTRY.get(connection.provider) or PULL_REGISTRY.get(connection.provider)
    return provider.name if provider is not None else connection.provider


def connection_label(connection):
    """'Xero (Harbour Lettings Ltd)': package and organisation."""
    return f"{package_name(connection)} ({connection.organisation_name or 'unnamed organisation'})"


def link_in(connection, contact):
    """The contact's link in this connection, or None (also None without a connection)."""
    if connection is None or contact is None:
        return None
    return ContactLink.get_or_none(ContactLink.connection == connection,
                                   ContactLink.contact == contact)


def remote_id_in(connection, contact):
    """The ledger contact id linked in this connection, or ""."""
    link = link_in(connection, contact)
    return link.remote_id if link else ""


def set_link(connection, contact, remote_id):
    """Link the contact to remote_id in the connection; an empty id removes the link."""
    link = _set_link(connection, contact, remote_id)
    if connection is not None and connection.active:
        recheck(connection, _documents_of(contact))
    return link


def _documents_of(contact):
    from models.document import Document

    return [d.id for d in Document.select(Document.id).where(
        (Document.contact == contact) | (Document.care_of == contact))]


def _set_link(connection, contact, remote_id):
    remote_id = (remote_id or "").strip()
    link = link_in(connection, contact)
    if not remote_id:
        if link is not None:
            link.delete_instance()
        return None
    if link is None:
        return ContactLink.create(connection=connection, contact=contact, remote_id=remote_id)
    if link.remote_id != remote_id:
        link.remote_id, link.linked_at = remote_id, datetime.datetime.now()
        link.save()
    return link


def cached_ledger_contact(connection, remote_id):
    """The cached ledger contact with this id in the connection, or None."""
    if connection is None or not remote_id:
        return None
    return LedgerContact.get_or_none(LedgerContact.connection == connection,
                                     LedgerContact.remote_id == remote_id)


def links_of(contact):
    """Every link of the contact, active connection first, then by package and organisation."""
    links = list(ContactLink.select(ContactLink, Connection)
                 .join(Connection).where(ContactLink.contact == contact))
    cached = {}
    for link in links:
        row = cached_ledger_contact(link.connection, link.remote_id)
        if row is not None:
            cached[link.id] = row
    views = [LinkView(connection=link.connection, package=package_name(link.connection),
                      remote_id=link.remote_id,
                      ledger_name=cached[link.id].name if link.id in cached else None,
                      ledger_active=cached[link.id].active if link.id in cached else False,
                      active_connection=bool(link.connection.active))
             for link in links]
    return sorted(views, key=lambda v: (not v.active_connection, v.package,
                                        v.connection.organisation_name or ""))


def linked_contact_ids(connection, contact_ids):
    """Which of these contact ids are linked in the connection."""
    if connection is None or not contact_ids:
        return set()
    query = ContactLink.select(ContactLink.contact).where(
        ContactLink.connection == connection, ContactLink.contact.in_(list(contact_ids)))
    return {row.contact_id for row in query}
