"""Migration 0005: contact.ledger_contact_id becomes per-connection contact links, and back."""

import pytest
from helpers.docs import add_contact
from helpers.links import add_connection
from peewee import Table
from playhouse.migrations import Runner

import models
from models.integration import ContactLink

MIGRATION = "0005_contact_links"
OLD_COLUMN = "ledger_contact_id"


def _columns(table):
    return {column.name for column in models.db.get_columns(table)}


def _set_old_ids(ids_by_contact):
    contact = Table("contact", ("id", OLD_COLUMN)).bind(models.db.obj)
    for contact_id, value in ids_by_contact.items():
        contact.update({getattr(contact, OLD_COLUMN): value}).where(
            contact.id == contact_id).execute()


def _undo_later_migrations(runner):
    """Roll back the migrations numbered after this one, so it is the latest applied."""
    later = [m.name for m in runner.status() if m.applied and m.name > MIGRATION]
    if later:
        runner.down(later[0])


@pytest.mark.parametrize("active", [1, 0, 2])
def test_old_ids_move_to_the_only_active_connection(app, active):
    first, second, third = (add_contact(app, f"A{n}", f"Contact {n}") for n in range(3))
    connections = [add_connection(app, "xero", f"org-{n}", f"Org {n}", active=n < active)
                   for n in range(2)]
    with app.app_context(), models.db.connection_context():
        runner = Runner(models.db.obj, models.MIGRATIONS_DIR)
        _undo_later_migrations(runner)
        assert runner.down(MIGRATION) == [MIGRATION]
        assert "contact_link" not in models.db.get_tables()
        assert OLD_COLUMN in _columns("contact")
        _set_old_ids({first.id: "xero-1", second.id: "   ", third.id: " xero-3 "})
        assert runner.up(MIGRATION) == [MIGRATION]
        runner.up()  # the later migrations again
        assert OLD_COLUMN not in _columns("contact")
        links = {(link.connection_id, link.contact_id, link.remote_id)
                 for link in ContactLink.select()}
        if active == 1:
            assert links == {(connections[0].id, first.id, "xero-1"),
                             (connections[0].id, third.id, "xero-3")}
        else:
            assert links == set()  # no single active connection: nowhere to put them
        indexes = {tuple(i.columns): i.unique for i in models.db.get_indexes("contact_link")}
        assert indexes[("connection_id", "contact_id")] is True
        assert indexes[("connection_id", "remote_id")] is False
        assert Table("contact").bind(models.db.obj).select().count() == 3


def test_down_restores_an_empty_column_and_drops_the_links(app):
    contact = add_contact(app)
    connection = add_connection(app)
    with app.app_context(), models.db.connection_context():
        ContactLink.create(connection=connection, contact=contact, remote_id="xero-1")
        Runner(models.db.obj, models.MIGRATIONS_DIR).down(MIGRATION)
        assert "contact_link" not in models.db.get_tables()
        rows = list(Table("contact", ("id", OLD_COLUMN)).bind(models.db.obj).select().tuples())
        assert rows == [(contact.id, "")]
        Runner(models.db.obj, models.MIGRATIONS_DIR).up()
        assert "contact_link" in models.db.get_tables() and ContactLink.select().count() == 0
