"""Tokens encrypted at rest with Fernet; several keys allow rotation (newest first)."""

import json
from dataclasses import asdict

from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from cryptography.fernet import MultiFernet

from providers.base import TokenSet


class VaultError(Exception):
    """Stored tokens cannot be decrypted with the configured keys."""


def _fernet(keys):
    if not keys:
        raise VaultError("no token encryption key configured")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def parse_keys(setting):
    """Split the TOKEN_KEYS setting (comma-separated, newest first)."""
    return [key.strip() for key in (setting or "").split(",") if key.strip()]


def encrypt(keys, tokens):
    """Encrypt a TokenSet with the newest key."""
    return _fernet(keys).encrypt(json.dumps(asdict(tokens)).encode()).decode()


def decrypt(keys, ciphertext):
    """Decrypt a TokenSet with any configured key."""
    try:
        data = json.loads(_fernet(keys).decrypt(ciphertext.encode()))
    except InvalidToken as exc:
        raise VaultError("stored tokens cannot be decrypted with the configured keys") from exc
    return TokenSet(**data)


def rotate(keys, ciphertext):
    """Re-encrypt a ciphertext with the newest key."""
    return _fernet(keys).rotate(ciphertext.encode()).decode()


def new_key():
    """A fresh Fernet key."""
    return Fernet.generate_key().decode()
