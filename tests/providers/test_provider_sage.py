"""The Sage Accounting provider client against the sandbox over real HTTP."""

import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
import requests
from helpers.sage import REDIRECT_URI
from helpers.sage import drive_consent
from helpers.sage import parse_form
from helpers.sage import validate_request

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
from providers.sage import SageProvider


def _provider(sandbox, **options):
    return REGISTRY["sage"](ProviderSettings(sandbox_url=sandbox.url,
                                             redirect_uri=REDIRECT_URI, options=options))


def _connect(sandbox, provider, business="Demo Trading Ltd"):
    auth = provider.authorization_request()
    callback = drive_consent(auth.url, businesses=["Demo Trading Ltd", "Demo Services Ltd"])
    tokens = provider.exchange_code(callback, auth)
    orgs = {o.name: o for o in provider.organisations(tokens)}
    return tokens, ApiContext(tokens.access_token, orgs[business].id, timeout=5)


@pytest.fixture
def sage(sandbox):
    """(provider, tokens, ctx) connected to Demo Trading Ltd."""
    provider = _provider(sandbox)
    tokens, ctx = _connect(sandbox, provider)
    return provider, tokens, ctx


def _faults(sandbox, **values):
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": "sage", **values},
                  timeout=10).raise_for_status()


def _recorded(sandbox):
    return requests.get(f"{sandbox.url}/_control/requests", params={"provider": "sage"},
                        timeout=10).json()


def _document(provider, ctx, kind, number, **extra):
    accounts = {a.code: a for a in provider.accounts(ctx)}
    sales = kind.is_sales
    contact = next(c for c in provider.contacts(ctx).contacts
                   if (c.is_customer if sales else c.is_supplier))
    account = accounts["4000" if sales else "7100"]
    line = OutgoingLine("Consulting", Decimal("2"), Decimal("50.00"), Decimal("100.00"),
                        Decimal("20.00"), account.id, account.code, "GB_STANDARD")
    values = dict(local_id=hash(number) % 10000, kind=kind, number=number,
                  contact_id=contact.id, issue_date=date(2025, 1, 31),
                  due_date=date(2025, 2, 28), currency="GBP", lines=[line],
                  net_total=Decimal("100.00"), tax_total=Decimal("20.00"),
                  gross_total=Decimal("120.00"), idempotency_key=uuid.uuid4().hex)
    values.update(extra)
    return OutgoingDocument(**values)


def test_sandbox_client_is_explicit_and_real_settings_are_required(sandbox):
    provider = SageProvider(ProviderSettings(sandbox_url=sandbox.url))
    assert provider.settings.client_id == "sandbox-sage-client"
    assert provider.settings.client_secret == "sandbox-sage-secret"
    assert provider.is_sandbox and provider.missing_settings() == []
    assert provider.endpoint("api:/v3.1/contacts") == f"{sandbox.url}/sage/api/v3.1/contacts"
    real = SageProvider(ProviderSettings())
    assert real.missing_settings() == ["SAGE_CLIENT_ID", "SAGE_CLIENT_SECRET",
                                       "SAGE_REDIRECT_URI"]
    assert real.endpoint("api:/v3.1/contacts") == "https://api.accounting.sage.com/v3.1/contacts"
    assert real.endpoint(real.oauth.token) == "https://oauth.accounting.sage.com/token"


def test_connect_country_step_pkce_tokens_and_businesses(sandbox):
    provider = _provider(sandbox)
    auth = provider.authorization_request()
    assert "filter=apiv3.1" in auth.url and "code_challenge=" in auth.url
    assert auth.code_verifier and auth.state in auth.url
    first = requests.get(auth.url, timeout=10)
    assert parse_form(first.text)["method"] == "get"  # the country page comes first
    callback = drive_consent(auth.url, country="gb", businesses=["Demo Services Ltd"])
    tokens = provider.exchange_code(callback, auth)
    assert 250 < tokens.expires_at - time.time() <= 301  # 5-minute access tokens
    assert 30 * 86400 < tokens.refresh_expires_at - time.time() <= 31 * 86400
    assert tokens.extra == {"country": "GB"} and tokens.scope == "full_access"
    orgs = provider.organisations(tokens)
    assert [(o.name, o.extra["country"]) for o in orgs] == [("Demo Services Ltd", "GB")]
    fresh = provider.refresh(tokens)
    assert fresh.refresh_token != tokens.refresh_token
    with pytest.raises(AuthError) as used:
        provider.refresh(tokens)  # single use: the old refresh token is spent
    assert used.value.code == "reconnect"


