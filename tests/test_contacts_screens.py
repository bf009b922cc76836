"""Contacts: list, detail, create, edit, care-of parent, and the protected ledger account id."""

import re

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.links import add_connection
from helpers.links import cached_contact
from helpers.links import connect_sandbox
from helpers.links import ledger_id

import models
from models.contact import Contact
from services.contact_links import set_link


def _form(contact, **changes):
    values = {"kind": contact.kind, "name": contact.name, "country": "GB"}
    values.update(changes)
    return values


def _stored(app, contact_id):
    with app.app_context(), models.db.connection_context():
        return Contact.get_by_id(contact_id)


def test_list_search_and_detail(app, staff_client):
    parent = add_contact(app, "A0001", "Harbour Property Management")
    site = add_contact(app, "A0002", "Flat 3 Quay House", care_of_number="A0001")
    add_contact(app, "P0001", "Brass Fittings Ltd", kind="supplier")
    html = staff_client.get("/contacts/?q=quay").get_data(as_text=True)
    assert "Flat 3 Quay House" in html and "Brass" not in html
    assert "Brass" in staff_client.get("/contacts/?kind=supplier").get_data(as_text=True)
    assert "Harbour" in staff_client.get("/contacts/?q=a0001").get_data(as_text=True)
    detail = staff_client.get(f"/contacts/{parent.id}").get_data(as_text=True)
    assert "Sites billed care of" in detail and "Flat 3 Quay House" in detail
    site_page = staff_client.get(f"/contacts/{site.id}").get_data(as_text=True)
    assert "Billed care of" in site_page and 'id="ledger-links"' in site_page


def test_create_and_edit_with_a_care_of_parent(app, staff_client):
    add_contact(app, "A0001", "Harbour Property Management")
    token = csrf_token(staff_client, "/contacts/new")
    response = staff_client.post("/contacts/new", data={
        "csrf_token": token, "kind": "customer", "number": "a0009", "name": "Unit 4",
        "country": "gb", "care_of_number": "A0001"})
    assert response.status_code == 302
    with app.app_context(), models.db.connection_context():
        created = Contact.get(Contact.number == "A0009")
        assert created.care_of.number == "A0001" and created.country == "GB"
    bad = staff_client.post(f"/contacts/{created.id}/edit", data={
        "csrf_token": token, **_form(created, care_of_number="A0009")})
    assert bad.status_code == 422 and "care of itself" in bad.get_data(as_text=True)


def test_the_ledger_id_field_is_locked_until_unlocked(app, staff_client):
    contact = add_contact(app)
    add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    field = re.search(r'<input id="ledger-contact-id"[^>]*>', html).group(0)
    assert "readonly" in field and 'name="ledger_remote_id"' in field
    assert "disabled" not in field
    assert 'id="ledger-contact-id-label" data-unlock-ledger-id' in html
    assert "Ledger account id in Xero (Harbour Lettings Ltd)" in html
    assert 'id="ledger-contact-id-unlock"' in html
    assert 'name="ledger_id_confirmed" id="ledger-id-confirmed" value="0"' in html
    assert "<script" not in html.split("</head>")[1]  # behaviour lives in static/app.js


def test_with_no_connection_the_field_cannot_be_unlocked(app, staff_client):
    contact = add_contact(app)
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    field = re.search(r'<input id="ledger-contact-id"[^>]*>', html).group(0)
    assert "disabled" in field and "name=" not in field
    assert "Connect an accounting package first" in html
    assert "data-unlock-ledger-id" not in html and 'id="ledger-contact-id-unlock"' not in html
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    refused = staff_client.post(f"/contacts/{contact.id}/edit", data={
        "csrf_token": token, **_form(contact, ledger_remote_id="xero-123"),
        "ledger_id_confirmed": "1"})
    assert refused.status_code == 422
    assert "Connect an accounting package first" in refused.get_data(as_text=True)
    cleared = staff_client.post(f"/contacts/{contact.id}/ledger-id/clear",
                                data={"csrf_token": token}, follow_redirects=True)
    assert "there is no ledger account id to clear" in cleared.get_data(as_text=True)


def test_a_ledger_id_change_needs_the_confirmation(sandbox_app, admin_web, staff_web):
    # A real id from the sandbox's Xero: the save checks it against the ledger.
    app, staff_client = sandbox_app, staff_web
    contact = add_contact(app)
    connection = connect_sandbox(app, admin_web, "xero")
    real_id = cached_contact(app, connection).remote_id
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    shown = {"csrf_token": token, "ledger_connection": str(connection.id)}
    refused = staff_client.post(f"/contacts/{contact.id}/edit", data={
        **shown, **_form(contact, ledger_remote_id=real_id)})
    assert refused.status_code == 422
    assert "confirm the change" in refused.get_data(as_text=True)
    assert ledger_id(app, connection, contact) == ""
    accepted = staff_client.post(f"/contacts/{contact.id}/edit", data={
        **shown, **_form(contact, ledger_remote_id=real_id),
        "ledger_id_confirmed": "1"})
    assert accepted.status_code == 302
    assert ledger_id(app, connection, contact) == real_id
    # Saving other fields with the field untouched keeps it, with no confirmation needed.
    staff_client.post(f"/contacts/{contact.id}/edit", data={
        **shown, **_form(contact, phone="0117 496 0000",
                                     ledger_remote_id=real_id)})
    assert _stored(app, contact.id).phone == "0117 496 0000"
    assert ledger_id(app, connection, contact) == real_id


def test_one_click_clear(app, staff_client):
    contact = add_contact(app)
    connection = add_connection(app, "qbo", "realm-1", "Harbour Lettings Ltd")
    with app.app_context(), models.db.connection_context():
        set_link(connection, contact, "qbo-77")
    html = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'id="ledger-contact-id-clear"' in html and 'value="qbo-77"' in html
    token = csrf_token(staff_client, f"/contacts/{contact.id}/edit")
    staff_client.post(f"/contacts/{contact.id}/ledger-id/clear", data={"csrf_token": token})
    assert ledger_id(app, connection, contact) == ""


def test_contact_pages_cover_everyone_once(app, staff_client, monkeypatch):
    from services import contacts as contacts_service

    monkeypatch.setattr(contacts_service, "PAGE_SIZE", 2)
    for n, name in enumerate(["Able", "Baker", "Baker", "Charlie", "Delta"]):
        add_contact(app, f"A{n}", name)
    seen, url = [], "/contacts/"
    while url:
        html = staff_client.get(url).get_data(as_text=True)
        seen += re.findall(r'id="contact-row-\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)
        match = re.search(r'href="([^"]+)" id="next-page"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == ["Able", "Baker", "Baker", "Charlie", "Delta"]
