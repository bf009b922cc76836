"""CSRF on every state-changing rule, plain and htmx: refused with 400, nothing changed (14.6).

The JSON API is one exception: it takes no cookies, only a bearer token, so a forged
cross-site request has nothing to ride on (test_api checks it needs no CSRF token). Zynk's
endpoints under /zynk/ are the other: Basic auth only, never a session (tests/test_zynk.py).
"""

from helpers.routes import STATE_CHANGING
from helpers.routes import build_world
from helpers.routes import path_for
from helpers.routes import rules
from helpers.routes import signed_in_client
from helpers.routes import snapshot

# Filled-in forms, so a request would change something if CSRF let it through.
FORM = {"role": "admin", "active": "0", "email": "new@example.com", "password": "a long password",
        "new_password": "a long password 2", "confirm_password": "a long password 2",
        "current_password": "correct horse battery", "name": "Forged", "kind": "customer",
        "number": "A0999", "sent": "1", "method": "post", "country": "GB"}


def test_every_state_change_needs_the_csrf_token(app):
    world = build_world(app)
    before = snapshot(app)
    checked, failures = 0, []
    for rule, method in rules(app):
        if method not in STATE_CHANGING or rule.rule.startswith(("/api/", "/zynk/")):
            continue
        path = path_for(rule, world)
        for htmx in (False, True):
            user = None if rule.endpoint == "auth.login" else world.admin
            client = signed_in_client(app, user)
            headers = {"HX-Request": "true"} if htmx else {}
            data = {**FORM, "email": world.staff.email} if user is None else FORM
            response = client.open(path, method=method, data=data, headers=headers)
            checked += 1
            body = response.get_data(as_text=True)
            if response.status_code != 400 or "expired or was not sent from Ledgerlink" not in body:
                failures.append(f"{method} {path} ({'htmx' if htmx else 'plain'}): "
                                f"{response.status_code}")
            elif htmx and response.headers.get("HX-Retarget") != "#flashes":
                failures.append(f"{method} {path} (htmx): the refusal is not shown in #flashes")
    print(f"CSRF sweep: {checked} forged requests")
    assert checked >= 2 * 25
    assert not failures, "\n".join(failures)
    after = snapshot(app)
    # signed_in_client itself adds sign-in records; everything else must be as it was.
    after.pop("user_session"), before.pop("user_session")
    assert after == before
