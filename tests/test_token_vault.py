"""Tokens are encrypted at rest and survive a key rotation."""

import pytest

import models
from models import token_vault
from models.integration import Connection
from providers.base import TokenSet

TOKENS = TokenSet(access_token="at-very-secret", refresh_token="rt-very-secret",
                  expires_at=1_900_000_000.0, scope="a b", extra={"api_domain": "x"})


def test_ciphertext_hides_the_tokens_and_round_trips():
    key = token_vault.new_key()
    cipher = token_vault.encrypt([key], TOKENS)
    assert "very-secret" not in cipher
    assert token_vault.decrypt([key], cipher) == TOKENS


def test_wrong_key_is_a_clear_error():
    cipher = token_vault.encrypt([token_vault.new_key()], TOKENS)
    with pytest.raises(token_vault.VaultError):
        token_vault.decrypt([token_vault.new_key()], cipher)


def test_rotate_command_reencrypts_with_the_newest_key(app_config, tmp_path, monkeypatch):
    from app import create_app

    old, new = token_vault.new_key(), token_vault.new_key()
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "i"))
    app = create_app({**app_config, "TOKEN_KEYS": old})
    with app.app_context(), models.db.connection_context():
        Connection.create(provider="xero", organisation_id="org", status="connected",
                          tokens=token_vault.encrypt([old], TOKENS))
    rotated = create_app({**app_config, "TOKEN_KEYS": f"{new},{old}"})
    result = rotated.test_cli_runner().invoke(args=["rotate-token-key"])
    assert "1 connection" in result.output
    with rotated.app_context(), models.db.connection_context():
        cipher = Connection.get().tokens
    assert token_vault.decrypt([new], cipher) == TOKENS  # the old key is no longer needed


def test_default_token_key_is_generated_and_valid(app_config, tmp_path, monkeypatch):
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "i"))
    app = create_app({k: v for k, v in app_config.items() if k != "TOKEN_KEYS"})
    keys = token_vault.parse_keys(app.config["TOKEN_KEYS"])
    assert token_vault.decrypt(keys, token_vault.encrypt(keys, TOKENS)) == TOKENS
    assert (tmp_path / "i" / "token_key").stat().st_mode & 0o077 == 0
