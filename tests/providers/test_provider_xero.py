"""The Xero provider client against the sandbox over real HTTP."""

from decimal import Decimal

import pytest
import requests
from helpers.xero import ALL_KINDS
from helpers.xero import connect
from helpers.xero import consent
from helpers.xero import document
from helpers.xero import line
from helpers.xero import settings
from helpers.xero import validate_request

from providers import REGISTRY
from providers.base import ApiContext
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import NewContact
from providers.base import ProviderError
from providers.base import ProviderSettings
from providers.base import PushStatus
from providers.oauth import ConsentDenied
from providers.xero import XeroProvider


@pytest.fixture
def box(sandbox):
    """The in-process Xero sandbox."""
    return sandbox.state["providers"]["xero"]


@pytest.fixture
def xero(sandbox):
    """(provider, tokens, context on the first organisation)."""
    provider = REGISTRY["xero"](settings(sandbox))
    tokens, orgs = connect(provider)
    return provider, tokens, ApiContext(tokens.access_token, orgs[0].id, timeout=5)


def customer(provider, ctx, name="Acme Ltd"):
    """Create a contact and return its id."""
    return provider.create_contact(ctx, NewContact(name=name, kind="customer")).id


def calls(box):
    """How many API calls the sandbox has recorded."""
    return len(box.requests)


def test_sandbox_only_settings_use_the_sandbox_client(sandbox):
    provider = XeroProvider(ProviderSettings(sandbox_url=sandbox.url))
    assert provider.settings.client_id == "sandbox-xero-client"
    assert provider.settings.client_secret == "sandbox-xero-secret"
    assert provider.missing_settings() == [] and provider.is_sandbox
    real = XeroProvider(ProviderSettings())
    assert real.missing_settings() == ["XERO_CLIENT_ID", "XERO_CLIENT_SECRET",
                                       "XERO_REDIRECT_URI"]
    assert real.settings.client_id == ""
    assert "accounting.invoices" in provider.scopes()
    broad = XeroProvider(ProviderSettings(sandbox_url=sandbox.url,
                                          options={"broad_scopes": True}))
    assert "accounting.transactions" in broad.scopes()
    assert "accounting.invoices" not in broad.scopes()


def test_connect_through_the_consent_page_and_pick_an_organisation(sandbox, box):
    provider = XeroProvider(settings(sandbox))
    auth = provider.authorization_request()
    assert "code_challenge=" in auth.url and f"state={auth.state}" in auth.url
    tokens = provider.exchange_code(consent(auth.url, choose=[1]), auth)
    assert tokens.refresh_token and tokens.refresh_expires_at > tokens.expires_at
    orgs = provider.organisations(tokens)
    assert [o.name for o in orgs] == ["Ledgerlink Trading Ltd"]
    assert orgs[0].extra["connection_id"] != orgs[0].id
    ctx = ApiContext(tokens.access_token, orgs[0].id)
    assert provider.accounts(ctx)


def test_relaxed_scopes_and_broad_option(sandbox):
    broad = XeroProvider(settings(sandbox, broad_scopes=True))
    tokens, _ = connect(broad)
    granular = XeroProvider(settings(sandbox))
    again, orgs = connect(granular)  # Xero adds the earlier broad grant: more than asked
    assert "accounting.transactions" in again.scope and "accounting.invoices" in again.scope
    assert orgs


def test_cancel_at_the_consent_page(sandbox):
    provider = XeroProvider(settings(sandbox))
    auth = provider.authorization_request()
    with pytest.raises(ConsentDenied):
        provider.exchange_code(consent(auth.url, decision="deny"), auth)


def test_lists(xero, box):
    provider, _, ctx = xero
    accounts = {a.code: a for a in provider.accounts(ctx)}
    assert accounts["200"].type == "income" and accounts["090"].type == "bank"
    assert accounts["310"].type == "cost_of_sales" and accounts["429"].type == "expense"
    assert accounts["480"].active is False
    rates = {r.id: r for r in provider.tax_rates(ctx)}
    assert rates["OUTPUT2"].rate == Decimal("20") and rates["OUTPUT2"].for_purchases is False
    from sandbox.xero.seed import add_contact

    tenant = box.tenants[ctx.organisation_id]
    for i in range(100):
        add_contact(tenant, {"Name": f"Bulk {i:03d}"}, box.now())
    first = provider.contacts(ctx)
    assert len(first.contacts) == 100 and first.next_cursor == "2"
    second = provider.contacts(ctx, first.next_cursor)
    assert len(second.contacts) == 4 and second.next_cursor is None


