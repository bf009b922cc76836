"""Test helpers for Sage Accounting: spec validation against the official swagger, and an
OAuth dance that drives the sandbox's real country and consent forms over HTTP."""

import functools
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlencode
from urllib.parse import urljoin
from urllib.parse import urlparse

import jsonschema
import requests

SPEC_PATH = (Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "sage"
             / "sage-accounting-v3.1.swagger.json")
API_PREFIX = "/sage/api/v3.1"
CLIENT_ID, CLIENT_SECRET = "sandbox-sage-client", "sandbox-sage-secret"
REDIRECT_URI = "http://127.0.0.1:8765/integrations/sage/callback"

# Sage's documented error body (developer.sage.com response codes; reference A5): not in the
# swagger, so written out here.
ERROR_SCHEMA = {"type": "array", "minItems": 1, "items": {
    "type": "object", "additionalProperties": False,
    "required": ["$severity", "$dataCode", "$message", "$source"],
    "properties": {k: {"type": "string"} for k in ("$severity", "$dataCode", "$message",
                                                   "$source")}}}

# Documented by Sage's idempotency guide but absent from the swagger: allowed in request bodies.
IDEMPOTENCY_ID = {"type": "string", "pattern": "^[0-9a-f]{32}$"}


@functools.cache
def spec():
    """The official v3.1 swagger, parsed once."""
    return json.loads(SPEC_PATH.read_text())


def _strict(node):
    """A copy where every object with declared properties rejects undeclared ones."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


@functools.cache
def _definitions():
    return _strict(spec()["definitions"])


def _validate(schema, instance):
    root = {**schema, "definitions": _definitions()}
    jsonschema.Draft4Validator(root, format_checker=jsonschema.FormatChecker()).validate(instance)


@functools.cache
def _templates():
    out = []
    for template, ops in spec()["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
        out.append((template.count("{"), pattern, template, ops))
    return sorted(out, key=lambda t: t[0])  # literal paths win over templated ones


def operation(method, path):
    """(operationId, operation) for an API path such as /sales_invoices/abc, or (None, None)."""
    path = path.split("?")[0].removeprefix(API_PREFIX)
    for _, pattern, _template, ops in _templates():
        if pattern.match(path) and method.lower() in ops:
            op = ops[method.lower()]
            return op["operationId"], op
    return None, None


def _envelope(array_schema):
    nullable = {"type": ["string", "null"]}
    return {"type": "object", "additionalProperties": False,
            "required": ["$total", "$page", "$next", "$back", "$items_per_page", "$items"],
            "properties": {"$total": {"type": "integer"}, "$page": {"type": "integer"},
                           "$next": nullable, "$back": nullable,
                           "$items_per_page": {"type": "integer"}, "$items": array_schema}}


def validate_response(method, path, status, body):
    """Validate a response body against the spec; return the operation id it checked.

    List operations are declared as bare arrays in the swagger but Sage wraps them in its
    documented paging envelope; the envelope is checked and `$items` against the array schema.
    Error bodies are checked against Sage's documented error array.
    """
    if status >= 400:
        jsonschema.validate(body, ERROR_SCHEMA)
        return "error"
    if path.split("?")[0].removeprefix(API_PREFIX) == "/businesses":
        # /businesses lives in Sage's separate core spec; its items are Base objects.
        _validate(_envelope({"type": "array", "items": {"$ref": "#/definitions/Base"}}), body)
        return "getBusinesses(core)"
    op_id, op = operation(method, path)
    assert op is not None, f"{method} {path} is not in the swagger"
    schema = op["responses"][str(status)]["schema"]
    _validate(_envelope(schema) if schema.get("type") == "array" else schema, body)
    return op_id


def validate_request(method, path, body):
    """Validate a request body against its operation's body schema; return the operation id."""
    op_id, op = operation(method, path)
    assert op is not None, f"{method} {path} is not in the swagger"
    params = [p for p in op.get("parameters", []) if p.get("in") == "body"]
    assert params, f"{op_id} takes no body"
    schema = json.loads(json.dumps(params[0]["schema"]))
    target = _definitions()[schema["$ref"].split("/")[-1]]
    root_name = next(iter(target["properties"]))
    resource = json.loads(json.dumps(target))
    resource["properties"][root_name]["properties"]["idempotency_id"] = IDEMPOTENCY_ID
    _validate(resource, body)
    return op_id


class _Forms(HTMLParser):
    """Collects the forms of a page: action, method and inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""),
                               "method": attrs.get("method", "get").lower(), "inputs": []})
        elif tag in ("input", "button") and self.forms:
            self.forms[-1]["inputs"].append(attrs)


def parse_form(html):
    """The first form on a page."""
    parser = _Forms()
    parser.feed(html)
    assert parser.forms, "no form on the page"
    return parser.forms[0]


def authorize_url(base, **overrides):
    """An authorize URL at the sandbox for the default client."""
    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI,
              "scope": "full_access", "state": "state-123", "filter": "apiv3.1", **overrides}
    return f"{base}/sage/auth/oauth2/auth/central?{urlencode(params)}"


def drive_consent(url, country="gb", businesses=None, decision="allow", session=None):
    """Walk the authorize pages like a user; return the callback URL (never followed).

    `businesses`: names (displayed text) or ids to tick; None keeps the default (the first).
    """
    http = session or requests.Session()
    page = http.get(url, timeout=10)
    assert page.status_code == 200, page.text
    form = parse_form(page.text)
    if form["method"] == "get":  # the country or region step
        values = {i["name"]: i.get("value", "") for i in form["inputs"]
                  if i.get("type") == "hidden"}
        values["country"] = country
        page = http.get(urljoin(page.url, form["action"]), params=values, timeout=10)
        assert page.status_code == 200, page.text
        form = parse_form(page.text)
    data = [(i["name"], i.get("value", "")) for i in form["inputs"]
            if i.get("type") in ("hidden", "email")]
    boxes = [i for i in form["inputs"] if i.get("name") == "business"]
    if businesses is None:
        chosen = [b["value"] for b in boxes if "checked" in b]
    else:
        chosen = [b["value"] for b in boxes if b["value"] in businesses]
        names = _box_labels(page.text)
        chosen += [bid for bid, name in names.items() if name in businesses]
    data += [("business", value) for value in chosen] + [("decision", decision)]
    reply = http.post(urljoin(page.url, form["action"]), data=data, allow_redirects=False,
                      timeout=10)
    assert reply.status_code == 302, reply.text
    return reply.headers["Location"]


def _box_labels(html):
    return dict(re.findall(r'name="business"\s+value="([0-9a-f]+)"[^>]*>\s*([^<]+?)\s*</label>',
                           html))


def callback_query(url):
    """A callback URL's query as a flat dict."""
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def exchange(base, code, **extra):
    """POST the token endpoint for an authorization code (client auth in the body)."""
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **extra}
    return requests.post(f"{base}/sage/oauth/token", data=data, timeout=10)


def refresh(base, refresh_token):
    """POST the token endpoint for a refresh."""
    data = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    return requests.post(f"{base}/sage/oauth/token", data=data, timeout=10)


def connect(base, businesses=None):
    """Consent (both demo businesses unless told) and exchange; return the token response."""
    callback = drive_consent(authorize_url(base), businesses=businesses or
                             ["Demo Trading Ltd", "Demo Services Ltd"])
    response = exchange(base, callback_query(callback)["code"])
    assert response.status_code == 200, response.text
    return response.json()
