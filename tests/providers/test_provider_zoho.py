"""The Zoho Books provider client against the sandbox over real HTTP."""

from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal

import pytest
from helpers.zoho import REDIRECT_URI
from helpers.zoho import SECOND_ORG
from helpers.zoho import UK_ORG
from helpers.zoho import connect
from helpers.zoho import consent
from helpers.zoho import validate_query
from helpers.zoho import validate_request
from helpers.zoho import zoho_state

from providers import REGISTRY
from providers.base import AccountType
from providers.base import ApiContext
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import NewContact
from providers.base import OutgoingDocument
from providers.base import OutgoingLine
from providers.base import ProviderError
from providers.base import ProviderSettings
from providers.base import PushStatus
from providers.oauth import ConsentDenied
from providers.zoho import ZohoBooks
from sandbox.core import Limits
from sandbox.zoho import ZohoSandbox

CENT = Decimal("0.01")


@pytest.fixture
def zoho(sandbox):
    return ZohoBooks(ProviderSettings(sandbox_url=sandbox.url, redirect_uri=REDIRECT_URI))


@pytest.fixture
def tokens(zoho):
    return connect(zoho)


@pytest.fixture
def ctx(tokens):
    return ApiContext(access_token=tokens.access_token, organisation_id=UK_ORG,
                      extra=dict(tokens.extra), timeout=5)


def _lookup(sandbox):
    tenant = zoho_state(sandbox).tenants[UK_ORG]
    accounts = {a["account_name"]: a for a in tenant["chartofaccounts"].values()}
    taxes = {t["tax_percentage"]: t["tax_id"] for t in tenant["taxes"].values()}
    contacts = {c["contact_name"]: c["contact_id"] for c in tenant["contacts"].values()}
    return accounts, taxes, contacts


def _doc(sandbox, kind, number, local_id=1, quantity="2", supplier_reference="", **overrides):
    accounts, taxes, contacts = _lookup(sandbox)
    sales = kind.is_sales
    account = accounts["Sales" if sales else "Office Supplies"]
    net = (Decimal("50.25") * Decimal(quantity)).quantize(CENT, ROUND_HALF_UP)
    line = OutgoingLine(description="Consulting" if sales else "Paper", quantity=Decimal(quantity),
                        unit_price=Decimal("50.25"), net=net,
                        tax=(net / 5).quantize(CENT, ROUND_HALF_UP),
                        account_id=account["account_id"], account_code=account["account_code"],
                        tax_rate_id=taxes[20])
    gross = line.net + line.tax
    fields = dict(local_id=local_id, kind=kind, number=number,
                  contact_id=contacts["Acme Trading Ltd" if sales else "Northwind Supplies Ltd"],
                  issue_date=date(2025, 1, 31), due_date=date(2025, 2, 28), currency="GBP",
                  lines=[line], net_total=line.net, tax_total=line.tax, gross_total=gross,
                  supplier_reference=supplier_reference)
    fields.update(overrides)
    return OutgoingDocument(**fields)


def _api_calls(sandbox, since):
    return [r for r in zoho_state(sandbox).requests[since:] if "/books/v3/" in r["path"]]


def test_registered_and_sandbox_uses_the_default_client_explicitly(sandbox):
    assert REGISTRY["zoho"] is ZohoBooks
    provider = REGISTRY["zoho"](ProviderSettings(sandbox_url=sandbox.url))
    assert provider.settings.client_id == "sandbox-zoho-client"
    assert provider.settings.client_secret == "sandbox-zoho-secret"
    assert provider.missing_settings() == [] and provider.is_sandbox
    real = ZohoBooks(ProviderSettings())
    assert real.missing_settings() == ["ZOHO_CLIENT_ID", "ZOHO_CLIENT_SECRET", "ZOHO_REDIRECT_URI"]
    assert "20 refresh tokens" in ZohoBooks.connect_note


