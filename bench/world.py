"""What the sync benchmarks share: a fresh app on its own database and Redis, a provider connected
through Ledgerlink's own screens and the sandbox's consent pages, a backlog of linked documents,
real worker processes, and the sandbox's ledger read over HTTP.

The connecting, mapping and linking reuse the test helpers (tests/helpers/sync.py), so the
benchmarks set things up exactly as the engine's tests do.
"""

import contextlib
import datetime
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse
from urllib.parse import urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ["FLASK_SKIP_DOTENV"] = "1"  # the project's .env is no part of a benchmark

import psycopg2  # noqa: E402
import requests  # noqa: E402
from conftest import sign_in  # noqa: E402
from conftest import worker_env  # noqa: E402
from helpers.sync import Db  # noqa: E402
from helpers.sync import add_ready  # noqa: E402
from helpers.sync import ready_world  # noqa: E402
from helpers.sync import tenant_copies  # noqa: E402

import models  # noqa: E402
from app import create_app  # noqa: E402
from models.document import Document  # noqa: E402
from models.document import DocumentLine  # noqa: E402
from models.sync import SyncRun  # noqa: E402
from models.user import User  # noqa: E402
from worker import queue as queue_module  # noqa: E402

PASSWORD = secrets.token_urlsafe(16)  # a fresh admin per benchmark app
BIN = Path(sys.executable).parent
PG_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")


def log(message):
    """Progress on stderr (stdout carries only the `name: value` lines)."""
    print(message, file=sys.stderr, flush=True)


def start_sandbox(enforce_limits=True):
    """The accounting sandbox on a loopback port, in this process."""
    from sandbox.server import SandboxServer

    return SandboxServer(limits="on" if enforce_limits else "off").start()


def control(sandbox, path, **body):
    """POST to one of the sandbox's control endpoints; the JSON answer."""
    response = requests.post(f"{sandbox.url}/_control/{path}", json=body, timeout=30)
    response.raise_for_status()
    return response.json()


def set_limits(sandbox, provider_id, enforce):
    """Switch the provider's published rate limits on or off in the sandbox."""
    return control(sandbox, "limits", provider=provider_id, enforce=enforce)


def ledger(sandbox, connection):
    """The sandbox's view of the connection's organisation: documents and API calls."""
    body = requests.get(f"{sandbox.url}/_control/ledger",
                        params={"provider": connection.provider,
                                "tenant": connection.organisation_id}, timeout=60).json()
    return body["tenants"][connection.organisation_id]


def ledger_copies(tenant, numbers):
    """{number: how many documents the ledger holds under it (number or reference)}."""
    return tenant_copies(tenant, numbers)


def _pg_database(tag):
    """A fresh PostgreSQL database beside DATABASE_URL's; its URL."""
    name = f"{urlparse(PG_URL).path.lstrip('/') or 'll'}_{tag}_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return urlunparse(urlparse(PG_URL)._replace(path="/" + name))


def drop_pg_database(url):
    """Drop a database made by _pg_database."""
    conn = psycopg2.connect(PG_URL)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}" WITH (FORCE)')
    conn.close()


