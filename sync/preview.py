"""The dry run: exactly what a send would carry for a document, resolved, calling nothing."""

import dataclasses

from connections.tokens import provider_for
from models.integration import Connection
from models.integration import LedgerAccount
from models.integration import LedgerTaxRate
from providers import REGISTRY
from providers.base import SETTINGS_KEY
from providers.base import ApiContext
from sync.outgoing import build
from sync.preflight import check
from sync.records import record_of
from sync.snapshot import batch_snapshot
from sync.snapshot import connection_snapshot
from sync.snapshot import document_facts
from sync.snapshot import organisation_settings


def _offline_context(connection):
    """A context carrying what push would otherwise look up; None when the settings have not
    been read yet (the provider then uses placeholders rather than calling)."""
    settings = organisation_settings(connection)
    if settings is None:
        return None
    return ApiContext(access_token="", organisation_id=connection.organisation_id or "",
                      extra={**(connection.organisation_extra or {}), SETTINGS_KEY: settings})


def _resolved(connection, outgoing):
    accounts = {a.remote_id: a for a in LedgerAccount.select().where(
        LedgerAccount.connection == connection)}
    taxes = {t.remote_id: t for t in LedgerTaxRate.select().where(
        LedgerTaxRate.connection == connection)}
    lines = []
    for number, line in enumerate(outgoing.lines, start=1):
        account, tax = accounts.get(line.account_id), taxes.get(line.tax_rate_id)
        lines.append({"line": number, "description": line.description,
                      "quantity": str(line.quantity), "unit_price": str(line.unit_price),
                      "net": str(line.net), "tax": str(line.tax),
                      "account": f"{account.code} {account.name}".strip() if account else
                      line.account_id,
                      "tax_rate": f"{tax.name} ({tax.rate}%)" if tax else line.tax_rate_id,
                      "item": line.item_id or ""})
    return {"number": outgoing.number if outgoing.use_our_number else "(numbered by the package)",
            "contact": outgoing.contact_id, "care_of": outgoing.care_of_contact_id,
            "issue_date": outgoing.issue_date.isoformat(), "currency": outgoing.currency,
            "net_total": str(outgoing.net_total), "tax_total": str(outgoing.tax_total),
            "gross_total": str(outgoing.gross_total), "idempotency_key": outgoing.idempotency_key,
            "lines": lines}


def preview(document, connection=None):
    """{"code", "message", "resolved", "requests"} for a document: its checks and, when they
    pass, the requests a send would make (JSON bodies; Authorization left out)."""
    connection = connection or Connection.active_connection()
    if connection is None or connection.provider not in REGISTRY:
        # Sage 50's documents go in Zynk's download, not in a request we send.
        return {"number": document.number, "code": "", "resolved": None, "requests": [],
                "message": "Nothing is sent to this package: Zynk fetches the documents."}
    facts = document_facts([document.id])[document.id]
    snapshot = batch_snapshot(connection_snapshot(connection), connection, [facts])
    verdict = check(facts, snapshot)
    answer = {"number": document.number, "code": verdict.code, "message": verdict.message,
              "resolved": None, "requests": []}
    if not verdict.ready:
        return answer
    record = record_of(connection, document.id)
    outgoing = build(facts, snapshot, record.generation if record else 1)
    provider = provider_for(connection.provider)
    requests = provider.prepare_requests([outgoing], _offline_context(connection))
    answer["resolved"] = _resolved(connection, outgoing)
    answer["requests"] = [dataclasses.asdict(r) for r in requests]
    return answer
