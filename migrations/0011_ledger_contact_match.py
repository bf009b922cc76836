"""Cached ledger contacts keep their postcode and VAT number, so link suggestions can rank by
them as well as by name and email."""

from peewee import *


def up(migrator, db):
    migrator.migrate(
        migrator.add_column("ledger_contact", "postcode", CharField(max_length=20, default="")),
        migrator.add_column("ledger_contact", "vat_number", CharField(max_length=40, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("ledger_contact", "postcode"),
                     migrator.drop_column("ledger_contact", "vat_number"))
