"""In a real headless Chromium: connect Sage 50 through Zynk from its card, read the
credentials once, save the settings in place, and see the payments section of a document."""

import pytest
from conftest import PASSWORD
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page


@needs_chromium
@pytest.mark.usefixtures("admin")
def test_connect_sage50_from_its_card_and_save_the_settings(app, admin):
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/integrations/")
        page.click("#card-sage50 .connect-button")
        dialog = page.locator("#connect-sage50")
        assert dialog.is_visible() and "shows them once" in dialog.inner_text()
        page.fill("#sage50-company", "Harbour Builders")
        dialog.locator(".continue-button").click()
        page.wait_for_selector("#zynk-credentials")
        assert page.inner_text("#zynk-download-url").endswith("/zynk/download")
        assert "Prevent Duplicates" in page.inner_text("#zynk-checklist")
        secret = page.inner_text("#zynk-secret")
        page.click("text=Map nominal and tax codes")
        page.wait_for_selector("#sage50-settings")
        assert secret not in page.content()
        page.evaluate("window.__sameDocument = true")
        for role, code in (("labour_sales", "4000"), ("materials_sales", "4010"),
                           ("purchases", "5000"), ("bank", "12X0")):
            page.fill(f"#nominal-{role}", code)
        page.click("#sage50-save")
        page.wait_for_selector(".field-error")
        assert page.input_value("#nominal-bank") == "12X0"  # what was typed is kept
        page.fill("#nominal-bank", "1200")
        page.click("#sage50-save")
        page.wait_for_selector("#sage50-saved")
        assert page.evaluate("window.__sameDocument") is True
        page.goto(f"{base}/integrations/")
        assert "Harbour Builders" in page.inner_text("#card-sage50")
        assert page.inner_text("#zynk-last-download") == "not yet"
        assert not [e for e in page.js_errors if "Content Security Policy" in e]


@needs_chromium
def test_record_and_remove_a_payment_in_place(app, admin):
    from helpers.docs import add_contact
    from helpers.docs import add_document

    add_contact(app)
    doc = add_document(app)  # 120.00 gross
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/documents/{doc.id}")
        page.evaluate("window.__sameDocument = true")
        page.fill("#payment-form input[name=paid_on]", "2026-03-10")
        page.fill("#payment-form input[name=amount]", "500")
        page.click("#payment-save")
        page.wait_for_selector("#payment-form .field-error")
        assert "more than is owed (120.00)" in page.inner_text("#document-payments")
        page.fill("#payment-form input[name=amount]", "20")
        page.click("#payment-save")
        page.wait_for_selector("#payments-table")
        assert "100.00" in page.inner_text("#payment-owed")
        page.click("#payments-table button:has-text('Remove')")
        page.wait_for_selector("#payment-message:has-text('Removed.')")
        assert "120.00" in page.inner_text("#payment-owed")
        assert page.evaluate("window.__sameDocument") is True
        assert not page.js_errors
