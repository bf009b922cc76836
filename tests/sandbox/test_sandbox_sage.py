"""The Sage Accounting sandbox over real HTTP: OAuth, idempotency, numbering, faults, and every
JSON response checked against the official v3.1 swagger.

The refresh race, revoke, the minute limit and fault injection are in test_sandbox_core.py."""

import base64
import uuid

import requests
from helpers.sage import authorize_url
from helpers.sage import callback_query
from helpers.sage import connect
from helpers.sage import drive_consent
from helpers.sage import exchange
from helpers.sage import refresh
from helpers.sage import validate_response

DEMO = {"Demo Trading Ltd": "1fa4ffd7827455848bd71c38db750ed4"}


class Api:
    """A bearer-token client for one business; remembers every exchange for validation."""

    def __init__(self, base, token, business=None):
        self.base, self.token, self.business, self.seen = base, token, business, []

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}"}
        if self.business:
            headers["X-Business"] = self.business
        response = requests.request(method, f"{self.base}/sage/api/v3.1{path}",
                                    headers=headers, timeout=10, **kwargs)
        if response.headers.get("Content-Type", "").startswith("application/json"):
            self.seen.append((method, path, response.status_code, response.json()))
        return response

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def post(self, path, body):
        return self.call("POST", path, json=body)

    def first(self, path, **params):
        return self.get(path, **params).json()["$items"][0]


