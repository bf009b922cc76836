"""The QuickBooks Online provider client against the sandbox over real HTTP."""

from datetime import date
from decimal import Decimal

import pytest
import requests
from helpers.qbo import UK_REALM
from helpers.qbo import US_REALM
from helpers.qbo import batch_request_problems
from helpers.qbo import consent
from helpers.qbo import entity_problems

from providers import REGISTRY
from providers import get_provider
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
from providers.oauth import StateMismatch
from providers.qbo import QuickBooksOnline
from sandbox.core import Limits

CALLBACK = "http://127.0.0.1:9/integrations/qbo/callback"
SERVICES, PRODUCT_INCOME, JOB_EXPENSES, OLD_ADVERTISING = "6", "7", "9", "11"
BLUEBIRD, PAPER_SUPPLY = "customer:16", "vendor:19"


@pytest.fixture
def qbo_sandbox(sandbox, monkeypatch):
    """The sandbox object, with the 10/s limit lifted: pacing is the caller's gate's job."""
    target = sandbox.state["providers"]["qbo"]
    monkeypatch.setattr(target, "limits", Limits(per_minute=100_000, per_second=100_000))
    return target


@pytest.fixture
def provider(sandbox, qbo_sandbox):
    """The provider with only the sandbox URL (and our redirect URI) configured."""
    return get_provider("qbo", ProviderSettings(sandbox_url=sandbox.url, redirect_uri=CALLBACK))


def connect(provider, realm=US_REALM):
    """The real dance: authorize page, consent form, captured callback, code exchange."""
    request = provider.authorization_request()
    return provider.exchange_code(consent(request.url, choice=realm), request)


@pytest.fixture
def tokens(provider):
    """Tokens for the US company."""
    return connect(provider)


@pytest.fixture
def ctx(tokens):
    """An ApiContext for the US company."""
    return ApiContext(tokens.access_token, tokens.extra["realm_id"])


def line(net="100", account=SERVICES, tax="TAX", item=None, quantity="2"):
    """An outgoing line with unit price = net / quantity."""
    net, quantity = Decimal(net), Decimal(quantity)
    return OutgoingLine("Consulting", quantity, net / quantity, net, Decimal("0"),
                        account_id=account, tax_rate_id=tax, item_id=item)


def document(local_id, kind=DocumentKind.SALES_INVOICE, number=None, contact=None, lines=None,
             **fields):
    """An outgoing document with sensible defaults per kind."""
    sales = kind.is_sales
    lines = lines or [line() if sales else line(account=JOB_EXPENSES, tax=None, quantity="1")]
    net = sum((ln.net for ln in lines), Decimal(0))
    return OutgoingDocument(
        local_id=local_id, kind=kind, number=number or f"S-{local_id}",
        contact_id=contact or (BLUEBIRD if sales else PAPER_SUPPLY), issue_date=date(2026, 7, 1),
        due_date=date(2026, 7, 31), lines=lines, net_total=net, tax_total=Decimal(0),
        gross_total=net, idempotency_key=f"doc-{local_id}-gen1", **{"currency": "USD", **fields})


def recorded(sandbox):
    """The API calls the sandbox saw."""
    return requests.get(f"{sandbox.url}/_control/requests", params={"provider": "qbo"},
                        timeout=10).json()


# --- settings and OAuth -------------------------------------------------------------------------


