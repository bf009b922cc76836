"""Payments to the cloud packages through the sync engine: the checks before sending (pure), the
OutgoingPayment, the records per (payment, connection), and a run's payment step.

Exactly once, as for documents: a payment's idempotency key is committed (state "sending")
before its request goes; a timeout after sending leaves it "uncertain", and before anything is
sent again the payments the ledger holds against the invoice are read (`find_payments`): one
that matches means it landed, none means it goes again with the same key.
"""

import datetime
import time
from dataclasses import dataclass
from decimal import Decimal

from peewee import fn

from models import db
from models.document import Document
from models.integration import CONNECTED
from models.integration import NEEDS_RECONNECT
from models.integration import AccountMapping
from models.integration import ContactLink
from models.integration import LedgerAccount
from models.payment import Payment
from models.payment import PaymentAttempt
from models.payment import PaymentSync
from models.sync import BLOCKED
from models.sync import FAILED
from models.sync import IN_LEDGER
from models.sync import READY
from models.sync import SENDING
from models.sync import SYNCED
from models.sync import UNCERTAIN
from models.sync import WAITING
from models.sync import SyncRecord
from providers import REGISTRY
from providers.base import DocumentKind
from providers.base import OutgoingPayment
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from sync.codes import describe
from sync.snapshot import CHUNK
from sync.snapshot import organisation_settings

PAYMENT_KINDS = ("sales_invoice", "supplier_invoice")
TOLERANCE = Decimal("0.005")
KEY_PREFIX = "ledgerlink-pay-"
# States a recheck may recompute (the others belong to a send in progress, or wait for Retry).
RECHECKABLE = (BLOCKED, READY, WAITING)


def _now():
    return datetime.datetime.now()


def payment_key(connection_id, payment_id, generation):
    """The key a payment's send carries: the same for every retry of one generation."""
    return f"{KEY_PREFIX}{connection_id}-{payment_id}-{generation}"


# --- the checks (pure) --------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentScope:
    """What the checks need about the connection: the package, its bank account, lock date."""

    package: str
    supports: bool
    bank_id: str = ""  # the mapped bank account's ledger id ("" when unmapped)
    bank_code: str = ""
    bank_usable: bool = False  # active, and a bank account
    lock_date: datetime.date | None = None
    lock_date_label: str = ""
    connected: bool = True  # the connection is active and connected
    reconnect_reason: str | None = None  # why it needs reconnecting (None when it does not)


@dataclass(frozen=True)
class PaymentFacts:
    """One payment as the checks and the build read it."""

    id: int
    kind: str
    document_id: int
    document_number: str
    paid_on: datetime.date
    amount: Decimal
    currency: str
    reference: str
    contact_id: str  # the ledger contact the invoice was raised on ("" when unlinked)
    document_remote_id: str  # "" until the invoice is in the ledger


@dataclass(frozen=True)
class Verdict:
    """The state a payment's checks put it in, with its code and plain message."""

    state: str
    code: str
    message: str

    @property
    def ready(self):
        """True when it may be sent now."""
        return self.state == READY


