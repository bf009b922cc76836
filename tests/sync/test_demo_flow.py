"""Issue 10's "done when", from the CLI: the demo data into the sandbox's ledger, and every
document that cannot go listed with its code and message."""

from helpers.connect import connect
from helpers.sync import Db
from helpers.sync import map_accounts
from helpers.sync import run_in_worker

from connections.lists import refresh_lists_now
from models.document import Document
from models.sync import SyncRecord


def test_the_demo_documents_go_in_and_the_rest_say_why(sandbox_app, admin_web, sandbox):
    runner = sandbox_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    _, connection = connect(sandbox_app, admin_web, "xero")
    with Db(sandbox_app):
        refresh_lists_now(connection.id)
    map_accounts(sandbox_app, admin_web, connection)
    linked = runner.invoke(args=["sync", "link-contacts", "--create"])
    assert linked.exit_code == 0 and "created" in linked.output, linked.output
    started = runner.invoke(args=["sync", "run", "--auto", "--no-wait"])
    assert started.exit_code == 0, started.output
    run_in_worker(sandbox_app, timeout=600)
    status = runner.invoke(args=["sync", "status"])
    assert status.exit_code == 0
    print(linked.output.splitlines()[-1], "|", status.output.splitlines()[-1])
    with Db(sandbox_app):
        approved = Document.select().where(Document.status == "approved").count()
        by_state = {}
        for record in SyncRecord.select():
            by_state.setdefault(record.state, []).append(record)
        synced = len(by_state.get("synced", []))
        assert synced > 0, status.output[-3000:]
        assert sum(map(len, by_state.values())) == approved
        assert set(by_state) <= {"synced", "blocked", "waiting"}, by_state.keys()
        for record in by_state.get("blocked", []) + by_state.get("waiting", []):
            # Every one that stayed behind is listed with its code and message.
            line = next(x for x in status.output.splitlines()
                        if x.startswith(record.document.number + " "))
            assert record.code in line and record.message in line
        assert Document.select().where(Document.synced_at.is_null(False)).count() == synced
