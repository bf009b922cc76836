"""The QuickBooks Online sandbox over real HTTP: OAuth, fidelity to the XSDs, limits, faults.

The refresh race, revoke, the minute limit and fault injection are in test_sandbox_core.py."""

import json

import pytest
import requests
from helpers.qbo import CALLBACK
from helpers.qbo import CLIENT
from helpers.qbo import UK_REALM
from helpers.qbo import US_REALM
from helpers.qbo import api
from helpers.qbo import authorize_url
from helpers.qbo import callback_query
from helpers.qbo import choices_on
from helpers.qbo import consent
from helpers.qbo import raw_connect
from helpers.qbo import response_problems
from helpers.qbo import token_request

from sandbox.core import Limits


@pytest.fixture
def qbo(sandbox):
    """The in-process QuickBooks sandbox object."""
    return sandbox.state["providers"]["qbo"]


@pytest.fixture
def roomy(qbo, monkeypatch):
    """Lift the 10/s limit for tests that make many quick calls (pacing is the caller's job)."""
    monkeypatch.setattr(qbo, "limits", Limits(per_minute=100_000, per_second=100_000))


@pytest.fixture
def conn(sandbox):
    """(base URL, access token, realmId) for the US demo company."""
    tokens, realm = raw_connect(sandbox.url)
    return sandbox.url, tokens["access_token"], realm


def call(conn, method, path, **kwargs):
    """An API call on the connected company."""
    base, token, realm = conn
    return api(base, token, realm, method, path, **kwargs)


def invoice_body(customer="16", number=None, amount=100, item="12", tax="TAX"):
    """A one-line US invoice."""
    body = {"CustomerRef": {"value": customer}, "TxnDate": "2026-07-01",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": amount,
                      "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 1,
                                              "UnitPrice": amount,
                                              "TaxCodeRef": {"value": tax}}}]}
    if number:
        body["DocNumber"] = number
    return body


def bill_body(vendor="19", number="B-1", account="9", amount=50):
    """A one-line US bill."""
    return {"VendorRef": {"value": vendor}, "DocNumber": number, "TxnDate": "2026-07-01",
            "Line": [{"DetailType": "AccountBasedExpenseLineDetail", "Amount": amount,
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account}}}]}


def fault_code(response):
    """The first Fault error code of a response body."""
    return response.json()["Fault"]["Error"][0]["code"]


# --- OAuth ----------------------------------------------------------------------------------------


def test_oauth_happy_path_gives_realm_and_rotating_tokens(sandbox):
    url = authorize_url(sandbox.url, state="abc")
    assert choices_on(url) == [US_REALM, UK_REALM]
    params = callback_query(consent(url, choice=UK_REALM))
    assert params["state"] == "abc" and params["realmId"] == UK_REALM and params["code"]
    answer = token_request(sandbox.url, grant_type="authorization_code", code=params["code"],
                           redirect_uri=CALLBACK)
    tokens = answer.json()
    assert answer.status_code == 200 and tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 3600 and tokens["x_refresh_token_expires_in"] > 99 * 86400
    again = token_request(sandbox.url, grant_type="authorization_code", code=params["code"],
                          redirect_uri=CALLBACK)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    fresh = token_request(sandbox.url, grant_type="refresh_token",
                          refresh_token=tokens["refresh_token"]).json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    old = token_request(sandbox.url, grant_type="refresh_token",
                        refresh_token=tokens["refresh_token"])
    assert old.status_code == 400 and old.json()["error"] == "invalid_grant"
    info = api(sandbox.url, fresh["access_token"], UK_REALM, "GET", f"/companyinfo/{UK_REALM}")
    assert info.json()["CompanyInfo"]["Country"] == "GB"


def test_token_endpoint_wants_basic_client_auth(sandbox):
    params = callback_query(consent(authorize_url(sandbox.url)))
    body_auth = requests.post(f"{sandbox.url}/qbo/oauth/oauth2/v1/tokens/bearer", timeout=10,
                              data={"grant_type": "authorization_code", "code": params["code"],
                                    "redirect_uri": CALLBACK, "client_id": CLIENT[0],
                                    "client_secret": CLIENT[1]})
    assert body_auth.status_code == 401 and body_auth.json()["error"] == "invalid_client"
    wrong = token_request(sandbox.url, auth=(CLIENT[0], "nope"), grant_type="authorization_code",
                          code=params["code"], redirect_uri=CALLBACK)
    assert wrong.status_code == 401


