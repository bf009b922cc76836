"""Benchmark (not a test): exactly once under chaos.

Each run: a fresh app and sandbox ledger, a provider connected (the providers take turns), a
backlog of --docs linked documents, and 10% of the sandbox's answers faulty (a 500 before the
write, a reply that hangs after the write until our request times out, or a 429). An Auto sync
goes on real worker processes that are SIGKILLed (with their work-horse) at random times; a new
worker takes over, and runs whose lease lapsed are resumed (sync.jobs.resume_stale_runs, as the
cron process does). When nothing is left, the sandbox's ledger is counted: every number must be
there exactly once.

    python bench/chaos.py                       # 20 runs x 2,000 documents
    python bench/chaos.py --runs 3 --docs 200 --provider xero
"""

import argparse
import random
import time

import world
from world import Db
from world import World
from world import log

from models.sync import AUTO
from models.sync import IN_LEDGER
from models.sync import SyncRecord
from sync import records
from sync import runs
from sync.jobs import resume_stale_runs
from sync.jobs import start_run

PROVIDERS = ("xero", "qbo", "sage", "zoho")
FAULTS = {"error_rate": 0.04, "timeout_after_write_rate": 0.03, "rate_limit_rate": 0.03,
          "timeout_seconds": 1.5, "rate_limit_retry_after": 1}
# The worker's settings: a short lease (a dead worker's run is resumed soon), quick retries,
# and a request timeout shorter than the sandbox's hang (so a hung write is "uncertain").
WORKER = {"SYNC_LEASE_SECONDS": 2, "SYNC_BACKOFF_SECONDS": "0.2,0.5,1,2,4,4,4,4",
          "SYNC_REQUEST_TIMEOUT": 1, "RATE_BUDGET": 0}
MAX_RUNS_PER_ROUND = 50  # Auto syncs started again while documents are left (a person would)


def chaos_round(sandbox, provider_id, docs, rng, max_kills, max_delay, timeout, latency=0.0):
    """One run of the chaos; {"duplicates", "lost", "kills", "runs", "docs"}."""
    box = World(sandbox, f"chaos-{provider_id}", AUTO_SYNC_MINUTES=60)
    try:
        world.set_limits(sandbox, provider_id, False)
        connection = box.connect(provider_id)
        numbers = box.backlog(docs, prefix=f"C{rng.randrange(10**6):06d}-")
        with Db(box.app):
            records.recheck(connection, changed=False)  # the records the rounds count down
        world.control(sandbox, "faults", provider=provider_id, latency_seconds=latency, **FAULTS)
        kills, sync_runs, kill_at, killed, next_resume = 0, 0, None, set(), 0.0
        worker = box.start_worker(**WORKER)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with Db(box.app):
                left = SyncRecord.select().where(SyncRecord.connection == connection,
                                                 SyncRecord.state.not_in(IN_LEDGER)).count()
                active = runs.active_run(connection)
                if left and active is None:
                    if sync_runs >= MAX_RUNS_PER_ROUND:
                        break
                    active, _ = start_run(connection, "sales_invoice", AUTO)
                    sync_runs += 1
                if time.monotonic() >= next_resume:  # as the cron process does, but oftener
                    resume_stale_runs()
                    next_resume = time.monotonic() + 1.0
            if not left and active is None:
                break
            # Kill mid-run: a random moment after the worker holding the run has sent some.
            sending = (active is not None and active.state == "running" and active.sent > 0
                       and active.lease_owner not in killed)
            if kill_at is None and sending and kills < max_kills:
                kill_at = time.monotonic() + rng.uniform(0, max_delay)
            if kill_at is not None and time.monotonic() >= kill_at:
                if active is not None:
                    killed.add(box.run(active.id).lease_owner)
                world.kill_worker(worker)
                kills += 1
                worker = box.start_worker(**WORKER)
                kill_at = None
                time.sleep(WORKER["SYNC_LEASE_SECONDS"])  # the dead worker's lease lapses
            time.sleep(0.1)
        world.stop_worker(worker)
        fired = world.requests.get(f"{sandbox.url}/_control/faults",
                                   params={"provider": provider_id}, timeout=10).json()["fired"]
        world.control(sandbox, "faults", provider=provider_id)  # no faults while counting
        copies = world.ledger_copies(world.ledger(sandbox, connection), numbers)
        with Db(box.app):
            states = {}
            for record in SyncRecord.select(SyncRecord.state).where(
                    SyncRecord.connection == connection):
                states[record.state] = states.get(record.state, 0) + 1
        log(f"{provider_id}: {sync_runs} runs, {kills} kills; records {states}; "
            f"faults fired {fired}")
        return {"duplicates": sum(1 for n in copies.values() if n > 1),
                "lost": sum(1 for n in copies.values() if n == 0),
                "kills": kills, "runs": sync_runs, "docs": len(numbers)}
    finally:
        box.close()


def main():
    """Run the rounds and print the totals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--provider", choices=PROVIDERS, help="only this one (default: turns)")
    parser.add_argument("--kills", type=int, default=3, help="most SIGKILLs per run")
    parser.add_argument("--kill-within", type=float, default=4.0,
                        help="a kill comes at most this many seconds after sending resumed")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="every API call answered this many seconds late (so a small run "
                             "lasts long enough to be killed mid-run)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--round-timeout", type=float, default=1800)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10**6)
    rng = random.Random(seed)
    log(f"chaos seed {seed}")
    sandbox = world.start_sandbox(enforce_limits=False)
    totals = {"duplicates": 0, "lost": 0, "runs": 0, "docs": 0, "kills": 0}
    for number in range(args.runs):
        provider_id = args.provider or PROVIDERS[number % len(PROVIDERS)]
        started = time.monotonic()
        outcome = chaos_round(sandbox, provider_id, args.docs, rng, args.kills,
                              args.kill_within, args.round_timeout, args.latency)
        log(f"run {number + 1}/{args.runs} ({provider_id}): {outcome} in "
            f"{time.monotonic() - started:.0f} s")
        for key in totals:
            totals[key] += outcome[key]
    sandbox.stop()
    print(f"chaos.duplicates: {totals['duplicates']}")
    print(f"chaos.lost: {totals['lost']}")
    print(f"chaos.runs: {args.runs}")
    print(f"chaos.sync_runs: {totals['runs']}")
    print(f"chaos.docs: {totals['docs']}")
    print(f"chaos.kills: {totals['kills']}", flush=True)


if __name__ == "__main__":
    main()
