"""In headless Chromium, the Integrations page as a new user meets it (issue 13): the organisation
chooser, a revoked grant learnt by Refresh lists, setup not finished, the one-package rule, staff
cards, and the dialogs' buttons and keys."""


import os

import pytest
import requests
from conftest import PASSWORD
from conftest import worker_env
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page
from helpers.connect import connect
from helpers.processes import run_worker_burst

import models
from connections.lists import refresh_lists_now
from models.integration import Connection
from providers import REGISTRY

pytestmark = [needs_chromium, pytest.mark.skipif(len(REGISTRY) < 2, reason="needs two providers")]


@pytest.fixture
def browser(sandbox_app):
    """(base URL, Chromium page) on a live server of the sandbox app, not yet signed in."""
    with live_server(sandbox_app) as base, chromium_page() as page:
        yield base, page
        assert not [e for e in page.js_errors if "status of 422" not in e]


def _shot(page, name):
    if os.environ.get("LEDGERLINK_SHOTS_DIR"):
        page.screenshot(path=os.path.join(os.environ["LEDGERLINK_SHOTS_DIR"], f"{name}.png"),
                        full_page=True)


def _db(app):
    from contextlib import ExitStack

    stack = ExitStack()
    stack.enter_context(app.app_context())
    stack.enter_context(models.db.connection_context())
    return stack


def _connected(app, client, provider_id="xero"):
    """A connection made through the screens, with its lists read; returns it."""
    _, connection = connect(app, client, provider_id)
    with _db(app):
        refresh_lists_now(connection.id)
    return connection


def test_a_revoked_grant_learnt_by_refresh_lists_changes_the_card_in_place(
        sandbox_app, admin_web, admin, sandbox, browser):
    """Issue 13.8: the failure names the package and says the access ended, once, and the card
    turns amber without a reload; the banner then names the package, with no double full stop."""
    base, page = browser
    connection = _connected(sandbox_app, admin_web)
    sign_in_page(page, base, admin.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    assert "Connected" in page.inner_text("#card-xero .status-badge") or "Finish setup" in \
        page.inner_text("#card-xero .status-badge")
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": "xero",
                                                           "revoke_grants": True}, timeout=5)
    page.evaluate("window.__sameDocument = true")
    page.click("#card-xero summary:has-text('Manage')")
    page.click("#card-xero .refresh-lists")
    page.wait_for_selector("#refresh-status[aria-busy=true]")
    run_worker_burst(worker_env(sandbox_app, LEDGER_SANDBOX_URL=sandbox.url))
    page.wait_for_selector("#refresh-status:not([aria-busy])", timeout=15000)
    status = page.inner_text("#refresh-status")
    assert "Xero has ended Ledgerlink's access" in status, status
    assert connection.organisation_name in status and "try again" not in status.lower()
    assert page.inner_text("#card-xero .status-badge") == "Needs reconnect"
    why = page.inner_text("#card-xero .reconnect-reason")
    assert why.startswith("Xero has ended Ledgerlink's access") and "Integrations" not in why
    assert page.locator("#card-xero .reconnect-button").is_visible()
    assert page.evaluate("window.__sameDocument") is True  # learnt in place, no reload
    _shot(page, "integrations-revoked")
    page.reload()
    banner = page.inner_text("#reconnect-banner")
    assert banner.startswith(f"Xero ({connection.organisation_name}) has ended Ledgerlink's access")
    assert ".." not in banner and banner.count("reconnect") == 1, banner
    page.click("#card-xero .reconnect-button")
    assert page.locator("#reconnect-xero").is_visible()


def _map_every_role(page):
    for role in ("labour_sales", "materials_sales", "purchases", "bank"):
        page.select_option(f"#map-{role}", index=1)
    page.click("#mapping-save")
    page.wait_for_selector("#mapping-saved")