def test_connect_through_the_consent_page_and_pick_an_organisation(sandbox, zoho):
    auth = zoho.authorization_request()
    assert auth.url.startswith(f"{sandbox.url}/zoho/accounts/oauth/v2/auth?")
    assert "access_type=offline" in auth.url and "scope=ZohoBooks.settings.READ%2C" in auth.url
    callback = consent(auth.url, location="eu")
    tokens = zoho.exchange_code(callback, auth)
    assert tokens.extra["api_domain"] == f"{sandbox.url}/zoho/api-eu"
    assert tokens.extra["accounts_server"] == f"{sandbox.url}/zoho/accounts-eu"
    assert tokens.extra["location"] == "eu" and tokens.refresh_token
    organisations = zoho.organisations(tokens)
    assert [(o.id, o.name) for o in organisations] == [
        (UK_ORG, "Demo Trading Ltd"), (SECOND_ORG, "Demo Consulting Ltd")]
    chosen = organisations[1]
    ctx = ApiContext(access_token=tokens.access_token, organisation_id=chosen.id,
                     extra=dict(tokens.extra))
    assert len(zoho.tax_rates(ctx)) == 3


def test_a_us_account_uses_the_com_data_centre(sandbox, zoho):
    zoho_state(sandbox).seed_tenant("30070001", "us", "Globex US")
    tokens = connect(zoho, location="com")
    # The code is only accepted by the accounts server the callback named (see sandbox tests).
    assert tokens.extra["accounts_server"] == f"{sandbox.url}/zoho/accounts"
    assert tokens.extra["api_domain"] == f"{sandbox.url}/zoho/api"
    assert [o.id for o in zoho.organisations(tokens)] == ["30070001"]
    assert zoho.refresh(tokens).extra["api_domain"] == f"{sandbox.url}/zoho/api"


def test_a_callback_naming_a_foreign_accounts_server_is_refused(sandbox, zoho):
    auth = zoho.authorization_request()
    callback = consent(auth.url)
    forged = callback.replace(f"{sandbox.url}/zoho/accounts-eu".replace(":", "%3A").replace(
        "/", "%2F"), "https%3A%2F%2Fevil.example")
    assert forged != callback
    with pytest.raises(ProviderError, match="unknown Zoho accounts server"):
        zoho.exchange_code(forged, auth)


def test_cancel_at_the_consent_page(zoho):
    auth = zoho.authorization_request()
    with pytest.raises(ConsentDenied):
        zoho.exchange_code(consent(auth.url, decision="deny"), auth)


def test_refresh_keeps_the_refresh_token_and_api_domain(sandbox, zoho, tokens):
    fresh = zoho.refresh(tokens)
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.access_token != tokens.access_token
    assert fresh.extra["api_domain"] == tokens.extra["api_domain"]
    assert fresh.extra["accounts_server"] == tokens.extra["accounts_server"]


def test_lists_accounts_taxes_and_contacts(sandbox, zoho, ctx):
    accounts = {a.name: a for a in zoho.accounts(ctx)}
    assert accounts["Sales"].type == AccountType.INCOME and accounts["Sales"].code == "4000"
    assert accounts["Cost of Goods Sold"].type == AccountType.COST_OF_SALES
    assert accounts["Business Current Account"].type == AccountType.BANK
    assert accounts["Office Supplies"].type == AccountType.EXPENSE
    assert accounts["Postage (old)"].active is False
    assert sorted(t.rate for t in zoho.tax_rates(ctx)) == [0, 5, 20]
    page = zoho.contacts(ctx)
    assert page.next_cursor is None
    names = {c.name: c for c in page.contacts}
    assert names["Northwind Supplies Ltd"].is_supplier
    assert names["Acme Trading Ltd"].is_customer


def test_contacts_page_by_200(sandbox, zoho, ctx):
    from sandbox.zoho.seed import new_contact

    tenant = zoho_state(sandbox).tenants[UK_ORG]
    for index in range(200):
        new_contact(tenant, {"contact_name": f"Bulk {index:03d}"})
    first = zoho.contacts(ctx)
    assert len(first.contacts) == 200 and first.next_cursor == "2"
    second = zoho.contacts(ctx, first.next_cursor)
    assert len(second.contacts) == 4 and second.next_cursor is None


