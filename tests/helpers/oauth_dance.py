"""Drive a sandbox provider's sign-in and consent pages over real HTTP, as a person would."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _FormParser(HTMLParser):
    """Collect the first form's action and the values a browser would submit by default."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.choices, self.in_form = None, [], {}, False
        self.method = "post"
        self.checkboxes = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action, self.in_form = attrs.get("action", ""), True
            self.method = (attrs.get("method") or "get").lower()
        elif not self.in_form:
            return
        elif tag == "input":
            kind, name = attrs.get("type", "text"), attrs.get("name")
            if not name or kind in ("submit", "button"):
                return
            if kind in ("checkbox", "radio"):
                self.choices.setdefault(name, []).append(attrs.get("value", "on"))
                if kind == "checkbox":
                    self.checkboxes.setdefault(name, []).append(attrs.get("value", "on"))
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            else:
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and (
                "selected" in attrs or not any(n == self._select for n, _ in self.fields)):
            self.fields = [(n, v) for n, v in self.fields if n != self._select]
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None


def consent(authorize_url, redirect_prefix, choose=None, decision="allow", max_steps=5,
            select_all=False):
    """Follow the provider's pages, submitting each form, until it redirects to redirect_prefix.

    `choose` maps a field name to the values to pick instead of the defaults (e.g. several
    organisations); `select_all` ticks every checkbox offered (grant every organisation).
    Returns the callback URL the provider sent the browser to.
    """
    browser = requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(max_steps):
        location = response.headers.get("Location", "")
        if response.is_redirect and location.startswith(redirect_prefix):
            return location
        if response.is_redirect:
            response = browser.get(urljoin(response.url, location), allow_redirects=False,
                                   timeout=10)
            continue
        parser = _FormParser()
        parser.feed(response.text)
        assert parser.action is not None, f"no form on {response.url}: {response.text[:300]}"
        picks = dict(choose or {})
        if select_all:
            picks.update({name: values for name, values in parser.checkboxes.items()
                          if name not in picks})
        fields = [(n, v) for n, v in parser.fields if n not in picks]
        for name, values in picks.items():
            fields.extend((name, value) for value in values)
        target = urljoin(response.url, parser.action)
        if parser.method == "get":
            response = browser.get(target, params=fields, allow_redirects=False, timeout=10)
            continue
        fields.append(("decision", decision))
        response = browser.post(target, data=fields, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never redirected back")


def choices(authorize_url, field="org"):
    """The options a consent page offers for a field (e.g. the organisations)."""
    response = requests.get(authorize_url, timeout=10)
    parser = _FormParser()
    parser.feed(response.text)
    return parser.choices.get(field, [])
