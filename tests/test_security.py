"""CSRF on every state change (plain and htmx), headers, cookies, expired htmx sessions, errors."""

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from conftest import sign_in

import models
from models.user import User


@pytest.mark.parametrize("htmx", [False, True])
def test_post_without_csrf_token_is_refused_and_changes_nothing(app, admin_client, staff, htmx):
    headers = htmx_headers() if htmx else {}
    response = admin_client.post(f"/users/{staff.id}", data={"role": "admin"}, headers=headers)
    assert response.status_code == 400
    assert "expired or was not sent from Ledgerlink" in response.get_data(as_text=True)
    if htmx:
        assert response.headers["HX-Retarget"] == "#flashes"
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(staff.id).role == "staff"


def test_htmx_post_with_token_in_header_is_accepted(app, admin_client, staff):
    token = csrf_token(admin_client, "/users/")
    response = admin_client.post(f"/users/{staff.id}", data={"role": "admin"},
                                 headers=htmx_headers({"X-CSRFToken": token}))
    assert response.status_code == 200
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(staff.id).role == "admin"


def test_login_form_needs_csrf_too(client, staff):
    response = client.post("/auth/login", data={"email": staff.email, "password": "x"})
    assert response.status_code == 400


def test_pages_carry_the_token_for_htmx_on_body(admin_client):
    html = admin_client.get("/users/").get_data(as_text=True)
    assert '<body hx-headers=\'{"X-CSRFToken": "' in html


def test_security_headers(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_contain_no_inline_script(admin_client):
    html = admin_client.get("/users/").get_data(as_text=True)
    assert "<script>" not in html and " on" + "click=" not in html
    assert "https://" not in html  # nothing from a CDN


def test_cookies_are_secure_over_https(app, staff):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("https://localhost/auth/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/auth/login"},
                           data={"email": staff.email, "password": "correct horse battery",
                                 "csrf_token": token, "remember": "1"})
    for cookie in response.headers.getlist("Set-Cookie"):
        assert "Secure" in cookie
    assert "Strict-Transport-Security" in response.headers


def test_cookies_are_not_secure_over_plain_http(client, staff):
    response = sign_in(client, staff.email)
    assert all("Secure" not in c for c in response.headers.getlist("Set-Cookie"))


def test_expired_session_htmx_request_gets_hx_redirect(client):
    response = client.get("/users/", headers=htmx_headers())
    assert response.headers["HX-Redirect"].startswith("/auth/login")
    assert "<form" not in response.get_data(as_text=True)


def test_expired_session_plain_request_gets_a_redirect(client):
    response = client.get("/users/")
    assert response.status_code == 302


def test_friendly_404_without_details(admin_client):
    response = admin_client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_friendly_500_without_stack_trace(app_config, admin, capsys):
    from app import create_app

    app = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals password=hunter2")

    client = app.test_client()
    sign_in(client, admin.email)
    response = client.get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "Traceback" not in body and "secret internals" not in body
    logged = capsys.readouterr().out
    assert "RuntimeError" in logged and "hunter2" not in logged