def test_search_get_and_create_contacts(sandbox, zoho, ctx):
    found = zoho.search_contacts(ctx, "acme")
    assert [c.name for c in found] == ["Acme Trading Ltd"]
    assert zoho.get_contact(ctx, found[0].id).name == "Acme Trading Ltd"
    assert zoho.get_contact(ctx, "123") is None
    created = zoho.create_contact(ctx, NewContact(
        name="Fresh Fruit Ltd", kind="supplier", email="ap@fruit.example",
        address_lines=["1 High St"], city="Leeds", postcode="LS1 1AA", country="GB",
        vat_number="GB123456789", account_number="FRUIT01"))
    assert created.is_supplier and created.email == "ap@fruit.example"
    assert created.account_number == "FRUIT01"
    with pytest.raises(ProviderError) as failure:
        zoho.create_contact(ctx, NewContact(name="fresh fruit ltd", kind="customer"))
    assert failure.value.code == "duplicate_contact_name"
    assert "Rename one" in failure.value.message


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_push_each_kind(sandbox, zoho, ctx, kind):
    doc = _doc(sandbox, kind, f"LL-{kind.value}-1", supplier_reference="SUP-9")
    [result] = zoho.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result.message
    remote = zoho.get_document(ctx, kind, result.remote_id)
    assert remote.total == doc.gross_total == Decimal("120.60")
    assert remote.tax_total == Decimal("20.10") and remote.amount_paid == 0
    assert remote.contact_id == doc.contact_id
    assert result.url.endswith(f"/{UK_ORG}#/{remote.url.split('#/')[1]}")
    if kind.is_sales:
        assert result.remote_number == remote.number == doc.number
    else:  # the supplier's number is the document number; ours is the reference
        assert result.remote_number == "SUP-9" and remote.reference == doc.number
    if kind == DocumentKind.SALES_INVOICE:
        assert remote.status == "sent"
    found = zoho.find_documents(ctx, kind, [doc.number, "NOPE"])
    assert list(found) == [doc.number] and found[doc.number].remote_id == result.remote_id


def test_credit_note_quantities_are_whole_and_odd_lines_keep_their_total(sandbox, zoho, ctx):
    doc = _doc(sandbox, DocumentKind.SALES_CREDIT_NOTE, "LL-CN-HALF", quantity="1.5")
    [result] = zoho.push(ctx, [doc])
    assert result.status == PushStatus.CREATED
    stored = zoho_state(sandbox).tenants[UK_ORG]["creditnotes"][result.remote_id]
    assert stored["line_items"][0]["quantity"] == 1
    assert "1.5 x 50.25" in stored["line_items"][0]["description"]
    assert zoho.get_document(ctx, doc.kind, result.remote_id).total == doc.gross_total


def test_ledger_numbered_invoice_keeps_our_number_as_reference(sandbox, zoho, ctx):
    doc = _doc(sandbox, DocumentKind.SALES_INVOICE, "S-000123", use_our_number=False)
    [result] = zoho.push(ctx, [doc])
    assert result.status == PushStatus.CREATED and result.remote_number == "INV-000001"
    found = zoho.find_documents(ctx, doc.kind, ["S-000123"])
    assert found["S-000123"].number == "INV-000001"
    [again] = zoho.push(ctx, [doc])
    assert again.status == PushStatus.CREATED and again.remote_id == result.remote_id
    assert len(zoho_state(sandbox).tenants[UK_ORG]["invoices"]) == 1


def test_duplicate_number_of_a_different_document(sandbox, zoho, ctx):
    first = _doc(sandbox, DocumentKind.SALES_INVOICE, "LL-DUP")
    other = _doc(sandbox, DocumentKind.SALES_INVOICE, "LL-DUP", local_id=2, quantity="3")
    results = zoho.push(ctx, [first, other])
    assert [r.status for r in results] == [PushStatus.CREATED, PushStatus.DUPLICATE]
    assert results[1].code == "duplicate_number" and "LL-DUP" in results[1].message
    # Zoho's own duplicate error (when the number appears between our look-up and create).
    state = zoho_state(sandbox)
    bill = _doc(sandbox, DocumentKind.SUPPLIER_INVOICE, "LL-PI-1", supplier_reference="NW-5")
    clash = _doc(sandbox, DocumentKind.SUPPLIER_INVOICE, "LL-PI-2", supplier_reference="NW-5")
    zoho.push(ctx, [bill])
    [result] = zoho.push(ctx, [clash])
    assert result.status == PushStatus.DUPLICATE and result.code == "duplicate_number"
    assert "already exists" in result.message
    assert len(state.tenants[UK_ORG]["bills"]) == 1


def test_invalid_documents_are_translated(sandbox, zoho, ctx):
    accounts, _, _ = _lookup(sandbox)
    doc = _doc(sandbox, DocumentKind.SUPPLIER_INVOICE, "LL-BAD")
    doc.lines[0].account_id = accounts["Postage (old)"]["account_id"]
    gone = _doc(sandbox, DocumentKind.SUPPLIER_CREDIT_NOTE, "LL-BAD2", local_id=2, contact_id="404")
    results = zoho.push(ctx, [doc, gone])
    assert [(r.status, r.code) for r in results] == [
        (PushStatus.INVALID, "account_invalid"), (PushStatus.INVALID, "contact_missing")]
    assert "account mapping" in results[0].message


def test_attachments(sandbox, zoho, ctx):
    [invoice] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_INVOICE, "LL-A1")])
    attached = zoho.attach_pdf(ctx, DocumentKind.SALES_INVOICE, invoice.remote_id, "LL-A1.pdf",
                               b"%PDF-1.4 test")
    assert attached.ok
    assert zoho_state(sandbox).tenants[UK_ORG]["attachments"][invoice.remote_id] == {
        "filename": "LL-A1.pdf", "size": 13}
    [credit] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_CREDIT_NOTE, "LL-A2")])
    refused = zoho.attach_pdf(ctx, DocumentKind.SALES_CREDIT_NOTE, credit.remote_id, "x.pdf",
                              b"%PDF")
    assert not refused.ok and not refused.supported
    big = zoho.attach_pdf(ctx, DocumentKind.SALES_INVOICE, invoice.remote_id, "big.pdf",
                          b"0" * (10 * 1024 * 1024 + 1))
    assert not big.ok and big.supported and "larger" in big.message


def test_rate_limited_then_success(sandbox, zoho, ctx):
    zoho_state(sandbox).faults.rate_limit_next = 1
    docs = [_doc(sandbox, DocumentKind.SUPPLIER_INVOICE, f"LL-R{i}", local_id=i,
                 supplier_reference=f"R{i}") for i in range(2)]
    results = zoho.push(ctx, docs)
    assert [r.status for r in results] == [PushStatus.RATE_LIMITED] * 2
    assert results[0].retry_after == 1
    assert [r.status for r in zoho.push(ctx, docs)] == [PushStatus.CREATED] * 2


def test_transient_server_error(sandbox, zoho, ctx):
    zoho_state(sandbox).faults.errors_next = 1
    [result] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SUPPLIER_CREDIT_NOTE, "LL-500")])
    assert result.status == PushStatus.TRANSIENT


def test_revoked_grant_needs_reconnect(sandbox, zoho, tokens, ctx):
    zoho_state(sandbox).faults.revoke_grants = True
    with pytest.raises(AuthError) as failure:
        zoho.refresh(tokens)
    assert failure.value.code == "reconnect" and "reconnect" in failure.value.message
    [result] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_INVOICE, "LL-X")])
    assert result.status == PushStatus.AUTH and result.code == "reconnect"


def test_revoke_on_disconnect(sandbox, zoho, tokens):
    zoho.revoke(tokens)
    with pytest.raises(AuthError):
        zoho.refresh(tokens)


def test_organisation_and_subscription_failures(sandbox, zoho, ctx):
    state = zoho_state(sandbox)
    state.faults.subscription_expired = True
    with pytest.raises(AuthError) as failure:
        zoho.accounts(ctx)
    assert failure.value.code == "subscription"
    state.faults.subscription_expired = False
    wrong = ApiContext(access_token=ctx.access_token, organisation_id="999", extra=ctx.extra)
    with pytest.raises(AuthError) as failure:
        zoho.accounts(wrong)
    assert failure.value.code == "organisation_removed"
    with pytest.raises(AuthError, match="data centre"):
        zoho.accounts(ApiContext(access_token=ctx.access_token, organisation_id=UK_ORG))


