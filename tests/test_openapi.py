"""openapi.json describes the API as built: every route is in it, and real traffic validates."""

import json
import re

import pytest
from helpers.docs import add_contact
from helpers.docs import api_token
from helpers.docs import document_payload
from helpers.docs import line
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIResponse
from werkzeug.test import EnvironBuilder


def _spec_paths(spec):
    return {("/api/v1" + path, method.upper()) for path, item in spec["paths"].items()
            for method in item if method != "parameters"}


def _route_paths(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes


def test_the_document_is_public_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    OpenAPI.from_dict(spec)  # raises when the document is not valid OpenAPI 3.1


def test_every_route_is_documented_and_nothing_else(app, client):
    spec = client.get("/api/v1/openapi.json").json
    assert _spec_paths(spec) == _route_paths(app)


@pytest.fixture
def checked(app, client):
    """Call the API and validate the request and the response against openapi.json."""
    openapi = OpenAPI.from_dict(client.get("/api/v1/openapi.json").json)
    token = api_token(app)

    def call(method, path, body=None, expect=200):
        options = {"method": method, "data": None if body is None else json.dumps(body),
                   "content_type": "application/json",
                   "headers": {"Authorization": f"Bearer {token}"}}
        response = client.open("/api/v1" + path, **options)
        assert response.status_code == expect, response.get_data(as_text=True)
        # The app consumed its copy of the body; validate an identical request built afresh.
        request = WerkzeugOpenAPIRequest(EnvironBuilder("/api/v1" + path, **options).get_request())
        if expect < 400:
            openapi.validate_request(request)
        openapi.validate_response(request, WerkzeugOpenAPIResponse(response))
        return response

    return call


def test_real_traffic_matches_the_document(app, checked):
    add_contact(app)
    checked("PUT", "/contacts/A0002", {"kind": "customer", "name": "Quay House",
                                       "care_of_number": "A0001"}, expect=201)
    checked("PUT", "/contacts/A0002", {"kind": "customer", "name": "Quay House",
                                       "care_of_number": "A0001"})
    checked("GET", "/contacts/A0002")
    payload = document_payload(lines=[line(), line("Valve", "2", "12.5", category="materials")])
    checked("PUT", "/documents/S1", payload, expect=201)
    checked("PUT", "/documents/S1", payload)
    checked("POST", "/documents/S1/sent", {"method": "post"})
    checked("GET", "/documents/S1")
    checked("GET", "/documents?limit=1")
    checked("GET", "/documents?kind=sales_invoice")


def test_error_responses_match_the_document(app, checked):
    add_contact(app)
    checked("PUT", "/documents/S2", {"kind": "sales_invoice"}, expect=422)
    checked("GET", "/documents/S404", expect=404)
    checked("GET", "/contacts/A404", expect=404)
    checked("POST", "/documents/S404/sent", {}, expect=404)


def test_payment_traffic_matches_the_document(app, checked):
    add_contact(app)
    checked("PUT", "/documents/S1", document_payload(), expect=201)  # 120.00 gross
    recorded = checked("POST", "/documents/S1/payments",
                       {"paid_on": "2026-03-10", "amount": "100.50", "reference": "BACS"},
                       expect=201).json
    assert recorded["owed"] == "19.50" and recorded["payment"]["exported"] is False
    assert recorded["payment"]["ledger"] is None  # no cloud package connected
    listed = checked("GET", "/documents/S1/payments").json
    assert [p["amount"] for p in listed["items"]] == ["100.50"] and listed["owed"] == "19.50"
    too_much = checked("POST", "/documents/S1/payments",
                       {"paid_on": "2026-03-11", "amount": "19.51"}, expect=422).json
    assert too_much["errors"][0]["message"] == "The amount is more than is owed (19.50)."
    checked("POST", "/documents/S1/payments", {"paid_on": "2026-03-11", "amount": 0},
            expect=422)
    checked("DELETE", f"/documents/S1/payments/{recorded['payment']['id']}", expect=204)
    checked("DELETE", f"/documents/S1/payments/{recorded['payment']['id']}", expect=404)
    checked("GET", "/documents/S404/payments", expect=404)
    assert checked("GET", "/documents/S1/payments").json == {"items": [], "owed": "120.00"}
