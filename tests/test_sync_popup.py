"""The Sync page's actions popup, per problem kind, against each provider in the sandbox over
HTTP: contact links (Link this, typed id right and wrong, Create new with and without a close
match, Sage's reference search, Unlink), Sent, account and tax lines, duplicates (link to the
ledger's copy), failed and uncertain (Retry now), Exclude and Include, and the history."""

import datetime
import re
from decimal import Decimal

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from helpers.contract import set_organisation
from helpers.docs import add_contact
from helpers.links import ledger_id
from helpers.sync import SUPPLIER
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world
from helpers.sync import run_in_worker

from connections.tokens import call_with_refresh
from models.contact import Contact
from models.document import Document
from models.integration import Connection
from models.integration import LedgerContact
from models.sync import LedgerDocument
from models.sync import SyncRecord
from services.contact_links import remote_id_in
from sync import records

PROVIDERS = ("xero", "qbo", "sage", "zoho")


def _recheck(app, connection):
    with Db(app):
        records.recheck(Connection.get_by_id(connection.id))


def _record(app, connection, document):
    with Db(app):
        return SyncRecord.get(SyncRecord.connection == connection.id,
                              SyncRecord.document == document.id)


def popup(client, document):
    """The popup's HTML for a document."""
    response = client.get(f"/sync/documents/{document.id}", headers=htmx_headers())
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def act(client, document, action, **data):
    """Post a popup action as htmx does; the answer's HTML."""
    data["csrf_token"] = csrf_token(client, "/sync/")
    response = client.post(f"/sync/documents/{document.id}/{action}", data=data,
                           headers=htmx_headers())
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response.get_data(as_text=True)


def row_state(html, record):
    """The state class of the record's row swapped in out of band."""
    row = re.search(rf'<tr id="sync-row-{record.id}"[^>]*>', html).group(0)
    assert 'hx-swap-oob="true"' in row
    return re.search(r'class="sync-row state-([a-z_]+)"', row).group(1)


def _unlinked_document(app, connection, number, name, kind="customer", **contact):
    """A sent sales invoice for a new, unlinked contact of ours."""
    account = "B" + number
    add_contact(app, account, name, kind, **contact)
    sales = kind == "customer"
    document = add_ready(app, connection, number, kind="sales_invoice" if sales else
                         "supplier_invoice")
    with Db(app):
        from models.document import Document

        Document.update(contact=Contact.get(Contact.number == account).id).where(
            Document.id == document.id).execute()
    _recheck(app, connection)
    return document, account


def _contact(app, number):
    with Db(app):
        return Contact.get(Contact.number == number)


