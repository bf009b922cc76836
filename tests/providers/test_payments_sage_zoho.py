"""Payments to Sage Accounting and Zoho Books: each provider against the sandbox over real HTTP,
every payment request checked against the package's published spec."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
import requests
from helpers import sage as sage_help
from helpers import zoho as zoho_help
from helpers.sage import REDIRECT_URI as SAGE_REDIRECT
from helpers.sage import drive_consent

from providers import REGISTRY
from providers.base import ApiContext
from providers.base import DocumentKind
from providers.base import OutgoingDocument
from providers.base import OutgoingLine
from providers.base import OutgoingPayment
from providers.base import ProviderSettings
from providers.base import PushStatus

SALES, BILLS = DocumentKind.SALES_INVOICE, DocumentKind.SUPPLIER_INVOICE


def recorded(sandbox, provider_id):
    """The API calls the sandbox saw for a provider."""
    return requests.get(f"{sandbox.url}/_control/requests", params={"provider": provider_id},
                        timeout=10).json()


def faults(sandbox, provider_id, **values):
    """Set the provider's injected faults."""
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider_id, **values},
                  timeout=10).raise_for_status()


def payment(kind, document, contact, bank, amount="50.00", key="ledgerlink-pay-1-1-1",
            **fields):
    """An OutgoingPayment against a pushed document."""
    return OutgoingPayment(local_id=fields.pop("local_id", 7), kind=kind,
                           document_remote_id=document, document_number="S-1",
                           contact_id=contact, paid_on=date(2025, 2, 10),
                           amount=Decimal(amount), currency="GBP", bank_account_id=bank,
                           reference=fields.pop("reference", "BACS 1"), idempotency_key=key,
                           **fields)


# --- Sage Business Cloud Accounting ----------------------------------------------------------


@pytest.fixture
def sage(sandbox):
    """(provider, ctx, lists) on Demo Trading Ltd: accounts by code, a customer, a supplier."""
    provider = REGISTRY["sage"](ProviderSettings(sandbox_url=sandbox.url,
                                                 redirect_uri=SAGE_REDIRECT))
    auth = provider.authorization_request()
    tokens = provider.exchange_code(drive_consent(auth.url, businesses=["Demo Trading Ltd"]),
                                    auth)
    ctx = ApiContext(tokens.access_token, provider.organisations(tokens)[0].id, timeout=5)
    contacts = provider.contacts(ctx).contacts
    lists = {"accounts": {a.code: a for a in provider.accounts(ctx)},
             "customer": next(c for c in contacts if c.is_customer).id,
             "supplier": next(c for c in contacts if c.is_supplier).id}
    return provider, ctx, lists


def _sage_invoice(provider, ctx, lists, kind, number):
    """Push a 120.00 invoice of the kind; its PushResult."""
    sales = kind is SALES
    account = lists["accounts"]["4000" if sales else "7100"]
    line = OutgoingLine("Work", Decimal(1), Decimal("100.00"), Decimal("100.00"),
                        Decimal("20.00"), account.id, account.code, "GB_STANDARD")
    doc = OutgoingDocument(local_id=1, kind=kind, number=number,
                           contact_id=lists["customer" if sales else "supplier"],
                           issue_date=date(2025, 1, 31), due_date=date(2025, 2, 28),
                           currency="GBP", lines=[line], net_total=Decimal(100),
                           tax_total=Decimal(20), gross_total=Decimal(120),
                           supplier_reference="" if sales else f"SUP-{number}",
                           idempotency_key=uuid.uuid4().hex)
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result
    return result.remote_id


