"""What the sandbox core owns, tested once over every package in sandbox.REGISTRY: the refresh
race, revocation, per-tenant minute limits, fault injection and seeding through /_control.

Each provider is reached over its own wire by a small driver below; what differs between them
(the refusal body, the 429 body, whether a revoke ends live access tokens) is the driver's.
"""

import json
import threading
import time

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

from providers import REGISTRY as PROVIDER_REGISTRY
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
    # Where write() documents show in /_control/ledger: their kind, and the field their
    # number is filed under ("number", or "reference" where the ledger numbers them itself).
    ledger_kind, ledger_field = "sales_invoice", "number"

    def __init__(self, sandbox):
        self.sandbox, self.url = sandbox, sandbox.url

    def prepare(self, session):
        """Look up once what write() needs, so that each write() is one API call."""

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

    def prepare(self, session):
        session.contact = contact_id(session)

    def refresh_token(self, session):
        return session.token["refresh_token"]

    def read(self, session):
        return session("GET", "/TaxRates")

    def other_tenant(self, session):
        return XeroApi(self.sandbox, session.token, session.connections().json()[1]["tenantId"])

    def write(self, session, number):
        contact = getattr(session, "contact", None) or contact_id(session)
        return put_invoices(session, invoice(contact, number))

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
    ledger_field = "reference"

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

    def prepare(self, session):
        session.contact = session.first("/contacts", contact_type_id="CUSTOMER")
        session.account = session.first("/ledger_accounts", search="4000")

    def write(self, session, number):  # the number goes in as the reference
        return sage_invoice(session, number, contact=getattr(session, "contact", None),
                            account=getattr(session, "account", None))[0]

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
    ledger_kind = "supplier_invoice"

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


# --- fault rates, the limits switch and the ledger listing (the sync engine's tests) ----------


def faults_of(sandbox, provider):
    reply = requests.get(f"{sandbox.url}/_control/faults", params={"provider": provider},
                         timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def ledger_of(sandbox, provider):
    reply = requests.get(f"{sandbox.url}/_control/ledger", params={"provider": provider},
                         timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def filed(sandbox, provider, driver):
    """{number: [remote ids]} of the driver's kind over every tenant of the ledger listing."""
    out = {}
    for tenant in ledger_of(sandbox, provider)["tenants"].values():
        entry = tenant["documents"].get(driver.ledger_kind, {})
        for number, ids in entry.get(driver.ledger_field, {}).items():
            out.setdefault(number, []).extend(ids)
    return out


def test_error_rate_fails_calls_before_the_write(sandbox, provider, driver, roomy):
    """error_rate 1: every call is a 500 and no write lands; 0.5: about half of them."""
    session = driver.connect()
    driver.prepare(session)
    set_faults(sandbox, provider, error_rate=1.0)
    answer = driver.write(session, "R-1")
    assert answer.status_code == 500 and driver.server_error(answer)
    set_faults(sandbox, provider, error_rate=0.5)
    statuses = [driver.read(session).status_code for _ in range(60)]
    assert set(statuses) == {200, 500} and 10 <= statuses.count(500) <= 50
    assert faults_of(sandbox, provider)["fired"] == {"server_error": statuses.count(500)}
    set_faults(sandbox, provider)
    assert driver.numbers(session) == []  # the failed write changed nothing


def test_timeout_after_write_rate_applies_each_write_then_hangs(sandbox, provider, driver,
                                                                 roomy):
    """timeout_after_write_rate 1: every write lands, then its reply hangs into a 504; reads
    are untouched."""
    session = driver.connect()
    driver.prepare(session)
    set_faults(sandbox, provider, timeout_after_write_rate=1.0, timeout_seconds=0.1)
    assert driver.read(session).status_code == 200
    answers = [driver.write(session, f"TR-{i}") for i in range(2)]
    assert [a.status_code for a in answers] == [504, 504]
    assert all(driver.timed_out(a) for a in answers)
    assert sorted(driver.numbers(session)) == ["TR-0", "TR-1"]
    assert faults_of(sandbox, provider)["fired"] == {"timeout_after_write": 2}


def test_rate_limit_rate_answers_429_with_retry_after(sandbox, provider, driver, roomy):
    session = driver.connect()
    driver.prepare(session)
    set_faults(sandbox, provider, rate_limit_rate=1.0)
    limited = driver.read(session)
    assert limited.status_code == 429 and driver.limited(limited)
    assert limited.headers["Retry-After"] == driver.storm_retry_after
    assert driver.write(session, "RL-1").status_code == 429
    set_faults(sandbox, provider, rate_limit_rate=1.0, rate_limit_retry_after=7)
    assert driver.read(session).headers["Retry-After"] == "7"
    set_faults(sandbox, provider)
    assert driver.numbers(session) == []


def test_latency_holds_every_api_call_then_answers_as_usual(sandbox, provider, driver, roomy):
    session = driver.connect()
    driver.prepare(session)
    set_faults(sandbox, provider, latency_seconds=0.3)
    started = time.monotonic()
    assert driver.read(session).status_code == 200
    assert driver.write(session, "LT-1").status_code in (200, 201)
    assert time.monotonic() - started >= 0.6
    assert faults_of(sandbox, provider)["latency_seconds"] == 0.3
    set_faults(sandbox, provider)
    assert driver.numbers(session) == ["LT-1"]


@pytest.mark.parametrize(("values", "wrong"), [
    ({"error_rate": 1.5}, "error_rate must be a number from 0 to 1"),
    ({"timeout_after_write_rate": "often"}, "timeout_after_write_rate must be a number"),
    ({"rate_limit_next": -1}, "rate_limit_next must be a whole number"),
    ({"latency_seconds": -2}, "latency_seconds must be a number of seconds"),
    ({"revoke_grants": "yes"}, "revoke_grants must be true or false"),
    ({"odd_answers": ["martian"]}, "odd_answers must be a list of odd answers among"),
    ({"hurricane": True}, "unknown fault 'hurricane'"),
])
def test_a_wrong_fault_is_a_clear_400_and_changes_nothing(sandbox, provider, values, wrong):
    set_faults(sandbox, provider, errors_next=1)
    reply = requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider, **values},
                          timeout=10)
    assert reply.status_code == 400 and wrong in reply.json()["error"]
    assert faults_of(sandbox, provider)["errors_next"] == 1


