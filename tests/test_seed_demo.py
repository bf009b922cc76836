"""seed-demo: the realistic set with its deliberate problems and its payments, and a second run
changes nothing."""

from decimal import Decimal

import models
from cli_demo import LEDGER_NAME_VARIANTS
from models.contact import Contact
from models.document import Document
from models.document import DocumentLine
from models.firm import FirmProfile
from models.payment import Payment
from sandbox.demo_firm import DEMO_FIRM_CONTACTS
from services.payments import owed


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
        # What the run command's sandbox holds (--demo-firm): the variants, and some exact names.
        in_ledger = {c["name"] for c in DEMO_FIRM_CONTACTS}
        assert set(LEDGER_NAME_VARIANTS.values()) <= in_ledger
        assert len(in_ledger & names) >= 3
        payments = list(Payment.select())
        assert "Payments: 20 recorded, 0 already there." in first.output
        paid = {p.document for p in payments}
        assert len(paid) == len(payments) == 20
        assert all(d.status == "approved" for d in paid)
        assert all(d.sent for d in paid if d.kind == "sales_invoice")
        by_kind = {k: [d for d in paid if d.kind == k] for k in ("sales_invoice",
                                                                  "supplier_invoice")}
        assert len(by_kind["sales_invoice"]) == 15 and len(by_kind["supplier_invoice"]) == 5
        for kind, documents in by_kind.items():
            part = [d for d in documents if owed(d) > 0]
            assert part and len(part) < len(documents), kind  # some part-paid, some in full
            assert all(owed(d) >= 0 for d in documents)
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0 and "0 created, 0 updated, 207 unchanged" in second.output
    assert "Payments: 0 recorded, 20 already there." in second.output
    with app.app_context(), models.db.connection_context():
        assert Payment.select().count() == 20
    # A blank firm gets the demo's name and address (so the PDFs render); a firm's own are kept.
    assert "Firm details filled in for the demo" in first.output
    assert "Firm details" not in second.output
    with app.app_context(), models.db.connection_context():
        assert FirmProfile.current().missing_for_documents() == []
        assert FirmProfile.select().count() == 1
