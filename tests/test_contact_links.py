"""Contact links per connection: kept on disconnect, restored on reconnect, shown on the screens."""

import re

import pytest
from conftest import csrf_token
from helpers import oauth_dance
from helpers.connect import return_from_provider
from helpers.connect import start_connect
from helpers.docs import add_contact
from helpers.links import add_connection
from helpers.links import add_ledger_contact
from helpers.links import cached_contact
from helpers.links import connect_sandbox
from helpers.links import ledger_id

import models
from connections.connect import complete
from connections.connect import disconnect
from connections.connect import stash_grant
from connections.lists import refresh_lists_now
from connections.tokens import call_with_refresh
from models.integration import Connection
from models.integration import ContactLink
from models.integration import LedgerContact
from providers.base import NewContact
from providers.base import Organisation
from providers.base import TokenSet
from services.contact_links import set_link


def _link(app, connection, contact, remote_id):
    with app.app_context(), models.db.connection_context():
        set_link(connection, contact, remote_id)


def _reconnect(app, provider, organisation_id, name):
    """What the connect flow does once the admin has chosen an organisation."""
    tokens = TokenSet(access_token="a", refresh_token="r", expires_at=4e9)
    with app.app_context(), models.db.connection_context():
        pending = stash_grant(provider, tokens, [Organisation(id=organisation_id, name=name)])
        return complete(pending, organisation_id)


def _disconnect(app, connection):
    with app.app_context(), models.db.connection_context():
        disconnect(connection)


def _field(html):
    return re.search(r'<input id="ledger-contact-id"[^>]*>', html).group(0)


def test_a_link_survives_disconnect_and_comes_back_on_reconnect(app, staff_client):
    contact = add_contact(app)
    connection = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")
    _link(app, connection, contact, "xero-42")
    _disconnect(app, connection)
    assert ledger_id(app, connection, contact) == "xero-42"
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert "Connect an accounting package first" in html and "xero-42" not in _field(html)
    detail = staff_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "xero-42" in detail and "not connected now" in detail
    again, _ = _reconnect(app, "xero", "org-1", "Harbour Lettings Ltd")
    assert again.id == connection.id
    assert 'value="xero-42"' in _field(staff_client.get(f"/contacts/{contact.id}/edit")
                                       .get_data(as_text=True))


def test_a_different_organisation_of_the_same_package_has_no_link(sandbox_admin, staff_web):
    # Through the sandbox's two Xero organisations: a typed id is checked against the ledger.
    app, web, tenants = sandbox_admin
    staff_client = staff_web
    contact = add_contact(app)
    first = _connect_xero(app, web, tenants, tenants[0])
    _link(app, first, contact, "xero-42")
    web.post(f"/integrations/{first.id}/disconnect",
             data={"csrf_token": csrf_token(web, "/integrations/")})
    second = _connect_xero(app, web, tenants, tenants[1])
    assert second.id != first.id
    with app.app_context(), models.db.connection_context():
        refresh_lists_now(second.id)
    real_id = cached_contact(app, second).remote_id
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert f"Ledger account id in Xero ({second.organisation_name})" in html
    assert 'value=""' in _field(html) and 'id="ledger-contact-id-clear"' not in html
    listing = staff_client.get("/contacts/").get_data(as_text=True)
    row = re.search(rf'id="contact-row-{contact.id}">.*?</tr>', listing, re.S).group(0)
    assert "Linked" not in row and "—" in row
    # Linking in the new organisation leaves the old organisation's link alone.
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    staff_client.post(f"/contacts/{contact.id}/edit", data={
        "csrf_token": token, "kind": "customer", "name": contact.name, "country": "GB",
        "ledger_remote_id": real_id, "ledger_id_confirmed": "1",
        "ledger_connection": str(second.id)})
    assert (ledger_id(app, first, contact), ledger_id(app, second, contact)) == (
        "xero-42", real_id)
    listing = staff_client.get("/contacts/").get_data(as_text=True)
    row = re.search(rf'id="contact-row-{contact.id}">.*?</tr>', listing, re.S).group(0)
    assert "Linked" in row


def test_a_form_opened_under_another_connection_changes_no_link(app, staff_client):
    contact = add_contact(app)
    first = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    shown = re.search(r'name="ledger_connection" value="(\d+)"', html).group(1)
    assert shown == str(first.id)
    _disconnect(app, first)
    second, _ = _reconnect(app, "xero", "org-2", "Quay Trading Ltd")
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    refused = staff_client.post(f"/contacts/{contact.id}/edit", data={
        "csrf_token": token, "kind": "customer", "name": contact.name, "country": "GB",
        "ledger_remote_id": "xero-42", "ledger_id_confirmed": "1", "ledger_connection": shown})
    assert refused.status_code == 422
    assert "changed while this form was open" in refused.get_data(as_text=True)
    assert (ledger_id(app, first, contact), ledger_id(app, second, contact)) == ("", "")


def test_the_detail_page_lists_every_link_with_the_ledger_contact(app, staff_client):
    contact = add_contact(app)
    old = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd", active=False)
    qbo = add_connection(app, "qbo", "realm-9", "Harbour Lettings (QBO)")
    sage = add_connection(app, "sage", "biz-3", "Harbour Sage Books", active=False)
    add_ledger_contact(app, qbo, "qbo-1", "Harbour View Lettings Limited")
    add_ledger_contact(app, old, "xero-42", "Harbour View (old)", active=False)
    _link(app, qbo, contact, "qbo-1")
    _link(app, old, contact, "xero-42")
    _link(app, sage, contact, "sage-missing")
    html = staff_client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    section = html.split('id="ledger-links"')[1].split("</article>")[0]
    rows = re.findall(r'<tr class="ledger-link[^"]*">.*?</tr>', section, re.S)
    assert len(rows) == 3
    assert "QuickBooks" in rows[0] and "active" in rows[0]  # the active connection first
    assert "Harbour Lettings (QBO)" in rows[0] and "Harbour View Lettings Limited" in rows[0]
    assert "ledger-link-flagged" not in rows[0]
    xero = next(r for r in rows if "xero-42" in r)
    assert "Xero" in xero and "Harbour View (old)" in xero and "inactive or archived" in xero
    sage_row = next(r for r in rows if "sage-missing" in r)
    assert "Sage" in sage_row and "Harbour Sage Books" in sage_row
    assert "not among the ledger contacts last read" in sage_row