def _ledger_customer(app, connection):
    with Db(app):
        provider_strict = connection.provider != "xero"
        query = LedgerContact.select().where(LedgerContact.connection == connection.id,
                                             LedgerContact.active == True)  # noqa: E712
        if provider_strict:
            query = query.where(LedgerContact.is_customer == True)  # noqa: E712
        return query.order_by(LedgerContact.name).first()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_link_this_when_the_ledger_has_the_same_name(sandbox_app, admin_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    same = _ledger_customer(app, connection)
    document, account = _unlinked_document(app, connection, "S7001", same.name)
    record = _record(app, connection, document)
    assert record.code == "contact_not_linked"
    html = popup(admin_web, document)
    assert 'data-problem="contact"' in html and 'id="popup-link-this"' in html
    link_this = re.search(r'<form[^>]*link"[^>]*>(?:(?!</form>).)*id="popup-link-this"',
                          html, re.S).group(0)
    assert f'value="{same.remote_id}"' in link_this
    answer = act(admin_web, document, "link", remote_id=same.remote_id)
    assert 'id="sync-actions"' not in answer  # nothing left to fix: the popup closes
    assert row_state(answer, record) == "ready"
    assert ledger_id(app, connection, _contact(app, account)) == same.remote_id


@pytest.mark.parametrize("provider", ("xero", "qbo", "zoho"))
def test_a_typed_id_is_checked_before_it_is_saved(sandbox_app, admin_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    real = _ledger_customer(app, connection)
    document, account = _unlinked_document(app, connection, "S7002", "Typed Id Lettings")
    html = popup(admin_web, document)
    assert 'id="popup-accs-id"' in html and 'id="popup-ledger-search"' not in html
    wrong = act(admin_web, document, "link", remote_id="not-an-id-42")
    assert 'id="popup-error"' in wrong and "contact id" in wrong
    assert 'value="not-an-id-42"' in wrong  # what was typed stays in the field
    assert ledger_id(app, connection, _contact(app, account)) == ""
    typed = real.remote_id.rpartition(":")[2] if provider == "qbo" else real.remote_id
    right = act(admin_web, document, "link", remote_id=typed)
    assert 'id="sync-actions"' not in right
    assert ledger_id(app, connection, _contact(app, account)) == real.remote_id


@pytest.mark.parametrize("provider", ("qbo", "sage", "zoho"))
def test_a_supplier_id_is_refused_for_a_sales_invoice(sandbox_app, admin_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    with Db(app):
        supplier = LedgerContact.get(LedgerContact.connection == connection.id,
                                     LedgerContact.is_supplier == True)  # noqa: E712
    document, account = _unlinked_document(app, connection, "S7003", "Wrong Kind Ltd")
    shown = supplier.remote_id.rpartition(":")[2]
    answer = act(admin_web, document, "link", remote_id=supplier.remote_id)
    assert f"contact {shown} is a supplier, this document needs a customer" in answer
    assert ledger_id(app, connection, _contact(app, account)) == ""


@pytest.mark.parametrize("provider", PROVIDERS)
def test_create_new_with_and_without_a_close_match(sandbox, sandbox_app, admin_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    fresh_doc, fresh = _unlinked_document(app, connection, "S7004", "Zebedee Quarry Holdings")
    created = act(admin_web, fresh_doc, "create-contact")
    assert 'id="sync-actions"' not in created
    assert row_state(created, _record(app, connection, fresh_doc)) == "ready"
    remote_id = ledger_id(app, connection, _contact(app, fresh))
    with Db(app):
        in_ledger = call_with_refresh(Connection.get_by_id(connection.id),
                                      lambda p, ctx: p.get_contact(ctx, remote_id))
    assert in_ledger.name == "Zebedee Quarry Holdings"
    near = _ledger_customer(app, connection)
    close_doc, close = _unlinked_document(app, connection, "S7005", near.name + " Ltd.")
    html = popup(admin_web, close_doc)
    assert "You will be asked to confirm" in html and near.name in html
    asked = act(admin_web, close_doc, "create-contact")
    assert 'id="popup-create-warning"' in asked and "already has a close match" in asked
    assert "% alike" in asked and "press its Link this instead" in asked  # says why and how
    assert 'id="popup-create-confirm"' in asked
    assert ledger_id(app, connection, _contact(app, close)) == ""
    confirmed = act(admin_web, close_doc, "create-contact", confirmed="1")
    assert 'id="sync-actions"' not in confirmed
    assert ledger_id(app, connection, _contact(app, close)) not in ("", near.remote_id)


def test_sage_searches_the_ledger_by_reference(sandbox_app, admin_web):
    app = sandbox_app
    connection = ready_world(app, admin_web, "sage")
    real = _ledger_customer(app, connection)
    document, account = _unlinked_document(app, connection, "S7006", "Searched For Ltd")
    html = popup(admin_web, document)
    assert 'id="popup-ledger-search"' in html and 'id="popup-accs-id"' not in html
    found = admin_web.get(f"/sync/documents/{document.id}/search-contacts",
                          query_string={"q": real.account_number}, headers=htmx_headers())
    body = found.get_data(as_text=True)
    assert real.name in body and f'value="{real.remote_id}"' in body
    assert body.count("search-link-this") == 1
    answer = act(admin_web, document, "link", remote_id=real.remote_id)
    assert 'id="sync-actions"' not in answer
    assert ledger_id(app, connection, _contact(app, account)) == real.remote_id


def test_unlink_asks_first_and_puts_the_problem_back(sandbox_app, admin_web):
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero")
    document = add_ready(app, connection, "S7007")
    _recheck(app, connection)
    with Db(app):
        # Archive the linked contact in our cache: the row says so and offers Unlink.
        remote = remote_id_in(Connection.get_by_id(connection.id),
                              Contact.get(Contact.number == "A9001"))
        LedgerContact.update(active=False).where(LedgerContact.remote_id == remote).execute()
    _recheck(app, connection)
    html = popup(admin_web, document)
    assert 'data-problem="contact"' in html and "contact_archived" in html
    assert 'id="popup-unlink"' in html and 'data-confirm="Unlink' in html
    answer = act(admin_web, document, "unlink")
    assert 'data-problem="contact"' in answer and "contact_not_linked" in answer
    assert row_state(answer, _record(app, connection, document)) == "blocked"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_other_problem_kind(sandbox_app, admin_web, staff_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    rate = "17.5"
    unsent = add_ready(app, connection, "S7101", sent=False)
    bad_account = add_ready(app, connection, "S7102", lines=[{
        "description": "Odd work", "quantity": "1", "unit_price": "10.00",
        "tax_rate": "20" if provider != "qbo" else "0", "category": "labour",
        "nominal_code": "99999"}])
    bad_tax = add_ready(app, connection, "S7103", lines=[{
        "description": "Odd tax", "quantity": "1", "unit_price": "10.00", "tax_rate": rate,
        "category": "labour"}])
    twin = add_ready(app, connection, "P7104", kind="supplier_invoice")
    clash = add_ready(app, connection, "P7105", kind="supplier_invoice")
    failed = add_ready(app, connection, "S7106")
    uncertain = add_ready(app, connection, "S7107")
    with Db(app):
        supplier_remote = remote_id_in(Connection.get_by_id(connection.id),
                                       Contact.get(Contact.number == SUPPLIER))
        LedgerDocument.create(connection=connection.id, kind="supplier_invoice",
                              remote_id="twin-1", number="P7104", contact_id=supplier_remote,
                              total=twin.gross_total, url="https://ledger.example/twin-1")
        LedgerDocument.create(connection=connection.id, kind="supplier_invoice",
                              remote_id="clash-1", number="P7105", contact_id=supplier_remote,
                              total=clash.gross_total + Decimal("100.00"))
    _recheck(app, connection)
    with Db(app):
        SyncRecord.update(state="failed", code="validation",
                          message="The ledger rejected the document.", attempts=1).where(
            SyncRecord.document == failed.id).execute()
        SyncRecord.update(state="uncertain", code="uncertain").where(
            SyncRecord.document == uncertain.id).execute()

    # Not marked as sent: the Sent toggle in place.
    html = popup(staff_web, unsent)
    assert 'data-problem="not_sent"' in html and 'id="popup-mark-sent"' in html
    answer = act(staff_web, unsent, "sent", sent="1", method="email")
    assert 'id="sync-actions"' not in answer
    assert row_state(answer, _record(app, connection, unsent)) == "ready"

    # Account and tax: the line; admins get the mapping, staff a sentence.
    for document, problem in ((bad_account, "account"), (bad_tax, "tax")):
        html = popup(admin_web, document)
        assert f'data-problem="{problem}"' in html and 'id="popup-lines"' in html
        assert f"/integrations/{connection.id}/configure" in html
        staff_html = popup(staff_web, document)
        assert 'id="popup-ask-admin"' in staff_html and "/configure" not in staff_html
    assert "17.5% for sales" in popup(staff_web, bad_tax)
    assert "nominal code 99999" in popup(staff_web, bad_account)

    # Duplicate number: the ledger's copy; "Link to it" only when everything matches.
    html = popup(staff_web, clash)
    assert 'data-problem="duplicate"' in html and "P7105" in html
    assert 'id="popup-link-existing"' not in html and "renumber" in html
    html = popup(staff_web, twin)
    assert 'id="popup-link-existing"' in html and "https://ledger.example/twin-1" in html
    answer = act(staff_web, twin, "link-existing")
    assert row_state(answer, _record(app, connection, twin)) == "synced"
    assert _record(app, connection, twin).remote_id == "twin-1"

    # Failed: Retry now rechecks it; uncertain stays until the ledger is read.
    html = popup(staff_web, failed)
    assert 'data-problem="failed"' in html and 'id="popup-retry"' in html
    answer = act(staff_web, failed, "retry")
    assert row_state(answer, _record(app, connection, failed)) == "ready"
    html = popup(staff_web, uncertain)
    assert 'data-problem="uncertain"' in html and "never sent twice" in html
    answer = act(staff_web, uncertain, "retry")
    assert row_state(answer, _record(app, connection, uncertain)) == "uncertain"

    # Exclude needs a reason; Include brings it back; both are in the history.
    refused = act(staff_web, bad_tax, "exclude", reason="  ")
    assert "Say why it is excluded." in refused
    assert _record(app, connection, bad_tax).state == "blocked"
    answer = act(staff_web, bad_tax, "exclude", reason="Raised in error")
    assert row_state(answer, _record(app, connection, bad_tax)) == "excluded"
    html = popup(staff_web, bad_tax)
    assert "Excluded: Raised in error" in html and 'id="popup-include"' in html
    answer = act(staff_web, bad_tax, "include")
    assert row_state(answer, _record(app, connection, bad_tax)) == "blocked"
    history = popup(staff_web, bad_tax).split('id="popup-history"')[1]
    assert "excluded" in history and "included" in history and "Raised in error" in history


def test_a_document_not_on_the_grid_has_no_popup(app, staff_client):
    assert staff_client.get("/sync/documents/999", headers=htmx_headers()).status_code == 404


@pytest.mark.parametrize("provider", ("xero", "zoho"))
def test_preview_shows_exactly_what_would_be_sent(sandbox_app, admin_web, staff_web, provider):
    app = sandbox_app
    connection = ready_world(app, admin_web, provider)
    document = add_ready(app, connection, "S7201")
    _recheck(app, connection)
    response = staff_web.get(f"/sync/documents/{document.id}/preview", headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="popup-preview-result"' in html
    requests_shown = re.findall(r'<pre class="preview-request">(.*?)</pre>', html, re.S)
    assert requests_shown and "S7201" in requests_shown[0]
    assert "Authorization" not in html
    resolved = re.search(r'<pre class="preview-resolved">(.*?)</pre>', html, re.S).group(1)
    assert str(document.gross_total) in resolved


def _sync_now(client, app):
    """Press Sync on the sales invoices and let a real worker run it."""
    response = client.post("/sync/runs", data={
        "kind": "sales_invoice", "mode": "sync", "csrf_token": csrf_token(client, "/sync/")},
        headers=htmx_headers())
    assert response.status_code == 200
    run_in_worker(app)


def test_waiting_currency_period_connection_and_the_rows_an_action_changes(
        sandbox, sandbox_app, admin_web, staff_web):
    """The sections for a document that waits (its invoice, a retry time), a currency the
    ledger has not enabled, a closed period (read from the sandbox by a real Sync run) and a
    connection problem; and an action swaps every row on screen it changed."""
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero")
    set_organisation(sandbox, "xero", connection.organisation_id, lock_date="2026-03-15",
                     currencies=["GBP"])
    invoice = add_ready(app, connection, "S7301", sent=False)
    credit = add_ready(app, connection, "C7301", kind="sales_credit_note",
                       original_number="S7301")
    euro = add_ready(app, connection, "S7302")
    locked = add_ready(app, connection, "S7303")
    with Db(app):
        Document.update(currency="EUR").where(Document.id == euro.id).execute()
    _recheck(app, connection)
    _sync_now(staff_web, app)

    html = popup(staff_web, credit)
    assert 'data-problem="waits"' in html and 'id="popup-waits"' in html
    assert "S7301" in html and "not_sent" not in html.split('id="popup-waits"')[0]
    assert "Cannot sync until marked as sent." in html.split('id="popup-waits"')[1]
    assert f'/sync/documents/{invoice.id}"' in html  # "What stops S7301" opens its popup

    html = popup(admin_web, euro)
    assert _record(app, connection, euro).code == "currency_disabled"
    assert 'id="popup-currency"' in html and "<strong>EUR</strong>" in html
    assert "only GBP enabled" in html and "reads Xero's currencies first" in html
    assert 'id="popup-ask-admin"' in popup(staff_web, euro)
    # The advice holds: once the ledger enables EUR, pressing Sync reads it and moves on (to the
    # closed period, which the sandbox still has).
    set_organisation(sandbox, "xero", connection.organisation_id, currencies=["GBP", "EUR"])
    _sync_now(staff_web, app)
    assert _record(app, connection, euro).code == "period_locked"

    html = popup(staff_web, locked)
    assert _record(app, connection, locked).code == "period_locked"
    assert 'id="popup-period"' in html and "2026-03-01" in html
    assert '<strong id="popup-lock-date">2026-03-15</strong>' in html
    assert f"/documents/{locked.id}/edit" in html and "ask an administrator" in html

    retry = add_ready(app, connection, "S7304")
    with Db(app):
        due = datetime.datetime.now() + datetime.timedelta(minutes=10)
        SyncRecord.update(state="waiting", code="retry_waiting", attempts=2,
                          next_attempt_at=due).where(SyncRecord.document == retry.id).execute()
    html = popup(staff_web, retry)
    assert 'id="popup-retry-at"' in html and due.strftime("%H:%M") in html
    assert re.search(r"in (9|10) minutes", html) and 'id="popup-retry"' in html

    # A synced document's warning: its first clause on the row, the whole and the fix in the popup.
    warned = add_ready(app, connection, "S7307")
    warning = ("The PDF was not attached: Not ready to send: the PDF still lacks the firm's "
               "name and its address. An administrator fills them in under Settings.")
    with Db(app):
        SyncRecord.update(state="synced", code="synced", ledger_number="S7307",
                          warning=warning).where(SyncRecord.document == warned.id).execute()
    grid_html = staff_web.get("/sync/?filter=synced&q=S7307").get_data(as_text=True)
    assert ">The PDF was not attached (click the row for why)</small>" in grid_html
    html = popup(admin_web, warned)
    assert 'id="popup-warning"' in html and "name and its address" in html
    assert 'href="/settings/"' in html.split('id="popup-warning"')[1].split("</p>")[0]

    # Create new from one document readies the contact's other one on screen too.
    first, account = _unlinked_document(app, connection, "S7305", "Walkthrough Glaziers")
    second = add_ready(app, connection, "S7306")
    with Db(app):
        Document.update(contact=Contact.get(Contact.number == account).id).where(
            Document.id == second.id).execute()
    _recheck(app, connection)
    one, two = _record(app, connection, first), _record(app, connection, second)
    assert two.code == "contact_not_linked"
    answer = act(staff_web, first, "create-contact", visible=f"{one.id},{two.id}")
    for record in (one, two):  # both now past the contact check (to the closed period)
        row = re.search(rf'<tr id="sync-row-{record.id}".*?</tr>', answer, re.S).group(0)
        assert 'hx-swap-oob="true"' in row and "period_locked" in row
    assert 'id="sync-menu"' in answer and 'hx-swap-oob="true"' in answer

    # Connection problems: the mapping link for admins, a plain sentence for staff.
    with Db(app):
        Connection.update(mappings_confirmed=False).where(
            Connection.id == connection.id).execute()
    _recheck(app, connection)
    html = popup(admin_web, locked)
    assert 'data-problem="connection"' in html and 'id="popup-open-mapping"' in html
    staff_html = popup(staff_web, locked)
    assert "finish the account mapping" in staff_html and "/configure" not in staff_html
    with Db(app):
        Connection.update(mappings_confirmed=True, status="needs_reconnect",
                          status_reason="Xero ended the grant.").where(
            Connection.id == connection.id).execute()
    _recheck(app, connection)
    html = popup(admin_web, locked)
    assert "Xero ended the grant." in html and "Reconnect on Integrations" in html
    assert "reconnect Xero on Integrations" in popup(staff_web, locked)
