"""Invoice PDFs: rendered from the document and the firm's details; attachments are checked."""

import io

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from helpers.docs import one_page_pdf
from pypdf import PdfReader
from test_settings_documents import PNG

import models
from models.firm import FirmProfile


def _text(content):
    reader = PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_renders_with_number_firm_contact_lines_and_totals(app, staff_client):
    with app.app_context(), models.db.connection_context():
        FirmProfile.create(name="Severn Heating Ltd", city="Bristol", vat_number="GB123456789",
                           logo=PNG, logo_type="png")
    add_contact(app, name="Zoë's Café", postcode="BS1 4RW", vat_number="GB999")
    document = add_document(app, "S10045", lines=[line("Boiler service", "1", "85"),
                                                  line("Valve", "2", "12.5", category="materials")])
    response = staff_client.get(f"/documents/{document.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    reader, text = _text(response.data)
    mediabox = reader.pages[0].mediabox
    assert (round(float(mediabox.width)), round(float(mediabox.height))) == (595, 842)  # A4
    for expected in ("INVOICE", "S10045", "Severn Heating Ltd", "Zoë's Café", "Boiler service",
                     "2026-03-01", "GBP 132.00", "GBP 22.00", "GBP 110.00"):
        assert expected in text, expected
    download = staff_client.get(f"/documents/{document.id}/pdf?download=1")
    assert 'attachment; filename=S10045.pdf' in download.headers["Content-Disposition"]


def test_an_attached_pdf_is_served_instead_and_must_be_a_pdf(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    token = csrf_token(staff_client, f"/documents/{document.id}")
    url = f"/documents/{document.id}/attachment"
    not_pdf = staff_client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "invoice.pdf")})
    assert not_pdf.status_code == 422 and "not a PDF" in not_pdf.get_data(as_text=True)
    app.config["PDF_MAX_MB"] = 0
    too_big = staff_client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4 x %%EOF"), "invoice.pdf")})
    assert too_big.status_code == 422 and "larger than" in too_big.get_data(as_text=True)
    app.config["PDF_MAX_MB"] = 1
    original = one_page_pdf("the one that was emailed")  # a real PDF: uploads are parsed
    ok = staff_client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(original), "sent.pdf")})
    assert ok.status_code == 302
    assert staff_client.get(f"/documents/{document.id}/pdf").data == original
    staff_client.post(url + "/remove", data={"csrf_token": token})
    assert staff_client.get(f"/documents/{document.id}/pdf").data != original


def test_a_credit_note_pdf_says_what_it_credits(app, staff_client):
    add_contact(app)
    add_document(app, "S1")
    credit = add_document(app, "C1", kind="sales_credit_note", original_number="S1")
    _, text = _text(staff_client.get(f"/documents/{credit.id}/pdf").data)
    assert "CREDIT NOTE" in text and "C1" in text and "Credit for: S1" in text
    assert "Your firm (set in Settings)" in text


def test_an_html_pdf_polyglot_is_refused(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    token = csrf_token(staff_client, f"/documents/{document.id}")
    polyglot = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                b"<html><body><script>alert(document.cookie)</script></body></html>\n"
                b"trailer<</Root 1 0 R>>\n%%EOF\n")
    response = staff_client.post(f"/documents/{document.id}/attachment",
                                 content_type="multipart/form-data",
                                 data={"csrf_token": token,
                                       "file": (io.BytesIO(polyglot), "invoice.pdf")})
    assert response.status_code == 422 and "not a PDF" in response.get_data(as_text=True)
    assert staff_client.get(f"/documents/{document.id}/pdf").data != polyglot
