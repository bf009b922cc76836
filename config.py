"""Settings: defaults, then instance/config.py, then the environment (and .env), then tests."""

import os
import secrets
from pathlib import Path

from dotenv import dotenv_values

# Every setting Ledgerlink reads, with its default. The README's configuration table lists each
# one; a test keeps the two in step. An empty string means "not set".
DEFAULTS = {
    "SECRET_KEY": "",
    "DATABASE_URL": "",
    "REDIS_URL": "",
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    "LOG_LEVEL": "INFO",
    "LOGIN_ATTEMPTS_PER_MINUTE": 10,
    "SESSION_HOURS": 12,
    "REMEMBER_DAYS": 14,
    "TRUSTED_PROXIES": 0,
    "MAX_UPLOAD_MB": 16,
    "WORKER_STALE_SECONDS": 120,
    "RQ_QUEUE": "default",
    "HOST": "127.0.0.1",
    "PORT": 5000,
    "PUBLIC_URL": "",
    "TOKEN_KEYS": "",
    "LEDGER_SANDBOX_URL": "",
    "SANDBOX_PORT": 5055,
    "SANDBOX_ZYNK_EVERY": 60,
    "XERO_CLIENT_ID": "",
    "XERO_CLIENT_SECRET": "",
    "XERO_BROAD_SCOPES": False,
    "QBO_CLIENT_ID": "",
    "QBO_CLIENT_SECRET": "",
    "SAGE_CLIENT_ID": "",
    "SAGE_CLIENT_SECRET": "",
    "ZOHO_CLIENT_ID": "",
    "ZOHO_CLIENT_SECRET": "",
    "API_MAX_BODY_KB": 512,
    "API_MAX_LINES": 200,
    "PDF_MAX_MB": 10,
    "LOGO_MAX_KB": 512,
    "CSV_MAX_KB": 2048,
    "CSV_MAX_ROWS": 5000,
    "SYNC_BATCH_LIMIT": 5,
    "AUTO_SYNC_MINUTES": 20,
    "SYNC_LEASE_SECONDS": 30,
    "SYNC_REQUEST_TIMEOUT": 30,
    "SYNC_BACKOFF_SECONDS": "30,120,600,3600,21600",
    "RATE_BUDGET": True,
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": False,
    "SMTP_FROM": "",
    "DIGEST_HOUR": 7,
}


def _coerce(raw, default):
    """Turn an environment string into the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    return raw


def dotenv_wanted():
    """False when FLASK_SKIP_DOTENV says to ignore .env files (as the flask command does)."""
    value = os.environ.get("FLASK_SKIP_DOTENV", "")
    return not value or value.lower() in {"0", "false", "no"}


def environment_overrides(root_path):
    """Settings from the process environment, over those in a .env file at the project root."""
    file_values = dotenv_values(Path(root_path) / ".env") if dotenv_wanted() else {}
    merged = {**{k: v for k, v in file_values.items() if v is not None}, **os.environ}
    return {
        key: _coerce(merged[key], default) for key, default in DEFAULTS.items() if key in merged
    }


def instance_path_from_env(root_path):
    """The instance folder: $INSTANCE_PATH, else instance/ beside app.py."""
    return os.environ.get("INSTANCE_PATH") or str(Path(root_path) / "instance")


def persistent_secret(instance_path, name, make=lambda: secrets.token_urlsafe(48)):
    """Read a random secret kept in the instance folder, creating it (mode 0600) on first use."""
    path = Path(instance_path) / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def load_config(app, test_config=None):
    """Apply the settings to app.config in the documented order."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(environment_overrides(app.root_path))
    if test_config:
        app.config.update(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = persistent_secret(app.instance_path, "secret_key")
    if not app.config["TOKEN_KEYS"]:
        from cryptography.fernet import Fernet

        app.config["TOKEN_KEYS"] = persistent_secret(
            app.instance_path, "token_key", lambda: Fernet.generate_key().decode())
    _derive_flask_settings(app.config)


def _derive_flask_settings(config):
    """Fill Flask's and extensions' own keys from ours."""
    from datetime import timedelta

    config.update(
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config["SESSION_HOURS"]),
        REMEMBER_COOKIE_DURATION=timedelta(days=config["REMEMBER_DAYS"]),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=config["MAX_UPLOAD_MB"] * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )
