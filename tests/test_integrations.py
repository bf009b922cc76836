"""The Integrations page, the connect flow, the mapping form, refresh, disconnect and health."""

import re

import pytest
import requests
from conftest import csrf_token
from conftest import htmx_headers
from helpers.connect import connect
from helpers.connect import return_from_provider
from helpers.connect import start_connect

import models
from connections.connect import SYNC_RUNNING_KEY
from connections.lists import refresh_lists_now
from models.integration import AccountMapping
from models.integration import Connection
from models.integration import LedgerAccount
from providers import REGISTRY
from worker.queue import get_redis

PROVIDERS = sorted(REGISTRY)


def _db(app):
    class _Ctx:
        def __enter__(self):
            self.app_ctx = app.app_context()
            self.app_ctx.__enter__()
            self.conn = models.db.connection_context()
            self.conn.__enter__()

        def __exit__(self, *exc):
            self.conn.__exit__(*exc)
            self.app_ctx.__exit__(*exc)

    return _Ctx()


def _map_all(app, client, connection):
    """Fill the mapping form with the first offered account of each role and save it."""
    page = client.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, f"/integrations/{connection.id}/configure")}
    for role in ("labour_sales", "materials_sales", "purchases", "bank"):
        select = re.search(rf'<select id="map-{role}".*?</select>', page, re.S).group(0)
        data[role] = re.findall(r'<option value="([^"]+)"', select)[0]
    response = client.post(f"/integrations/{connection.id}/configure", data=data,
                           headers=htmx_headers())
    return response, data


def test_staff_see_the_page_read_only(staff_web):
    html = staff_web.get("/integrations/").get_data(as_text=True)
    assert "Integrations" in html
    assert "connect-button" not in html and "Manage" not in html


@pytest.mark.parametrize("method,path", [
    ("post", "/integrations/xero/connect"), ("get", "/integrations/xero/callback"),
    ("get", "/integrations/xero/choose"), ("post", "/integrations/xero/choose"),
    ("get", "/integrations/1/configure"), ("post", "/integrations/1/configure"),
    ("post", "/integrations/1/refresh"), ("post", "/integrations/1/disconnect"),
])
def test_staff_are_refused_every_action_on_the_server(staff_web, method, path):
    token = csrf_token(staff_web, "/integrations/")
    kwargs = {"data": {"csrf_token": token}} if method == "post" else {}
    assert getattr(staff_web, method)(path, **kwargs).status_code == 403


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_connect_flow_lands_on_the_mapping_form(sandbox_app, admin_web, provider_id):
    html = admin_web.get("/integrations/").get_data(as_text=True)
    assert f'id="card-{provider_id}"' in html and "Sandbox" in html
    response, connection = connect(sandbox_app, admin_web, provider_id, organisation_index=-1)
    assert connection is not None and connection.status == "connected"
    assert response.headers["Location"].endswith(f"/integrations/{connection.id}/configure")
    card = admin_web.get("/integrations/?tab=connected", headers=htmx_headers())
    card_html = card.get_data(as_text=True)
    assert "Connected" in card_html and connection.organisation_name in card_html


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_cancel_at_the_provider_leaves_nothing(sandbox_app, admin_web, provider_id):
    response, connection = connect(sandbox_app, admin_web, provider_id, decision="deny")
    assert connection is None
    follow = admin_web.get(response.headers["Location"]).get_data(as_text=True)
    assert "cancelled" in follow
    with _db(sandbox_app):
        assert Connection.select().count() == 0


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_state_mismatch_is_refused(sandbox_app, admin_web, provider_id):
    from helpers import oauth_dance

    authorize_url = start_connect(admin_web, provider_id)
    callback = oauth_dance.consent(authorize_url, f"http://localhost/integrations/{provider_id}/")
    tampered = re.sub(r"state=[^&]+", "state=forged", callback)
    response = return_from_provider(admin_web, tampered)
    assert "could not be verified" in admin_web.get(response.headers["Location"]).get_data(
        as_text=True)
    with _db(sandbox_app):
        assert Connection.select().count() == 0


