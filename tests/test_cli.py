"""The create-user command."""

from conftest import sign_in

import models
from models.user import User


def test_create_admin_from_stdin_then_sign_in(app, runner):
    result = runner.invoke(args=["create-user", "Boss@Example.com", "--admin", "--password-stdin"],
                           input="a fine long password\n")
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    assert sign_in(app.test_client(), "boss@example.com", "a fine long password").status_code == 302


def test_create_user_prompts_for_password(app, runner):
    result = runner.invoke(args=["create-user", "s@example.com"],
                           input="a fine long password\na fine long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context(), models.db.connection_context():
        assert User.get(User.email == "s@example.com").role == "staff"


def test_create_user_refuses_short_password_and_duplicates(app, runner, admin):
    short = runner.invoke(args=["create-user", "x@example.com", "--password-stdin"],
                          input="short\n")
    assert short.exit_code != 0 and "at least 10" in short.output
    dup = runner.invoke(args=["create-user", admin.email, "--password-stdin"],
                        input="a fine long password\n")
    assert dup.exit_code != 0 and "already exists" in dup.output
    with app.app_context(), models.db.connection_context():
        assert User.select().count() == 1


def test_create_user_before_the_database_is_set_up_says_what_to_run(app_config, tmp_path,
                                                                     monkeypatch):
    from app import create_app

    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "fresh"))
    fresh = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    result = fresh.test_cli_runner().invoke(args=["create-user", "new@example.com",
                                                  "--password-stdin"],
                                            input="a fine long password\n")
    assert result.exit_code != 0 and "not set up yet" in result.output
    assert "flask --app app migrate" in result.output and "Traceback" not in result.output
