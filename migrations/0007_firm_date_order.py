"""How the firm writes dates in CSV files: day first (15/11/2026) or month first (11/15/2026).

Empty means "as usual in the firm's country": day first everywhere but the United States.
"""

from peewee import *


def up(migrator, db):
    migrator.migrate(migrator.add_column("firm_profile", "date_order",
                                         CharField(max_length=3, default="")))


def down(migrator, db):
    migrator.migrate(migrator.drop_column("firm_profile", "date_order"))