def test_cancel_wrong_scope_and_unknown_redirect(sandbox):
    denied = callback_query(consent(authorize_url(sandbox.url, state="s9"), decision="deny"))
    assert denied == {"error": "access_denied", "state": "s9"}
    scoped = requests.get(authorize_url(sandbox.url, scope="openid"), allow_redirects=False,
                          timeout=10)
    assert callback_query(scoped.headers["Location"])["error"] == "invalid_scope"
    stranger = requests.get(authorize_url(sandbox.url, redirect_uri="https://evil.example/cb"),
                            allow_redirects=False, timeout=10)
    assert stranger.status_code == 400 and "Location" not in stranger.headers




def test_expired_token_401_and_wrong_company_403(sandbox, conn):
    base, token, _ = conn
    assert call(conn, "GET", "/preferences").status_code == 200
    wrong = api(base, token, UK_REALM, "GET", "/preferences")
    assert wrong.status_code == 403 and wrong.json()["Fault"]["type"] == "AuthorizationFault"
    assert response_problems(wrong.json()) == []
    sandbox.state["clock"].advance(3601)
    expired = call(conn, "GET", "/preferences")
    assert expired.status_code == 401 and fault_code(expired) == "3200"


# --- fidelity: every response body against the XSDs -------------------------------------------


def _operations(conn, qbo):
    """Each operation the sandbox implements, called once: [(name, response)]."""
    realm = conn[2]
    done = []

    def run(name, method, path, **kwargs):
        response = call(conn, method, path, **kwargs)
        done.append((name, response))
        return response

    prefs = run("read preferences", "GET", "/preferences").json()["Preferences"]
    run("update preferences", "POST", "/preferences", json={
        "Id": prefs["Id"], "SyncToken": prefs["SyncToken"], "sparse": True,
        "SalesFormsPrefs": {"CustomTxnNumbers": True}})
    run("read company info", "GET", f"/companyinfo/{realm}")
    for entity in ("Account", "TaxCode", "TaxRate", "Customer", "Vendor", "Employee", "Item"):
        run(f"query {entity}", "GET", "/query",
            params={"query": f"select * from {entity} STARTPOSITION 1 MAXRESULTS 1000"})
    run("query count", "GET", "/query", params={"query": "select count(*) from Account"})
    run("query projection", "GET", "/query", params={"query": "select Id, Name from Item"})
    run("query empty", "GET", "/query",
        params={"query": "select * from Invoice where DocNumber = 'none'"})
    run("query by POST", "POST", "/query", data="select * from Customer MAXRESULTS 2",
        headers={"Content-Type": "application/text"})
    for entity, record_id in (("account", "6"), ("taxcode", "TAX"), ("taxrate", "13"),
                              ("customer", "16"), ("vendor", "19"), ("employee", "21")):
        run(f"read {entity}", "GET", f"/{entity}/{record_id}")
    customer = run("create customer", "POST", "/customer", json={
        "DisplayName": "Fidelity Co", "PrimaryEmailAddr": {"Address": "f@example.com"},
        "BillAddr": {"Line1": "1 Road", "City": "Austin", "PostalCode": "73301"}}).json()
    run("update customer", "POST", "/customer", json={
        "Id": customer["Customer"]["Id"], "SyncToken": "0", "sparse": True, "Notes": "vip"})
    run("create vendor", "POST", "/vendor", json={"DisplayName": "Fidelity Supplies"})
    item = run("create item", "POST", "/item", json={
        "Name": "Design", "Type": "Service", "IncomeAccountRef": {"value": "7"}}).json()
    run("read item", "GET", f"/item/{item['Item']['Id']}")
    invoice = run("create invoice", "POST", "/invoice", json=invoice_body(number="F-1")).json()
    run("read invoice", "GET", f"/invoice/{invoice['Invoice']['Id']}")
    memo = run("create credit memo", "POST", "/creditmemo", json=invoice_body(number="F-1"))
    run("read credit memo", "GET", f"/creditmemo/{memo.json()['CreditMemo']['Id']}")
    bill = run("create bill", "POST", "/bill", json=bill_body()).json()
    run("read bill", "GET", f"/bill/{bill['Bill']['Id']}")
    credit = run("create vendor credit", "POST", "/vendorcredit", json=bill_body()).json()
    run("read vendor credit", "GET", f"/vendorcredit/{credit['VendorCredit']['Id']}")
    run("batch", "POST", "/batch", json={"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Invoice": invoice_body(number="F-2")},
        {"bId": "2", "operation": "create", "Invoice": invoice_body(number="F-1")},
        {"bId": "3", "Query": "select * from Invoice where DocNumber IN ('F-1', 'F-2')"}]})
    files = {"file_metadata_01": (None, '{"AttachableRef": [{"EntityRef": {"type": "Invoice", '
                                  f'"value": "{invoice["Invoice"]["Id"]}"}}}}], "FileName": '
                                  '"a.pdf", "ContentType": "application/pdf"}',
                                  "application/json"),
             "file_content_01": ("a.pdf", b"%PDF-1.4 test", "application/pdf")}
    upload = run("upload attachment", "POST", "/upload", files=files).json()
    run("read attachable", "GET",
        f"/attachable/{upload['AttachableResponse'][0]['Attachable']['Id']}")
    # error bodies
    run("duplicate number 6140", "POST", "/invoice", json=invoice_body(number="F-1"))
    run("duplicate name 6240", "POST", "/vendor", json={"DisplayName": "Fidelity Co"})
    run("stale object 5010", "POST", "/customer", json={
        "Id": customer["Customer"]["Id"], "SyncToken": "0", "sparse": True, "Notes": "x"})
    run("inactive 610", "POST", "/bill", json=bill_body(number="B-9", account="11"))
    run("invalid reference 2500", "POST", "/invoice", json=invoice_body(item="999"))
    run("not found 610", "GET", "/invoice/999")
    run("query parse 4000", "GET", "/query",
        params={"query": "select * from Customer where Active = true or Id = '1'"})
    run("batch too large 1040", "POST", "/batch", json={"BatchItemRequest": [
        {"bId": str(i), "Query": "select * from Item"} for i in range(31)]})
    qbo.faults.errors_next = 1
    run("server error 500", "GET", "/preferences")
    qbo.faults.rate_limit_next = 1
    run("throttled 429", "GET", "/preferences")
    return done


