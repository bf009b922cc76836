"""What the sandbox core owns, tested once over every package in sandbox.REGISTRY: the refresh
race, revocation, per-tenant minute limits, fault injection and seeding through /_control.

Each provider is reached over its own wire by a small driver below; what differs between them
(the refusal body, the 429 body, whether a revoke ends live access tokens) is the driver's.
"""

import threading

import pytest
import requests
from helpers.qbo import CLIENT as QBO_CLIENT
from helpers.qbo import UK_REALM
from helpers.qbo import raw_connect
from helpers.qbo import token_request as qbo_token_request
from helpers.sage import CLIENT_ID as SAGE_CLIENT_ID
from helpers.sage import CLIENT_SECRET as SAGE_CLIENT_SECRET
from helpers.sage import refresh as sage_refresh
from helpers.zoho import SECOND_ORG
from helpers.zoho import UK_ORG
from helpers.zoho import raw_tokens
from helpers.zoho import zoho_state
from test_sandbox_qbo import call as qbo_call
from test_sandbox_qbo import fault_code
from test_sandbox_qbo import invoice_body
from test_sandbox_sage import _api as sage_api
from test_sandbox_sage import _invoice as sage_invoice
from test_sandbox_xero import BASIC as XERO_BASIC
from test_sandbox_xero import Api as XeroApi
from test_sandbox_xero import contact_id
from test_sandbox_xero import invoice
from test_sandbox_xero import put_invoices
from test_sandbox_xero import sign_in
from test_sandbox_xero import token_request as xero_token_request

from sandbox import REGISTRY
from sandbox.core import Limits

PROVIDERS = list(REGISTRY)


class Driver:
    """How the shared tests reach one provider's sandbox over its own wire.

    Each driver has: connect() -> a session on the first demo tenant; refresh_token(session);
    read(session) -> a cheap API call; other_tenant(session) -> a session on another tenant;
    write(session, number) -> create a document; numbers(session) -> the numbers of that kind
    of document; refresh(token); revoke(session); and predicates on answers: refused (the
    provider's invalid_grant), revoked, limited (its 429 body), server_error (its 500 body).
    """

    access_survives_revoke = False  # whether access tokens outlive a revoke (Sage: yes)
    storm_retry_after = "1"  # the Retry-After of an injected 429

    def __init__(self, sandbox):
        self.sandbox, self.url = sandbox, sandbox.url

    def refreshed(self, answer):
        """A successful refresh answer."""
        return answer.status_code == 200 and bool(answer.json().get("access_token"))

    def timed_out(self, answer):
        """The provider's shape of a 504 after a write (beyond the status)."""
        return True


class Xero(Driver):
    storm_retry_after = "60"

    def connect(self):
        return XeroApi(self.sandbox, sign_in(self.sandbox))

    def refresh_token(self, session):
        return session.token["refresh_token"]

    def read(self, session):
        return session("GET", "/TaxRates")

    def other_tenant(self, session):
        return XeroApi(self.sandbox, session.token, session.connections().json()[1]["tenantId"])

    def write(self, session, number):
        return put_invoices(session, invoice(contact_id(session), number))

    def numbers(self, session):
        return [d["InvoiceNumber"] for d in session("GET", "/Invoices").json()["Invoices"]]

    def refresh(self, refresh_token):
        return xero_token_request(self.sandbox, grant_type="refresh_token",
                                  refresh_token=refresh_token)

    def refused(self, answer):
        return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"

    def revoke(self, session):
        return requests.post(f"{self.url}/xero/identity/connect/revocation", headers=XERO_BASIC,
                             data={"token": session.token["refresh_token"]}, timeout=10)

    def revoked(self, answer):
        return answer.status_code == 200

    def limited(self, answer):
        return answer.headers["X-Rate-Limit-Problem"] == "minute"

    def server_error(self, answer):
        return answer.json()["Title"] == "An error occurred"


class Qbo(Driver):
    storm_retry_after = "60"

    def connect(self, realm=None):
        tokens, realm = raw_connect(self.url, *([realm] if realm else []))
        return (self.url, tokens["access_token"], realm, tokens)

    def refresh_token(self, session):
        return session[3]["refresh_token"]

    def read(self, session):
        return qbo_call(session[:3], "GET", "/preferences")

    def other_tenant(self, session):
        return self.connect(UK_REALM)

    def write(self, session, number):
        return qbo_call(session[:3], "POST", "/invoice", json=invoice_body(number=number))

    def numbers(self, session):
        found = qbo_call(session[:3], "GET", "/query",
                         params={"query": "select * from Invoice"}).json()
        return [d["DocNumber"] for d in found["QueryResponse"].get("Invoice", [])]

    def refresh(self, refresh_token):
        return qbo_token_request(self.url, grant_type="refresh_token",
                                 refresh_token=refresh_token)

    def refused(self, answer):
        return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"

    def revoke(self, session):
        return requests.post(f"{self.url}/qbo/developer/v2/oauth2/tokens/revoke",
                             auth=QBO_CLIENT, json={"token": self.refresh_token(session)},
                             timeout=10)

    def revoked(self, answer):
        return answer.status_code == 200

    def limited(self, answer):
        return fault_code(answer) == "3001" and \
            "ThrottleExceeded" in answer.json()["Fault"]["Error"][0]["Message"]

    def server_error(self, answer):
        return fault_code(answer) == "10000"


