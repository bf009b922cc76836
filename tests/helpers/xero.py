"""Test helpers for Xero: strict validation against the official OpenAPI files, the consent
dance over HTTP, and sample documents."""

import copy
import functools
import re
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal
from pathlib import Path

import yaml
from jsonschema import Draft4Validator
from jsonschema import FormatChecker

from helpers import oauth_dance
from providers.base import DocumentKind
from providers.base import OutgoingDocument
from providers.base import OutgoingLine
from providers.base import ProviderSettings

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "xero"
ENVELOPE = {"Id", "Status", "ProviderName", "DateTimeUTC"}  # on every 200 (spec examples)
OPEN_SCHEMAS = {"Element"}  # Xero echoes the whole submitted object inside Elements
MS_DATE = r"^/Date\(-?\d+([+-]\d{4})?\)/$"
ISO_OR_MS_DATE = r"^(\d{4}-\d{2}-\d{2}(T[\d:.]+)?|/Date\(-?\d+([+-]\d{4})?\)/)$"
REDIRECT_URI = "http://127.0.0.1:9/xero/callback"


@functools.cache
def spec(name):
    """A Xero OpenAPI file ("accounting" or "identity") as a dict."""
    filename = "xero_accounting.yaml" if name == "accounting" else "xero-identity.yaml"
    with open(SPECS / filename) as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader)  # noqa: S506 - the C safe loader


def _tighten(node, direction, open_object=False):
    """A copy of a schema where objects reject unknown properties, msdate fields must look like
    Xero dates (responses) and read-only properties may not be sent (requests)."""
    if isinstance(node, list):
        return [_tighten(item, direction) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _tighten(v, direction) for k, v in node.items() if k != "properties"}
    if "properties" in node:
        props = {}
        for name, prop in node["properties"].items():
            if direction == "request" and isinstance(prop, dict) and prop.get("readOnly"):
                continue
            tight = _tighten(prop, direction)
            if isinstance(prop, dict) and (prop.get("x-is-msdate") or
                                           prop.get("x-is-msdate-time")):
                tight["pattern"] = MS_DATE if direction == "response" else ISO_OR_MS_DATE
            props[name] = tight
        out["properties"] = props
        if not open_object:
            out["additionalProperties"] = False
    return out


@functools.cache
def _components(name, direction):
    schemas = spec(name)["components"]["schemas"]
    return {"schemas": {key: _tighten(value, direction, key in OPEN_SCHEMAS)
                        for key, value in schemas.items()}}


def _validator(name, schema, direction):
    root = dict(schema)
    root["components"] = _components(name, direction)
    return Draft4Validator(root, format_checker=FormatChecker())


def operation(method, path):
    """(spec name, path template, operation) for a sandbox path under /xero/."""
    if path.startswith("/xero/accounting/"):
        name, rest = "accounting", path[len("/xero/accounting"):]
    elif path.lower().startswith("/xero/api/connections"):
        name, rest = "identity", "/Connections" + path[len("/xero/api/connections"):]
    else:
        raise AssertionError(f"not a Xero API path: {path}")
    matches = []
    for template, item in spec(name)["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, rest, re.IGNORECASE) and method.lower() in item:
            matches.append(template)
    assert matches, f"{method} {path} is not in the Xero spec"
    # /Contacts/{ContactNumber} and /Contacts/{ContactID} both match a GUID: prefer the ID.
    matches.sort(key=lambda t: (t.count("{"), "ID}" not in t))
    template = matches[0]
    return name, template, spec(name)["paths"][template][method.lower()]


def _resolve(name, node):
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith(
            "#/components/responses/"):
        node = spec(name)["components"]["responses"][node["$ref"].rsplit("/", 1)[1]]
    return node


def validate_response(method, path, status, body):
    """Check a JSON body against the spec's schema for this operation and status; return the
    operationId. Xero's envelope fields (Id, Status, ...) are checked and set aside."""
    name, template, op = operation(method, path)
    declared = _resolve(name, op["responses"].get(str(status)))
    assert declared and "content" in declared, \
        f"{op['operationId']} declares no JSON body for HTTP {status}"
    schema = declared["content"]["application/json"]["schema"]
    if status == 200 and isinstance(body, dict) and name == "accounting":
        envelope = {k: body[k] for k in ENVELOPE & set(body)}
        assert set(envelope) == ENVELOPE, f"envelope missing from {op['operationId']}"
        assert envelope["Status"] == "OK" and re.match(r"^/Date\(\d+\)/$",
                                                        envelope["DateTimeUTC"])
        body = {k: v for k, v in body.items() if k not in ENVELOPE}
    _validator(name, schema, "response").validate(body)
    return op["operationId"]


def validate_request(method, path, body):
    """Check a JSON request body against the operation's request schema; return operationId."""
    name, template, op = operation(method, path)
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        _validator(name, content["application/json"]["schema"], "request").validate(body)
    else:
        assert body is None or "bytes" in body, f"{op['operationId']} takes no JSON body"
    return op["operationId"]


def consent(url, choose=None, decision="allow", user="owner@example.com"):
    """Submit the sandbox's consent form (tenants by index, or all of them) and return the
    callback URL from the redirect, without following it."""
    picks = {"user": [user]}
    if choose is not None:
        tenants = oauth_dance.choices(url, "tenant")
        picks["tenant"] = [tenants[i] for i in choose]
    return oauth_dance.consent(url, REDIRECT_URI, choose=picks, decision=decision,
                               select_all=choose is None)


def settings(sandbox, **options):
    """ProviderSettings pointing at the sandbox only (the sandbox's default client)."""
    return ProviderSettings(redirect_uri=REDIRECT_URI, sandbox_url=sandbox.url, options=options)


def connect(provider, choose=None):
    """Run the whole dance; return (tokens, organisations)."""
    auth = provider.authorization_request()
    tokens = provider.exchange_code(consent(auth.url, choose), auth)
    return tokens, provider.organisations(tokens)


def line(description, quantity, price, account_code, tax_type, rate):
    """An OutgoingLine with Xero-style per-line rounding of net and tax."""
    quantity, price = Decimal(str(quantity)), Decimal(str(price))
    net = (quantity * price).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    tax = (net * Decimal(str(rate)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return OutgoingLine(description=description, quantity=quantity, unit_price=price, net=net,
                        tax=tax, account_id="", account_code=account_code, tax_rate_id=tax_type)


SALES_LINE = ("200", "OUTPUT2", 20)
PURCHASE_LINE = ("429", "INPUT2", 20)


def document(kind, contact_id, number, local_id=1, lines=None, **extra):
    """An OutgoingDocument of a kind with sensible lines and totals."""
    account, tax_type, rate = SALES_LINE if kind.is_sales else PURCHASE_LINE
    lines = lines or [line("Consulting", 3, "33.333", account, tax_type, rate),
                      line("Travel", 1, "10.05", account, tax_type, rate)]
    net = sum((x.net for x in lines), Decimal("0.00"))
    tax = sum((x.tax for x in lines), Decimal("0.00"))
    values = dict(local_id=local_id, kind=kind, number=number, contact_id=contact_id,
                  issue_date=date(2026, 7, 1), due_date=date(2026, 7, 31), currency="GBP",
                  lines=copy.deepcopy(lines), net_total=net, tax_total=tax,
                  gross_total=net + tax, idempotency_key=f"doc-{local_id}-{number}")
    values.update(extra)
    return OutgoingDocument(**values)


ALL_KINDS = list(DocumentKind)
