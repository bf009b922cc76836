"""Running a sync: pick ready documents, send them in the package's batch size within the shared
rate budget, record each answer, and resolve anything uncertain by reading the ledger.

Exactly once rests on three rules: a document's idempotency key is committed (state "sending")
before its request goes; anything that may have landed (a timeout, a crash, a "duplicate") is
"uncertain" and is only sent again, with the same key, after the ledger has been read and does
not have it; and every write carries the run's fence, so a worker that lost its lease cannot
overwrite its successor's results.
"""

import datetime
import logging
import os
import socket
import threading
import time
from decimal import Decimal

from flask import current_app

from connections.tokens import api_context
from connections.tokens import mark_needs_reconnect
from connections.tokens import refresh_tokens
from models import db
from models.document import Document
from models.document import DocumentFile
from models.integration import NEEDS_RECONNECT
from models.integration import Connection
from models.sync import FAILED
from models.sync import FINISHED
from models.sync import READY
from models.sync import SENDING
from models.sync import STOPPED
from models.sync import SYNCED
from models.sync import UNCERTAIN
from models.sync import VARIANCE
from models.sync import WAITING
from models.sync import LedgerDocument
from models.sync import SyncAttempt
from models.sync import SyncRecord
from models.sync import SyncRun
from providers.base import SETTINGS_KEY
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import RequestGate
from providers.base import TransientError
from providers.base import UncertainError
from services.contact_links import remote_id_in
from services.invoice_pdf import pdf_refusal
from services.invoice_pdf import render_invoice_pdf
from sync import records
from sync import runs
from sync.codes import describe
from sync.index import refresh_index
from sync.outgoing import build
from sync.outgoing import idempotency_key
from sync.payments import PaymentStep
from sync.preflight import check
from sync.snapshot import batch_snapshot
from sync.snapshot import connection_snapshot
from sync.snapshot import document_facts
from sync.snapshot import keep_organisation_settings

log = logging.getLogger("ledgerlink.sync")

# Kinds in the order a scheduled run takes them: invoices before the credit notes against them.
ALL_KINDS = ("sales_invoice", "supplier_invoice", "sales_credit_note", "supplier_credit_note")
TOLERANCE = Decimal("0.01")
FIND_CHUNK = 50  # numbers per find_documents read
MAX_RATE_WAIT = 60.0  # longest in-run wait for a 429's Retry-After before trying again


READ_TRIES = 6  # a read (settings, index, resolution) is retried; it changes nothing


def read_with_retries(read, *args, sleep=time.sleep, **kwargs):
    """Call a provider read, retrying transient failures, timeouts and 429s with a short
    backoff (reads are safe to repeat); the last failure is raised."""
    for attempt in range(READ_TRIES):
        try:
            return read(*args, **kwargs)
        except (TransientError, UncertainError, RateLimited) as exc:
            if attempt == READ_TRIES - 1:
                raise
            wait = exc.retry_after if exc.retry_after is not None else 0.25 * 2 ** attempt
            sleep(min(float(wait), MAX_RATE_WAIT))
    raise AssertionError("unreachable")


class LeaseLost(Exception):
    """Another worker holds the run now; this one must stop writing."""


class CountingGate(RequestGate):
    """The shared rate gate, counting the calls this run makes."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0

    def before(self, bucket=""):
        """Wait for budget, then count the call."""
        # A bucket (QuickBooks' /batch calls) goes on to the shared gate's own window for it.
        self.inner.before(*([bucket] if bucket else []))
        self.calls += 1

    def after(self, status_code, headers):
        """Pass the answer on to the shared gate."""
        self.inner.after(status_code, headers)


def _now():
    return datetime.datetime.now()


def backoff_schedule():
    """Seconds to wait before each retry of a transient failure (then: failed)."""
    raw = str(current_app.config["SYNC_BACKOFF_SECONDS"])
    return [float(part) for part in raw.split(",") if part.strip()]


class Heartbeat(threading.Thread):
    """Renews the run's lease while the worker lives; a killed worker stops renewing it."""

    def __init__(self, app, run_id, fence, lease_seconds):
        super().__init__(daemon=True)
        self.app, self.run_id, self.fence, self.lease = app, run_id, fence, lease_seconds
        self.done, self.lost = threading.Event(), threading.Event()

    def run(self):
        """Renew every third of the lease until told to stop or the lease is lost."""
        with self.app.app_context():
            while not self.done.wait(max(0.2, self.lease / 3)):
                with db.connection_context():
                    if not runs.renew(self.run_id, self.fence, self.lease):
                        self.lost.set()
                        return


