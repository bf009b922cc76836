"""Payments to the cloud packages through the sync engine, exactly once: the sandbox over HTTP
and a real RQ worker, counting the payments in the sandbox's own ledger."""

import dataclasses
from decimal import Decimal

import pytest
from helpers.contract import set_faults
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import last_run
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from helpers.sync import states
from helpers.sync import today

from connections.tokens import api_context
from models.document import Document
from models.integration import Connection
from models.payment import Payment
from models.payment import PaymentAttempt
from models.payment import PaymentSync
from models.sync import AUTO
from providers import REGISTRY
from services.payments import PaymentError
from services.payments import add_payment
from services.payments import remove_payment
from sync.jobs import start_run
from sync.payments import build
from sync.payments import ledger_state
from sync.payments import payment_facts
from sync.payments import scope_for

PAYING = ("xero", "qbo", "sage", "zoho")
FAST = {"SYNC_BACKOFF_SECONDS": "0.2,0.4,0.8", "SYNC_REQUEST_TIMEOUT": "2"}


def pay(app, number, amount, reference=""):
    """Record a payment against one of our documents today; its id."""
    with Db(app):
        document = Document.get(Document.number == number)
        payment, errors = add_payment(document, {"paid_on": today().isoformat(),
                                                 "amount": str(amount), "reference": reference})
        assert errors is None, errors
        return payment.id


def auto_sync(app, connection):
    """One Auto sync of every kind, drained by a real RQ worker."""
    with Db(app):
        run, created = start_run(connection, "", AUTO)
        assert created
    run_in_worker(app, **FAST)
    return last_run(app)


def ledger_payments(sandbox, connection):
    """{ledger payment id: (ledger invoice id, amount)} in the sandbox company."""
    box = sandbox.state["providers"][connection.provider]
    with box.lock:
        tenant = box.tenants[connection.organisation_id]
        if connection.provider == "xero":
            return {pid: (p["Invoice"]["InvoiceID"], Decimal(str(p["Amount"])))
                    for pid, p in tenant.get("payments", {}).items()}
        if connection.provider == "sage":
            return {pid: (p["allocated_artefacts"][0]["artefact"]["id"],
                          Decimal(str(p["total_amount"])))
                    for pid, p in tenant["contact_payments"].items()}
        if connection.provider == "zoho":
            return {pid: (p[lines][0][field], Decimal(str(p["amount"])))
                    for where, lines, field in (("customerpayments", "invoices", "invoice_id"),
                                                ("vendorpayments", "bills", "bill_id"))
                    for pid, p in tenant[where].items()}
        return {f"{entity}:{pid}": (p["Line"][0]["LinkedTxn"][0]["TxnId"],
                                    Decimal(str(p["TotalAmt"])))
                for entity in ("Payment", "BillPayment") for pid, p in tenant[entity].items()}


def document_id(app, number):
    """Our document's id by number."""
    with Db(app):
        return Document.get(Document.number == number).id


def payment_state(app, payment_id):
    """(state, code, remote id) of a payment on the active connection."""
    with Db(app):
        record = PaymentSync.get(PaymentSync.payment == payment_id)
        return record.state, record.code, record.remote_id


def outcomes(app, payment_id):
    """The audit rows' outcomes for a payment, oldest first."""
    with Db(app):
        return [a.outcome for a in PaymentAttempt.select().join(PaymentSync).where(
            PaymentSync.payment == payment_id).order_by(PaymentAttempt.id)]


