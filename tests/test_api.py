"""The JSON API: bearer tokens, idempotent upserts, 422 field errors, caps, mark sent, lists."""

import json

import pytest
from helpers.docs import add_contact
from helpers.docs import api_token
from helpers.docs import document_payload
from helpers.docs import line
from helpers.docs import mark_synced

import models
from models.api_token import ApiToken
from models.document import Document


@pytest.fixture
def api(app, client):
    """A client with a valid bearer token and one customer, A0001."""
    token = api_token(app)
    add_contact(app)

    def call(method, path, body=None, token_override=None, raw=None, content_type=None):
        headers = {"Authorization": f"Bearer {token_override or token}"}
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return client.open("/api/v1" + path, method=method, headers=headers, data=data,
                           content_type=content_type or "application/json")

    return call


def test_requests_without_a_valid_token_are_refused(app, client, api):
    assert client.get("/api/v1/documents").status_code == 401
    assert api("GET", "/documents", token_override="llk_not-a-token").status_code == 401
    response = client.get("/api/v1/documents", headers={"Authorization": "Basic abc"})
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(app, api):
    assert api("GET", "/documents").status_code == 200
    with app.app_context(), models.db.connection_context():
        ApiToken.get().revoke()
    assert api("GET", "/documents").status_code == 401


def test_tokens_are_stored_hashed(app):
    plain = api_token(app)
    with app.app_context(), models.db.connection_context():
        stored = ApiToken.get()
        assert plain not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64


def test_document_upsert_is_idempotent(app, api):
    payload = document_payload(lines=[line(quantity="3", unit_price="19.99"),
                                      line("Parts", "1", "0.333", category="materials")])
    first = api("PUT", "/documents/s10001", payload)
    assert first.status_code == 201, first.json
    assert first.json["outcome"] == "created"
    document = first.json["document"]
    assert document["number"] == "S10001"
    assert document["totals"] == {"net": "60.30", "tax": "12.06", "gross": "72.36"}
    assert [ln["net"] for ln in document["lines"]] == ["59.97", "0.33"]
    again = api("PUT", "/documents/S10001", payload)
    assert again.status_code == 200
    assert again.json["outcome"] == "unchanged"
    assert again.json["document"]["updated_at"] == document["updated_at"]
    changed = api("PUT", "/documents/S10001", {**payload, "reference": "Job 7"})
    assert changed.json["outcome"] == "updated"
    with app.app_context(), models.db.connection_context():
        assert Document.select().count() == 1


def test_contact_upsert_is_idempotent_and_care_of_is_checked(api):
    body = {"kind": "customer", "name": "Flat 3, Quay House", "postcode": "bs1 4rw",
            "care_of_number": "A0001"}
    assert api("PUT", "/contacts/A0100", body).json["outcome"] == "created"
    second = api("PUT", "/contacts/A0100", body)
    assert second.status_code == 200 and second.json["outcome"] == "unchanged"
    assert second.json["contact"]["care_of_number"] == "A0001"
    assert second.json["contact"]["postcode"] == "BS1 4RW"
    bad = api("PUT", "/contacts/A0101", {**body, "care_of_number": "A9999"})
    assert bad.status_code == 422
    assert bad.json["errors"] == [{"field": "care_of_number",
                                   "message": "There is no contact with account number A9999."}]


def test_invalid_input_gets_422_with_field_errors(api):
    payload = document_payload(lines=[line(quantity="two"), {"quantity": 1, "unit_price": 0.1}])
    payload.pop("issue_date")
    payload["colour"] = "blue"
    response = api("PUT", "/documents/S10002", payload)
    assert response.status_code == 422
    fields = {error["field"]: error["message"] for error in response.json["errors"]}
    assert fields["colour"] == "Unknown field."
    assert fields["issue_date"] == "This field is required."
    assert fields["lines.1.tax_rate"] == "This field is required."
    assert "lines.0.quantity" in fields