def check_payment(fact, scope):
    """The Verdict for one payment: blocked (cannot go as things stand), waiting (for its
    invoice), or ready."""
    if scope.reconnect_reason is not None or not scope.connected:
        code = "needs_reconnect" if scope.reconnect_reason is not None else "not_connected"
        message = " ".join(filter(None, (describe(code).message, scope.reconnect_reason)))
        return Verdict(BLOCKED, code, message)
    if not scope.supports:
        return Verdict(BLOCKED, "payments_unsupported",
                       f"Ledgerlink does not send payments to {scope.package} yet; record it "
                       f"in {scope.package} by hand.")
    if not scope.bank_id:
        return Verdict(BLOCKED, "bank_unmapped", "No bank account is mapped for "
                       f"{scope.package}: an administrator maps one on the Integrations page.")
    if not scope.bank_usable:
        return Verdict(BLOCKED, "bank_unmapped", f"The mapped bank account is archived in "
                       f"{scope.package}, or is not a bank account: an administrator maps "
                       "another on the Integrations page.")
    if scope.lock_date and fact.paid_on <= scope.lock_date:
        label = scope.lock_date_label or f"{scope.package}'s lock date"
        return Verdict(BLOCKED, "payment_period_locked", f"It is dated on or before the "
                       f"lock date ({label}: {scope.lock_date.isoformat()}). Change its date, "
                       f"or reopen the period in {scope.package}.")
    if not fact.document_remote_id:
        return Verdict(WAITING, "payment_waits_for_invoice",
                       f"Waits for its invoice to reach {scope.package}.")
    if not fact.contact_id:
        return Verdict(BLOCKED, "contact_not_linked", describe("contact_not_linked").message)
    return Verdict(READY, "ready", f"Ready to go to {scope.package}.")


def build(fact, scope, generation, connection_id):
    """The OutgoingPayment for a payment that passed its checks."""
    return OutgoingPayment(
        local_id=fact.id, kind=DocumentKind(fact.kind),
        document_remote_id=fact.document_remote_id, document_number=fact.document_number,
        contact_id=fact.contact_id, paid_on=fact.paid_on, amount=fact.amount,
        currency=fact.currency, bank_account_id=scope.bank_id, bank_account_code=scope.bank_code,
        reference=fact.reference or fact.document_number,
        idempotency_key=payment_key(connection_id, fact.id, generation))


def matching(remotes, payment, taken=()):
    """The RemotePayment that is this payment, or None: one whose note carries its key, else one
    with its amount, date and reference that no other payment of ours has claimed (`taken`) and
    whose note names no other key of ours."""
    free = [r for r in remotes if r.remote_id not in taken]
    for remote in free:
        if payment.idempotency_key and payment.idempotency_key in (remote.note or ""):
            return remote
    for remote in free:
        if KEY_PREFIX in (remote.note or ""):
            continue  # another of our payments
        same_amount = abs(Decimal(remote.amount) - payment.amount) <= TOLERANCE
        same_day = remote.paid_on is None or remote.paid_on == payment.paid_on
        same_reference = not remote.reference or remote.reference == payment.reference
        if same_amount and same_day and same_reference:
            return remote
    return None


# --- reading the database -----------------------------------------------------------------------


def scope_for(connection):
    """The PaymentScope of a connection, from its mapping and the settings last read."""
    provider = REGISTRY.get(connection.provider)
    settings = organisation_settings(connection)
    mapping = AccountMapping.get_or_none(AccountMapping.connection == connection,
                                         AccountMapping.role == "bank")
    bank_id = mapping.account_remote_id if mapping is not None and \
        connection.mappings_confirmed else ""
    account = LedgerAccount.get_or_none(LedgerAccount.connection == connection,
                                        LedgerAccount.remote_id == bank_id) if bank_id else None
    return PaymentScope(
        package=provider.name if provider else connection.provider,
        supports=bool(provider and provider.supports_payments), bank_id=bank_id or "",
        bank_code=(account.code or "") if account else "",
        bank_usable=bool(account and account.active and account.type == "bank"),
        lock_date=settings.lock_date if settings else None,
        lock_date_label=settings.lock_date_label if settings else "",
        connected=connection.status == CONNECTED and connection.active,
        reconnect_reason=(connection.status_reason or "")
        if connection.status == NEEDS_RECONNECT else None)


