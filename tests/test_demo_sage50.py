"""Issue 12's "done when" on the demo data: an admin connects Sage 50 (through Zynk) and maps the
codes through the screens, one cycle of the scheduled stand-in brings the demo documents and
payments into its Sage 50 over real HTTP, and the Sync page shows them synced with Sage's numbers
and the rest with their codes; a second cycle changes nothing."""

import argparse
import json
import re

from conftest import htmx_headers
from helpers.browser import live_server
from helpers.docs import add_document
from helpers.sync import Db
from test_zynk import CUSTOMER
from test_zynk import _table_rows
from test_zynk import connect_sage50
from test_zynk import contacts
from test_zynk import sales_invoice
from test_zynk import save_settings

from cli_demo import zynk_credentials_path
from models.document import Document
from models.payment import Payment
from models.sync import SyncRecord
from providers.sage50.provider import PAYMENT_ID_BASE
from sandbox.__main__ import _zynk_schedule
from sandbox.sage50 import Sage50Company
from sandbox.sage50.schedule import Schedule
from sandbox.sage50.schedule import Target
from sandbox.sage50.schedule import write_credentials

KINDS = ("sales_invoice", "sales_credit_note", "supplier_invoice", "supplier_credit_note")
ROW = re.compile(r'<tr id="sync-row-\d+"[^>]*data-document-id="(\d+)".*?</tr>', re.S)


