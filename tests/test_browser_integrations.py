"""In a real headless Chromium: the tabs swap in place, the connect modal, the mapping form save.

Also takes the screenshots the README shows (with LEDGERLINK_SCREENSHOTS=1).
"""

import os
from pathlib import Path

import pytest
from conftest import PASSWORD
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page

from providers import REGISTRY

SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@needs_chromium
@pytest.mark.skipif(not REGISTRY, reason="no provider registered")
def test_tabs_connect_modal_and_mapping_save(sandbox_app, admin):
    provider_id = sorted(REGISTRY)[0]
    with live_server(sandbox_app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        page.goto(f"{base}/integrations/")
        page.evaluate("window.__sameDocument = true")

        # Tabs switch in place (no page load) and push the URL.
        page.click("#tab-connected")
        page.wait_for_selector('#integration-cards[data-tab="connected"]')
        assert "Nothing connected yet" in page.inner_text("#integration-cards")
        assert page.url.endswith("?tab=connected")
        page.click("#tab-all")
        page.wait_for_selector(f"#card-{provider_id}")
        assert page.evaluate("window.__sameDocument") is True

        # The connect modal explains the steps; Cancel closes it.
        page.click(f"#card-{provider_id} .connect-button")
        dialog = page.locator(f"#connect-{provider_id}")
        assert dialog.is_visible() and "Continue to" in dialog.inner_text()
        dialog.locator("[data-close-dialog]").click()
        assert not dialog.is_visible()

        # Connect for real through the sandbox's consent page.
        page.click(f"#card-{provider_id} .connect-button")
        dialog.locator(".continue-button").click()
        page.wait_for_selector("button[value=allow]")
        page.click("button[value=allow]")
        if "/choose" in page.url:
            page.click("main button:has-text('Connect this organisation')")
        page.wait_for_selector("#mapping-form")

        # Map every role and save: the confirmation appears in place.
        page.evaluate("window.__sameDocument = true")
        for role in ("labour_sales", "materials_sales", "purchases", "bank"):
            page.select_option(f"#map-{role}", index=1)
        page.click("#mapping-save")
        page.wait_for_selector("#mapping-saved")
        assert page.evaluate("window.__sameDocument") is True
        if os.environ.get("LEDGERLINK_SCREENSHOTS"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "mapping.png"), full_page=True)
            # The README's Integrations page: one package connected, the others saying so.
            page.goto(f"{base}/integrations/")
            page.wait_for_selector(f"#card-{provider_id} .status-badge:text-is('Connected')")
            page.screenshot(path=str(SHOTS / "integrations.png"), full_page=True)
        assert not [e for e in page.js_errors if "Content Security Policy" in e]