def payment_facts(connection, payments, supports_care_of=False):
    """{payment id: PaymentFacts} for these Payments (their documents joined)."""
    documents = {p.document_id for p in payments}
    remote = dict(SyncRecord.select(SyncRecord.document, SyncRecord.remote_id).where(
        SyncRecord.connection == connection, SyncRecord.document.in_(list(documents)),
        SyncRecord.state.in_(IN_LEDGER)).tuples()) if documents else {}
    docs = {d.id: d for d in Document.select().where(Document.id.in_(list(documents)))} \
        if documents else {}
    contacts = {d.contact_id for d in docs.values()} | {
        d.care_of_id for d in docs.values() if d.care_of_id}
    links = dict(ContactLink.select(ContactLink.contact, ContactLink.remote_id).where(
        ContactLink.connection == connection, ContactLink.contact.in_(list(contacts))).tuples()) \
        if contacts else {}
    facts = {}
    for payment in payments:
        document = docs[payment.document_id]
        party = links.get(document.contact_id, "")
        if supports_care_of and document.kind == "sales_invoice" and document.care_of_id:
            party = links.get(document.care_of_id, "") or party
        facts[payment.id] = PaymentFacts(
            id=payment.id, kind=document.kind, document_id=document.id,
            document_number=document.number, paid_on=payment.paid_on,
            amount=Decimal(payment.amount), currency=document.currency,
            reference=payment.reference or "", contact_id=party,
            document_remote_id=remote.get(document.id, ""))
    return facts


def _open_payments(connection, kinds, ids=None):
    """Payments of these kinds on approved documents whose record on the connection is missing
    or may be recomputed (sent, uncertain, synced and refused ones are left alone)."""
    settled = PaymentSync.select(PaymentSync.payment).where(
        PaymentSync.connection == connection, PaymentSync.state.not_in(RECHECKABLE))
    query = (Payment.select(Payment).join(Document).where(
        Document.kind.in_(list(kinds)), Document.status == "approved",
        Payment.id.not_in(settled)).order_by(Payment.id))
    if ids is not None:
        query = query.where(Payment.id.in_(list(ids)))
    return list(query)


def recheck(connection, kinds=PAYMENT_KINDS, payment_ids=None):
    """Give every payment of these kinds a record on the connection and recompute the checks of
    those not being sent, not waiting for a retry and not refused; return {state: count}."""
    provider = REGISTRY.get(connection.provider)
    if provider is None or connection.provider == "sage50":
        return {}  # Sage 50 through Zynk carries payments in its own download
    payments = _open_payments(connection, kinds, payment_ids)
    if not payments:
        return {}
    scope, counts = scope_for(connection), {}
    for start in range(0, len(payments), CHUNK):
        chunk = payments[start:start + CHUNK]
        facts = payment_facts(connection, chunk, provider.supports_care_of)
        records = {r.payment_id: r for r in PaymentSync.select().where(
            PaymentSync.connection == connection,
            PaymentSync.payment.in_([p.id for p in chunk]))}
        with db.atomic():
            for payment in chunk:
                verdict = check_payment(facts[payment.id], scope)
                state = _write(connection, records.get(payment.id), facts[payment.id], verdict)
                counts[state] = counts.get(state, 0) + 1
    return counts


def _write(connection, record, fact, verdict):
    if record is None:
        # A recheck elsewhere (the worker, `sync status`) may make it meanwhile: keep the first.
        PaymentSync.insert(payment=fact.id, connection=connection, kind=fact.kind,
                           state=verdict.state, code=verdict.code,
                           message=verdict.message).on_conflict_ignore().execute()
        return verdict.state
    if record.state not in RECHECKABLE:
        return record.state
    if record.state == WAITING and record.next_attempt_at and verdict.ready:
        return WAITING  # a transient retry keeps its time
    if (record.state, record.code, record.message) != (verdict.state, verdict.code,
                                                       verdict.message):
        PaymentSync.update(state=verdict.state, code=verdict.code, message=verdict.message,
                           next_attempt_at=None, updated_at=_now()).where(
            PaymentSync.id == record.id).execute()
    return verdict.state


def audit(record, outcome, code="", message="", run=None, calls=0):
    """Add an audit row for a payment's record."""
    return PaymentAttempt.create(record=record, run=run, outcome=outcome, code=code,
                                 message=(message or "")[:2000], calls=int(round(calls)),
                                 generation=record.generation)