@pytest.mark.parametrize("provider_id", PROVIDERS[:1])
def test_callback_without_a_started_sign_in_is_refused(admin_web, provider_id):
    response = admin_web.get(f"/integrations/{provider_id}/callback?code=abc&state=def")
    assert response.status_code == 302
    assert "not started here" in admin_web.get("/integrations/").get_data(as_text=True)


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_mapping_save_validation_and_archived_flag(sandbox_app, admin_web, provider_id):
    _, connection = connect(sandbox_app, admin_web, provider_id)
    with _db(sandbox_app):
        refresh_lists_now(connection.id)
    token = csrf_token(admin_web, f"/integrations/{connection.id}/configure")
    bad = admin_web.post(f"/integrations/{connection.id}/configure",
                         data={"csrf_token": token, "labour_sales": "nope"},
                         headers=htmx_headers()).get_data(as_text=True)
    assert "not of the right type" in bad and "Choose the account for bank" in bad
    with _db(sandbox_app):
        assert AccountMapping.select().count() == 0
    saved, data = _map_all(sandbox_app, admin_web, connection)
    assert "Saved. The mapping applies to documents synced from now on." in saved.get_data(
        as_text=True)
    with _db(sandbox_app):
        assert {m.role: m.account_remote_id for m in AccountMapping.select()} == {
            k: v for k, v in data.items() if k != "csrf_token"}
        LedgerAccount.update(active=False).where(
            LedgerAccount.remote_id == data["bank"]).execute()
    form = admin_web.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    assert 'id="archived-bank"' in form
    assert "Connection health" in form and "Access token" in form
    assert "Points at archived accounts: Bank" in admin_web.get("/integrations/").get_data(
        as_text=True)


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_refresh_lists_keeps_mappings(sandbox_app, admin_web, provider_id):
    from conftest import worker_env
    from helpers.processes import run_worker_burst

    _, connection = connect(sandbox_app, admin_web, provider_id)
    with _db(sandbox_app):
        refresh_lists_now(connection.id)
    _map_all(sandbox_app, admin_web, connection)
    token = csrf_token(admin_web, "/integrations/")
    banner = admin_web.post(f"/integrations/{connection.id}/refresh",
                            data={"csrf_token": token}, headers=htmx_headers())
    poll = re.search(r'hx-get="([^"]+)"', banner.get_data(as_text=True)).group(1)
    run_worker_burst(worker_env(sandbox_app, LEDGER_SANDBOX_URL=sandbox_app.config[
        "LEDGER_SANDBOX_URL"]))
    done = admin_web.get(poll, headers=htmx_headers()).get_data(as_text=True)
    assert "Lists refreshed" in done and "hx-get" not in done
    with _db(sandbox_app):
        assert AccountMapping.select().count() == 4
        assert LedgerAccount.select().count() > 4


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_disconnect_then_reconnect_restores_the_mapping(sandbox_app, admin_web, provider_id):
    _, connection = connect(sandbox_app, admin_web, provider_id)
    with _db(sandbox_app):
        refresh_lists_now(connection.id)
    _, data = _map_all(sandbox_app, admin_web, connection)
    token = csrf_token(admin_web, "/integrations/")
    admin_web.post(f"/integrations/{connection.id}/disconnect", data={"csrf_token": token})
    page = admin_web.get("/integrations/").get_data(as_text=True)
    assert "is disconnected. What is already in the ledger stays there." in page
    with _db(sandbox_app):
        gone = Connection.get_by_id(connection.id)
        assert gone.status == "disconnected" and gone.tokens is None and not gone.active
    _, again = connect(sandbox_app, admin_web, provider_id,
                       organisation=connection.organisation_id)
    assert again.id == connection.id and again.mappings_confirmed is False
    form = admin_web.get(f"/integrations/{again.id}/configure").get_data(as_text=True)
    assert "restored from your last connection" in form
    assert f'value="{data["bank"]}" selected' in form


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_revoked_grant_turns_the_card_amber(sandbox_app, admin_web, sandbox, provider_id):
    from connections.tokens import refresh_tokens

    _, connection = connect(sandbox_app, admin_web, provider_id)
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider_id,
                                                           "revoke_grants": True}, timeout=5)
    with _db(sandbox_app), pytest.raises(Exception):  # noqa: B017 - AuthError expected
        refresh_tokens(connection.id, force=True)
    page = admin_web.get("/integrations/").get_data(as_text=True)
    assert "Needs reconnect" in page and 'id="reconnect-banner"' in page
    assert 'id="reconnect-banner"' in admin_web.get("/users/").get_data(as_text=True)


@pytest.mark.parametrize("provider_id", PROVIDERS[:1])
def test_one_package_at_a_time(sandbox_app, admin_web, provider_id):
    others = [p for p in PROVIDERS if p != provider_id]
    if not others:
        pytest.skip("needs two providers")
    connect(sandbox_app, admin_web, provider_id)
    token = csrf_token(admin_web, "/integrations/")
    response = admin_web.post(f"/integrations/{others[0]}/connect", data={"csrf_token": token})
    assert "Disconnect it first" in admin_web.get(response.headers["Location"]).get_data(
        as_text=True)
    with sandbox_app.app_context():
        get_redis().set(SYNC_RUNNING_KEY, "1")
    response = admin_web.post(f"/integrations/{others[0]}/connect", data={"csrf_token": token})
    assert "A sync is running" in admin_web.get(response.headers["Location"]).get_data(
        as_text=True)


@pytest.mark.parametrize("provider_id", [p for p in PROVIDERS if REGISTRY[p].needs_items])
def test_item_providers_offer_existing_items_or_creation(sandbox_app, admin_web, provider_id):
    from models.integration import LedgerItem

    _, connection = connect(sandbox_app, admin_web, provider_id)
    with _db(sandbox_app):
        refresh_lists_now(connection.id)
        item = LedgerItem.select().where(LedgerItem.income_account_id.is_null(False)).first()
        if item is None:
            pytest.fail("the sandbox should seed at least one item on an income account")
        other = LedgerAccount.select().where(LedgerAccount.type == "income",
                                             LedgerAccount.active == True,  # noqa: E712
                                             LedgerAccount.remote_id != item.income_account_id
                                             ).first()
    path = f"/integrations/{connection.id}/configure"
    form = admin_web.get(path).get_data(as_text=True)
    assert 'Create a service item "Sales of labour"' in form and item.name in form
    _, data = _map_all(sandbox_app, admin_web, connection)
    token = csrf_token(admin_web, path)
    mismatch = {**data, "csrf_token": token, "labour_sales": other.remote_id,
                "labour_sales_item": item.remote_id}
    html = admin_web.post(path, data=mismatch, headers=htmx_headers()).get_data(
        as_text=True)
    assert "That item posts to another income account" in html
    good = {**mismatch, "labour_sales": item.income_account_id}
    admin_web.post(path, data=good, headers=htmx_headers())
    with _db(sandbox_app):
        mapping = AccountMapping.get(AccountMapping.role == "labour_sales")
        assert mapping.item_remote_id == item.remote_id
        assert AccountMapping.get(AccountMapping.role == "materials_sales").item_remote_id is None


@pytest.mark.parametrize("provider_id", [p for p in PROVIDERS if REGISTRY[p].multi_organisation])
def test_a_different_organisation_starts_clean_with_a_warning(sandbox_app, admin_web,
                                                             provider_id):
    _, first = connect(sandbox_app, admin_web, provider_id, organisation_index=0)
    with _db(sandbox_app):
        refresh_lists_now(first.id)
    _map_all(sandbox_app, admin_web, first)
    token = csrf_token(admin_web, "/integrations/")
    admin_web.post(f"/integrations/{first.id}/disconnect", data={"csrf_token": token})
    response, second = connect(sandbox_app, admin_web, provider_id, avoid=first.organisation_id)
    assert second.id != first.id
    page = admin_web.get(response.headers["Location"]).get_data(as_text=True)
    assert "starts with no account mapping" in page
    with _db(sandbox_app):
        assert AccountMapping.select().where(AccountMapping.connection == first.id).count() == 4
        assert AccountMapping.select().where(AccountMapping.connection == second.id).count() == 0


@pytest.mark.parametrize("fault", ["subscription_expired", "organisation_disconnected"])
@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_a_ledger_in_trouble_never_leaves_a_half_made_connection(sandbox_app, admin_web, sandbox,
                                                                 provider_id, fault):
    """Either connecting fails with a plain message and stores nothing, or the ledger could be
    read (a lapsed QuickBooks company stays readable) and the connection is whole."""
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider_id, fault: True},
                  timeout=5)
    response, connection = connect(sandbox_app, admin_web, provider_id)
    page = admin_web.get(response.headers["Location"]).get_data(as_text=True)
    with _db(sandbox_app):
        if connection is None:
            errors = re.findall(r'class="flash flash-error">([^<]+)', page)
            assert errors and all(len(e) > 30 and "Traceback" not in e for e in errors)
            assert Connection.select().count() == 0
            assert LedgerAccount.select().count() == 0
        else:
            assert connection.status == "connected"
            assert LedgerAccount.select().where(
                LedgerAccount.connection == connection).count() > 0