def test_every_response_body_fits_the_xsds(conn, qbo, roomy):
    done = _operations(conn, qbo)
    statuses = {name: response.status_code for name, response in done}
    assert statuses["create invoice"] == 200 and statuses["duplicate number 6140"] == 400
    assert statuses["server error 500"] == 500 and statuses["throttled 429"] == 429
    problems = {name: response_problems(response.json()) for name, response in done}
    assert {name: p for name, p in problems.items() if p} == {}
    assert len(done) == 46  # the operation count given in the report
    batch = dict(done)["batch"].json()["BatchItemResponse"]
    assert [sorted(set(item) - {"bId"}) for item in batch] == [["Invoice"], ["Fault"],
                                                               ["QueryResponse"]]


def test_the_checker_catches_a_wrong_name():
    bad = {"Invoice": {"CustomerRef": {"value": "1"}, "InvoiceNumber": "X"}}
    assert response_problems(bad) == ["$.Invoice[0].InvoiceNumber: not an element of Invoice"]
    assert response_problems({"Invoice": {"TxnDate": "1 July"}})
    assert response_problems({"Account": {"AccountType": "Sales"}})


# --- limits ---------------------------------------------------------------------------------------


def test_ten_a_second_then_429_with_retry_after(sandbox, conn):
    sandbox.state["clock"].factor = 0.01  # a one-second window lasts 100 s: no timing races
    answers = [call(conn, "GET", "/preferences") for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    throttled = answers[-1]
    assert int(throttled.headers["Retry-After"]) >= 1 and fault_code(throttled) == "3001"
    assert "ThrottleExceeded" in throttled.json()["Fault"]["Error"][0]["Message"]
    other_company, _ = raw_connect(sandbox.url, UK_REALM)
    assert api(sandbox.url, other_company["access_token"], UK_REALM, "GET",
               "/preferences").status_code == 200  # limits are per company


def test_forty_batch_calls_a_minute(conn, qbo, roomy):
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "select * from TaxCode"}]}
    answers = [call(conn, "POST", "/batch", json=batch).status_code for _ in range(41)]
    assert answers == [200] * 40 + [429]
    assert call(conn, "GET", "/preferences").status_code == 200  # plain calls still pass


