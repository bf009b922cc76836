"""Test helpers for QuickBooks Online: an XSD-based JSON shape checker and the OAuth dance.

QuickBooks publishes no OpenAPI; its XSDs (../shared/specs/qbo) are the machine-readable
contract, and its JSON uses the XSD names: child elements and attributes become keys, and a
simple-content value (e.g. a ReferenceType's text) becomes "value".
"""

import functools
import re
from pathlib import Path
from urllib.parse import urljoin

import requests
from lxml import etree

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "qbo"
XS = "{http://www.w3.org/2001/XMLSchema}"
FILES = ("IntuitBaseTypes.xsd", "IntuitNamesTypes.xsd", "Finance.xsd", "SalesTax.xsd",
         "IntuitRestServiceDef.xsd")
_NUMBERS = {"decimal", "int", "integer", "long", "double", "float", "short",
            "positiveInteger", "nonNegativeInteger"}


class Schema:
    """Complex and simple types of the QuickBooks XSDs, indexed by name."""

    def __init__(self):
        self.complex, self.simple, self.groups, self.substitutes = {}, {}, {}, {}
        self._members = {}
        for name in FILES:
            root = etree.parse(str(SPECS / name)).getroot()
            for node in root.iterchildren(etree.Element):
                kind, type_name = etree.QName(node).localname, node.get("name")
                if kind == "complexType":
                    self.complex[type_name] = node
                elif kind == "simpleType":
                    self.simple[type_name] = node
                elif kind == "group":
                    self.groups[type_name] = node
                elif kind == "element" and node.get("substitutionGroup") == "IntuitObject":
                    self.substitutes[type_name] = node.get("type")

    def members(self, type_name):
        """{key: (type name, repeatable)} for a complex type, inherited members included."""
        if type_name in self._members:
            return self._members[type_name]
        node = self.complex[type_name]
        out = self._members[type_name] = {}
        for content in node.iterchildren(XS + "complexContent", XS + "simpleContent"):
            for base in content.iterchildren(XS + "extension", XS + "restriction"):
                base_type = _local(base.get("base"))
                if base_type in self.complex:
                    out.update(self.members(base_type))
                elif content.tag == XS + "simpleContent":
                    out["value"] = (base_type, False)
        self._collect(node, out, repeat=False)
        return out

    def _collect(self, node, out, repeat):
        for child in node.iterchildren(etree.Element):
            tag = etree.QName(child).localname
            many = repeat or child.get("maxOccurs", "1") != "1"
            if tag == "element" and child.get("ref") == "IntuitObject":
                for entity, entity_type in self.substitutes.items():
                    out[entity] = (entity_type, many)
            elif tag == "element":
                out[child.get("name")] = (_local(child.get("type") or "string"), many)
            elif tag == "attribute":
                out[child.get("name")] = (_local(child.get("type") or "string"), False)
            elif tag == "group":
                self._collect(self.groups[_local(child.get("ref"))], out, many)
            elif tag in ("sequence", "choice", "all", "complexContent", "simpleContent",
                         "extension", "restriction"):
                self._collect(child, out, many)

    def enumeration(self, type_name):
        """Allowed values of an enumerated simple type (None when not enumerated)."""
        node = self.simple.get(type_name)
        if node is None:
            return None
        values = [e.get("value") for e in node.iter(XS + "enumeration")]
        return values or None

    def check(self, value, type_name, path="$"):
        """Problems (a list of strings) where `value` does not fit `type_name`."""
        if type_name in self.complex:
            if not isinstance(value, dict):
                return [f"{path}: expected an object for {type_name}, got {value!r:.60}"]
            members, problems = self.members(type_name), []
            for key, item in value.items():
                if key not in members:
                    problems.append(f"{path}.{key}: not an element of {type_name}")
                    continue
                child_type, many = members[key]
                items = item if many and isinstance(item, list) else [item]
                if isinstance(item, list) and not many:
                    problems.append(f"{path}.{key}: {type_name}.{key} is not repeatable")
                for index, element in enumerate(items):
                    problems += self.check(element, child_type, f"{path}.{key}[{index}]")
            return problems
        return self._check_simple(value, type_name, path)

    def _check_simple(self, value, type_name, path):
        if isinstance(value, (dict, list)):
            return [f"{path}: expected a simple {type_name} value"]
        allowed = self.enumeration(type_name)
        if allowed is not None and value not in allowed:
            return [f"{path}: {value!r} not in {type_name} {allowed}"]
        if type_name == "boolean" and not isinstance(value, bool):
            return [f"{path}: expected a boolean"]
        if type_name in _NUMBERS and (isinstance(value, bool) or
                                      not isinstance(value, (int, float))):
            return [f"{path}: expected a number, got {value!r}"]
        if type_name == "date" and not re.fullmatch(r"\d{4}-\d\d-\d\d", str(value)):
            return [f"{path}: expected a date, got {value!r}"]
        return []


