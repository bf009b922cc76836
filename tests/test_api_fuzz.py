"""schemathesis over /api/v1/openapi.json with a token: every check, bounded examples (14.6).

Positive cases get four fixes before they are sent, for rules JSON Schema cannot state (they
are written in the operations' descriptions instead): referenced contacts must exist and be of
the kind the document needs, a due date is not before the issue date, the lines' amounts stay
within what a document can hold, and the document's total is not below zero. Everything else a
request may hold is in the schema.
"""

import datetime
import json
import os
from decimal import Decimal

import pytest
import schemathesis
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import api_token
from hypothesis import HealthCheck
from hypothesis import settings

import models
from models.contact import Contact
from models.document import contact_kind_for
from models.money import document_totals
from models.money import line_amounts
from views.api.openapi import build_spec

# Bounded for CI; LEDGERLINK_FUZZ_EXAMPLES=500 for a deeper run by hand.
EXAMPLES = int(os.environ.get("LEDGERLINK_FUZZ_EXAMPLES", "25"))
SPEC = json.loads(json.dumps(build_spec(200)))


class _CurrentApp:
    """The WSGI app of the running test (each test has its own app, database and Redis)."""

    app = None
    calls = 0

    def __call__(self, environ, start_response):
        _CurrentApp.calls += 1
        return self.app(environ, start_response)


CURRENT = _CurrentApp()
# Loaded from the same builder the app serves (test_the_fuzzed_document_is_the_served_one checks);
# schemathesis' own lazy fixture loader does not run under pytest 9.
schema = schemathesis.openapi.from_dict(SPEC)
schema.app = CURRENT


@pytest.fixture
def api_app(app):
    """The app, with data positive cases can refer to and a token."""
    add_contact(app, "A0001")
    add_contact(app, "B0001", "Bolt & Co", kind="supplier")
    add_document(app, "S0001")
    app.config["SCHEMATHESIS_TOKEN"] = api_token(app, "schemathesis")
    CURRENT.app = app
    before = _CurrentApp.calls
    yield app
    CURRENT.app = None
    print(f"schemathesis: {_CurrentApp.calls - before} requests")


def test_the_fuzzed_document_is_the_served_one(client):
    assert client.get("/api/v1/openapi.json").json == SPEC


def _contact_of_kind(app, kind):
    with app.app_context(), models.db.connection_context():
        contact = Contact.select().where(Contact.kind == kind).first()
        if contact is None:
            contact = Contact.create(kind=kind, number=f"Z-{kind}", name=f"A {kind}")
        return contact.number


def _fix_cross_field_rules(app, case):
    body = case.body
    if not isinstance(body, dict) or case.meta is None:
        return
    if not case.meta.generation.mode.is_positive:
        return
    if case.operation.path == "/contacts/{number}":
        body["care_of_number"] = None
    if case.operation.path == "/documents/{number}":
        body["contact_number"] = _contact_of_kind(app, contact_kind_for(body["kind"]))
        body["care_of_number"] = None
        body["original_number"] = None
        due = body.get("due_date")
        if due and datetime.date.fromisoformat(due) < datetime.date.fromisoformat(
                body["issue_date"]):
            body["due_date"] = None
        for line in body["lines"]:
            if abs(Decimal(str(line["quantity"])) * Decimal(str(line["unit_price"]))) >= 10**9:
                line["quantity"] = "1"
        _, _, gross = document_totals(line_amounts(*(Decimal(str(line[part])) for part in (
            "quantity", "unit_price", "tax_rate"))) for line in body["lines"])
        if gross < 0:  # the same lines with every amount's sign turned total above zero
            for line in body["lines"]:
                line["quantity"] = _negated(line["quantity"])


def _negated(quantity):
    if isinstance(quantity, str):
        return quantity[1:] if quantity.startswith("-") else "-" + quantity
    return -quantity


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_published_promises(case, api_app):
    _fix_cross_field_rules(api_app, case)
    token = api_app.config["SCHEMATHESIS_TOKEN"]
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