def test_country_option_skips_the_country_page_and_cancel_is_reported(sandbox):
    provider = _provider(sandbox, country="gb")
    auth = provider.authorization_request()
    assert "country=gb" in auth.url
    assert parse_form(requests.get(auth.url, timeout=10).text)["method"] == "post"
    with pytest.raises(ConsentDenied) as denied:
        provider.exchange_code(drive_consent(auth.url, decision="deny"), auth)
    assert denied.value.code == "cancelled"


def test_lists_accounts_tax_rates_and_contacts(sage):
    provider, _, ctx = sage
    accounts = {a.code: a for a in provider.accounts(ctx)}
    assert accounts["4000"].type == AccountType.INCOME and accounts["4000"].active
    assert accounts["4000"].tax_rate_id == "GB_STANDARD"
    assert not accounts["4020"].active  # taken out of the chart
    assert accounts["5000"].type == AccountType.COST_OF_SALES
    assert accounts["7100"].type == AccountType.EXPENSE
    assert accounts["1200"].type == AccountType.BANK
    assert "1100" not in accounts  # control accounts cannot take lines
    rates = {r.id: r for r in provider.tax_rates(ctx)}
    assert rates["GB_STANDARD"].rate == Decimal("20.0") and rates["GB_LOWER"].rate == 5
    page = provider.contacts(ctx)
    assert len(page.contacts) == 4 and page.next_cursor is None
    acme = provider.search_contacts(ctx, "acme")
    assert [c.name for c in acme] == ["Acme Trading Ltd"] and acme[0].is_customer
    assert provider.get_contact(ctx, acme[0].id).account_number == "ACME001"
    assert provider.get_contact(ctx, "0" * 32) is None


def test_create_contact_and_reference_clash(sage):
    provider, _, ctx = sage
    new = NewContact("Fresh Supplies Ltd", "supplier", email="ap@fresh.example",
                     address_lines=["1 Mill Lane"], city="York", postcode="YO1 1AA",
                     country="gb", vat_number="GB123456789", account_number="FRESH01")
    made = provider.create_contact(ctx, new)
    assert made.is_supplier and not made.is_customer and made.account_number == "FRESH01"
    assert provider.create_contact(ctx, new).id == made.id  # a retry replays, no twin
    assert [c.id for c in provider.search_contacts(ctx, "Fresh Supplies")] == [made.id]
    with pytest.raises(ProviderError) as clash:
        provider.create_contact(ctx, NewContact("Other Ltd", "customer",
                                                account_number="FRESH01"))
    assert clash.value.code == "duplicate_contact_reference"
    assert "reference" in clash.value.message


def test_push_each_kind_then_read_back_and_find(sandbox, sage):
    provider, _, ctx = sage
    docs = [_document(provider, ctx, DocumentKind.SALES_INVOICE, "INV-100"),
            _document(provider, ctx, DocumentKind.SALES_CREDIT_NOTE, "CN-100"),
            _document(provider, ctx, DocumentKind.SUPPLIER_INVOICE, "PI-100",
                      supplier_reference="SUP-77"),
            _document(provider, ctx, DocumentKind.SUPPLIER_CREDIT_NOTE, "PC-100",
                      supplier_reference="SUP-CN-3")]
    results = provider.push(ctx, docs)
    assert [r.status for r in results] == [PushStatus.CREATED] * 4
    assert [r.local_id for r in results] == [d.local_id for d in docs]
    assert [r.remote_number for r in results] == ["SI-1", "SCN-1", "SUP-77", "SUP-CN-3"]
    assert all(r.url.startswith(f"{sandbox.url}/sage/app/") for r in results)
    assert requests.get(results[0].url, timeout=10).status_code == 200
    for doc, result in zip(docs, results, strict=True):
        remote = provider.get_document(ctx, doc.kind, result.remote_id)
        assert (remote.total, remote.tax_total, remote.reference) == (
            Decimal("120.0"), Decimal("20.0"), doc.number)
        assert remote.status == "UNPAID" and remote.amount_paid == 0
        found = provider.find_documents(ctx, doc.kind, [doc.number, "NOPE"])
        assert list(found) == [doc.number] and found[doc.number].remote_id == result.remote_id
    assert provider.get_document(ctx, DocumentKind.SALES_INVOICE, "0" * 32) is None


