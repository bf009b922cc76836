"""Benchmark (not a test): the sync engine against the sandbox, on a real worker process.

For each provider, with the sandbox enforcing the package's published rate limits, a backlog of
linked, approved (and sent) documents goes out in an Auto sync for --seconds of real time, Send
files off. Printed per provider: documents per minute, the package's bound (published calls per
minute x documents per call / fewest calls a document needs), their ratio, API calls per document
(the sandbox's count over the whole run, reads included) and the 429s we caused.

Then, with the sandbox's limits off (and our own rate budget off: RATE_BUDGET=0 in the worker),
a --docs Auto sync to Xero end to end: documents per second on SQLite (and on PostgreSQL when
DATABASE_URL is set) and the work-horse's peak RSS; and the pre-flight checks per second, pure
(check_all over DocumentFacts and a Snapshot read from the database) and as records.recheck
(reading the database and writing the records).

    python bench/sync.py                              # every provider, 120 s each, then the rest
    python bench/sync.py --provider xero --seconds 60 --docs 5000
    python bench/sync.py --preflight-only --docs 50000   # only the pre-flight figures
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ll_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
        python bench/sync.py
"""

import argparse
import time

import world
from world import Db
from world import World
from world import ledger
from world import log

import models  # noqa: F401  (after world: it puts the project on the path)
from models.sync import AUTO
from models.sync import SyncRecord
from sync import records
from sync import runs
from sync.jobs import start_run
from sync.preflight import check_all
from sync.snapshot import batch_snapshot
from sync.snapshot import connection_snapshot
from sync.snapshot import document_facts

# Published calls per minute x documents per call / fewest calls per document, per kind.
BOUNDS = {("xero", "sales_invoice"): 60 * 50 / 1, ("qbo", "sales_invoice"): 40 * 30 / 1,
          ("sage", "sales_invoice"): 200 * 1 / 1, ("zoho", "sales_invoice"): 100 * 1 / 2,
          ("zoho", "supplier_invoice"): 100 * 1 / 1}
SHORT = {"sales_invoice": "", "supplier_invoice": ".bills"}


def emit(name, value):
    """One `name: value` line."""
    print(f"{name}: {value}", flush=True)


def throughput(sandbox, provider_id, kind, seconds):
    """Auto sync a backlog for `seconds` with the published limits on; print the figures."""
    bound = BOUNDS[(provider_id, kind)]
    log(f"{provider_id} {kind}: connecting and making the backlog")
    box = World(sandbox, provider_id)
    try:
        connection = box.connect(provider_id)
        box.backlog(int(bound * seconds / 60 * 1.3) + 60, kind)
        # The run outlasts the measured window; it is stopped once the window has passed.
        box.app.config["AUTO_SYNC_MINUTES"] = seconds / 60 + 2
        worker = box.start_worker()
        before = ledger(sandbox, connection)
        with Db(box.app):
            run, _ = start_run(connection, kind, AUTO)
        log(f"{provider_id} {kind}: run {run.id} started; measuring {seconds} s")
        _first_landing(box, connection, timeout=120)
        # Steady state, counted by the sandbox every second from the first document in the
        # ledger. A run may send a minute's budget in a burst and then wait, so one 60 s window
        # would depend on where it falls; the figure is the mean over every 60 s window in the
        # measured span (a whole burst period when --seconds is at least 120).
        samples, started = [], time.time()
        while True:
            tenant = ledger(sandbox, connection)
            samples.append((time.time(), _count(tenant, kind), tenant["api_calls"]))
            if time.time() >= started + seconds or box.run(run.id).state not in (
                    "queued", "running"):
                break
            time.sleep(1)
        with Db(box.app):
            runs.request_stop(run.id)
        world.wait_run(box, run.id, timeout=120)
        after = ledger(sandbox, connection)
        name = provider_id + SHORT[kind]
        per_min = mean_per_minute(samples)
        docs = samples[-1][1] - samples[0][1]
        emit(f"{name}.docs_per_min", round(per_min, 1))
        emit(f"{name}.bound_per_min", int(bound))
        emit(f"{name}.throughput_ratio", round(per_min / bound, 3))
        emit(f"{name}.calls_per_doc", round(
            (samples[-1][2] - samples[0][2]) / max(1, docs), 4))
        # The whole run, its reads (organisation settings, the number index) included.
        emit(f"{name}.calls_per_doc_whole_run", round(
            (after["api_calls"] - before["api_calls"])
            / max(1, _count(after, kind) - _count(before, kind)), 4))
        emit(f"{name}.throttled", after["throttled"] - before["throttled"])
        world.stop_worker(worker)
    finally:
        box.close()


def mean_per_minute(samples):
    """Documents per minute from (time, count, calls) samples: the mean count over every 60 s
    window that fits in the span (the span's plain rate when it is under a minute)."""
    t0, t_end = samples[0][0], samples[-1][0]
    if t_end - t0 < 60:
        return (samples[-1][1] - samples[0][1]) / max(1e-9, t_end - t0) * 60

    def count_at(moment):
        return max(c for t, c, _ in samples if t <= moment)

    starts = [t for t, _, _ in samples if t + 60 <= t_end]
    return sum(count_at(t + 60) - count_at(t) for t in starts) / len(starts)