def test_sage_receipt_and_supplier_payment_land_once_and_are_found(sandbox, sage):
    provider, ctx, lists = sage
    bank = lists["accounts"]["1200"].id
    assert provider.supports_payments
    invoice = _sage_invoice(provider, ctx, lists, SALES, "SP-1")
    bill = _sage_invoice(provider, ctx, lists, BILLS, "SP-2")
    receipt = payment(SALES, invoice, lists["customer"], bank)
    first = provider.push_payment(ctx, receipt)
    again = provider.push_payment(ctx, receipt)  # the same key: Sage's first answer again
    assert first.status == again.status == PushStatus.CREATED and first.local_id == 7
    assert again.remote_id == first.remote_id and first.remote_total == Decimal("50.00")
    paid = provider.push_payment(ctx, payment(BILLS, bill, lists["supplier"], bank, "120.00",
                                              "ledgerlink-pay-1-2-1"))
    assert paid.status == PushStatus.CREATED
    [found] = provider.find_payments(ctx, SALES, invoice)
    assert (found.remote_id, found.document_remote_id, found.amount, found.paid_on,
            found.reference) == (first.remote_id, invoice, Decimal("50.00"), date(2025, 2, 10),
                                 "BACS 1")
    assert [p.remote_id for p in provider.find_payments(ctx, BILLS, bill)] == [paid.remote_id]
    assert provider.find_payments(ctx, SALES, "0" * 32) == []
    sale = provider.get_document(ctx, SALES, invoice)
    assert (sale.amount_paid, sale.status) == (Decimal("50.00"), "PART_PAID")
    assert provider.get_document(ctx, BILLS, bill).status == "PAID"
    posts = [c for c in recorded(sandbox, "sage") if c["path"].endswith("/contact_payments")]
    assert len(posts) == 3 and posts[0]["body"] == posts[1]["body"]
    assert {sage_help.validate_request("POST", c["path"], c["body"]) for c in posts} == {
        "postContactPayments"}
    sent = posts[0]["body"]["contact_payment"]
    assert sent["transaction_type_id"] == "CUSTOMER_RECEIPT"
    assert posts[2]["body"]["contact_payment"]["transaction_type_id"] == "VENDOR_PAYMENT"
    assert sent["allocated_artefacts"] == [{"artefact_id": invoice, "amount": 50.0}]
    assert sent["bank_account_id"] != bank  # the bank account, not its ledger account
    reads = [c for c in recorded(sandbox, "sage") if c["path"].endswith("/bank_accounts")]
    assert len(reads) == 1  # read once for the run's context
    tenant = sandbox.state["providers"]["sage"].tenants[ctx.organisation_id]
    assert len(tenant["contact_payments"]) == 2


def test_sage_refuses_overpayment_a_non_bank_account_and_an_uncertain_write_is_found(
        sandbox, sage):
    provider, ctx, lists = sage
    bank = lists["accounts"]["1200"].id
    invoice = _sage_invoice(provider, ctx, lists, SALES, "SR-1")
    over = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank,
                                              "120.01", "ledgerlink-pay-1-3-1"))
    assert (over.status, over.code) == (PushStatus.INVALID, "overpayment")
    assert "more than the outstanding amount" in over.message
    calls = len(recorded(sandbox, "sage"))
    income = lists["accounts"]["4000"].id
    wrong = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], income,
                                               key="ledgerlink-pay-1-4-1"))
    assert (wrong.status, wrong.code) == (PushStatus.INVALID, "account_invalid")
    assert wrong.message.startswith("The mapped bank account is not a Sage bank account")
    assert len(recorded(sandbox, "sage")) == calls  # refused before anything was sent
    ctx.timeout = 0.5
    faults(sandbox, "sage", timeout_after_write_next=1, timeout_seconds=1.5)
    lost = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank,
                                              key="ledgerlink-pay-1-5-1"))
    assert lost.status == PushStatus.UNCERTAIN
    [landed] = provider.find_payments(ctx, SALES, invoice)
    ctx.timeout = 5
    again = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank,
                                               key="ledgerlink-pay-1-5-1"))
    assert again.remote_id == landed.remote_id  # the replay, not a second payment
    faults(sandbox, "sage", rate_limit_next=1)
    limited = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank,
                                                 "1.00", "ledgerlink-pay-1-6-1"))
    assert limited.status == PushStatus.RATE_LIMITED and limited.retry_after == 1.0
    assert len(provider.find_payments(ctx, SALES, invoice)) == 1


# --- Zoho Books ------------------------------------------------------------------------------


@pytest.fixture
def zoho(sandbox):
    """(provider, ctx, lists) on the UK organisation: accounts by name and contacts by kind."""
    provider = REGISTRY["zoho"](ProviderSettings(sandbox_url=sandbox.url,
                                                 redirect_uri=zoho_help.REDIRECT_URI))
    tokens = zoho_help.connect(provider)
    ctx = ApiContext(tokens.access_token, zoho_help.UK_ORG, extra=dict(tokens.extra), timeout=5)
    contacts = provider.contacts(ctx).contacts
    lists = {"accounts": {a.name: a for a in provider.accounts(ctx)},
             "customer": next(c for c in contacts if c.is_customer).id,
             "supplier": next(c for c in contacts if c.is_supplier).id}
    return provider, ctx, lists


