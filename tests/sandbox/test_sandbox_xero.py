"""The Xero sandbox over real HTTP: OAuth, tenants, limits, idempotency, numbering, faults, and
every JSON body it returns validated against Xero's own OpenAPI files.

The refresh race, revoke, the minute limit and fault injection are in test_sandbox_core.py."""

import base64
import threading
import time
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlparse

import pytest
import requests
from helpers.xero import REDIRECT_URI
from helpers.xero import consent
from helpers.xero import validate_response

from sandbox.core import Limits

CLIENT, SECRET = "sandbox-xero-client", "sandbox-xero-secret"
SCOPES = "offline_access accounting.settings.read accounting.contacts accounting.invoices " \
         "accounting.attachments"
BASIC = {"Authorization": "Basic " + base64.b64encode(f"{CLIENT}:{SECRET}".encode()).decode()}


def authorize_url(sandbox, scope=SCOPES, state="st-1"):
    """The sandbox's Xero authorize URL for the default client."""
    query = urlencode({"response_type": "code", "client_id": CLIENT, "redirect_uri": REDIRECT_URI,
                       "scope": scope, "state": state})
    return f"{sandbox.url}/xero/login/identity/connect/authorize?{query}"


def token_request(sandbox, headers=BASIC, **form):
    """POST to the token endpoint."""
    return requests.post(f"{sandbox.url}/xero/identity/connect/token", data=form,
                         headers=headers, timeout=10)


def sign_in(sandbox, scope=SCOPES, choose=None):
    """Consent over HTTP and trade the code; return the token response."""
    callback = consent(authorize_url(sandbox, scope), choose)
    code = parse_qs(urlparse(callback).query)["code"][0]
    answer = token_request(sandbox, grant_type="authorization_code", code=code,
                           redirect_uri=REDIRECT_URI)
    assert answer.status_code == 200, answer.text
    return answer.json()


class Api:
    """Calls to the sandbox's Xero API with a token and a tenant."""

    def __init__(self, sandbox, token, tenant=None):
        self.sandbox, self.token = sandbox, token
        self.tenant = tenant or self.connections().json()[0]["tenantId"]

    def connections(self):
        """GET /connections."""
        return requests.get(f"{self.sandbox.url}/xero/api/connections", timeout=10,
                            headers={"Authorization": f"Bearer {self.token['access_token']}"})

    def __call__(self, method, path, tenant=True, headers=None, **kwargs):
        sent = {"Authorization": f"Bearer {self.token['access_token']}",
                "Accept": "application/json"}
        if tenant:
            sent["xero-tenant-id"] = self.tenant
        sent.update(headers or {})
        return requests.request(method, f"{self.sandbox.url}/xero/accounting{path}",
                                headers=sent, timeout=10, **kwargs)


@pytest.fixture
def box(sandbox):
    """The in-process Xero sandbox object."""
    return sandbox.state["providers"]["xero"]


@pytest.fixture
def api(sandbox):
    """A signed-in API client on the first demo tenant."""
    return Api(sandbox, sign_in(sandbox))


def contact_id(api, name="Bayside Club"):
    """A seeded contact's id."""
    return api("GET", "/Contacts", params={"searchTerm": name}).json()["Contacts"][0]["ContactID"]


def invoice(cid, number=None, kind="ACCREC", account="200", tax="OUTPUT2", **extra):
    """A minimal Invoice element."""
    element = {"Type": kind, "Contact": {"ContactID": cid}, "Date": "2026-07-01",
               "DueDate": "2026-07-31", "Status": "AUTHORISED", "LineAmountTypes": "Exclusive",
               "LineItems": [{"Description": "Work", "Quantity": 1, "UnitAmount": 100,
                              "AccountCode": account, "TaxType": tax}]}
    if number:
        element["InvoiceNumber"] = number
    element.update(extra)
    return element


def put_invoices(api, *elements, summarize=False, key=None):
    """PUT /Invoices with per-item results."""
    headers = {"Idempotency-Key": key} if key else {}
    params = {} if summarize else {"summarizeErrors": "false"}
    return api("PUT", "/Invoices", params=params, json={"Invoices": list(elements)},
               headers=headers)


