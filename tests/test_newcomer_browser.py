"""In headless Chromium, the flows a new user met (issue 13): a credit note from its invoice, a
refused form that keeps what was typed, a country chosen by name, an Excel CSV with UK dates."""

import os

import pytest
from conftest import PASSWORD
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from test_csv_import import _csv
from test_csv_import import _row
from test_layout_browser import CUT_TEXT_JS

import models
from models.contact import Contact
from models.document import Document
from models.firm import FirmProfile

pytestmark = needs_chromium


def _shot(page, name):
    if os.environ.get("LEDGERLINK_SHOTS_DIR"):
        page.screenshot(path=os.path.join(os.environ["LEDGERLINK_SHOTS_DIR"], f"{name}.png"),
                        full_page=True)


@pytest.fixture
def signed_in(app, admin):
    """A live server and a Chromium page signed in as an administrator, at 1280 x 900."""
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        yield base, page
        # A refused form answers 422, which Chromium logs; anything else is a real error.
        assert not [e for e in page.js_errors if "status of 422" not in e]


def test_a_credit_note_from_the_invoice_page(app, signed_in):
    base, page = signed_in
    add_contact(app, "A1001", "Harbour View Lettings")
    add_contact(app, "A1002", "Quayside Dental")
    invoice = add_document(app, "S1001", contact_number="A1001",
                           lines=[line("Boiler service", "1", "159.69"),
                                  line("Valve", "2", "12.345", category="materials")])
    page.goto(f"{base}/documents/{invoice.id}")
    page.click("#create-credit-note")
    page.wait_for_selector("#document-form")
    assert page.input_value("select[name=kind]") == "sales_credit_note"
    assert page.input_value("input[name=contact_number]") == "A1001"
    assert page.input_value("input[name=original_number]") == "S1001"
    assert page.input_value("input[name=lines-1-unit_price]") == "12.345"
    assert "up to GBP 221.26 left to credit" in page.inner_text("#credit-position")
    _shot(page, "credit-note-form")
    page.fill("input[name=number]", "C1001")
    page.fill("input[name=contact_number]", "A1002")
    page.fill("input[name=lines-0-quantity]", "10")
    page.click("#save-document")
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert "Contact: A credit note belongs to its invoice's contact" in errors
    assert "Lines: This credit note totals GBP 1,945.91, more than is left" in errors
    assert page.input_value("input[name=lines-0-quantity]") == "10"  # kept as typed
    _shot(page, "credit-note-refused")
    page.fill("input[name=contact_number]", "A1001")
    page.fill("input[name=lines-0-quantity]", "1")
    page.locator("#line-1 [data-remove-line]").click()
    page.click("#save-document")
    page.wait_for_selector("h1:has-text('Sales credit note C1001')")
    page.click("a:text-is('S1001')")
    page.wait_for_selector("#credit-notes")
    assert "C1001" in page.inner_text("#credit-notes")
    assert "Left to credit: GBP 29.63" in page.inner_text("#credit-notes")