def retry(connection, payment_id, user=None):
    """Send a refused or waiting payment again (a refused one with a fresh key)."""
    record = PaymentSync.get_or_none(PaymentSync.connection == connection,
                                     PaymentSync.payment == payment_id)
    if record is None or record.state not in (FAILED, WAITING, BLOCKED):
        return record
    update = {"next_attempt_at": None, "attempts": 0, "updated_at": _now()}
    if record.state == FAILED:
        update.update(state=BLOCKED, generation=record.generation + 1)
    with db.atomic():
        PaymentSync.update(**update).where(PaymentSync.id == record.id).execute()
        audit(record, "retry", "", f"by {user.email}" if user is not None else "")
    recheck(connection, payment_ids=[payment_id])
    return PaymentSync.get_by_id(record.id)


# --- what people see ----------------------------------------------------------------------------


def ledger_state(connection, payment):
    """(state, code, words) of a payment on the active cloud connection, or None when there is
    none (or it fetches, as Sage 50 through Zynk does). Read only: a payment without a record
    yet is checked on the fly."""
    provider = REGISTRY.get(connection.provider) if connection is not None else None
    if provider is None or connection.provider == "sage50":
        return None
    record = PaymentSync.get_or_none(PaymentSync.connection == connection,
                                     PaymentSync.payment == payment.id)
    if record is None or record.state in RECHECKABLE:
        facts = payment_facts(connection, [payment], provider.supports_care_of)
        verdict = check_payment(facts[payment.id], scope_for(connection))
        if record is None or not (record.state == WAITING and record.next_attempt_at):
            return verdict.state, verdict.code, _words(provider.name, verdict.state,
                                                       verdict.message)
    return record.state, record.code, _words(provider.name, record.state, record.message)


def ledger_json(connection, payment):
    """Where a payment stands with the active cloud package, for the JSON API (None when there
    is none)."""
    found = ledger_state(connection, payment) if connection is not None else None
    if found is None:
        return None
    state, code, words = found
    return {"package": connection.provider, "state": state, "code": code, "message": words}


def _words(package, state, message):
    if state == SYNCED:
        return f"In {package}"
    if state == FAILED:
        return f"Failed: {message}"
    if state == SENDING:
        return f"Being sent to {package}."
    if state == UNCERTAIN:
        return (f"Sent to {package}, not yet confirmed: Ledgerlink checks {package} before "
                "sending it again.")
    if state == READY:
        return f"Goes to {package} at the next sync."
    if state == WAITING and "Waits for" in message:
        return message.replace("Waits for its invoice", "Waits for the invoice")
    return message


def counts_by_state(connection):
    """{state: count} of the connection's payment records."""
    return dict(PaymentSync.select(PaymentSync.state, fn.COUNT(PaymentSync.id)).where(
        PaymentSync.connection == connection).group_by(PaymentSync.state).tuples())


# --- a run's payment step -----------------------------------------------------------------------