def _local(qname):
    return qname.split(":")[-1] if qname else qname


@functools.cache
def schema():
    """The parsed QuickBooks XSDs (cached)."""
    return Schema()


def response_problems(body):
    """Problems of a JSON response body read as an IntuitResponse."""
    return schema().check(body, "IntuitResponse")


def entity_problems(entity_name, body):
    """Problems of a request body that is one entity (e.g. an Invoice)."""
    return schema().check(body, schema().substitutes[entity_name])


def batch_request_problems(body):
    """Problems of a /batch request body (an IntuitBatchRequest)."""
    return schema().check(body, "IntuitBatchRequest")


# --- the OAuth dance ---------------------------------------------------------------------------

_FORM = re.compile(r'<form method="post" action="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
_CHOICE = re.compile(r'<input type="(?:radio|checkbox)" name="([^"]+)"\s+value="([^"]+)"')


def consent(authorize_url, decision="allow", choice=None, user="owner@example.com"):
    """GET the authorize page, POST the consent form; return the callback URL (not followed)."""
    page = requests.get(authorize_url, timeout=10)
    page.raise_for_status()
    html = page.text
    action = urljoin(authorize_url, _FORM.search(html).group(1))
    data = dict(_HIDDEN.findall(html))
    choices = _CHOICE.findall(html)
    if choices:
        field = choices[0][0]
        data[field] = choice or choices[0][1]
    data.update({"user": user, "decision": decision})
    answer = requests.post(action, data=data, allow_redirects=False, timeout=10)
    assert answer.status_code in (302, 303), answer.text[:300]
    return answer.headers["Location"]


def choices_on(authorize_url):
    """The organisation choices the authorize page offers: [(value, label)]."""
    html = requests.get(authorize_url, timeout=10).text
    return [value for _, value in _CHOICE.findall(html)]


# --- raw HTTP against the sandbox ---------------------------------------------------------------

CLIENT = ("sandbox-qbo-client", "sandbox-qbo-secret")
CALLBACK = "http://127.0.0.1:9/callback"
SCOPE = "com.intuit.quickbooks.accounting"
US_REALM, UK_REALM = "9341450000000001", "9341450000000002"


def authorize_url(base, state="st-1", scope=SCOPE, redirect_uri=CALLBACK, client_id=CLIENT[0]):
    """The sandbox authorize URL as a client would build it."""
    from urllib.parse import urlencode

    query = urlencode({"client_id": client_id, "response_type": "code", "scope": scope,
                       "redirect_uri": redirect_uri, "state": state})
    return f"{base}/qbo/appcenter/connect/oauth2?{query}"


def callback_query(url):
    """The callback's query parameters."""
    from urllib.parse import parse_qs
    from urllib.parse import urlparse

    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def token_request(base, auth=CLIENT, **form):
    """POST the token endpoint with HTTP Basic client authentication."""
    return requests.post(f"{base}/qbo/oauth/oauth2/v1/tokens/bearer", data=form, auth=auth,
                         headers={"Accept": "application/json"}, timeout=10)


def raw_connect(base, realm=US_REALM):
    """Consent for one company and exchange the code: (token response dict, realmId)."""
    params = callback_query(consent(authorize_url(base), choice=realm))
    answer = token_request(base, grant_type="authorization_code", code=params["code"],
                           redirect_uri=CALLBACK)
    assert answer.status_code == 200, answer.text
    return answer.json(), params["realmId"]


def api(base, token, realm, method, path, params=None, **kwargs):
    """One Accounting API call with minorversion=75 and JSON accepted."""
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json",
               **kwargs.pop("headers", {})}
    return requests.request(method, f"{base}/qbo/api/v3/company/{realm}{path}",
                            params={"minorversion": "75", **(params or {})}, headers=headers,
                            timeout=kwargs.pop("timeout", 10), **kwargs)