@pytest.mark.parametrize("provider_id", PROVIDERS[:1])
def test_a_provider_refusing_the_code_is_a_plain_message(sandbox_app, admin_web, provider_id):
    from helpers import oauth_dance

    authorize_url = start_connect(admin_web, provider_id)
    callback = oauth_dance.consent(authorize_url, f"http://localhost/integrations/{provider_id}/")
    forged = re.sub(r"code=[^&]+", "code=not-a-real-code", callback)
    response = return_from_provider(admin_web, forged)
    page = admin_web.get(response.headers["Location"]).get_data(as_text=True)
    assert "refused the sign-in" in page
    with _db(sandbox_app):
        assert Connection.select().count() == 0


@pytest.mark.parametrize("provider_id", [p for p in PROVIDERS if REGISTRY[p].multi_organisation])
def test_organisation_that_cannot_be_read_is_not_saved(sandbox_app, admin_web, sandbox,
                                                       provider_id):
    from helpers import oauth_dance

    authorize_url = start_connect(admin_web, provider_id)
    callback = oauth_dance.consent(authorize_url, f"http://localhost/integrations/{provider_id}/",
                                   select_all=True)
    assert return_from_provider(admin_web, callback).headers["Location"].endswith("/choose")
    page = admin_web.get(f"/integrations/{provider_id}/choose").get_data(as_text=True)
    chosen = re.findall(r'name="organisation" value="([^"]+)"', page)[0]
    requests.post(f"{sandbox.url}/_control/faults",
                  json={"provider": provider_id, "errors_next": 20}, timeout=5)
    token = csrf_token(admin_web, f"/integrations/{provider_id}/choose")
    response = admin_web.post(f"/integrations/{provider_id}/choose",
                              data={"organisation": chosen, "csrf_token": token})
    page = admin_web.get(response.headers["Location"]).get_data(as_text=True)
    assert "did not let Ledgerlink read" in page
    with _db(sandbox_app):
        assert Connection.select().count() == 0


def _ticked_on_choose(client, provider_id):
    """(offered organisation ids, the one ticked or None) on the organisation chooser."""
    page = client.get(f"/integrations/{provider_id}/choose").get_data(as_text=True)
    offered = re.findall(r'name="organisation" value="([^"]+)"', page)
    ticked = re.findall(r'name="organisation" value="([^"]+)" required checked', page)
    return offered, (ticked[0] if ticked else None)


def _back_at_the_chooser(client, provider_id, reconnect=None):
    from helpers import oauth_dance

    callback = oauth_dance.consent(start_connect(client, provider_id, reconnect=reconnect),
                                   f"http://localhost/integrations/{provider_id}/",
                                   select_all=True)
    assert return_from_provider(client, callback).headers["Location"].endswith("/choose")


@pytest.mark.parametrize("provider_id", [p for p in PROVIDERS if REGISTRY[p].multi_organisation])
def test_reconnect_ticks_the_organisation_being_reconnected_and_any_can_be_chosen(
        sandbox_app, admin_web, provider_id):
    """Issue 13.1: the chooser ticks the organisation being reconnected (after a disconnect, the
    one connected last; nothing when there is none), and choosing another one works."""
    _back_at_the_chooser(admin_web, provider_id)
    offered, ticked = _ticked_on_choose(admin_web, provider_id)
    assert len(offered) > 1 and ticked is None  # nothing connected before: the admin chooses
    admin_web.post(f"/integrations/{provider_id}/choose",
                   data={"cancel": "1", "csrf_token": csrf_token(admin_web, "/integrations/")})
    _, first = connect(sandbox_app, admin_web, provider_id, organisation_index=-1)
    assert first.organisation_id == offered[-1]  # not the first in the list
    with _db(sandbox_app):
        refresh_lists_now(first.id)
    _map_all(sandbox_app, admin_web, first)

    _back_at_the_chooser(admin_web, provider_id, reconnect=first.id)
    page = admin_web.get(f"/integrations/{provider_id}/choose").get_data(as_text=True)
    assert f"You are reconnecting <strong>{first.organisation_name}</strong>" in page
    assert _ticked_on_choose(admin_web, provider_id)[1] == first.organisation_id
    other = offered[0]
    response = admin_web.post(f"/integrations/{provider_id}/choose", data={
        "organisation": other, "csrf_token": csrf_token(admin_web, "/integrations/")})
    assert response.headers["Location"].endswith("/configure")
    assert "still connected" not in admin_web.get(response.headers["Location"]).get_data(
        as_text=True)
    with _db(sandbox_app):
        second = Connection.get(Connection.active == True)  # noqa: E712
        assert second.organisation_id == other and second.status == "connected"
        before = Connection.get_by_id(first.id)
        assert not before.active and before.tokens is None
        assert AccountMapping.select().where(AccountMapping.connection == first.id).count() == 4

    admin_web.post(f"/integrations/{second.id}/disconnect",
                   data={"csrf_token": csrf_token(admin_web, "/integrations/")})
    _back_at_the_chooser(admin_web, provider_id)
    assert _ticked_on_choose(admin_web, provider_id)[1] == other  # the one connected last


