"""Every route of the app with real ids, and clients signed in without the slow password check.

Shared by the authorization matrix, the CSRF sweep and the hostile-input sweep (issue 14.6).
"""

import datetime
import re
from dataclasses import dataclass

import models
from helpers.docs import add_contact
from helpers.docs import add_document
from models.api_token import ApiToken
from models.integration import Connection
from models.sync import SyncRun
from models.user import User
from models.user_session import UserSession

SKIPPED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask itself from the rule's other methods
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class World:
    """Real records for every kind of id a URL can name."""

    admin: object
    staff: object
    contact_id: int
    document_id: int
    connection_id: int
    token_id: int
    api_token: str
    run_id: int


def build_world(app):
    """An admin, a staff member, a contact, a document, a connection and an API token."""
    add_contact(app)
    document = add_document(app, "S1")
    with app.app_context(), models.db.connection_context():
        admin = User.create_user("admin@example.com", "correct horse battery", "admin")
        staff = User.create_user("staff@example.com", "correct horse battery", "staff")
        connection = Connection.create(provider="xero", organisation_id="org-1",
                                       organisation_name="Demo Ltd", status="connected",
                                       active=True)
        record, plain = ApiToken.issue("Matrix")
        contact_id = document.contact_id
        run = SyncRun.create(connection=connection, kind="sales_invoice", mode="sync",
                             deadline=datetime.datetime.now(), state="finished")
    return World(admin, staff, contact_id, document.id, connection.id, record.id, plain, run.id)


# A value for each argument a rule can take. A new argument name needs a line here.
PATH_VALUES = {
    "contact_id": lambda world: world.contact_id,
    "document_id": lambda world: world.document_id,
    "payment_id": lambda world: 999999,
    "connection_id": lambda world: world.connection_id,
    "token_id": lambda world: world.token_id,
    "run_id": lambda world: world.run_id,
    "user_id": lambda world: world.staff.id,
    "provider_id": lambda world: "xero",
    "job_id": lambda world: "no-such-job",
    "token": lambda world: "0123456789abcdef",
    "number": lambda world: "S1",
    "filename": lambda world: "app.css",
}


def rules(app):
    """(rule, method) for every rule and every method it allows, in a stable order."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted(rule.methods - SKIPPED_METHODS):
            found.append((rule, method))
    return found


def path_for(rule, world, overrides=None):
    """The rule's URL with real values (or overrides, by argument name) filled in."""
    values = {}
    for name in rule.arguments:
        if overrides and name in overrides:
            values[name] = overrides[name]
        elif name in PATH_VALUES:
            values[name] = PATH_VALUES[name](world)
        else:
            raise LookupError(f"{rule.rule} ({rule.endpoint}) takes <{name}>: add a value for "
                              f"{name!r} to PATH_VALUES in tests/helpers/routes.py")

    def fill(match):
        return str(values[match.group(1)])

    return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", fill, rule.rule)


def signed_in_client(app, user):
    """A test client with a live sign-in for user (a server-side record, no password check)."""
    client = app.test_client()
    if user is None:
        return client
    with app.app_context(), models.db.connection_context():
        _record, token = UserSession.start(user, datetime.timedelta(hours=1))
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    return client


def snapshot(app):
    """Every row of every table, to show that a refused request changed nothing."""
    with app.app_context(), models.db.connection_context():
        database = models.db.obj
        tables = sorted(database.get_tables())
        return {table: sorted(map(repr, database.execute_sql(
            f'SELECT * FROM "{table}"').fetchall())) for table in tables}
