"""The admin's schedule (Auto sync every N minutes from cron) and the daily failure digest."""

import datetime
import email
import email.policy
import re
import time

import pytest
from aiosmtpd.controller import Controller
from conftest import csrf_token
from conftest import htmx_headers
from helpers.processes import free_port
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from helpers.sync import states

from models.document import Document
from models.integration import Connection
from models.sync import SCHEDULED
from models.sync import SyncRecord
from models.sync import SyncRun
from sync.digest import send_digest
from sync.jobs import schedule_due
from sync.jobs import scheduled_auto_sync
from sync.jobs import start_run


def _set_schedule(client, connection, minutes):
    page = client.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/integrations/{connection.id}/configure")}
    for role in ("labour_sales", "materials_sales", "purchases", "bank"):
        select = re.search(rf'<select id="map-{role}".*?</select>', page, re.S).group(0)
        chosen = re.search(r'<option value="([^"]+)" selected', select)
        data[role] = chosen.group(1)
    for role in ("labour_sales", "materials_sales"):
        select = re.search(rf'<select[^>]*name="{role}_item".*?</select>', page, re.S)
        if select:
            chosen = re.search(r'<option value="([^"]*)" selected', select.group(0))
            data[f"{role}_item"] = chosen.group(1) if chosen else ""
    data["schedule_minutes"] = minutes
    return client.post(f"/integrations/{connection.id}/configure", data=data,
                       headers=htmx_headers()).get_data(as_text=True)


def test_the_schedule_is_set_on_the_mapping_form_and_runs_from_cron(sandbox_app, admin_web,
                                                                     sandbox):
    connection = ready_world(sandbox_app, admin_web, "xero")
    refused = _set_schedule(admin_web, connection, "often")
    assert "Give whole minutes from 0 (off) to 1440." in refused and 'value="often"' in refused
    with Db(sandbox_app):
        assert not schedule_due(Connection.get_by_id(connection.id))  # off by default
    assert "Saved" in _set_schedule(admin_web, connection, "15")
    add_ready(sandbox_app, connection, "S9301")
    add_ready(sandbox_app, connection, "S9302", kind="supplier_invoice")
    with Db(sandbox_app):
        connection = Connection.get_by_id(connection.id)
        assert connection.options["schedule_minutes"] == 15 and schedule_due(connection)
        run_id = scheduled_auto_sync()
        assert SyncRun.get_by_id(run_id).mode == SCHEDULED
        assert scheduled_auto_sync() is None  # skipped while a run is going
    run_in_worker(sandbox_app)
    got = states(sandbox_app, connection)
    assert got["S9301"][0] == got["S9302"][0] == "synced"  # every kind
    with Db(sandbox_app):
        assert not schedule_due(connection)  # the next one is 15 minutes on
        later = datetime.datetime.now() + datetime.timedelta(minutes=16)
        assert schedule_due(connection, now=later)


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_the_digest_goes_to_administrators_once_a_day(sandbox_app, admin_web, sandbox, admin,
                                                      smtp_server, make_user):
    controller, inbox = smtp_server
    sandbox_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                              SMTP_FROM="ledgerlink@example.com", DIGEST_HOUR=7)
    make_user("second-admin@example.com", role="admin")
    connection = ready_world(sandbox_app, admin_web, "xero")
    add_ready(sandbox_app, connection, "S9401", sent=False)
    add_ready(sandbox_app, connection, "S9402")
    with Db(sandbox_app):
        start_run(connection, "sales_invoice")
        SyncRecord.update(state="failed", code="validation",
                          message="Xero refused it: the account code 200 is archived.").where(
            SyncRecord.document == Document.get(number="S9402")).execute()
        early = datetime.datetime.now().replace(hour=6)
        assert send_digest(now=early) == 0 and inbox.messages == []
        nine = datetime.datetime.now().replace(hour=9)
        assert send_digest(now=nine) == 2
        assert send_digest(now=nine.replace(hour=10)) == 0  # once a day
    deadline = time.monotonic() + 5
    while not inbox.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    (recipients, raw), = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    body = message.get_content()
    assert sorted(recipients) == sorted([admin.email, "second-admin@example.com"])
    assert message["Subject"] == "Ledgerlink: 2 document(s) need attention (1 blocked, 1 failed)"
    assert "S9401 (Sales invoice), blocked: Cannot sync until marked as sent." in body
    assert "S9402 (Sales invoice), failed: Xero refused it: the account code 200 is archived." \
        in body
