"""The Zoho Books sandbox over real HTTP: OAuth per data centre, limits, numbering, faults, and
every JSON answer checked against Zoho's published OpenAPI files.

The refresh race, revoke, the minute limit and fault injection are in test_sandbox_core.py."""


import pytest
import requests
from helpers.zoho import SECOND_ORG
from helpers.zoho import UK_ORG
from helpers.zoho import raw_tokens
from helpers.zoho import validate_response
from helpers.zoho import zoho_state


class Api:
    """A tiny Zoho Books client for poking the sandbox directly."""

    def __init__(self, sandbox, token, api_domain, org=UK_ORG):
        self.sandbox, self.token, self.base, self.org = sandbox, token, api_domain, org
        self.seen = []  # (method, path, status, body) of every JSON answer

    def call(self, method, path, org=None, params=None, scheme="Zoho-oauthtoken", headers=None,
             **kwargs):
        query = {"organization_id": org or self.org, **(params or {})}
        if org is False:
            query.pop("organization_id")
        answer = requests.request(method, f"{self.base}/books/v3{path}", params=query,
                                  headers={"Authorization": f"{scheme} {self.token}",
                                           **(headers or {})},
                                  timeout=10, **kwargs)
        body = answer.json()
        self.seen.append((method, f"/books/v3{path}", answer.status_code, body))
        return answer.status_code, body, answer.headers


@pytest.fixture
def api(sandbox):
    answer, _ = raw_tokens(sandbox)
    return Api(sandbox, answer["access_token"], answer["api_domain"])


def _ids(state, org=UK_ORG):
    tenant = state.tenants[org]
    by_name = {a["account_name"]: a["account_id"] for a in tenant["chartofaccounts"].values()}
    taxes = {t["tax_percentage"]: t["tax_id"] for t in tenant["taxes"].values()}
    contacts = {c["contact_name"]: c["contact_id"] for c in tenant["contacts"].values()}
    return by_name, taxes, contacts


def _invoice(api, number="LL-1001", flag=True):
    accounts, taxes, contacts = _ids(zoho_state(api.sandbox))
    _, body, _ = api.call("POST", "/items", json={"name": f"Consulting {number}", "rate": 100,
                                                  "account_id": accounts["Sales"]})
    item_id = body["item"]["item_id"]
    params = {"ignore_auto_number_generation": "true"} if flag else {}
    return api.call("POST", "/invoices", params=params, json={
        "customer_id": contacts["Acme Trading Ltd"], "invoice_number": number,
        "date": "2025-01-31", "line_items": [{"item_id": item_id, "rate": 100.5, "quantity": 2,
                                              "tax_id": taxes[20]}]})


ID_FIELDS = {"/creditnotes": ("creditnote", "creditnote_id"), "/bills": ("bill", "bill_id"),
             "/vendorcredits": ("vendor_credit", "vendor_credit_id")}

IMPLEMENTED = {
    "list_organizations", "list_chart_of_accounts", "list_taxes", "list_contacts",
    "create_contact", "get_contact", "list_items", "create_item", "get_item", "list_invoices",
    "create_invoice", "get_invoice", "mark_invoice_sent", "add_invoice_attachment",
    "list_credit_notes", "create_credit_note", "get_credit_note", "list_bills", "create_bill",
    "get_bill", "add_bill_attachment", "list_vendor_credits", "create_vendor_credit",
    "get_vendor_credit",
}


