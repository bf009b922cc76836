"""Sign-ins kept on the server: signing out ends them, saved cookies stop working (issue 14.1)."""

import datetime

from conftest import PASSWORD
from conftest import csrf_token
from conftest import sign_in

import models
from models.user_session import UserSession
from models.user_session import hash_session_token


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _sign_out(client):
    return client.post("/auth/logout", data={"csrf_token": csrf_token(client, "/")})


def _is_signed_in(client, path="/documents/"):
    response = client.get(path)
    if response.status_code == 302:
        assert "/auth/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def test_replaying_the_session_cookie_after_sign_out_gives_the_login_page(app, staff):
    client = app.test_client()
    sign_in(client, staff.email)
    saved = _cookie(client, "session")
    assert _is_signed_in(client)
    _sign_out(client)
    assert not _is_signed_in(client)
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert not _is_signed_in(thief)
    assert thief.get("/documents/", follow_redirects=True).request.path == "/auth/login"


def test_replaying_the_remember_cookie_alone_after_sign_out_gives_the_login_page(app, staff):
    client = app.test_client()
    sign_in(client, staff.email, remember=True)
    remember = _cookie(client, "remember_token")
    assert remember
    before = app.test_client()
    before.set_cookie("remember_token", remember)
    assert _is_signed_in(before)  # the remember cookie alone signs in while the sign-in lives
    _sign_out(client)
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not _is_signed_in(thief)


def test_two_sign_ins_get_two_different_remember_tokens_stored_only_hashed(app, staff):
    first, second = app.test_client(), app.test_client()
    sign_in(first, staff.email, remember=True)
    sign_in(second, staff.email, remember=True)
    one, two = _cookie(first, "remember_token"), _cookie(second, "remember_token")
    assert one and two and one != two
    with app.app_context(), models.db.connection_context():
        hashes = {record.token_hash for record in UserSession.select()}
    assert len(hashes) == 2
    for cookie in (one, two):
        token = cookie.split("|")[0]
        assert hash_session_token(token) in hashes
        assert not any(token in stored for stored in hashes)


def test_the_server_enforces_the_remember_expiry(app, staff):
    client = app.test_client()
    sign_in(client, staff.email, remember=True)
    remember = _cookie(client, "remember_token")
    with app.app_context(), models.db.connection_context():
        UserSession.update(expires_at=datetime.datetime.now() - datetime.timedelta(seconds=1)
                           ).execute()
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)  # the browser would still send it
    assert not _is_signed_in(thief)
    assert not _is_signed_in(client)


def test_a_session_lasts_session_hours_unless_remembered(app, staff):
    sign_in(app.test_client(), staff.email)
    sign_in(app.test_client(), staff.email, remember=True)
    with app.app_context(), models.db.connection_context():
        lifetimes = {record.remember: record.expires_at - record.created_at
                     for record in UserSession.select()}
    assert lifetimes[False] == datetime.timedelta(hours=app.config["SESSION_HOURS"])
    assert lifetimes[True] == datetime.timedelta(days=app.config["REMEMBER_DAYS"])


def test_the_csrf_secret_is_new_after_sign_in(app, staff):
    client = app.test_client()
    client.get("/auth/login")
    with client.session_transaction() as session:
        before = session["csrf_token"]
    sign_in(client, staff.email)
    client.get("/")
    with client.session_transaction() as session:
        after = session["csrf_token"]
    assert before != after


def test_sign_out_everywhere_ends_every_sign_in_of_the_user_only(app, staff, admin):
    here, there, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(here, staff.email)
    sign_in(there, staff.email, remember=True)
    sign_in(other, admin.email)
    page = here.get("/account/").get_data(as_text=True)
    assert "signed in on 2 browsers" in page
    response = here.post("/account/sign-out-everywhere",
                         data={"csrf_token": csrf_token(here, "/account/")})
    assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
    assert not _is_signed_in(here) and not _is_signed_in(there)
    assert _is_signed_in(other)


def test_deactivating_ends_sessions_for_good(app, staff, admin):
    client = app.test_client()
    sign_in(client, staff.email, remember=True)
    remember = _cookie(client, "remember_token")
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    token = csrf_token(admin_client, "/users/")
    page = admin_client.post(f"/users/{staff.id}", data={"active": "0", "csrf_token": token})
    assert "deactivated and signed out everywhere" in page.get_data(as_text=True)
    admin_client.post(f"/users/{staff.id}", data={"active": "1", "csrf_token": token})
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not _is_signed_in(thief)  # reactivating does not bring old sign-ins back
    assert not _is_signed_in(client)
    assert sign_in(app.test_client(), staff.email, PASSWORD).status_code == 302