def test_oauth_happy_path_with_two_tenants_and_connections(sandbox):
    token = sign_in(sandbox)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 1800
    assert token["refresh_token"] and token["scope"] == SCOPES
    api = Api(sandbox, token)
    connections = api.connections().json()
    assert len(connections) == 2
    for connection in connections:
        assert connection["id"] != connection["tenantId"]
        assert connection["tenantType"] == "ORGANISATION"
    for connection in connections:
        api.tenant = connection["tenantId"]
        org = api("GET", "/Organisation").json()["Organisations"][0]
        assert org["OrganisationID"] == connection["tenantId"]


def test_token_endpoint_needs_basic_client_authentication(sandbox):
    callback = consent(authorize_url(sandbox))
    code = parse_qs(urlparse(callback).query)["code"][0]
    answer = token_request(sandbox, headers={}, grant_type="authorization_code", code=code,
                           redirect_uri=REDIRECT_URI, client_id=CLIENT, client_secret=SECRET)
    assert answer.status_code == 400 and answer.json() == {"error": "invalid_client"}


def test_cancel_redirects_with_access_denied(sandbox):
    callback = consent(authorize_url(sandbox, state="s-9"), decision="deny")
    params = parse_qs(urlparse(callback).query)
    assert params["error"] == ["access_denied"] and params["state"] == ["s-9"]
    assert "code" not in params


def test_unknown_scope_is_refused_and_scopes_are_additive(sandbox):
    refused = requests.get(authorize_url(sandbox, scope="offline_access accounting.everything"),
                           allow_redirects=False, timeout=10)
    assert parse_qs(urlparse(refused.headers["Location"]).query)["error"] == ["invalid_scope"]
    sign_in(sandbox, scope="offline_access accounting.settings.read accounting.transactions")
    later = sign_in(sandbox, scope="offline_access accounting.contacts")
    assert set(later["scope"].split()) == {"offline_access", "accounting.contacts",
                                           "accounting.settings.read", "accounting.transactions"}




def test_expired_token_is_401_and_wrong_tenant_403(sandbox, api):
    other = Api(sandbox, sign_in(sandbox, choose=[1]))
    api.tenant = other.tenant
    wrong = api("GET", "/Accounts")
    assert wrong.status_code == 200  # the first grant reached both tenants
    api.tenant = "00000000-0000-0000-0000-000000000000"
    wrong = api("GET", "/Accounts")
    assert wrong.status_code == 403 and wrong.json()["Detail"] == "AuthenticationUnsuccessful"
    assert api("GET", "/Accounts", tenant=False).status_code == 403
    sandbox.state["clock"].advance(1801)
    expired = other("GET", "/Accounts")
    assert expired.status_code == 401
    assert expired.json()["Title"] == "Unauthorized"
    assert expired.json()["Detail"].startswith("TokenExpired")


def test_missing_scope_is_403(sandbox):
    api = Api(sandbox, sign_in(sandbox, scope="offline_access accounting.settings.read"))
    assert api("GET", "/Accounts").status_code == 200
    assert api("GET", "/Contacts").status_code == 403


def test_minute_limit_gives_429_with_retry_after_and_headers(api):
    seen = []
    for _ in range(60):
        answer = api("GET", "/TaxRates")
        assert answer.status_code == 200
        seen.append(int(answer.headers["X-MinLimit-Remaining"]))
    assert seen[0] == 59 and seen[-1] == 0
    assert int(answer.headers["X-DayLimit-Remaining"]) == 4940
    # the app-wide minute also counted the fixture's GET /connections
    assert int(answer.headers["X-AppMinLimit-Remaining"]) == 9939
    limited = api("GET", "/TaxRates")
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60