def test_every_answer_of_every_operation_matches_the_spec(sandbox, api):
    accounts, taxes, contacts = _ids(zoho_state(sandbox))
    api.call("GET", "/organizations", org=False)
    api.call("GET", "/chartofaccounts", params={"filter_by": "AccountType.All"})
    api.call("GET", "/settings/taxes")
    api.call("GET", "/contacts", params={"contact_name_contains": "acme"})
    _, created, _ = api.call("POST", "/contacts", json={"contact_name": "Zed Ltd",
                                                        "contact_type": "vendor"})
    api.call("GET", f"/contacts/{created['contact']['contact_id']}")
    status, invoice, _ = _invoice(api)
    assert status == 201
    invoice_id = invoice["invoice"]["invoice_id"]
    api.call("GET", "/items", params={"account_id": accounts["Sales"]})
    api.call("GET", f"/items/{invoice['invoice']['line_items'][0]['item_id']}")
    api.call("GET", "/invoices", params={"invoice_number": "LL-1001"})
    api.call("GET", f"/invoices/{invoice_id}")
    api.call("POST", f"/invoices/{invoice_id}/status/sent")
    api.call("POST", f"/invoices/{invoice_id}/attachment",
             files={"attachment": ("a.pdf", b"%PDF-1.4", "application/pdf")})
    line = {"account_id": accounts["General Income"], "rate": 12.5, "quantity": 1,
            "tax_id": taxes[5]}
    cost = {**line, "account_id": accounts["Office Supplies"]}
    vendor = contacts["Northwind Supplies Ltd"]
    flag = {"ignore_auto_number_generation": "true"}
    for path, body, params in (
            ("/creditnotes", {"customer_id": contacts["Acme Trading Ltd"], "date": "2025-02-01",
                              "creditnote_number": "LL-CN-1", "line_items": [line]}, flag),
            ("/bills", {"vendor_id": vendor, "bill_number": "NW-77",
                        "reference_number": "LL-PI-1", "line_items": [cost]}, {}),
            ("/vendorcredits", {"vendor_id": vendor, "vendor_credit_number": "NW-C3",
                                "line_items": [cost]}, flag)):
        status, answer, _ = api.call("POST", path, params=params, json=body)
        assert status == 201, answer
        single, id_field = ID_FIELDS[path]
        doc_id = answer[single][id_field]
        api.call("GET", path)
        api.call("GET", f"{path}/{doc_id}")
        if path == "/bills":
            api.call("POST", f"/bills/{doc_id}/attachment",
                     files={"attachment": ("b.pdf", b"%PDF-1.4", "application/pdf")})
    covered = set()
    for method, path, status, body in api.seen:
        assert status < 300, (method, path, body)
        covered.add(validate_response(method, path, status, body))
    assert covered == IMPLEMENTED
    assert len(covered) == 24


def test_error_bodies_are_code_and_message(sandbox, api):
    status, body, _ = api.call("GET", "/contacts/1")
    assert status == 404 and body == {"code": 1002, "message": "Contact does not exist."}
    status, body, _ = api.call("GET", "/contacts", org="99999999")
    assert status == 403 and body["code"] == 6041 and set(body) == {"code", "message"}
    status, body, _ = api.call("GET", "/contacts", org=False)
    assert status == 400 and set(body) == {"code", "message"}


def test_oauth_happy_path_names_data_centre_and_api_domain(sandbox):
    answer, callback = raw_tokens(sandbox)
    assert callback["state"] == "s1" and callback["location"] == "eu"
    assert callback["accounts-server"] == f"{sandbox.url}/zoho/accounts-eu"
    assert answer["api_domain"] == f"{sandbox.url}/zoho/api-eu"
    assert answer["expires_in"] == 3600 and answer["refresh_token"]
    api = Api(sandbox, answer["access_token"], answer["api_domain"])
    status, body, _ = api.call("GET", "/organizations", org=False)
    assert status == 200
    assert [o["organization_id"] for o in body["organizations"]] == [UK_ORG, SECOND_ORG]


def test_tokens_only_work_in_their_own_data_centre(sandbox):
    answer, callback = raw_tokens(sandbox)
    wrong = Api(sandbox, answer["access_token"], f"{sandbox.url}/zoho/api")
    status, body, _ = wrong.call("GET", "/organizations", org=False)
    assert status == 401 and body["code"] == 14
    refreshed = requests.post(f"{sandbox.url}/zoho/accounts/oauth/v2/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": answer["refresh_token"],
        "client_id": "sandbox-zoho-client", "client_secret": "sandbox-zoho-secret"}).json()
    assert refreshed == {"error": "invalid_code"}


def test_cancel_redirects_with_access_denied(sandbox):
    from helpers.zoho import consent

    url = (f"{sandbox.url}/zoho/accounts/oauth/v2/auth?client_id=sandbox-zoho-client"
           "&redirect_uri=http://127.0.0.1:5000/cb&response_type=code&state=abc&scope=x")
    callback = consent(url, decision="deny")
    assert callback == "http://127.0.0.1:5000/cb?error=access_denied&state=abc"


def test_a_used_code_and_a_wrong_secret_are_refused(sandbox):
    answer, callback = raw_tokens(sandbox)
    again = requests.post(callback["accounts-server"] + "/oauth/v2/token", timeout=10, data={
        "grant_type": "authorization_code", "code": callback["code"],
        "client_id": "sandbox-zoho-client", "client_secret": "sandbox-zoho-secret",
        "redirect_uri": "http://127.0.0.1:5000/integrations/zoho/callback"}).json()
    assert again == {"error": "invalid_code"}
    wrong = requests.post(callback["accounts-server"] + "/oauth/v2/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": answer["refresh_token"],
        "client_id": "sandbox-zoho-client", "client_secret": "nope"}).json()
    assert wrong == {"error": "invalid_client"}


