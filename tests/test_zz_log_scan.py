"""No secret the suite created reached the log output of the whole suite (issue 14.6).

Runs last (conftest orders it); tests/helpers/secret_watch.py records the secrets and the log lines.
It first drives a sign-in with remember-me, a password change and an API call itself, so it
has something to look at even when run alone.
"""

from conftest import PASSWORD
from conftest import csrf_token
from conftest import sign_in
from helpers import secret_watch
from helpers.docs import api_token


def test_no_secret_reached_the_log(app, staff):
    client = app.test_client()
    sign_in(client, staff.email, remember=True)
    client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a brand new secret 42",
        "confirm_password": "a brand new secret 42", "csrf_token": csrf_token(client, "/account/")})
    token = api_token(app)
    client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
    assert PASSWORD in secret_watch.SECRETS and token in secret_watch.SECRETS
    assert any("/api/v1/documents" in line for line in secret_watch.LINES)
    leaks = secret_watch.leaks()
    print(f"log scan: {len(secret_watch.SECRETS)} secrets against "
          f"{len(secret_watch.LINES)} log lines")
    assert not leaks, "\n".join(f"{secret} in: {line}" for secret, line in leaks[:20])
