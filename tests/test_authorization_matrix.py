"""Who may use what: every rule of app.url_map x {anonymous, staff, admin} x each method (14.6).

ACCESS below is the table: one row per endpoint. A route added without a row fails
test_every_route_has_a_row, naming the rule, so whoever adds a screen decides who may use it.
"""

import pytest
from helpers.routes import build_world
from helpers.routes import path_for
from helpers.routes import rules
from helpers.routes import signed_in_client

PUBLIC = "anyone"          # no sign-in needed
SIGNED_IN = "signed in"    # staff and administrators
ADMIN = "admin"            # administrators only; staff get 403
TOKEN = "api token"        # the JSON API: a bearer token, never a browser session
ZYNK = "zynk basic auth"   # Zynk's HTTP tasks: Basic auth, never a browser session

ACCESS = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "home.index": SIGNED_IN,
    "account.index": SIGNED_IN,
    "account.change_password": SIGNED_IN,
    "account.sign_out_all": SIGNED_IN,
    "contacts.index": SIGNED_IN,
    "contacts.detail": SIGNED_IN,
    "contacts.new": SIGNED_IN,
    "contacts.edit": SIGNED_IN,
    "contacts.clear_ledger_id": SIGNED_IN,
    "contacts.ledger_picker": SIGNED_IN,
    "documents.index": SIGNED_IN,
    "documents.detail": SIGNED_IN,
    "documents.new": SIGNED_IN,
    "documents.edit": SIGNED_IN,
    "documents.line_row": SIGNED_IN,
    "documents.toggle_sent": SIGNED_IN,
    "documents.void": SIGNED_IN,
    "documents.pdf": SIGNED_IN,
    "documents.attach": SIGNED_IN,
    "documents.remove_attachment": SIGNED_IN,
    "documents.add_payment": SIGNED_IN,
    "documents.remove_payment": SIGNED_IN,
    "documents.retry_payment": SIGNED_IN,
    "documents.import_form": SIGNED_IN,
    "documents.import_template": SIGNED_IN,
    "documents.import_preview": SIGNED_IN,
    "documents.import_commit": SIGNED_IN,
    "integrations.index": SIGNED_IN,
    "integrations.refresh_status": SIGNED_IN,
    "integrations.refresh_start": ADMIN,
    "integrations.disconnect_connection": ADMIN,
    "connect.start": ADMIN,
    "connect.callback": ADMIN,
    "connect.choose": ADMIN,
    "mapping.form": ADMIN,
    "mapping.save": ADMIN,
    "users.index": ADMIN,
    "users.create": ADMIN,
    "users.update": ADMIN,
    "users.set_password": ADMIN,
    "users.unlock_account": ADMIN,
    "settings.index": ADMIN,
    "settings.save_firm": ADMIN,
    "settings.create_token": ADMIN,
    "settings.revoke_token": ADMIN,
    "settings.worker_check_start": ADMIN,
    "settings.worker_check_status": ADMIN,
    # The Sync page: staff sync and fix documents; connecting stays with admins (connect.*).
    "sync.index": SIGNED_IN,
    "sync.run_start": SIGNED_IN,
    "sync.run_status": SIGNED_IN,
    "sync.run_stop": SIGNED_IN,
    "sync.actions": SIGNED_IN,
    "sync.preview": SIGNED_IN,
    "sync.link_typed": SIGNED_IN,
    "sync.create_contact": SIGNED_IN,
    "sync.search_contacts": SIGNED_IN,
    "sync.unlink_contact": SIGNED_IN,
    "sync.mark_sent": SIGNED_IN,
    "sync.exclude": SIGNED_IN,
    "sync.include": SIGNED_IN,
    "sync.retry": SIGNED_IN,
    "sync.link_existing": SIGNED_IN,
    "sync.contacts_dialog": SIGNED_IN,
    "sync.contacts_apply": SIGNED_IN,
    "sync.contacts_status": SIGNED_IN,
    "sync.sent_dialog": SIGNED_IN,
    "sync.sent_apply": SIGNED_IN,
    "api.openapi": PUBLIC,
    "api.get_contact": TOKEN,
    "api.put_contact": TOKEN,
    "api.get_document": TOKEN,
    "api.put_document": TOKEN,
    "api.mark_sent": TOKEN,
    "api.list_documents": TOKEN,
    "api.document_sync": TOKEN,
    "api.start_sync_run": TOKEN,
    "api.get_sync_run": TOKEN,
    "api.stop_sync_run": TOKEN,
    "api.list_payments": TOKEN,
    "api.add_payment": TOKEN,
    "api.remove_payment": TOKEN,
    "sage50.connect_start": ADMIN,
    "sage50.regenerate": ADMIN,
    "sage50.settings_form": ADMIN,
    "sage50.settings_save": ADMIN,
    "zynk.download": ZYNK,
    "zynk.confirm": ZYNK,
    "zynk.failed": ZYNK,
}
ROLES = ("anonymous", "staff", "admin")
REPORTS_OUTAGES = {"health.healthz"}  # answers 503 by design while no worker runs


