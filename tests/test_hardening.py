"""Each finding of the outside probe (issue 14 parts 2-4, issue 13.7), checked one by one."""

import datetime
import io
import os
import stat
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
from conftest import csrf_token
from conftest import sign_in
from flask_login import login_user
from helpers.connect import start_connect
from helpers.docs import add_contact
from helpers.docs import api_token
from helpers.docs import document_payload
from helpers.docs import line

import models
from models.contact import Contact
from models.document import Document
from models.user import User
from models.user_session import UserSession
from worker.runtime import enqueue

HUGE = "18446744073709551616"


@pytest.mark.parametrize("path", [f"/documents/{HUGE}", f"/contacts/{HUGE}", f"/users/{HUGE}",
                                  f"/integrations/{HUGE}/configure", f"/documents/{HUGE}/edit",
                                  "/documents/9223372036854775808", "/documents/²",
                                  "/documents/١"])
def test_ids_out_of_range_are_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_posts_with_ids_out_of_range_are_not_found(admin_client):
    token = csrf_token(admin_client, "/settings/")
    for path in (f"/documents/{HUGE}/sent", f"/settings/api-tokens/{HUGE}/revoke"):
        assert admin_client.post(path, data={"csrf_token": token}).status_code == 404


def test_a_new_credit_note_for_an_original_out_of_range_is_just_blank(admin_client):
    assert admin_client.get(f"/documents/new?original={HUGE}").status_code == 200


def test_contact_pages_use_one_cursor_and_ignore_bad_ones(app, staff_client):
    for n in range(52):
        add_contact(app, f"A{n:04d}", f"Client {n:02d}")
    first = staff_client.get("/contacts/").get_data(as_text=True)
    assert "Client 00" in first and "Client 51" not in first
    next_url = first.split('id="next-page" hx-get="')[1].split('"')[0].replace("&amp;", "&")
    assert "after_id" not in next_url and "cursor=" in next_url
    second = staff_client.get(next_url).get_data(as_text=True)
    assert "Client 51" in second and "Client 00" not in second
    for junk in ("²", HUGE, "QUFB", "!!"):
        assert staff_client.get(f"/contacts/?cursor={junk}&after_id={junk}").status_code == 200
    assert staff_client.get(f"/documents/?cursor={HUGE}").status_code == 200


@pytest.fixture
def api(app, client):
    token = api_token(app)
    add_contact(app)

    def call(method, path, **options):
        return client.open("/api/v1" + path, method=method,
                           headers={"Authorization": f"Bearer {token}"}, **options)

    return call


def test_api_paging_arguments_out_of_range_are_field_errors(api):
    for query in ("limit=²", f"limit={HUGE}", "cursor=" + "A" * 11 + "²", f"cursor={HUGE}",
                  "cursor=_" * 3):
        response = api("GET", f"/documents?{query}")
        assert response.status_code == 422, query
        assert response.json["errors"][0]["field"] in ("limit", "cursor")


def test_every_api_answer_is_json_in_the_error_shape(api, client):
    for method, path, status in [("GET", "/nothing/here", 404),
                                 ("DELETE", "/documents/S4001", 405),
                                 ("PATCH", "/contacts/A0001", 405),
                                 ("GET", "/documents/S%00", 404)]:
        response = api(method, path)
        assert response.status_code == status, path
        assert response.mimetype == "application/json"
        assert set(response.json) >= {"error", "message"}
        if status == 405:
            assert "GET" in response.headers["Allow"] and "PUT" in response.headers["Allow"]
    anonymous = client.delete("/api/v1/documents/S1")
    assert anonymous.mimetype == "application/json"


def test_screens_answer_405_with_allow(staff_client):
    response = staff_client.delete("/documents/")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_api_body_too_large_is_json_413(app, api):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = api("PUT", "/contacts/A0100", data="x" * 4096, content_type="application/json")
    assert response.status_code == 413 and response.mimetype == "application/json"


def test_api_messages_are_short_and_plain(app, api):
    payload = document_payload(lines=[line()] * 201)
    response = api("PUT", "/documents/S1", json=payload)
    assert response.status_code == 422
    assert len(response.get_data()) < 2000
    messages = {error["field"]: error["message"] for error in response.json["errors"]}
    assert messages["lines"] == "The lines may have at most 200 items."
    bad = api("PUT", "/documents/S1", json=document_payload(
        lines=[line(quantity="abc", unit_price="1.23456", tax_rate="20")],
        contact_number="A 1", issue_date="1/2/2026", country="x"))
    for error in bad.json["errors"]:
        assert "^" not in error["message"] and "'" not in error["message"], error
        assert len(error["message"]) < 200, error
    fields = {error["field"]: error["message"] for error in bad.json["errors"]}
    assert "exact decimal" in fields["lines.0.quantity"]
    assert "YYYY-MM-DD" in fields["issue_date"]
    assert "letters, digits" in fields["contact_number"]
    assert fields["country"] == "Unknown field."