def test_an_id_missing_from_the_cache_is_saved_and_said_beside_the_field(sandbox_app, admin_web,
                                                                         staff_web):
    # A contact made in the sandbox's Zoho after the lists were read: real, but not cached.
    app, staff_client = sandbox_app, staff_web
    contact = add_contact(app)
    connection = connect_sandbox(app, admin_web, "zoho")
    with app.app_context(), models.db.connection_context():
        fresh = call_with_refresh(connection, lambda provider, ctx: provider.create_contact(
            ctx, NewContact(name="Quayside Estates", kind="customer")))
    cached = cached_contact(app, connection)
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    form = {"csrf_token": token, "kind": "customer", "name": contact.name, "country": "GB",
            "ledger_id_confirmed": "1", "ledger_connection": str(connection.id)}
    unknown = staff_client.post(f"/contacts/{contact.id}/edit",
                                data={**form, "ledger_remote_id": fresh.id})
    assert unknown.headers["Location"].endswith(f"/contacts/{contact.id}/edit")
    assert ledger_id(app, connection, contact) == fresh.id
    html = staff_client.get(unknown.headers["Location"]).get_data(as_text=True)
    note = re.search(r'<small id="ledger-id-note"[^>]*>([^<]+)</small>', html).group(1)
    assert f"{fresh.id} is saved, but it is not among the ledger contacts last read" in note
    assert 'aria-describedby="ledger-id-note"' in _field(html)
    known = staff_client.post(f"/contacts/{contact.id}/edit",
                              data={**form, "ledger_remote_id": cached.remote_id})
    assert known.headers["Location"].endswith(f"/contacts/{contact.id}")
    assert 'id="ledger-id-note"' not in staff_client.get(
        f"/contacts/{contact.id}/edit").get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        LedgerContact.update(active=False).where(
            LedgerContact.remote_id == cached.remote_id).execute()
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert f"{cached.remote_id} is {cached.name}, which is inactive or archived" in html


def test_deleting_a_connection_deletes_its_links_only(app):
    contact = add_contact(app)
    keep = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd", active=False)
    drop = add_connection(app, "qbo", "realm-1", "Harbour (QBO)")
    _link(app, keep, contact, "xero-42")
    _link(app, drop, contact, "qbo-1")
    with app.app_context(), models.db.connection_context():
        drop.delete_instance()
        assert [link.remote_id for link in ContactLink.select()] == ["xero-42"]


@pytest.fixture
def sandbox_admin(sandbox_app, sandbox, admin_web):
    """The app pointed at the sandbox, a signed-in admin client of it, the Xero tenants."""
    tenants = list(sandbox.app.extensions["sandbox"]["providers"]["xero"].tenants)
    return sandbox_app, admin_web, tenants


def _connect_xero(app, web, tenants, tenant_id):
    """Grant every tenant at the sandbox's consent page, then choose one in Ledgerlink."""
    callback = oauth_dance.consent(start_connect(web, "xero"), "http://localhost/integrations/",
                                   choose={"tenant": tenants})
    assert return_from_provider(web, callback).headers["Location"].endswith("/choose")
    web.post("/integrations/xero/choose", data={
        "organisation": tenant_id, "csrf_token": csrf_token(web, "/integrations/xero/choose")})
    with app.app_context(), models.db.connection_context():
        return Connection.get(Connection.active == True)  # noqa: E712


def test_through_the_screens_with_xero_in_the_sandbox(sandbox_admin):
    app, web, tenants = sandbox_admin
    assert len(tenants) >= 2
    contact = add_contact(app)
    connection = _connect_xero(app, web, tenants, tenants[0])
    with app.app_context(), models.db.connection_context():
        refresh_lists_now(connection.id)
        ledger_contact = LedgerContact.select().where(
            LedgerContact.connection == connection, LedgerContact.active == True  # noqa: E712
        ).order_by(LedgerContact.name).first()
    token = csrf_token(web, f"/contacts/{contact.id}/edit")
    saved = web.post(f"/contacts/{contact.id}/edit", data={
        "csrf_token": token, "kind": "customer", "name": contact.name, "country": "GB",
        "ledger_remote_id": ledger_contact.remote_id, "ledger_id_confirmed": "1",
        "ledger_connection": str(connection.id)})
    assert saved.headers["Location"].endswith(f"/contacts/{contact.id}")  # found in the cache
    web.post(f"/integrations/{connection.id}/disconnect",
             data={"csrf_token": csrf_token(web, "/integrations/")})
    other = _connect_xero(app, web, tenants, tenants[1])
    assert other.id != connection.id
    assert ledger_id(app, other, contact) == ""
    web.post(f"/integrations/{other.id}/disconnect",
             data={"csrf_token": csrf_token(web, "/integrations/")})
    again = _connect_xero(app, web, tenants, tenants[0])
    assert again.id == connection.id
    assert ledger_id(app, again, contact) == ledger_contact.remote_id
    detail = web.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert ledger_contact.name in detail and again.organisation_name in detail