def expected(access, role):
    """What a role gets: "allowed", "login" (sent to sign in), "forbidden" (403) or "401"."""
    if access == PUBLIC:
        return "allowed"
    if access in (TOKEN, ZYNK):
        return "401"  # a browser session never opens these; credentials are tested apart
        # (the API's token column below, Zynk's Basic auth in tests/test_zynk.py)
    if role == "anonymous":
        return "login"
    if access == ADMIN and role == "staff":
        return "forbidden"
    return "allowed"


def outcome(response):
    """What a response amounts to, in the words of expected()."""
    if response.status_code == 401:
        return "401"
    if response.status_code == 403:
        return "forbidden"
    if response.status_code in (301, 302, 303) and response.headers.get(
            "Location", "").startswith("/auth/login?next="):
        return "login"  # (signing out also leads to /auth/login, but without next=)
    return "allowed"


@pytest.fixture
def matrix_app(app):
    """The app with CSRF off: this test is about roles (test_csrf_sweep covers CSRF)."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_every_route_has_a_row(app):
    missing = [f"{rule.rule} (endpoint {rule.endpoint!r})" for rule in app.url_map.iter_rules()
               if rule.endpoint not in ACCESS]
    assert not missing, ("Routes without a row in ACCESS (tests/test_authorization_matrix.py); "
                         "add one saying who may use each: " + "; ".join(missing))
    stale = sorted(set(ACCESS) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"ACCESS rows for endpoints that no longer exist: {stale}"


def test_authorization_matrix(matrix_app):
    world = build_world(matrix_app)
    users = {"anonymous": None, "staff": world.staff, "admin": world.admin}
    failures, checked = [], 0
    for rule, method in rules(matrix_app):
        access = ACCESS.get(rule.endpoint)
        if access is None:
            continue  # test_every_route_has_a_row names it
        path = path_for(rule, world)
        for role in ROLES:
            # A fresh sign-in per request: some requests (sign out, deactivate) end sessions.
            client = signed_in_client(matrix_app, users[role])
            response = client.open(path, method=method)
            response.close()  # static files are streamed from an open file
            checked += 1
            got, want = outcome(response), expected(access, role)
            if response.status_code >= 500 and rule.endpoint not in REPORTS_OUTAGES:
                failures.append(f"{method} {path} as {role}: {response.status_code}")
            elif got != want:
                failures.append(f"{method} {path} as {role}: wanted {want}, got {got} "
                                f"({response.status_code})")
            if rule.rule.startswith("/api/") and response.status_code >= 400:
                assert response.mimetype == "application/json", (method, path)
        if access == TOKEN:
            response = matrix_app.test_client().open(
                path, method=method, headers={"Authorization": f"Bearer {world.api_token}"})
            checked += 1
            if response.status_code in (401, 403) or response.status_code >= 500:
                failures.append(f"{method} {path} with a token: {response.status_code}")
    print(f"authorization matrix: {len({r.rule for r, _ in rules(matrix_app)})} rules, "
          f"{len(rules(matrix_app))} rule-methods x {len(ROLES)} roles "
          f"(+ token for the API): {checked} requests")
    assert not failures, "\n".join(failures)
