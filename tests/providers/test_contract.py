"""The provider contract (providers.base), checked for every provider in the registry against
the sandbox over HTTP. Nothing here names a provider: differences by design go through
documented contract attributes."""

import dataclasses
import json
import logging
from datetime import date
from urllib.parse import parse_qsl
from urllib.parse import urlparse

import pytest
import requests
from helpers.contract import PDF
from helpers.contract import add_contacts
from helpers.contract import connect
from helpers.contract import currency
from helpers.contract import document
from helpers.contract import numbers_of
from helpers.contract import read_all
from helpers.contract import recorded
from helpers.contract import set_faults
from helpers.contract import set_organisation
from helpers.contract import writes_of

from providers import REGISTRY
from providers.answers import UnexpectedAnswer
from providers.base import SETTINGS_KEY
from providers.base import AccountType
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import OrganisationSettings
from providers.base import ProviderError
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import known_settings

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


def test_contacts_typed_into_the_ledger_are_listed_with_their_kind(conn, sandbox):
    provider, ctx = conn.provider, conn.ctx
    typed = [{"name": "Typed Customer Ltd", "kind": "customer", "email": "a@typed.example"},
             {"name": "Typed Supplier Ltd", "kind": "supplier", "email": "b@typed.example"}]
    answer = requests.post(f"{sandbox.url}/_control/contacts", timeout=10, json={
        "provider": provider.id, "tenant": ctx.organisation_id, "contacts": typed})
    assert answer.json() == {"added": 2}
    listed, cursor = {}, None
    while True:
        page = provider.contacts(ctx, cursor)
        listed.update({c.name: c for c in page.contacts})
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    customer, supplier = listed["Typed Customer Ltd"], listed["Typed Supplier Ltd"]
    assert customer.active and supplier.active and customer.id != supplier.id
    assert customer.email == "a@typed.example" and supplier.email == "b@typed.example"
    if provider.contact_kinds_strict:
        assert (customer.is_customer, customer.is_supplier) == (True, False)
        assert (supplier.is_customer, supplier.is_supplier) == (False, True)
    refused = requests.post(f"{sandbox.url}/_control/contacts", timeout=10, json={
        "provider": provider.id, "tenant": ctx.organisation_id,
        "contacts": [{"name": "Odd", "kind": "employee"}]})
    assert refused.status_code == 400 and "customer or supplier" in refused.json()["error"]
    unknown = requests.post(f"{sandbox.url}/_control/contacts", timeout=10, json={
        "provider": provider.id, "tenant": "no-such-tenant", "contacts": typed})
    assert unknown.status_code == 404


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
        assert result.remote_total == doc.gross_total, (doc.kind, result)
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


def _pushed(provider, ctx, docs):
    """Push documents in batches of the provider's size; every one must be created."""
    results = []
    for start in range(0, len(docs), provider.batch_size):
        results += provider.push(ctx, docs[start:start + provider.batch_size])
    assert {r.status for r in results} == {PushStatus.CREATED}, results
    return results


def test_contract_attributes_are_declared():
    for provider in REGISTRY.values():
        assert set(provider.field_limits) <= {"number", "reference", "line_description"}
        assert all(isinstance(v, int) and v > 0 for v in provider.field_limits.values())
        assert "number" in provider.field_limits, provider.id
        assert isinstance(provider.supports_care_of, bool)
        assert isinstance(provider.contact_kinds_strict, bool)
        assert isinstance(provider.exposes_lock_date, bool)


