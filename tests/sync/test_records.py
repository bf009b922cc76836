"""Sync records follow what people do: rechecks after changes, exclude, include, retry, and
linking to the ledger's own copy of a duplicate number."""

import pytest
from conftest import csrf_token
from helpers.sync import CUSTOMER
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world
from helpers.sync import states

from models.contact import Contact
from models.document import Document
from models.integration import Connection
from models.sync import LedgerDocument
from models.sync import SyncAttempt
from models.sync import SyncRecord
from services.contact_links import remote_id_in
from services.contact_links import set_link
from sync import records


@pytest.fixture
def world(sandbox_app, admin_web, sandbox):
    return ready_world(sandbox_app, admin_web, "xero")


def test_marking_sent_and_unlinking_recheck_in_place(sandbox_app, admin_web, world):
    document = add_ready(sandbox_app, world, "S9101", sent=False)
    assert states(sandbox_app, world)["S9101"] == ("blocked", "not_sent")
    token = csrf_token(admin_web, f"/documents/{document.id}")
    admin_web.post(f"/documents/{document.id}/sent", data={"sent": "1", "method": "email",
                                                          "csrf_token": token})
    assert states(sandbox_app, world)["S9101"] == ("ready", "ready")
    with Db(sandbox_app):
        set_link(Connection.get_by_id(world.id), Contact.get(Contact.number == CUSTOMER), "")
    assert states(sandbox_app, world)["S9101"] == ("blocked", "contact_not_linked")


def test_exclude_include_and_their_audit(sandbox_app, world, admin):
    add_ready(sandbox_app, world, "S9102")
    with Db(sandbox_app):
        document = Document.get(Document.number == "S9102")
        with pytest.raises(records.RecordError, match="Say why"):
            records.exclude(world, document.id, "  ")
        records.exclude(world, document.id, "Paid in cash, entered by hand", admin)
        assert states(sandbox_app, world)["S9102"] == ("excluded", "excluded")
        records.recheck(world, [document.id])  # a recheck leaves a person's decision alone
        assert states(sandbox_app, world)["S9102"][0] == "excluded"
        records.include(world, document.id, admin)
        record = records.record_of(world, document.id)
        assert (record.state, record.excluded_reason) == ("ready", "")
        assert [a.outcome for a in records.history(record)] == ["included", "excluded"]
        with pytest.raises(records.RecordError):
            records.include(world, document.id)


def test_a_failed_document_is_reconsidered_only_when_something_changed(sandbox_app, world):
    add_ready(sandbox_app, world, "S9103")
    with Db(sandbox_app):
        document = Document.get(Document.number == "S9103")
        SyncRecord.update(state="failed", code="validation", message="Refused").where(
            SyncRecord.document == document).execute()
        records.recheck(world, [document.id], changed=False)
        assert records.record_of(world, document.id).state == "failed"
        records.recheck(world, [document.id], changed=True)
        record = records.record_of(world, document.id)
        assert (record.state, record.generation, record.attempts) == ("ready", 2, 0)


def test_retry_gives_a_refused_document_a_fresh_key(sandbox_app, world):
    add_ready(sandbox_app, world, "S9104")
    with Db(sandbox_app):
        document = Document.get(Document.number == "S9104")
        SyncRecord.update(state="failed", code="validation").where(
            SyncRecord.document == document).execute()
        record = records.retry(world, document.id)
        assert (record.state, record.generation) == ("ready", 2)
        with pytest.raises(records.RecordError, match="nothing to retry"):
            SyncRecord.update(state="synced").where(SyncRecord.id == record.id).execute()
            records.retry(world, document.id)


def test_a_matching_ledger_document_is_linked_not_sent_twice(sandbox_app, world):
    document = add_ready(sandbox_app, world, "S9105")
    with Db(sandbox_app):
        connection = Connection.get_by_id(world.id)
        remote_contact = remote_id_in(connection, Contact.get_by_id(document.contact_id))
        LedgerDocument.create(connection=connection, kind="sales_invoice", remote_id="inv-x",
                              number="S9105", contact_id=remote_contact,
                              total=Document.get_by_id(document.id).gross_total)
        records.recheck(connection, [document.id])
        assert records.record_of(connection, document.id).code == "duplicate_matches"
        records.link_existing(connection, document.id)
        record = records.record_of(connection, document.id)
        assert (record.state, record.remote_id) == ("synced", "inv-x")
        assert Document.get_by_id(document.id).is_locked
        assert SyncAttempt.get(SyncAttempt.record == record).outcome == "linked"


def test_refresh_lists_reads_the_lock_date_and_currencies_again(sandbox_app, admin_web, world,
                                                                 sandbox):
    """A period closed or a currency enabled in the ledger is seen after Refresh lists, before
    any run (the popup's advice holds either way)."""
    from helpers.contract import set_organisation
    from helpers.sync import run_in_worker

    add_ready(sandbox_app, world, "S9161")  # dated 2026-03-01 by the helper
    with Db(sandbox_app):
        records.recheck(Connection.get_by_id(world.id))
    assert states(sandbox_app, world)["S9161"] == ("ready", "ready")
    set_organisation(sandbox, "xero", world.organisation_id, lock_date="2026-03-15")
    token = csrf_token(admin_web, "/integrations/")
    assert admin_web.post(f"/integrations/{world.id}/refresh",
                          data={"csrf_token": token}).status_code in (200, 202)
    run_in_worker(sandbox_app)
    assert states(sandbox_app, world)["S9161"] == ("blocked", "period_locked")
    with Db(sandbox_app):
        kept = Connection.get_by_id(world.id).ledger_state["organisation"]
    assert kept["lock_date"] == "2026-03-15"