def _zoho_invoice(provider, ctx, lists, kind, number):
    """Push a 120.00 invoice (marked sent) or bill; its PushResult."""
    sales = kind is SALES
    account = lists["accounts"]["Sales" if sales else "Office Supplies"]
    line = OutgoingLine("Work", Decimal(1), Decimal("100.00"), Decimal("100.00"),
                        Decimal("0.00"), account.id, account.code)
    doc = OutgoingDocument(local_id=1, kind=kind, number=number,
                           contact_id=lists["customer" if sales else "supplier"],
                           issue_date=date(2025, 1, 31), due_date=date(2025, 2, 28),
                           currency="GBP", lines=[line], net_total=Decimal(100),
                           tax_total=Decimal(0), gross_total=Decimal(100),
                           supplier_reference="" if sales else f"SUP-{number}")
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result
    return result.remote_id


def test_zoho_customer_and_vendor_payments_match_the_spec_and_are_found(sandbox, zoho):
    provider, ctx, lists = zoho
    bank = lists["accounts"]["Business Current Account"].id
    assert provider.supports_payments
    invoice = _zoho_invoice(provider, ctx, lists, SALES, "ZP-1")
    bill = _zoho_invoice(provider, ctx, lists, BILLS, "ZP-2")
    received = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank))
    paid = provider.push_payment(ctx, payment(BILLS, bill, lists["supplier"], bank, "100.00",
                                              "ledgerlink-pay-1-2-1"))
    assert received.status == paid.status == PushStatus.CREATED, (received, paid)
    assert received.remote_total == Decimal("50.00") and received.url.endswith(invoice)
    [found] = provider.find_payments(ctx, SALES, invoice)
    assert (found.remote_id, found.amount, found.paid_on, found.reference) == (
        received.remote_id, Decimal("50.00"), date(2025, 2, 10), "BACS 1")
    assert "ledgerlink-pay-1-1-1" in found.note
    [bill_paid] = provider.find_payments(ctx, BILLS, bill)
    assert bill_paid.remote_id == paid.remote_id and "ledgerlink-pay-1-2-1" in bill_paid.note
    assert provider.find_payments(ctx, SALES, "999") == []
    sale = provider.get_document(ctx, SALES, invoice)
    assert (sale.amount_paid, sale.status) == (Decimal("50.00"), "partially_paid")
    bought = provider.get_document(ctx, BILLS, bill)
    assert (bought.amount_paid, bought.status) == (Decimal("100.00"), "paid")
    posts = [c for c in recorded(sandbox, "zoho") if c["path"].endswith("payments")
             and c["method"] == "POST"]
    assert {zoho_help.validate_request("POST", c["path"], c["body"]) for c in posts} == {
        "create_customer_payment", "create_vendor_payment"}
    assert posts[0]["body"]["account_id"] == bank
    assert posts[1]["body"]["paid_through_account_id"] == bank
    assert posts[1]["body"]["bills"] == [{"bill_id": bill, "amount_applied": 100.0}]


def test_zoho_a_repeat_after_a_timeout_is_found_and_refusals_are_plain(sandbox, zoho):
    provider, ctx, lists = zoho
    bank = lists["accounts"]["Business Current Account"].id
    invoice = _zoho_invoice(provider, ctx, lists, SALES, "ZR-1")
    ctx.timeout = 0.5
    faults(sandbox, "zoho", timeout_after_write_next=1, timeout_seconds=1.5)
    sent = payment(SALES, invoice, lists["customer"], bank, key="ledgerlink-pay-1-9-1")
    lost = provider.push_payment(ctx, sent)
    assert lost.status == PushStatus.UNCERTAIN and lost.local_id == sent.local_id
    ctx.timeout = 5
    [landed] = provider.find_payments(ctx, SALES, invoice)
    assert sent.idempotency_key in landed.note and landed.amount == sent.amount
    over = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank, "50.01",
                                              "ledgerlink-pay-1-9-2"))
    assert (over.status, over.code) == (PushStatus.INVALID, "overpayment")
    assert over.message.startswith("Zoho Books refused the payment: it is more than the "
                                   "document still owes there (The amount applied is more")
    income = lists["accounts"]["Sales"].id
    wrong = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], income,
                                               key="ledgerlink-pay-1-9-3"))
    assert (wrong.status, wrong.code) == (PushStatus.INVALID, "account_invalid")
    unknown = provider.push_payment(ctx, payment(SALES, "999", lists["customer"], bank,
                                                 key="ledgerlink-pay-1-9-4"))
    assert unknown.status == PushStatus.INVALID
    assert unknown.message == ("Zoho Books refused the payment: Invalid value passed for "
                               "invoice_id. Correct it and sync again.")
    faults(sandbox, "zoho", rate_limit_next=1)
    limited = provider.push_payment(ctx, payment(SALES, invoice, lists["customer"], bank,
                                                 "1.00", "ledgerlink-pay-1-9-5"))
    assert limited.status == PushStatus.RATE_LIMITED
    assert len(provider.find_payments(ctx, SALES, invoice)) == 1
