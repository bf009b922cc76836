"""PDFs a new user can trust: prices as stored, the firm's details required before sending, a VOID
mark, supplier documents left to the supplier, labelled address blocks."""

import io
import json
import re

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import api_token
from helpers.docs import line
from helpers.docs import one_page_pdf
from pypdf import PdfReader

import models
from models.document import Document
from models.firm import FirmProfile

ATTACHED = one_page_pdf("the supplier's own")  # a real PDF: uploads are parsed


def _text(content):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _firm(app, **fields):
    with app.app_context(), models.db.connection_context():
        FirmProfile.create(**{"name": "Severn Heating Ltd", "address_line1": "2 Mill Lane",
                              "city": "Bristol", "postcode": "BS1 1AA", **fields})


def test_a_three_decimal_unit_price_shows_as_stored_and_adds_up(app, staff_client):
    _firm(app)
    add_contact(app)
    document = add_document(app, "S1", lines=[line("Valve", "2", "12.345")])
    page = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    row = re.search(r"<tr><td>Valve</td>.*?</tr>", page).group(0)
    assert '<td class="num">12.345</td>' in row and '<td class="num">24.69</td>' in row
    assert "12.34<" not in row
    text = _text(staff_client.get(f"/documents/{document.id}/pdf").data)
    assert "12.345" in text and "24.69" in text and "12.34 " not in text


def test_supplier_documents_are_not_rendered_or_marked_sent(app, staff_client):
    add_contact(app, "P1", "Brass Ltd", kind="supplier")
    bill = add_document(app, "P9", contact_number="P1", kind="supplier_invoice")
    page = staff_client.get(f"/documents/{bill.id}").get_data(as_text=True)
    assert 'id="sent-toggle"' not in page and 'id="view-pdf"' not in page
    assert "This is the supplier's own document" in page
    refused = staff_client.get(f"/documents/{bill.id}/pdf", follow_redirects=True)
    assert refused.mimetype == "text/html"
    assert "does not render it as if the firm had issued it" in refused.get_data(as_text=True)
    token = csrf_token(staff_client, f"/documents/{bill.id}")
    staff_client.post(f"/documents/{bill.id}/sent", data={"sent": "1", "method": "email",
                                                           "csrf_token": token})
    bearer = api_token(app)
    api = staff_client.post("/api/v1/documents/P9/sent", data=json.dumps({"method": "email"}),
                            headers={"Authorization": f"Bearer {bearer}"},
                            content_type="application/json")
    assert api.status_code == 422 and api.json["errors"][0]["field"] == "sent"
    with app.app_context(), models.db.connection_context():
        assert not Document.get_by_id(bill.id).sent
    # The supplier's own PDF can be attached, and is what View shows.
    staff_client.post(f"/documents/{bill.id}/attachment", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(ATTACHED), "p9.pdf")})
    assert staff_client.get(f"/documents/{bill.id}/pdf").data == ATTACHED
    assert "View the supplier's PDF" in staff_client.get(
        f"/documents/{bill.id}").get_data(as_text=True)


def test_until_the_firm_has_a_name_and_address_the_pdf_is_only_a_preview(app, staff_client):
    add_contact(app)
    document = add_document(app, "S1")
    page = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert ("Not ready to send: the PDF still lacks the firm&#39;s name and its address." in page)
    assert 'id="download-pdf"' not in page and "Preview PDF" in page
    preview = _text(staff_client.get(f"/documents/{document.id}/pdf").data)
    assert "NOT READY TO SEND" in preview
    assert "Missing: the firm's name and its address" in preview
    download = staff_client.get(f"/documents/{document.id}/pdf?download=1",
                                follow_redirects=True)
    assert download.mimetype == "text/html"
    assert "Not ready to send: the PDF still lacks the firm&#39;s name and its address" in (
        download.get_data(as_text=True))
    _firm(app, address_line1="", city="", postcode="BS1 1AA")
    ready = staff_client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert 'id="firm-missing"' not in ready and 'id="download-pdf"' in ready
    download = staff_client.get(f"/documents/{document.id}/pdf?download=1")
    assert download.mimetype == "application/pdf"
    text = _text(download.data)
    assert "NOT READY" not in text and "VOID" not in text
    assert "FROM" in text and "BILL TO" in text


def test_a_void_document_carries_a_void_mark(app, staff_client):
    _firm(app)
    add_contact(app)
    add_document(app, "S1")
    credit = add_document(app, "C1", kind="sales_credit_note", original_number="S1")
    document = add_document(app, "S2", status="void")
    text = _text(staff_client.get(f"/documents/{document.id}/pdf").data)
    assert "VOID INVOICE" in text and "S2 is void: it is not to be paid or sent." in text
    assert re.search(r"^VOID$", text, re.M)  # the big diagonal mark
    credit_text = _text(staff_client.get(f"/documents/{credit.id}/pdf").data)
    assert "CREDIT TO" in credit_text and "VOID" not in credit_text
