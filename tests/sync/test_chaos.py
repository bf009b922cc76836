"""Exactly once under chaos, the small version of bench/chaos.py: 3 runs of 200 documents with 10%
of the sandbox's answers faulty and the worker SIGKILLed mid-run, on real worker processes and
the backend the suite runs on. Every number must be in the sandbox's ledger exactly once."""

import os
import subprocess
import sys
from pathlib import Path

import conftest

ROOT = Path(__file__).resolve().parents[2]


def test_killed_workers_and_faults_lose_nothing_and_duplicate_nothing():
    env = {**os.environ, "DATABASE_URL": conftest.PG_URL, "REDIS_URL": conftest.REDIS_URL,
           "FLASK_SKIP_DOTENV": "1"}
    result = subprocess.run(
        [sys.executable, "bench/chaos.py", "--runs", "3", "--docs", "200", "--provider", "xero",
         "--kills", "2", "--kill-within", "0.3", "--latency", "0.4",
         "--round-timeout", "100"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=330)
    assert result.returncode == 0, result.stderr[-3000:]
    figures = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert figures["chaos.docs"] == "600", result.stdout
    assert figures["chaos.duplicates"] == "0", result.stderr[-3000:]
    assert figures["chaos.lost"] == "0", result.stderr[-3000:]
    assert int(figures["chaos.kills"]) >= 3, result.stderr[-3000:]  # a kill in every run