# --- idempotency, numbering, uniqueness ------------------------------------------------------


def test_requestid_replays_the_original_response(conn, qbo, roomy):
    params = {"requestid": "req-1"}
    first = call(conn, "POST", "/invoice", json=invoice_body(number="R-1"), params=params)
    again = call(conn, "POST", "/invoice", json=invoice_body(number="R-1"), params=params)
    assert first.status_code == again.status_code == 200
    assert again.json()["Invoice"]["Id"] == first.json()["Invoice"]["Id"]
    count = call(conn, "GET", "/query", params={"query": "select count(*) from Invoice"})
    assert count.json()["QueryResponse"]["totalCount"] == 1
    reused = call(conn, "POST", "/invoice", json=invoice_body(number="R-2"), params=params)
    assert reused.status_code == 400 and fault_code(reused) == "600"
    too_long = call(conn, "POST", "/invoice", json=invoice_body(), params={"requestid": "x" * 51})
    assert fault_code(too_long) == "2050"


def test_doc_numbers_unique_per_type_with_fault_6140(conn, qbo, roomy, sandbox):
    assert call(conn, "POST", "/invoice", json=invoice_body(number="D-1")).status_code == 200
    duplicate = call(conn, "POST", "/invoice", json=invoice_body(number="d-1"))
    assert duplicate.status_code == 400 and fault_code(duplicate) == "6140"
    assert "DocNumber=d-1 is assigned to TxnType=Invoice" in \
        duplicate.json()["Fault"]["Error"][0]["Detail"]
    assert call(conn, "POST", "/creditmemo", json=invoice_body(number="D-1")).status_code == 200
    allowed = call(conn, "POST", "/invoice", json=invoice_body(number="D-1"),
                   params={"include": "allowduplicatedocnum"})
    assert allowed.status_code == 200
    state = requests.get(f"{sandbox.url}/_control/state", params={"provider": "qbo"},
                         timeout=10).json()["tenants"][US_REALM]
    assert state["duplicate_numbers"][0]["number"] == "d-1"
    assert call(conn, "POST", "/bill", json=bill_body(number="S-9")).status_code == 200
    assert fault_code(call(conn, "POST", "/bill", json=bill_body(number="S-9"))) == "6140"
    other_vendor = call(conn, "POST", "/bill", json=bill_body(vendor="20", number="S-9"))
    assert other_vendor.status_code == 200  # bill numbers are the supplier's: unique per vendor
    assert fault_code(call(conn, "POST", "/invoice", json=invoice_body(number="N" * 22))) == "2050"


def test_numbering_follows_custom_transaction_numbers(sandbox, roomy):
    tokens, realm = raw_connect(sandbox.url, UK_REALM)  # the UK company numbers itself
    conn = (sandbox.url, tokens["access_token"], realm)
    body = invoice_body(customer="25", item="12", tax="15")  # UK ids: see sandbox/qbo/seed.py
    created = [call(conn, "POST", "/invoice", json=body).json()["Invoice"] for _ in range(2)]
    assert [c["DocNumber"] for c in created] == ["1001", "1002"]
    assert created[0]["TotalAmt"] == 120 and created[0]["GlobalTaxCalculation"] == "TaxExcluded"
    prefs = call(conn, "GET", "/preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    call(conn, "POST", "/preferences", json={"Id": prefs["Id"], "SyncToken": prefs["SyncToken"],
                                             "sparse": True,
                                             "SalesFormsPrefs": {"CustomTxnNumbers": True}})
    unnumbered = call(conn, "POST", "/invoice", json=body).json()["Invoice"]
    assert "DocNumber" not in unnumbered
    stale = call(conn, "POST", "/preferences", json={"Id": prefs["Id"], "SyncToken": "0",
                                                     "sparse": True, "SalesFormsPrefs": {}})
    assert fault_code(stale) == "5010"
    untaxed = call(conn, "POST", "/invoice", json=invoice_body(customer="25", item="12", tax=None)
                   | {"Line": [{"DetailType": "SalesItemLineDetail", "Amount": 5,
                                "SalesItemLineDetail": {"ItemRef": {"value": "12"}}}]})
    assert fault_code(untaxed) == "6000" and "VAT rate" in untaxed.text