def test_organisation_settings_lock_date_and_currencies(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    base = currency(ready)
    settings = provider.organisation_settings(ctx)
    assert settings.base_currency == base and base in settings.currencies
    assert (settings.lock_date, settings.lock_date_label) == (None, "")
    assert known_settings(ctx) == settings  # left in the context for later calls
    other = "EUR" if base != "EUR" else "USD"
    changes = {"currencies": [base, other]}
    if provider.exposes_lock_date:
        changes["lock_date"] = "2026-03-02"
    set_organisation(sandbox, provider.id, ctx.organisation_id, **changes)
    fresh = dataclasses.replace(ctx, extra={k: v for k, v in ctx.extra.items()
                                            if k != SETTINGS_KEY})
    settings = provider.organisation_settings(fresh)
    assert {base, other} <= settings.currencies and settings.base_currency == base
    if provider.exposes_lock_date:
        assert settings.lock_date == date(2026, 3, 2) and settings.lock_date_label
    else:
        assert settings.lock_date is None
    kept = json.loads(json.dumps(settings.as_dict()))
    assert OrganisationSettings.from_dict(kept) == settings
    if provider.exposes_lock_date:  # the ledger refuses a document dated on the lock date
        [result] = provider.push(fresh, [document(ready, DocumentKind.SALES_INVOICE,
                                                  "CT-LK-1")])
        assert result.status == PushStatus.INVALID and result.code == "period_closed", result


def test_list_documents_since_a_watermark_costs_one_call_when_nothing_changed(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    start = {kind: read_all(provider, ctx, kind, None)[1] for kind in DocumentKind}
    docs = [document(ready, kind, NUMBERS[kind], local_id=i + 1)
            for i, kind in enumerate(DocumentKind)]
    results = _pushed(provider, ctx, docs)
    for doc, result in zip(docs, results, strict=True):
        before = len(recorded(sandbox, provider.id))
        found, mark, pages = read_all(provider, ctx, doc.kind, start[doc.kind])
        assert pages == 1 and len(recorded(sandbox, provider.id)) == before + 1, doc.kind
        [ours] = [d for d in found if d.remote_id == result.remote_id]
        assert (ours.kind, ours.total, ours.contact_id, ours.issue_date) == (
            doc.kind, doc.gross_total, doc.contact_id, doc.issue_date), doc.kind
        assert set(numbers_of(doc)) & {ours.number, ours.reference}, doc.kind
        assert mark and mark >= start[doc.kind], doc.kind
        before = len(recorded(sandbox, provider.id))
        again, same, pages = read_all(provider, ctx, doc.kind, mark)
        assert pages == 1 and len(recorded(sandbox, provider.id)) == before + 1, doc.kind
        assert same == mark, doc.kind  # nothing changed
        assert {d.remote_id for d in again} <= {result.remote_id}, doc.kind  # inclusive reads
        everything, _, _ = read_all(provider, ctx, doc.kind, None)
        assert result.remote_id in {d.remote_id for d in everything}, doc.kind


def test_prepare_requests_is_what_push_sends_and_calls_nothing(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    provider.organisation_settings(ctx)  # what a run has read before a preview or a push
    docs = [document(ready, kind, f"CT-PR-{i}", local_id=i + 1)
            for i, kind in enumerate(DocumentKind)][:provider.batch_size]
    before = len(recorded(sandbox, provider.id))
    prepared = provider.prepare_requests(docs, ctx)
    assert len(recorded(sandbox, provider.id)) == before
    _pushed(provider, ctx, docs)
    sent = writes_of(recorded(sandbox, provider.id)[before:])
    # An id only the create's answer gives (Zoho's mark-sent) is a placeholder in the preview.
    waiting = [p for p in prepared if "<" in p.url]
    for request in prepared:
        if request in waiting or request.method == "GET":
            continue
        url = urlparse(request.url)
        match = [w for w in sent if w[:4] == (request.method, url.path, dict(parse_qsl(url.query)),
                                               json.loads(json.dumps(request.body)))]
        assert match, (request, sent)
        headers = {k.lower(): v for k, v in match[0][4].items()}
        assert {k.lower(): v for k, v in request.headers.items()}.items() <= headers.items()
        sent.remove(match[0])
    assert len(sent) == len(waiting), sent


def test_find_documents_reads_many_numbers_in_one_call(ready, sandbox):
    provider, ctx = ready.provider, ready.ctx
    docs = [document(ready, DocumentKind.SALES_INVOICE, f"CT-FD-{i:03d}", local_id=i)
            for i in range(1, 6)]
    results = _pushed(provider, ctx, docs)
    before = len(recorded(sandbox, provider.id))
    found = provider.find_documents(ctx, DocumentKind.SALES_INVOICE, [d.number for d in docs],
                                    sent=docs)
    assert len(recorded(sandbox, provider.id)) == before + 1
    assert {n: f.remote_id for n, f in found.items()} == {
        d.number: r.remote_id for d, r in zip(docs, results, strict=True)}
    assert provider.find_documents(ctx, DocumentKind.SALES_INVOICE, ["CT-FD-999"]) == {}


# --- answers of an unexpected shape (issue 14, part 5) ------------------------------------------


@pytest.mark.parametrize("odd", ["html_page", "empty_object"])
def test_a_list_answered_in_an_odd_form_is_a_plain_error_with_the_answer_logged(conn, sandbox,
                                                                                 odd, caplog):
    provider, ctx = conn.provider, conn.ctx
    set_faults(sandbox, provider.id, odd_answers=[odd])
    with caplog.at_level(logging.WARNING, logger="ledgerlink.providers"), \
            pytest.raises(ProviderError) as failure:
        provider.accounts(ctx)
    assert isinstance(failure.value, UnexpectedAnswer)  # transient: nothing was changed
    assert failure.value.code == "unexpected_answer"
    assert failure.value.message == (f"{provider.name} answered in a form Ledgerlink does not "
                                     "understand; nothing was changed.")
    logged = [r.getMessage() for r in caplog.records if r.name == "ledgerlink.providers"]
    assert len(logged) == 1 and f"{provider.name} answered in an unexpected form" in logged[0]
    assert ("We'll be back soon" if odd == "html_page" else ": {}") in logged[0]
    assert ctx.access_token not in logged[0]
    set_faults(sandbox, provider.id)
    assert provider.accounts(ctx)


@pytest.mark.parametrize("odd", ["html_page_on_write", "empty_object_on_write"])
def test_a_push_answered_in_an_odd_form_is_uncertain_and_found_once(ready, sandbox, odd):
    """The write stood but its answer cannot be read: the document is uncertain (never failed,
    never an exception), and reading the ledger afterwards finds it exactly once."""
    provider, ctx = ready.provider, ready.ctx
    doc = document(ready, DocumentKind.SALES_INVOICE, "CT-SI-5001")
    set_faults(sandbox, provider.id, odd_answers=[odd])
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.UNCERTAIN, result
    assert result.code == "unexpected_answer" and result.message.startswith(
        f"{provider.name} answered in a form Ledgerlink does not understand, so it is not known")
    set_faults(sandbox, provider.id)
    found = provider.find_documents(ctx, doc.kind, numbers_of(doc))
    assert len({remote.remote_id for remote in found.values()}) == 1, found
    ledger = requests.get(f"{sandbox.url}/_control/ledger", timeout=10,
                          params={"provider": provider.id}).json()["tenants"]
    held = [ids for tenant in ledger.values()
            for by in tenant["documents"].get("sales_invoice", {}).values() if isinstance(by, dict)
            for number, ids in by.items() if number == doc.number]
    assert held and all(len(ids) == 1 for ids in held)


# The contract's reads for the sync engine, each read through the same tolerant layer.
ENGINE_READS = {
    "organisation_settings": lambda ready: ready.provider.organisation_settings(
        dataclasses.replace(ready.ctx, extra={k: v for k, v in ready.ctx.extra.items()
                                              if k != SETTINGS_KEY})),
    "list_documents": lambda ready: ready.provider.list_documents(
        ready.ctx, DocumentKind.SUPPLIER_INVOICE, modified_since=None),
    "find_documents": lambda ready: ready.provider.find_documents(
        ready.ctx, DocumentKind.SALES_INVOICE, ["CT-OD-1", "CT-OD-2"],
        sent=[document(ready, DocumentKind.SALES_INVOICE, f"CT-OD-{i}", local_id=i)
              for i in (1, 2)]),
}


@pytest.mark.parametrize("odd", ["html_page", "empty_object"])
@pytest.mark.parametrize("read", sorted(ENGINE_READS))
def test_the_engines_reads_answered_in_an_odd_form_are_a_plain_error(ready, sandbox, read, odd,
                                                                      caplog):
    provider = ready.provider
    set_faults(sandbox, provider.id, odd_answers=[odd])
    with caplog.at_level(logging.WARNING, logger="ledgerlink.providers"), \
            pytest.raises(ProviderError) as failure:
        ENGINE_READS[read](ready)
    assert isinstance(failure.value, UnexpectedAnswer), failure.value  # nothing was changed
    assert failure.value.code == "unexpected_answer"
    assert failure.value.message == (f"{provider.name} answered in a form Ledgerlink does not "
                                     "understand; nothing was changed.")
    logged = [r.getMessage() for r in caplog.records if r.name == "ledgerlink.providers"]
    assert len(logged) == 1 and f"{provider.name} answered in an unexpected form" in logged[0]
    set_faults(sandbox, provider.id)
    assert ENGINE_READS[read](ready) is not None


def test_every_id_read_is_a_string(ready):
    """Ids are strings from the moment they are parsed, whatever the package sends."""
    provider, ctx = ready.provider, ready.ctx
    read = [*provider.accounts(ctx), *provider.tax_rates(ctx), *provider.contacts(ctx).contacts,
            *provider.items(ctx), *ready.organisations, ready.customer, ready.supplier]
    assert read and all(isinstance(thing.id, str) and thing.id for thing in read)
    [pushed] = provider.push(ctx, [document(ready, DocumentKind.SUPPLIER_INVOICE, "CT-PI-6001")])
    back = provider.get_document(ctx, DocumentKind.SUPPLIER_INVOICE, pushed.remote_id)
    assert all(isinstance(value, str) for value in (pushed.remote_id, pushed.remote_number,
                                                    back.remote_id, back.contact_id, back.number))
