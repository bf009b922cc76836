"""seed-demo: the realistic set with its deliberate problems, and a second run changes nothing."""

from decimal import Decimal

import models
from cli_demo import LEDGER_NAME_VARIANTS
from models.contact import Contact
from models.document import Document
from models.document import DocumentLine


def test_seed_demo_builds_the_set_and_is_repeatable(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "207 created" in first.output
    with app.app_context(), models.db.connection_context():
        assert Contact.select().where(Contact.kind == "supplier").count() == 3
        assert Contact.select().where(Contact.kind == "customer").count() == 30
        assert Contact.select().where(Contact.care_of.is_null(False)).count() == 7
        kinds = {k: Document.select().where(Document.kind == k).count() for k in
                 ("sales_invoice", "sales_credit_note", "supplier_invoice",
                  "supplier_credit_note")}
        assert kinds == {"sales_invoice": 161, "sales_credit_note": 20,
                         "supplier_invoice": 22, "supplier_credit_note": 4}
        unsent = Document.select().where(Document.kind == "sales_invoice",
                                         Document.status == "approved", ~Document.sent).count()
        assert unsent > 5
        assert DocumentLine.select().where(DocumentLine.description == "").count() == 1
        assert DocumentLine.select().where(DocumentLine.category == "labour",
                                           DocumentLine.tax_rate == Decimal(0)).count() == 1
        assert Document.get_or_none(Document.number == "S-10045")
        assert Document.get_or_none(Document.number == "S10045")
        names = {c.name for c in Contact.select()}
        assert set(LEDGER_NAME_VARIANTS) <= names
        assert not set(LEDGER_NAME_VARIANTS.values()) & names
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 created, 0 updated, 207 unchanged" in second.output
