"""One line per request with an id; secrets never reach a log line."""

import logging

from conftest import PASSWORD
from conftest import sign_in

import logs


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
