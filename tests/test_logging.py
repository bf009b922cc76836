"""One line per request with an id; secrets never reach a log line."""

import json
import logging

import pytest
import requests
from conftest import PASSWORD
from conftest import sign_in

import logs
from providers import answers
from providers.answers import UnexpectedAnswer


def test_each_request_logs_one_line_with_its_id(client, capsys):
    client.get("/auth/login", headers={"X-Request-ID": "abc123def456"})
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "ledgerlink.request" in line]
    assert len(lines) == 1
    assert "[abc123def456]" in lines[0] and "GET /auth/login 200" in lines[0]


def test_sign_in_logs_no_password_or_csrf_token(client, staff, capsys):
    sign_in(client, staff.email, remember=True)
    sign_in(client, staff.email, "another-Secret-9")
    out = capsys.readouterr().out
    assert out  # the requests were logged
    assert PASSWORD not in out and "another-Secret-9" not in out


def test_secrets_in_messages_are_scrubbed(capsys):
    logs.configure()
    log = logging.getLogger("ledgerlink.test")
    log.warning("refresh failed: {'access_token': 'at-123', 'refresh_token': 'rt-456'}")
    log.warning("sent Authorization: Bearer eyJhbGciOi.abc and client_secret=s3cr3t")
    log.warning("callback /cb?code=c0de-value&state=st4te-value")
    log.warning("password=%s", "hunter2")
    out = capsys.readouterr().out
    for secret in ("at-123", "rt-456", "eyJhbGciOi", "s3cr3t", "c0de-value", "st4te-value",
                   "hunter2"):
        assert secret not in out
    assert out.count("***") >= 6


def test_unsafe_request_ids_are_replaced():
    assert logs.new_id("ok-id_123456") == "ok-id_123456"
    assert logs.new_id("bad id\nwith newline") != "bad id\nwith newline"


def _answer(text):
    response = requests.Response()
    response.status_code, response._content = 200, text.encode()
    response.request = requests.Request("GET", "https://ledger.example/v1/things?code=c0de").prepare()
    return response


def test_a_providers_raw_answer_is_logged_scrubbed_and_cut(capsys):
    """Providers log an answer they cannot read as it came (they import nothing of ours); the
    app's log filter masks its secrets like any other record's."""
    logs.configure()
    raw = json.dumps([{"access_token": "tok-123", "nested": [{"client_secret": "sec-456"}],
                       "message": "Bearer abc.def.ghi was refused", "ok": 1}])
    html = "<html>" + "x" * 5000 + " refresh_token=zzz</html>"
    for text in (raw, html, "<p>refresh_token=zzz</p>"):
        with pytest.raises(UnexpectedAnswer):
            answers.json_of("Ledger", _answer(text))  # none is a JSON object
    out = capsys.readouterr().out
    logged = [line.split("HTTP 200): ", 1)[1] for line in out.splitlines()
              if "ledgerlink.providers" in line and "Ledger answered in an unexpected form" in line]
    assert len(logged) == 3 and "GET https://ledger.example/v1/things," in out
    assert "c0de" not in out
    assert "tok-123" not in logged[0] and "sec-456" not in logged[0]
    assert "abc.def.ghi" not in logged[0] and '"ok": 1' in logged[0]
    cut = logged[1]
    assert len(cut) < answers.RAW_LIMIT + 40 and cut.endswith("characters)")
    assert "zzz" not in logged[2] and "refresh_token=***" in logged[2]
