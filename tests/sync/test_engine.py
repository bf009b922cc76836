"""The sync engine end to end: the sandbox over HTTP, real RQ worker processes, both backends."""

import pytest
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import copies_in_ledger
from helpers.sync import last_run
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from helpers.sync import states

from models.document import Document
from models.sync import SyncRecord
from providers import REGISTRY
from sync.jobs import start_run

PROVIDERS = sorted(REGISTRY)


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_sync_sends_the_next_five_in_order(sandbox_app, admin_web, sandbox, provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id)
    numbers = [f"S7{n:03d}" for n in range(7)]
    for number in numbers:
        add_ready(sandbox_app, connection, number)
    with Db(sandbox_app):
        run, created = start_run(connection, "sales_invoice")
        assert created and run.limit == 5
    output = run_in_worker(sandbox_app)
    got = states(sandbox_app, connection)
    assert [got[n][0] for n in numbers] == ["synced"] * 5 + ["ready"] * 2, (got, output[-3000:])
    run = last_run(sandbox_app)
    assert (run.state, run.sent, run.synced, run.failed, run.left) == ("finished", 5, 5, 0, 0)
    assert copies_in_ledger(sandbox, connection, numbers) == {
        n: 1 if i < 5 else 0 for i, n in enumerate(numbers)}
    with Db(sandbox_app):
        synced = Document.get(Document.number == numbers[0])
        assert synced.is_locked
        record = SyncRecord.get(SyncRecord.document == synced)
        assert record.remote_id and record.idempotency_key.startswith("ledgerlink-")
        assert record.ledger_url.startswith("http") or record.ledger_url == ""