def test_semantic_errors_are_422_too(api):
    payload = document_payload(contact_number="A0404", currency="XXQ",
                               lines=[line(tax_rate="120", category="")])
    response = api("PUT", "/documents/S10003", payload)
    assert response.status_code == 422
    fields = {error["field"]: error["message"] for error in response.json["errors"]}
    assert fields["contact_number"] == "There is no contact with account number A0404."
    assert "ISO 4217" in fields["currency"]
    assert "between 0 and 100" in fields["lines.0.tax_rate"]
    assert "nominal code" in fields["lines.0.category"]


def test_a_supplier_document_needs_a_supplier(api):
    response = api("PUT", "/documents/P1", document_payload(kind="supplier_invoice"))
    assert response.status_code == 422
    assert "needs a supplier" in response.json["errors"][0]["message"]


def test_payload_size_and_line_caps(app, api):
    app.config["API_MAX_LINES"] = 3
    response = api("PUT", "/documents/S10004", document_payload(lines=[line()] * 4))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "lines"
    app.config["API_MAX_BODY_KB"] = 1
    big = document_payload(notes="x" * 2000)
    response = api("PUT", "/documents/S10004", big)
    assert response.status_code == 413
    assert response.json["error"] == "too_large"


def test_not_json_is_refused(api):
    assert api("PUT", "/documents/S1", raw="{not json").status_code == 422
    assert api("PUT", "/documents/S1", raw="a=b", content_type="text/plain").status_code == 415


def test_mark_sent_and_read_with_sync_status(app, api):
    api("PUT", "/documents/S10005", document_payload())
    response = api("POST", "/documents/S10005/sent", {"method": "email"})
    assert response.json["outcome"] == "updated"
    assert response.json["document"]["sent"] is True
    assert response.json["document"]["sent_method"] == "email"
    assert api("POST", "/documents/S10005/sent", {"method": "email"}).json["outcome"] == "unchanged"
    assert api("POST", "/documents/S10005/sent", {"method": "fax"}).status_code == 422
    read = api("GET", "/documents/S10005").json
    assert read["sync"] == {"state": "not_synced", "synced_at": None}
    assert api("GET", "/documents/S404").status_code == 404
    assert api("POST", "/documents/S404/sent", {}).status_code == 404


def test_a_synced_document_refuses_changes_but_accepts_the_same_payload(app, api):
    payload = document_payload()
    created = api("PUT", "/documents/S10006", payload)
    with app.app_context(), models.db.connection_context():
        document_id = Document.get(Document.number == "S10006").id
    mark_synced(app, document_id)
    assert api("PUT", "/documents/S10006", payload).json["outcome"] == "unchanged"
    refused = api("PUT", "/documents/S10006", {**payload, "lines": [line(unit_price="99")]})
    assert refused.status_code == 409
    assert "credit note" in refused.json["message"]
    read = api("GET", "/documents/S10006").json
    assert read["sync"]["state"] == "synced"
    assert read["totals"] == created.json["document"]["totals"]


def test_list_uses_cursor_pagination(api):
    for n in range(5):
        api("PUT", f"/documents/S2000{n}", document_payload())
    seen, cursor = [], None
    while True:
        page = api("GET", "/documents?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        seen += [item["number"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [f"S2000{n}" for n in range(5)]
    assert api("GET", "/documents?limit=0").status_code == 422
    assert api("GET", "/documents?cursor=!!").status_code == 422
    only = api("GET", "/documents?kind=sales_credit_note").json
    assert only == {"items": [], "next_cursor": None}


def test_the_api_needs_no_csrf_token(app, client, api):
    app.config["WTF_CSRF_ENABLED"] = True
    response = api("PUT", "/contacts/A0200", {"kind": "supplier", "name": "Bolt & Co"})
    assert response.status_code == 201


def test_the_token_never_reaches_the_log(app, client, capsys):
    token = api_token(app)
    add_contact(app)
    client.get("/api/v1/documents?limit=1", headers={"Authorization": f"Bearer {token}"})
    client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}x"})
    output = capsys.readouterr().out
    assert "/api/v1/documents" in output and token not in output


def test_a_bad_number_in_the_path_is_a_field_error(api):
    response = api("PUT", "/documents/S%201", document_payload())
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "number"
