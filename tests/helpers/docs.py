"""Helpers for the documents and contacts tests: real records through the real services."""

import datetime

import models
from models.api_token import ApiToken
from services.contacts import clean_contact
from services.contacts import upsert_contact
from services.documents import clean_document
from services.documents import upsert_document


def add_contact(app, number="A0001", name="Harbour View Lettings", kind="customer", **extra):
    """Create a contact and return it."""
    with app.app_context(), models.db.connection_context():
        cleaned, errors = clean_contact({"kind": kind, "name": name, **extra}, number)
        assert not errors, errors
        return upsert_contact(cleaned)[0]


def line(description="Labour", quantity="1", unit_price="100.00", tax_rate="20",
         category="labour", **extra):
    """A line payload."""
    return {"description": description, "quantity": quantity, "unit_price": unit_price,
            "tax_rate": tax_rate, "category": category, **extra}


def document_payload(contact_number="A0001", kind="sales_invoice", lines=None, **extra):
    """A document payload as the API and the services take it."""
    return {"kind": kind, "contact_number": contact_number, "issue_date": "2026-03-01",
            "due_date": "2026-03-31", "currency": "GBP", "status": "approved",
            "lines": lines or [line()], **extra}


def add_document(app, number="S10001", **payload_overrides):
    """Create a document (its contact must exist) and return it."""
    with app.app_context(), models.db.connection_context():
        cleaned, errors = clean_document(document_payload(**payload_overrides), number, 200)
        assert not errors, errors
        return upsert_document(cleaned)[0]


def mark_synced(app, document_id):
    """What the sync engine will do once a document is in the ledger: set the lock."""
    from models.document import Document

    with app.app_context(), models.db.connection_context():
        Document.update(synced_at=datetime.datetime(2026, 3, 2, 9, 0)).where(
            Document.id == document_id).execute()


def api_token(app, name="Job system"):
    """A fresh bearer token's plain text."""
    with app.app_context(), models.db.connection_context():
        return ApiToken.issue(name)[1]


def one_page_pdf(text):
    """A real one-page PDF holding text (uploads are parsed: magic bytes are not enough)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())
