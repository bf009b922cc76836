"""Every screen and API route driven with out-of-range ids, huge numbers, NUL and deep JSON:
never a 5xx (issue 14.2, checked by 14.6). Runs on SQLite and PostgreSQL alike (PostgreSQL
refuses NUL and 64-bit overflows loudly, so it is the stricter of the two)."""

import json

from helpers.routes import STATE_CHANGING
from helpers.routes import build_world
from helpers.routes import path_for
from helpers.routes import rules
from helpers.routes import signed_in_client

ID_ARGUMENTS = {"contact_id", "document_id", "connection_id", "token_id", "user_id"}
BAD_IDS = ["18446744073709551616", "9223372036854775808", "9223372036854775807", "²", "١٢"]
BAD_TEXT = ["S\x00", "²", "9" * 5000]
HUGE = "1e999999999"
# Every field name a form or query string of the app reads, with values it cannot take.
HOSTILE_FIELDS = {
    "cursor": "QUFBQUFBQUFBQUFBQUFBQUFB²", "after_id": "18446744073709551616", "limit": "²",
    "original": "18446744073709551616", "q": "S\x00%", "kind": "sales_invoice\x00",
    "date_from": "99999-99-99", "date_to": "\x00", "sent": "²", "synced": "\x00",
    "number": "S\x00", "contact_number": "A\x00", "care_of_number": "A" * 100,
    "original_number": "\x00", "issue_date": "2026-02-30", "due_date": "\x00",
    "currency": "\x00GB", "reference": "\x00", "status": "\x00", "notes": "x\x00y",
    "lines-0-description": "x\x00y", "lines-0-quantity": "9" * 400, "lines-0-unit_price": HUGE,
    "lines-0-tax_rate": "-1e999999999", "lines-0-category": "\x00",
    "lines-0-nominal_code": "\x00", "lines-9999-unit_price": HUGE,
    "name": "\x00", "email": "\x00@example.com", "phone": "\x00", "address_line1": "\x00",
    "city": "\x00", "postcode": "\x00", "country": "ÄÖ", "vat_number": "\x00",
    "ledger_remote_id": "\x00", "ledger_connection": "18446744073709551616",
    "ledger_id_confirmed": "1", "role": "admin\x00", "active": "²", "password": "\x00" * 12,
    "new_password": "\x00" * 12, "confirm_password": "\x00" * 12,
    "current_password": "\x00", "method": "\x00", "organisation": "\x00", "reconnect": "\x00",
    "payment_terms": "\x00", "remove_logo": "1", "code": "\x00", "state": "\x00",
    "error": "\x00",
    "contact": "18446744073709551616", "supplier": "\x00", "document": "²", "skipped": "9" * 400,
}


def _deep_json(depth=5000):
    return "[" * depth + "]" * depth


def _requests(rule, method, world):
    """(path, keyword arguments) of the hostile requests for one rule and method."""
    path = path_for(rule, world)
    yield path, {"query_string": HOSTILE_FIELDS}
    if method in STATE_CHANGING:
        yield path, {"data": HOSTILE_FIELDS}
        yield path, {"data": _deep_json(), "content_type": "application/json"}
        yield path, {"data": json.dumps({"quantity": 10**4000, "unit_price": HUGE}),
                     "content_type": "application/json"}
    for name in set(rule.arguments) & ID_ARGUMENTS:
        for bad in BAD_IDS:
            yield path_for(rule, world, {name: bad}), {"data": HOSTILE_FIELDS}
    for name in set(rule.arguments) - ID_ARGUMENTS - {"filename"}:
        for bad in BAD_TEXT:
            yield path_for(rule, world, {name: bad}), {"data": HOSTILE_FIELDS}


def test_no_input_gives_a_server_error(app):
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF would refuse every POST before its checks
    world = build_world(app)
    api_headers = {"Authorization": f"Bearer {world.api_token}"}
    failures, count = [], 0
    for rule, method in rules(app):
        if rule.endpoint in ("auth.logout", "account.sign_out_all", "health.healthz"):
            continue  # ending the sign-in or reporting an outage is their whole job
        client = signed_in_client(app, world.admin)
        for path, options in _requests(rule, method, world):
            headers = api_headers if rule.rule.startswith("/api/") else {}
            response = client.open(path, method=method, headers=headers, **options)
            response.close()
            count += 1
            if response.status_code >= 500:
                failures.append(f"{method} {path[:120]!r} {sorted(options)}: "
                                f"{response.status_code}")
        assert client.get("/account/").status_code == 200, f"{rule.rule} signed the admin out"
    print(f"hostile inputs: {count} requests over {len(rules(app))} rule-methods")
    assert not failures, "\n".join(failures)


def test_api_bodies_out_of_range_are_422_not_500(app):
    world = build_world(app)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.api_token}"}
    line = {"quantity": "1", "unit_price": "10", "tax_rate": "20", "category": "labour"}
    base = {"kind": "sales_invoice", "contact_number": "A0001", "issue_date": "2026-03-01",
            "lines": [line]}
    for bad in ({"lines": [{**line, "unit_price": 1e300}]},
                {"lines": [{**line, "quantity": "9999999999", "unit_price": "9999999999"}]},
                {"notes": "x\x00y"}, {"reference": "\x07"}):
        response = client.put("/api/v1/documents/S77", headers=headers, json={**base, **bad})
        assert response.status_code == 422, (bad, response.json)
    raw = '{"kind": "sales_invoice", "lines": [{"unit_price": 1e999999999}]}'
    response = client.put("/api/v1/documents/S77", headers=headers, data=raw,
                          content_type="application/json")
    assert response.status_code == 422
    assert any(error["field"] == "lines.0.unit_price" for error in response.json["errors"])
    deep = client.put("/api/v1/documents/S77", headers=headers, data=_deep_json(),
                      content_type="application/json")
    assert deep.status_code == 422 and "nested" in deep.json["message"]