def test_setup_is_finished_from_the_card_and_other_packages_say_which_is_active(
        sandbox_app, admin_web, admin, browser):
    """Issues 13.11 and 13.12: "Finish setup" until the mapping is saved, a count on the
    Connected tab; the other cards offer no Connect while Xero is active, say so, and let an
    administrator disconnect Xero from there."""
    base, page = browser
    _connected(sandbox_app, admin_web)
    sign_in_page(page, base, admin.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    assert page.inner_text("#card-xero .status-badge") == "Finish setup"
    assert "nothing syncs until the account mapping is saved" in page.inner_text("#card-xero")
    assert page.inner_text("#connected-count") == "1"
    _shot(page, "integrations-finish-setup")
    for other in (p for p in REGISTRY if p != "xero"):
        card = page.locator(f"#card-{other}")
        assert card.locator(".connect-button").count() == 0
        text = card.inner_text()
        assert "Xero is the active package" in text, text
        assert f"switching to {REGISTRY[other].name} means disconnecting Xero first" in text
    page.click("#card-xero .finish-setup")
    page.wait_for_selector("#mapping-form")
    _map_every_role(page)
    page.goto(f"{base}/integrations/")
    assert page.inner_text("#card-xero .status-badge") == "Connected"
    assert page.locator("#card-xero .finish-setup").count() == 0

    page.click("#card-qbo .switch-button")
    dialog = page.locator("#disconnect-xero")
    assert dialog.is_visible()
    dialog.locator(".confirm-disconnect").click()
    page.wait_for_selector("text=Xero is disconnected")
    assert page.inner_text("#connected-count") == "0"
    assert page.locator("#card-qbo .connect-button").is_visible()
    assert page.locator(".other-active").count() == 0


def test_staff_cards_show_the_state_and_who_acts(sandbox_app, admin_web, staff, browser):
    """Issue 13.15: staff see each card's state and that an administrator connects and
    configures, never an empty footer."""
    base, page = browser
    _connected(sandbox_app, admin_web)
    sign_in_page(page, base, staff.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    assert page.inner_text("#card-xero .status-badge") == "Finish setup"
    assert "An administrator finishes the setup" in page.inner_text("#card-xero footer")
    _shot(page, "integrations-staff")
    for other in (p for p in REGISTRY if p != "xero"):
        footer = page.inner_text(f"#card-{other} footer")
        assert "An administrator connects and configures it" in footer, footer
        assert "Xero is the active package" in page.inner_text(f"#card-{other}")
    assert page.locator(".switch-button, .connect-button, .finish-setup, details.dropdown"
                        ).count() == 0


_BOXES_JS = """selector => Array.from(document.querySelectorAll(selector)).map(e => {
  const r = e.getBoundingClientRect(), s = getComputedStyle(e);
  return {text: e.textContent.trim(), top: r.top, height: r.height, width: r.width,
          nowrap: s.whiteSpace === "nowrap", secondary: e.classList.contains("secondary")};
})"""


def _side_by_side_one_height(page, selector):
    boxes = page.evaluate(_BOXES_JS, selector)
    assert len(boxes) == 2, boxes
    assert {round(b["top"]) for b in boxes} == {round(boxes[0]["top"])}, boxes  # one row
    assert {round(b["height"]) for b in boxes} == {round(boxes[0]["height"])}, boxes
    assert all(b["nowrap"] for b in boxes), boxes
    return boxes


def test_dialogs_menus_and_the_mapping_form_look_and_behave(sandbox_app, admin_web, admin,
                                                            browser):
    """Issue 13.17: dialog buttons side by side and of one height, Cancel secondary; Escape
    closes menus and dialogs; the mapping's Cancel and Save of one height; tax rates said once;
    option text not cut at 1024 px; the Zoho refresh-token cap behind "More" (13.13)."""
    base, page = browser
    connection = _connected(sandbox_app, admin_web, "zoho")
    sign_in_page(page, base, admin.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    page.click("#card-zoho details.dropdown summary")
    assert page.locator("#card-zoho a:text-is('Reconnect')").is_visible()
    page.keyboard.press("Escape")
    assert page.evaluate("document.querySelector('#card-zoho details.dropdown').open") is False

    page.click("#card-zoho details.dropdown summary")
    page.click("#card-zoho a:text-is('Reconnect')")
    dialog = page.locator("#reconnect-zoho")
    assert dialog.is_visible()
    cancel, action = _side_by_side_one_height(page, "#reconnect-zoho footer button")
    assert cancel["text"] == "Cancel" and cancel["secondary"] and not action["secondary"]
    cap = dialog.locator("details.connect-note")
    assert "20 refresh tokens" not in dialog.inner_text() or not cap.locator("p").is_visible()
    cap.locator("summary").click()
    assert "at most 20 refresh tokens" in cap.inner_text()
    _shot(page, "reconnect-dialog")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.click("#card-zoho details.dropdown summary")
    page.click("#card-zoho a:text-is('Disconnect')")
    keep, disconnect = _side_by_side_one_height(page, "#disconnect-zoho footer button")
    assert keep["secondary"] and disconnect["text"] == "Disconnect"
    page.keyboard.press("Escape")
    assert not page.locator("#disconnect-zoho").is_visible()

    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto(f"{base}/integrations/{connection.id}/configure")
    _side_by_side_one_height(page, "#mapping-cancel, #mapping-save")
    taxes = page.evaluate("Array.from(document.querySelectorAll('#tax-sales_tax_id option'))"
                          ".map(o => o.text)")
    assert "Standard Rate 20%" in taxes, taxes
    assert not [t for t in taxes if t.count("%") > 1 or "(" in t], taxes
    cut = page.evaluate("Array.from(document.querySelectorAll('#mapping-form select'))"
                        ".filter(s => s.scrollWidth > s.clientWidth + 1).map(s => s.id)")
    assert cut == []


def test_back_to_the_chooser_after_cancel_says_what_happened(sandbox_app, admin_web, admin,
                                                             browser):
    """Issue 13.17: returning to the organisation chooser after Cancel does not claim the
    sign-in "took too long"; the sandbox's pages are styled and ask for no missing favicon."""
    base, page = browser
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    sign_in_page(page, base, admin.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    page.click("#card-xero .connect-button")
    page.click("#connect-xero .continue-button")
    page.wait_for_selector("button[value=allow]")
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") != "none"
    _shot(page, "sandbox-consent")
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.click("button[value=allow]")
    page.wait_for_selector("main button:has-text('Connect this organisation')")
    assert page.locator("input[name=organisation]:checked").count() == 0  # none connected yet
    page.click("main button:has-text('Cancel')")
    page.wait_for_selector("text=Connecting was cancelled")
    page.go_back()
    page.wait_for_selector(".flash")
    text = page.inner_text("#flashes") if page.locator("#flashes").count() else page.inner_text(
        "main")
    assert "took too long" not in text
    assert "it was finished or cancelled" in text
    assert not [u for u in missing if "favicon" in u], missing


def test_reconnect_ticks_the_organisation_being_reconnected_and_another_can_be_chosen(
        sandbox_app, admin_web, admin, browser):
    """Issue 13.1, as the new user met it: Reconnect, Allow, and the organisation being
    reconnected is the one ticked; choosing the other one connects it instead of refusing."""
    base, page = browser
    _, first = connect(sandbox_app, admin_web, "xero", organisation_index=-1)
    sign_in_page(page, base, admin.email, PASSWORD)
    page.goto(f"{base}/integrations/")
    page.click("#card-xero details.dropdown summary")
    page.click("#card-xero a:text-is('Reconnect')")
    page.click("#reconnect-xero .continue-button")
    page.wait_for_selector("button[value=allow]")
    for box in page.locator("input[type=checkbox]").all():
        box.check()
    page.click("button[value=allow]")
    page.wait_for_selector("#reconnect-other-warning")
    assert first.organisation_name in page.inner_text("#reconnect-other-warning")
    ticked = page.locator("input[name=organisation]:checked")
    assert ticked.count() == 1 and ticked.get_attribute("value") == first.organisation_id
    _shot(page, "reconnect-chooser")
    other = page.locator(f"input[name=organisation]:not([value='{first.organisation_id}'])"
                         ).first
    other_id = other.get_attribute("value")
    other.check()
    page.click("main button:has-text('Connect this organisation')")
    page.wait_for_selector("#mapping-form")
    assert "still connected" not in page.inner_text("main")
    with _db(sandbox_app):
        assert Connection.get(Connection.active == True).organisation_id == other_id  # noqa: E712