def test_limits_switch_lists_the_published_limits_and_turns_them_off(sandbox, provider, driver,
                                                                      box, monkeypatch):
    """GET /_control/limits gives the published limits the sandbox enforces (the provider
    client's own figures); switched off, calls past them pass; back on, they are enforced."""
    url = f"{sandbox.url}/_control/limits"
    shown = requests.get(url, params={"provider": provider}, timeout=10).json()[provider]
    client_limits = PROVIDER_REGISTRY[provider].rate_limits
    assert shown["enforce"] is True
    assert shown["published"]["per_minute"] == client_limits["per_minute"]
    assert shown["published"].get("concurrent") == client_limits.get("concurrent")
    assert shown["published"].get("batch_per_minute") == client_limits.get("batch_per_minute")
    monkeypatch.setattr(box, "limits", Limits(per_minute=3))  # a small window, same switch
    session = driver.connect()
    off = requests.post(url, json={"provider": provider, "enforce": False}, timeout=10)
    assert off.json() == {provider: {"enforce": False, "published": {
        **{k: v for k, v in shown["published"].items() if k.startswith(("app_", "batch_"))},
        "per_minute": 3}}}
    assert {driver.read(session).status_code for _ in range(6)} == {200}
    assert requests.post(url, json={"provider": provider, "enforce": True},
                         timeout=10).json()[provider]["enforce"] is True
    assert [driver.read(session).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert requests.post(url, json={"enforce": "no"}, timeout=10).status_code == 400
    requests.post(f"{sandbox.url}/_control/reset", json={}, timeout=10)
    assert requests.get(url, timeout=10).json()[provider]["enforce"] is True


def test_ledger_lists_documents_by_number_and_calls_per_organisation(sandbox, provider, driver,
                                                                    box, monkeypatch):
    session = driver.connect()
    driver.prepare(session)
    before = {tid: t["api_calls"] for tid, t in ledger_of(sandbox, provider)["tenants"].items()}
    driver.write(session, "LG-1"), driver.write(session, "LG-2"), driver.read(session)
    assert {number: len(ids) for number, ids in filed(sandbox, provider, driver).items()} == {
        "LG-1": 1, "LG-2": 1}
    monkeypatch.setattr(box, "limits", Limits(per_minute=4 + sum(before.values())))
    assert [driver.read(session).status_code for _ in range(2)] == [200, 429]
    tenants = ledger_of(sandbox, provider)["tenants"]
    used = {tid: t for tid, t in tenants.items() if t["api_calls"] > before[tid]}
    assert len(used) == 1, tenants  # the other organisations received nothing
    [(tid, usage)] = used.items()
    assert (usage["api_calls"] - before[tid], usage["throttled"]) == (5, 1)
    assert usage["documents"][driver.ledger_kind]["count"] == 2
    # A second document filed under the same number shows as two ids (a duplicate).
    set_faults(sandbox, provider, timeout_after_write_next=1, timeout_seconds=0)
    monkeypatch.setattr(box, "limits", Limits())
    driver.write(session, "LG-3")
    assert [len(ids) for ids in filed(sandbox, provider, driver).values()] == [1, 1, 1]
    assert ledger_of(sandbox, provider)["faults_fired"] == {"timeout_after_write": 1}


def test_run_faults_and_limits_come_from_the_environment_and_survive_a_reset(monkeypatch,
                                                                            provider):
    from sandbox.server import SandboxServer

    monkeypatch.setenv("SANDBOX_FAULTS", json.dumps({provider: {
        "error_rate": 0.1, "timeout_after_write_rate": 0.1, "rate_limit_rate": 0.1,
        "rate_limit_retry_after": 2}}))
    monkeypatch.setenv("SANDBOX_LIMITS", "off")
    server = SandboxServer().start()
    try:
        for _ in range(2):
            faults = faults_of(server, provider)
            assert (faults["error_rate"], faults["timeout_after_write_rate"],
                    faults["rate_limit_rate"], faults["rate_limit_retry_after"]) == (
                0.1, 0.1, 0.1, 2)
            limits = requests.get(f"{server.url}/_control/limits", timeout=10).json()
            assert {name: shown["enforce"] for name, shown in limits.items()} == {
                name: False for name in PROVIDERS}
            requests.post(f"{server.url}/_control/reset", json={}, timeout=10)
    finally:
        server.stop()
    monkeypatch.setenv("SANDBOX_LIMITS", "sometimes")
    with pytest.raises(ValueError, match="SANDBOX_LIMITS must be on or off"):
        SandboxServer()