def _api(sandbox, business_name="Demo Trading Ltd"):
    tokens = connect(sandbox.url)
    listing = requests.get(f"{sandbox.url}/sage/api/v3.1/businesses", timeout=10,
                           headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    ids = {b["displayed_as"]: b["id"] for b in listing["$items"]}
    return Api(sandbox.url, tokens["access_token"], ids[business_name]), tokens


def _invoice(api, reference="INV-1", collection="sales_invoices", **extra):
    sales = collection.startswith("sales")
    contact = api.first("/contacts", contact_type_id="CUSTOMER" if sales else "VENDOR")
    account = api.first("/ledger_accounts", search="4000" if sales else "7100")
    root = {"sales_invoices": "sales_invoice", "sales_credit_notes": "sales_credit_note",
            "purchase_invoices": "purchase_invoice",
            "purchase_credit_notes": "purchase_credit_note"}[collection]
    lines = "invoice_lines" if "invoice" in root else "credit_note_lines"
    body = {"contact_id": contact["id"], "date": "2025-01-31", "due_date": "2025-02-28",
            "reference": reference, "idempotency_id": uuid.uuid4().hex,
            lines: [{"description": "Consulting", "ledger_account_id": account["id"],
                     "quantity": 2, "unit_price": 50.0, "tax_rate_id": "GB_STANDARD",
                     "tax_amount": 20.0}]}
    if "credit" in root:
        body.pop("due_date")
    body.update(extra)
    return api.post(f"/{collection}", {root: body}), body


def test_oauth_happy_path_country_step_then_businesses(sandbox):
    callback = drive_consent(authorize_url(sandbox.url), businesses=["Demo Services Ltd"])
    query = callback_query(callback)
    assert callback.startswith("http://127.0.0.1:8765/integrations/sage/callback?")
    assert query["state"] == "state-123" and query["country"] == "GB"
    assert query["code"].startswith("GB/")
    token = exchange(sandbox.url, query["code"])
    body = token.json()
    assert token.status_code == 200
    assert body["expires_in"] == 300 and body["token_type"] == "bearer"
    assert 2678000 < body["refresh_token_expires_in"] <= 2678400
    assert body["scope"] == "full_access" and body["refresh_token"]
    listing = requests.get(f"{sandbox.url}/sage/api/v3.1/businesses", timeout=10,
                           headers={"Authorization": f"Bearer {body['access_token']}"})
    assert [b["displayed_as"] for b in listing.json()["$items"]] == ["Demo Services Ltd"]
    assert validate_response("GET", "/businesses", 200, listing.json())
    again = exchange(sandbox.url, query["code"])  # single use
    assert again.status_code == 400 and again.json() == {"error": "invalid_grant"}


def test_cancel_redirects_with_access_denied(sandbox):
    query = callback_query(drive_consent(authorize_url(sandbox.url), decision="deny"))
    assert query == {"error": "access_denied", "state": "state-123"}


def test_code_expires_after_60_seconds_and_client_auth_is_in_the_body(sandbox):
    code = callback_query(drive_consent(authorize_url(sandbox.url, country="gb")))["code"]
    basic = requests.post(f"{sandbox.url}/sage/oauth/token", timeout=10,
                          auth=("sandbox-sage-client", "sandbox-sage-secret"),
                          data={"grant_type": "authorization_code", "code": code})
    assert basic.status_code == 401 and basic.json() == {"error": "invalid_client"}
    sandbox.state["clock"].advance(61)
    assert exchange(sandbox.url, code).json() == {"error": "invalid_grant"}


def test_access_token_lives_five_minutes(sandbox):
    api, _ = _api(sandbox)
    assert api.get("/contacts").status_code == 200
    sandbox.state["clock"].advance(301)
    expired = api.get("/contacts")
    assert expired.status_code == 401
    assert expired.json()[0]["$dataCode"] == "AuthorizationFailure"






def test_business_header_picks_the_business_and_others_are_forbidden(sandbox):
    tokens = connect(sandbox.url, businesses=["Demo Services Ltd"])
    lead = Api(sandbox.url, tokens["access_token"])
    assert lead.get("/contacts").status_code == 200  # no header: the lead business
    other = sandbox.state["providers"]["sage"].seed_tenant(None, "uk", "Not Granted Ltd")
    wrong = Api(sandbox.url, tokens["access_token"], other).get("/contacts")
    assert wrong.status_code == 403 and wrong.json()[0]["$dataCode"] == "AccessDenied"




def test_idempotency_id_replays_the_first_result(sandbox):
    api, _ = _api(sandbox)
    first, body = _invoice(api)
    again = api.post("/sales_invoices", {"sales_invoice": body})
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert api.get("/sales_invoices").json()["$total"] == 1
    changed = api.post("/sales_invoices", {"sales_invoice": {**body, "reference": "OTHER"}})
    assert changed.status_code == 422 and changed.json()[0]["$source"] == "idempotency_id"


def test_numbering_by_sage_and_duplicate_numbers_rejected(sandbox):
    api, _ = _api(sandbox)
    settings = api.call("PUT", "/invoice_settings", json={"invoice_settings": {
        "sales_invoice_number_prefix": "INV-", "next_invoice_number": 500}})
    assert settings.status_code == 200 and settings.json()["next_invoice_number"] == 500
    first, _ = _invoice(api, "A-1")
    assert first.json()["invoice_number"] == "INV-500"
    supplied, _ = _invoice(api, "A-2", invoice_number="X-7")
    assert supplied.json()["invoice_number"] == "X-7"
    duplicate, _ = _invoice(api, "A-3", invoice_number="INV-500")
    assert duplicate.status_code == 422
    assert duplicate.json() == [{"$severity": "error", "$dataCode": "RecordInvalid",
                                 "$message": "Invoice number has already been taken",
                                 "$source": "invoice_number"}]
    credit, _ = _invoice(api, "C-1", collection="sales_credit_notes")
    assert credit.json()["credit_note_number"] == "SCN-1"


def test_vendor_reference_unique_per_supplier_and_duplicates_reported(sandbox):
    api, _ = _api(sandbox)
    ok, _ = _invoice(api, "P-1", collection="purchase_invoices", vendor_reference="SUP-9")
    assert ok.status_code == 201 and ok.json()["vendor_reference"] == "SUP-9"
    again, _ = _invoice(api, "P-2", collection="purchase_invoices", vendor_reference="SUP-9")
    assert again.status_code == 422 and again.json()[0]["$source"] == "vendor_reference"
    _invoice(api, "SAME-REF")
    _invoice(api, "SAME-REF")  # Sage does not make references unique; the control shows it
    state = requests.get(f"{sandbox.url}/_control/state", params={"provider": "sage"},
                         timeout=10).json()
    assert state["tenants"][api.business]["duplicate_numbers"] == ["SAME-REF"]


def test_validation_errors_name_the_field(sandbox):
    api, _ = _api(sandbox)
    missing = api.post("/sales_invoices", {"sales_invoice": {"date": "2025-01-01"}})
    assert missing.status_code == 422 and missing.json()[0]["$source"] == "contact_id"
    vendor = api.first("/contacts", contact_type_id="VENDOR")
    wrong_type, _ = _invoice(api, contact_id=vendor["id"])
    assert wrong_type.status_code == 404
    assert wrong_type.json()[0]["$message"] == "Couldn't find Customer"
    for search in ("7100", "4020"):  # an expense account on a sale; an account out of the chart
        account = api.first("/ledger_accounts", search=search)
        line = {"description": "x", "ledger_account_id": account["id"], "unit_price": 1}
        bad, _ = _invoice(api, invoice_lines=[line])
        assert bad.status_code == 404 and bad.json()[0]["$dataCode"] == "RecordNotFound"


def test_attachments_only_on_purchase_documents_and_up_to_2_5_mb(sandbox):
    api, _ = _api(sandbox)
    purchase, _ = _invoice(api, collection="purchase_invoices")
    sale, _ = _invoice(api)
    pdf = base64.b64encode(b"%PDF-1.4 tiny").decode()

    def attach(kind, target, content=pdf):
        return api.post("/attachments", {"attachment": {
            "file": content, "file_name": "a.pdf", "mime_type": "application/pdf",
            "attachment_context_type_id": kind, "attachment_context_id": target}})

    ok = attach("PURCHASE_INVOICE", purchase.json()["id"])
    assert ok.status_code == 201 and ok.json()["file_size"] == 13
    assert attach("SALES_INVOICE", sale.json()["id"]).status_code == 422
    big = base64.b64encode(b"x" * 2_621_441).decode()
    assert attach("PURCHASE_INVOICE", purchase.json()["id"], big).status_code == 422
    listed = api.get("/attachments", attachment_context_type_id="PURCHASE_INVOICE",
                     attachment_context_id=purchase.json()["id"])
    assert listed.json()["$total"] == 1


def _faults(sandbox, **values):
    reply = requests.post(f"{sandbox.url}/_control/faults", json={"provider": "sage", **values},
                          timeout=10)
    assert reply.status_code == 200, reply.text


def test_a_timed_out_write_replays_by_idempotency_id(sandbox):
    api, _ = _api(sandbox)
    _faults(sandbox, timeout_after_write_next=1, timeout_seconds=0.2)
    hung, body = _invoice(api, "T-1")
    assert hung.status_code == 504
    found = api.get("/sales_invoices", search="T-1").json()
    assert found["$total"] == 1  # the write was applied
    replay = api.post("/sales_invoices", {"sales_invoice": body})
    assert replay.status_code == 201 and replay.json()["id"] == found["$items"][0]["id"]


def test_faults_subscription_and_disconnected_business(sandbox):
    api, _ = _api(sandbox)
    _faults(sandbox, subscription_expired=True)
    lapsed = api.get("/contacts")
    assert lapsed.status_code == 401 and lapsed.json()[0]["$message"] == (
        "No active subscription. (MSE)")
    _faults(sandbox, organisation_disconnected=True)
    assert api.get("/contacts").status_code == 403


def test_paging_and_recorded_requests(sandbox):
    api, _ = _api(sandbox)
    page = api.get("/contacts", items_per_page=3).json()
    assert page["$total"] == 4 and len(page["$items"]) == 3 and page["$next"]
    past = api.get("/contacts", items_per_page=3, page=9).json()
    assert past["$page"] == 2 and past["$back"] and past["$next"] is None
    recorded = requests.get(f"{sandbox.url}/_control/requests", params={"provider": "sage"},
                            timeout=10).json()
    assert recorded[-1]["headers"]["Authorization"] == "<redacted>"
    assert recorded[-1]["query"] == {"items_per_page": "3", "page": "9"}


def test_every_response_validates_against_the_swagger(sandbox):
    api, _ = _api(sandbox)
    for path in ("/ledger_accounts", "/tax_rates", "/contacts", "/contact_types",
                 "/invoice_settings"):
        api.get(path, attributes="all")
    for path in ("/ledger_accounts", "/tax_rates", "/contacts"):
        api.get(f"{path}/{api.first(path)['id']}")
    api.get("/ledger_accounts", visible_in="sales", attributes="nominal_code,ledger_account_type")
    api.call("PUT", "/invoice_settings", json={"invoice_settings": {"next_invoice_number": 9}})
    created = api.post("/contacts", {"contact": {
        "name": "New Co", "contact_type_ids": ["CUSTOMER"], "idempotency_id": uuid.uuid4().hex,
        "main_address": {"address_line_1": "1 High St", "city": "Leeds", "country_id": "GB"},
        "main_contact_person": {"name": "Ann", "email": "ann@new.example"}}}).json()
    api.get(f"/contacts/{created['id']}")
    ids = {}
    for collection in ("sales_invoices", "sales_credit_notes", "purchase_invoices",
                       "purchase_credit_notes"):
        made, _ = _invoice(api, f"R-{collection}", collection=collection)
        ids[collection] = made.json()["id"]
        api.get(f"/{collection}/{made.json()['id']}")
        api.get(f"/{collection}", search=f"R-{collection}", attributes="all")
    attachment = api.post("/attachments", {"attachment": {
        "file": base64.b64encode(b"%PDF").decode(), "file_name": "a.pdf",
        "mime_type": "application/pdf", "attachment_context_type_id": "PURCHASE_CREDIT_NOTE",
        "attachment_context_id": ids["purchase_credit_notes"]}}).json()
    api.get(f"/attachments/{attachment['id']}")
    api.get("/attachments", attributes="all")
    api.get("/contacts/nope")
    covered = {validate_response(m, p, s, b) for m, p, s, b in api.seen}
    covered -= {"error"}
    assert len(covered) == 25, sorted(covered)


def test_idempotency_ids_are_kept_seven_days_and_refresh_tokens_31(sandbox):
    api, tokens = _api(sandbox)
    first, body = _invoice(api, "K-1")
    sandbox.state["clock"].advance(6 * 86400)
    sandbox.state["providers"]["sage"].oauth.access.clear()  # old access tokens long gone
    renewed = refresh(sandbox.url, tokens["refresh_token"]).json()
    api.token = renewed["access_token"]
    assert api.post("/sales_invoices", {"sales_invoice": body}).json()["id"] == first.json()["id"]
    sandbox.state["clock"].advance(86400 + 1)
    latest = refresh(sandbox.url, renewed["refresh_token"]).json()
    api.token = latest["access_token"]
    later = api.post("/sales_invoices", {"sales_invoice": body})
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    sandbox.state["clock"].advance(31 * 86400 + 1)  # an unused refresh token idles out
    assert refresh(sandbox.url, latest["refresh_token"]).json() == {"error": "invalid_grant"}


def test_seeded_business_appears_under_its_country(sandbox):
    seeded = requests.post(f"{sandbox.url}/_control/seed", timeout=10, json={
        "provider": "sage", "preset": "ie", "name": "Dublin Traders"}).json()["tenant"]
    callback = drive_consent(authorize_url(sandbox.url, country="ie"))
    token = exchange(sandbox.url, callback_query(callback)["code"]).json()
    api = Api(sandbox.url, token["access_token"], seeded)
    rates = {r["id"]: r["percentage"] for r in api.get("/tax_rates", attributes="all")
             .json()["$items"]}
    assert rates["IE_STANDARD"] == 23.0
    assert api.get("/businesses").json()["$items"][0]["displayed_as"] == "Dublin Traders"

