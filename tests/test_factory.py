"""The factory: settings order, and no database or Redis touched at import or creation."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

import config
import models
from app import create_app

ROOT = Path(__file__).resolve().parent.parent


def test_settings_order_defaults_instance_env_test(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "LOG_LEVEL = 'WARNING'\nSESSION_HOURS = 3\nREMEMBER_DAYS = 5\nMAX_UPLOAD_MB = 2\n"
    )
    monkeypatch.setenv("INSTANCE_PATH", str(instance))
    monkeypatch.setenv("SESSION_HOURS", "4")
    monkeypatch.setenv("REMEMBER_DAYS", "6")
    app = create_app({"REMEMBER_DAYS": 7, "SECRET_KEY": "x"})
    assert app.config["LOGIN_ATTEMPTS_PER_MINUTE"] == 10  # default
    assert app.config["MAX_UPLOAD_MB"] == 2  # instance/config.py over the default
    assert app.config["SESSION_HOURS"] == 4  # environment (coerced to int) over instance config
    assert app.config["REMEMBER_DAYS"] == 7  # test config over everything
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024


def test_dotenv_is_read_but_environment_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    (tmp_path / ".env").write_text("LOG_LEVEL=DEBUG\nPORT=6001\n")
    monkeypatch.setenv("PORT", "6002")
    overrides = config.environment_overrides(tmp_path)
    assert overrides["LOG_LEVEL"] == "DEBUG"
    assert overrides["PORT"] == 6002


def test_secret_key_is_generated_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_import_and_creation_touch_no_database_or_redis(tmp_path):
    code = (
        "import app, models\n"
        "a = app.create_app({'SECRET_KEY': 'x'})\n"
        "assert models.db.obj.is_closed()\n"
    )
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)
    assert not (tmp_path / "ledgerlink.db").exists()
    assert not (tmp_path / "redis.sock").exists()


def test_unknown_database_scheme_is_a_clear_error(tmp_path):
    try:
        models.make_database("mysql://x/y", tmp_path)
    except ValueError as exc:
        assert "postgresql://" in str(exc)
    else:
        raise AssertionError("expected ValueError")


def test_sqlite_pragmas(app):
    with app.app_context(), models.db.connection_context():
        if models.db.obj.__class__.__name__ != "SqliteDatabase":
            return
        assert models.db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert models.db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
        assert models.db.execute_sql("PRAGMA busy_timeout").fetchone()[0] == 5000


STRAY = {"DATABASE_URL": "postgresql://stray@db.invalid/production",
         "REDIS_URL": "redis://stray.invalid:6379/0", "SECRET_KEY": "stray-secret",
         "XERO_CLIENT_ID": "stray-client", "LEDGER_SANDBOX_URL": "http://stray.invalid",
         "PUBLIC_URL": "https://stray.invalid", "LOG_LEVEL": "DEBUG", "RQ_QUEUE": "stray"}


@pytest.fixture
def stray_environment(monkeypatch):
    """A developer's shell with settings exported, in place before the app fixture is built."""
    for name, value in STRAY.items():
        monkeypatch.setenv(name, value)
    assert config.environment_overrides(ROOT)["XERO_CLIENT_ID"] == "stray-client"  # readable


def test_the_app_fixture_ignores_a_developers_environment(stray_environment, app):
    for name, value in STRAY.items():
        assert app.config[name] != value, name
    assert app.config["XERO_CLIENT_ID"] == "" and app.config["LEDGER_SANDBOX_URL"] == ""
    assert app.config["LOG_LEVEL"] == "INFO" and app.config["RQ_QUEUE"] == "default"
    assert not any(name in os.environ for name in STRAY)  # nor do processes started from tests


def _dotenv_app(tmp_path):
    """A bare Flask app rooted where a developer's .env file sits."""
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://stray@db.invalid/production\n"
                                   "XERO_CLIENT_ID=from-dotenv\nLOG_LEVEL=DEBUG\n")
    (tmp_path / "instance").mkdir()
    return Flask("dotenv_probe", root_path=str(tmp_path), instance_path=str(tmp_path / "instance"))


def test_a_dotenv_file_is_read_outside_tests(tmp_path, monkeypatch):
    monkeypatch.delenv("FLASK_SKIP_DOTENV", raising=False)
    for name in STRAY:
        monkeypatch.delenv(name, raising=False)
    probe = _dotenv_app(tmp_path)
    config.load_config(probe, {"SECRET_KEY": "x"})
    assert probe.config["XERO_CLIENT_ID"] == "from-dotenv"


def test_a_dotenv_file_does_not_leak_into_test_apps(app_config, tmp_path):
    probe = _dotenv_app(tmp_path)
    config.load_config(probe, app_config)  # as create_app does for the app fixture
    assert probe.config["XERO_CLIENT_ID"] == "" and probe.config["LOG_LEVEL"] == "INFO"
    assert probe.config["DATABASE_URL"] == app_config["DATABASE_URL"]
    assert os.environ["FLASK_SKIP_DOTENV"] == "1"  # the flask command obeys it too
