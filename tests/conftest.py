"""Shared fixtures: a real database (SQLite file or PostgreSQL) and a real Redis per test.

With DATABASE_URL / REDIS_URL unset, tests use SQLite files and an embedded Redis; with them set
(as .ci/run does), a fresh PostgreSQL database cloned from a migrated template per test, and the
Redis server with its database flushed per test. Those two variables are read once, here: every
test app is then isolated from the developer's environment and .env file (see
isolated_environment), and so are the processes tests start from it.

Also here: the sandbox and an app pointed at it, sign-in helpers and an htmx-headers helper.
"""

import contextlib
import os
import re
import shutil
import uuid
from urllib.parse import urlparse
from urllib.parse import urlunparse

import psycopg2
import pytest
from helpers import secret_watch

import config
import models
from app import create_app
from models.user import User
from worker import queue as queue_module

secret_watch.install()
PG_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "correct horse battery"


@contextlib.contextmanager
def _pg_admin(url):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


def _with_dbname(url, name):
    return urlunparse(urlparse(url)._replace(path="/" + name))


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A migrated database that each test clones."""
    if PG_URL:
        name = f"ll_tpl_{os.getpid()}"
        with _pg_admin(PG_URL) as conn, conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        url = _with_dbname(PG_URL, name)
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite://{path}"
    models.configure(url, ".")
    models.migrate()
    _close_all()
    yield url
    if PG_URL:
        with _pg_admin(PG_URL) as conn, conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')


def _close_all():
    database = models.db.obj
    if database is None:
        return
    if hasattr(database, "close_all"):
        database.close_all()
    elif not database.is_closed():
        database.close()


@pytest.fixture
def database_url(template_database, tmp_path):
    """A fresh copy of the migrated template for one test."""
    if PG_URL:
        template = urlparse(template_database).path.lstrip("/")
        name = f"ll_t_{uuid.uuid4().hex[:12]}"
        with _pg_admin(PG_URL) as conn, conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        yield _with_dbname(PG_URL, name)
        _close_all()
        with _pg_admin(PG_URL) as conn, conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "test.db"
        shutil.copy(urlparse(template_database).path, path)
        yield f"sqlite://{path}"
        _close_all()


@pytest.fixture(scope="session")
def session_redis_url(tmp_path_factory):
    """The Redis every test shares: the configured server, or one embedded server."""
    if REDIS_URL:
        yield REDIS_URL
        return
    instance = tmp_path_factory.mktemp("redis")
    yield queue_module.ensure_embedded(instance)
    queue_module.stop_embedded(instance)


@pytest.fixture
def redis_url(session_redis_url):
    """The shared Redis, emptied for this test."""
    client = queue_module.get_redis(session_redis_url)
    client.flushdb()
    return session_redis_url


@pytest.fixture
def isolated_environment(monkeypatch):
    """No Ledgerlink setting from the environment or a .env file reaches a test app.

    Every setting is removed from os.environ for the test, and FLASK_SKIP_DOTENV=1 (the switch
    the flask command obeys, and config.py too) keeps the project's .env file out, including in
    worker and serve processes started from this environment.
    """
    for name in (*config.DEFAULTS, "INSTANCE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")


@pytest.fixture
def app_config(database_url, redis_url, isolated_environment):
    """Settings for a test app; tests may change them before asking for `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }


@pytest.fixture
def app(app_config, tmp_path, monkeypatch):
    """An app on its own instance folder, database and emptied Redis."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(app_config)
    yield application
    _close_all()


@pytest.fixture
def client(app):
    """A test client (cookies kept between requests)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Create a user with the shared test password."""

    def make(email="staff@example.com", role="staff", active=True):
        with app.app_context(), models.db.connection_context():
            user = User.create_user(email, PASSWORD, role)
            if not active:
                user.active = False
                user.save()
            return user

    return make


@pytest.fixture
def admin(make_user):
    """An active administrator."""
    return make_user("admin@example.com", "admin")


@pytest.fixture
def staff(make_user):
    """An active staff member."""
    return make_user("staff@example.com", "staff")


_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_HEADER_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path="/auth/login"):
    """Fetch a page and return the CSRF token it carries."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html) or _HEADER_TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, email, password=PASSWORD, remember=False):
    """Sign in through the real form, CSRF token included."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "1"
    return client.post("/auth/login", data=data)


def signed_in_client(app, user):
    """A new test client of the app, signed in as the user through the real form."""
    client = app.test_client()
    sign_in(client, user.email)
    return client


def htmx_headers(extra=None):
    """The headers htmx sends with a request (so the view answers with a fragment), plus extra."""
    return {"HX-Request": "true", **(extra or {})}


@pytest.fixture
def admin_client(client, admin):
    """A client signed in as an administrator."""
    sign_in(client, admin.email)
    return client


@pytest.fixture
def staff_client(client, staff):
    """A client signed in as staff."""
    sign_in(client, staff.email)
    return client


def worker_env(app, **overrides):
    """Environment for a separate worker process that must see this test's database and Redis."""
    env = {**os.environ, "INSTANCE_PATH": app.instance_path,
           "DATABASE_URL": app.config["DATABASE_URL"], "REDIS_URL": app.config["REDIS_URL"],
           "SECRET_KEY": app.config["SECRET_KEY"], "PYTHONUNBUFFERED": "1"}
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.fixture(scope="session")
def sandbox_server():
    """One accounting sandbox over real HTTP on loopback for the whole run."""
    from sandbox.server import SandboxServer

    server = SandboxServer().start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox, reset to its seeded state (clock and faults too) for this test."""
    import requests

    clock = sandbox_server.state["clock"]
    clock.factor, clock.offset = 1.0, 0.0
    requests.post(sandbox_server.url + "/_control/reset", json={}, timeout=10).raise_for_status()
    return sandbox_server


@pytest.fixture
def sandbox_app(app_config, sandbox, tmp_path, monkeypatch):
    """An app whose providers all point at the sandbox."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app({**app_config, "LEDGER_SANDBOX_URL": sandbox.url})
    yield application
    _close_all()


@pytest.fixture
def admin_web(sandbox_app, admin):
    """A client of the sandbox app signed in as an administrator."""
    return signed_in_client(sandbox_app, admin)


@pytest.fixture
def staff_web(sandbox_app, staff):
    """A client of the sandbox app signed in as staff."""
    return signed_in_client(sandbox_app, staff)


def pytest_collection_modifyitems(items):
    """The log scan runs last, over everything the suite logged before it."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_zz_log_scan.py"))