def test_search_get_and_create_contacts(xero):
    provider, _, ctx = xero
    found = provider.search_contacts(ctx, "ridgeway")
    assert [c.name for c in found] == ["Ridgeway University"]
    assert provider.get_contact(ctx, found[0].id).email == "accounts@ridgeway.example"
    assert provider.get_contact(ctx, "00000000-0000-0000-0000-000000000000") is None
    made = provider.create_contact(ctx, NewContact(
        name="Paper Co", kind="supplier", email="ap@paper.example", phone="0113 496 0000",
        address_lines=["1 Mill Lane"], city="Leeds", postcode="LS1 1AA", country="GB",
        vat_number="GB123456789"))
    assert provider.search_contacts(ctx, "Paper")[0].id == made.id
    with pytest.raises(ProviderError) as caught:
        provider.create_contact(ctx, NewContact(name="paper co", kind="customer"))
    assert caught.value.code == "duplicate_contact_name"
    assert "must be unique across all active contacts" in caught.value.message


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_push_each_kind_and_read_it_back(xero, kind):
    provider, _, ctx = xero
    doc = document(kind, customer(provider, ctx), "S-100", supplier_reference="SUP-9")
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result.message
    assert result.remote_number == ("S-100" if kind.is_sales else "SUP-9")
    assert requests.get(result.url, timeout=10).status_code == 200
    remote = provider.get_document(ctx, kind, result.remote_id)
    assert (remote.total, remote.tax_total) == (doc.gross_total, doc.tax_total)
    assert remote.kind == kind and remote.status == "AUTHORISED"
    assert remote.amount_paid == 0


def test_ledger_numbering_keeps_our_number_in_reference(xero):
    provider, _, ctx = xero
    doc = document(DocumentKind.SALES_INVOICE, customer(provider, ctx), "S-7",
                   use_our_number=False)
    [result] = provider.push(ctx, [doc])
    assert result.remote_number == "INV-0001"
    found = provider.find_documents(ctx, DocumentKind.SALES_INVOICE, ["S-7"])
    assert found["S-7"].remote_id == result.remote_id


def test_duplicate_numbers(xero):
    provider, _, ctx = xero
    cid = customer(provider, ctx)
    other = customer(provider, ctx, "Other Supplier")
    sale = document(DocumentKind.SALES_INVOICE, cid, "S-1", local_id=1)
    provider.push(ctx, [sale])
    [again] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE, cid, "S-1", local_id=2)])
    assert again.status == PushStatus.DUPLICATE and again.code == "duplicate_number"
    bill = document(DocumentKind.SUPPLIER_INVOICE, cid, "P-1", supplier_reference="INV-55")
    [created] = provider.push(ctx, [bill])
    [dupe] = provider.push(ctx, [document(DocumentKind.SUPPLIER_INVOICE, cid, "P-2",
                                          local_id=3, supplier_reference="INV-55")])
    assert dupe.status == PushStatus.DUPLICATE and dupe.remote_id == created.remote_id
    [fine] = provider.push(ctx, [document(DocumentKind.SUPPLIER_INVOICE, other, "P-3",
                                          local_id=4, supplier_reference="INV-55")])
    assert fine.status == PushStatus.CREATED


def test_batch_of_fifty_with_one_invalid_and_call_counts(xero, box):
    provider, _, ctx = xero
    cid = customer(provider, ctx)
    docs = [document(DocumentKind.SALES_INVOICE, cid, f"B-{i}", local_id=i) for i in range(50)]
    docs[7].lines = [line("Training", 1, 10, "480", "OUTPUT2", 20)]
    before = calls(box)
    results = provider.push(ctx, docs)
    assert calls(box) - before == 1
    assert [r.local_id for r in results] == list(range(50))
    assert results[7].status == PushStatus.INVALID and results[7].code == "account_invalid"
    assert "archived" in results[7].message
    assert sum(r.status == PushStatus.CREATED for r in results) == 49
    bills = [document(DocumentKind.SUPPLIER_INVOICE, cid, f"P-{i}", local_id=i)
             for i in range(50)]
    before = calls(box)
    assert {r.status for r in provider.push(ctx, bills)} == {PushStatus.CREATED}
    assert calls(box) - before == 2  # the duplicate check, then the PUT
    mixed = [document(kind, cid, f"M-{i}", local_id=i) for i, kind in enumerate(ALL_KINDS)]
    before = calls(box)
    assert {r.status for r in provider.push(ctx, mixed)} == {PushStatus.CREATED}
    assert calls(box) - before == 4
    with pytest.raises(ValueError):
        provider.push(ctx, docs + docs[:1])


def test_attachment(xero, box):
    provider, _, ctx = xero
    [result] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE,
                                            customer(provider, ctx), "S-5")])
    outcome = provider.attach_pdf(ctx, DocumentKind.SALES_INVOICE, result.remote_id,
                                  "S-5 invoice.pdf", b"%PDF-1.4 test")
    assert outcome.ok
    [stored] = box.tenants[ctx.organisation_id]["attachments"][result.remote_id]
    assert (stored["FileName"], stored["IncludeOnline"]) == ("S-5 invoice.pdf", True)
    assert stored["_content"] == b"%PDF-1.4 test"
    before = calls(box)
    too_big = provider.attach_pdf(ctx, DocumentKind.SALES_INVOICE, result.remote_id,
                                  "big.pdf", b"0" * (10 * 1024 * 1024 + 1))
    assert not too_big.ok and "larger" in too_big.message and calls(box) == before


