"""The sync engine end to end: the sandbox over HTTP, real RQ worker processes, both backends."""

import datetime
import json
from unittest import mock

import pytest
from helpers.contract import set_faults
from helpers.docs import line
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import copies_in_ledger
from helpers.sync import last_run
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from helpers.sync import states

from models.document import Document
from models.sync import AUTO
from models.sync import SYNC
from models.sync import SyncAttempt
from models.sync import SyncRecord
from providers import REGISTRY
from sync.engine import run_sync_now
from sync.jobs import start_run
from sync.runs import request_stop

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
    output = run_in_worker(sandbox_app, process=True)  # the Procfile's worker command
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


FAST = {"SYNC_BACKOFF_SECONDS": "0.2,0.4,0.8,1.6,3.2,6.4", "SYNC_REQUEST_TIMEOUT": "2"}
KINDS = ("sales_invoice", "sales_credit_note", "supplier_invoice", "supplier_credit_note")


def _four_kinds(app, connection, prefix):
    """An invoice and a credit note against it, on each side; {number: kind}."""
    made = {}
    for side, invoice_kind, credit_kind in (("S", "sales_invoice", "sales_credit_note"),
                                            ("P", "supplier_invoice", "supplier_credit_note")):
        invoice = f"{prefix}{side}1"
        add_ready(app, connection, invoice, kind=invoice_kind)
        credit = f"{prefix}{side}C1"
        add_ready(app, connection, credit, kind=credit_kind, original_number=invoice,
                  lines=[line("Refund of labour", "1", "10.00",
                              str(_rate(app, connection, invoice_kind)),
                              "labour" if side == "S" else "purchase")])
        made.update({invoice: invoice_kind, credit: credit_kind})
    return made


def _rate(app, connection, kind):
    from helpers.sync import tax_percent

    with Db(app):
        return tax_percent(connection, kind.startswith("sales"))


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_auto_sync_takes_all_four_kinds_credit_notes_after_their_invoices(
        sandbox_app, admin_web, sandbox, provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id)
    made = _four_kinds(sandbox_app, connection, "K")
    with Db(sandbox_app):
        from sync.records import recheck

        recheck(connection)
    before = states(sandbox_app, connection)
    assert before["KSC1"] == ("waiting", "waits_for_invoice")
    assert before["KPC1"] == ("waiting", "waits_for_invoice")
    with Db(sandbox_app):
        run, _ = start_run(connection, "", AUTO)
    run_in_worker(sandbox_app, **FAST)
    after = states(sandbox_app, connection)
    assert {n: after[n][0] for n in made} == {n: "synced" for n in made}, after
    assert set(copies_in_ledger(sandbox, connection, list(made)).values()) == {1}
    finished = last_run(sandbox_app)
    assert (finished.state, finished.synced, finished.left) == ("finished", 4, 0)


def test_one_run_per_connection_and_stop(sandbox_app, admin_web, sandbox):
    connection = ready_world(sandbox_app, admin_web, "xero")
    for n in range(3):
        add_ready(sandbox_app, connection, f"S6{n:03d}")
    with Db(sandbox_app):
        first, created = start_run(connection, "sales_invoice", AUTO)
        second, again = start_run(connection, "sales_credit_note", SYNC)
        assert created and not again and second.id == first.id
        assert request_stop(first.id)
    run_in_worker(sandbox_app)
    run = last_run(sandbox_app)
    assert (run.state, run.sent, run.message) == ("stopped", 0, "Stopped.")
    with Db(sandbox_app):
        third, created = start_run(connection, "sales_invoice", SYNC)  # the connection is free
        assert created and third.id != first.id


