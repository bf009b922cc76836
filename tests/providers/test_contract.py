"""The provider contract (providers.base), checked for every provider in the registry against
the sandbox over HTTP. Nothing here names a provider: differences by design go through
documented contract attributes."""

import pytest
from helpers.contract import PDF
from helpers.contract import add_contacts
from helpers.contract import connect
from helpers.contract import document
from helpers.contract import numbers_of
from helpers.contract import set_faults

from providers import REGISTRY
from providers.base import AccountType
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import PushStatus
from providers.base import RateLimited

PROVIDERS = list(REGISTRY)
NUMBERS = {DocumentKind.SALES_INVOICE: "CT-SI-1001", DocumentKind.SALES_CREDIT_NOTE: "CT-SC-1001",
           DocumentKind.SUPPLIER_INVOICE: "CT-PI-1001",
           DocumentKind.SUPPLIER_CREDIT_NOTE: "CT-PC-1001"}


@pytest.fixture(params=PROVIDERS)
def conn(request, sandbox):
    """A provider connected through its consent pages to its first organisation."""
    return connect(sandbox, request.param)


@pytest.fixture
def ready(conn):
    """`conn` with a newly created customer and supplier."""
    return add_contacts(conn)


def test_connect_lists_organisations_and_ledger_lists(conn):
    provider, ctx = conn.provider, conn.ctx
    assert conn.tokens.access_token and conn.tokens.refresh_token
    assert conn.tokens.expires_at > 0
    assert all(o.id and o.name for o in conn.organisations)
    assert len(conn.organisations) >= 2 if provider.multi_organisation else \
        len(conn.organisations) == 1
    accounts = provider.accounts(ctx)
    types = {a.type for a in accounts if a.active}
    assert AccountType.INCOME in types and AccountType.BANK in types
    assert types & {AccountType.EXPENSE, AccountType.COST_OF_SALES}
    assert all(a.id and a.name for a in accounts)
    assert any(not a.active for a in accounts), "the demo charts hold an archived account"
    rates = provider.tax_rates(ctx)
    assert any(r.active and r.for_sales for r in rates)
    assert any(r.active and r.for_purchases for r in rates)
    assert any(r.rate > 0 for r in rates)
    page = provider.contacts(ctx)
    assert page.contacts and all(c.id and c.name for c in page.contacts)


def test_contacts_search_get_and_create(ready):
    provider, ctx = ready.provider, ready.ctx
    customer, supplier = ready.customer, ready.supplier
    assert customer.id and customer.is_customer and customer.name == "Contract Test Customer Ltd"
    assert supplier.id and supplier.is_supplier and supplier.name == "Contract Test Supplier Ltd"
    found = provider.search_contacts(ctx, "Contract Test Customer")
    assert customer.id in [c.id for c in found]
    assert supplier.id not in [c.id for c in found]
    fetched = provider.get_contact(ctx, supplier.id)
    assert fetched.id == supplier.id and fetched.name == supplier.name
    existing = provider.contacts(ctx).contacts[0]
    assert provider.get_contact(ctx, existing.id).name == existing.name


def test_push_each_kind_read_back_and_find(ready):
    provider, ctx = ready.provider, ready.ctx
    docs = [document(ready, kind, NUMBERS[kind], local_id=i + 1)
            for i, kind in enumerate(DocumentKind)]
    results = []
    for start in range(0, len(docs), provider.batch_size):
        results += provider.push(ctx, docs[start:start + provider.batch_size])
    assert [r.local_id for r in results] == [d.local_id for d in docs]
    for doc, result in zip(docs, results, strict=True):
        assert result.status == PushStatus.CREATED, (doc.kind, result)
        assert result.remote_id and result.url.startswith("http"), (doc.kind, result)
        assert result.remote_number, (doc.kind, result)
        back = provider.get_document(ctx, doc.kind, result.remote_id)
        assert back.remote_id == result.remote_id and back.kind == doc.kind
        assert (back.total, back.tax_total) == (doc.gross_total, doc.tax_total), doc.kind
        assert back.status and back.amount_paid == 0
        found = provider.find_documents(ctx, doc.kind, numbers_of(doc))
        assert found and {f.remote_id for f in found.values()} == {result.remote_id}, doc.kind
        assert set(found) <= set(numbers_of(doc))


def test_same_sales_number_twice_is_a_duplicate(ready):
    provider, ctx = ready.provider, ready.ctx
    first = document(ready, DocumentKind.SALES_INVOICE, "CT-SI-2001", local_id=1)
    again = document(ready, DocumentKind.SALES_INVOICE, "CT-SI-2001", local_id=2)
    again.lines = again.lines[:1]  # another document (another total) with the same number
    again.net_total, again.tax_total = again.lines[0].net, again.lines[0].tax
    again.gross_total = again.net_total + again.tax_total
    assert provider.push(ctx, [first])[0].status == PushStatus.CREATED
    [result] = provider.push(ctx, [again])
    assert result.local_id == 2
    if provider.keeps_our_numbers(ctx):
        assert result.status == PushStatus.DUPLICATE, result
        assert result.code == "duplicate_number" and result.message
    else:  # the ledger numbers sales documents itself; ours cannot clash
        assert result.status == PushStatus.CREATED, result


def test_attach_pdf_to_each_kind(ready):
    provider, ctx = ready.provider, ready.ctx
    for i, kind in enumerate(DocumentKind):
        [pushed] = provider.push(ctx, [document(ready, kind, NUMBERS[kind], local_id=i + 1)])
        assert pushed.status == PushStatus.CREATED, pushed
        result = provider.attach_pdf(ctx, kind, pushed.remote_id, f"{NUMBERS[kind]}.pdf", PDF)
        assert result.ok or (not result.supported and result.message), (kind, result)


def test_rate_limited_then_success(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    set_faults(sandbox, provider.id, rate_limit_next=1)
    with pytest.raises(RateLimited) as limited:
        provider.accounts(ctx)
    assert limited.value.retry_after is not None and limited.value.retry_after >= 0
    assert provider.accounts(ctx)
    doc = document(ready, DocumentKind.SALES_INVOICE, "CT-SI-3001")
    set_faults(sandbox, provider.id, rate_limit_next=1)
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.RATE_LIMITED and result.retry_after is not None, result
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result


def test_revoked_grant_needs_reconnect(conn, sandbox):
    set_faults(sandbox, conn.provider.id, revoke_grants=True)
    with pytest.raises(AuthError) as revoked:
        conn.provider.refresh(conn.tokens)
    assert revoked.value.code == "reconnect" and revoked.value.message


def test_timeout_after_write_is_uncertain_then_found(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    doc = document(ready, DocumentKind.SALES_INVOICE, "CT-SI-4001")
    set_faults(sandbox, provider.id, timeout_after_write_next=1, timeout_seconds=1.0)
    ctx.timeout = 0.3
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.UNCERTAIN and result.code == "uncertain", result
    ctx.timeout = 5.0
    found = provider.find_documents(ctx, doc.kind, numbers_of(doc))
    assert len(found) == 1, found
    remote = next(iter(found.values()))
    assert remote.total == doc.gross_total
