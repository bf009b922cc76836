"""In headless Chromium: progress widgets that hold every state in one fragment and poll themselves.

Each widget starts idle, replaces itself with its running state, polls until a real worker
process has run the job, then shows the outcome and stops polling.
"""

import time

import pytest
from conftest import PASSWORD
from conftest import worker_env
from helpers.browser import needs_chromium
from helpers.browser import signed_in_page
from helpers.connect import connect
from helpers.processes import run_worker_burst
from helpers.processes import start_worker
from helpers.processes import stop

from providers import REGISTRY

pytestmark = needs_chromium


def _polls_after(page, path, seconds=2.5):
    """How many requests the page makes to path in the next few seconds."""
    seen = []
    page.on("request", lambda request: seen.append(request.url) if path in request.url else None)
    page.wait_for_timeout(seconds * 1000)
    return len(seen)


def test_worker_check_goes_from_idle_to_running_to_done(app, admin):
    with signed_in_page(app, admin.email, PASSWORD) as (base, page):
        page.goto(f"{base}/settings/")
        panel = page.locator("#worker-check")
        assert panel.locator("button").inner_text() == "Check that a worker runs jobs"  # idle

        page.click("#worker-check button")
        page.wait_for_selector("#worker-check-status[hx-get]")  # running, and polling
        assert "Waiting for a worker" in panel.inner_text()
        assert page.locator("#worker-check").count() == 1  # replaced, not nested

        worker = start_worker(worker_env(app))
        try:
            page.wait_for_selector("#worker-check .flash-success", timeout=60_000)
        finally:
            stop(worker)
        assert "ran the check and reached the database" in panel.inner_text()
        assert page.locator("#worker-check [hx-get]").count() == 0
        assert _polls_after(page, "/settings/worker-check/") == 0  # done: polling stopped
        assert not page.js_errors


@pytest.mark.skipif("xero" not in REGISTRY, reason="needs the Xero provider")
def test_refresh_banner_goes_from_idle_to_running_to_done(sandbox_app, admin_web, admin):
    _, connection = connect(sandbox_app, admin_web, "xero")
    assert connection is not None
    with signed_in_page(sandbox_app, admin.email, PASSWORD) as (base, page):
        page.goto(f"{base}/integrations/")
        banner = page.locator("#refresh-banner")
        assert banner.count() == 1 and banner.inner_text() == ""  # idle

        page.click("#card-xero details.dropdown summary")
        page.click("#card-xero .refresh-lists")
        page.wait_for_selector("#refresh-status[hx-get]")  # running, and polling
        assert "Refreshing the ledger's accounts" in banner.inner_text()
        assert page.locator("#refresh-banner").count() == 1  # replaced, not nested

        started = time.monotonic()
        run_worker_burst(worker_env(sandbox_app,
                                    LEDGER_SANDBOX_URL=sandbox_app.config["LEDGER_SANDBOX_URL"]))
        page.wait_for_selector("#refresh-banner .flash-success",
                               timeout=max(5_000, 60_000 - (time.monotonic() - started) * 1000))
        assert "Lists refreshed" in banner.inner_text()
        assert page.locator("#refresh-banner [hx-get]").count() == 0
        assert _polls_after(page, "/integrations/refresh/") == 0  # done: polling stopped
        assert not page.js_errors