@pytest.mark.parametrize("provider_id", PAYING)
def test_payments_wait_for_their_invoices_then_land_exactly_once(sandbox_app, admin_web,
                                                                 sandbox, provider_id):
    connection = ready_world(sandbox_app, admin_web, provider_id)
    add_ready(sandbox_app, connection, "PS1", kind="sales_invoice")
    add_ready(sandbox_app, connection, "PP1", kind="supplier_invoice")
    receipt = pay(sandbox_app, "PS1", "50.00", "R1")
    paid_out = pay(sandbox_app, "PP1", "20.00")
    with Db(sandbox_app):
        waiting = ledger_state(Connection.get_by_id(connection.id), Payment.get_by_id(receipt))
    package = REGISTRY[provider_id].name
    assert waiting == ("waiting", "payment_waits_for_invoice",
                       f"Waits for the invoice to reach {package}.")
    screen = admin_web.get(f"/documents/{document_id(sandbox_app, 'PS1')}").get_data(as_text=True)
    assert f"Waits for the invoice to reach {package}." in screen
    popup = admin_web.get(f"/sync/documents/{document_id(sandbox_app, 'PS1')}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="popup-payments"' in popup and "Receipts (1)" in popup
    assert f"Waits for the invoice to reach {package}." in popup.split('id="popup-payments"')[1]
    run = auto_sync(sandbox_app, connection)  # the invoices first, then their payments
    got = states(sandbox_app, connection)
    assert got["PS1"][0] == got["PP1"][0] == "synced", got
    assert payment_state(sandbox_app, receipt)[0] == "synced", outcomes(sandbox_app, receipt)
    assert payment_state(sandbox_app, paid_out)[0] == "synced"
    assert run.state == "finished" and "Payments: 2 recorded" in run.message, run.message
    auto_sync(sandbox_app, connection)  # nothing goes twice
    in_ledger = ledger_payments(sandbox, connection)
    with Db(sandbox_app):
        remote = {r.payment_id: r.remote_id for r in PaymentSync.select()}
        invoice_ids = {n: Document.get(Document.number == n).sync_records[0].remote_id
                       for n in ("PS1", "PP1")}
    assert sorted(in_ledger.values()) == sorted([(invoice_ids["PS1"], Decimal("50.00")),
                                                 (invoice_ids["PP1"], Decimal("20.00"))])
    assert {key.rpartition(":")[2] for key in in_ledger} == set(remote.values())
    assert outcomes(sandbox_app, receipt) == ["created"]
    with Db(sandbox_app), pytest.raises(PaymentError, match="gone to the ledger"):
        remove_payment(Payment.get_by_id(receipt))
    screen = admin_web.get(f"/documents/{document_id(sandbox_app, 'PS1')}").get_data(as_text=True)
    assert f"In {package}" in screen and "Remove</button>" not in screen
    popup = admin_web.get(f"/sync/documents/{document_id(sandbox_app, 'PS1')}",
                          headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'<td class="payment-ledger">In {package}</td>' in popup
    from helpers.docs import api_token

    listed = sandbox_app.test_client().get(
        "/api/v1/documents/PS1/payments",
        headers={"Authorization": f"Bearer {api_token(sandbox_app)}"}).json
    assert listed["items"][0]["ledger"] == {"package": provider_id, "state": "synced",
                                            "code": "synced", "message": f"In {package}"}
    status = sandbox_app.test_cli_runner().invoke(args=["sync", "status"])
    assert "payments: synced 2" in status.output, status.output


def synced_and_paid(app, web, provider_id, number, amount):
    """A connected world with one sales invoice synced, then a receipt recorded against it:
    (connection, the payment's id)."""
    connection = ready_world(app, web, provider_id)
    add_ready(app, connection, number)
    auto_sync(app, connection)
    assert states(app, connection)[number][0] == "synced"
    return connection, pay(app, number, amount)


@pytest.mark.parametrize("provider_id", PAYING)
def test_a_timeout_after_the_write_is_settled_by_reading_no_duplicate(sandbox_app, admin_web,
                                                                      sandbox, provider_id):
    connection, receipt = synced_and_paid(sandbox_app, admin_web, provider_id, "PS2", "12.34")
    set_faults(sandbox, provider_id, timeout_after_write_next=1, timeout_seconds=4)
    auto_sync(sandbox_app, connection)
    set_faults(sandbox, provider_id)
    assert payment_state(sandbox_app, receipt)[0] == "synced"
    assert outcomes(sandbox_app, receipt) == ["uncertain", "found"]
    assert [a for _, a in ledger_payments(sandbox, connection).values()] == [Decimal("12.34")]


@pytest.mark.parametrize(("fault", "first"), [({"errors_next": 1}, "transient"),
                                               ({"rate_limit_next": 1,
                                                 "rate_limit_retry_after": 0.2}, "rate_limited")])
def test_a_500_or_429_before_the_write_goes_again(sandbox_app, admin_web, sandbox, monkeypatch,
                                                  fault, first):
    from sync.payments import PaymentStep

    connection, receipt = synced_and_paid(sandbox_app, admin_web, "xero", "PS3", "10.00")
    real_send, fired = PaymentStep.send, []

    def send_after_a_fault(self, record):
        if not fired:  # the sandbox answers the payment's first request with the fault
            fired.append(set_faults(sandbox, "xero", **fault))
        return real_send(self, record)

    monkeypatch.setattr(PaymentStep, "send", send_after_a_fault)
    auto_sync(sandbox_app, connection)
    assert payment_state(sandbox_app, receipt)[0] == "synced"
    assert outcomes(sandbox_app, receipt) == [first, "created"]
    assert len(ledger_payments(sandbox, connection)) == 1


@pytest.mark.parametrize("provider_id", PAYING)
def test_the_ledger_refusing_an_overpayment_fails_it_with_the_message(sandbox_app, admin_web,
                                                                      sandbox, provider_id):
    connection, receipt = synced_and_paid(sandbox_app, admin_web, provider_id, "PS4", "30.00")
    with Db(sandbox_app):  # someone records most of it in the ledger by hand meanwhile
        fresh = Connection.get_by_id(connection.id)
        document = Document.get(Document.number == "PS4")
        provider, ctx = api_context(fresh)
        fact = payment_facts(fresh, [Payment.get_by_id(receipt)])[receipt]
        by_hand = dataclasses.replace(build(fact, scope_for(fresh), 1, 0), reference="HAND",
                                      amount=document.gross_total - Decimal("10.00"),
                                      idempotency_key="by-hand-1")
        assert provider.push_payment(ctx, by_hand).status == "created"
    auto_sync(sandbox_app, connection)
    state, code, _ = payment_state(sandbox_app, receipt)
    assert (state, code) == ("failed", "overpayment")
    with Db(sandbox_app):
        words = ledger_state(Connection.get_by_id(connection.id), Payment.get_by_id(receipt))[2]
    assert words.startswith("Failed: ") and "refused the payment: it is more than" in words
    assert len(ledger_payments(sandbox, connection)) == 1  # only the one made by hand
    screen = admin_web.get(f"/documents/{document_id(sandbox_app, 'PS4')}").get_data(as_text=True)
    assert "Retry</button>" in screen
    from conftest import csrf_token

    path = f"/documents/{document_id(sandbox_app, 'PS4')}"
    admin_web.post(f"{path}/payments/{receipt}/retry",
                   data={"csrf_token": csrf_token(admin_web, path)})
    with Db(sandbox_app):
        again = PaymentSync.get(PaymentSync.payment == receipt)
    assert (again.state, again.generation) == ("ready", 2)  # a fresh key for a fresh send


# --- the checks and the matching, pure --------------------------------------------------------

def _fact(**changes):
    from sync.payments import PaymentFacts

    values = dict(id=7, kind="sales_invoice", document_id=3, document_number="S1",
                  paid_on=today(), amount=Decimal("5.00"), currency="GBP", reference="",
                  contact_id="c-1", document_remote_id="inv-1")
    return PaymentFacts(**{**values, **changes})


def test_the_checks_say_why_a_payment_cannot_go_yet():
    import datetime

    from sync.payments import PaymentScope
    from sync.payments import check_payment

    scope = PaymentScope(package="Xero", supports=True, bank_id="b-1", bank_usable=True)
    assert check_payment(_fact(), scope).ready
    cases = {
        "payments_unsupported": (_fact(), dataclasses.replace(scope, package="Zoho Books",
                                                              supports=False)),
        "bank_unmapped": (_fact(), dataclasses.replace(scope, bank_id="")),
        "payment_period_locked": (_fact(), dataclasses.replace(scope, lock_date=today())),
        "payment_waits_for_invoice": (_fact(document_remote_id=""), scope),
        "needs_reconnect": (_fact(), dataclasses.replace(scope, reconnect_reason="Xero said no.")),
        "not_connected": (_fact(), dataclasses.replace(scope, connected=False)),
    }
    for code, (fact, given) in cases.items():
        verdict = check_payment(fact, given)
        assert verdict.code == code and not verdict.ready, (code, verdict)
    assert check_payment(_fact(), dataclasses.replace(
        scope, lock_date=today() - datetime.timedelta(days=1))).ready
    assert check_payment(_fact(document_remote_id=""), scope).message == \
        "Waits for its invoice to reach Xero."
    assert check_payment(_fact(), dataclasses.replace(scope, reconnect_reason="Xero said no.")
                         ).message.endswith("syncing is paused. Xero said no.")


def test_an_uncertain_payment_is_matched_by_key_else_amount_date_and_reference():
    from providers.base import RemotePayment
    from sync.payments import PaymentScope
    from sync.payments import build
    from sync.payments import matching

    scope = PaymentScope(package="QuickBooks Online", supports=True, bank_id="b-1",
                         bank_usable=True)
    sent = build(_fact(reference="R9"), scope, 2, 4)
    assert sent.idempotency_key == "ledgerlink-pay-4-7-2" and sent.reference == "R9"

    def remote(remote_id, amount="5.00", note="", reference="R9", day=None):
        return RemotePayment(remote_id, "inv-1", Decimal(amount), day or today(), reference,
                             note)

    ours = remote("p-2", note="Ledgerlink ledgerlink-pay-4-7-2")
    other = remote("p-1", note="Ledgerlink ledgerlink-pay-4-8-1")
    assert matching([other, ours], sent).remote_id == "p-2"
    assert matching([other], sent) is None  # another payment of ours, same amount
    assert matching([remote("p-3")], sent).remote_id == "p-3"
    assert matching([remote("p-3")], sent, taken={"p-3"}) is None
    assert matching([remote("p-4", amount="5.01"), remote("p-5", reference="X")], sent) is None


def test_a_worker_dying_mid_send_leaves_it_to_be_read_not_sent_twice(sandbox_app, admin_web,
                                                                     sandbox):
    connection, receipt = synced_and_paid(sandbox_app, admin_web, "xero", "PS5", "7.00")
    with Db(sandbox_app):  # a worker claimed it, its request landed, then the worker died
        fresh = Connection.get_by_id(connection.id)
        from sync.payments import recheck

        recheck(fresh)
        fact = payment_facts(fresh, [Payment.get_by_id(receipt)])[receipt]
        sent = build(fact, scope_for(fresh), 1, fresh.id)
        provider, ctx = api_context(fresh)
        assert provider.push_payment(ctx, sent).status == "created"
        PaymentSync.update(state="sending", idempotency_key=sent.idempotency_key).where(
            PaymentSync.payment == receipt).execute()
    auto_sync(sandbox_app, connection)
    assert payment_state(sandbox_app, receipt)[0] == "synced"
    assert outcomes(sandbox_app, receipt) == ["found"]
    assert len(ledger_payments(sandbox, connection)) == 1


def test_an_ended_grant_while_paying_pauses_the_run_and_the_payment_goes_after_reconnect(
        sandbox_app, admin_web, sandbox, monkeypatch):
    from helpers.connect import connect
    from helpers.sync import map_accounts

    from sync.payments import PaymentStep

    connection, receipt = synced_and_paid(sandbox_app, admin_web, "xero", "PS6", "15.00")
    real_send, fired = PaymentStep.send, []

    def send_after_the_grant_ends(self, record):
        if not fired:  # the grant ends just as the payment's request goes
            fired.append(set_faults(sandbox, "xero", revoke_grants=True))
        return real_send(self, record)

    monkeypatch.setattr(PaymentStep, "send", send_after_the_grant_ends)
    run = auto_sync(sandbox_app, connection)
    set_faults(sandbox, "xero")
    assert run.state == "aborted" and run.message.startswith("Paused"), run.message
    with Db(sandbox_app):
        assert Connection.get_by_id(connection.id).status == "needs_reconnect"
        record = PaymentSync.get(PaymentSync.payment == receipt)
        # Refused before the ledger did anything: not a failure, not a try, not in the ledger.
        assert record.state not in ("failed", "synced", "uncertain") and record.attempts == 0
        state = ledger_state(Connection.get_by_id(connection.id), Payment.get_by_id(receipt))
    assert state[1] == "needs_reconnect", state
    assert ledger_payments(sandbox, connection) == {}
    _, again = connect(sandbox_app, admin_web, "xero", organisation=connection.organisation_id)
    assert again.id == connection.id and again.status == "connected"
    map_accounts(sandbox_app, admin_web, again)  # every reconnect asks to confirm the mapping
    auto_sync(sandbox_app, connection)
    assert payment_state(sandbox_app, receipt)[0] == "synced", outcomes(sandbox_app, receipt)
    assert outcomes(sandbox_app, receipt)[-1] == "created"
    assert [a for _, a in ledger_payments(sandbox, connection).values()] == [Decimal("15.00")]
