"""Credit notes: their invoice's contact, never more than is left, positive totals; the invoice
page's Create credit note. The same rules hold on the screens, the API and CSV imports."""

import io
import json
import re
from decimal import Decimal

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import api_token
from helpers.docs import document_payload
from helpers.docs import line
from helpers.docs import mark_synced
from test_csv_import import _csv
from test_csv_import import _row

import models
from models.document import Document
from services.documents import clean_document

# 1 x 159.69 + 20% VAT = 191.63
INVOICE_LINES = [line("Boiler service", "1", "159.69")]


def _setup(app):
    add_contact(app, "A1001", "Harbour View Lettings")
    add_contact(app, "A1002", "Quayside Dental")
    return add_document(app, "S1001", contact_number="A1001", lines=INVOICE_LINES)


def _errors(app, number, **payload):
    with app.app_context(), models.db.connection_context():
        return {e["field"]: e["message"]
                for e in clean_document(document_payload(**payload), number, 200)[1]}


def _value(html, name):
    match = re.search(rf'<input name="{name}"[^>]* value="([^"]*)"', html)
    return match.group(1) if match else None


def _credit(**extra):
    return {"kind": "sales_credit_note", "contact_number": "A1001", "original_number": "S1001",
            **extra}


def _api(app, client):
    token = api_token(app)

    def put(number, body):
        return client.put(f"/api/v1/documents/{number}", data=json.dumps(body),
                          headers={"Authorization": f"Bearer {token}"},
                          content_type="application/json")

    return put


def test_a_credit_note_belongs_to_its_invoices_contact(app, client):
    _setup(app)
    errors = _errors(app, "C1", **_credit(contact_number="A1002"))
    assert errors == {"contact_number": "A credit note belongs to its invoice's contact: S1001 "
                                        "is for Harbour View Lettings (A1001)."}
    response = _api(app, client)("C1", document_payload(**_credit(contact_number="A1002")))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "contact_number"
    assert _errors(app, "C1", **_credit(currency="EUR")) == {
        "currency": "S1001 is in GBP; its credit note must be too."}
    assert _errors(app, "C1", **_credit(lines=INVOICE_LINES)) == {}


def test_nothing_credits_more_than_is_left_of_the_invoice(app, client):
    _setup(app)
    put = _api(app, client)
    huge = put("C1", document_payload(**_credit(lines=[line("Refund", "1", "10000")])))
    assert huge.status_code == 422
    assert huge.json["errors"] == [{
        "field": "lines", "message": "This credit note totals GBP 12,000.00, more than is left "
                                     "to credit on S1001: GBP 191.63 of its GBP 191.63."}]
    # 100 + 20% = 120.00 of 191.63; then 60 + 20% = 72.00 is more than the 71.63 left.
    assert put("C1", document_payload(**_credit(lines=[line("Part", "1", "100")]))
               ).status_code == 201
    second = put("C2", document_payload(**_credit(lines=[line("Rest", "1", "60")])))
    assert second.status_code == 422
    assert second.json["errors"][0]["message"] == (
        "This credit note totals GBP 72.00, more than is left to credit on S1001: GBP 71.63 of "
        "its GBP 191.63 (GBP 120.00 already credited).")
    # Exactly what is left is fine; so is changing C1 itself (it does not count against itself).
    assert put("C2", document_payload(**_credit(lines=[line("Rest", "1", "59.69")]))
               ).status_code == 201
    assert put("C1", document_payload(**_credit(lines=[line("Part", "1", "99")]))
               ).json["outcome"] == "updated"
    # A void credit note gives its amount back.
    assert put("C3", document_payload(**_credit(lines=[line("Again", "1", "50")]))
               ).status_code == 422
    assert put("C2", document_payload(**_credit(status="void", lines=[line("Rest", "1", "59.69")]))
               ).status_code == 200
    assert put("C3", document_payload(**_credit(lines=[line("Again", "1", "50")]))
               ).status_code == 201


def test_totals_are_positive_and_the_kind_carries_the_sign(app, client):
    _setup(app)
    put = _api(app, client)
    negative = put("S1002", document_payload(contact_number="A1001",
                                             lines=[line("Refund", "-1", "10")]))
    assert negative.status_code == 422
    assert negative.json["errors"] == [{
        "field": "lines", "message": "The total is GBP -12.00; a document's total cannot be below "
                                     "zero. To give money back, raise a credit note."}]
    credit = put("C1", document_payload(**_credit(lines=[line("Refund", "-1", "10")])))
    assert credit.status_code == 422
    assert "Enter the amounts credited as positive numbers" in credit.json["errors"][0]["message"]
    # A discount line is fine while the total stays positive.
    mixed = put("S1003", document_payload(contact_number="A1001", lines=[
        line("Service", "1", "100"), line("Loyalty discount", "-1", "10")]))
    assert mixed.status_code == 201 and mixed.json["document"]["totals"]["gross"] == "108.00"
    with app.app_context(), models.db.connection_context():
        assert not Document.select().where(Document.gross_total < 0).exists()


