"""Sign in, sign out, remember me, throttling, deactivation."""

from conftest import PASSWORD
from conftest import csrf_token
from conftest import sign_in

from app import create_app
from views.auth import BAD_CREDENTIALS
from views.auth import TOO_MANY


def test_login_and_logout(client, staff):
    response = sign_in(client, "  STAFF@example.com ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    token = csrf_token(client, "/")
    response = client.post("/auth/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_bad_credentials_get_one_generic_message(client, staff, make_user):
    make_user("gone@example.com", active=False)
    for email, password in [("staff@example.com", "wrong password"),
                            ("nobody@example.com", PASSWORD),
                            ("gone@example.com", PASSWORD)]:
        response = sign_in(client, email, password)
        assert response.status_code == 200
        assert BAD_CREDENTIALS in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_next_parameter_only_follows_local_paths(client, staff):
    token = csrf_token(client)
    data = {"email": staff.email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_httponly_cookie(client, staff):
    response = sign_in(client, staff.email, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")][0]
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_throttle_blocks_even_the_right_password_after_ten_failures(client, staff):
    for _ in range(10):
        assert sign_in(client, staff.email, "wrong password").status_code == 200
    response = sign_in(client, staff.email)
    assert response.status_code == 429
    assert TOO_MANY in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_throttle_is_shared_across_processes_via_redis(app_config, app, staff, monkeypatch):
    # A second app (as a second gunicorn worker would be) sees the first one's failures.
    first = app.test_client()
    for _ in range(10):
        sign_in(first, staff.email, "wrong password")
    second = create_app(dict(app_config)).test_client()
    assert sign_in(second, staff.email).status_code == 429


def test_throttle_counts_per_account_across_addresses(client, staff):
    for n in range(10):
        token = csrf_token(client)
        client.post("/auth/login", data={"email": staff.email, "password": "nope",
                                          "csrf_token": token},
                    environ_base={"REMOTE_ADDR": f"10.0.0.{n}"})
    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": staff.email, "password": PASSWORD,
                                                 "csrf_token": token},
                           environ_base={"REMOTE_ADDR": "10.0.1.1"})
    assert response.status_code == 429


def test_deactivated_users_session_stops_working(app, client, staff, admin):
    sign_in(client, staff.email, remember=True)
    assert client.get("/").status_code == 200
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    token = csrf_token(admin_client, "/users/")
    response = admin_client.post(f"/users/{staff.id}", data={"active": "0", "csrf_token": token})
    assert response.status_code == 200
    assert client.get("/").status_code == 302