def test_limits_are_per_tenant_and_daily(sandbox, api, box, monkeypatch):
    monkeypatch.setattr(box, "limits", Limits(per_minute=60, per_day=2, concurrent=5))
    assert api("GET", "/TaxRates").status_code == 200
    assert api("GET", "/TaxRates").status_code == 200
    limited = api("GET", "/TaxRates")
    assert limited.status_code == 429 and limited.headers["X-Rate-Limit-Problem"] == "day"
    api.tenant = api.connections().json()[1]["tenantId"]
    assert api("GET", "/TaxRates").status_code == 200


def test_five_concurrent_calls_per_tenant(sandbox, api, box):
    box.faults.timeout_after_write_next, box.faults.timeout_seconds = 5, 2.0
    cid = contact_id(api)
    threads = [threading.Thread(target=put_invoices, args=(api, invoice(cid, f"C-{i}")))
               for i in range(5)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 1.5
    while box.limiter.in_flight.get(api.tenant, 0) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until all five are held inside the sandbox
    limited = api("GET", "/TaxRates")
    for thread in threads:
        thread.join()
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert api("GET", "/TaxRates").status_code == 200


def test_idempotency_key_replays_for_six_minutes(sandbox, api, box):
    cid = contact_id(api)
    first = put_invoices(api, invoice(cid, "ID-1"), key="k-1")
    again = put_invoices(api, invoice(cid, "ID-1"), key="k-1")
    assert first.json()["Invoices"][0]["InvoiceID"] == again.json()["Invoices"][0]["InvoiceID"]
    assert again.json()["Invoices"][0]["StatusAttributeString"] == "OK"
    tenant = box.tenants[api.tenant]
    assert len(tenant["invoices"]) == 1
    clash = put_invoices(api, invoice(cid, "ID-2"), key="k-1")
    assert clash.status_code == 400 and len(tenant["invoices"]) == 1
    sandbox.state["clock"].advance(361)
    late = put_invoices(api, invoice(cid, "ID-1"), key="k-1")
    assert late.json()["Invoices"][0]["ValidationErrors"] == [
        {"Message": "Invoice # must be unique."}]


def test_accrec_numbers_unique_accpay_not(sandbox, api, box):
    cid = contact_id(api)
    put_invoices(api, invoice(cid, "INV-9"))
    per_item = put_invoices(api, invoice(cid, "INV-9"), invoice(cid, "INV-10"))
    assert per_item.status_code == 200
    bad, good = per_item.json()["Invoices"]
    assert bad["HasErrors"] is True and bad["StatusAttributeString"] == "ERROR"
    assert bad["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    assert good["StatusAttributeString"] == "OK" and good["InvoiceNumber"] == "INV-10"
    summarized = put_invoices(api, invoice(cid, "INV-9"), summarize=True)
    assert summarized.status_code == 400
    body = summarized.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert body["Elements"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    bills = put_invoices(api, *[invoice(cid, "SUP-1", "ACCPAY", "429", "INPUT2")] * 2)
    assert [b["StatusAttributeString"] for b in bills.json()["Invoices"]] == ["OK", "OK"]
    state = requests.get(f"{sandbox.url}/_control/state", timeout=10,
                         params={"provider": "xero", "tenant": api.tenant}).json()
    assert state["tenants"][api.tenant]["duplicate_numbers"] == []
    box.tenants[api.tenant]["invoices"]["forced"] = dict(good, InvoiceID="forced")
    assert box.summary(api.tenant)[api.tenant]["duplicate_numbers"] == ["INV-10"]


def test_batch_is_not_atomic_without_summarize_errors(api, box):
    cid = contact_id(api)
    answer = put_invoices(api, invoice(cid, "B-1"), invoice(cid, "B-2", account="480"),
                          invoice(cid, "B-3"), summarize=True)
    assert answer.status_code == 400
    failed = answer.json()["Elements"]
    assert len(failed) == 1 and "archived" in failed[0]["ValidationErrors"][0]["Message"]
    numbers = {d["InvoiceNumber"] for d in box.tenants[api.tenant]["invoices"].values()}
    assert numbers == {"B-1", "B-3"}


def test_numbering_by_xero_and_settings(sandbox, api):
    cid = contact_id(api)
    auto = put_invoices(api, invoice(cid)).json()["Invoices"][0]
    assert auto["InvoiceNumber"] == "INV-0001"
    requests.post(f"{sandbox.url}/xero/_control/settings", timeout=10,
                  json={"tenant": api.tenant, "invoice_prefix": "LL-", "invoice_next": 500})
    assert put_invoices(api, invoice(cid)).json()["Invoices"][0]["InvoiceNumber"] == "LL-0500"
    bill = put_invoices(api, invoice(cid, kind="ACCPAY", account="429", tax="INPUT2"))
    assert bill.json()["Invoices"][0]["InvoiceNumber"] == ""
    credit = api("PUT", "/CreditNotes", params={"summarizeErrors": "false"},
                 json={"CreditNotes": [dict(invoice(cid), Type="ACCRECCREDIT")]})
    assert credit.json()["CreditNotes"][0]["CreditNoteNumber"] == "CN-0001"


def test_tax_is_rounded_per_line_and_dates_are_ms(api):
    cid = contact_id(api)
    lines = [{"Description": f"Part {i}", "Quantity": 1, "UnitAmount": 0.13,
              "AccountCode": "200", "TaxType": "OUTPUT2"} for i in range(3)]
    created = put_invoices(api, invoice(cid, "R-1", LineItems=lines)).json()["Invoices"][0]
    assert [line["TaxAmount"] for line in created["LineItems"]] == [0.03, 0.03, 0.03]
    assert (created["SubTotal"], created["TotalTax"], created["Total"]) == (0.39, 0.09, 0.48)
    assert created["Date"] == "/Date(1782864000000+0000)/"
    override = [dict(lines[0], TaxAmount=0.02)]
    adjusted = put_invoices(api, invoice(cid, "R-2", LineItems=override)).json()["Invoices"][0]
    assert adjusted["TotalTax"] == 0.02


def test_contact_names_unique_among_active_contacts(api, box):
    duplicate = api("PUT", "/Contacts", params={"summarizeErrors": "false"},
                    json={"Contacts": [{"Name": "bayside club"}]}).json()["Contacts"][0]
    assert duplicate["HasValidationErrors"] is True
    assert duplicate["ValidationErrors"][0]["Message"] == (
        "The contact name bayside club is already assigned to another contact. The contact "
        "name must be unique across all active contacts.")
    box.tenants[api.tenant]["contacts"][contact_id(api)]["ContactStatus"] = "ARCHIVED"
    again = api("PUT", "/Contacts", json={"Contacts": [{"Name": "Bayside Club"}]})
    assert again.status_code == 200
    paged = api("GET", "/Contacts", params={"page": 2, "pageSize": 2}).json()
    assert paged["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 2, "itemCount": 4}
    assert len(paged["Contacts"]) == 2
    archived = api("GET", "/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    assert len(archived) == 5


def test_attachments_limits_and_targets(api, box, monkeypatch):
    cid = contact_id(api)
    doc = put_invoices(api, invoice(cid, "A-1")).json()["Invoices"][0]
    path = f"/Invoices/{doc['InvoiceID']}/Attachments"
    pdf = {"Content-Type": "application/pdf"}
    made = api("PUT", path + "/a.pdf", params={"IncludeOnline": "true"}, data=b"%PDF-1",
               headers=pdf).json()["Attachments"][0]
    assert (made["FileName"], made["ContentLength"], made["IncludeOnline"]) == ("a.pdf", 6, True)
    assert api("GET", path + "/a.pdf").content == b"%PDF-1"
    monkeypatch.setattr(box, "max_attachment_bytes", 10)
    assert api("PUT", path + "/big.pdf", data=b"x" * 11, headers=pdf).status_code == 413
    for i in range(9):
        assert api("PUT", path + f"/{i}.pdf", data=b"%PDF", headers=pdf).status_code == 200
    assert api("PUT", path + "/11.pdf", data=b"%PDF", headers=pdf).status_code == 400
    assert len(api("GET", path).json()["Attachments"]) == 10
    unknown = api("PUT", "/Invoices/00000000-0000-0000-0000-000000000000/Attachments/a.pdf",
                  data=b"%PDF", headers=pdf)
    assert unknown.status_code == 404
    assert api("PUT", f"/Contacts/{cid}/Attachments/a.pdf", data=b"%PDF",
               headers=pdf).status_code in (404, 405)








def test_fault_subscription_and_disconnected_organisation(api, box):
    box.faults.subscription_expired = True
    lapsed = api("GET", "/Accounts")
    assert lapsed.status_code == 403 and "subscription" in lapsed.json()["Detail"]
    box.faults.subscription_expired, box.faults.organisation_disconnected = False, True
    assert api("GET", "/Accounts").json()["Detail"] == "AuthenticationUnsuccessful"
    assert api.connections().json() == []


def test_delete_connection_by_connection_id_not_tenant_id(sandbox, api):
    auth = {"Authorization": f"Bearer {api.token['access_token']}"}
    by_tenant = requests.delete(f"{sandbox.url}/xero/api/connections/{api.tenant}",
                                headers=auth, timeout=10)
    assert by_tenant.status_code == 404
    connection = api.connections().json()[0]
    gone = requests.delete(f"{sandbox.url}/xero/api/connections/{connection['id']}",
                           headers=auth, timeout=10)
    assert gone.status_code == 204
    api.tenant = connection["tenantId"]
    assert api("GET", "/Accounts").status_code == 403
    assert len(api.connections().json()) == 1




def test_revocation_removes_the_users_connections(sandbox, api, box):
    assert box.connections
    answer = requests.post(f"{sandbox.url}/xero/identity/connect/revocation", headers=BASIC,
                           data={"token": api.token["refresh_token"]}, timeout=10)
    assert answer.status_code == 200 and box.connections == {}


def test_requests_are_recorded_with_authorization_redacted(sandbox, api):
    api("GET", "/Accounts", params={"where": 'Status=="ACTIVE"'})
    recorded = requests.get(f"{sandbox.url}/_control/requests", params={"provider": "xero"},
                            timeout=10).json()
    last = recorded[-1]
    assert (last["method"], last["path"]) == ("GET", "/xero/accounting/Accounts")
    assert "where=Status" in last["query"]
    assert last["headers"]["Authorization"] == "[redacted]"
    assert api.token["access_token"] not in str(recorded)


# --- fidelity: every JSON body against Xero's OpenAPI files --------------------------------

# The operations the sandbox implements with a JSON response (Accounting and Identity specs).
JSON_OPERATIONS = {
    "getConnections", "getOrganisations", "getAccounts", "getAccount", "getTaxRates",
    "getContacts", "getContact", "createContacts", "getInvoices", "getInvoice",
    "createInvoices", "getCreditNotes", "getCreditNote", "createCreditNotes",
    "getInvoiceAttachments", "createInvoiceAttachmentByFileName",
    "updateInvoiceAttachmentByFileName", "getCreditNoteAttachments",
    "createCreditNoteAttachmentByFileName", "updateCreditNoteAttachmentByFileName",
}


class Walker:
    """Calls the API and validates each JSON answer against the spec."""

    def __init__(self, api):
        self.api, self.covered, self.checked = api, set(), 0

    def __call__(self, method, path, status=200, **kwargs):
        answer = self.api(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        self.check(method, "/xero/accounting" + path, answer)
        return answer.json()

    def check(self, method, path, answer):
        """Validate one answer and note its operation."""
        self.covered.add(validate_response(method, path, answer.status_code, answer.json()))
        self.checked += 1


def test_every_sandbox_response_matches_the_spec(sandbox):
    api = Api(sandbox, sign_in(sandbox))
    walk = Walker(api)
    conns = requests.get(f"{sandbox.url}/xero/api/connections", timeout=10,
                         headers={"Authorization": f"Bearer {api.token['access_token']}"})
    walk.check("GET", "/xero/api/connections", conns)
    walk("GET", "/Organisation")
    accounts = walk("GET", "/Accounts")["Accounts"]
    walk("GET", "/Accounts", params={"where": 'Status=="ACTIVE" AND Class=="REVENUE"'})
    walk("GET", f"/Accounts/{accounts[0]['AccountID']}")
    walk("GET", "/TaxRates", params={"where": 'Status=="ACTIVE"'})
    walk("GET", "/Contacts", params={"page": 1, "pageSize": 2})
    walk("GET", "/Contacts", params={"searchTerm": "club", "summaryOnly": "true"})
    cid = contact_id(api)
    walk("GET", f"/Contacts/{cid}")
    made = walk("PUT", "/Contacts", json={"Contacts": [{
        "Name": "Fidelity Ltd", "EmailAddress": "a@fidelity.example",
        "Addresses": [{"AddressType": "POBOX", "AddressLine1": "1 High St", "City": "Leeds",
                       "PostalCode": "LS1 1AA", "Country": "GB"}],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "0113 496 0000"}]}]})
    walk("PUT", "/Contacts", params={"summarizeErrors": "false"},
         json={"Contacts": [{"Name": "Fidelity Ltd"}]})
    walk("PUT", "/Contacts", status=400, json={"Contacts": [{"Name": "Fidelity Ltd"}]})
    new_cid = made["Contacts"][0]["ContactID"]
    sales = walk("PUT", "/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [
        invoice(new_cid, "F-1", Reference="PO 1"), invoice(new_cid, "F-1"),
        invoice(new_cid, kind="ACCPAY", account="429", tax="INPUT2", InvoiceNumber="B-7")]})
    walk("PUT", "/Invoices", status=400, json={"Invoices": [invoice(new_cid, "F-1")]})
    walk("PUT", "/Invoices", json={"Invoices": [invoice(new_cid, "F-2")]})
    inv_id = sales["Invoices"][0]["InvoiceID"]
    walk("GET", "/Invoices", params={"InvoiceNumbers": "F-1,F-2"})
    walk("GET", "/Invoices", params={"page": 1, "where": 'Type=="ACCPAY"'})
    walk("GET", f"/Invoices/{inv_id}")
    walk("GET", "/Invoices/F-2")
    credits = walk("PUT", "/CreditNotes", params={"summarizeErrors": "false"}, json={
        "CreditNotes": [dict(invoice(new_cid), Type="ACCRECCREDIT", CreditNoteNumber="CN-F1"),
                        dict(invoice(new_cid, account="429", tax="INPUT2"),
                             Type="ACCPAYCREDIT", CreditNoteNumber="SC-1"),
                        dict(invoice(new_cid, account="999"), Type="ACCRECCREDIT")]})
    walk("PUT", "/CreditNotes", status=400, json={"CreditNotes": [
        dict(invoice(new_cid), Type="ACCRECCREDIT", CreditNoteNumber="CN-F1")]})
    cn_id = credits["CreditNotes"][0]["CreditNoteID"]
    walk("GET", "/CreditNotes", params={"where": 'CreditNoteNumber=="CN-F1"'})
    walk("GET", "/CreditNotes", params={"page": 1})
    walk("GET", f"/CreditNotes/{cn_id}")
    pdf = {"Content-Type": "application/pdf"}
    for kind, doc_id in (("Invoices", inv_id), ("CreditNotes", cn_id)):
        walk("PUT", f"/{kind}/{doc_id}/Attachments/doc.pdf", params={"IncludeOnline": "true"},
             data=b"%PDF-1.4", headers=pdf)
        walk("POST", f"/{kind}/{doc_id}/Attachments/doc.pdf", data=b"%PDF-1.5", headers=pdf)
        walk("GET", f"/{kind}/{doc_id}/Attachments")
    assert walk.covered == JSON_OPERATIONS
    print(f"\nXero sandbox: {len(walk.covered)} JSON operations, {walk.checked} responses "
          "validated against the spec")
