"""The database: a deferred peewee proxy bound to SQLite (default) or PostgreSQL, and migrations."""

import contextlib
import os
from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlparse

from peewee import DatabaseProxy
from peewee import Model
from peewee import SqliteDatabase
from playhouse.migrations import Runner
from playhouse.pool import PooledPostgresqlDatabase

db = DatabaseProxy()

NO_CONNECT_ENDPOINTS = {"static", "health.healthz"}
MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


class BaseModel(Model):
    """Base for every table: bound to the shared proxy, snake_case table names."""

    class Meta:
        database = db
        legacy_table_names = False


def make_database(database_url, instance_path, busy_timeout_ms=5000):
    """Build the peewee database for a URL, or SQLite in the instance folder when it is empty."""
    if not database_url:
        path = Path(instance_path) / "ledgerlink.db"
        return sqlite_database(path, busy_timeout_ms)
    parsed = urlparse(database_url)
    if parsed.scheme == "sqlite":
        return sqlite_database(unquote(parsed.path), busy_timeout_ms)
    if parsed.scheme in {"postgres", "postgresql"}:
        return PooledPostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=unquote(parsed.username or "") or None,
            password=unquote(parsed.password or "") or None,
            host=parsed.hostname or None,
            port=parsed.port or None,
            max_connections=32,
            stale_timeout=300,
        )
    raise ValueError(f"DATABASE_URL must start with postgresql:// or sqlite://, not {parsed.scheme}://")


def sqlite_database(path, busy_timeout_ms):
    """SQLite with WAL, foreign keys and a busy timeout, so web and workers can share it.

    A new database file is created readable by its owner only (0600), like the secret and token
    keys beside it; SQLite gives its -wal and -shm files the same mode.
    """
    return _PrivateSqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            "synchronous": "normal",
            "cache_size": -16000,
        },
        timeout=busy_timeout_ms / 1000,
    )


class _PrivateSqliteDatabase(SqliteDatabase):
    """SQLite that creates a missing database file as 0600 on first connect."""

    def _connect(self):
        path = Path(self.database)
        if self.database not in ("", ":memory:") and not path.exists() and path.parent.is_dir():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return super()._connect()


def configure(database_url, instance_path, busy_timeout_ms=5000):
    """Point the shared proxy at the configured database without connecting."""
    db.initialize(make_database(database_url, instance_path, busy_timeout_ms))
    return db


def migrate():
    """Apply pending numbered migrations; return the names applied."""
    with db.connection_context():
        return Runner(db.obj, MIGRATIONS_DIR).up()


def migration_status():
    """List (name, applied_at or None) for every migration script."""
    with db.connection_context():
        return [(m.name, m.applied) for m in Runner(db.obj, MIGRATIONS_DIR).status()]


def init_app(app):
    """Configure the database from app settings and open/close a connection per request."""
    configure(app.config["DATABASE_URL"], app.instance_path, app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @app.before_request
    def _db_connect():
        from flask import request

        # Health checks connect on demand so a database outage is reported, not raised.
        if request.endpoint not in NO_CONNECT_ENDPOINTS:
            db.connect(reuse_if_open=True)

    @app.teardown_request
    def _db_close(exc):
        if not db.is_closed():
            db.close()
