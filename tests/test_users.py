"""Roles: staff are refused admin screens on the server; admins manage users."""

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from conftest import sign_in

import models
from models.user import User

ADMIN_PAGES = ["/users/", "/settings/"]
ADMIN_POSTS = ["/users/", "/users/1", "/settings/worker-check"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_staff_get_403_on_admin_pages(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 403
    assert "Your role does not allow this" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_staff_get_403_on_admin_actions(staff_client, path):
    token = csrf_token(staff_client, "/")
    response = staff_client.post(path, data={"csrf_token": token, "role": "admin",
                                             "email": "x@example.com", "password": "p" * 12})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ADMIN_PAGES + ["/"])
def test_anonymous_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_sidebar_shows_only_what_the_role_may_use(staff_client, admin):
    html = staff_client.get("/").get_data(as_text=True)
    assert "Control Center" in html
    assert 'href="/users/"' not in html and 'href="/settings/"' not in html


def test_admin_adds_staff_who_can_sign_in(app, admin_client):
    token = csrf_token(admin_client, "/users/")
    response = admin_client.post("/users/", data={"email": "New@Example.com",
                                                  "password": "a long password",
                                                  "role": "staff", "csrf_token": token})
    assert response.status_code == 302
    fresh = app.test_client()
    assert sign_in(fresh, "new@example.com", "a long password").status_code == 302


def test_add_user_rejects_bad_input_and_changes_nothing(app, admin_client):
    token = csrf_token(admin_client, "/users/")
    for data, message in [({"email": "nope", "password": "a long password"}, "valid email"),
                          ({"email": "a@b.c", "password": "short"}, "at least 10"),
                          ({"email": "admin@example.com", "password": "a long password"},
                           "already exists")]:
        response = admin_client.post("/users/", data={**data, "role": "staff",
                                                      "csrf_token": token})
        assert message in response.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        assert User.select().count() == 1


def test_admin_changes_role(app, admin_client, staff):
    token = csrf_token(admin_client, "/users/")
    admin_client.post(f"/users/{staff.id}", data={"role": "admin", "csrf_token": token},
                      headers=htmx_headers())
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(staff.id).role == "admin"


@pytest.mark.parametrize("change", [{"role": "staff"}, {"active": "0"}])
def test_last_active_admin_cannot_be_demoted_or_deactivated(app, admin_client, admin, change):
    token = csrf_token(admin_client, "/users/")
    response = admin_client.post(f"/users/{admin.id}", data={**change, "csrf_token": token},
                                 headers=htmx_headers())
    assert "at least one active administrator" in response.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        user = User.get_by_id(admin.id)
        assert user.role == "admin" and user.active


def test_an_admin_can_step_down_when_another_remains(app, admin_client, admin, make_user):
    make_user("second@example.com", "admin")
    token = csrf_token(admin_client, "/users/")
    admin_client.post(f"/users/{admin.id}", data={"role": "staff", "csrf_token": token})
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(admin.id).role == "staff"
