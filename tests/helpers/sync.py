"""Helpers for the sync engine tests: a provider connected through the sandbox, its lists read,
its accounts mapped, our contacts linked to ledger contacts, and documents ready to go."""

import datetime
import re
from decimal import Decimal

import requests
from conftest import csrf_token
from conftest import htmx_headers
from conftest import worker_env
from rq import SimpleWorker

import models
from connections.lists import refresh_lists_now
from helpers.connect import connect
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from helpers.processes import run_worker_burst
from models.document import Document
from models.integration import Connection
from models.integration import LedgerContact
from models.integration import LedgerItem
from models.integration import LedgerTaxRate
from models.sync import SyncRecord
from models.sync import SyncRun
from services.contact_links import set_link
from worker.queue import get_queue

CUSTOMER, SUPPLIER = "A9001", "A9002"


class Db:
    """`with Db(app):` an app context with a database connection."""

    def __init__(self, app):
        self.app = app

    def __enter__(self):
        self.ctx = self.app.app_context()
        self.ctx.__enter__()
        self.conn = models.db.connection_context()
        self.conn.__enter__()
        return self

    def __exit__(self, *exc):
        self.conn.__exit__(*exc)
        self.ctx.__exit__(*exc)


def _item_for(connection, account_id):
    return LedgerItem.select().where(LedgerItem.connection == connection,
                                     LedgerItem.income_account_id == account_id,
                                     LedgerItem.active == True).first()  # noqa: E712


def map_accounts(app, client, connection, options=None):
    """Save the mapping through the form: income accounts that have items where the package
    needs them, the first purchases and bank accounts offered."""
    page = client.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/integrations/{connection.id}/configure")}
    for role in ("labour_sales", "materials_sales", "purchases", "bank"):
        select = re.search(rf'<select id="map-{role}".*?</select>', page, re.S).group(0)
        offered = re.findall(r'<option value="([^"]+)"', select)
        chosen = offered[0]
        if role.endswith("_sales"):
            with Db(app):
                with_items = [a for a in offered if _item_for(connection, a) is not None]
                if with_items:
                    chosen = with_items[0]
                    data[f"{role}_item"] = _item_for(connection, chosen).remote_id
        data[role] = chosen
    for flag, value in (options or {"send_files": False}).items():
        if value is True:
            data[flag] = "on"
        elif value:
            data[flag] = value
    response = client.post(f"/integrations/{connection.id}/configure", data=data,
                           headers=htmx_headers())
    assert "Saved" in response.get_data(as_text=True), response.get_data(as_text=True)[-2000:]
    return data


def currency_of(connection):
    """The organisation's currency (the US demo company keeps dollars)."""
    extra = connection.organisation_extra or {}
    return extra.get("currency") or {"US": "USD"}.get(extra.get("country"), "GBP")


def tax_percent(connection, sales=True):
    """The highest active tax rate the ledger offers for the side, in percent."""
    rates = [r for r in LedgerTaxRate.select().where(LedgerTaxRate.connection == connection,
                                                     LedgerTaxRate.active == True)  # noqa: E712
             if (r.for_sales if sales else r.for_purchases)]
    return max(Decimal(r.rate) for r in rates)


def ledger_contact(connection, customer=True):
    """An active cached ledger customer (or supplier); in Xero, whose flags only follow from
    a contact's documents, the first (or second) active contact."""
    flag = LedgerContact.is_customer if customer else LedgerContact.is_supplier
    active = LedgerContact.select().where(LedgerContact.connection == connection,
                                          LedgerContact.active == True)  # noqa: E712
    flagged = active.where(flag == True).order_by(LedgerContact.id).first()  # noqa: E712
    if flagged is not None:
        return flagged
    return active.order_by(LedgerContact.id).offset(0 if customer else 1).first()


def ready_world(app, client, provider_id, options=None, organisation_index=0):
    """Connect, read the lists, map, and add a linked customer and supplier; the Connection."""
    _, connection = connect(app, client, provider_id, organisation_index=organisation_index)
    with Db(app):
        refresh_lists_now(connection.id)
    map_accounts(app, client, connection, options)
    add_contact(app, CUSTOMER, "Sync Test Customer", "customer")
    add_contact(app, SUPPLIER, "Sync Test Supplier", "supplier")
    with Db(app):
        connection = Connection.get_by_id(connection.id)
        from models.contact import Contact

        for number, customer in ((CUSTOMER, True), (SUPPLIER, False)):
            remote = ledger_contact(connection, customer)
            assert remote is not None, f"the {provider_id} sandbox lists no such contact"
            set_link(connection, Contact.get(Contact.number == number), remote.remote_id)
    return connection


def add_ready(app, connection, number, kind="sales_invoice", sent=True, **extra):
    """An approved document of a kind, to our linked contact, in the ledger's currency."""
    with Db(app):
        sales = kind.startswith("sales")
        rate = tax_percent(connection, sales)
        currency = currency_of(Connection.get_by_id(connection.id))
    lines = extra.pop("lines", None) or [
        line("Labour on site", "2", "45.50", str(rate), "labour" if sales else "purchase"),
        line("Materials", "1", "19.99", str(rate), "materials" if sales else "purchase")]
    document = add_document(app, number, kind=kind, contact_number=CUSTOMER if sales else SUPPLIER,
                            currency=currency, lines=lines, **extra)
    if sent and sales:
        with Db(app):
            Document.get_by_id(document.id).set_sent(True, "email")
    return document


def run_in_worker(app, timeout=120, process=False, **settings):
    """Drain the queue with a real RQ worker (burst) and return its output: in its own process
    with `process=True` (as `flask --app app worker` runs), else an RQ SimpleWorker in this
    process, which takes the same jobs from the same Redis without a process start per test."""
    if process:
        settings.setdefault("LEDGER_SANDBOX_URL", app.config["LEDGER_SANDBOX_URL"])
        return run_worker_burst(worker_env(app, **settings), timeout=timeout)
    saved = {key: app.config[key] for key in settings}
    app.config.update(settings)
    try:
        with app.app_context():
            queue = get_queue()
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        app.config.update(saved)
    return ""


def states(app, connection):
    """{document number: (state, code)} for every record on the connection."""
    with Db(app):
        return {r.document.number: (r.state, r.code) for r in SyncRecord.select().join(Document)
                .where(SyncRecord.connection == connection)}


def last_run(app):
    """The newest run row."""
    with Db(app):
        return SyncRun.select().order_by(SyncRun.id.desc()).first()


def copies_in_ledger(sandbox, connection, numbers):
    """{number: how many documents in the sandbox's ledger carry it (as number or reference)}."""
    body = requests.get(f"{sandbox.url}/_control/ledger",
                        params={"provider": connection.provider,
                                "tenant": connection.organisation_id}, timeout=10).json()
    counts = {n: 0 for n in numbers}
    for tenant in body["tenants"].values():
        for number, copies in tenant_copies(tenant, numbers).items():
            counts[number] += copies
    return counts


def tenant_copies(tenant, numbers):
    """{number: how many documents one tenant's ledger holds under it (number or reference)}."""
    found = {n: set() for n in numbers}
    for kind, entry in tenant["documents"].items():
        for key in ("number", "reference"):
            for number, remote_ids in entry[key].items():
                if number in found:
                    found[number].update(f"{kind}:{r}" for r in remote_ids)
    return {n: len(ids) for n, ids in found.items()}


def today():
    """Today's date (documents are dated in open periods)."""
    return datetime.date.today()

