"""Benchmark (not a test): the Sync page with 100,000 documents, while a run is going.

Fills an empty database with 2,000 contacts and 100,000 approved documents (bench/documents_list
fill), a connection and a sync record for every document (about 70% synced, the rest spread over
the other states), and a running Auto sync. Then:

1. in-process (WSGI test client, no network), p50 and p95 of the grid's first page (the whole page
   and the htmx grid), filtered pages, a search, a deep keyset page, and the progress poll (with
   the 50 visible rows, as the browser sends it);
2. under load, over HTTP: the Procfile's gunicorn (2 workers) and a real RQ worker process, while
   a writer thread does what a run does to the database (run counters and record states, about
   20 writes a second); 8 client threads hammer /healthz, then the progress poll, each for
   --seconds; requests per second of each and their ratio.

Prints `name: value` lines.

    python bench/sync_page.py                       # temporary SQLite database, embedded Redis
    python bench/sync_page.py --database-url postgresql://postgres@127.0.0.1/ll_bench_page \\
        --redis-url redis://127.0.0.1:6379/4

The PostgreSQL database must exist and be empty (the script migrates it).
"""

import argparse
import datetime
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from documents_list import fill  # noqa: E402

import models  # noqa: E402
from app import create_app  # noqa: E402
from models.document import Document  # noqa: E402
from models.integration import CONNECTED  # noqa: E402
from models.integration import Connection  # noqa: E402
from models.sync import SyncRecord  # noqa: E402
from models.sync import SyncRun  # noqa: E402
from models.user import User  # noqa: E402
from sync import grid  # noqa: E402
from worker.queue import ensure_embedded  # noqa: E402
from worker.queue import stop_embedded  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 - the throwaway bench user
UNSYNCED_STATES = ["blocked"] * 10 + ["ready"] * 8 + ["failed"] * 3 + ["waiting"] * 2 + [
    "uncertain", "excluded"]
CODE_OF = {"blocked": "contact_not_linked", "ready": "ready", "failed": "validation",
           "waiting": "retry_waiting", "uncertain": "uncertain", "excluded": "excluded",
           "synced": "synced"}


def fill_records(connection, batch=5000):
    """A sync record per document: synced where the document says so, else a spread of states."""
    rng = random.Random(11)
    now = datetime.datetime.now()
    rows = []
    query = Document.select(Document.id, Document.kind, Document.synced_at).tuples()
    for document_id, kind, synced_at in query.iterator():
        state = "synced" if synced_at else rng.choice(UNSYNCED_STATES)
        rows.append({"document": document_id, "connection": connection.id, "kind": kind,
                     "state": state, "code": CODE_OF[state], "updated_at": now,
                     "ledger_number": f"L{document_id}" if state == "synced" else ""})
        if len(rows) == batch:
            with models.db.atomic():
                SyncRecord.insert_many(rows).execute()
            rows = []
    if rows:
        with models.db.atomic():
            SyncRecord.insert_many(rows).execute()
    models.db.execute_sql("ANALYZE")  # both backends plan better with fresh statistics


def percentiles(samples):
    """(p50, p95) of millisecond samples."""
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def timings(client, url, runs, headers=None):
    """Milliseconds for each of `runs` requests to url (after one warm-up)."""
    assert client.get(url, headers=headers).status_code == 200, url
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, url
    return samples


def run_writer(app, run_id, stop_event, rate=20.0):
    """Write as a run does: counters on the run row, states on records, `rate` writes a second."""
    with app.app_context(), models.db.connection_context():
        ids = [r for (r,) in SyncRecord.select(SyncRecord.id).where(
            SyncRecord.state == "ready").limit(5000).tuples()]
        n = 0
        while not stop_event.is_set() and ids:
            record_id = ids[n % len(ids)]
            with models.db.atomic():
                SyncRecord.update(updated_at=datetime.datetime.now()).where(
                    SyncRecord.id == record_id).execute()
                SyncRun.update(sent=SyncRun.sent + 1, synced=SyncRun.synced + 1).where(
                    SyncRun.id == run_id).execute()
            n += 1
            time.sleep(1.0 / rate)


def signed_in_session(base):
    """A requests session signed in through the real form."""
    session = requests.Session()
    page = session.get(f"{base}/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.post(f"{base}/auth/login", data={"email": "bench@example.com", "password": PASSWORD,
                                            "csrf_token": token}, timeout=10)
    return session


