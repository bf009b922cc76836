"""Epoch-second columns as double precision on PostgreSQL.

peewee's FloatField is `real` there: 4 bytes, so a timestamp such as 1796037688.5 reads back as
1796037600, up to about 90 seconds out, which eats into the token refresh margin. SQLite's REAL
is already 8 bytes, and rebuilding the connection table there would cascade to its children, so
SQLite is left as it is.
"""

from peewee import PostgresqlDatabase

COLUMNS = ("access_expires_at", "refreshed_at", "refresh_expires_at")


def _postgres(db):
    return isinstance(getattr(db, "obj", db), PostgresqlDatabase)


def up(migrator, db):
    if _postgres(db):
        for column in COLUMNS:
            db.execute_sql(f'ALTER TABLE "connection" ALTER COLUMN "{column}" '
                           "TYPE double precision")


def down(migrator, db):
    if _postgres(db):
        for column in COLUMNS:
            db.execute_sql(f'ALTER TABLE "connection" ALTER COLUMN "{column}" TYPE real')
