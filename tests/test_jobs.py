"""A job enqueued by the web process runs in a separate worker process, in both Redis modes."""

import os
import re

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from conftest import signed_in_client
from conftest import worker_env
from helpers.processes import run_worker_burst

from app import create_app
from worker import queue as queue_module


@pytest.fixture(params=["configured", "embedded"])
def mode_app(request, app_config, tmp_path, monkeypatch):
    """An app on the configured Redis, or on its own embedded Redis in its instance folder."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    if request.param == "embedded":
        app_config = {**app_config, "REDIS_URL": ""}
    app = create_app(app_config)
    yield app
    if request.param == "embedded":
        queue_module.stop_embedded(app.instance_path)


def test_web_enqueues_and_a_separate_worker_runs_it(mode_app, admin):
    client = signed_in_client(mode_app, admin)
    token = csrf_token(client, "/settings/")
    response = client.post("/settings/worker-check", data={"csrf_token": token},
                           headers=htmx_headers({"X-Request-ID": "req-check-123456"}))
    html = response.get_data(as_text=True)
    assert "Waiting for a worker" in html
    poll_url = re.search(r'hx-get="([^"]+)"', html).group(1)

    embedded = not mode_app.config["REDIS_URL"]
    env = worker_env(mode_app, REDIS_URL=None if embedded else mode_app.config["REDIS_URL"])
    if embedded:
        env.pop("REDIS_URL", None)
        assert os.path.exists(os.path.join(mode_app.instance_path, "redis.sock"))
    output = run_worker_burst(env)

    done = client.get(poll_url, headers=htmx_headers()).get_data(as_text=True)
    assert "ran the check and reached the database" in done
    worker_pid = int(re.search(r"\(process (\d+)\)", done).group(1))
    assert worker_pid != os.getpid()
    assert "hx-get" not in done  # the finished state stops polling
    # The job's log lines carry the id of the request that enqueued it.
    assert "[req-check-123456] ledgerlink.job" in output


def test_poll_of_unknown_job_is_404(admin_client):
    assert admin_client.get("/settings/worker-check/nope").status_code == 404