def test_auto_sync_ends_at_its_deadline(sandbox_app, admin_web, sandbox, monkeypatch):
    import sync.engine

    connection = ready_world(sandbox_app, admin_web, "sage")
    for n in range(4):
        add_ready(sandbox_app, connection, f"S5{n:03d}")
    real_now, steps = sync.engine._now, []

    def clock():
        # Each step reads the clock once before sending: after the first, 21 minutes pass.
        return real_now() + datetime.timedelta(minutes=21 if steps else 0)

    original_send = sync.engine.RunEngine._send

    def counting_send(self, kind, batch):
        steps.append(len(batch))
        return original_send(self, kind, batch)

    monkeypatch.setattr(sync.engine, "_now", clock)
    monkeypatch.setattr(sync.engine.RunEngine, "_send", counting_send)
    monkeypatch.setattr(sync.engine.RunEngine, "_step_size", lambda self: 1)
    with Db(sandbox_app):
        with mock.patch("sync.jobs.enqueue"):
            run, _ = start_run(connection, "sales_invoice", AUTO)
        assert run_sync_now(run.id) == "finished"
    run = last_run(sandbox_app)
    assert steps == [1] and run.sent == 1
    assert run.message == "Time is up; the rest goes in the next run."
    assert [s for s, _ in states(sandbox_app, connection).values()].count("ready") == 3


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_timeout_after_the_write_is_resolved_by_reading(sandbox_app, admin_web, sandbox,
                                                          provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id)
    numbers = [f"S4{n:03d}" for n in range(3)]
    for number in numbers:
        add_ready(sandbox_app, connection, number)
    set_faults(sandbox, provider_id, timeout_after_write_next=1, timeout_seconds=4)
    with Db(sandbox_app):
        start_run(connection, "sales_invoice", AUTO)
    run_in_worker(sandbox_app, **FAST)
    got = states(sandbox_app, connection)
    assert {n: got[n][0] for n in numbers} == {n: "synced" for n in numbers}, got
    assert copies_in_ledger(sandbox, connection, numbers) == {n: 1 for n in numbers}
    with Db(sandbox_app):
        outcomes = [a.outcome for a in SyncAttempt.select().order_by(SyncAttempt.id)]
    assert "uncertain" in outcomes and "found" in outcomes, outcomes


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_ten_percent_faults_everything_lands_once(sandbox_app, admin_web, sandbox, provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id)
    numbers = [f"S3{n:03d}" for n in range(30)]
    for number in numbers:
        add_ready(sandbox_app, connection, number)
    set_faults(sandbox, provider_id, error_rate=0.1, timeout_after_write_rate=0.1,
               rate_limit_rate=0.1, rate_limit_retry_after=0.5, timeout_seconds=3)
    with Db(sandbox_app):
        start_run(connection, "sales_invoice", AUTO)
    run_in_worker(sandbox_app, timeout=300, **FAST)
    set_faults(sandbox, provider_id)
    got = states(sandbox_app, connection)
    assert {n: got[n][0] for n in numbers} == {n: "synced" for n in numbers}, got
    assert copies_in_ledger(sandbox, connection, numbers) == {n: 1 for n in numbers}


def test_cli_status_run_and_preview(sandbox_app, admin_web, sandbox):
    connection = ready_world(sandbox_app, admin_web, "qbo")
    add_ready(sandbox_app, connection, "S2001")
    add_ready(sandbox_app, connection, "S2002", sent=False)
    runner = sandbox_app.test_cli_runner()
    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 0, status.output
    assert "S2002" in status.output and "Cannot sync until marked as sent." in status.output
    preview = runner.invoke(args=["sync", "preview", "S2001"])
    body = json.loads(preview.output)
    assert body["code"] == "ready" and body["requests"][0]["method"] == "POST"
    with Db(sandbox_app):
        assert body["resolved"]["gross_total"] == str(
            Document.get(Document.number == "S2001").gross_total)
    started = runner.invoke(args=["sync", "run", "--kind", "sales_invoice", "--no-wait"])
    assert started.exit_code == 0, started.output
    run_in_worker(sandbox_app)
    assert states(sandbox_app, connection)["S2001"][0] == "synced"
    excluded = runner.invoke(args=["sync", "exclude", "S2002", "--reason", "Sent by post"])
    assert "Excluded" in excluded.output
    assert states(sandbox_app, connection)["S2002"] == ("excluded", "excluded")
    assert runner.invoke(args=["sync", "exclude", "S2001", "--reason", "x"]).exit_code == 1


def test_api_document_sync_state_and_runs(sandbox_app, admin_web, sandbox):
    from helpers.docs import api_token

    connection = ready_world(sandbox_app, admin_web, "zoho")
    add_ready(sandbox_app, connection, "S1101")
    headers = {"Authorization": f"Bearer {api_token(sandbox_app)}"}
    client = sandbox_app.test_client()
    state = client.get("/api/v1/documents/S1101/sync", headers=headers).json
    assert (state["state"], state["code"]) == ("ready", "ready")
    started = client.post("/api/v1/sync/runs", json={"kind": "sales_invoice"}, headers=headers)
    assert started.status_code == 202 and started.json["limit"] == 5
    again = client.post("/api/v1/sync/runs", json={"mode": "auto"}, headers=headers)
    assert again.status_code == 409 and again.json["run"]["id"] == started.json["id"]
    run_in_worker(sandbox_app)
    run = client.get(f"/api/v1/sync/runs/{started.json['id']}", headers=headers).json
    assert (run["state"], run["synced"]) == ("finished", 1)
    state = client.get("/api/v1/documents/S1101/sync", headers=headers).json
    assert state["state"] == "synced" and state["remote_id"]
    assert [h["outcome"] for h in state["history"]] == ["created"]


def test_an_ended_grant_pauses_the_run_and_needs_reconnect(sandbox_app, admin_web, sandbox):
    connection = ready_world(sandbox_app, admin_web, "xero")
    add_ready(sandbox_app, connection, "S1201")
    with Db(sandbox_app):
        start_run(connection, "sales_invoice")
    set_faults(sandbox, "xero", revoke_grants=True)
    run_in_worker(sandbox_app)
    set_faults(sandbox, "xero")
    run = last_run(sandbox_app)
    assert run.state == "aborted" and run.message.startswith("Paused")
    # Nothing sent, nothing failed: it waits for the reconnect, and says so.
    assert states(sandbox_app, connection)["S1201"] == ("blocked", "needs_reconnect")
    with Db(sandbox_app):
        from models.integration import Connection

        assert Connection.get_by_id(connection.id).status == "needs_reconnect"
        assert SyncAttempt.select().count() == 0