def sync_rows(client, kind, state_filter):
    """{document id: row HTML} of every page of the Sync grid for the kind and filter."""
    rows, url = {}, f"/sync/?kind={kind}&filter={state_filter}"
    while url:
        response = client.get(url, headers=htmx_headers())
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        rows.update({int(m.group(1)): m.group(0) for m in ROW.finditer(html)})
        found = re.search(r'id="next-page" hx-get="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
    return rows


def test_the_demo_data_goes_to_sage50_through_one_standin_cycle(app, admin_client, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    app.config["LEDGER_SANDBOX_URL"] = "http://127.0.0.1:9"  # the demo: the sandbox is on
    zynk = connect_sage50(app, admin_client)  # the Integrations page, then the mapping form
    assert (f"python -m sandbox.sage50 --ledgerlink http://localhost --user {zynk.username} "
            "--every 60") in zynk.page
    # Saving the mapping checks the documents: the Sync page shows them before Zynk comes.
    before = sync_rows(admin_client, "sales_invoice", "waiting")
    assert before and {"waits_for_customer", "not_sent"} <= {
        re.search(r'status-code">([^<]+)<', row).group(1) for row in before.values()}
    saved = save_settings(admin_client)  # saving again says how many will go, and not
    with Db(app):
        states = [r.state for r in SyncRecord.select()]
    assert f'id="sage50-going">{states.count("ready") + states.count("waiting")}<' in saved
    assert f'id="sage50-held">{states.count("blocked")}<' in saved
    company, said = Sage50Company(), []
    with live_server(app) as base:
        schedule = Schedule(target=Target(base, zynk.username, zynk.secret), company=company,
                            out=said.append)
        first = schedule.cycle()
        after_first = _table_rows(app)
        second = schedule.cycle()
    assert len(first) <= 5 and not first[-1].success, "the cycle ran until nothing new came"
    assert all(status == 200 for run in first for _url, status, _answer in run.posted)
    assert len(second) == 1 and not second[0].success and not second[0].failed
    assert _table_rows(app) == after_first, "a second cycle changes nothing"
    assert zynk.secret not in "".join(said) and said[-1].startswith("Zynk cycle (1 run)")

    numbers = company.truth["Transaction"]  # Sage 50's transaction number by our Id
    ids = [header.external_id for header in company.headers]
    assert len(ids) == len(set(ids)), "nothing twice in Sage 50"
    with Db(app):
        records = {r.document_id: r for r in SyncRecord.select()}
        approved = {d.id: d for d in Document.select().where(Document.status == "approved")}
        payments = list(Payment.select())
    assert set(records) == set(approved)
    synced = {i for i, r in records.items() if r.state == "synced"}
    assert synced == {int(i) for i in ids if int(i) < PAYMENT_ID_BASE}
    assert {r.kind for i, r in records.items() if i in synced} == set(KINDS)
    for kind in KINDS:
        shown = sync_rows(admin_client, kind, "synced")
        wanted = {i for i in synced if approved[i].kind == kind}
        assert set(shown) == wanted, kind
        for document_id, row in shown.items():
            assert f"Ledger number <strong>{numbers[str(document_id)]}</strong>" in row
        for document_id, row in sync_rows(admin_client, kind, "waiting").items():
            record = records[document_id]
            assert record.state in ("blocked", "waiting") and str(document_id) not in numbers
            assert f'<code class="status-code">{record.code}</code>' in row
    left = {records[i].code for i in set(records) - synced}
    assert left and "not_sent" in left  # the demo's unsent invoices stay out, with their code

    # Every demo payment once in Sage 50, allocated to its invoice, and confirmed here.
    assert len(payments) == 20
    allocated = {h.external_id: h.allocated_to for h in company.headers}
    by_id = {h.external_id: h for h in company.headers}
    for payment in payments:
        ident = str(PAYMENT_ID_BASE + payment.id)
        invoice = by_id[str(payment.document_id)]
        assert allocated[ident] == f"{invoice.type}:{invoice.number}"
        assert payment.confirmed_at is not None and payment.ledger_number == numbers[ident]
    page = admin_client.get(f"/documents/{payments[0].document_id}").get_data(as_text=True)
    assert f"In the ledger ({payments[0].ledger_number})" in page


def test_connect_sage50_demo_and_the_scheduled_standin_on_its_credentials_file(app, runner):
    path = zynk_credentials_path(app)
    said = []
    with live_server(app) as base:
        schedule = Schedule(every=0.1, credentials_file=path, ledgerlink=base, out=said.append)
        assert schedule.cycle() == [] and schedule.cycle() == []  # nothing to use yet
        assert said == [f"Zynk stand-in: waiting for credentials in {path} (connect Sage 50 "
                        "first)"]
        connected = runner.invoke(args=["connect-sage50-demo"])
        assert connected.exit_code == 0, connected.output
        credentials = json.loads(path.read_text())
        assert path.stat().st_mode & 0o777 == 0o600
        assert f"Secret            {credentials['secret']}" in connected.output
        assert "Download URL      http://127.0.0.1:5000/zynk/download" in connected.output
        contacts(app)
        sent = sales_invoice(app, "S7001")
        unsent = add_document(app, "S7002", contact_number=CUSTOMER)  # stays out, with its code
        runs = schedule.cycle()
        assert [sorted(run.success) for run in runs] == [["Customer"], ["Transaction"], []]
        with Db(app):
            assert SyncRecord.get(SyncRecord.document == sent.id).state == "synced"
            assert SyncRecord.get(SyncRecord.document == unsent.id).code == "not_sent"
        # A new secret (the command run again) is read from the file at the next cycle.
        assert runner.invoke(args=["connect-sage50-demo"]).exit_code == 0
        assert schedule.cycle()[0].download.startswith(b"<?xml")
        # Wrong credentials: one line saying why, never the secret, and no exception.
        write_credentials(path, credentials["user"], "not-the-secret")
        assert schedule.safe_cycle() == []
        assert said[-1] == ("Zynk stand-in: the download answered 401: the user name or secret "
                            "is not (or no longer) right")
        assert not any("not-the-secret" in line or credentials["secret"] in line
                       for line in said)
        # python -m sandbox --zynk-every: the same schedule from its options.
        options = argparse.Namespace(zynk_every=5.0, zynk_url=base, zynk_user=None,
                                     zynk_secret=None, zynk_credentials=str(path))
        built = _zynk_schedule(options, argparse.ArgumentParser())
        assert (built.every, built.ledgerlink, built.credentials_file) == (5.0, base, str(path))
        assert _zynk_schedule(argparse.Namespace(zynk_every=0), None) is None
