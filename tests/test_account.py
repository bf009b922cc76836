"""Your own password, an admin setting one, role changes and additions said plainly (13.16)."""

from conftest import PASSWORD
from conftest import csrf_token
from conftest import sign_in

import models
from models.user import User
from views.auth import PASSWORD_CHANGE_NEEDED

NEW = "a brand new password"


def _change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm,
        "csrf_token": csrf_token(client, "/account/")})


def test_change_your_own_password_keeps_this_sign_in_and_ends_the_others(app, staff):
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, staff.email)
    sign_in(elsewhere, staff.email)
    response = _change(here)
    assert response.status_code == 302
    page = here.get("/account/").get_data(as_text=True)
    assert "Your password is changed. Your other sign-ins (1) are signed out." in page
    assert elsewhere.get("/").status_code == 302
    assert sign_in(app.test_client(), staff.email, NEW).status_code == 302
    assert sign_in(app.test_client(), staff.email, PASSWORD).status_code == 200


def test_a_refused_password_change_says_why_and_changes_nothing(app, staff_client, staff):
    for data, message in [({"current": "wrong"}, "not your current password"),
                          ({"new": "short"}, "at least 10 characters"),
                          ({"confirm": "something else entirely"}, "two new passwords differ"),
                          ({"new": PASSWORD}, "different from the current one")]:
        response = _change(staff_client, **data)
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        assert User.get_by_id(staff.id).check_password(PASSWORD)


ADMIN_SET = "set by the admin"


def _admin_sets_password(app, admin, staff, password=ADMIN_SET):
    admin_client = app.test_client()
    sign_in(admin_client, admin.email)
    response = admin_client.post(f"/users/{staff.id}/password",
                                 data={"password": password,
                                       "csrf_token": csrf_token(admin_client, "/users/")},
                                 headers={"HX-Request": "true"})
    return admin_client, response


def test_admin_sets_a_password_the_user_must_change_at_next_sign_in(app, admin, staff):
    victim = app.test_client()
    sign_in(victim, staff.email, remember=True)
    _admin_client, response = _admin_sets_password(app, admin, staff)
    assert "must choose their own password" in response.get_data(as_text=True)
    assert victim.get("/").status_code == 302  # every sign-in of theirs ended
    client = app.test_client()
    response = sign_in(client, staff.email, ADMIN_SET)
    assert response.headers["Location"] == "/account/"
    blocked = client.get("/documents/")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/"
    htmx = client.get("/documents/", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/"
    assert PASSWORD_CHANGE_NEEDED in client.get("/account/").get_data(as_text=True)
    assert _change(client, current=ADMIN_SET).status_code == 302
    assert client.get("/documents/").status_code == 200
    with app.app_context(), models.db.connection_context():
        assert not User.get_by_id(staff.id).must_change_password


def test_admin_password_too_short_is_refused_in_place(app, admin, staff):
    _client, response = _admin_sets_password(app, admin, staff, "short")
    assert "at least 10 characters" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), staff.email).status_code == 302


def test_role_change_says_it_is_done_and_asks_first(app, admin_client, staff):
    page = admin_client.get("/users/").get_data(as_text=True)
    assert f'data-confirm="Change the role of {staff.email}?' in page
    response = admin_client.post(f"/users/{staff.id}", headers={"HX-Request": "true"},
                                 data={"role": "admin",
                                       "csrf_token": csrf_token(admin_client, "/users/")})
    assert f"{staff.email} is now an administrator." in response.get_data(as_text=True)


def test_adding_a_user_says_so(app, admin_client):
    response = admin_client.post("/users/", headers={"HX-Request": "true"},
                                 data={"email": "new@example.com", "password": "a long password",
                                       "role": "staff",
                                       "csrf_token": csrf_token(admin_client, "/users/")})
    body = response.get_data(as_text=True)
    assert "new@example.com is added as staff and can now sign in" in body
    assert 'id="user-' in body  # the table is answered in place, with the new row


def test_login_page_says_how_to_create_the_first_administrator(client, make_user):
    make_user("staff@example.com", "staff")
    page = client.get("/auth/login").get_data(as_text=True)
    assert "no administrator yet" in page
    assert "flask --app app create-user you@example.com --admin" in page
    make_user("boss@example.com", "admin")
    assert "no administrator yet" not in client.get("/auth/login").get_data(as_text=True)
