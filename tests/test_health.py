"""GET /healthz: up with a worker running, 503 when something is down, never a secret."""

import time

from conftest import worker_env
from helpers.processes import start_worker
from helpers.processes import stop

from app import create_app


def test_healthz_up_with_a_live_worker(app, client):
    worker = start_worker(worker_env(app))
    try:
        deadline = time.monotonic() + 60  # a loaded machine can be slow to start a worker
        while True:
            response = client.get("/healthz")
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        body = response.get_json()
        assert response.status_code == 200, body
        assert body["status"] == "ok"
        assert body["checks"]["workers"]["count"] == 1
    finally:
        stop(worker)
    time.sleep(0.2)
    down = client.get("/healthz")
    assert down.status_code == 503
    assert down.get_json()["checks"]["workers"]["ok"] is False


def test_healthz_reports_redis_down_without_secrets(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "i"))
    app = create_app({**app_config, "REDIS_URL": "redis://:sup3rsecret@127.0.0.1:1/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert response.get_json()["checks"]["redis"]["ok"] is False
    assert response.get_json()["checks"]["database"]["ok"] is True
    assert "sup3rsecret" not in body and "127.0.0.1" not in body


def test_healthz_reports_database_down(app_config, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "i"))
    bad = "postgresql://nobody:pw@127.0.0.1:1/none" if app_config["DATABASE_URL"].startswith(
        "postgres") else f"sqlite://{tmp_path}/missing/dir/x.db"
    app = create_app({**app_config, "DATABASE_URL": bad})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["ok"] is False


def test_healthz_needs_no_login(client):
    assert client.get("/healthz").status_code in (200, 503)
