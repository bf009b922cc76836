"""Single-flight refresh: eight worker processes with an expired token make exactly one refresh."""

import os
import subprocess
import sys
import time

import pytest
import requests
from conftest import signed_in_client
from conftest import worker_env
from helpers.connect import connect
from helpers.processes import ROOT

import models
from connections.tokens import load_tokens
from connections.tokens import store_tokens
from providers import REGISTRY

WORKER = """
import os, sys, time
from app import create_app
import models
from models.integration import Connection
from connections.tokens import api_context
app = create_app()
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.002)
with app.app_context(), models.db.connection_context():
    provider, ctx = api_context(Connection.get_by_id(int(sys.argv[2])))
    print("TOKEN", ctx.access_token)
"""


@pytest.mark.parametrize("provider_id", sorted(REGISTRY))
def test_eight_processes_with_an_expired_token_refresh_once(sandbox_app, sandbox, admin,
                                                             provider_id, tmp_path):
    client = signed_in_client(sandbox_app, admin)
    _, connection = connect(sandbox_app, client, provider_id)
    assert connection is not None
    with sandbox_app.app_context(), models.db.connection_context():
        tokens = load_tokens(connection)
        tokens.expires_at = time.time() - 5  # our copy says it has expired
        store_tokens(connection, tokens, previous=tokens)
    before = requests.get(f"{sandbox.url}/_control/state", params={"provider": provider_id},
                          timeout=5).json()["refreshes"]
    go = tmp_path / "go"
    env = worker_env(sandbox_app, LEDGER_SANDBOX_URL=sandbox.url)
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, str(go), str(connection.id)],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(8)]
    time.sleep(1.5)  # let every process import and wait at the barrier
    go.touch()
    results = [w.communicate(timeout=60) for w in workers]
    for worker, (_out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err[-2000:]
        assert "invalid_grant" not in err
    tokens_seen = {out.split("TOKEN ", 1)[1].strip() for out, _ in results}
    assert len(tokens_seen) == 1  # everyone uses the one fresh token
    after = requests.get(f"{sandbox.url}/_control/state", params={"provider": provider_id},
                         timeout=5).json()["refreshes"]
    assert after - before == 1
    os.remove(go)


@pytest.mark.parametrize("provider_id", ["xero", "sage"])
def test_keep_alive_refreshes_week_old_grants_before_they_idle_out(sandbox_app, sandbox, admin,
                                                                 provider_id):
    from connections.tokens import keep_alive
    from models.integration import Connection

    client = signed_in_client(sandbox_app, admin)
    _, connection = connect(sandbox_app, client, provider_id)
    with sandbox_app.app_context(), models.db.connection_context():
        old_refresh = load_tokens(connection).refresh_token
        assert keep_alive() == 0  # a fresh grant is left alone
        Connection.update(refreshed_at=time.time() - 8 * 86400).where(
            Connection.id == connection.id).execute()
        assert keep_alive() == 1
        renewed = Connection.get_by_id(connection.id)
        assert load_tokens(renewed).refresh_token != old_refresh  # rotated and saved
        assert time.time() - renewed.refreshed_at < 60