def test_registered_and_sandbox_defaults_are_explicit(sandbox):
    assert REGISTRY["qbo"] is QuickBooksOnline
    only_url = get_provider("qbo", ProviderSettings(sandbox_url=sandbox.url))
    assert (only_url.settings.client_id, only_url.settings.client_secret) == \
        ("sandbox-qbo-client", "sandbox-qbo-secret")
    assert only_url.missing_settings() == [] and only_url.is_sandbox
    assert only_url.endpoint("api:/v3/company/1/query") == \
        f"{sandbox.url}/qbo/api/v3/company/1/query"
    real = get_provider("qbo", ProviderSettings())
    assert real.missing_settings() == ["QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "QBO_REDIRECT_URI"]
    assert real.endpoint(real.oauth.token) == \
        "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    assert real.endpoint("api:/v3/company/1/query").startswith("https://quickbooks.api.intuit")
    dev = get_provider("qbo", ProviderSettings("id", "secret", CALLBACK,
                                               options={"environment": "development"}))
    assert dev.endpoint("api:/x") == "https://sandbox-quickbooks.api.intuit.com/x"
    own = get_provider("qbo", ProviderSettings("mine", "s", CALLBACK, sandbox_url=sandbox.url))
    assert own.settings.client_id == "mine"


def test_connect_through_the_consent_page_and_pick_a_company(provider):
    request = provider.authorization_request()
    assert "scope=com.intuit.quickbooks.accounting" in request.url
    assert f"state={request.state}" in request.url and "code_challenge" not in request.url
    tokens = provider.exchange_code(consent(request.url, choice=UK_REALM), request)
    assert tokens.extra["realm_id"] == UK_REALM and tokens.refresh_token
    assert tokens.refresh_expires_at > tokens.expires_at
    [company] = provider.organisations(tokens)
    assert (company.id, company.name, company.extra["country"]) == \
        (UK_REALM, "Harbour Lane Consulting Ltd", "GB")


def test_cancelled_and_forged_callbacks(provider):
    request = provider.authorization_request()
    with pytest.raises(ConsentDenied):
        provider.exchange_code(consent(request.url, decision="deny"), request)
    other = provider.authorization_request()
    with pytest.raises(StateMismatch):
        provider.exchange_code(consent(other.url), request)


def test_refresh_rotates_and_the_old_token_means_reconnect(provider, tokens):
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    assert fresh.extra["realm_id"] == US_REALM  # kept across refreshes
    with pytest.raises(AuthError) as caught:
        provider.refresh(tokens)
    assert caught.value.code == "reconnect"


def test_revoke_disconnects(provider, tokens, ctx):
    provider.revoke(tokens)
    with pytest.raises(AuthError):
        provider.accounts(ctx)


# --- lists and contacts ---------------------------------------------------------------------------


def test_accounts_with_types_and_inactive_flagged(provider, ctx):
    accounts = {a.name: a for a in provider.accounts(ctx)}
    assert accounts["Services"].type == "income" and accounts["Services"].code == "4000"
    assert accounts["Cost of Goods Sold"].type == "cost_of_sales"
    assert accounts["Checking"].type == "bank" and accounts["Job Expenses"].type == "expense"
    assert accounts["Accounts Payable (A/P)"].provider_type == "Accounts Payable"
    assert accounts["Advertising (old)"].active is False


def test_tax_rates_us_and_uk(provider, ctx):
    us = {t.id: t for t in provider.tax_rates(ctx)}
    assert us["TAX"].rate == Decimal("8") and us["NON"].rate == 0 and us["TAX"].for_sales
    uk_tokens = connect(provider, UK_REALM)
    uk = {t.name: t for t in provider.tax_rates(ApiContext(uk_tokens.access_token, UK_REALM))}
    assert uk["20.0% S"].rate == Decimal("20") and uk["20.0% S"].for_purchases
    assert uk["0.0% Z"].rate == 0 and uk["Exempt"].active
    assert uk["17.5% S"].active is False


def test_contacts_paged_searched_read_and_created(provider, ctx, monkeypatch):
    monkeypatch.setattr(provider, "page_size", 2)
    seen, cursor = [], None
    while True:
        page = provider.contacts(ctx, cursor)
        seen += page.contacts
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [c.name for c in seen] == ["Bluebird Cafe", "Cool Cars Inc", "Old Client LLC",
                                      "Paper Supply Co", "City Power & Light"]
    assert [c.active for c in seen][2] is False and seen[3].is_supplier
    assert [c.id for c in provider.search_contacts(ctx, "power")] == ["vendor:20"]
    assert provider.get_contact(ctx, BLUEBIRD).email == "accounts@bluebirdcafe.example"
    assert provider.get_contact(ctx, "customer:999") is None
    created = provider.create_contact(ctx, NewContact(
        name="O'Brien Plumbing", kind="supplier", email="ap@obrien.example", city="Boston",
        address_lines=["1 Main St"], postcode="02101", country="US", vat_number="12-345"))
    assert created.is_supplier and created.id.startswith("vendor:")
    assert [c.id for c in provider.search_contacts(ctx, "o'brien")] == [created.id]


def test_duplicate_contact_name_is_translated(provider, ctx):
    with pytest.raises(ProviderError) as caught:
        provider.create_contact(ctx, NewContact(name="Bluebird Cafe", kind="supplier"))
    assert caught.value.code == "duplicate_contact_name"
    assert "rename one, or link the existing one" in caught.value.message


def test_ensure_item_reuses_or_creates_a_service_item(provider, ctx, qbo_sandbox):
    existing = provider.ensure_item(ctx, SERVICES, "Sales - 4000")
    assert existing.name == "Services" and existing.income_account_id == SERVICES
    created = provider.ensure_item(ctx, PRODUCT_INCOME, "Sales - 4100")
    assert created.name == "Sales - 4100" and created.income_account_id == PRODUCT_INCOME
    assert provider.ensure_item(ctx, PRODUCT_INCOME, "Sales - 4100").id == created.id
    assert len(qbo_sandbox.tenants[US_REALM]["Item"]) == 2
    with pytest.raises(ProviderError) as caught:
        provider.ensure_item(ctx, JOB_EXPENSES, "Sales - 4100")  # the name is taken
    assert caught.value.code == "item_invalid" and "Sales - 4100" in caught.value.message


# --- pushing documents ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_push_each_kind_alone(provider, ctx, kind, sandbox):
    doc = document(1, kind, number="K-1", supplier_reference="" if kind.is_sales else "SUP-7")
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.CREATED, result
    assert result.remote_number == ("K-1" if kind.is_sales else "SUP-7")
    page = requests.get(result.url, timeout=10)
    assert page.status_code == 200 and result.remote_number in page.text
    back = provider.get_document(ctx, kind, result.remote_id)
    expected = Decimal("108") if kind.is_sales else Decimal("100")
    assert back.total == expected and back.number == result.remote_number
    assert back.reference.startswith("Ledgerlink K-1") and back.amount_paid == 0


def test_push_a_batch_of_all_four_kinds_in_one_call(provider, ctx, sandbox):
    docs = [document(i, kind) for i, kind in enumerate(DocumentKind, start=1)]
    before = len(recorded(sandbox))
    results = provider.push(ctx, docs)
    assert [r.status for r in results] == [PushStatus.CREATED] * 4
    assert [r.local_id for r in results] == [1, 2, 3, 4]
    calls = recorded(sandbox)[before:]
    assert [c["path"].rsplit("/", 1)[-1] for c in calls] == ["preferences", "query", "batch"]
    assert len(calls[-1]["query"]["requestid"]) <= 36


def test_duplicate_number_single_and_inside_a_batch(provider, ctx):
    assert provider.push(ctx, [document(1, number="DUP-1")])[0].status == PushStatus.CREATED
    [single] = provider.push(ctx, [document(2, number="DUP-1")])
    assert single.status == PushStatus.DUPLICATE and single.code == "duplicate_number"
    assert "DUP-1" in single.message
    batch = provider.push(ctx, [document(3, number="DUP-2"), document(4, number="DUP-1")])
    assert [r.status for r in batch] == [PushStatus.CREATED, PushStatus.DUPLICATE]


def test_numbering_by_quickbooks_when_custom_numbers_are_off(provider, sandbox):
    uk = connect(provider, UK_REALM)
    uk_ctx = ApiContext(uk.access_token, UK_REALM)
    assert provider.keeps_our_numbers(uk_ctx) is False  # the contract's flag for this case
    doc = document(1, number="OURS-1", contact="customer:25",
                   lines=[line(account="6", tax="15")], currency="GBP")
    [result] = provider.push(uk_ctx, [doc])
    assert result.status == PushStatus.CREATED and result.remote_number == "1001"
    sent = [c for c in recorded(sandbox) if c["path"].endswith("/invoice")][-1]["body"]
    assert "DocNumber" not in sent and "OURS-1" in sent["PrivateNote"]
    [dollars] = provider.push(uk_ctx, [document(2, contact="customer:25",
                                                lines=[line(account="6", tax="15")])])
    assert dollars.status == PushStatus.INVALID and "home currency GBP" in dollars.message


def test_invalid_documents_are_translated_and_long_numbers_never_sent(provider, ctx, sandbox):
    bad_account = document(1, DocumentKind.SUPPLIER_INVOICE,
                           lines=[line(account=OLD_ADVERTISING, tax=None, quantity="1")])
    [result] = provider.push(ctx, [bad_account])
    assert result.status == PushStatus.INVALID and result.code == "account_invalid"
    before = len(recorded(sandbox))
    [long] = provider.push(ctx, [document(2, number="N" * 22)])
    assert long.status == PushStatus.INVALID and "21 characters" in long.message
    assert len(recorded(sandbox)) == before
    [gone] = provider.push(ctx, [document(3, contact="customer:18")])
    assert gone.status == PushStatus.INVALID and gone.code == "contact_missing"


def test_attach_pdf(provider, ctx, qbo_sandbox, monkeypatch):
    [created] = provider.push(ctx, [document(1)])
    result = provider.attach_pdf(ctx, DocumentKind.SALES_INVOICE, created.remote_id, "S-1.pdf",
                                 b"%PDF-1.4 invoice")
    assert result.ok and result.supported
    [stored] = qbo_sandbox.tenants[US_REALM]["Attachable"].values()
    assert stored["AttachableRef"][0]["EntityRef"] == {"type": "Invoice",
                                                       "value": created.remote_id}
    monkeypatch.setattr(qbo_sandbox, "attachment_max_bytes", 4)
    too_big = provider.attach_pdf(ctx, DocumentKind.SALES_INVOICE, created.remote_id, "S-1.pdf",
                                  b"%PDF-1.4 invoice, second version")
    assert not too_big.ok and "limit" in too_big.message


# --- limits and faults ------------------------------------------------------------------------


def test_429_then_success(provider, ctx, qbo_sandbox):
    qbo_sandbox.faults.rate_limit_next = 1
    [limited] = provider.push(ctx, [document(1)])
    assert limited.status == PushStatus.RATE_LIMITED and limited.retry_after == 60
    [created] = provider.push(ctx, [document(1)])
    assert created.status == PushStatus.CREATED


def test_real_ten_a_second_limit_surfaces_as_rate_limited(provider, ctx, sandbox, qbo_sandbox,
                                                          monkeypatch):
    monkeypatch.setattr(qbo_sandbox, "limits", type(qbo_sandbox).limits)  # the published ones
    sandbox.state["clock"].factor = 0.01  # a one-second window lasts 100 s
    for _ in range(10):
        provider.accounts(ctx)
    with pytest.raises(ProviderError) as caught:
        provider.accounts(ctx)
    assert caught.value.code == "rate_limited" and caught.value.retry_after >= 1


def test_revoked_grant_means_reconnect(provider, tokens, ctx, qbo_sandbox):
    qbo_sandbox.faults.revoke_grants = True
    with pytest.raises(AuthError) as caught:
        provider.refresh(tokens)
    assert caught.value.code == "reconnect" and "reconnect" in caught.value.message
    [result] = provider.push(ctx, [document(1)])
    assert result.status == PushStatus.AUTH and result.code == "reconnect"


def test_subscription_and_disconnected_company(provider, ctx, qbo_sandbox):
    ctx.extra["qbo_custom_txn_numbers"] = True
    qbo_sandbox.faults.subscription_expired = True
    [lapsed] = provider.push(ctx, [document(1)])
    assert lapsed.status == PushStatus.AUTH and lapsed.code == "subscription"
    qbo_sandbox.faults.subscription_expired = False
    qbo_sandbox.faults.organisation_disconnected = True
    with pytest.raises(AuthError) as caught:
        provider.accounts(ctx)
    assert caught.value.code == "organisation_removed"


def test_server_errors_are_transient(provider, ctx, qbo_sandbox):
    provider.custom_numbers(ctx)
    qbo_sandbox.faults.errors_next = 1
    [result] = provider.push(ctx, [document(1)])
    assert result.status == PushStatus.TRANSIENT


def test_timeout_after_write_is_uncertain_then_found_and_replayed(provider, ctx, qbo_sandbox):
    provider.custom_numbers(ctx)
    provider.ensure_item(ctx, SERVICES, "Services")
    ctx.timeout = 0.5
    qbo_sandbox.faults.timeout_after_write_next, qbo_sandbox.faults.timeout_seconds = 1, 1.0
    doc = document(1, number="UNC-1", lines=[line(item="12")])
    [result] = provider.push(ctx, [doc])
    assert result.status == PushStatus.UNCERTAIN and result.code == "uncertain"
    found = provider.find_documents(ctx, DocumentKind.SALES_INVOICE, ["UNC-1", "NOPE"])
    assert list(found) == ["UNC-1"] and found["UNC-1"].total == Decimal("108")
    [again] = provider.push(ctx, [doc])  # same requestid: QuickBooks replays its first answer
    assert again.status == PushStatus.CREATED and again.remote_id == found["UNC-1"].remote_id
    assert len(qbo_sandbox.tenants[US_REALM]["Invoice"]) == 1



def test_uncertain_batch_is_replayed_not_duplicated(provider, ctx, qbo_sandbox):
    provider.custom_numbers(ctx)
    ctx.timeout = 0.5
    qbo_sandbox.faults.timeout_after_write_next, qbo_sandbox.faults.timeout_seconds = 1, 1.0
    docs = [document(1, number="BU-1", lines=[line(item="12")]),
            document(2, DocumentKind.SUPPLIER_INVOICE, number="BU-2")]
    assert {r.status for r in provider.push(ctx, docs)} == {PushStatus.UNCERTAIN}
    again = provider.push(ctx, docs)
    assert [r.status for r in again] == [PushStatus.CREATED] * 2
    tenant = qbo_sandbox.tenants[US_REALM]
    assert len(tenant["Invoice"]) == 1 and len(tenant["Bill"]) == 1
    assert again[0].remote_id in tenant["Invoice"] and again[1].remote_id in tenant["Bill"]

# --- what we send -----------------------------------------------------------------------------


def _exercise(provider, ctx):
    provider.create_contact(ctx, NewContact(name="Spec Co", kind="customer", email="a@b.example",
                                            phone="555", address_lines=["1 A St", "Unit 2"],
                                            city="Austin", postcode="73301", country="US",
                                            account_number="C-9"))
    provider.create_contact(ctx, NewContact(name="Spec Supplies", kind="supplier",
                                            vat_number="12-3"))
    provider.ensure_item(ctx, PRODUCT_INCOME, "Sales - 4100")
    for i, kind in enumerate(DocumentKind, start=1):
        provider.push(ctx, [document(i, kind, reference="PO 5", original_number="S-0")])
    provider.push(ctx, [document(10 + i, kind) for i, kind in enumerate(DocumentKind)])
    provider.attach_pdf(ctx, DocumentKind.SUPPLIER_CREDIT_NOTE, "1", "c.pdf", b"%PDF")


def test_every_request_body_fits_the_xsds(provider, ctx, sandbox):
    _exercise(provider, ctx)
    calls = recorded(sandbox)
    checked = 0
    for call in calls:
        assert call["query"]["minorversion"] == "75"
        assert call["headers"]["Accept"] == "application/json"
        resource = call["path"].rsplit("/", 1)[-1]
        if call["method"] != "POST":
            continue
        if resource == "batch":
            problems = batch_request_problems(call["body"])
        elif resource == "upload":
            problems = entity_problems("Attachable", call["body"]["file_metadata_01"])
        else:
            entity = {"customer": "Customer", "vendor": "Vendor", "item": "Item",
                      "invoice": "Invoice", "creditmemo": "CreditMemo", "bill": "Bill",
                      "vendorcredit": "VendorCredit"}[resource]
            problems = entity_problems(entity, call["body"])
        assert problems == [], (resource, problems)
        assert call["query"]["requestid"]
        checked += 1
    assert checked == 9  # 2 contacts, 1 item, 4 single documents, 1 batch, 1 upload


def test_the_request_checker_catches_a_wrong_name():
    assert entity_problems("Invoice", {"CustomerRef": {"value": "1"}, "Lines": []}) == \
        ["$.Lines: not an element of Invoice"]
    assert batch_request_problems({"BatchItemRequest": [{"bId": "1", "Invoice": {"X": 1}}]})


def test_api_calls_per_pushed_document(provider, ctx, sandbox):
    def calls_for(docs):
        before = len(recorded(sandbox))
        assert {r.status for r in provider.push(ctx, docs)} == {PushStatus.CREATED}
        return len(recorded(sandbox)) - before

    assert calls_for([document(1)]) == 3  # cold: preference + item lookup + the invoice
    assert calls_for([document(2)]) == 1  # warm (same context): one POST per document
    thirty = [document(100 + i, kind=list(DocumentKind)[i % 4]) for i in range(30)]
    assert calls_for(thirty) == 1  # a full batch: 1/30 of a call per document
    assert calls_for([document(200, DocumentKind.SUPPLIER_INVOICE)]) == 1


@pytest.mark.parametrize(("fault", "status", "code", "auth"), [
    ({"Error": [{"code": "6140", "Detail": "DocNumber=9 is assigned"}]}, 400, "duplicate_number",
     False),
    ({"Error": [{"code": "6240", "Detail": "The name supplied already exists."}]}, 400,
     "duplicate_contact_name", False),
    ({"Error": [{"code": "5010", "Detail": "Stale Object Error"}]}, 400, "stale_object", False),
    ({"Error": [{"code": "610", "Detail": "made inactive", "element": "ItemRef"}]}, 400,
     "item_invalid", False),
    ({"Error": [{"code": "2500", "Detail": "Invalid Reference Id : Accounts element id 7 not "
                 "found"}]}, 400, "account_invalid", False),
    ({"Error": [{"code": "2500", "Detail": "Invalid Reference Id : TaxCode element id 9"}]}, 400,
     "tax_invalid", False),
    ({"Error": [{"code": "6210", "Detail": "Account Period Closed"}]}, 400, "period_closed",
     False),
    ({"Error": [{"code": "6190", "Detail": "Subscription period has ended"}]}, 400,
     "subscription", True),
    ({"Error": [{"code": "120", "Detail": "AuthorizationFailure"}]}, 403, "organisation_removed",
     True),
    ({"error": [{"message": "message=AuthenticationFailed", "code": "3200"}]}, 401, "reconnect",
     True),
    (None, 403, "forbidden", True),
    ({"Error": [{"code": "6000", "Detail": "Business Validation Error: odd"}]}, 400, "validation",
     False),
])
def test_fault_translation(fault, status, code, auth):
    from providers.qbo.api import translate

    error = translate(fault, status)
    assert error.code == code and isinstance(error, AuthError) is auth
    assert error.message and "Traceback" not in error.message
