"""Helpers for tests that start real Ledgerlink processes (workers, the serve command)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run_worker_burst(env, timeout=60):
    """Run the Procfile's worker command with --burst, in its own process; return its output."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app", "worker", "--burst"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def start_worker(env, *extra):
    """Start a long-running worker process; the caller stops it."""
    return subprocess.Popen(
        [str(BIN / "flask"), "--app", "app", "worker", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )


def stop(process, timeout=15):
    """Stop a process started by these helpers and return its output."""
    if process.poll() is None:
        os.killpg(process.pid, 2)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait(5)
    if process.stdout is None:
        return ""
    with process.stdout:
        return process.stdout.read()


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url, status=200, timeout=30):
    """Poll url until it answers with status; return the last response."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = requests.get(url, timeout=5)
            if last.status_code == status:
                return last
        except requests.RequestException:  # not up yet, or slow to answer on a loaded machine
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status}; last: {last and last.text}")