def test_a_credited_invoice_keeps_its_contact_kind_and_enough_total(app, client):
    _setup(app)
    add_document(app, "C1", **_credit(lines=[line("Part", "1", "100")]))
    errors = _errors(app, "S1001", contact_number="A1002", kind="sales_invoice",
                     lines=[line("Smaller", "1", "50")])
    assert errors == {
        "contact_number": "S1001 has credit notes (C1) for Harbour View Lettings, so its contact "
                          "cannot change.",
        "lines": "S1001 has credit notes (C1) totalling GBP 120.00; its total cannot go below "
                 "that."}
    assert _errors(app, "S1001", contact_number="A1001", lines=[line("Same", "1", "100")]) == {}


def test_a_void_invoice_cannot_be_credited(app):
    _setup(app)
    add_document(app, "S1001", contact_number="A1001", lines=INVOICE_LINES, status="void")
    assert _errors(app, "C1", **_credit()) == {
        "original_number": "S1001 is void, so there is nothing to credit."}


def test_csv_imports_follow_the_same_rules(app, staff_client):
    _setup(app)
    content = _csv([_row("C1", kind="sales_credit_note", original_number="S1001",
                         contact_number="A1002", unit_price="10"),
                    _row("C2", kind="sales_credit_note", original_number="S1001",
                         contact_number="A1001", unit_price="10000"),
                    _row("S7", contact_number="A1001", quantity="-1")])
    token = csrf_token(staff_client, "/documents/import")
    preview = staff_client.post("/documents/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(content), "credits.csv")})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    errors = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]+)</td></tr>", html)
    assert {(row, column) for row, column, _ in errors} == {
        ("2", "contact_number"), ("3", ""), ("4", "")}  # a total is the whole document's
    assert "more than is left to credit on S1001" in html and "below zero" in html


def test_the_invoice_page_creates_a_credit_note_prefilled_from_the_invoice(app, staff_client):
    invoice = _setup(app)
    add_document(app, "S1001", contact_number="A1001", care_of_number="A1002",
                 lines=[*INVOICE_LINES, line("Valve", "2", "12.345", category="materials")])
    page = staff_client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    link = re.search(r'href="([^"]+)" role="button" class="secondary" id="create-credit-note"',
                     page)
    assert link and "Create credit note" in page
    form = staff_client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert '<option value="sales_credit_note" selected>' in form
    for field, value in (("contact_number", "A1001"), ("care_of_number", "A1002"),
                         ("original_number", "S1001"), ("currency", "GBP"),
                         ("lines-0-description", "Boiler service"),
                         ("lines-0-unit_price", "159.69"), ("lines-1-unit_price", "12.345"),
                         ("lines-1-quantity", "2")):
        assert _value(form, field) == value, field
    assert "Credit note number" in form
    assert "up to GBP 221.26 left to credit" in form  # 191.63 + 24.69 + 4.94
    token = csrf_token(staff_client, f"/documents/{invoice.id}")
    created = staff_client.post("/documents/new", data={
        "csrf_token": token, "kind": "sales_credit_note", "number": "C9",
        "contact_number": "A1001", "original_number": "S1001", "issue_date": "2026-03-05",
        "currency": "GBP", "status": "draft", "lines-0-description": "Valve returned",
        "lines-0-quantity": "1", "lines-0-unit_price": "12.345", "lines-0-category": "materials",
        "lines-0-tax_rate": "20"})
    assert created.status_code == 302
    with app.app_context(), models.db.connection_context():
        note = Document.get(Document.number == "C9")
        assert (note.original.number, note.contact.number, note.gross_total) == (
            "S1001", "A1001", Decimal("14.82"))
    page = staff_client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert 'id="credit-notes"' in page and "C9" in page
    assert 'Left to credit: <span class="nowrap">GBP 206.44</span>' in page
    credit_page = staff_client.get(f"/documents/{note.id}").get_data(as_text=True)
    assert 'id="create-credit-note"' not in credit_page  # a credit note is not credited
    too_much = staff_client.post("/documents/new", data={
        "csrf_token": token, "kind": "sales_credit_note", "number": "C10",
        "contact_number": "A1002", "original_number": "S1001", "issue_date": "2026-03-05",
        "currency": "GBP", "lines-0-description": "All of it", "lines-0-quantity": "1",
        "lines-0-unit_price": "999", "lines-0-category": "labour", "lines-0-tax_rate": "20"})
    html = too_much.get_data(as_text=True)
    assert too_much.status_code == 422
    assert "<strong>Contact</strong>: A credit note belongs to its invoice" in html
    assert "<strong>Lines</strong>: This credit note totals GBP 1,198.80" in html
    assert 'name="lines-0-unit_price" value="999"' in html  # the form keeps what was typed


def test_a_synced_invoice_still_offers_a_credit_note_and_a_void_one_does_not(app, staff_client):
    invoice = _setup(app)
    mark_synced(app, invoice.id)
    assert 'id="create-credit-note"' in staff_client.get(
        f"/documents/{invoice.id}").get_data(as_text=True)
    void = add_document(app, "S1002", contact_number="A1001", status="void")
    assert 'id="create-credit-note"' not in staff_client.get(
        f"/documents/{void.id}").get_data(as_text=True)