def test_display_name_unique_across_customers_vendors_employees(conn, roomy):
    assert fault_code(call(conn, "POST", "/vendor", json={"DisplayName": "bluebird cafe"})) \
        == "6240"
    assert fault_code(call(conn, "POST", "/customer", json={"DisplayName": "Emily Platt"})) \
        == "6240"  # the employee's name
    assert fault_code(call(conn, "POST", "/customer", json={"DisplayName": "Old Client LLC"})) \
        == "6240"  # inactive names still count
    created = call(conn, "POST", "/vendor", json={"DisplayName": "Bluebird Cafe (V)"})
    assert created.status_code == 200 and created.json()["Vendor"]["Active"] is True


def test_totals_tax_and_reference_checks(conn, roomy):
    invoice = call(conn, "POST", "/invoice", json=invoice_body(amount=100)).json()["Invoice"]
    assert invoice["TotalAmt"] == 108 and invoice["TxnTaxDetail"]["TotalTax"] == 8
    assert invoice["Balance"] == 108 and invoice["DueDate"] == "2026-07-31"
    assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
    wrong_amount = invoice_body(amount=100)
    wrong_amount["Line"][0]["Amount"] = 99
    assert fault_code(call(conn, "POST", "/invoice", json=wrong_amount)) == "6070"
    assert fault_code(call(conn, "POST", "/invoice", json=invoice_body(customer="18"))) == "610"
    assert fault_code(call(conn, "POST", "/invoice", json=invoice_body(customer="404"))) == "2500"
    assert fault_code(call(conn, "POST", "/invoice", json={"Line": []})) == "2020"
    odd = {"CustomerRef": {"value": "16"}, "Line": ["not an object"]}
    assert fault_code(call(conn, "POST", "/invoice", json=odd)) == "2010"
    assert fault_code(call(conn, "POST", "/invoice", data="{", headers={
        "Content-Type": "application/json"})) == "2010"
    assert fault_code(call(conn, "POST", "/item", json={"Name": "X", "Type": "Service"})) == "2020"
    assert fault_code(call(conn, "POST", "/item", json={
        "Name": "services", "Type": "Service", "IncomeAccountRef": {"value": "6"}})) == "6240"


# --- queries, batch, attachments --------------------------------------------------------------


def test_query_language(conn, roomy):
    def query(text):
        return call(conn, "GET", "/query", params={"query": text}).json()["QueryResponse"]

    assert [c["DisplayName"] for c in query("select * from Customer")["Customer"]] == \
        ["Bluebird Cafe", "Cool Cars Inc"]  # name lists default to active records
    every = query("select * from Customer where Active IN (true, false)")["Customer"]
    assert len(every) == 3
    page = query("select * from Account where Active IN (true, false) STARTPOSITION 3 "
                 "MAXRESULTS 4")
    assert (page["startPosition"], page["maxResults"]) == (3, 4)
    assert [a["Id"] for a in page["Account"]] == ["3", "4", "5", "6"]
    assert query("select * from Customer where DisplayName LIKE '%CARS%'")["Customer"][0]["Id"] \
        == "17"
    income = query("select * from Account where AccountType = 'Income' and Active = true")
    assert {a["Name"] for a in income["Account"]} == {"Services", "Sales of Product Income"}
    call(conn, "POST", "/customer", json={"DisplayName": "O'Brien Ltd"})
    assert query("select * from Customer where DisplayName = 'O\\'Brien Ltd'")["Customer"]
    bad = call(conn, "GET", "/query", params={"query": "select * from Customer where a = 1 or "
                                                       "b = 2"})
    assert bad.status_code == 400 and fault_code(bad) == "4000"
    assert fault_code(call(conn, "GET", "/query", params={"query": "select * from Nope"})) == \
        "4001"