def _flash_errors(client, response):
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return " ".join(re.findall(r'class="flash flash-error">([^<]+)', page))


@pytest.mark.parametrize("provider_id", PROVIDERS)
def test_every_callback_error_shows_the_packages_reason_and_what_to_do(sandbox_app, admin_web,
                                                                       provider_id):
    """Issue 13.2: the reason the package gives is shown (not a bare code), with what to do."""
    from urllib.parse import parse_qs
    from urllib.parse import urlencode
    from urllib.parse import urlparse

    state = parse_qs(urlparse(start_connect(admin_web, provider_id)).query)["state"][0]
    reason = REGISTRY[provider_id].callback_reason_params[-1]
    query = urlencode({"error": "server_error", reason: "Our service is being updated",
                       "state": state})
    response = admin_web.get(f"/integrations/{provider_id}/callback?{query}")
    message = _flash_errors(admin_web, response)
    assert f"{REGISTRY[provider_id].name} did not connect" in message
    assert "Our service is being updated" in message and "Wait a few minutes" in message
    with _db(sandbox_app):
        assert Connection.select().count() == 0


def test_sage_sends_its_reason_in_its_own_parameter(sandbox_app, admin_web):
    """Issue 13.2: Sage's authorize page answers an unsupported country with error=invalid_request
    and the reason in `reason`, not error_description."""
    from helpers import oauth_dance

    callback = oauth_dance.consent(start_connect(admin_web, "sage") + "&country=zz",
                                   "http://localhost/integrations/sage/")
    assert "reason=Unsupported+country" in callback and "error_description" not in callback
    message = _flash_errors(admin_web, return_from_provider(admin_web, callback))
    assert "“Unsupported country”" in message and "invalid_request" in message
    assert "Check what you chose at Sage Business Cloud Accounting" in message
    assert "The provider reported an error" not in message


@pytest.mark.parametrize("provider_id", [p for p in PROVIDERS if p in ("xero", "qbo")])
def test_a_bare_callback_code_is_put_in_plain_words(sandbox_app, admin_web, provider_id):
    from helpers import oauth_dance

    authorize_url = re.sub(r"scope=[^&]+", "scope=nonsense", start_connect(admin_web,
                                                                            provider_id))
    callback = oauth_dance.consent(authorize_url, f"http://localhost/integrations/{provider_id}/")
    assert "error=invalid_scope" in callback
    message = _flash_errors(admin_web, return_from_provider(admin_web, callback))
    assert "would not grant the access Ledgerlink asks for" in message
    assert "Check the permissions of the app" in message


def test_send_files_says_what_the_pdfs_lack_until_the_firm_details_are_filled_in(
        sandbox_app, admin_web):
    from models.firm import FirmProfile

    _response, connection = connect(sandbox_app, admin_web, "xero")
    html = admin_web.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    hint = re.search(r'<small class="muted" id="send-files-hint">(.*?)</small>', html, re.S)
    assert hint and "the firm&#39;s name and its address" in hint.group(1)
    assert 'href="/settings/#firm"' in hint.group(1)
    with _db(sandbox_app):
        FirmProfile.create(name="Harbour Builders", address_line1="1 Quay Street")
    html = admin_web.get(f"/integrations/{connection.id}/configure").get_data(as_text=True)
    assert 'id="send-files-hint"' not in html
