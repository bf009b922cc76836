"""The Sync page in a real headless Chromium, with a real worker process and the sandbox over
HTTP: fix a contact through the popup, mark an invoice sent, press Sync and watch the rows turn
synced in place; Auto sync's progress advances and then polling stops; a session that ends
while the page polls lands on the sign-in page. Also takes the README's screenshots."""

import os
import re
import time
from pathlib import Path

from conftest import PASSWORD
from conftest import worker_env
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page
from helpers.processes import start_worker
from helpers.processes import stop
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world

from models.contact import Contact
from models.document import Document
from models.integration import Connection
from models.integration import LedgerContact
from models.sync import SyncRecord
from models.user_session import UserSession
from sync import records

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _record_id(app, document):
    with Db(app):
        return SyncRecord.get(SyncRecord.document == document.id).id


def _recheck(app, connection):
    with Db(app):
        records.recheck(Connection.get_by_id(connection.id))


def _worker(app):
    return start_worker(worker_env(app, LEDGER_SANDBOX_URL=app.config["LEDGER_SANDBOX_URL"]))


def _shot(page, name):
    if os.environ.get("LEDGERLINK_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


@needs_chromium
def test_fix_a_contact_mark_sent_and_sync_in_place(sandbox_app, admin_web, admin):
    app = sandbox_app
    connection = ready_world(app, admin_web, "zoho")
    with Db(app):
        twin = LedgerContact.select().where(LedgerContact.connection == connection.id,
                                            LedgerContact.is_customer == True,  # noqa: E712
                                            LedgerContact.active == True  # noqa: E712
                                            ).order_by(LedgerContact.name).first()
    from helpers.docs import add_contact

    add_contact(app, "B0001", twin.name)
    unlinked = add_ready(app, connection, "S8001")
    unsent = add_ready(app, connection, "S8002", sent=False)
    same_contact = add_ready(app, connection, "S8003")
    with Db(app):
        Document.update(contact=Contact.get(Contact.number == "B0001").id).where(
            Document.id.in_((unlinked.id, same_contact.id))).execute()
    _recheck(app, connection)
    first, second = _record_id(app, unlinked), _record_id(app, unsent)
    third = _record_id(app, same_contact)
    worker = _worker(app)
    try:
        with live_server(app) as base, chromium_page() as page:
            sign_in_page(page, base, admin.email, PASSWORD)
            page.goto(f"{base}/sync/")
            page.evaluate("window.__sameDocument = true")
            assert "contact_not_linked" in page.inner_text(f"#sync-row-{first}")
            assert "not_sent" in page.inner_text(f"#sync-row-{second}")

            # Fix the contact: a click on the row (not its Nav cell) opens the popup.
            page.click(f"#sync-row-{first} td:nth-child(3)")
            page.wait_for_selector("#sync-actions[open] #popup-link-this")
            _shot(page, "sync-popup.png")
            assert "Link or create 1 contact" in page.inner_text("#sync-bulk")
            page.click("#popup-link-this")
            page.wait_for_selector(f"#sync-row-{first}.state-ready")
            assert page.locator("#sync-actions").count() == 0  # closed: nothing left to fix
            # The bulk offer above the grid follows: no contact left to link.
            page.wait_for_selector("#bulk-contacts-open", state="detached")
            assert "Mark 1 invoice sent" in page.inner_text("#sync-bulk")
            # The contact's other invoice on screen turns ready too, without a reload.
            page.wait_for_selector(f"#sync-row-{third}.state-ready")

            # Mark the other invoice sent in the popup.
            page.click(f"#sync-row-{second} td:nth-child(2)")
            page.wait_for_selector("#sync-actions[open] #popup-mark-sent")
            page.click("#popup-mark-sent")
            page.wait_for_selector(f"#sync-row-{second}.state-ready")
            page.wait_for_selector("#bulk-sent-open", state="detached")

            # The Nav cell's links open the document, not the popup.
            assert page.get_attribute(f"#sync-row-{first} .doc-link", "href") == \
                f"/documents/{unlinked.id}"

            # Sync: the rows turn synced in place while the progress polls.
            page.click("#sync-now")
            page.wait_for_selector("#sync-progress[data-polling]")
            page.wait_for_selector(f"#sync-row-{first}.state-synced", timeout=90_000)
            page.wait_for_selector(f"#sync-row-{second}.state-synced", timeout=90_000)
            page.wait_for_selector('#sync-run[data-run-state="finished"]', timeout=90_000)
            assert page.locator("#sync-progress[data-polling]").count() == 0
            assert page.evaluate("window.__sameDocument") is True
            assert "open in the package" in page.inner_text(f"#sync-row-{first}")
            _shot(page, "sync.png")
            assert not page.js_errors, page.js_errors
    finally:
        stop(worker)


@needs_chromium
def test_auto_sync_progress_advances_then_polling_stops(sandbox_app, admin_web, admin):
    app = sandbox_app
    connection = ready_world(app, admin_web, "sage")
    documents = [add_ready(app, connection, f"S83{n:02d}") for n in range(8)]
    _recheck(app, connection)
    worker = None
    try:
        with live_server(app) as base, chromium_page() as page:
            sign_in_page(page, base, admin.email, PASSWORD)
            polls = []
            page.on("request", lambda r: polls.append(time.monotonic())
                    if "/sync/runs/" in r.url and r.method == "GET" else None)
            page.goto(f"{base}/sync/")
            page.click("#sync-auto")
            # No worker yet: the run waits, polling, with nothing sent.
            page.wait_for_selector('#sync-run[data-run-state="queued"]')
            assert page.inner_text("#run-sent") == "0" and page.inner_text("#run-synced") == "0"
            assert "waiting for a worker" in page.inner_text("#sync-run-summary")
            page.wait_for_timeout(2500)  # (lets Playwright deliver the request events)
            assert len(polls) >= 2  # it polls about once a second
            worker = _worker(app)
            seen, deadline = [], time.monotonic() + 90
            while time.monotonic() < deadline:
                state = page.get_attribute("#sync-run", "data-run-state")
                seen.append(int(page.inner_text("#run-synced")))
                if state == "finished":
                    break
                page.wait_for_timeout(200)
            assert seen[0] == 0 and seen[-1] == len(documents)
            assert seen == sorted(seen)  # the counter only moves forward
            assert page.inner_text("#run-synced") == str(len(documents))
            assert page.inner_text("#run-left") == "0"
            assert page.locator("#sync-progress[data-polling]").count() == 0
            assert page.locator("#sync-progress-bar").count() == 0
            ended = len(polls)
            page.wait_for_timeout(3000)
            assert len(polls) == ended  # the final state carries no trigger: polling stopped
            for document in documents:
                assert "state-synced" in page.get_attribute(
                    f"#sync-row-{_record_id(app, document)}", "class")
            assert page.inner_text("#count-sales_invoice") == "0"
            assert not page.js_errors, page.js_errors
    finally:
        if worker is not None:
            stop(worker)


@needs_chromium
def test_a_session_ended_during_polling_lands_on_the_sign_in_page(sandbox_app, admin_web, admin):
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero")
    add_ready(app, connection, "S8401")
    _recheck(app, connection)
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/sync/")
        page.click("#sync-auto")  # no worker: the run stays queued and the page keeps polling
        page.wait_for_selector("#sync-progress[data-polling]")
        with Db(app):
            UserSession.end_all(admin)
        page.wait_for_url(re.compile(r".*/auth/login\?next=(/|%2F)sync(/|%2F)$"), timeout=15_000)
        assert page.locator("input[name=password]").count() == 1
        assert page.locator("#sync-progress").count() == 0  # a whole page, not a fragment
        # Signing in again goes back to the Sync page, not to the poll's fragment.
        page.fill("input[name=email]", admin.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/sync/")
        assert page.locator("#sync-grid").count() == 1


@needs_chromium
def test_bulk_create_contacts_and_mark_sent(sandbox_app, admin_web, admin):
    """The two bulk buttons above the grid: the contacts job's progress polls to its summary and
    the grid is swapped; Mark sent closes its dialog and the rows turn ready in place."""
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero")
    from helpers.docs import add_contact

    add_contact(app, "B0101", "Zebedee Quarry Holdings")
    unlinked = add_ready(app, connection, "S8101")
    unsent = add_ready(app, connection, "S8102", sent=False)
    with Db(app):
        Document.update(contact=Contact.get(Contact.number == "B0101").id).where(
            Document.id == unlinked.id).execute()
    _recheck(app, connection)
    first, second = _record_id(app, unlinked), _record_id(app, unsent)
    worker = _worker(app)
    try:
        with live_server(app) as base, chromium_page() as page:
            sign_in_page(page, base, admin.email, PASSWORD)
            page.goto(f"{base}/sync/")
            page.click("#bulk-contacts-open")
            page.wait_for_selector("#sync-actions[open] #bulk-contacts-confirm")
            page.click("#bulk-contacts-confirm")
            page.wait_for_selector("#bulk-summary", timeout=30_000)
            assert "created 1" in page.inner_text("#bulk-summary")
            page.wait_for_selector(f"#sync-row-{first}.state-ready")
            page.click("#sync-actions [data-close-dialog]")
            page.click("#bulk-sent-open")
            page.wait_for_selector("#sync-actions[open] #bulk-sent-confirm")
            page.select_option("#bulk-sent-method", "post")
            page.click("#bulk-sent-confirm")
            page.wait_for_selector(f"#sync-row-{second}.state-ready")
            assert page.locator("#sync-actions").count() == 0
            assert page.locator("#sync-bulk button").count() == 0  # nothing left to do in bulk
            assert not page.js_errors, page.js_errors
    finally:
        stop(worker)
