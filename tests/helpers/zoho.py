"""Test helpers for Zoho Books: validation against the published OpenAPI files, and an OAuth
dance that drives the sandbox's consent form over real HTTP."""

import copy
import functools
import re
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urlparse

import requests
import yaml
from openapi_schema_validator import OAS30ReadValidator
from openapi_schema_validator import OAS30WriteValidator

from helpers import oauth_dance

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "zoho"
API_PATH = re.compile(r"^(?:/zoho/[^/]+)?/books/v3(/.*)$")

# Where the published spec cannot describe what Zoho sends, each patch says why. Bills type
# money as integer (impossible for pence); the credit-note list types its list as one object,
# and one vendor credit types its line_items as one object.
_BILL_MONEY = {"sub_total", "tax_total", "total", "balance", "item_total", "bcy_rate",
               "payment_made", "vendor_credits_applied"}
ERRATA = {
    "create_bill": "bill_money", "get_bill": "bill_money", "list_bills": "bill_money",
    "list_credit_notes": "creditnotes_array", "create_vendor_credit": "vendor_credit_lines",
    "get_vendor_credit": "vendor_credit_lines",
}


@functools.cache
def _documents():
    return {path.name: yaml.safe_load(path.read_text()) for path in sorted(SPECS.glob("*.yml"))}


def _resolve(doc, node, seen=()):
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            target = doc
            for part in ref[2:].split("/"):
                target = target[part]
            if ref in seen:
                return {}
            return _resolve(doc, target, (*seen, ref))
        return {k: _resolve(doc, v, seen) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(doc, v, seen) for v in node]
    return node


@functools.cache
def _operations():
    """[(method, compiled path regex, template, file, operation)] for every spec operation."""
    out = []
    for name, doc in _documents().items():
        for template, ops in doc["paths"].items():
            pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
            for method, op in ops.items():
                if method in ("get", "post", "put", "delete"):
                    out.append((method.upper(), re.compile(f"^{pattern}$"), template, name, op))
    # Literal paths before templated ones (/invoices/email before /invoices/{id}).
    out.sort(key=lambda row: row[2].count("{"))
    return out


def operation(method, path):
    """The spec operation for a request path (sandbox prefix and /books/v3 stripped)."""
    match = API_PATH.match(path)
    api_path = match.group(1) if match else path
    for op_method, regex, template, name, op in _operations():
        if op_method == method.upper() and regex.match(api_path):
            return name, template, op
    raise AssertionError(f"no operation in the Zoho spec for {method} {api_path}")


def _patch(schema, errata):
    schema = copy.deepcopy(schema)
    if errata == "creditnotes_array":
        listed = schema["properties"]["creditnotes"]
        schema["properties"]["creditnotes"] = {"type": "array", "items": listed}
    elif errata == "vendor_credit_lines":
        lines = schema["properties"]["vendor_credit"]["properties"]["line_items"]
        schema["properties"]["vendor_credit"]["properties"]["line_items"] = {
            "type": "array", "items": {**lines, "type": "object"}}
    elif errata == "bill_money":
        def walk(node):
            if isinstance(node, dict):
                for key, value in node.get("properties", {}).items():
                    if key in _BILL_MONEY and value.get("type") == "integer":
                        value["type"] = "number"
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)
        walk(schema)
    return schema


def response_schema(method, path, status):
    """The resolved response schema for a status (errata applied); None if not documented."""
    name, _, op = operation(method, path)
    response = op.get("responses", {}).get(str(status))
    if response is None:
        return None
    schema = _resolve(_documents()[name], response["content"]["application/json"]["schema"])
    return _patch(schema, ERRATA.get(op["operationId"]))


def request_schema(method, path):
    """The resolved JSON request-body schema of an operation."""
    name, _, op = operation(method, path)
    body = op["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(_documents()[name], body)


def validate_response(method, path, status, body):
    """Assert that a response body matches the spec; return the operationId."""
    name, _, op = operation(method, path)
    schema = response_schema(method, path, status)
    assert schema is not None, f"{op['operationId']}: no {status} response in the spec"
    errors = sorted(OAS30ReadValidator(schema).iter_errors(body), key=str)
    assert not errors, f"{op['operationId']} response: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return op["operationId"]


def validate_request(method, path, body):
    """Assert that a JSON request body matches the spec; return the operationId."""
    name, _, op = operation(method, path)
    errors = sorted(OAS30WriteValidator(request_schema(method, path)).iter_errors(body), key=str)
    assert not errors, f"{op['operationId']} request: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
    return op["operationId"]


def validate_query(method, path, query):
    """Assert that every query parameter we send is one the operation documents."""
    _, _, op = operation(method, path)
    known = {p["name"] for p in op.get("parameters", [])} | {"organization_id"}
    unknown = set(query) - known - {k for k in query if _variant_of(k, known)}
    assert not unknown, f"{op['operationId']}: undocumented query parameters {sorted(unknown)}"


def _variant_of(name, known):
    # Zoho documents _startswith/_contains variants inside the base parameter's description.
    return any(name == f"{base}_{suffix}" for base in known for suffix in ("startswith",
                                                                            "contains"))


def consent(authorize_url, decision="allow", location="eu", user="owner@example.com"):
    """Submit the sandbox's authorize form for a data centre; return the callback URL."""
    assert location in oauth_dance.choices(authorize_url, "location")
    redirect = parse_qs(urlparse(authorize_url).query)["redirect_uri"][0]
    return oauth_dance.consent(authorize_url, redirect, decision=decision,
                               choose={"user": [user], "location": [location]})


REDIRECT_URI = "http://127.0.0.1:5000/integrations/zoho/callback"
UK_ORG, SECOND_ORG = "20060001", "20060002"


def zoho_state(sandbox):
    """The in-process Zoho sandbox object behind a SandboxServer."""
    return sandbox.state["providers"]["zoho"]


def raw_tokens(sandbox, location="eu", access_type="offline", client="sandbox-zoho-client"):
    """Consent at the sandbox and trade the code by hand; return (token answer, callback)."""
    query = urlencode({"client_id": client, "redirect_uri": REDIRECT_URI, "state": "s1",
                       "response_type": "code", "scope": "ZohoBooks.fullaccess.all",
                       "access_type": access_type})
    callback = consent(f"{sandbox.url}/zoho/accounts/oauth/v2/auth?{query}", location=location)
    params = {k: v[0] for k, v in parse_qs(urlparse(callback).query).items()}
    answer = requests.post(params["accounts-server"] + "/oauth/v2/token", timeout=10, data={
        "grant_type": "authorization_code", "code": params["code"], "client_id": client,
        "client_secret": "sandbox-zoho-secret", "redirect_uri": REDIRECT_URI}).json()
    return answer, params


def connect(provider, location="eu"):
    """The provider's real dance through the consent form; return its TokenSet."""
    auth = provider.authorization_request()
    callback = consent(auth.url, location=location)
    return provider.exchange_code(callback, auth)
