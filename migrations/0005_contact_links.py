"""Contact links per connection, replacing the single global contact.ledger_contact_id.

Existing ids move to the active connection when there is exactly one; otherwise nobody can say
which ledger they belong to, so they are dropped.
"""

import datetime

from peewee import *


def up(migrator, db):
    class Connection(db.Model):
        active = BooleanField(default=False)

        class Meta:
            table_name = "connection"

    class Contact(db.Model):
        ledger_contact_id = CharField(max_length=100, default="")

        class Meta:
            table_name = "contact"

    class ContactLink(db.Model):
        connection = ForeignKeyField(Connection, on_delete="CASCADE")
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        remote_id = CharField(max_length=100)
        linked_at = DateTimeField(default=datetime.datetime.now)

        class Meta:
            table_name = "contact_link"
            indexes = ((("connection", "contact"), True), (("connection", "remote_id"), False))

    db.create_tables([ContactLink])
    active = list(Connection.select(Connection.id).where(Connection.active == True))  # noqa: E712
    if len(active) == 1:
        rows = [{"connection": active[0].id, "contact": contact.id,
                 "remote_id": contact.ledger_contact_id.strip()}
                for contact in Contact.select(Contact.id, Contact.ledger_contact_id)
                .where(Contact.ledger_contact_id != "")
                if contact.ledger_contact_id.strip()]
        for start in range(0, len(rows), 200):
            ContactLink.insert_many(rows[start:start + 200]).execute()
    migrator.migrate(migrator.drop_column("contact", "ledger_contact_id"))


def down(migrator, db):
    migrator.migrate(migrator.add_column("contact", "ledger_contact_id",
                                         CharField(max_length=100, default="")))
    db.execute_sql("DROP TABLE contact_link")