def test_duplicate_numbers_are_reported_not_created_twice(sandbox, sage):
    provider, _, ctx = sage
    first = provider.push(ctx, [_document(provider, ctx, DocumentKind.SALES_INVOICE, "D-1")])
    again = provider.push(ctx, [_document(provider, ctx, DocumentKind.SALES_INVOICE, "D-1")])
    assert again[0].status == PushStatus.DUPLICATE and again[0].code == "duplicate_number"
    assert again[0].remote_id == first[0].remote_id and "D-1" in again[0].message
    bill = _document(provider, ctx, DocumentKind.SUPPLIER_INVOICE, "B-1",
                     supplier_reference="SUP-1")
    twin = _document(provider, ctx, DocumentKind.SUPPLIER_INVOICE, "B-2",
                     supplier_reference="SUP-1")
    results = provider.push(ctx, [bill, twin])  # Sage's own 422 on the supplier's number
    assert [r.status for r in results] == [PushStatus.CREATED, PushStatus.DUPLICATE]
    assert "vendor_reference" in results[1].message
    state = requests.get(f"{sandbox.url}/_control/state", params={"provider": "sage"},
                         timeout=10).json()
    assert state["tenants"][ctx.organisation_id]["duplicate_numbers"] == []


def test_timeout_after_write_is_uncertain_and_then_found(sandbox, sage):
    provider, _, ctx = sage
    ctx.timeout = 0.5
    _faults(sandbox, timeout_after_write_next=1, timeout_seconds=1.5)
    doc = _document(provider, ctx, DocumentKind.SALES_INVOICE, "U-1")
    result = provider.push(ctx, [doc])[0]
    assert result.status == PushStatus.UNCERTAIN and result.code == "uncertain"
    found = provider.find_documents(ctx, doc.kind, ["U-1"])
    assert found["U-1"].number == "SI-1"


def test_attachments_where_sage_takes_them(sandbox, sage):
    provider, _, ctx = sage
    bill, sale = provider.push(ctx, [
        _document(provider, ctx, DocumentKind.SUPPLIER_INVOICE, "A-1", supplier_reference="S"),
        _document(provider, ctx, DocumentKind.SALES_INVOICE, "A-2")])
    pdf = b"%PDF-1.4\n" + b"0" * 1000
    ok = provider.attach_pdf(ctx, DocumentKind.SUPPLIER_INVOICE, bill.remote_id, "A-1.pdf", pdf)
    assert ok.ok and ok.supported
    calls = len(_recorded(sandbox))
    skipped = provider.attach_pdf(ctx, DocumentKind.SALES_INVOICE, sale.remote_id, "A-2.pdf", pdf)
    assert not skipped.ok and not skipped.supported and "without its PDF" in skipped.message
    big = provider.attach_pdf(ctx, DocumentKind.SUPPLIER_INVOICE, bill.remote_id, "big.pdf",
                              b"0" * 2_621_441)
    assert not big.ok and big.supported and "2.5 MB" in big.message
    assert len(_recorded(sandbox)) == calls  # neither reached Sage


def test_rate_limited_then_success(sandbox, sage):
    provider, _, ctx = sage
    docs = [_document(provider, ctx, DocumentKind.SALES_INVOICE, f"R-{n}") for n in range(3)]
    _faults(sandbox, rate_limit_next=1)
    calls = len(_recorded(sandbox))
    limited = provider.push(ctx, docs)
    assert [r.status for r in limited] == [PushStatus.RATE_LIMITED] * 3
    assert limited[0].retry_after == 1.0 and limited[2].local_id == docs[2].local_id
    assert len(_recorded(sandbox)) == calls + 1  # the rest of the batch was not attempted
    assert [r.status for r in provider.push(ctx, docs)] == [PushStatus.CREATED] * 3