def _refresh(sandbox, refresh_token, server="accounts-eu"):
    return requests.post(f"{sandbox.url}/zoho/{server}/oauth/v2/token", timeout=10, data={
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": "sandbox-zoho-client", "client_secret": "sandbox-zoho-secret"}).json()




def test_the_21st_refresh_token_silently_kills_the_oldest(sandbox):
    first, _ = raw_tokens(sandbox)
    second, _ = raw_tokens(sandbox)
    for _ in range(19):
        raw_tokens(sandbox)
    assert _refresh(sandbox, first["refresh_token"]) == {"error": "invalid_code"}
    assert "access_token" in _refresh(sandbox, second["refresh_token"])


def test_refresh_is_throttled_after_ten_in_ten_minutes(sandbox):
    answer, _ = raw_tokens(sandbox)
    for _ in range(10):
        assert "access_token" in _refresh(sandbox, answer["refresh_token"])
    assert _refresh(sandbox, answer["refresh_token"])["error"] == "Access Denied"
    sandbox.state["clock"].advance(601)
    assert "access_token" in _refresh(sandbox, answer["refresh_token"])


def test_no_refresh_token_without_offline_access(sandbox):
    answer, _ = raw_tokens(sandbox, access_type="online")
    assert answer["access_token"] and "refresh_token" not in answer


def test_expired_access_token_and_other_schemes_give_401(sandbox, api):
    assert api.call("GET", "/settings/taxes")[0] == 200
    assert api.call("GET", "/settings/taxes", scheme="Bearer")[0] == 401
    sandbox.state["clock"].advance(3601)
    status, body, _ = api.call("GET", "/settings/taxes")
    assert status == 401 and body["code"] == 14




def test_no_idempotency_key_so_replays_rely_on_number_uniqueness(sandbox, api):
    status, body, _ = _invoice(api, "LL-7")
    assert status == 201 and body["invoice"]["invoice_number"] == "LL-7"
    accounts, taxes, contacts = _ids(zoho_state(sandbox))
    item = body["invoice"]["line_items"][0]["item_id"]
    replay = {"customer_id": contacts["Acme Trading Ltd"], "invoice_number": "LL-7",
              "line_items": [{"item_id": item, "rate": 1, "quantity": 1}]}
    status, again, _ = api.call("POST", "/invoices", json=replay, headers={
        "Idempotency-Key": "same"}, params={"ignore_auto_number_generation": "true"})
    assert status == 400 and again == {
        "code": 1001, "message": 'Invoice number "LL-7" already exists. Please enter a '
                                 "different number."}
    # Without our own number, the same request twice makes two invoices: nothing deduplicates.
    for _ in range(2):
        api.call("POST", "/invoices", json={**replay, "invoice_number": ""},
                 headers={"Idempotency-Key": "same"})
    numbers = sorted(d["invoice_number"] for d in zoho_state(sandbox).tenants[UK_ORG][
        "invoices"].values())
    assert numbers == ["INV-000001", "INV-000002", "LL-7"]


@pytest.mark.parametrize("path,field,label", [
    ("/creditnotes", "creditnote_number", "Credit Note"),
    ("/bills", "bill_number", "Bill"),
    ("/vendorcredits", "vendor_credit_number", "Vendor Credit"),
])
def test_duplicate_numbers_are_refused_per_module(sandbox, api, path, field, label):
    accounts, _, contacts = _ids(zoho_state(sandbox))
    party = ({"customer_id": contacts["Acme Trading Ltd"], "date": "2025-01-01"}
             if path == "/creditnotes" else {"vendor_id": contacts["Northwind Supplies Ltd"]})
    body = {**party, field: "DUP-1", "line_items": [
        {"account_id": accounts["Office Supplies"], "rate": 5, "quantity": 1}]}
    params = {"ignore_auto_number_generation": "true"}
    assert api.call("POST", path, json=body, params=params)[0] == 201
    status, answer, _ = api.call("POST", path, json=body, params=params)
    assert status == 400 and answer["code"] == 1001
    assert answer["message"].startswith(f'{label} number "DUP-1" already exists')
    assert len(zoho_state(sandbox).tenants[UK_ORG][path[1:]]) == 1


def test_numbering_settings_decide_who_numbers(sandbox, api):
    status, body, _ = _invoice(api, "IGNORED", flag=False)
    assert body["invoice"]["invoice_number"] == "INV-000001"
    answer = requests.post(f"{sandbox.url}/zoho/_control/numbering", timeout=10, json={
        "tenant": UK_ORG, "module": "invoices", "auto": False}).json()
    assert answer["numbering"]["invoices"]["auto"] is False
    status, body, _ = _invoice(api, "", flag=False)
    assert status == 400 and body["code"] == 4
    status, body, _ = _invoice(api, "MINE-1", flag=False)
    assert status == 201 and body["invoice"]["invoice_number"] == "MINE-1"


def test_invoice_lines_need_an_active_item_and_accounts_must_be_active(sandbox, api):
    accounts, _, contacts = _ids(zoho_state(sandbox))
    status, body, _ = api.call("POST", "/invoices", json={
        "customer_id": contacts["Acme Trading Ltd"],
        "line_items": [{"account_id": accounts["Sales"], "rate": 1, "quantity": 1}]})
    assert status == 400 and body["message"] == "Invalid value passed for item_id"
    status, body, _ = api.call("POST", "/bills", json={
        "vendor_id": contacts["Northwind Supplies Ltd"], "bill_number": "X1",
        "line_items": [{"account_id": accounts["Postage (old)"], "rate": 1, "quantity": 1}]})
    assert status == 400 and body["message"] == "Invalid value passed for account_id"
    status, body, _ = api.call("POST", "/bills", json={
        "vendor_id": contacts["Acme Trading Ltd"], "bill_number": "X1",
        "line_items": [{"account_id": accounts["Office Supplies"], "rate": 1, "quantity": 1}]})
    assert status == 400 and body["message"] == "Invalid value passed for vendor_id"


def test_contact_names_are_unique_across_customers_and_vendors(sandbox, api):
    status, body, _ = api.call("POST", "/contacts", json={"contact_name": "northwind supplies ltd",
                                                          "contact_type": "customer"})
    assert status == 400 and body["code"] == 3062


def test_attachments_check_type_size_and_target(sandbox, api):
    _, invoice, _ = _invoice(api)
    invoice_id = invoice["invoice"]["invoice_id"]
    status, body, _ = api.call("POST", f"/invoices/{invoice_id}/attachment",
                               files={"attachment": ("x.exe", b"MZ", "application/octet-stream")})
    assert status == 400 and "Invalid file type" in body["message"]
    big = b"0" * (10 * 1024 * 1024 + 1)
    status, body, _ = api.call("POST", f"/invoices/{invoice_id}/attachment",
                               files={"attachment": ("big.pdf", big, "application/pdf")})
    assert status == 400 and "file size" in body["message"]
    status, body, _ = api.call("POST", f"/creditnotes/{invoice_id}/attachment",
                               files={"attachment": ("a.pdf", b"%PDF", "application/pdf")})
    assert status == 404


def test_faults_subscription_and_disconnected_organisation(sandbox, api):
    state = zoho_state(sandbox)
    state.faults.subscription_expired = True
    status, body, _ = api.call("GET", "/settings/taxes")
    assert status == 403 and body["code"] == 1040
    state.faults.subscription_expired, state.faults.organisation_disconnected = False, True
    status, body, _ = api.call("GET", "/settings/taxes")
    assert status == 403 and body["code"] == 6041


def test_fault_control_endpoint_and_recorded_requests(sandbox, api):
    answer = requests.post(f"{sandbox.url}/_control/faults", timeout=10,
                           json={"provider": "zoho", "errors_next": 1}).json()
    assert answer["errors_next"] == 1
    assert api.call("GET", "/settings/taxes")[0] == 500
    recorded = requests.get(f"{sandbox.url}/_control/requests", params={"provider": "zoho"},
                            timeout=10).json()
    last = recorded[-1]
    assert last["path"] == "/zoho/api-eu/books/v3/settings/taxes"
    assert last["query"] == {"organization_id": UK_ORG}
    assert last["headers"]["Authorization"] == "Zoho-oauthtoken [redacted]"
    assert api.token not in str(recorded)


def test_seed_and_state_control_endpoints(sandbox):
    seeded = requests.post(f"{sandbox.url}/_control/seed", timeout=10, json={
        "provider": "zoho", "tenant": "30070001", "preset": "us", "name": "Globex US"}).json()
    assert seeded == {"tenant": "30070001"}
    state = zoho_state(sandbox)
    assert state.tenants["30070001"]["dc"] == "com"
    tenant = state.tenants[UK_ORG]
    tenant["bills"]["a"] = {"bill_number": "B-1"}
    tenant["bills"]["b"] = {"bill_number": "B-1"}
    summary = requests.get(f"{sandbox.url}/_control/state", params={
        "provider": "zoho", "tenant": UK_ORG}, timeout=10).json()
    assert summary["tenants"][UK_ORG]["duplicate_numbers"] == ["bills:B-1"]
    assert summary["tenants"][UK_ORG]["counts"]["chartofaccounts"] == 12