class World:
    """One fresh app (database, Redis, instance folder) with a provider connected in the sandbox.

    `postgres`: a fresh database beside DATABASE_URL (default: when it is set), else SQLite.
    """

    def __init__(self, sandbox, tag, postgres=None, **config):
        postgres = bool(PG_URL) if postgres is None else postgres
        self.sandbox = sandbox
        control(sandbox, "reset")  # the seeded ledgers again, faults and limits as started
        self.workdir = tempfile.mkdtemp(prefix=f"ll-bench-{tag}-")
        os.environ["INSTANCE_PATH"] = self.workdir
        self.database_url = _pg_database(tag) if postgres else f"sqlite://{self.workdir}/bench.db"
        if REDIS_URL:
            self.redis_url = REDIS_URL
            queue_module.get_redis(REDIS_URL).flushdb()
        else:
            self.redis_url = queue_module.ensure_embedded(os.path.join(self.workdir, "redis"))
        self.app = create_app({"DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                               "SECRET_KEY": f"bench-{uuid.uuid4().hex}", "TESTING": True,
                               "LOG_LEVEL": "WARNING", "LEDGER_SANDBOX_URL": sandbox.url,
                               **config})
        with Db(self.app):
            models.migrate()
            User.create_user("bench@example.com", PASSWORD, "admin")
        self.client = self.app.test_client()
        sign_in(self.client, "bench@example.com", PASSWORD)
        self.connection = None
        self.workers = []

    def connect(self, provider_id):
        """Connect, read the lists, map the accounts, link a customer and a supplier."""
        self.connection = ready_world(self.app, self.client, provider_id)
        return self.connection

    def backlog(self, count, kind="sales_invoice", prefix="B", batch=2000):
        """`count` approved (and, for sales, sent) documents of a kind to linked contacts: one made
        through the real services, the rest copies of it under new numbers. Their numbers."""
        first = add_ready(self.app, self.connection, f"{prefix}{0:07d}", kind)
        numbers = [f"{prefix}{n:07d}" for n in range(count)]
        with Db(self.app):
            row = Document.select().where(Document.id == first.id).dicts().get()
            lines = list(DocumentLine.select().where(DocumentLine.document == first.id).dicts())
            for start in range(1, count, batch):
                chunk = numbers[start:start + batch]
                docs = [{**{k: v for k, v in row.items() if k != "id"}, "number": n}
                        for n in chunk]
                with models.db.atomic():
                    Document.insert_many(docs).execute()
                    ids = dict(Document.select(Document.number, Document.id).where(
                        Document.number.in_(chunk)).tuples())
                    DocumentLine.insert_many([
                        {**{k: v for k, v in line.items() if k != "id"}, "document": ids[n]}
                        for n in chunk for line in lines]).execute()
        return numbers

    def env(self, **overrides):
        """The environment of a worker process for this app."""
        return worker_env(self.app, LEDGER_SANDBOX_URL=self.sandbox.url, LOG_LEVEL="WARNING",
                          **{k: str(v) for k, v in overrides.items()})

    def start_worker(self, *extra, **env):
        """Start `flask --app app worker` (its own session, output to a file); the Popen."""
        out = open(Path(self.workdir) / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen([str(BIN / "flask"), "--app", "app", "worker", *extra],
                                   cwd=ROOT, env=self.env(**env), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log = out
        self.workers.append(process)
        return process

    def run(self, run_id):
        """The run row, read fresh."""
        with Db(self.app):
            return SyncRun.get_by_id(run_id)

    def close(self):
        """Stop the workers, close the database (and drop a PostgreSQL one)."""
        for process in self.workers:
            stop_worker(process)
        database = models.db.obj
        if database is not None:
            if hasattr(database, "close_all"):
                database.close_all()
            elif not database.is_closed():
                database.close()
        if self.database_url.startswith("postgres"):
            drop_pg_database(self.database_url)
        if not REDIS_URL:
            queue_module.stop_embedded(os.path.join(self.workdir, "redis"))


def descendants(pid):
    """Pids of every process below pid (from /proc), e.g. a worker's RQ work-horse."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid):
    """A process's resident set size in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for text in handle:
                if text.startswith("VmRSS:"):
                    return int(text.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def kill_worker(process):
    """SIGKILL a worker and everything below it (its work-horse runs in a session of its own)."""
    below = descendants(process.pid)
    for pid in [process.pid, *below]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    process.log.close()


def stop_worker(process, timeout=20):
    """Ask a worker to stop (SIGTERM, then SIGKILL after `timeout`)."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_worker(process)
            return
        except ProcessLookupError:
            pass
    process.log.close()


def wait_run(world, run_id, timeout, poll=0.5, sample=None):
    """Wait for a run to leave its active states; its row. `sample()` runs on every poll."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sample is not None:
            sample()
        run = world.run(run_id)
        if run.state not in ("queued", "running"):
            return run
        time.sleep(poll)
    raise TimeoutError(f"run {run_id} still {world.run(run_id).state} after {timeout} s")


def now():
    """Local time as the database stores it."""
    return datetime.datetime.now()