def test_a_refused_line_keeps_its_digits_and_names_its_field(app, signed_in):
    base, page = signed_in
    add_contact(app)
    page.goto(f"{base}/documents/new")
    page.fill("input[name=number]", "S77")
    page.fill("input[name=contact_number]", "A0001")
    page.fill("input[name=lines-0-description]", "Boiler service")
    page.fill("input[name=lines-0-quantity]", "12.34567")
    page.fill("input[name=lines-0-unit_price]", "98765.4321")
    page.fill("input[name=lines-0-tax_rate]", "120")
    page.click("#save-document")
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert "Line 1, quantity: The quantity may have at most 4 decimal places." in errors
    assert "Line 1, tax rate:" in errors and "lines.0" not in errors
    for name in ("lines-0-quantity", "lines-0-tax_rate"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("aria-invalid") == "true"
        assert field.evaluate("f => getComputedStyle(f).backgroundImage") == "none"
    assert page.evaluate(CUT_TEXT_JS, "#lines-table input[aria-invalid]") == []
    assert page.input_value("input[name=lines-0-unit_price]") == "98765.4321"
    _shot(page, "document-refused")


def test_firm_details_survive_a_bad_logo_and_the_country_is_chosen_by_name(app, signed_in,
                                                                           tmp_path):
    base, page = signed_in
    page.goto(f"{base}/settings/")
    page.fill("input[name=name]", "Severn Heating Ltd")
    page.fill("input[name=address_line1]", "2 Mill Lane")
    page.fill("input[name=postcode]", "BS1 1AA")
    page.select_option("select[name=country]", label="Ireland")
    page.select_option("select[name=date_order]", "mdy")
    gif = tmp_path / "logo.gif"
    gif.write_bytes(b"GIF89a\x01\x00\x01\x00")
    page.set_input_files("input[name=logo]", str(gif))
    page.click("#save-firm")
    page.wait_for_selector("#firm-errors")
    assert "Logo: The logo must be a PNG or JPEG image." in page.inner_text("#firm-errors")
    assert page.input_value("input[name=name]") == "Severn Heating Ltd"
    assert page.input_value("input[name=address_line1]") == "2 Mill Lane"
    assert page.input_value("select[name=country]") == "IE"
    assert page.input_value("select[name=date_order]") == "mdy"
    _shot(page, "firm-refused")
    page.set_input_files("input[name=logo]", [])
    page.click("#save-firm")
    page.wait_for_selector("text=Firm details saved")
    with app.app_context(), models.db.connection_context():
        firm = FirmProfile.current()
        assert (firm.name, firm.country, firm.date_order) == ("Severn Heating Ltd", "IE", "mdy")
    page.goto(f"{base}/contacts/new")
    page.fill("input[name=number]", "A0009")
    page.fill("input[name=name]", "Unit 4")
    page.select_option("select[name=country]", label="United Kingdom")
    page.click("#save-contact")
    page.wait_for_selector("h1:has-text('Unit 4')")
    assert "United Kingdom" in page.inner_text(".facts")
    with app.app_context(), models.db.connection_context():
        assert Contact.get(Contact.number == "A0009").country == "GB"


def test_an_excel_csv_with_uk_dates_imports_once(app, signed_in, tmp_path):
    base, page = signed_in
    add_contact(app)
    rows = [_row("S1", issue_date="15/11/2026", due_date="15/12/2026"),
            _row("S1", "Parts", issue_date="15/11/2026", due_date="15/12/2026",
                 category="materials")]
    upload = tmp_path / "Book1.csv"
    upload.write_bytes(b"\xef\xbb\xbf" + _csv(rows))
    page.goto(f"{base}/documents/import")
    assert "Dates are read day first, as in 15/11/2026" in page.inner_text("#import-date-order")
    page.set_input_files("#import-upload input[type=file]", str(upload))
    page.click("#import-upload button")
    page.wait_for_selector("#import-preview")
    assert "15 Nov 2026" in page.inner_text("#import-documents")
    assert "Sales invoice" in page.inner_text("#import-documents")
    _shot(page, "import-preview")
    assert page.inner_text("#import-commit button") == "Import 1 document"
    page.click("#import-commit button")
    page.wait_for_selector("text=Imported: 1 created")
    with app.app_context(), models.db.connection_context():
        assert Document.get(Document.number == "S1").issue_date.isoformat() == "2026-11-15"
    page.goto(f"{base}/documents/import")
    page.set_input_files("#import-upload input[type=file]", str(upload))
    page.click("#import-upload button")
    page.wait_for_selector("#import-nothing-to-do")
    assert page.locator("#import-commit").count() == 0
    _shot(page, "import-nothing-to-do")


RAW_WORDS = ("sales_invoice", "sales_credit_note", "supplier_invoice", "supplier_credit_note",
             "lines.0", "S number", "A number")


def test_screens_use_the_words_an_office_manager_knows(app, signed_in):
    """Issue 13.13 and 13.17: invoice and account numbers by those names, kinds as words, field
    errors named as the form labels them, categories capitalised."""
    base, page = signed_in
    customer = add_contact(app, "A1001", "Harbour View Lettings")
    invoice = add_document(app, "S1001", contact_number="A1001",
                           lines=[line("Valve", "2", "12.50", category="materials")])
    pages = {"documents": "/documents/", "invoice": f"/documents/{invoice.id}",
             "new document": "/documents/new", "contacts": "/contacts/",
             "contact": f"/contacts/{customer.id}", "new contact": "/contacts/new"}
    for name, path in pages.items():
        page.goto(base + path)
        text = page.inner_text("main")
        assert not [w for w in RAW_WORDS if w in text], (name, text)
    page.goto(f"{base}/documents/")
    assert "Sales invoice" in page.inner_text("#documents-results")
    assert "Invoice number" in page.get_attribute("#filter-q", "placeholder")
    page.goto(f"{base}/documents/{invoice.id}")
    assert "Materials" in page.inner_text("main table")
    page.goto(f"{base}/documents/new")
    assert page.locator("label:has-text('Invoice number')").count() == 1
    assert page.locator("label:has-text('Contact') >> text=(account number)").count() == 1
    categories = page.evaluate("Array.from(document.querySelectorAll("
                               "'select[name=lines-0-category] option')).map(o => o.text)")
    assert {"Labour", "Materials"} <= set(categories), categories
    page.fill("input[name=number]", "S2")
    page.fill("input[name=contact_number]", "A1001")
    page.fill("input[name=lines-0-description]", "Call-out")
    page.fill("input[name=lines-0-quantity]", "x")
    page.click("#save-document")
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert "Line 1, quantity:" in errors and "lines.0" not in errors
    page.goto(f"{base}/contacts/")
    assert "Account number" in page.inner_text("#contacts-results")
    page.goto(f"{base}/contacts/new")
    assert page.locator("label:has-text('Account number') input[name=number]").count() == 1