def test_timeout_after_write_is_uncertain_then_found(sandbox, zoho, ctx):
    state = zoho_state(sandbox)
    state.faults.timeout_after_write_next, state.faults.timeout_seconds = 1, 1.5
    ctx.timeout = 0.5
    doc = _doc(sandbox, DocumentKind.SUPPLIER_INVOICE, "LL-U1", supplier_reference="NW-U1")
    [result] = zoho.push(ctx, [doc])
    assert result.status == PushStatus.UNCERTAIN and result.code == "uncertain"
    ctx.timeout = 5
    found = zoho.find_documents(ctx, doc.kind, ["LL-U1"])
    assert found["LL-U1"].number == "NW-U1"
    [again] = zoho.push(ctx, [doc])
    assert again.status == PushStatus.CREATED and again.remote_id == found["LL-U1"].remote_id
    assert len(state.tenants[UK_ORG]["bills"]) == 1


def test_every_request_matches_the_spec_and_calls_per_document(sandbox, zoho, ctx):
    state = zoho_state(sandbox)
    zoho.create_contact(ctx, NewContact(name="Spec Check Ltd", kind="customer",
                                        email="a@b.example", city="York"))
    zoho.accounts(ctx), zoho.tax_rates(ctx), zoho.contacts(ctx), zoho.search_contacts(ctx, "a")
    start = len(state.requests)
    [one] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_INVOICE, "LL-S1")])
    first_invoice = len(_api_calls(sandbox, start))
    start = len(state.requests)
    batch = [_doc(sandbox, kind, f"LL-B-{kind.value}", local_id=i, supplier_reference=f"B{i}")
             for i, kind in enumerate(DocumentKind)]
    assert {r.status for r in zoho.push(ctx, batch)} == {PushStatus.CREATED}
    batch_calls = _api_calls(sandbox, start)
    start = len(state.requests)
    zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_INVOICE, "LL-S2")])
    next_invoice = len(_api_calls(sandbox, start))
    zoho.attach_pdf(ctx, DocumentKind.SALES_INVOICE, one.remote_id, "a.pdf", b"%PDF")
    zoho.find_documents(ctx, DocumentKind.SALES_CREDIT_NOTE, ["LL-B-sales_credit_note", "none"])
    checked = set()
    for request in state.requests:
        if "/books/v3/" not in request["path"]:
            continue
        validate_query(request["method"], request["path"], request["query"])
        if isinstance(request["body"], dict) and "attachment" not in request["body"]:
            checked.add(validate_request(request["method"], request["path"], request["body"]))
        assert request["headers"]["Authorization"] == "Zoho-oauthtoken [redacted]"
        assert request["query"].get("organization_id") == UK_ORG
    assert checked == {"create_contact", "create_item", "create_invoice", "create_credit_note",
                       "create_bill", "create_vendor_credit"}
    # Figures for the report: look-up + create (+ mark sent for invoices; + item look-up and
    # create the first time an income account is used).
    assert first_invoice == 5 and next_invoice == 3
    assert len(batch_calls) == 3 + 2 + 2 + 2
    print(f"\nZoho API calls: first invoice {first_invoice}, next invoice {next_invoice}, "
          f"batch of 4 kinds {len(batch_calls)}")


def test_daily_allowance_and_expired_token(sandbox, zoho, ctx):
    state = zoho_state(sandbox)
    state.limits = Limits(per_minute=100, per_day=2)
    zoho.tax_rates(ctx), zoho.tax_rates(ctx)
    [result] = zoho.push(ctx, [_doc(sandbox, DocumentKind.SALES_CREDIT_NOTE, "LL-D1")])
    assert result.status == PushStatus.RATE_LIMITED and result.code == "daily_limit"
    assert result.retry_after > 3600 and "tomorrow" in result.message
    state.limits = ZohoSandbox.limits
    sandbox.state["clock"].advance(3601)
    with pytest.raises(AuthError) as failure:
        zoho.tax_rates(ctx)
    assert failure.value.code == "reconnect" and "Invalid OAuth token" in failure.value.detail