def hammer(sessions, url, seconds, headers=None):
    """Requests per second that the sessions (one thread each) complete against url."""
    done, errors = [0] * len(sessions), [0] * len(sessions)
    deadline = time.monotonic() + seconds

    def work(index, session):
        while time.monotonic() < deadline:
            response = session.get(url, headers=headers, timeout=30)
            if response.status_code in (200, 503):  # healthz says 503 when a check is down
                done[index] += 1
            else:
                errors[index] += 1

    threads = [threading.Thread(target=work, args=(i, s)) for i, s in enumerate(sessions)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(errors)


def wait_for(url, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=5).status_code in (200, 503):
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    """Fill, measure in-process, then under load over HTTP; print `name: value` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="ll-bench-sync-")
    os.environ["INSTANCE_PATH"] = workdir
    database_url = args.database_url or f"sqlite://{workdir}/bench.db"
    redis_url = args.redis_url or ensure_embedded(workdir)
    settings = {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "SECRET_KEY": "bench",
                "LOG_LEVEL": "WARNING"}
    app = create_app({**settings, "WTF_CSRF_ENABLED": False})
    models.migrate()
    with app.app_context(), models.db.connection_context():
        started = time.perf_counter()
        fill(documents=args.documents)
        connection = Connection.create(provider="xero", organisation_id="bench-org",
                                       organisation_name="Bench Ltd", status=CONNECTED,
                                       active=True)
        fill_records(connection)
        print(f"fill.documents: {Document.select().count()}")
        print(f"fill.records: {SyncRecord.select().count()}")
        print(f"fill.seconds: {time.perf_counter() - started:.1f}")
        User.create_user("bench@example.com", PASSWORD, "staff")
        now = datetime.datetime.now()
        run = SyncRun.create(connection=connection, kind="sales_invoice", mode="auto",
                             started_at=now, deadline=now + datetime.timedelta(minutes=20),
                             state="running", total=5000, left=5000,
                             active_connection=connection.id)
        visible = ",".join(str(r.id) for r in grid.grid_page(connection, "sales_invoice")[0])
        rows, cursor = grid.grid_page(connection, "sales_invoice", "all")
        for _ in range(int(args.documents * 0.005)):  # about 90% of the way down "all"
            rows, cursor = grid.grid_page(connection, "sales_invoice", "all", cursor=cursor,
                                          page_size=200)
    client = app.test_client()
    client.post("/auth/login", data={"email": "bench@example.com", "password": PASSWORD})
    htmx = {"HX-Request": "true"}
    since = datetime.datetime.now().isoformat()
    poll = f"/sync/runs/{run.id}?kind=sales_invoice&visible={visible}&since={since}"
    cases = [("page.first_full", "/sync/", None),
             ("page.first_grid", "/sync/?kind=sales_invoice", htmx),
             ("page.filtered_failed", "/sync/?kind=sales_invoice&filter=failed", htmx),
             ("page.filtered_supplier_blocked", "/sync/?kind=supplier_invoice&filter=blocked",
              htmx),
             ("page.synced", "/sync/?kind=sales_invoice&filter=synced", htmx),
             ("page.search_number", "/sync/?kind=sales_invoice&filter=all&q=S1500", htmx),
             ("page.search_contact", "/sync/?kind=sales_invoice&filter=all&q=harbour+quay",
              htmx),
             ("page.deep_all", f"/sync/?kind=sales_invoice&filter=all&cursor={cursor}", htmx),
             ("poll.progress", poll, htmx)]
    for name, path, headers in cases:
        p50, p95 = percentiles(timings(client, path, args.runs, headers))
        print(f"{name}.p50_ms: {p50:.1f}")
        print(f"{name}.p95_ms: {p95:.1f}")

    # Under load over HTTP, with gunicorn, a real worker and a run writing.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, **settings, "INSTANCE_PATH": workdir, "FLASK_SKIP_DOTENV": "1",
           "PYTHONUNBUFFERED": "1"}
    binaries = Path(sys.executable).parent
    web = subprocess.Popen([str(binaries / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                            "--workers", "2", "--log-level", "warning", "app:create_app()"],
                           cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    worker = subprocess.Popen([str(binaries / "flask"), "--app", "app", "worker"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    stop_event = threading.Event()
    writer = threading.Thread(target=run_writer, args=(app, run.id, stop_event), daemon=True)
    try:
        wait_for(f"{base}/healthz")
        writer.start()
        sessions = [signed_in_session(base) for _ in range(args.clients)]
        health_rps, health_errors = hammer(sessions, f"{base}/healthz", args.seconds)
        poll_rps, poll_errors = hammer(sessions, base + poll, args.seconds, htmx)
        print(f"load.clients: {args.clients}")
        print(f"load.healthz_rps: {health_rps:.1f}")
        print(f"load.poll_rps: {poll_rps:.1f}")
        print(f"load.poll_vs_healthz: {poll_rps / health_rps:.2f}")
        print(f"load.errors: {health_errors + poll_errors}")
    finally:
        stop_event.set()
        for process in (web, worker):
            os.killpg(process.pid, 15)
            process.wait(20)
        if not args.redis_url:
            stop_embedded(workdir)


if __name__ == "__main__":
    main()
