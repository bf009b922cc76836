"""Benchmark (not a test): a new user's walkthrough, timed in real headless Chromium.

One pass on a fresh instance folder: the README's run command (`python3 ledgerlink.py run`,
which also starts the accounting sandbox), an administrator and the demo data from the CLI, then
in the browser: sign in, Integrations, connect Xero through the sandbox's consent page, map the
accounts, and on the Sync page, kind by kind: the bulk offers above the grid, every blocked row's
popup (one rule per problem; what cannot be fixed there is excluded with a reason), Auto sync
until its progress stops. Every click, fill and select is counted (an OK in a confirm() too).
The outcome is read from `flask sync status`, the sandbox's ledger (/_control/ledger) and,
read-only, the instance's SQLite database (warnings; ledger contacts naming a business twice).

Popup rules: Link this when offered; a close-match suggestion only when it plainly names the
same business (case, punctuation, accents, Ltd/Limited, &/and, a leading "The" aside), else
Create new (and Create anyway when asked); Mark sent; Link to it (duplicate); Retry now; anything
else is excluded with the popup's own words as the reason.

    python bench/walkthrough.py                       # ports 5600 (app) and 5655 (sandbox)
    python bench/walkthrough.py --shots /tmp/shots    # a screenshot at each step

Prints `name: value` lines on stdout; progress goes to stderr.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
EMAIL, PASSWORD = "you@example.com", "walkthrough-pass-1"
KINDS = ["sales_invoice", "sales_credit_note", "supplier_invoice", "supplier_credit_note"]
# The mapping a newcomer picks from the Xero demo chart: (role, option text starts with).
MAPPING = [("labour_sales", "200 "), ("materials_sales", "200 "), ("purchases", "310 "),
           ("bank", "090 ")]
# States the sync status summary prints (models.sync.STATES, lower-cased).
STATE_WORDS = ["synced with variance", "blocked", "ready", "sending", "uncertain", "synced",
               "failed", "waiting", "excluded"]
T0 = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - T0:7.1f}s] {message}", file=sys.stderr, flush=True)


def wait_until(page, expression, timeout=30_000):
    """Poll a JavaScript expression until it is true (page.wait_for_function evaluates strings
    in the page, which the app's Content-Security-Policy forbids; evaluate goes through CDP)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout / 1000:.0f}s: {expression}")
        time.sleep(0.1)


class Walk:
    """The browser session: the page, the counted actions and what was done."""

    def __init__(self, page, base, shots, link_any=False):
        self.page, self.base, self.shots, self.link_any = page, base, shots, link_any
        self.actions = 0
        self.counts = {"linked_in_popup": 0, "suggestion_linked": 0, "suggestion_declined": 0,
                       "created_in_popup": 0, "bulk_linked": 0, "bulk_created": 0, "marked_sent": 0,
                       "excluded_in_popup": 0, "popups": 0, "auto_syncs": 0, "retried": 0}
        self.shot_no = 0
        self.notes = []
        page.on("dialog", self._confirm)

    def _confirm(self, dialog):
        log(f"  confirm(): {dialog.message!r} -> OK")
        self.actions += 1  # pressing OK is a click
        dialog.accept()

    def click(self, locator):
        locator.click()
        self.actions += 1

    def fill(self, locator, value):
        locator.fill(value)
        self.actions += 1

    def select(self, locator, value):
        locator.select_option(value)
        self.actions += 1

    def shot(self, name):
        if not self.shots:
            return
        self.shot_no += 1
        path = Path(self.shots) / f"{self.shot_no:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def settle(self, timeout=30_000):
        """Wait until htmx has no request in flight."""
        wait_until(self.page, "!document.querySelector('.htmx-request')", timeout)


def wait_for_url(url, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            response = requests.get(url, timeout=5)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout}s: {exc}") from exc
            time.sleep(0.25)


def flask(env, *args, stdin=None):
    """Run `.venv/bin/flask --app app ARGS` with the run's environment; its stdout."""
    done = subprocess.run([str(VENV_BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


# ---- the browser steps ---------------------------------------------------------------------

def nav_link(page, label):
    """A link of the left-hand menu (the home page links to the same places)."""
    return page.get_by_role("navigation", name="Control Center").get_by_role(
        "link", name=label, exact=True)


def sign_in(w):
    page = w.page
    page.goto(f"{w.base}/")
    page.wait_for_selector("input[name=email]")
    w.shot("sign-in")
    w.fill(page.locator("input[name=email]"), EMAIL)
    w.fill(page.locator("input[name=password]"), PASSWORD)
    w.click(page.get_by_role("button", name="Sign in"))
    page.wait_for_url(f"{w.base}/")
    w.shot("home")


def connect_xero(w, sandbox_port):
    page = w.page
    w.click(nav_link(page, "Integrations"))
    page.wait_for_selector("#card-xero")
    w.shot("integrations")
    w.click(page.locator("#card-xero .connect-button"))
    w.click(page.locator("#connect-xero").get_by_role("button", name="Continue to Xero"))
    page.wait_for_url(re.compile(rf"^http://127\.0\.0\.1:{sandbox_port}/"))
    page.wait_for_selector("button[value=allow]")
    w.shot("sandbox-consent")
    boxes = page.locator("input[name=tenant]")
    log(f"  consent page: {boxes.count()} organisation(s) offered, first one ticked")
    w.click(page.get_by_role("button", name="Allow access"))
    page.wait_for_url(re.compile(rf"^{re.escape(w.base)}/"))
    page.wait_for_load_state()
    if page.locator("input[name=organisation]").count():
        w.shot("choose-organisation")
        first = page.locator("input[name=organisation]").first
        if not first.is_checked():
            w.click(first)
        w.click(page.get_by_role("button", name="Connect this organisation"))
        page.wait_for_load_state()
    if not page.locator("#mapping-form").count():
        w.shot("after-connect")
        w.click(page.locator("#card-xero .finish-setup"))
    page.wait_for_selector("#mapping-form")
    w.shot("mapping")


def map_accounts(w):
    page = w.page
    for role, prefix in MAPPING:
        select = page.locator(f"#map-{role}")
        options = select.locator("option").evaluate_all(
            "os => os.map(o => [o.value, o.textContent.trim()])")
        value = next((v for v, text in options if text.startswith(prefix)), None)
        if value is None:
            raise RuntimeError(f"no account starting {prefix!r} for {role}: {options}")
        if select.input_value() != value:
            w.select(select, value)
    w.click(page.locator("#mapping-save"))
    page.wait_for_selector("#mapping-saved")
    w.shot("mapping-saved")


def bulk_contacts(w, kind):
    page = w.page
    opener = page.locator("#bulk-contacts-open")
    if not opener.count():
        return
    log(f"  {opener.inner_text().strip()}")
    w.click(opener)
    page.wait_for_selector("dialog#sync-actions[open] #bulk-contacts-form")
    w.shot(f"{kind}-bulk-contacts")
    for section in ("bulk-links", "bulk-creates", "bulk-suppliers", "bulk-decide"):
        items = page.locator(f"#{section} li").all_inner_texts()
        if items:
            log(f"    {section} ({len(items)}): " + "; ".join(i.strip() for i in items))
    for box in page.locator("#bulk-suppliers input[type=checkbox]").all():
        if not box.is_checked():
            w.click(box)  # the dialog says to tick the suppliers to create
    confirm = page.locator("#bulk-contacts-confirm")
    if confirm.count():
        w.click(confirm)
        page.wait_for_selector("#bulk-summary", timeout=120_000)
        summary = page.locator("#bulk-summary").inner_text().strip()
        log(f"  bulk: {summary}")
        found = dict((k, int(n)) for n, k in re.findall(r"(\d+) ?(linked|created)", summary))
        found.update({k: int(n) for k, n in re.findall(r"(linked|created) (\d+)", summary)})
        w.counts["bulk_linked"] += found.get("linked", 0)
        w.counts["bulk_created"] += found.get("created", 0)
        w.shot(f"{kind}-bulk-contacts-done")
    else:
        log("  bulk contacts: nothing to do in one go")
    close_popup(w)


def bulk_sent(w, kind):
    page = w.page
    opener = page.locator("#bulk-sent-open")
    if not opener.count():
        return
    label = opener.inner_text().strip()
    log(f"  {label}")
    w.click(opener)
    page.wait_for_selector("dialog#sync-actions[open] #bulk-sent-confirm")
    w.shot(f"{kind}-bulk-sent")
    ticked = page.locator("#bulk-sent-list input[type=checkbox]:checked").count()
    w.click(page.locator("#bulk-sent-confirm"))
    w.settle()
    wait_until(page, "!document.querySelector('#bulk-sent-confirm')")
    w.counts["marked_sent"] += ticked
    close_popup(w)


def close_popup(w):
    page = w.page
    dialog = page.locator("dialog#sync-actions[open]")
    if dialog.count():
        w.click(dialog.locator("header [data-close-dialog]"))
        wait_until(page, "!document.querySelector('dialog#sync-actions[open]')")


def popup_action(w, locator):
    """Click something in the popup and wait for the popup that answers (or its closing)."""
    w.page.evaluate("window.__popup = document.querySelector('#sync-dialog-slot dialog')")
    w.click(locator)
    wait_until(w.page,
               "document.querySelector('#sync-dialog-slot dialog') !== window.__popup"
               " && !document.querySelector('.htmx-request')", 60_000)
    w.settle()


def fix_in_popup(w, row_id, tried_problems):
    """Apply one rule per problem the open popup shows, until it closes or says what cannot be
    fixed here (then exclude it with a reason)."""
    page = w.page
    for _ in range(6):
        dialog = page.locator("dialog#sync-actions[open]")
        if not dialog.count():
            return "closed"
        problem = dialog.get_attribute("data-problem") or ""
        code = dialog.locator("header code").first.inner_text().strip()
        message = dialog.locator("#popup-message").inner_text().strip()
        log(f"    {row_id}: {problem}/{code}: {message[:90]}")
        if problem in ("ready", "synced", "excluded") or (problem == "waits"):
            close_popup(w)
            return problem
        if (problem, code) in tried_problems:
            return exclude(w, f"Could not fix {code} from the Sync popup ({message[:200]})")
        tried_problems.add((problem, code))
        if problem in ("contact", "care_of"):
            if dialog.locator("#popup-create-confirm").count():
                popup_action(w, dialog.locator("#popup-create-confirm"))
                w.counts["created_in_popup"] += 1
            elif dialog.locator("#popup-link-this").count():
                popup_action(w, dialog.locator("#popup-link-this"))
                w.counts["linked_in_popup"] += 1
            elif (pick := same_business(w, dialog)) is not None:
                popup_action(w, pick)
                w.counts["linked_in_popup"] += 1
                w.counts["suggestion_linked"] += 1
            else:
                popup_action(w, dialog.locator("#popup-create"))
                if not page.locator("dialog#sync-actions[open] #popup-create-confirm").count():
                    w.counts["created_in_popup"] += 1
                else:
                    tried_problems.discard((problem, code))  # the confirm comes next
        elif problem == "not_sent" and dialog.locator("#popup-mark-sent").count():
            popup_action(w, dialog.locator("#popup-mark-sent"))
            w.counts["marked_sent"] += 1
        elif problem == "duplicate" and dialog.locator("#popup-link-existing").count():
            popup_action(w, dialog.locator("#popup-link-existing"))
        elif problem in ("failed", "uncertain") and dialog.locator("#popup-retry").count():
            popup_action(w, dialog.locator("#popup-retry"))
            w.counts["retried"] += 1
        else:
            return exclude(w, f"Cannot fix {code} here: {message[:200]}")
    return "gave up"


def plain_name(name):
    """A name as a person compares two: case, punctuation, accents, "Ltd"/"Limited", "&"/"and"
    and a leading "The" do not matter."""
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9& ]+", "", name.replace("&", " and "))
    words = [{"ltd": "limited", "co": "company"}.get(x, x) for x in name.split()]
    return " ".join(words[1:] if words[:1] == ["the"] else words)


def same_business(w, dialog):
    """The close-match suggestion's Link this when it plainly names the same business (a
    newcomer links "Harbour View Lettings Limited" to "... Ltd", not "Flat 2, Quay House" to
    "Flat 7, Quay House"); with --link-any-suggestion, the first suggestion whatever it is."""
    ours = dialog.locator("#popup-contact h4").inner_text()
    ours = re.sub(r"^Link (.*) \([^)]*\) to a .*$", r"\1", ours.strip())
    for row in dialog.locator("#popup-suggestions tr.suggestion").all():
        theirs = row.locator("td").first.inner_text().split("\n")[0].strip()
        score = row.locator("td").nth(1).inner_text().strip()
        same = plain_name(theirs) == plain_name(ours)
        log(f"      suggested: {theirs!r} ({score}) for {ours!r}: "
            f"{'same business' if same else 'not the same'}")
        if same or w.link_any:
            return row.get_by_role("button", name="Link this")
        w.counts["suggestion_declined"] += 1
    return None


def exclude(w, reason):
    page = w.page
    dialog = page.locator("dialog#sync-actions[open]")
    if not dialog.locator("button#popup-exclude").count():
        close_popup(w)
        return "not excludable"
    w.fill(dialog.locator("#popup-exclude-reason"), reason)
    popup_action(w, dialog.locator("button#popup-exclude"))
    w.counts["excluded_in_popup"] += 1
    log(f"    excluded: {reason[:100]}")
    close_popup(w)
    return "excluded"


def fix_rows(w, kind, states=("blocked",)):
    """Open every row in these states on the grid (all its pages) and fix it in its popup."""
    page = w.page
    done = set()
    first = True
    while True:
        selector = ", ".join(f"#sync-grid tr.sync-row.state-{s}" for s in states)
        rows = [r for r in page.locator(selector).all()
                if r.get_attribute("id") not in done]
        if not rows:
            nxt = page.locator("#next-page")
            if nxt.count():
                w.click(nxt)
                w.settle()
                continue
            return
        row = rows[0]
        row_id = row.get_attribute("id")
        done.add(row_id)
        number = row.locator(".doc-link").inner_text().strip()
        w.click(row.locator("td").nth(2))  # the contact name cell opens the popup
        page.wait_for_selector("dialog#sync-actions[open]")
        w.settle()
        w.counts["popups"] += 1
        if first:
            w.shot(f"{kind}-popup")
            first = False
        fix_in_popup(w, number, set())


def auto_sync(w, kind):
    page = w.page
    button = page.locator("#sync-auto")
    if button.is_disabled():
        log("  Auto sync is disabled")
        return
    before = page.evaluate("(document.querySelector('#sync-run') || {dataset: {}})"
                           ".dataset.runId || ''")
    w.click(button)
    w.counts["auto_syncs"] += 1
    started = time.monotonic()
    wait_until(
        page, "(() => { const p = document.querySelector('#sync-progress');"
        " const r = document.querySelector('#sync-run');"
        f" return p && !p.hasAttribute('data-polling') && r && r.dataset.runId !== '{before}'"
        " && !['queued', 'running'].includes(r.dataset.runState); })()", 1_200_000)
    w.settle()
    summary = page.locator("#sync-run-summary").inner_text().strip()
    log(f"  Auto sync ({time.monotonic() - started:.1f}s): {' '.join(summary.split())}")
    w.shot(f"{kind}-after-auto-sync")


def menu_count(w, kind):
    text = w.page.locator(f"#count-{kind}").inner_text().strip().rstrip("+")
    return int(text or 0)


def sync_kinds(w):
    page = w.page
    w.click(nav_link(page, "Sync"))
    page.wait_for_selector("#sync-grid")
    w.shot("sync-page")
    for kind in KINDS:
        link = page.locator(f"#kind-{kind}")
        if link.get_attribute("aria-current") != "page":
            w.click(link)
            page.wait_for_url(re.compile(rf"kind={kind}"))
        page.wait_for_selector("#sync-grid")
        log(f"{kind}: {menu_count(w, kind)} waiting")
        codes = {}
        for code in page.locator("#sync-grid tr.sync-row .status-code").all_inner_texts():
            codes[code.strip()] = codes.get(code.strip(), 0) + 1
        offers = page.locator("#sync-bulk button").all_inner_texts()
        log(f"  on arrival, the first page's codes: {codes}; bulk offers: {offers}")
        w.shot(f"{kind}-start")
        bulk_contacts(w, kind)
        bulk_sent(w, kind)
        if page.locator("#sync-grid tr.sync-row.state-blocked").count() or \
                page.locator("#next-page").count():
            w.click(page.locator("#filter-blocked"))
            w.settle()
            fix_rows(w, kind)
            w.click(page.locator("#filter-waiting"))
            w.settle()
        w.shot(f"{kind}-fixed")
        auto_sync(w, kind)
        # What the run could not send (refused, or blocked since): one more look, once.
        if page.locator("#sync-grid tr.sync-row.state-blocked, "
                        "#sync-grid tr.sync-row.state-failed").count():
            log("  after the run: rows blocked or failed; opening them")
            fix_rows(w, kind, ("blocked", "failed"))
            auto_sync(w, kind)
        log(f"{kind}: {menu_count(w, kind)} still waiting")


# ---- the outcome ---------------------------------------------------------------------------

def outcome(env, sandbox_port):
    status = flask(env, "sync", "status")
    summary = next((line for line in status.splitlines() if line.startswith("xero (")), "")
    counts = {}
    for part in summary.split(": ", 1)[-1].split(", "):
        match = re.fullmatch(r"(.+) (\d+)", part.strip())
        if match and match.group(1) in STATE_WORDS:
            counts[match.group(1)] = int(match.group(2))
    codes = {}
    for line in status.splitlines():
        fields = line.split()
        if len(fields) > 4 and not line.startswith(("xero (", "payments:")):
            code = line[57:77].strip() or "?"
            codes[code] = codes.get(code, 0) + 1
    ledger = wait_for_url(f"http://127.0.0.1:{sandbox_port}/_control/ledger?provider=xero", 10)
    sandbox = {"documents": 0, "duplicates": 0, "api_calls": 0, "throttled": 0}
    for tenant in (ledger.get("tenants") or {}).values():
        sandbox["api_calls"] += tenant.get("api_calls", 0)
        sandbox["throttled"] += tenant.get("throttled", 0)
        for entry in (tenant.get("documents") or {}).values():
            sandbox["documents"] += entry.get("count", 0)
            sandbox["duplicates"] += sum(len(ids) - 1 for ids in entry["number"].values())
    payments = next((line for line in status.splitlines() if line.startswith("payments:")), "")
    return status, summary, counts, codes, sandbox, payments


def db_facts(instance):
    """What the pages only hint at, read (read-only) from the instance's SQLite database: the
    warnings documents synced with, and the ledger contacts that now name the same business
    twice (a contact created beside one the ledger already had)."""
    import sqlite3

    db = sqlite3.connect(f"file:{Path(instance) / 'ledgerlink.db'}?mode=ro", uri=True)
    try:
        warnings = db.execute("SELECT kind, warning, COUNT(*) FROM sync_record WHERE warning "
                              "IS NOT NULL AND warning != '' GROUP BY kind, warning").fetchall()
        names = [row[0] for row in db.execute("SELECT name FROM ledger_contact WHERE active")]
    finally:
        db.close()
    by_plain = {}
    for name in names:
        by_plain.setdefault(plain_name(name), []).append(name)
    twice = [group for group in by_plain.values() if len(group) > 1]
    return warnings, twice


# ---- the pass ------------------------------------------------------------------------------

def stop(process, instance):
    """SIGINT to the run command's process group (as Ctrl-C would), then harder if need be;
    then the embedded Redis, when it outlived the run command (it daemonizes into a session of
    its own): True when it had to be stopped here."""
    stop_group(process)
    pid_file = Path(instance) / "redis.pid"
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except (OSError, ValueError):
        return False
    if instance not in cmdline:
        return False
    log(f"the embedded Redis (pid {pid}) outlived the run command; stopping it")
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    return True


def stop_group(process):
    """Signal the whole group and wait until none of it is left (the wrapper ledgerlink.py
    exits at once; what it started may take longer)."""
    for sig, wait in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap the wrapper
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        log(f"the run command's group is still up after {sig.name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5600)
    parser.add_argument("--sandbox-port", type=int, default=5655)
    parser.add_argument("--shots", help="save a screenshot at each step into this folder")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    parser.add_argument("--link-any-suggestion", action="store_true",
                        help="in the popup, link the first close match whatever its name")
    args = parser.parse_args()
    if args.shots:
        Path(args.shots).mkdir(parents=True, exist_ok=True)

    instance = tempfile.mkdtemp(prefix="ll-walk-")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "LEDGER_SANDBOX_URL", "PORT", "HOST")
           and not k.endswith("_CLIENT_ID")}
    env.update(INSTANCE_PATH=instance, SANDBOX_PORT=str(args.sandbox_port),
               FLASK_SKIP_DOTENV="1", PYTHONUNBUFFERED="1")
    base = f"http://127.0.0.1:{args.port}"
    run_log = open(Path(instance) / "run.log", "w")  # noqa: SIM115 - closed in finally
    log(f"instance {instance}; starting the run command on {base}")
    started = time.monotonic()
    process = subprocess.Popen(
        ["python3", "ledgerlink.py", "run", "--port", str(args.port)],
        cwd=ROOT, env=env, stdout=run_log, stderr=subprocess.STDOUT, start_new_session=True)
    ok = False
    try:
        wait_for_url(f"{base}/healthz", 180)
        healthy = time.monotonic() - started
        log(f"healthy after {healthy:.1f}s")
        wait_for_url(f"http://127.0.0.1:{args.sandbox_port}/", 30)
        out = flask(env, "create-user", EMAIL, "--admin", "--password-stdin",
                    stdin=PASSWORD + "\n")
        log(out.strip())
        out = flask(env, "seed-demo")
        log(out.strip())
        cli_done = time.monotonic() - started

        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                page.set_default_timeout(30_000)
                errors = []
                page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
                page.on("console", lambda msg: errors.append(f"{page.url}: {msg.text}")
                        if msg.type == "error" else None)
                w = Walk(page, base, args.shots, args.link_any_suggestion)
                in_browser = time.monotonic()
                log("browser: sign in")
                sign_in(w)
                log("browser: connect Xero")
                connect_xero(w, args.sandbox_port)
                log("browser: map the accounts")
                map_accounts(w)
                log("browser: the Sync page")
                sync_kinds(w)
                browser_seconds = time.monotonic() - in_browser
            finally:
                browser.close()
        total = time.monotonic() - started

        status, summary, counts, codes, sandbox, payments = outcome(
            env, args.sandbox_port)
        log(f"sync status: {summary}")
        if payments:
            log(f"sync status: {payments}")
        for line in status.splitlines():
            if not line.startswith(("xero (", "payments:")):
                log(f"  left: {line}")
        warnings, twice = db_facts(instance)
        for kind, warning, count in warnings:
            log(f"synced with a warning: {count} {kind}: {warning}")
        for group in twice:
            log(f"the ledger now names one business twice: {group}")
        in_ledger = counts.get("synced", 0) + counts.get("synced with variance", 0)
        excluded = counts.get("excluded", 0)
        left = sum(counts.values()) - in_ledger - excluded
        figures = {
            "seconds_to_healthy": round(healthy, 1),
            "seconds_to_demo_loaded": round(cli_done, 1),
            "seconds_from_run": round(total, 1),
            "seconds_in_browser": round(browser_seconds, 1),
            "actions": w.actions,
            "documents": sum(counts.values()),
            "in_ledger": in_ledger,
            "in_ledger_with_variance": counts.get("synced with variance", 0),
            "in_ledger_with_warning": sum(count for _kind, _warning, count in warnings),
            "in_ledger_without_pdf": sum(count for _kind, warning, count in warnings
                                         if warning.startswith("The PDF was not attached")),
            "ledger_contacts_named_twice": len(twice),
            "sandbox_ledger_documents": sandbox["documents"],
            "sandbox_duplicate_numbers": sandbox["duplicates"],
            "sandbox_api_calls": sandbox["api_calls"],
            "sandbox_throttled": sandbox["throttled"],
            "excluded": excluded,
            "left": left,
            "linked_in_popup": w.counts["linked_in_popup"],
            "linked_by_suggestion": w.counts["suggestion_linked"],
            "suggestions_declined": w.counts["suggestion_declined"],
            "created": w.counts["created_in_popup"] + w.counts["bulk_created"],
            "created_in_popup": w.counts["created_in_popup"],
            "bulk_linked": w.counts["bulk_linked"],
            "bulk_created": w.counts["bulk_created"],
            "marked_sent": w.counts["marked_sent"],
            "excluded_in_popup": w.counts["excluded_in_popup"],
            "popups_opened": w.counts["popups"],
            "retries": w.counts["retried"],
            "auto_syncs": w.counts["auto_syncs"],
            "browser_errors": len(errors),
        }
        for name, value in figures.items():
            print(f"walkthrough.{name}: {value}")
        for line in errors[:10]:
            log(f"browser error: {line}")
        if codes:
            log(f"codes left: {codes}")
        ok = True
    finally:
        time.sleep(1)  # let the log settle
        outlived = stop(process, instance)
        if ok:
            print(f"walkthrough.embedded_redis_outlived_run: {int(outlived)}")
        run_log.close()
        if not ok:
            tail = (Path(instance) / "run.log").read_text(errors="replace")[-3000:]
            log(f"run command output (tail):\n{tail}")
        if args.keep or not ok:
            log(f"instance folder kept: {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
