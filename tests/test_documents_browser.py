"""In headless Chromium: the ledger-id unlock and confirmation, the Sent toggle, adding lines."""

import pytest
from conftest import PASSWORD
from helpers.browser import needs_chromium
from helpers.browser import signed_in_page
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.links import add_connection
from helpers.links import ledger_id

import models
from models.document import Document
from services.contact_links import set_link

pytestmark = needs_chromium


@pytest.fixture
def live(app, staff):
    """The app served on a loopback port, and a headless Chromium page signed in as staff."""
    with signed_in_page(app, staff.email, PASSWORD) as (base, page):
        yield base, page


def test_ledger_id_cannot_be_unlocked_without_a_connection(app, live):
    base, page = live
    contact = add_contact(app)
    page.goto(f"{base}/contacts/{contact.id}/edit")
    field = page.locator("#ledger-contact-id")
    assert field.get_attribute("placeholder") == "Connect an accounting package first"
    page.dblclick("#ledger-contact-id-label", force=True)  # a disabled field's label
    assert field.is_disabled() and field.get_attribute("readonly") is not None
    assert page.locator("#ledger-contact-id-unlock").count() == 0


def test_ledger_id_unlock_confirm_and_cancel(app, live):
    base, page = live
    contact = add_contact(app)
    connection = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")

    page.goto(f"{base}/contacts/{contact.id}/edit")
    field = page.locator("#ledger-contact-id")
    assert field.get_attribute("readonly") is not None
    page.dblclick("#ledger-contact-id-label")
    assert field.get_attribute("readonly") is None
    field.fill("XERO-42")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#save-contact")
    page.wait_for_timeout(200)
    assert ledger_id(app, connection, contact) == ""
    messages = []

    def accept(dialog):
        messages.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    with page.expect_navigation():
        page.click("#save-contact")
    # Confirmed, the id is checked against the ledger before it is saved (issue 11's checked
    # save; saving a real id is tested against the sandbox in test_contacts_screens.py): this
    # connection cannot confirm XERO-42, so nothing is saved and the typed id is kept.
    assert "XERO-42" in messages[0]
    assert page.locator("#ledger-contact-id").input_value() == "XERO-42"
    assert page.locator("#ledger-contact-id").get_attribute("aria-invalid") == "true"
    assert ledger_id(app, connection, contact) == ""
    with app.app_context(), models.db.connection_context():
        set_link(connection, contact, "XERO-42")  # a link made earlier, to clear
    page.goto(f"{base}/contacts/{contact.id}/edit")
    page.click("#ledger-contact-id-unlock")
    assert page.locator("#ledger-contact-id").get_attribute("readonly") is None
    with page.expect_navigation():
        page.click("#ledger-contact-id-clear")
    assert page.url == f"{base}/contacts/{contact.id}/edit"
    assert ledger_id(app, connection, contact) == ""


def test_sent_toggle_in_place_and_lines_added_and_removed(app, live):
    base, page = live
    add_contact(app)
    document = add_document(app, "S1")
    page.goto(f"{base}/documents/{document.id}")
    page.evaluate("window.__stayed = true")
    page.select_option("#sent-method", "post")
    page.click("#sent-yes")
    page.wait_for_selector("#sent-state:text('Yes')")
    assert page.evaluate("window.__stayed") is True  # swapped in place, no page load
    with app.app_context(), models.db.connection_context():
        assert Document.get_by_id(document.id).sent_method == "post"
    page.goto(f"{base}/documents/new")
    assert page.locator(".line-row").count() == 1
    page.click("#add-line")
    page.wait_for_selector("input[name=lines-1-description]")
    page.click("#add-line")
    page.wait_for_selector("input[name=lines-2-description]")
    page.locator("#line-1 [data-remove-line]").click()
    assert page.locator(".line-row").count() == 2
