"""The failure digest: once a day, when anything failed or waits on a person, an email to the
administrators listing it (only when SMTP settings are configured)."""

import datetime
import smtplib
import socket
from email.message import EmailMessage

from flask import current_app

from models.document import KINDS
from models.document import Document
from models.integration import Connection
from models.sync import BLOCKED
from models.sync import FAILED
from models.sync import STATES
from models.sync import UNCERTAIN
from models.sync import SyncRecord
from models.user import User
from worker.queue import get_redis

NEEDS_A_PERSON = (FAILED, UNCERTAIN, BLOCKED)
MOST_LISTED = 100
SENT_KEY = "ledgerlink:digest:{day}"


def digest_items(connection):
    """(state, number, kind, message) of every record that needs a person, oldest first."""
    query = (SyncRecord.select(SyncRecord, Document).join(Document)
             .where(SyncRecord.connection == connection, SyncRecord.state.in_(NEEDS_A_PERSON))
             .order_by(SyncRecord.state, Document.issue_date, Document.number))
    return [(r.state, r.document.number, r.kind, r.message) for r in query]


def compose(connection, items, sender, recipients):
    """The digest email."""
    counts = {}
    for state, *_ in items:
        counts[state] = counts.get(state, 0) + 1
    summary = ", ".join(f"{n} {STATES[s].lower()}" for s, n in sorted(counts.items()))
    message = EmailMessage()
    message["Subject"] = f"Ledgerlink: {len(items)} document(s) need attention ({summary})"
    message["From"], message["To"] = sender, ", ".join(recipients)
    lines = [f"Documents waiting on a person for {connection.organisation_name or 'the ledger'} "
             f"({connection.provider}): {summary}.", ""]
    for state, number, kind, text in items[:MOST_LISTED]:
        lines.append(f"- {number} ({KINDS.get(kind, kind)}), {STATES[state].lower()}: {text}")
    if len(items) > MOST_LISTED:
        lines.append(f"... and {len(items) - MOST_LISTED} more: see the Sync page.")
    lines += ["", "Open the Sync page in Ledgerlink to fix them."]
    message.set_content("\n".join(lines))
    return message


def _send(message):
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(message)


def send_digest(now=None):
    """Send today's digest if it is due, configured and needed; return how many were listed."""
    config = current_app.config
    now = now or datetime.datetime.now()
    connection = Connection.active_connection()
    if not config["SMTP_HOST"] or connection is None or now.hour < int(config["DIGEST_HOUR"]):
        return 0
    items = digest_items(connection)
    recipients = [u.email for u in User.select().where(User.role == "admin",
                                                       User.active == True)]  # noqa: E712
    if not items or not recipients:
        return 0
    # Once a day across every worker: the first to claim the day sends.
    if not get_redis().set(SENT_KEY.format(day=now.date().isoformat()), "1", nx=True,
                           ex=2 * 86400):
        return 0
    sender = config["SMTP_FROM"] or f"ledgerlink@{socket.getfqdn()}"
    _send(compose(connection, items, sender, recipients))
    return len(items)
