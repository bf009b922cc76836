"""The Documents screens: list filters and pages, detail, Sent toggle, create, edit, void, lock."""

import re
from decimal import Decimal

from conftest import csrf_token
from conftest import htmx_headers
from conftest import sign_in
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from helpers.docs import mark_synced

import models
from models.document import Document
from services import document_list


def _numbers(html):
    return re.findall(r'id="document-row-\d+">\s*<td><a href="[^"]+">([^<]+)</a>', html)


def test_documents_need_sign_in(client):
    response = client.get("/documents/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_list_filters_and_search(app, staff_client):
    add_contact(app, "A0001", "Harbour View Lettings")
    add_contact(app, "A0002", "Quayside Dental")
    add_contact(app, "P0001", "Brass Fittings Ltd", kind="supplier")
    a = add_document(app, "S10001", contact_number="A0001")
    add_document(app, "S10002", contact_number="A0002", issue_date="2026-04-01",
                 due_date="2026-04-30")
    add_document(app, "P555", contact_number="P0001", kind="supplier_invoice")
    with app.app_context(), models.db.connection_context():
        Document.get_by_id(a.id).set_sent(True, "email")
    mark_synced(app, a.id)

    def numbers(query):
        response = staff_client.get("/documents/?" + query, headers=htmx_headers())
        assert response.status_code == 200
        return _numbers(response.get_data(as_text=True))

    assert numbers("") == ["S10002", "P555", "S10001"]  # newest first, then latest added
    assert numbers("kind=supplier_invoice") == ["P555"]
    assert numbers("sent=yes") == ["S10001"]
    assert sorted(numbers("sent=no")) == ["P555", "S10002"]
    assert numbers("synced=yes") == ["S10001"]
    assert numbers("date_from=2026-03-15") == ["S10002"]
    assert sorted(numbers("date_to=2026-03-15")) == ["P555", "S10001"]
    assert numbers("q=s1000") == ["S10002", "S10001"]
    assert numbers("q=dental") == ["S10002"]
    assert numbers("q=brass") == ["P555"]
    assert numbers("q=nothing-like-this") == []
    assert numbers("q=%25") == []


def test_keyset_pages_cover_everything_once(app, staff_client, monkeypatch):
    monkeypatch.setattr(document_list, "PAGE_SIZE", 2)
    add_contact(app)
    for n in range(5):
        add_document(app, f"S2000{n}", issue_date=f"2026-02-0{n + 1}", due_date=None)
    seen, url = [], "/documents/"
    while url:
        html = staff_client.get(url).get_data(as_text=True)
        seen += _numbers(html)
        match = re.search(r'href="([^"]+)" id="next-page"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [f"S2000{n}" for n in reversed(range(5))]


def test_detail_shows_lines_totals_and_the_sent_toggle_works_in_place(app, staff_client):
    add_contact(app)
    lines = [line(quantity="3", unit_price="19.99"),
             line("Valve", "1", "0.333", category="materials")]
    document = add_document(app, "S10001", lines=lines)
    html = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "59.97" in html and "60.30" in html and "72.36" in html
    assert 'id="sent-toggle"' in html and 'id="sent-state">No<' in html
    assert 'id="go-to-sync"' in html  # approved, and the Sync screen exists (issue 11)
    token = csrf_token(staff_client, f"/documents/{document.id}")
    response = staff_client.post(f"/documents/{document.id}/sent", headers=htmx_headers(),
                                 data={"sent": "1", "method": "post", "csrf_token": token})
    fragment = response.get_data(as_text=True)
    assert fragment.startswith('<form id="sent-toggle"') and 'id="sent-state">Yes<' in fragment
    assert "Post" in fragment
    with app.app_context(), models.db.connection_context():
        stored = Document.get_by_id(document.id)
        assert stored.sent and stored.sent_method == "post" and stored.sent_at
    staff_client.post(f"/documents/{document.id}/sent", headers=htmx_headers(),
                      data={"sent": "0", "csrf_token": token})
    with app.app_context(), models.db.connection_context():
        assert not Document.get_by_id(document.id).sent


def test_go_to_sync_appears_once_the_sync_screen_exists(app, client, staff):
    # The Sync screen exists now (issue 11): no stand-in blueprint is needed.
    sign_in(client, staff.email)
    add_contact(app)
    approved = add_document(app, "S1")
    draft = add_document(app, "S2", status="draft")
    assert 'id="go-to-sync"' not in client.get(f"/documents/{draft.id}").get_data(as_text=True)
    html = client.get(f"/documents/{approved.id}").get_data(as_text=True)
    assert '<a href="/sync/" role="button" id="go-to-sync">Go to Sync</a>' in html


def test_create_with_lines_and_add_a_line_row(app, staff_client):
    add_contact(app)
    token = csrf_token(staff_client, "/documents/new")
    row = staff_client.get("/documents/line-row?lines-0-description=a&lines-4-description=b",
                           headers=htmx_headers()).get_data(as_text=True)
    assert 'name="lines-5-description"' in row
    form = {"csrf_token": token, "kind": "sales_invoice", "number": "s777",
            "contact_number": "a0001", "issue_date": "2026-05-01", "due_date": "2026-05-31",
            "currency": "GBP", "status": "draft",
            "lines-0-description": "Call-out", "lines-0-quantity": "1",
            "lines-0-unit_price": "65", "lines-0-category": "labour", "lines-0-tax_rate": "20",
            "lines-3-description": "", "lines-3-quantity": "1", "lines-3-unit_price": "",
            "lines-3-tax_rate": "20",
            "lines-5-description": "Washer", "lines-5-quantity": "4",
            "lines-5-unit_price": "0.125", "lines-5-category": "materials",
            "lines-5-tax_rate": "20"}
    response = staff_client.post("/documents/new", data=form)
    assert response.status_code == 302
    with app.app_context(), models.db.connection_context():
        document = Document.get(Document.number == "S777")
        assert [ln.description for ln in document.ordered_lines()] == ["Call-out", "Washer"]
        assert document.gross_total == Decimal("78.60")
    duplicate = staff_client.post("/documents/new", data=form)
    assert duplicate.status_code == 422 and "S777 already exists" in duplicate.get_data(
        as_text=True)


def test_invalid_form_shows_errors_and_saves_nothing(app, staff_client):
    add_contact(app)
    token = csrf_token(staff_client, "/documents/new")
    response = staff_client.post("/documents/new", data={
        "csrf_token": token, "kind": "sales_invoice", "number": "S9", "contact_number": "A0001",
        "issue_date": "2026-05-01", "currency": "GBP", "lines-0-description": "x",
        "lines-0-quantity": "1", "lines-0-unit_price": "1.2.3", "lines-0-category": "labour",
        "lines-0-tax_rate": "20"})
    assert response.status_code == 422
    assert "unit price is not a number" in response.get_data(as_text=True)
    with app.app_context(), models.db.connection_context():
        assert Document.select().count() == 0


def test_edit_and_void(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    page = staff_client.get(f"/documents/{document.id}/edit").get_data(as_text=True)
    assert 'name="lines-0-unit_price" value="100"' in page
    token = csrf_token(staff_client, f"/documents/{document.id}/edit")
    form = {"csrf_token": token, "kind": "sales_invoice", "contact_number": "A0001",
            "issue_date": "2026-03-01", "currency": "GBP", "status": "approved",
            "lines-0-description": "Labour", "lines-0-quantity": "2",
            "lines-0-unit_price": "100", "lines-0-category": "labour", "lines-0-tax_rate": "20"}
    assert staff_client.post(f"/documents/{document.id}/edit", data=form).status_code == 302
    staff_client.post(f"/documents/{document.id}/void", data={"csrf_token": token})
    with app.app_context(), models.db.connection_context():
        stored = Document.get_by_id(document.id)
        assert (stored.gross_total, stored.status) == (Decimal("240"), "void")


def test_a_synced_document_is_locked_on_every_screen(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    mark_synced(app, document.id)
    detail = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="lock-message"' in detail and "credit note" in detail
    assert 'id="edit-document"' not in detail and 'id="void-document"' not in detail
    edit = staff_client.get(f"/documents/{document.id}/edit")
    assert edit.status_code == 409
    assert "raise a credit note" in edit.get_data(as_text=True)
    link = re.search(r'href="([^"]+)" id="raise-credit-note"', edit.get_data(as_text=True))
    credit_form = staff_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert '<option value="sales_credit_note" selected>' in credit_form
    assert 'name="original_number" value="S1"' in credit_form
    token = csrf_token(staff_client, f"/documents/{document.id}")
    posted = staff_client.post(f"/documents/{document.id}/edit", data={
        "csrf_token": token, "kind": "sales_invoice", "contact_number": "A0001",
        "issue_date": "2026-03-01", "lines-0-quantity": "9", "lines-0-unit_price": "9",
        "lines-0-tax_rate": "0", "lines-0-category": "other"})
    assert posted.status_code == 409
    staff_client.post(f"/documents/{document.id}/void", data={"csrf_token": token})
    with app.app_context(), models.db.connection_context():
        stored = Document.get_by_id(document.id)
        assert (stored.gross_total, stored.status) == (Decimal("120"), "approved")


def test_a_post_without_csrf_token_is_refused(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    assert staff_client.post(f"/documents/{document.id}/void").status_code == 400
