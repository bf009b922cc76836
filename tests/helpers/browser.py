"""Real headless Chromium (Debian's package) driven by Playwright, against a live local server."""

import os
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Browser tests skip where Debian's chromium is missing, unless CI requires them (then they fail).
needs_chromium = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("LEDGERLINK_REQUIRE_BROWSER"),
    reason="Debian's chromium package is not installed (CI installs it and requires this test)")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@contextmanager
def live_server(app):
    """Serve the app on a free loopback port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium_page():
    """A fresh headless Chromium page; the browser is closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error"
                    else None)
            page.js_errors = errors
            yield page
        finally:
            browser.close()


def sign_in_page(page, base_url, email, password):
    """Sign in through the login form."""
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@contextmanager
def signed_in_page(app, email, password):
    """The app served on loopback and a headless Chromium page signed in to it: (base, page)."""
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, email, password)
        yield base, page