class Sage(Driver):
    access_survives_revoke = True

    def connect(self, business="Demo Trading Ltd"):
        api, tokens = sage_api(self.sandbox, business)
        api.tokens = tokens
        return api

    def refresh_token(self, session):
        return session.tokens["refresh_token"]

    def read(self, session):
        return session.get("/contacts")

    def other_tenant(self, session):
        return self.connect("Demo Services Ltd")

    def write(self, session, number):
        return sage_invoice(session, number)[0]  # the number goes in as the reference

    def numbers(self, session):
        found = session.get("/sales_invoices", attributes="reference").json()["$items"]
        return [d["reference"] for d in found]

    def refresh(self, refresh_token):
        return sage_refresh(self.url, refresh_token)

    def refused(self, answer):
        return answer.status_code == 400 and answer.json() == {"error": "invalid_grant"}

    def revoke(self, session):
        return requests.post(f"{self.url}/sage/oauth/revoke", timeout=10, data={
            "client_id": SAGE_CLIENT_ID, "client_secret": SAGE_CLIENT_SECRET,
            "token": self.refresh_token(session)})

    def revoked(self, answer):
        return answer.json() == {"success": "ok"}

    def limited(self, answer):
        return answer.json()[0]["$dataCode"] == "TooManyRequests"

    def server_error(self, answer):
        return answer.json()[0]["$severity"] == "error"


class Zoho(Driver):
    def connect(self, org=UK_ORG):
        tokens, _ = raw_tokens(self.sandbox)
        return {"tokens": tokens, "org": org}

    def refresh_token(self, session):
        return session["tokens"]["refresh_token"]

    def _call(self, session, method, path, **kwargs):
        return requests.request(
            method, f"{session['tokens']['api_domain']}/books/v3{path}", timeout=10,
            params={"organization_id": session["org"]},
            headers={"Authorization": f"Zoho-oauthtoken {session['tokens']['access_token']}"},
            **kwargs)

    def read(self, session):
        return self._call(session, "GET", "/settings/taxes")

    def other_tenant(self, session):
        return {**session, "org": SECOND_ORG}

    def write(self, session, number):
        tenant = zoho_state(self.sandbox).tenants[session["org"]]
        account = next(a["account_id"] for a in tenant["chartofaccounts"].values()
                       if a["account_name"] == "Office Supplies")
        vendor = next(c["contact_id"] for c in tenant["contacts"].values()
                      if c["contact_name"] == "Northwind Supplies Ltd")
        return self._call(session, "POST", "/bills", json={
            "vendor_id": vendor, "bill_number": number,
            "line_items": [{"account_id": account, "rate": 9, "quantity": 1}]})

    def numbers(self, session):
        bills = zoho_state(self.sandbox).tenants[session["org"]]["bills"].values()
        return [d["bill_number"] for d in bills]

    def refresh(self, refresh_token):
        return requests.post(f"{self.url}/zoho/accounts-eu/oauth/v2/token", timeout=10, data={
            "grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": "sandbox-zoho-client", "client_secret": "sandbox-zoho-secret"})

    def refreshed(self, answer):
        body = answer.json()
        # Zoho's refresh answer carries no refresh token, and names the API domain.
        return bool(body.get("access_token")) and "refresh_token" not in body \
            and body["api_domain"] == f"{self.url}/zoho/api-eu"

    def refused(self, answer):
        return answer.json() == {"error": "invalid_code"}  # Zoho answers token errors with 200

    def revoke(self, session):
        return requests.post(f"{self.url}/zoho/accounts-eu/oauth/v2/token/revoke",
                             params={"token": self.refresh_token(session)}, timeout=10)

    def revoked(self, answer):
        return answer.json() == {"status": "success"}

    def limited(self, answer):
        return answer.json()["code"] == 44

    def server_error(self, answer):
        return answer.json() == {"code": 1000, "message": "Internal error"}

    def timed_out(self, answer):
        return answer.json()["code"] == 1000


DRIVERS = {"xero": Xero, "qbo": Qbo, "sage": Sage, "zoho": Zoho}


@pytest.fixture(params=PROVIDERS)
def provider(request):
    """Each provider id of the sandbox registry in turn."""
    return request.param


@pytest.fixture
def driver(sandbox, provider):
    """The provider's driver on the reset sandbox."""
    return DRIVERS[provider](sandbox)


@pytest.fixture
def box(sandbox, provider):
    """The in-process sandbox object of the provider."""
    return sandbox.state["providers"][provider]


@pytest.fixture
def roomy(box, monkeypatch):
    """No rate limits, for tests about something else that make quick calls."""
    monkeypatch.setattr(box, "limits", Limits())


def set_faults(sandbox, provider, **values):
    """Inject faults through the control endpoint (replacing the earlier ones)."""
    reply = requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider, **values},
                          timeout=10)
    assert reply.status_code == 200, reply.text


