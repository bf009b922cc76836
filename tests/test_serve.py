"""The run command's serve step: migrate, then web, worker and cron together, all healthy."""

import os
import signal
import subprocess
import sys
import time

from conftest import worker_env
from helpers.processes import ROOT
from helpers.processes import free_port
from helpers.processes import wait_for

from worker.queue import embedded_socket


def test_serve_brings_up_web_worker_and_cron(app, tmp_path):
    port, sandbox_port = free_port(), free_port()
    env = worker_env(app, PORT=str(port), WEB_CONCURRENCY="1", SANDBOX_PORT=str(sandbox_port))
    env.pop("REDIS_URL")  # the embedded default: serve starts Redis in the instance folder
    process = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "app", "serve",
         "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        health = wait_for(url, timeout=40).json()
        assert health["checks"]["workers"]["count"] == 1
        # The cron process enqueues its heartbeat on start and the worker runs it.
        deadline = time.monotonic() + 20
        while not health["checks"]["scheduler"]["ok"] and time.monotonic() < deadline:
            time.sleep(0.3)
            health = wait_for(url, timeout=20).json()
        assert health["checks"]["scheduler"]["ok"] is True
        login = wait_for(f"http://127.0.0.1:{port}/auth/login")
        assert "Sign in to Ledgerlink" in login.text
        # No provider credentials: the demo sandbox runs beside the app.
        about = wait_for(f"http://127.0.0.1:{sandbox_port}/").json()
        assert about["sandbox"] is True and about["demo_firm"] is True
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in output
    assert "create-user" in output  # no admin yet: says how to make one
    assert f"sandbox runs on http://127.0.0.1:{sandbox_port}/" in output
    assert not os.path.exists(embedded_socket(app.instance_path))  # Redis stopped with the rest