def test_control_characters_are_field_errors_everywhere(app, api, staff_client):
    response = api("PUT", "/contacts/A0100", json={"kind": "customer", "name": "Bad\x00name"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "name"
    token = csrf_token(staff_client, "/contacts/new")
    form = staff_client.post("/contacts/new", data={"csrf_token": token, "kind": "customer",
                                                    "number": "A0101", "name": "Bell\x07 Ltd",
                                                    "city": "Bristol"})
    assert form.status_code == 422
    body = form.get_data(as_text=True)
    assert "control character" in body and 'value="Bristol"' in body
    document = api("PUT", "/documents/S5", json=document_payload(notes="a\x00b"))
    assert document.status_code == 422 and document.json["errors"][0]["field"] == "notes"
    with app.app_context(), models.db.connection_context():
        assert Contact.select().count() == 1 and Document.select().count() == 0


def test_an_oauth_callback_with_state_but_neither_code_nor_error_says_so(app, admin_client):
    app.config.update(XERO_CLIENT_ID="id", XERO_CLIENT_SECRET="secret")
    authorize = start_connect(admin_client, "xero")
    state = parse_qs(urlparse(authorize).query)["state"][0]
    response = admin_client.get(f"/integrations/xero/callback?state={state}",
                                follow_redirects=True)
    assert response.status_code == 200
    assert "without an answer (no authorisation code and no error)" in response.get_data(
        as_text=True)


def test_the_new_token_page_is_not_stored(admin_client):
    response = admin_client.post("/settings/api-tokens",
                                 data={"name": "Job system",
                                       "csrf_token": csrf_token(admin_client, "/settings/")})
    assert 'id="new-token-value"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sqlite_database_is_created_owner_only(app_config, tmp_path, monkeypatch):
    from app import create_app

    instance = tmp_path / "fresh-instance"
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    config = {**app_config, "DATABASE_URL": ""}
    app = create_app(config)
    assert app.test_cli_runner().invoke(args=["migrate"]).exit_code == 0
    with app.app_context(), models.db.connection_context():
        models.db.execute_sql("SELECT 1")
        files = [instance / name for name in ("ledgerlink.db", "ledgerlink.db-wal",
                                              "ledgerlink.db-shm") if (instance / name).exists()]
        assert instance / "ledgerlink.db" in files
        for path in files:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path


def test_a_csv_preview_can_be_committed_only_by_its_maker(app, staff, make_user):
    add_contact(app)
    maker, other = app.test_client(), app.test_client()
    sign_in(maker, staff.email)
    sign_in(other, make_user("other@example.com").email)
    content = (b"number,kind,contact_number,issue_date,description,quantity,unit_price,tax_rate,"
               b"category\nS1,sales_invoice,A0001,2026-03-01,Labour,1,50,20,labour\n")
    preview = maker.post("/documents/import", content_type="multipart/form-data",
                         data={"csrf_token": csrf_token(maker, "/documents/import"),
                               "file": (io.BytesIO(content), "d.csv")})
    commit_path = preview.get_data(as_text=True).split('action="/documents/import/')[1]
    commit_path = "/documents/import/" + commit_path.split('"')[0]
    stolen = other.post(commit_path, data={"csrf_token": csrf_token(other, "/documents/import")},
                        follow_redirects=True)
    assert "That preview has expired" in stolen.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        assert Document.select().count() == 0
    own = maker.post(commit_path, data={"csrf_token": csrf_token(maker, "/documents/import")})
    assert own.status_code == 302
    with app.app_context(), models.db.connection_context():
        assert Document.select().count() == 1


def test_a_job_status_is_for_whoever_started_it_or_an_admin(app, staff, admin, make_user):
    from worker.jobs import worker_check

    starter, other, boss = app.test_client(), app.test_client(), app.test_client()
    sign_in(starter, staff.email)
    sign_in(other, make_user("other@example.com").email)
    sign_in(boss, admin.email)
    with app.test_request_context(), models.db.connection_context():
        user = User.get_by_id(staff.id)  # enqueued from a request signed in as staff
        _record, user.session_token = UserSession.start(user, datetime.timedelta(hours=1))
        login_user(user)
        job = enqueue(worker_check, staff.id)
    path = f"/integrations/refresh/{job.id}"
    assert other.get(path).status_code == 404
    assert starter.get(path).status_code == 200
    assert boss.get(path).status_code == 200


def test_a_locked_account_is_shown_to_admins_who_can_unlock_it(app, staff, admin):
    attacker = app.test_client()
    for n in range(10):
        attacker.post("/auth/login", data={"email": staff.email, "password": "guess",
                                           "csrf_token": csrf_token(attacker)},
                      environ_base={"REMOTE_ADDR": f"10.9.0.{n}"})
    locked = sign_in(app.test_client(), staff.email)
    assert locked.status_code == 429 and 1 <= int(locked.headers["Retry-After"]) <= 61
    boss = app.test_client()
    sign_in(boss, admin.email)
    page = boss.get("/users/").get_data(as_text=True)
    assert f"Someone may be trying to guess the password of {staff.email}" in page
    assert "Locked by failed sign-ins" in page
    response = boss.post(f"/users/{staff.id}/unlock",
                         data={"csrf_token": csrf_token(boss, "/users/")})
    assert f"{staff.email} can sign in again" in response.get_data(as_text=True)
    assert sign_in(app.test_client(), staff.email).status_code == 302


def test_an_unexpected_error_under_the_api_is_json_too(app_config, tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance-boom"))
    app = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("internals")

    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500 and response.mimetype == "application/json"
    assert response.json["error"] == "internal_server_error"
    assert "internals" not in response.get_data(as_text=True)


def test_a_ledger_id_with_a_control_character_is_a_field_error(app, staff_client):
    from helpers.links import add_connection

    contact = add_contact(app)
    connection = add_connection(app)
    path = f"/contacts/{contact.id}/edit"
    response = staff_client.post(path, data={
        "csrf_token": csrf_token(staff_client, path), "kind": "customer",
        "name": contact.name, "ledger_remote_id": "xero\x00-1",
        "ledger_connection": str(connection.id), "ledger_id_confirmed": "1"})
    assert response.status_code == 422
    assert "may not contain control characters" in response.get_data(as_text=True)