def test_revoked_grant_means_reconnect(sandbox, sage):
    provider, tokens, ctx = sage
    _faults(sandbox, revoke_grants=True)
    with pytest.raises(AuthError) as refresh:
        provider.refresh(tokens)
    assert refresh.value.code == "reconnect" and "reconnect" in refresh.value.message
    result = provider.push(ctx, [_bare(ctx)])[0]
    assert result.status == PushStatus.AUTH and result.code == "reconnect"


def _bare(ctx):
    line = OutgoingLine("x", Decimal(1), Decimal(1), Decimal(1), Decimal(0), "a" * 32)
    return OutgoingDocument(1, DocumentKind.SALES_INVOICE, "X-1", "b" * 32, date(2025, 1, 1),
                            None, "GBP", [line], Decimal(1), Decimal(0), Decimal(1))


@pytest.mark.parametrize(("fault", "code"), [("subscription_expired", "subscription"),
                                             ("organisation_disconnected",
                                              "organisation_removed")])
def test_lapsed_subscription_and_removed_business(sandbox, sage, fault, code):
    provider, _, ctx = sage
    _faults(sandbox, **{fault: True})
    with pytest.raises(AuthError) as error:
        provider.accounts(ctx)
    assert error.value.code == code


def test_invalid_and_transient_results_are_translated(sandbox, sage):
    provider, _, ctx = sage
    expense = next(a for a in provider.accounts(ctx) if a.code == "7100")
    doc = _document(provider, ctx, DocumentKind.SALES_INVOICE, "V-1")
    doc.lines[0].account_id = expense.id
    invalid = provider.push(ctx, [doc])[0]
    assert invalid.status == PushStatus.INVALID and invalid.code == "account_invalid"
    assert "account mapping" in invalid.message
    other = _document(provider, ctx, DocumentKind.SALES_INVOICE, "V-2")
    _faults(sandbox, errors_next=1)
    transient = provider.push(ctx, [other])
    assert transient[0].status == PushStatus.TRANSIENT


def test_disconnect_revokes_the_grant(sandbox, sage):
    provider, tokens, _ = sage
    provider.revoke(tokens)
    with pytest.raises(AuthError):
        provider.refresh(tokens)


def test_request_bodies_match_the_spec_and_calls_per_document(sandbox, sage):
    provider, _, ctx = sage
    provider.create_contact(ctx, NewContact("Spec Co", "customer", email="a@spec.example",
                                            phone="0113 000", address_lines=["1 Road"],
                                            city="Leeds", postcode="LS1", country="GB"))
    kinds = [(DocumentKind.SALES_INVOICE, {}), (DocumentKind.SALES_CREDIT_NOTE, {}),
             (DocumentKind.SUPPLIER_INVOICE, {"supplier_reference": "SP-1"}),
             (DocumentKind.SUPPLIER_CREDIT_NOTE, {"supplier_reference": "SP-2"})]
    batch = [_document(provider, ctx, kind, f"B-{n}", **extra)
             for n, (kind, extra) in enumerate(kinds)]
    single = _document(provider, ctx, DocumentKind.SALES_INVOICE, "ONE-1")
    before = len(_recorded(sandbox))
    results = provider.push(ctx, batch)
    after_batch = len(_recorded(sandbox))
    provider.push(ctx, [single])
    after_single = len(_recorded(sandbox))
    provider.attach_pdf(ctx, DocumentKind.SUPPLIER_INVOICE, results[2].remote_id, "b.pdf",
                        b"%PDF-1.4")
    recorded = _recorded(sandbox)
    checked = {validate_request(r["method"], r["path"], r["body"])
               for r in recorded if r["method"] in ("POST", "PUT")}
    assert checked == {"postContacts", "postSalesInvoices", "postSalesCreditNotes",
                       "postPurchaseInvoices", "postPurchaseCreditNotes", "postAttachments"}
    assert all(r["headers"].get("X-Business") == ctx.organisation_id for r in recorded
               if not r["path"].endswith("/businesses"))
    per_doc_batch = (after_batch - before) / len(batch)
    per_doc_single = after_single - after_batch
    print(f"Sage API calls per pushed document: batch {per_doc_batch}, single {per_doc_single}")
    assert per_doc_batch == 2 and per_doc_single == 2  # search by reference, then POST
