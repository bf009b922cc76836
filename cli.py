"""Command-line: `flask --app app <command>` for migrations, users, the worker and scheduler
processes, and running everything together."""

import os
import shlex
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from peewee import IntegrityError

import models
from models.user import ROLES
from models.user import User

ROOT = Path(__file__).resolve().parent


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending database migrations."""
    applied = models.migrate()
    click.echo("Applied: " + ", ".join(applied) if applied else "Database is up to date.")


@click.command("migrations")
@with_appcontext
def migrations_command():
    """Show every migration and whether it is applied."""
    for name, applied in models.migration_status():
        click.echo(f"{'applied ' + str(applied) if applied else 'pending':<36} {name}")


@click.command("create-user")
@click.argument("email")
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, admin, password_stdin):
    """Create a user who can sign in (staff unless --admin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.ClickException("The password must be at least 10 characters.")
    if "@" not in email:
        raise click.ClickException("Give an email address.")
    if any(applied is None for _name, applied in models.migration_status()):
        raise click.ClickException("The database is not set up yet: run `flask --app app migrate` "
                                   "(or start `python3 ledgerlink.py run` once), then try again.")
    with models.db.connection_context():
        try:
            with models.db.atomic():
                user = User.create_user(email, password, ROLES[0] if admin else ROLES[1])
        except IntegrityError as exc:
            raise click.ClickException(f"A user with the email {email} already exists.") from exc
    click.echo(f"Created {user.role} {user.email}.")


@click.command("rotate-token-key")
@with_appcontext
def rotate_token_key_command():
    """Re-encrypt every stored OAuth token with the newest key in TOKEN_KEYS."""
    from models import token_vault
    from models.integration import Connection

    keys = token_vault.parse_keys(current_app.config["TOKEN_KEYS"])
    count = 0
    with models.db.connection_context(), models.db.atomic():
        for connection in Connection.select().where(Connection.tokens.is_null(False)):
            connection.tokens = token_vault.rotate(keys, connection.tokens)
            connection.save()
            count += 1
    click.echo(f"Re-encrypted the tokens of {count} connection(s) with the newest key.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--with-scheduler", is_flag=True, help="Also run jobs enqueued for later.")
@click.argument("queues", nargs=-1)
@with_appcontext
def worker_command(burst, with_scheduler, queues):
    """Run a background worker on the queues (default: the RQ_QUEUE setting)."""
    from worker.processes import run_worker

    run_worker(queues, burst=burst, with_scheduler=with_scheduler)


@click.command("cron")
@with_appcontext
def cron_command():
    """Run the periodic scheduler (exactly one in the whole deployment)."""
    import cron
    from worker.processes import run_scheduler

    run_scheduler(cron.register)


def procfile_processes(path=ROOT / "Procfile"):
    """The Procfile's processes as {name: command}."""
    processes = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: HOST setting).")
@click.option("--port", default=None, type=int, help="Port (default: PORT setting).")
@with_appcontext
def serve_command(host, port):
    """Migrate, then run web, worker and cron together (and the embedded Redis when used)."""
    from honcho.manager import Manager

    from worker.queue import ensure_embedded
    from worker.queue import stop_embedded

    app = current_app
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    applied = models.migrate()
    if applied:
        click.echo("Applied migrations: " + ", ".join(applied))

    processes = procfile_processes()
    processes.pop("release", None)
    env = {**os.environ, "HOST": host, "PORT": str(port), "INSTANCE_PATH": app.instance_path,
           "PYTHONUNBUFFERED": "1",
           # Run the Procfile's gunicorn, rq and flask from this same environment.
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    manager = Manager()
    embedded = not app.config["REDIS_URL"]
    if embedded:
        ensure_embedded(app.instance_path)
    demo = _wants_sandbox(app.config)
    if demo:
        sandbox_port = app.config["SANDBOX_PORT"]
        env["LEDGER_SANDBOX_URL"] = f"http://127.0.0.1:{sandbox_port}"
        manager.add_process("sandbox", _sandbox_command(app, sandbox_port, port), env=env,
                            cwd=str(ROOT))
    for name, command in processes.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))

    click.echo(f"Ledgerlink is starting on http://{host}:{port}/")
    if demo:
        click.echo(f"No provider credentials are set, so the accounting sandbox runs on "
                   f"{env['LEDGER_SANDBOX_URL']}/ and every provider points at it (labelled "
                   "Sandbox).")
    if not _has_admin():
        click.echo("Create the first administrator in another terminal with:\n"
                   "  .venv/bin/flask --app app create-user you@example.com --admin")
    try:
        manager.loop()
    finally:
        if embedded:
            stop_embedded(app.instance_path)
    sys.exit(manager.returncode)


def _sandbox_command(app, sandbox_port, port):
    """The sandbox process, with the stand-in Zynk and Sage 50 cycling every SANDBOX_ZYNK_EVERY
    seconds on the credentials `flask connect-sage50-demo` writes (it waits until they exist)."""
    from cli_demo import zynk_credentials_path

    command = f"python -m sandbox --port {sandbox_port} --demo-firm"
    every = app.config["SANDBOX_ZYNK_EVERY"]
    if every > 0:
        command += (f" --zynk-every {every} --zynk-url http://127.0.0.1:{port} "
                    f"--zynk-credentials {shlex.quote(str(zynk_credentials_path(app)))}")
    return command


def _wants_sandbox(config):
    """The demo: no provider has credentials and no sandbox URL is set, so run our own."""
    from providers import REGISTRY

    configured = any(config.get(f"{pid.upper()}_CLIENT_ID") for pid in REGISTRY)
    return not configured and not config["LEDGER_SANDBOX_URL"]


def _has_admin():
    with models.db.connection_context():
        return User.active_admin_count() > 0


def init_app(app):
    """Register the commands on the app."""
    for command in (migrate_command, migrations_command, create_user_command, serve_command,
                    rotate_token_key_command, worker_command, cron_command):
        app.cli.add_command(command)
    import cli_demo
    import cli_sync

    cli_demo.init_app(app)
    cli_sync.init_app(app)