def _count(tenant, kind):
    """How many documents of a kind the sandbox's ledger holds."""
    return tenant["documents"].get(kind, {}).get("count", 0)


def _first_landing(box, connection, timeout):
    """When the first document of the run landed (its record's synced_at)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Db(box.app):
            first = (SyncRecord.select(SyncRecord.synced_at)
                     .where(SyncRecord.connection == connection,
                            SyncRecord.synced_at.is_null(False))
                     .order_by(SyncRecord.synced_at).first())
        if first is not None:
            return first.synced_at
        time.sleep(0.2)
    raise TimeoutError("nothing landed in the ledger")


def preflight(box, connection):
    """Pre-flight checks per second: pure over DocumentFacts, and records.recheck over the DB."""
    with Db(box.app):
        ids = records.approved_ids(connection)
        facts = list(document_facts(ids).values())
        snapshot = batch_snapshot(connection_snapshot(connection), connection, facts)
        started = time.perf_counter()
        verdicts = check_all(facts, snapshot)
        pure = len(verdicts) / (time.perf_counter() - started)
        started = time.perf_counter()
        records.recheck(connection, changed=False)
        recheck = len(ids) / (time.perf_counter() - started)
    emit("preflight.docs_per_s", int(pure))
    emit("preflight.recheck_docs_per_s", int(recheck))
    return verdicts


def preflight_alone(sandbox, docs):
    """The pre-flight figures over a backlog of `docs` linked documents, sending nothing."""
    box = World(sandbox, "preflight", postgres=False)
    try:
        connection = box.connect("xero")
        log(f"preflight: making {docs:,} documents")
        box.backlog(docs)
        preflight(box, connection)
    finally:
        box.close()


def end_to_end(sandbox, docs, backend, measure_preflight=False):
    """A `docs` Auto sync to Xero with every limit off; print docs/s and the peak RSS."""
    box = World(sandbox, f"e2e-{backend}", postgres=backend == "postgres")
    world.set_limits(sandbox, "xero", False)
    try:
        connection = box.connect("xero")
        log(f"e2e {backend}: making {docs:,} documents")
        numbers = box.backlog(docs)
        if measure_preflight:
            verdicts = preflight(box, connection)
            assert sum(v.ready for v in verdicts.values()) == len(numbers), "not all ready"
        box.app.config["AUTO_SYNC_MINUTES"] = 120
        worker = box.start_worker(RATE_BUDGET="0")
        peak = {"rss": 0.0}

        def sample():
            for pid in world.descendants(worker.pid):
                peak["rss"] = max(peak["rss"], world.rss_mb(pid))

        with Db(box.app):
            run, _ = start_run(connection, "sales_invoice", AUTO)
        started = time.perf_counter()
        log(f"e2e {backend}: run {run.id} started")
        run = world.wait_run(box, run.id, timeout=7200, poll=0.25, sample=sample)
        elapsed = time.perf_counter() - started
        tenant = ledger(sandbox, connection)
        copies = world.ledger_copies(tenant, numbers)
        landed = sum(1 for n in copies.values() if n)
        log(f"e2e {backend}: run {run.state} {run.message!r}: {run.synced} synced in "
            f"{elapsed:.1f} s; {landed} of {len(numbers)} in the ledger, "
            f"{sum(1 for n in copies.values() if n > 1)} more than once")
        emit(f"e2e.{backend}_docs_per_s", round(landed / elapsed, 1))
        emit(f"worker.{'' if backend == 'sqlite' else 'postgres_'}peak_rss_mb",
             round(peak["rss"], 1))
        world.stop_worker(worker)
    finally:
        box.close()
        world.set_limits(sandbox, "xero", True)


def main():
    """Run the chosen parts and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", choices=["xero", "qbo", "sage", "zoho"],
                        help="only this provider's throughput (default: all)")
    parser.add_argument("--seconds", type=int, default=120,
                        help="measured seconds per provider (default 120)")
    parser.add_argument("--docs", type=int, default=50_000,
                        help="documents in the limits-off Auto sync (default 50,000)")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-e2e", action="store_true")
    parser.add_argument("--skip-sqlite-e2e", action="store_true",
                        help="with DATABASE_URL set: only the PostgreSQL end-to-end run")
    parser.add_argument("--preflight-only", action="store_true",
                        help="only the pre-flight figures, over --docs documents on SQLite")
    args = parser.parse_args()
    sandbox = world.start_sandbox(enforce_limits=True)
    if args.preflight_only:
        preflight_alone(sandbox, args.docs)
        sandbox.stop()
        return
    if not args.skip_throughput:
        for provider_id, kind in BOUNDS:
            if args.provider in (None, provider_id):
                throughput(sandbox, provider_id, kind, args.seconds)
    if not args.skip_e2e:
        if not (world.PG_URL and args.skip_sqlite_e2e):
            end_to_end(sandbox, args.docs, "sqlite", measure_preflight=True)
        if world.PG_URL:
            end_to_end(sandbox, args.docs, "postgres")
    sandbox.stop()


if __name__ == "__main__":
    main()
