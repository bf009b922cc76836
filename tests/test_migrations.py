"""Migrations from an empty database, on whichever backend the suite runs against."""

from conftest import PG_URL

import models


def test_migrate_from_empty_database_then_nothing_pending(app_config, tmp_path, monkeypatch):
    from app import create_app

    if PG_URL:
        # An empty database: drop everything the template gave this test's copy.
        models.configure(app_config["DATABASE_URL"], tmp_path)
        with models.db.connection_context():
            models.db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        models.db.obj.close_all()
    else:
        app_config["DATABASE_URL"] = f"sqlite://{tmp_path / 'empty.db'}"
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(app_config)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0, result.output
    assert "0001_users" in result.output
    with app.app_context(), models.db.connection_context():
        assert "users" in models.db.get_tables()
    again = runner.invoke(args=["migrate"])
    assert "up to date" in again.output
    status = runner.invoke(args=["migrations"]).output
    assert "pending" not in status and "0001_users" in status


def test_every_migration_has_up_and_down():
    import importlib.util
    from pathlib import Path

    for path in sorted(Path(models.MIGRATIONS_DIR).glob("[0-9]*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert callable(module.up) and callable(module.down), path.name


def test_token_times_keep_their_seconds(app):
    """Epoch seconds come back exact on both backends (PostgreSQL's `real` lost up to 90 s)."""
    from models.integration import Connection

    moment = 1796037688.5
    with app.app_context(), models.db.connection_context():
        connection = Connection.create(provider="xero", organisation_id="org-1",
                                       refreshed_at=moment, access_expires_at=moment,
                                       refresh_expires_at=moment)
        row = Connection.get_by_id(connection.id)
    assert (row.refreshed_at, row.access_expires_at, row.refresh_expires_at) == (moment,) * 3
