"""Payments on the wire: the Xero and QuickBooks providers against the sandbox over HTTP, each
request checked against the package's published spec, and the sandbox's refusals in the
package's own error shape."""

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
import requests
from helpers import qbo as qbo_help
from helpers import xero as xero_help

from providers import REGISTRY
from providers import get_provider
from providers.base import ApiContext
from providers.base import DocumentKind
from providers.base import NewContact
from providers.base import OutgoingPayment
from providers.base import ProviderSettings
from providers.base import PushStatus
from sandbox.core import Limits

SALES, BILLS = DocumentKind.SALES_INVOICE, DocumentKind.SUPPLIER_INVOICE


def recorded(sandbox, provider_id):
    """The API calls the sandbox saw for a provider."""
    return requests.get(f"{sandbox.url}/_control/requests", params={"provider": provider_id},
                        timeout=10).json()


def payment(kind, document_id, contact, bank, amount="10.00", key="pay-1", **fields):
    """An OutgoingPayment against a document."""
    return OutgoingPayment(local_id=1, kind=kind, document_remote_id=document_id,
                           document_number="S-1", contact_id=contact,
                           paid_on=date(2026, 7, 10), amount=Decimal(amount),
                           currency=fields.pop("currency", "GBP"), bank_account_id=bank,
                           reference=fields.pop("reference", "R-1"), idempotency_key=key,
                           **fields)


def test_xero_payments_match_the_spec_replay_by_key_and_are_refused_in_xeros_words(sandbox):
    provider = REGISTRY["xero"](xero_help.settings(sandbox))
    tokens, orgs = xero_help.connect(provider)
    ctx = ApiContext(tokens.access_token, orgs[0].id, timeout=5)
    customer = provider.create_contact(ctx, NewContact(name="Payer Ltd", kind="customer")).id
    [pushed] = provider.push(ctx, [xero_help.document(SALES, customer, "PAY-1")])
    accounts = provider.accounts(ctx)
    bank = next(a.id for a in accounts if a.type == "bank")
    income = next(a.id for a in accounts if a.type == "income")
    first = provider.push_payment(ctx, payment(SALES, pushed.remote_id, customer, bank))
    again = provider.push_payment(ctx, payment(SALES, pushed.remote_id, customer, bank))
    assert first.status == again.status == PushStatus.CREATED
    assert again.remote_id == first.remote_id  # the Idempotency-Key replayed Xero's answer
    [found] = provider.find_payments(ctx, SALES, pushed.remote_id)
    assert (found.remote_id, found.amount, found.paid_on, found.reference) == (
        first.remote_id, Decimal("10.00"), date(2026, 7, 10), "R-1")
    puts = [c for c in recorded(sandbox, "xero") if c["path"].endswith("/Payments")]
    assert puts and all(c["headers"].get("Idempotency-Key") == "pay-1" for c in puts)
    assert xero_help.validate_request("PUT", puts[0]["path"], puts[0]["body"]) == \
        "createPayments"
    answer = requests.get(f"{sandbox.url}/xero/accounting/Invoices/{pushed.remote_id}",
                          headers={"Authorization": f"Bearer {tokens.access_token}",
                                   "xero-tenant-id": orgs[0].id, "Accept": "application/json"},
                          timeout=10)
    xero_help.validate_response("GET", f"/xero/accounting/Invoices/{pushed.remote_id}", 200,
                                answer.json())
    invoice = answer.json()["Invoices"][0]
    assert invoice["AmountPaid"] == 10.0 and invoice["AmountDue"] == float(
        pushed.remote_total - 10)
    refusals = {
        "overpayment": payment(SALES, pushed.remote_id, customer, bank, "9999.00", "pay-2"),
        "account_invalid": payment(SALES, pushed.remote_id, customer, income, key="pay-3"),
        "validation": payment(SALES, "00000000-0000-0000-0000-000000000000", customer, bank,
                              key="pay-4"),
    }
    for code, refused in refusals.items():
        result = provider.push_payment(ctx, refused)
        assert (result.status, result.code) == (PushStatus.INVALID, code), result
    assert len(provider.find_payments(ctx, SALES, pushed.remote_id)) == 1


@pytest.fixture
def qbo(sandbox, monkeypatch):
    """(provider, context) on the sandbox's US company (its 10 a second lifted: pacing is the
    engine's gate's job)."""
    monkeypatch.setattr(sandbox.state["providers"]["qbo"], "limits",
                        Limits(per_minute=100_000, per_second=100_000))
    provider = get_provider("qbo", ProviderSettings(sandbox_url=sandbox.url,
                                                    redirect_uri=qbo_help.CALLBACK))
    request = provider.authorization_request()
    tokens = provider.exchange_code(qbo_help.consent(request.url, choice=qbo_help.US_REALM),
                                    request)
    return provider, ApiContext(tokens.access_token, tokens.extra["realm_id"])


def _qbo_document(kind, contact, account, local_id):
    from providers.base import OutgoingDocument
    from providers.base import OutgoingLine

    sales = kind.is_sales
    line = OutgoingLine("Work", Decimal(1), Decimal("100"), Decimal("100"), Decimal(0),
                        account_id=account, tax_rate_id="TAX" if sales else None)
    return OutgoingDocument(
        local_id=local_id, kind=kind, number=f"PQ-{local_id}", contact_id=contact,
        issue_date=date(2026, 7, 1), due_date=date(2026, 7, 31), currency="USD", lines=[line],
        net_total=Decimal(100), tax_total=Decimal(0), gross_total=Decimal(100),
        idempotency_key=f"doc-{local_id}")


def test_quickbooks_payment_and_bill_payment_match_the_xsd_and_apply_once(sandbox, qbo):
    provider, ctx = qbo
    accounts = provider.accounts(ctx)
    bank = next(a.id for a in accounts if a.type == "bank")
    income, expense = "6", "9"  # the US company's Services and Job Expenses
    customer, vendor = "customer:16", "vendor:19"
    [invoice] = provider.push(ctx, [_qbo_document(SALES, customer, income, 1)])
    [bill] = provider.push(ctx, [_qbo_document(BILLS, vendor, expense, 2)])
    assert invoice.status == bill.status == PushStatus.CREATED, (invoice, bill)
    receipt = payment(SALES, invoice.remote_id, customer, bank, "40.00", "ledgerlink-pay-1-1-1",
                      currency="USD")
    paid = payment(BILLS, bill.remote_id, vendor, bank, "100.00", "ledgerlink-pay-1-2-1",
                   currency="USD")
    results = [provider.push_payment(ctx, p) for p in (receipt, paid, receipt)]
    assert [r.status for r in results] == [PushStatus.CREATED] * 3
    assert results[2].remote_id == results[0].remote_id  # requestid replayed the answer
    for call in recorded(sandbox, "qbo"):
        entity = {"payment": "Payment", "billpayment": "BillPayment"}.get(
            call["path"].rsplit("/", 1)[-1])
        if call["method"] == "POST" and entity:
            assert call["query"]["requestid"].startswith("ledgerlink-pay-1-")
            assert qbo_help.entity_problems(entity, call["body"]) == []
    [found] = provider.find_payments(ctx, SALES, invoice.remote_id)
    assert (found.remote_id, found.amount) == (results[0].remote_id, Decimal("40.00"))
    assert "ledgerlink-pay-1-1-1" in found.note
    [found_bill] = provider.find_payments(ctx, BILLS, bill.remote_id)
    assert found_bill.amount == Decimal("100.00")
    answer = qbo_help.api(sandbox.url, ctx.access_token, ctx.organisation_id, "GET",
                          f"/payment/{found.remote_id}")
    assert qbo_help.response_problems(answer.json()) == []
    assert provider.get_document(ctx, SALES, invoice.remote_id).amount_paid == Decimal("40.00")
    refusals = {
        "overpayment": dataclasses.replace(receipt, amount=invoice.remote_total - 39,
                                           idempotency_key="x1"),
        "validation": dataclasses.replace(receipt, bank_account_id=income, idempotency_key="x2"),
    }
    for code, refused in refusals.items():
        result = provider.push_payment(ctx, refused)
        assert (result.status, result.code) == (PushStatus.INVALID, code), result
    unknown = provider.push_payment(ctx, dataclasses.replace(
        receipt, document_remote_id="99999", idempotency_key="x3"))
    assert unknown.status == PushStatus.INVALID and "Invoice" in unknown.message


def test_a_xero_grant_without_payments_refuses_only_the_payment(sandbox, monkeypatch):
    from providers.xero import provider as xero_provider

    old_scopes = tuple(s for s in xero_provider.GRANULAR_SCOPES if s != "accounting.payments")
    monkeypatch.setattr(xero_provider, "GRANULAR_SCOPES", old_scopes)
    provider = REGISTRY["xero"](xero_help.settings(sandbox))
    tokens, orgs = xero_help.connect(provider)
    ctx = ApiContext(tokens.access_token, orgs[0].id, timeout=5)
    customer = provider.create_contact(ctx, NewContact(name="Old Grant Ltd", kind="customer")).id
    [pushed] = provider.push(ctx, [xero_help.document(SALES, customer, "OLD-1")])
    bank = next(a.id for a in provider.accounts(ctx) if a.type == "bank")
    result = provider.push_payment(ctx, payment(SALES, pushed.remote_id, customer, bank))
    assert (result.status, result.code) == (PushStatus.INVALID, "forbidden")
    assert "reconnects Xero" in result.message