class RunEngine:
    """One worker's turn at one run."""

    def __init__(self, run_id, clock=time.time):
        config = current_app.config
        self.run_id, self.clock = run_id, clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self.lease_seconds = float(config["SYNC_LEASE_SECONDS"])
        self.timeout = float(config["SYNC_REQUEST_TIMEOUT"])
        self.backoff = backoff_schedule()
        self.fence = None
        self.heartbeat = None
        self.counters = {}
        self.payments = PaymentStep(self)

    # --- the run ---

    def execute(self):
        """Run to the end (or until stopped, out of time or the lease is lost); return state."""
        self.fence = runs.acquire(self.run_id, self.owner, self.lease_seconds)
        if self.fence is None:
            return "held elsewhere"
        self.heartbeat = Heartbeat(current_app._get_current_object(), self.run_id, self.fence,
                                   self.lease_seconds)
        self.heartbeat.start()
        try:
            state, message = self._execute()
        except LeaseLost:
            log.warning("run %s: lease lost, leaving it to the worker that took it", self.run_id)
            return "lease lost"
        except Exception:
            log.exception("run %s failed", self.run_id)
            self._orphans_uncertain()
            runs.finish(self.run_id, self.fence, "aborted",
                        "The run stopped on an unexpected error; see the worker's log.")
            raise
        finally:
            self.heartbeat.done.set()
        self._save_counters()
        for summary in (self._warnings_summary(), self.payments.summary()):
            message = f"{message} {summary}".strip() if summary else message
        runs.finish(self.run_id, self.fence, state, message)
        return state

    def _execute(self):
        run = SyncRun.get_by_id(self.run_id)
        self.run = run
        self.counters = {k: getattr(run, k) for k in ("sent", "synced", "failed", "blocked")}
        connection = Connection.get_by_id(run.connection_id)
        self.connection = connection
        try:
            self.provider, self.ctx = api_context(connection, timeout=self.timeout)
        except AuthError as exc:
            return self._paused(exc.message)
        self.ctx.gate = CountingGate(self.ctx.gate)
        self._orphans_uncertain()
        records.check_unrecorded(connection)
        try:
            self._read_organisation()
            kinds = [run.kind] if run.kind else list(ALL_KINDS)
            for kind in kinds:
                read_with_retries(refresh_index, connection, self.provider, self.ctx, kind)
            records.recheck_waiting(connection, kinds)  # with the settings and index just read
            self._set_total(kinds)
            for kind in kinds:
                outcome = self._run_kind(kind)
                if outcome:
                    return outcome
                # Then the kind's payments whose invoice is in the ledger (this run's too).
                outcome = self.payments.run_kind(kind, read_with_retries)
                if outcome:
                    return outcome
        except AuthError as exc:
            return self._paused(exc.message)
        except ProviderError as exc:
            # A read failed (the number index, settings, a resolution): nothing was sent blind.
            return "aborted", exc.message or describe(exc.code).message
        return (STOPPED, "Stopped.") if self._stop_requested() else (FINISHED, "")

    def _paused(self, reason):
        if Connection.get_by_id(self.connection.id).status != NEEDS_RECONNECT:
            mark_needs_reconnect(self.connection, reason)
        return "aborted", f"Paused: the connection needs reconnecting. {reason}"

    def _recheck_waiting_for_invoices(self, kind):
        """Credit notes whose invoice has now landed become ready; True when any did."""
        waiting = [r.document_id for r in SyncRecord.select(SyncRecord.document).where(
            SyncRecord.connection == self.connection, SyncRecord.kind == kind,
            SyncRecord.state == WAITING, SyncRecord.next_attempt_at.is_null())]
        if not waiting:
            return False
        return records.recheck(self.connection, waiting, changed=False).get(READY, 0) > 0

    def step_allowed(self):
        """None while the run may take another step; else the (state, message) that ends it."""
        self.ensure_lease()
        if self._stop_requested():
            return STOPPED, "Stopped."
        if _now() >= self.run.deadline:
            return FINISHED, "Time is up; the rest goes in the next run."
        return None

    def _run_kind(self, kind):
        """Send a kind's ready documents until done; an (state, message) ends the whole run."""
        self._recheck_waiting_for_invoices(kind)
        while True:
            outcome = self.step_allowed()
            if outcome:
                return outcome
            if self.run.limit is not None and self.counters["sent"] >= self.run.limit:
                return None
            self._resolve_uncertain(kind)
            batch = self._next_batch(kind)
            if not batch:
                if self._recheck_waiting_for_invoices(kind) or self._wait_for_retries(kind):
                    continue
                return None
            self._send(kind, batch)
            self._save_counters()

    # --- choosing ---

    def _step_size(self):
        size = max(1, int(self.provider.batch_size))
        if self.run.limit is not None:
            size = min(size, self.run.limit - self.counters["sent"])
        return max(1, size)

    def _due(self, kind):
        return SyncRecord.select().join(Document).where(
            SyncRecord.connection == self.connection, SyncRecord.kind == kind,
            (SyncRecord.state == READY) | (
                (SyncRecord.state == WAITING) & (SyncRecord.next_attempt_at <= _now())))

    def _next_batch(self, kind):
        """Up to a step's worth of documents that pass their checks right now."""
        size = self._step_size()
        for _ in range(20):  # each pass rechecks a few; blocked ones drop out of the next
            candidates = list(self._due(kind).order_by(Document.issue_date, Document.id)
                              .limit(size * 2 + 10))
            if not candidates:
                return []
            records.recheck(self.connection, [r.document_id for r in candidates],
                            changed=False)
            ready = list(self._due(kind).where(
                SyncRecord.id.in_([r.id for r in candidates]))
                .order_by(Document.issue_date, Document.id).limit(size))
            if ready:
                return ready
        return []

    def _wait_for_retries(self, kind):
        """In a run that keeps going, wait for the next transient retry falling due before the
        deadline; False when there is none (the run ends)."""
        if self.run.limit is not None:
            return False
        upcoming = (SyncRecord.select(SyncRecord.next_attempt_at).where(
            SyncRecord.connection == self.connection, SyncRecord.kind == kind,
            SyncRecord.state == WAITING, SyncRecord.next_attempt_at.is_null(False))
            .order_by(SyncRecord.next_attempt_at).first())
        if upcoming is None or upcoming.next_attempt_at >= self.run.deadline:
            return False
        wait = (upcoming.next_attempt_at - _now()).total_seconds()
        time.sleep(max(0.05, min(wait, 5.0)))
        return True

    # --- sending ---

    def _snapshot_for(self, document_ids):
        facts = document_facts(document_ids)
        base = connection_snapshot(self.connection)
        return facts, batch_snapshot(base, self.connection, list(facts.values()))

    def _send(self, kind, batch):
        facts, snapshot = self._snapshot_for([r.document_id for r in batch])
        outgoing, claimed = [], []
        with db.atomic():
            for record in batch:
                fact = facts.get(record.document_id)
                if fact is None or not check(fact, snapshot).ready:
                    continue
                key = idempotency_key(self.connection.id, fact.id, record.generation)
                moved = SyncRecord.update(
                    state=SENDING, idempotency_key=key, attempts=SyncRecord.attempts + 1,
                    fence=self.fence, updated_at=_now()).where(
                    SyncRecord.id == record.id, SyncRecord.state.in_((READY, WAITING)),
                    SyncRecord.fence <= self.fence).execute()
                if moved:
                    outgoing.append(build(fact, snapshot, record.generation))
                    claimed.append(record)
        if not outgoing:
            return
        self.ensure_lease()
        calls_before = self.ctx.gate.calls
        try:
            results = self.provider.push(self.ctx, outgoing)
        except ProviderError as exc:
            results = [PushResult.from_error(doc.local_id, exc) for doc in outgoing]
        except Exception:
            self._orphans_uncertain()
            raise
        calls = (self.ctx.gate.calls - calls_before) / max(1, len(outgoing))
        self.counters["sent"] += len(outgoing)
        by_id = {r.local_id: r for r in results}
        auth, rate_wait = None, None
        for record, doc in zip(claimed, outgoing, strict=True):
            result = by_id.get(doc.local_id) or PushResult(
                doc.local_id, PushStatus.UNCERTAIN, code="uncertain",
                message=describe("uncertain").message)
            self._record(record, doc, result, calls)
            if result.status == PushStatus.AUTH:
                auth = result
            elif result.status == PushStatus.RATE_LIMITED:
                rate_wait = max(rate_wait or 0.0, float(result.retry_after or 1.0))
        if rate_wait is not None:
            self.rate_wait(rate_wait)  # once per step: the rest of the batch was not sent
        if auth is not None:
            self.handle_auth(auth)

    def lease_lost(self):
        """A write found a newer fence: this worker must stop."""
        raise LeaseLost()

    def rate_wait(self, retry_after):
        """Wait out a 429's Retry-After (capped, and never past the run's deadline)."""
        wait = min(MAX_RATE_WAIT, retry_after)
        left = (self.run.deadline - _now()).total_seconds()
        time.sleep(max(0.0, min(wait, left)))

    def handle_auth(self, result):
        """Refresh once; when the grant is really gone the run pauses (AuthError ends it)."""
        refresh_tokens(self.connection.id, force=True)  # an AuthError here ends the run
        self.connection = Connection.get_by_id(self.connection.id)
        provider, ctx = api_context(self.connection, timeout=self.timeout)
        ctx.gate, ctx.extra = self.ctx.gate, {**ctx.extra, **self.ctx.extra}
        self.provider, self.ctx = provider, ctx
        self.auth_retries = getattr(self, "auth_retries", 0) + 1
        if self.auth_retries > 2:
            raise AuthError("reconnect", result.message or describe("reconnect").message)

    # --- recording ---

    def _update(self, record, **fields):
        fields["updated_at"] = _now()
        written = SyncRecord.update(**fields).where(SyncRecord.id == record.id,
                                                    SyncRecord.fence <= self.fence).execute()
        if not written:
            raise LeaseLost()

    def _record(self, record, doc, result, calls):
        status = result.status
        with db.atomic():
            if status == PushStatus.CREATED:
                self._landed(record, doc.gross_total, result.remote_id, result.remote_number,
                             result.url, result.remote_total, calls, "created", sent=doc)
                return
            if status in (PushStatus.UNCERTAIN, PushStatus.DUPLICATE):
                code = "duplicate_number" if status == PushStatus.DUPLICATE else "uncertain"
                self._update(record, state=UNCERTAIN, code=code,
                             message=result.message or describe(code).message)
                records.audit(record, status.value, code, result.message, self.run, calls)
                return
            if status in (PushStatus.RATE_LIMITED, PushStatus.AUTH):
                # Refused before the ledger did anything: it goes again, not counted as a try.
                self._update(record, state=READY, attempts=max(0, record.attempts))
                self.counters["sent"] -= 1
                records.audit(record, status.value, result.code, result.message, self.run, calls)
                return
            if status == PushStatus.TRANSIENT:
                self._transient(record, result, calls)
                return
            self._update(record, state=FAILED, code=result.code or "validation",
                         message=result.message or describe("validation").message)
            self.counters["failed"] += 1
            records.audit(record, "refused", result.code, result.message, self.run, calls)

    def _transient(self, record, result, calls):
        attempts = record.attempts + 1  # the claim added one in the database
        if attempts > len(self.backoff):
            self._update(record, state=FAILED, code="gave_up",
                         message=f"{describe('gave_up').message} Last answer: {result.message}")
            self.counters["failed"] += 1
        else:
            due = _now() + datetime.timedelta(seconds=self.backoff[attempts - 1])
            self._update(record, state=WAITING, code="retry_waiting", next_attempt_at=due,
                         message=f"{result.message} Next try at {due:%H:%M:%S}.")
        records.audit(record, "transient", result.code, result.message, self.run, calls)

    def _landed(self, record, our_total, remote_id, number, url, ledger_total, calls, outcome,
                sent=None):
        """The document is in the ledger: record it (with any variance), lock it, attach the PDF.
        `sent`: the OutgoingDocument as pushed, when at hand (saves reading the document)."""
        state, message = landed_state(our_total, ledger_total)
        if not records.mark_in_ledger(record, remote_id, number, url, ledger_total, state,
                                      message, fence=self.fence):
            raise LeaseLost()
        records.audit(record, outcome, "synced" if state == SYNCED else "variance",
                      message or (f"In the ledger as {number}" if number else "In the ledger"),
                      self.run, calls)
        self.counters["synced"] += 1
        self._index_own(record, remote_id, number, url, ledger_total, sent)
        self._attach_pdf(record, remote_id)

    def _index_own(self, record, remote_id, number, url, total, sent=None):
        """Put what we just created in the number index at once (before the next read)."""
        if sent is None:
            document = Document.get_by_id(record.document_id)
            contact = records_contact_id(self.connection, document)
            ours, gross, issued = document.number, document.gross_total, document.issue_date
        else:  # what was pushed says it all: no query per document
            contact, ours = sent.contact_id, sent.number
            gross, issued = sent.gross_total, sent.issue_date
        LedgerDocument.insert(connection=self.connection, kind=record.kind, remote_id=remote_id,
                              number=number or ours, contact_id=contact,
                              total=total if total is not None else gross,
                              issue_date=issued, url=url or "").on_conflict(
            conflict_target=[LedgerDocument.connection, LedgerDocument.kind,
                             LedgerDocument.remote_id],
            preserve=[LedgerDocument.number, LedgerDocument.total]).execute()

    def _attach_pdf(self, record, remote_id):
        """Attach the document's PDF when "Send files" is on; a failure is only a warning."""
        if not (self.connection.options or {}).get("send_files"):
            return
        document = Document.get_by_id(record.document_id)
        stored = DocumentFile.get_or_none(DocumentFile.document == document)
        if stored is not None:
            filename, content = stored.filename, bytes(stored.content)
        else:
            refusal = pdf_refusal(document, download=True)
            if refusal:
                self._warn(record, f"The PDF was not attached: {refusal}")
                return
            filename, content = f"{document.number}.pdf", render_invoice_pdf(document)
        try:
            outcome = self.provider.attach_pdf(self.ctx, DocumentKind(record.kind),
                                               remote_id, filename, content)
        except ProviderError as exc:
            self._warn(record, f"The PDF was not attached: {exc.message}")
            return
        if not outcome.ok and not outcome.supported:
            # The package takes no files on this kind: nothing failed, so no warning.
            records.audit(record, "note", "attachment_unsupported", outcome.message, self.run)
        elif not outcome.ok:
            self._warn(record, f"The PDF was not attached: {outcome.message}")

    def _warnings_summary(self):
        """A sentence on the documents this run synced with a warning (e.g. no PDF), or ""."""
        warned = (SyncAttempt.select(SyncAttempt.record).distinct()
                  .where(SyncAttempt.run == self.run_id, SyncAttempt.outcome == "warning")
                  .count())
        if not warned:
            return ""
        return (f"{warned} synced with a warning (open the row for why)." if warned > 1
                else "1 synced with a warning (open the row for why).")

    def _warn(self, record, message):
        SyncRecord.update(warning=message[:1000]).where(SyncRecord.id == record.id).execute()
        records.audit(record, "warning", "attachment", message, self.run)

    # --- uncertain: read before sending again ---

    def _orphans_uncertain(self):
        """Records left "sending" by an earlier holder of this run (or a crash) may have landed."""
        if self.fence is None:
            return
        self.payments.orphans_uncertain(self.run_connection_id(), self.fence)
        SyncRecord.update(state=UNCERTAIN, code="uncertain",
                          message=describe("uncertain").message, updated_at=_now()).where(
            SyncRecord.connection == self.run_connection_id(), SyncRecord.state == SENDING,
            SyncRecord.fence <= self.fence).execute()

    def run_connection_id(self):
        """The connection this run works on."""
        run = getattr(self, "run", None) or SyncRun.get_by_id(self.run_id)
        return run.connection_id

    def _resolve_uncertain(self, kind):
        """Read the ledger for every uncertain document of the kind: in it, it is synced; not in
        it, it goes again with the same key (a refused duplicate becomes a failure)."""
        uncertain = list(SyncRecord.select().where(
            SyncRecord.connection == self.connection, SyncRecord.kind == kind,
            SyncRecord.state == UNCERTAIN))
        for start in range(0, len(uncertain), FIND_CHUNK):
            chunk = uncertain[start:start + FIND_CHUNK]
            facts, snapshot = self._snapshot_for([r.document_id for r in chunk])
            sent = []
            for record in chunk:
                fact = facts.get(record.document_id)
                if fact is not None and snapshot.links.get(fact.contact_id):
                    sent.append(build(fact, snapshot, record.generation))
            numbers = [facts[r.document_id].number for r in chunk if r.document_id in facts]
            calls_before = self.ctx.gate.calls
            found = read_with_retries(self.provider.find_documents, self.ctx,
                                      DocumentKind(kind), numbers, sent=sent)
            calls = (self.ctx.gate.calls - calls_before) / max(1, len(chunk))
            outgoing = {d.local_id: d for d in sent}
            for record in chunk:
                fact = facts.get(record.document_id)
                if fact is not None:
                    self._settle(record, fact, found.get(fact.number), outgoing, snapshot, calls)
            self._save_counters()

    def _settle(self, record, fact, remote, outgoing, snapshot, calls):
        with db.atomic():
            ours = snapshot.links.get(fact.contact_id, "")
            if remote is not None:
                same = (not remote.contact_id or remote.contact_id == ours) and (
                    record.code != "duplicate_number"
                    or abs(Decimal(remote.total) - fact.gross_total) <= TOLERANCE)
                if same:
                    self._landed(record, fact.gross_total, remote.remote_id, remote.number,
                                 remote.url, remote.total, calls, "found",
                                 sent=outgoing.get(fact.id))
                    return
                self._update(record, state=FAILED, code="duplicate_number",
                             message=describe("duplicate_number").message)
                self.counters["failed"] += 1
                records.audit(record, "refused", "duplicate_number",
                              "The ledger has another document with this number.", self.run,
                              calls)
                return
            if record.code == "duplicate_number":
                self._update(record, state=FAILED, message=describe("duplicate_number").message)
                self.counters["failed"] += 1
                records.audit(record, "refused", "duplicate_number", "", self.run, calls)
                return
            self._update(record, state=READY, code="ready", message="Not in the ledger; "
                         "it goes again with the same key.")
            records.audit(record, "not_found", "uncertain",
                          "Read the ledger: not there, so it goes again with the same key.",
                          self.run, calls)

    # --- bookkeeping ---

    def _read_organisation(self):
        """Read the organisation settings once per run (lock date, currencies, numbering)."""
        settings = read_with_retries(self.provider.organisation_settings, self.ctx)
        self.ctx.extra[SETTINGS_KEY] = settings
        keep_organisation_settings(self.connection, settings)

    def _set_total(self, kinds):
        ready = SyncRecord.select().where(SyncRecord.connection == self.connection,
                                          SyncRecord.kind.in_(kinds),
                                          SyncRecord.state.in_((READY, WAITING, UNCERTAIN)))
        total = ready.count()
        if self.run.limit is not None:
            total = min(total, self.run.limit)
        self.run.total = max(total, self.counters["sent"])
        runs.update_counters(self.run_id, self.fence, total=self.run.total)

    def _left(self):
        kinds = [self.run.kind] if self.run.kind else list(ALL_KINDS)
        left = SyncRecord.select().where(
            SyncRecord.connection == self.connection, SyncRecord.kind.in_(kinds),
            SyncRecord.state.in_((READY, WAITING, UNCERTAIN, SENDING))).count()
        if self.run.limit is not None:
            left = min(left, max(0, self.run.limit - self.counters["sent"]))
        return left

    def _save_counters(self):
        blocked = SyncRecord.select().where(
            SyncRecord.connection == self.connection,
            SyncRecord.kind.in_([self.run.kind] if self.run.kind else list(ALL_KINDS)),
            SyncRecord.state == "blocked").count()
        self.counters["blocked"] = blocked
        if not runs.update_counters(self.run_id, self.fence, left=self._left(), **self.counters):
            raise LeaseLost()

    def _stop_requested(self):
        return bool(SyncRun.select(SyncRun.stop_requested).where(
            SyncRun.id == self.run_id).scalar())

    def ensure_lease(self):
        """Raise LeaseLost when another worker has taken the run."""
        if self.heartbeat is not None and self.heartbeat.lost.is_set():
            raise LeaseLost()


def landed_state(our_total, ledger_total):
    """(SYNCED, "") or (VARIANCE, both figures) for a document the ledger now has."""
    if ledger_total is None or abs(Decimal(ledger_total) - our_total) <= TOLERANCE:
        return SYNCED, ""
    return VARIANCE, (f"The ledger's total is {Decimal(ledger_total):.2f}; ours is "
                      f"{our_total:.2f}. Check the tax rates and rounding in the ledger.")


def records_contact_id(connection, document):
    """The ledger contact id the document was sent to ("" when unlinked)."""
    return remote_id_in(connection, document.contact)


def run_sync_now(run_id):
    """Run (or resume) a run in this process; return its final state."""
    return RunEngine(run_id).execute()
