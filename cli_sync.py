"""`flask --app app sync ...`: the sync engine from the command line (status, run, retry,
exclude, include, preview)."""

import json
import time

import click
from flask.cli import AppGroup

import models
from models.document import KINDS
from models.document import Document
from models.integration import Connection
from models.sync import AUTO
from models.sync import STATES
from models.sync import SYNC
from models.sync import SyncRecord
from models.sync import SyncRun
from sync import payments as ledger_payments
from sync import records
from sync import runs
from sync.jobs import RunRefused
from sync.jobs import start_run
from sync.preview import preview

sync_cli = AppGroup("sync", help="Send documents to the connected accounting package.")


def _connection():
    connection = Connection.active_connection()
    if connection is None:
        raise click.ClickException("No accounting package is connected. An administrator "
                                   "connects one on the Integrations page.")
    return connection


def _document(number):
    document = Document.get_or_none(Document.number == number.strip().upper())
    if document is None:
        raise click.ClickException(f"There is no document {number}.")
    return document


@sync_cli.command("status")
@click.option("--kind", type=click.Choice(sorted(KINDS)), help="Only this kind.")
@click.option("--all", "show_all", is_flag=True, help="Also list synced documents.")
def status_command(kind, show_all):
    """Every document waiting for the ledger, with its state, code and message; then the
    payments by state."""
    with models.db.connection_context():
        connection = _connection()
        records.check_unrecorded(connection)
        query = (SyncRecord.select(SyncRecord, Document).join(Document)
                 .where(SyncRecord.connection == connection)
                 .order_by(Document.kind, Document.issue_date, Document.number))
        if kind:
            query = query.where(SyncRecord.kind == kind)
        counts = {}
        for record in query:
            counts[record.state] = counts.get(record.state, 0) + 1
            if record.in_ledger and not show_all:
                continue
            ledger = f" -> {record.ledger_number or record.remote_id}" if record.in_ledger else ""
            click.echo(f"{record.document.number:<12} {KINDS[record.kind]:<22} "
                       f"{STATES[record.state]:<20} {record.code:<20} {record.message}{ledger}")
        summary = ", ".join(f"{STATES[s].lower()} {n}" for s, n in sorted(counts.items()))
        click.echo(f"{connection.provider} ({connection.organisation_name}): "
                   f"{summary or 'nothing'}")
        ledger_payments.recheck(connection)
        paid = ledger_payments.counts_by_state(connection)
        if paid:
            click.echo("payments: " + ", ".join(f"{STATES[s].lower()} {n}"
                                                for s, n in sorted(paid.items())))


@sync_cli.command("run")
@click.option("--kind", type=click.Choice(sorted(KINDS)), help="One kind (default: all).")
@click.option("--limit", type=int, help="Send at most this many (Sync).")
@click.option("--auto", is_flag=True, help="Auto sync: keep going until nothing is ready.")
@click.option("--wait/--no-wait", default=True, help="Wait for the run to end (default).")
def run_command(kind, limit, auto, wait):
    """Start a run on a worker; with --wait, show its progress until it ends."""
    if auto and limit:
        raise click.ClickException("Give --limit or --auto, not both.")
    with models.db.connection_context():
        connection = _connection()
        try:
            run, created = start_run(connection, kind or "", AUTO if auto else SYNC,
                                     limit=limit)
        except RunRefused as exc:
            raise click.ClickException(str(exc)) from exc
    if not created:
        click.echo(f"A run is already going on this connection (run {run.id}, started "
                   f"{run.started_at:%H:%M:%S}); showing it.")
    while wait:
        with models.db.connection_context():
            run = SyncRun.get_by_id(run.id)
        click.echo(f"run {run.id} {run.state}: sent {run.sent}, synced {run.synced}, "
                   f"failed {run.failed}, left {run.left}")
        if not run.is_active:
            if run.message:
                click.echo(run.message)
            break
        time.sleep(2)


def _act(action, number, **kwargs):
    with models.db.connection_context():
        connection = _connection()
        document = _document(number)
        try:
            action(connection, document.id, **kwargs)
        except records.RecordError as exc:
            raise click.ClickException(str(exc)) from exc
        record = records.record_of(connection, document.id)
        click.echo(f"{document.number}: {STATES[record.state]} {record.code} {record.message}")


@sync_cli.command("retry")
@click.argument("number")
def retry_command(number):
    """Try a failed or waiting document again."""
    _act(records.retry, number)


@sync_cli.command("exclude")
@click.argument("number")
@click.option("--reason", required=True, help="Why it stays out of the ledger.")
def exclude_command(number, reason):
    """Keep a document out of the ledger."""
    _act(records.exclude, number, reason=reason)


@sync_cli.command("include")
@click.argument("number")
def include_command(number):
    """Bring an excluded document back."""
    _act(records.include, number)


@sync_cli.command("stop")
def stop_command():
    """Ask the running run to stop after the step in flight."""
    with models.db.connection_context():
        run = runs.active_run(_connection())
        if run is None or not runs.request_stop(run.id):
            raise click.ClickException("No run is going.")
        click.echo(f"Asked run {run.id} to stop.")


@sync_cli.command("link-contacts")
@click.option("--create", is_flag=True, help="Create in the ledger the contacts it lacks.")
def link_contacts_command(create):
    """Link every contact with documents waiting to the ledger contact of exactly the same name;
    with --create, create those the ledger lacks (a close but different name is only reported)."""
    from services.ledger_links import fix_contacts
    from services.ledger_links import unlinked_contacts

    with models.db.connection_context():
        connection = _connection()
        records.recheck(connection, changed=False)
        contacts = [contact for contact, _doc in unlinked_contacts(connection, limit=None)]
        counts, said = fix_contacts(connection, contacts, create=create,
                                    create_suppliers=[c.id for c in contacts])
        for outcome, sentence in said:
            if outcome in ("asked", "failed") and (create or "close match" in sentence):
                click.echo(sentence)
        click.echo(f"Linked {counts['linked']}, created {counts['created']}, left for a person "
                   f"{counts['asked']}.")


@sync_cli.command("preview")
@click.argument("number")
def preview_command(number):
    """The exact request a send would make, resolved (a dry run that calls nothing)."""
    with models.db.connection_context():
        answer = preview(_document(number), _connection())
    click.echo(json.dumps(answer, indent=2, default=str))


def init_app(app):
    """Register the sync commands."""
    app.cli.add_command(sync_cli)
