"""Issue 10's "done when", from the CLI: the demo data into the sandbox's ledger, and every
document that cannot go listed with its code and message."""

import re

import requests
from helpers.connect import connect
from helpers.sync import Db
from helpers.sync import map_accounts
from helpers.sync import run_in_worker
from test_sync_popup import popup

from cli_demo import LEDGER_NAME_VARIANTS
from connections.lists import refresh_lists_now
from models.contact import Contact
from models.document import Document
from models.integration import Connection
from models.integration import ContactLink
from models.sync import SyncRecord
from sandbox.demo_firm import DEMO_FIRM_CONTACTS
from sync import records


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


def test_with_the_demo_firm_in_the_ledger_exact_names_link_and_close_ones_are_asked(
        sandbox_app, admin_web, sandbox):
    """As `python3 ledgerlink.py run` starts the sandbox (--demo-firm): the popup offers Link this
    for a customer the ledger holds by the same name, and only suggests a close one."""
    runner = sandbox_app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    _, connection = connect(sandbox_app, admin_web, "xero")
    requests.post(f"{sandbox.url}/_control/contacts", timeout=10, json={
        "provider": "xero", "tenant": connection.organisation_id,
        "contacts": DEMO_FIRM_CONTACTS}).raise_for_status()
    with Db(sandbox_app):
        refresh_lists_now(connection.id)
    map_accounts(sandbox_app, admin_web, connection)
    with Db(sandbox_app):
        records.recheck(Connection.get_by_id(connection.id))
        exact = _waiting_invoice("Quayside Dental Practice")
        close = {ours: _waiting_invoice(ours) for ours in LEDGER_NAME_VARIANTS}
    page = popup(admin_web, exact)
    assert re.search(r'<tr class="suggestion exact">\s*<td>Quayside Dental Practice<br>', page)
    assert 'id="popup-link-this"' in page
    shown = 0
    for ours, document in close.items():
        if document is not None:
            page = popup(admin_web, document)
            assert LEDGER_NAME_VARIANTS[ours] in page and 'id="popup-link-this"' not in page
            shown += 1
    assert shown >= 2, close
    linked = runner.invoke(args=["sync", "link-contacts"])
    exact_names = [c["name"] for c in DEMO_FIRM_CONTACTS
                   if c["name"] not in LEDGER_NAME_VARIANTS.values()]
    assert linked.exit_code == 0, linked.output
    assert f"Linked {len(exact_names)}, created 0," in linked.output, linked.output
    assert "Harbour View Lettings Ltd: Xero has a close match, Harbour View Lettings " \
           "Limited" in linked.output
    with Db(sandbox_app):
        linked_names = {c.name for c in Contact.select().join(
            ContactLink, on=(ContactLink.contact == Contact.id))}
    assert linked_names == set(exact_names)


def _waiting_invoice(contact_name):
    """An approved sales invoice of the contact that waits for its contact link."""
    return (Document.select().join(Contact, on=(Document.contact == Contact.id))
            .join(SyncRecord, on=(SyncRecord.document == Document.id))
            .where(Contact.name == contact_name, Document.kind == "sales_invoice",
                   SyncRecord.code == "contact_not_linked").first())