class PaymentStep:
    """Sends a run's due payments of a kind, one per call, through the engine's gate and budget,
    and records each answer with the run's fence."""

    def __init__(self, engine):
        self.engine = engine
        self.counts = {"sent": 0, "synced": 0, "failed": 0}

    @property
    def connection(self):
        """The run's connection."""
        return self.engine.connection

    def orphans_uncertain(self, connection_id, fence):
        """Payments left "sending" by an earlier holder of the run (or a crash) may have landed."""
        PaymentSync.update(state=UNCERTAIN, code="uncertain",
                           message=describe("uncertain").message, updated_at=_now()).where(
            PaymentSync.connection == connection_id, PaymentSync.state == SENDING,
            PaymentSync.fence <= fence).execute()

    def run_kind(self, kind, read):
        """Send the due payments of a kind until none is left; an (state, message) ends the
        run. `read` retries a provider read (the engine's read_with_retries)."""
        if kind not in PAYMENT_KINDS:
            return None
        recheck(self.connection, [kind])
        if not self.engine.provider.supports_payments:
            return None  # they stay blocked, saying so
        sent = 0
        while True:
            outcome = self.engine.step_allowed()
            if outcome:
                return outcome
            if self.engine.run.limit is not None and sent >= self.engine.run.limit:
                return None
            self.resolve_uncertain(kind, read)
            record = self._next(kind)
            if record is None:
                if self._wait_for_retries(kind):
                    continue
                return None
            if self.send(record):
                sent += 1

    def _due(self, kind):
        return PaymentSync.select().where(
            PaymentSync.connection == self.connection, PaymentSync.kind == kind,
            (PaymentSync.state == READY) | (
                (PaymentSync.state == WAITING) & (PaymentSync.next_attempt_at <= _now())))

    def _next(self, kind):
        for _ in range(20):
            record = self._due(kind).order_by(PaymentSync.id).first()
            if record is None:
                return None
            recheck(self.connection, [kind], [record.payment_id])
            fresh = self._due(kind).where(PaymentSync.id == record.id).first()
            if fresh is not None:
                return fresh
        return None

    def _wait_for_retries(self, kind):
        if self.engine.run.limit is not None:
            return False
        upcoming = (PaymentSync.select(PaymentSync.next_attempt_at).where(
            PaymentSync.connection == self.connection, PaymentSync.kind == kind,
            PaymentSync.state == WAITING, PaymentSync.next_attempt_at.is_null(False))
            .order_by(PaymentSync.next_attempt_at).first())
        if upcoming is None or upcoming.next_attempt_at >= self.engine.run.deadline:
            return False
        time.sleep(max(0.05, min((upcoming.next_attempt_at - _now()).total_seconds(), 5.0)))
        return True

    def _outgoing(self, record):
        provider = self.engine.provider
        payment = Payment.get_by_id(record.payment_id)
        fact = payment_facts(self.connection, [payment], provider.supports_care_of)[payment.id]
        scope = scope_for(self.connection)
        if not check_payment(fact, scope).ready:
            return None
        return build(fact, scope, record.generation, self.connection.id)

    def send(self, record):
        """Claim one payment (its key committed), push it, record the answer; True when sent."""
        engine = self.engine
        outgoing = self._outgoing(record)
        if outgoing is None:
            return False
        with db.atomic():
            moved = PaymentSync.update(
                state=SENDING, idempotency_key=outgoing.idempotency_key,
                attempts=PaymentSync.attempts + 1, fence=engine.fence, updated_at=_now()).where(
                PaymentSync.id == record.id, PaymentSync.state.in_((READY, WAITING)),
                PaymentSync.fence <= engine.fence).execute()
        if not moved:
            return False
        engine.ensure_lease()
        calls_before = engine.ctx.gate.calls
        try:
            result = engine.provider.push_payment(engine.ctx, outgoing)
        except ProviderError as exc:
            result = PushResult.from_error(outgoing.local_id, exc)
        except Exception:
            self.orphans_uncertain(self.connection.id, engine.fence)
            raise
        calls = engine.ctx.gate.calls - calls_before
        self.counts["sent"] += 1
        self._record(PaymentSync.get_by_id(record.id), result, calls)
        if result.status == PushStatus.RATE_LIMITED:
            engine.rate_wait(float(result.retry_after or 1.0))
        elif result.status == PushStatus.AUTH:
            engine.handle_auth(result)
        return True

    def _update(self, record, **fields):
        fields["updated_at"] = _now()
        written = PaymentSync.update(**fields).where(
            PaymentSync.id == record.id, PaymentSync.fence <= self.engine.fence).execute()
        if not written:
            self.engine.lease_lost()

    def _record(self, record, result, calls):
        status, run = result.status, self.engine.run
        with db.atomic():
            if status == PushStatus.CREATED:
                self._landed(record, result.remote_id, calls, "created")
            elif status == PushStatus.UNCERTAIN:
                self._update(record, state=UNCERTAIN, code="uncertain",
                             message=result.message or describe("uncertain").message)
                audit(record, "uncertain", "uncertain", result.message, run, calls)
            elif status in (PushStatus.RATE_LIMITED, PushStatus.AUTH):
                # Refused before the ledger did anything: it goes again, not counted as a try.
                self._update(record, state=READY, attempts=max(0, record.attempts - 1))
                self.counts["sent"] -= 1
                audit(record, status.value, result.code, result.message, run, calls)
            elif status == PushStatus.TRANSIENT:
                self._transient(record, result, calls)
            else:
                self._update(record, state=FAILED, code=result.code or "validation",
                             message=result.message or describe("validation").message)
                self.counts["failed"] += 1
                audit(record, "refused", result.code, result.message, run, calls)

    def _transient(self, record, result, calls):
        backoff = self.engine.backoff
        if record.attempts > len(backoff):
            self._update(record, state=FAILED, code="gave_up",
                         message=f"{describe('gave_up').message} Last answer: {result.message}")
            self.counts["failed"] += 1
        else:
            due = _now() + datetime.timedelta(seconds=backoff[record.attempts - 1])
            self._update(record, state=WAITING, code="retry_waiting", next_attempt_at=due,
                         message=f"{result.message} Next try at {due:%H:%M:%S}.")
        audit(record, "transient", result.code, result.message, self.engine.run, calls)

    def _landed(self, record, remote_id, calls, outcome):
        now = _now()
        self._update(record, state=SYNCED, code="synced", message="", remote_id=remote_id,
                     synced_at=now, next_attempt_at=None)
        audit(record, outcome, "synced", f"In the ledger as payment {remote_id}",
              self.engine.run, calls)
        self.counts["synced"] += 1

    def resolve_uncertain(self, kind, read):
        """Read the ledger's payments against the invoice of every uncertain payment of the
        kind: one that matches means it landed; none means it goes again with the same key."""
        uncertain = list(PaymentSync.select().where(
            PaymentSync.connection == self.connection, PaymentSync.kind == kind,
            PaymentSync.state == UNCERTAIN))
        if not uncertain:
            return
        engine = self.engine
        taken = {r for (r,) in PaymentSync.select(PaymentSync.remote_id).where(
            PaymentSync.connection == self.connection, PaymentSync.state == SYNCED).tuples()}
        for record in uncertain:
            payment = Payment.get_by_id(record.payment_id)
            fact = payment_facts(self.connection, [payment],
                                 engine.provider.supports_care_of)[payment.id]
            if not fact.document_remote_id:
                continue
            sent = build(fact, scope_for(self.connection), record.generation,
                         self.connection.id)
            calls_before = engine.ctx.gate.calls
            remotes = read(engine.provider.find_payments, engine.ctx, DocumentKind(kind),
                           fact.document_remote_id)
            calls = engine.ctx.gate.calls - calls_before
            found = matching(remotes, sent, taken)
            with db.atomic():
                if found is not None:
                    self._landed(record, found.remote_id, calls, "found")
                    taken.add(found.remote_id)
                else:
                    self._update(record, state=READY, code="ready", message="Not in the "
                                 "ledger; it goes again with the same key.")
                    audit(record, "not_found", "uncertain", "Read the ledger: not there, so it "
                          "goes again with the same key.", engine.run, calls)

    def summary(self):
        """A line for the run's message when payments went ("" when none did)."""
        sent, synced, failed = (self.counts[k] for k in ("sent", "synced", "failed"))
        if not (sent or synced or failed):
            return ""
        parts = [f"{synced} recorded"]
        if failed:
            parts.append(f"{failed} failed")
        return f"Payments: {', '.join(parts)} in {self.engine.provider.name}."
