"""The stand-in Zynk workflow on a schedule, for the demo: every N seconds one cycle (download,
import customers and suppliers, then documents, then payments, post the success and fail files)
against Ledgerlink's Zynk URLs, into one in-memory Sage 50 company kept for the whole run.

Real Zynk takes one step of the chain per scheduled run (customers, then the invoices waiting
for them, then credit notes and payments); a demo cycle repeats the workflow until a run imports
nothing new (at most MAX_RUNS), so one cycle brings everything that can go.

The credentials come from the arguments or the environment, or from a JSON file
(`{"user", "secret"}` and optionally `"ledgerlink"`, as `flask connect-sage50-demo` writes it)
read again before every cycle: until it exists the stand-in waits, and a new secret there is
picked up. Nothing printed ever holds the secret.
"""

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import requests

from sandbox.sage50.ledger import Sage50Company
from sandbox.sage50.zynk import ZynkWorkflow

MAX_RUNS = 5
DEFAULT_LEDGERLINK = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class Target:
    """Where the workflow points: Ledgerlink's address and Zynk's credentials."""

    ledgerlink: str
    user: str
    secret: str

    def urls(self):
        """The download, confirmation and fail-file URLs under Ledgerlink's address."""
        base = self.ledgerlink.rstrip("/")
        return f"{base}/zynk/download", f"{base}/zynk/confirm", f"{base}/zynk/failed"


def read_credentials(path, default_ledgerlink=DEFAULT_LEDGERLINK):
    """The Target a credentials file names, or None while it is missing or incomplete."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not data.get("user") or not data.get("secret"):
        return None
    return Target(str(data.get("ledgerlink") or default_ledgerlink), str(data["user"]),
                  str(data["secret"]))


def write_credentials(path, user, secret, ledgerlink=None):
    """Write a credentials file readable by its owner only (created so before the secret goes
    in)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    data = {"user": user, "secret": secret, **({"ledgerlink": ledgerlink} if ledgerlink else {})}
    path.write_text(json.dumps(data))


def summary(runs, company):
    """One line for a cycle: what was imported and refused, and what Sage 50 holds."""
    imported, refused = {}, {}
    for result in runs:
        for record, pairs in result.success.items():
            imported[record] = imported.get(record, 0) + len(pairs)
        for record, pairs in result.failed.items():
            refused[record] = refused.get(record, 0) + len(pairs)
    return (f"Zynk cycle ({len(runs)} run{'s' if len(runs) != 1 else ''}): imported "
            f"{imported or 'nothing'}, refused {refused or 'nothing'}; Sage 50 holds "
            f"{len(company.headers)} transactions and {len(company.invoices)} invoices")


class Schedule:
    """The stand-in run every `every` seconds (or cycled by hand with `cycle`)."""

    def __init__(self, every=60.0, target=None, credentials_file=None, company=None,
                 manual_numbers=False, settle=True, out=print, ledgerlink=DEFAULT_LEDGERLINK):
        self.every, self.target, self.credentials_file = every, target, credentials_file
        self.ledgerlink = target.ledgerlink if target else ledgerlink
        self.company = company or Sage50Company()
        self.manual_numbers, self.settle, self.out = manual_numbers, settle, out
        self._workflow, self._workflow_for = None, None
        self._stop, self._thread = threading.Event(), None
        self._waiting_said = self._quiet_said = False

    def _current_target(self):
        if self.credentials_file:
            return read_credentials(self.credentials_file, self.ledgerlink)
        return self.target

    def workflow(self):
        """The workflow for the current credentials (remade when they change), or None."""
        target = self._current_target()
        if target is None:
            return None
        if self._workflow is None or self._workflow_for != target:
            self._workflow = ZynkWorkflow(self.company, *target.urls(), target.user,
                                          target.secret, manual_numbers=self.manual_numbers)
            self._workflow_for = target
        return self._workflow

    def cycle(self, **run_options):
        """One cycle: the workflow run until nothing new is imported (or once when not
        settling); the list of RunResults, empty when there are no credentials yet."""
        workflow = self.workflow()
        if workflow is None:
            if not self._waiting_said:
                self.out(f"Zynk stand-in: waiting for credentials in {self.credentials_file} "
                         "(connect Sage 50 first)")
                self._waiting_said = True
            return []
        self._waiting_said = False
        runs = [workflow.run(**run_options)]
        while self.settle and len(runs) < MAX_RUNS and runs[-1].success \
                and not run_options.get("lose_confirmation"):
            runs.append(workflow.run())
        quiet = not any(run.success or run.failed for run in runs)
        if not (quiet and self._quiet_said):
            self.out(summary(runs, self.company) + (" (quiet cycles from now on are not "
                                                    "reported)" if quiet else ""))
        self._quiet_said = quiet
        return runs

    def safe_cycle(self):
        """A cycle whose HTTP trouble is reported in one line (never the secret), not raised."""
        try:
            return self.cycle()
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else "?"
            hint = {401: "the user name or secret is not (or no longer) right",
                    409: "the Sage 50 mapping is not saved yet",
                    429: "too many wrong guesses: wait a few minutes"}.get(status, "")
            self.out(f"Zynk stand-in: the download answered {status}"
                     f"{': ' + hint if hint else ''}")
        except requests.RequestException as exc:
            self.out(f"Zynk stand-in: cannot reach Ledgerlink ({type(exc).__name__})")
        return []

    def run_forever(self):
        """Cycle every `every` seconds until stopped."""
        while not self._stop.is_set():
            self.safe_cycle()
            self._stop.wait(self.every)

    def start(self):
        """Run the schedule in a daemon thread; returns self."""
        self._thread = threading.Thread(target=self.run_forever, name="zynk-standin",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        """Stop the thread after its current cycle."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