def test_attachment_limits_and_targets(conn, qbo, roomy, monkeypatch):
    invoice = call(conn, "POST", "/invoice", json=invoice_body()).json()["Invoice"]

    def upload(entity_type, value, content=b"%PDF-1.4"):
        meta = json.dumps({"AttachableRef": [{"EntityRef": {"type": entity_type, "value": value}}],
                           "FileName": "doc.pdf", "ContentType": "application/pdf"})
        files = {"file_metadata_01": (None, meta, "application/json"),
                 "file_content_01": ("doc.pdf", content, "application/pdf")}
        answer = call(conn, "POST", "/upload", files=files)
        assert answer.status_code == 200
        return answer.json()["AttachableResponse"][0]

    stored = upload("Invoice", invoice["Id"])["Attachable"]
    assert stored["Size"] == 8 and stored["AttachableRef"][0]["EntityRef"]["value"] == \
        invoice["Id"]
    assert upload("Account", "6")["Fault"]["Error"][0]["code"] == "2170"
    assert upload("Invoice", "999")["Fault"]["Error"][0]["code"] == "2500"
    monkeypatch.setattr(qbo, "attachment_max_bytes", 1024)
    big = upload("Invoice", invoice["Id"], b"x" * 1025)
    assert big["Fault"]["Error"][0]["code"] == "6000" and "limit" in \
        big["Fault"]["Error"][0]["Detail"]


# --- fault injection --------------------------------------------------------------------------




def test_timeout_after_write_applies_the_write(conn, qbo, roomy):
    qbo.faults.timeout_after_write_next, qbo.faults.timeout_seconds = 1, 0.3
    with pytest.raises(requests.ReadTimeout):
        call(conn, "POST", "/invoice", json=invoice_body(number="T-1"), timeout=0.1)
    found = call(conn, "GET", "/query",
                 params={"query": "select * from Invoice where DocNumber = 'T-1'"}).json()
    assert len(found["QueryResponse"]["Invoice"]) == 1


def test_subscription_and_disconnect(sandbox, conn, qbo, roomy):
    qbo.faults.subscription_expired = True
    assert call(conn, "GET", "/preferences").status_code == 200  # a lapsed company is read-only
    lapsed = call(conn, "POST", "/invoice", json=invoice_body())
    assert lapsed.status_code == 400 and fault_code(lapsed) == "6190"
    qbo.faults.subscription_expired, qbo.faults.organisation_disconnected = False, True
    gone = call(conn, "GET", "/preferences")
    assert gone.status_code == 403 and fault_code(gone) == "120"


def test_requests_are_recorded_with_authorization_redacted(sandbox, conn):
    call(conn, "POST", "/customer", json={"DisplayName": "Recorded Co"},
         params={"requestid": "rec-1"})
    recorded = requests.get(f"{sandbox.url}/_control/requests", params={"provider": "qbo"},
                            timeout=10).json()[-1]
    assert recorded["method"] == "POST" and recorded["path"].endswith("/customer")
    assert recorded["query"] == {"minorversion": "75", "requestid": "rec-1"}
    assert recorded["headers"]["Authorization"] == "[redacted]"
    assert recorded["body"] == {"DisplayName": "Recorded Co"}
    assert conn[1] not in str(recorded)


def test_seed_endpoint_adds_a_company_to_the_chooser(sandbox):
    seeded = requests.post(f"{sandbox.url}/_control/seed", timeout=10, json={
        "provider": "qbo", "tenant": "123145", "preset": "uk", "name": "Third Co Ltd"}).json()
    assert seeded == {"tenant": "123145"}
    assert choices_on(authorize_url(sandbox.url))[-1] == "123145"
    tokens, realm = raw_connect(sandbox.url, "123145")
    info = api(sandbox.url, tokens["access_token"], realm, "GET", f"/companyinfo/{realm}")
    assert info.json()["CompanyInfo"]["CompanyName"] == "Third Co Ltd"
