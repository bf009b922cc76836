"""Forms that fail keep what was typed; countries are chosen from a list and never cut; errors
name the field as the form labels it."""

import io
import re

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line

import models
from models.contact import Contact
from models.firm import FirmProfile

FIRM = {"name": "Severn Heating Ltd", "address_line1": "2 Mill Lane", "address_line2": "Unit 4",
        "city": "Bristol", "postcode": "BS1 1AA", "country": "IE", "vat_number": "GB123",
        "email": "office@severn.example", "phone": "0117 496 0000",
        "payment_terms": "30 days net", "date_order": "mdy"}


def _selected(html, name):
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)" selected>', select)


def test_a_bad_logo_keeps_every_typed_firm_detail(app, admin_client):
    token = csrf_token(admin_client, "/settings/")
    bad = admin_client.post("/settings/firm", content_type="multipart/form-data", data={
        "csrf_token": token, **FIRM, "logo": (io.BytesIO(b"GIF89a"), "logo.gif")})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "<strong>Logo</strong>: The logo must be a PNG or JPEG image." in html
    for field in ("name", "address_line1", "address_line2", "city", "postcode", "vat_number",
                  "email", "phone"):
        assert re.search(rf'name="{field}" value="{re.escape(FIRM[field])}"', html), field
    assert ">30 days net</textarea>" in html
    assert _selected(html, "country") == ["IE"] and _selected(html, "date_order") == ["mdy"]
    assert "Choose the logo file again" in html
    with app.app_context(), models.db.connection_context():
        assert FirmProfile.select().count() == 0
    # A field error is named as the form labels it, and the other fields still come back.
    long_postcode = admin_client.post("/settings/firm", data={
        "csrf_token": token, **FIRM, "postcode": "X" * 21})
    html = long_postcode.get_data(as_text=True)
    assert long_postcode.status_code == 422 and "<strong>Postcode</strong>:" in html
    assert 'name="name" value="Severn Heating Ltd"' in html


def test_the_firm_country_and_csv_date_order_are_chosen_from_lists(app, admin_client):
    page = admin_client.get("/settings/").get_data(as_text=True)
    assert '<option value="GB" selected>United Kingdom</option>' in page
    assert "As usual in the firm's country (now: Day first: 15/11/2026)" in page
    token = csrf_token(admin_client, "/settings/")
    refused = admin_client.post("/settings/firm", data={
        "csrf_token": token, **FIRM, "country": "United Kingdom", "date_order": "ymd"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "&#39;UNITED KINGDOM&#39; is not a country code" in html
    assert "<strong>Dates in CSV files</strong>: Choose how CSV files write dates" in html
    saved = admin_client.post("/settings/firm", data={
        "csrf_token": token, **FIRM, "country": "US", "date_order": ""})
    assert saved.status_code == 302
    with app.app_context(), models.db.connection_context():
        firm = FirmProfile.current()
        assert (firm.country, firm.date_order, firm.csv_date_order) == ("US", "", "mdy")
        firm.country = "GB"
        assert firm.csv_date_order == "dmy"
        firm.date_order = "mdy"
        assert firm.csv_date_order == "mdy"


def test_a_contact_country_is_chosen_by_name_and_never_cut(app, staff_client):
    form = staff_client.get("/contacts/new").get_data(as_text=True)
    assert '<option value="GB" selected>United Kingdom</option>' in form
    assert '<option value="IE">Ireland</option>' in form
    assert 'maxlength="2"' not in form
    token = csrf_token(staff_client, "/contacts/new")
    typed = {"csrf_token": token, "kind": "customer", "number": "A0009", "name": "Unit 4",
             "email": "unit4@example.com", "country": "United Kingdom"}
    refused = staff_client.post("/contacts/new", data=typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<strong>Country</strong>:" in html
    assert 'name="email" value="unit4@example.com"' in html
    assert "<code>" not in html.split('id="form-errors"')[1].split("</div>")[0]
    ok = staff_client.post("/contacts/new", data={**typed, "country": "IE"})
    assert ok.status_code == 302
    with app.app_context(), models.db.connection_context():
        assert Contact.get(Contact.number == "A0009").country == "IE"
    contact = add_contact(app, "A0010", "Old Import")
    with app.app_context(), models.db.connection_context():
        Contact.update(country="UN").where(Contact.id == contact.id).execute()
    page = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert '<option value="UN" selected>UN (not a country code: choose one)</option>' in page
    irish = staff_client.get(f"/contacts/{contact.id - 1}").get_data(as_text=True)
    assert "<dt>Address</dt><dd>Ireland</dd>" in irish  # the country by name, not its code


def test_document_form_errors_name_fields_as_the_form_labels_them(app, staff_client):
    add_contact(app)
    token = csrf_token(staff_client, "/documents/new")
    response = staff_client.post("/documents/new", data={
        "csrf_token": token, "kind": "sales_invoice", "number": "S9", "contact_number": "A0404",
        "issue_date": "2026-05-01", "currency": "GBP", "lines-0-description": "x",
        "lines-0-quantity": "lots", "lines-0-unit_price": "1", "lines-0-category": "labour",
        "lines-0-tax_rate": "20", "lines-1-description": "y", "lines-1-quantity": "1",
        "lines-1-unit_price": "1", "lines-1-category": "labour", "lines-1-tax_rate": "120"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html.split('id="form-errors"')[1].split("</div>")[0]
    assert "<strong>Contact</strong>: There is no contact with account number A0404." in errors
    assert "<strong>Line 1, quantity</strong>: The quantity is not a number." in errors
    assert "<strong>Line 2, tax rate</strong>:" in errors
    assert "lines.0" not in errors and "contact_number" not in errors
    assert 'name="lines-0-quantity" value="lots"' in html


def test_kinds_and_categories_read_as_words(app, staff_client):
    add_contact(app)
    token = csrf_token(staff_client, "/documents/import")
    content = (b"number,kind,contact_number,issue_date,description,quantity,unit_price,"
               b"category,tax_rate\nS1,sales_invoice,A0001,2026-03-01,Labour,1,50,labour,20\n")
    preview = staff_client.post("/documents/import", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(content), "one.csv")})
    table = preview.get_data(as_text=True).split('id="import-documents"')[1].split("</table>")[0]
    assert "<td>Sales invoice</td>" in table and "sales_invoice" not in table
    document = add_document(app, "S2", lines=[line("Valve", category="materials")])
    page = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "<td>Materials</td>" in page and "<td>materials</td>" not in page