def test_rate_limited_then_success(xero, box):
    provider, _, ctx = xero
    doc = document(DocumentKind.SALES_INVOICE, customer(provider, ctx), "S-9")
    box.faults.rate_limit_next = 1
    [limited] = provider.push(ctx, [doc])
    assert limited.status == PushStatus.RATE_LIMITED and limited.retry_after >= 1
    [done] = provider.push(ctx, [doc])
    assert done.status == PushStatus.CREATED
    assert provider.quota().minute_remaining is not None


def test_daily_limit_is_its_own_code(xero, box, monkeypatch):
    from sandbox.core import Limits

    provider, _, ctx = xero
    monkeypatch.setattr(box, "limits", Limits(per_minute=60, per_day=1))
    provider.accounts(ctx)
    [result] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE, "x", "S-1")])
    assert result.status == PushStatus.RATE_LIMITED and result.code == "daily_limit"


def test_revoked_grant_means_reconnect(xero, box):
    provider, tokens, ctx = xero
    box.faults.revoke_grants = True
    with pytest.raises(AuthError) as caught:
        provider.refresh(tokens)
    assert caught.value.code == "reconnect" and "reconnect" in caught.value.message
    [result] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE, "x", "S-1")])
    assert result.status == PushStatus.AUTH and result.code == "reconnect"


def test_subscription_and_disconnected_organisation(xero, box):
    provider, _, ctx = xero
    box.faults.subscription_expired = True
    with pytest.raises(AuthError) as caught:
        provider.accounts(ctx)
    assert caught.value.code == "subscription"
    box.faults.subscription_expired, box.faults.organisation_disconnected = False, True
    [result] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE, "x", "S-1")])
    assert result.status == PushStatus.AUTH and result.code == "organisation_removed"


def test_server_error_is_transient(xero, box):
    provider, _, ctx = xero
    box.faults.errors_next = 1
    [result] = provider.push(ctx, [document(DocumentKind.SALES_INVOICE, "x", "S-1")])
    assert result.status == PushStatus.TRANSIENT


def test_timeout_after_write_is_uncertain_then_found(xero, box):
    provider, _, ctx = xero
    doc = document(DocumentKind.SALES_INVOICE, customer(provider, ctx), "S-42")
    box.faults.timeout_after_write_next, box.faults.timeout_seconds = 1, 1.0
    ctx.timeout = 0.3
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.UNCERTAIN and result.code == "uncertain"
    ctx.timeout = 5
    found = provider.find_documents(ctx, DocumentKind.SALES_INVOICE, ["S-42", "S-43"])
    assert list(found) == ["S-42"]
    [replayed] = provider.push(ctx, [doc])  # same Idempotency-Key within 6 minutes
    assert replayed.status == PushStatus.CREATED
    assert replayed.remote_id == found["S-42"].remote_id
    assert len(box.tenants[ctx.organisation_id]["invoices"]) == 1


def test_refresh_rotates_and_disconnect_uses_the_connection_id(xero, sandbox):
    provider, tokens, ctx = xero
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    provider.revoke(fresh, ctx.organisation_id)
    remaining = provider.organisations(fresh)
    assert [o.id for o in remaining] != [] and ctx.organisation_id not in [o.id for o in remaining]
    provider.revoke(fresh)
    with pytest.raises(AuthError):
        provider.organisations(fresh)


def test_every_request_body_matches_the_spec(xero, sandbox):
    provider, tokens, ctx = xero
    cid = customer(provider, ctx)
    provider.search_contacts(ctx, "Acme")
    provider.contacts(ctx)
    provider.get_contact(ctx, cid)
    provider.accounts(ctx)
    provider.tax_rates(ctx)
    docs = [document(kind, cid, f"V-{i}", local_id=i, reference="PO 1")
            for i, kind in enumerate(ALL_KINDS)]
    results = provider.push(ctx, docs)
    for doc, result in zip(docs, results, strict=True):
        provider.attach_pdf(ctx, doc.kind, result.remote_id, "doc.pdf", b"%PDF-1.4")
        provider.get_document(ctx, doc.kind, result.remote_id)
        provider.find_documents(ctx, doc.kind, [doc.number])
    provider.revoke(tokens, ctx.organisation_id)
    recorded = requests.get(f"{sandbox.url}/_control/requests", params={"provider": "xero"},
                            timeout=10).json()
    operations = set()
    for entry in recorded:
        operations.add(validate_request(entry["method"], entry["path"], entry["body"]))
        headers = {k.lower(): v for k, v in entry["headers"].items()}
        if entry["path"].startswith("/xero/accounting/"):
            assert headers["xero-tenant-id"] == ctx.organisation_id
        if entry["method"] in ("PUT", "POST"):
            assert 0 < len(headers["idempotency-key"]) <= 128
        if entry["path"].endswith(("/Invoices", "/CreditNotes")) and entry["method"] == "PUT":
            assert "summarizeErrors=false" in entry["query"]
            for element in entry["body"][entry["path"].rsplit("/", 1)[1]]:
                assert element["LineAmountTypes"] == "Exclusive"
                assert all("TaxAmount" in item for item in element["LineItems"])
    assert {"createInvoices", "createCreditNotes", "createContacts",
            "createInvoiceAttachmentByFileName", "createCreditNoteAttachmentByFileName",
            "deleteConnection", "getConnections"} <= operations