def at_once(action, count=2):
    """Run `action` in `count` threads released together; return their results."""
    barrier, results = threading.Barrier(count), []

    def run():
        barrier.wait()
        results.append(action())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_the_registry_lists_every_provider_package(sandbox):
    assert PROVIDERS == ["xero", "qbo", "sage", "zoho"] and set(DRIVERS) == set(PROVIDERS)
    listed = requests.get(f"{sandbox.url}/", timeout=10).json()["providers"]
    assert listed == {name: f"/{name}" for name in PROVIDERS}


# --- OAuth --------------------------------------------------------------------------------------


def test_two_concurrent_refreshes_exactly_one_wins(sandbox, provider, driver, box):
    """One refresh token used twice at once rotates once. The loser gets invalid_grant
    (QuickBooks, Sage), or the winner's answer inside Xero's 30-minute grace; Zoho's token does
    not rotate, so there is nothing to win and both get a fresh access token."""
    old = driver.refresh_token(driver.connect())
    answers = at_once(lambda: driver.refresh(old))
    assert len(answers) == 2
    policy = REGISTRY[provider].token_policy
    if not policy.rotate_refresh:
        assert all(driver.refreshed(answer) for answer in answers)
        assert answers[0].json()["access_token"] != answers[1].json()["access_token"]
        assert driver.refreshed(driver.refresh(old))
        return
    assert box.oauth.refresh_count == 1
    if policy.reuse_grace:
        assert [a.status_code for a in answers] == [200, 200]
        first, second = (a.json() for a in answers)
        assert first == second
        winner = first
        sandbox.state["clock"].advance(policy.reuse_grace + 1)  # past the grace
        assert driver.refused(driver.refresh(old))
    else:
        assert sorted(a.status_code for a in answers) == [200, 400]
        assert driver.refused(next(a for a in answers if a.status_code == 400))
        winner = next(a for a in answers if a.status_code == 200).json()
    assert winner["refresh_token"] != old
    assert driver.refreshed(driver.refresh(winner["refresh_token"]))


def test_revoke_ends_the_grant(driver):
    """After a revoke the refresh token is refused; access tokens die too, except at Sage."""
    session = driver.connect()
    assert driver.revoked(driver.revoke(session))
    assert driver.refused(driver.refresh(driver.refresh_token(session)))
    expected = 200 if driver.access_survives_revoke else 401
    assert driver.read(session).status_code == expected


# --- rate limits --------------------------------------------------------------------------------


def test_minute_limit_is_per_tenant_with_retry_after(sandbox, driver, box, monkeypatch):
    """The published calls per minute pass, the next is a 429 with Retry-After; another tenant
    still passes, and so does the first once the minute is over."""
    per_minute = box.limits.per_minute
    monkeypatch.setattr(box, "limits", Limits(per_minute=per_minute))  # the minute window alone
    session = driver.connect()
    assert {driver.read(session).status_code for _ in range(per_minute)} == {200}
    limited = driver.read(session)
    assert limited.status_code == 429 and driver.limited(limited)
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert driver.read(driver.other_tenant(session)).status_code == 200
    sandbox.state["clock"].advance(61)
    assert driver.read(session).status_code == 200


# --- fault injection ----------------------------------------------------------------------------


def test_injected_server_errors(sandbox, provider, driver, roomy):
    session = driver.connect()
    set_faults(sandbox, provider, errors_next=2)
    answers = [driver.read(session) for _ in range(3)]
    assert [a.status_code for a in answers] == [500, 500, 200]
    assert driver.server_error(answers[0])
    set_faults(sandbox, provider, error_rate=1.0)
    assert driver.read(session).status_code == 500


def test_injected_429_storm(sandbox, provider, driver, roomy):
    session = driver.connect()
    set_faults(sandbox, provider, rate_limit_next=3)
    storm = [driver.read(session) for _ in range(4)]
    assert [a.status_code for a in storm] == [429, 429, 429, 200]
    assert storm[0].headers["Retry-After"] == driver.storm_retry_after
    assert driver.limited(storm[0])


def test_timeout_after_write_applies_the_write(sandbox, provider, driver, roomy):
    session = driver.connect()
    set_faults(sandbox, provider, timeout_after_write_next=1, timeout_seconds=0.2)
    answer = driver.write(session, "T-1")
    assert answer.status_code == 504 and driver.timed_out(answer)
    assert driver.numbers(session) == ["T-1"]  # the write was applied, once


def test_revoked_grant_fault(sandbox, provider, driver, roomy):
    """The user disconnected us at the provider: API calls get 401, refreshes are refused."""
    session = driver.connect()
    set_faults(sandbox, provider, revoke_grants=True)
    assert driver.read(session).status_code == 401
    assert driver.refused(driver.refresh(driver.refresh_token(session)))


# --- control --------------------------------------------------------------------------------------


def test_seeding_an_unknown_preset_is_a_clear_400(sandbox, provider):
    response = requests.post(f"{sandbox.url}/_control/seed",
                             json={"provider": provider, "preset": "atlantis"}, timeout=5)
    assert response.status_code == 400, provider
    assert "cannot seed" in response.json()["error"]
