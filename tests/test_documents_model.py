"""The documents schema and model rules: migration both ways, upsert outcomes, the lock."""

from decimal import Decimal

import pytest
from conftest import PG_URL
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import document_payload
from helpers.docs import line
from helpers.docs import mark_synced
from playhouse.migrations import Runner

import models
from models.document import Document
from models.document import DocumentLocked
from services.documents import clean_document
from services.documents import planned_outcome
from services.documents import upsert_document

TABLES = {"contact", "document", "document_line", "document_file", "api_token", "firm_profile"}


def test_migration_0002_goes_down_and_up_again(app):
    with app.app_context(), models.db.connection_context():
        assert set(models.db.get_tables()) >= TABLES
        runner = Runner(models.db.obj, models.MIGRATIONS_DIR)
        runner.down("0001_users")
        assert not TABLES & set(models.db.get_tables())
        runner.up()
        assert set(models.db.get_tables()) >= TABLES
        indexes = {i.name for i in models.db.get_indexes("document")}
        assert "document_issue_date_id" in indexes and "document_kind_issue_date_id" in indexes
        if PG_URL:
            assert "document_number_prefix" in indexes


def test_outcomes_and_the_lock(app):
    add_contact(app)
    document = add_document(app, "S1", lines=[line(quantity="2.5", unit_price="3.333")])
    with app.app_context(), models.db.connection_context():
        stored = Document.get_by_id(document.id)
        assert (stored.net_total, stored.tax_total, stored.gross_total) == (
            Decimal("8.33"), Decimal("1.67"), Decimal("10.00"))
        same, _ = clean_document(document_payload(lines=[line(quantity="2.50",
                                                              unit_price="3.3330")]), "s1", 200)
        assert planned_outcome(same) == "unchanged"
        changed, _ = clean_document(document_payload(reference="New"), "S1", 200)
        assert planned_outcome(changed) == "updated"
    mark_synced(app, document.id)
    with app.app_context(), models.db.connection_context():
        assert planned_outcome(changed) == "locked"
        assert upsert_document(same)[1] == "unchanged"
        with pytest.raises(DocumentLocked):
            upsert_document(changed)
        with pytest.raises(DocumentLocked):
            Document.get_by_id(document.id).replace_lines([line()])


def test_credit_notes_point_at_an_invoice_of_the_right_kind(app):
    add_contact(app)
    add_contact(app, "P1", "Brass Ltd", kind="supplier")
    add_document(app, "S1")
    add_document(app, "P9", contact_number="P1", kind="supplier_invoice")
    with app.app_context(), models.db.connection_context():
        _, errors = clean_document(document_payload(kind="sales_credit_note",
                                                    original_number="P9"), "C1", 200)
        assert errors == [{"field": "original_number",
                           "message": "P9 is a supplier invoice, not a sales invoice."}]
        _, errors = clean_document(document_payload(original_number="S1"), "S2", 200)
        assert errors[0]["message"] == "Only a credit note has an original invoice."
        cleaned, errors = clean_document(document_payload(kind="sales_credit_note",
                                                          original_number="s1"), "C1", 200)
        assert not errors and upsert_document(cleaned)[0].original.number == "S1"
