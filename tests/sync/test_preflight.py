"""Each pre-flight check alone, on a document that passes every other one (pure: no app)."""

import dataclasses
import datetime
from decimal import Decimal

import pytest

from sync.preflight import AccountFacts
from sync.preflight import DocumentFacts
from sync.preflight import LedgerContactFacts
from sync.preflight import LedgerDocumentFacts
from sync.preflight import LineFacts
from sync.preflight import Snapshot
from sync.preflight import TaxFacts
from sync.preflight import check
from sync.preflight import check_all

INCOME = AccountFacts("acc-200", "200", "income", True)
EXPENSE = AccountFacts("acc-400", "400", "expense", True)


def snapshot(**changes):
    base = Snapshot(
        provider_id="xero", connection_id=1, connected=True,
        role_accounts={"labour_sales": INCOME, "materials_sales": INCOME, "purchases": EXPENSE,
                       "bank": AccountFacts("acc-090", "090", "bank", True)},
        accounts_by_code={"200": INCOME, "400": EXPENSE,
                          "999": AccountFacts("acc-999", "999", "income", False)},
        tax_rates=(TaxFacts("tax-20", Decimal("20"), True, True, True),
                   TaxFacts("tax-0", Decimal("0"), True, True, False)),
        links={10: "c-10", 11: "c-11", 12: "c-12"},
        ledger_contacts={"c-10": LedgerContactFacts(True, True, False),
                         "c-11": LedgerContactFacts(True, False, True),
                         "c-12": LedgerContactFacts(True, True, False)},
        in_ledger=frozenset({1}),
        field_limits={"number": 21, "line_description": 4000})
    return dataclasses.replace(base, **changes)


def document(**changes):
    base = DocumentFacts(
        id=5, kind="sales_invoice", number="S1005", status="approved", sent=True, contact_id=10,
        care_of_id=None, issue_date=datetime.date(2026, 11, 2), currency="GBP",
        gross_total=Decimal("120.00"), original_id=None, reference="",
        lines=(LineFacts("Labour", "labour", "", Decimal("20")),))
    return dataclasses.replace(base, **changes)


def code(doc=None, snap=None):
    return check(doc or document(), snap or snapshot()).code


def test_a_good_document_is_ready():
    assert code() == "ready"
    assert check(document(), snapshot()).message == "Ready to sync."


@pytest.mark.parametrize("changes,expected", [
    ({"connected": False}, "not_connected"),
    ({"needs_reconnect": True, "reconnect_reason": "Revoked."}, "needs_reconnect"),
    ({"empty_roles": ("Bank",)}, "mapping_incomplete"),
])
def test_connection_checks_come_first(changes, expected):
    assert code(document(sent=False, contact_id=99), snapshot(**changes)) == expected


def test_mapping_incomplete_names_the_empty_role():
    assert "Empty: Bank." in check(document(), snapshot(empty_roles=("Bank",))).message


def test_sales_documents_wait_to_be_marked_sent_supplier_ones_do_not():
    verdict = check(document(sent=False), snapshot())
    assert (verdict.code, verdict.message) == ("not_sent", "Cannot sync until marked as sent.")
    supplier = document(kind="supplier_invoice", sent=False, contact_id=11,
                        lines=(LineFacts("Timber", "purchase", "", Decimal("20")),))
    assert code(supplier) == "ready"


def test_contact_checks():
    assert code(document(contact_id=77)) == "contact_not_linked"
    archived = snapshot(ledger_contacts={"c-10": LedgerContactFacts(False, True, False)})
    assert code(snap=archived) == "contact_archived"
    assert code(snap=snapshot(ledger_contacts={})) == "contact_archived"  # deleted in the ledger
    assert code(document(contact_id=11)) == "contact_wrong_kind"
    assert code(document(contact_id=11), snapshot(contact_kinds_strict=False)) == "ready"


def test_care_of_is_checked_only_where_the_package_has_sub_customers():
    doc = document(care_of_id=50)
    assert code(doc, snapshot(supports_care_of=True)) == "care_of_not_linked"
    assert code(doc, snapshot(supports_care_of=False)) == "ready"
    assert code(document(care_of_id=12), snapshot(supports_care_of=True)) == "ready"


def test_duplicate_number_from_the_index_and_link_to_it_when_everything_matches():
    other = LedgerDocumentFacts("inv-1", "S1005", "c-99", Decimal("50.00"))
    assert code(snap=snapshot(numbers={("sales_invoice", "S1005"): [other]})) == \
        "duplicate_number"
    same = LedgerDocumentFacts("inv-2", "S1005", "c-10", Decimal("120.005"))
    verdict = check(document(), snapshot(numbers={("sales_invoice", "S1005"): [same]}))
    assert (verdict.code, verdict.remote_id) == ("duplicate_matches", "inv-2")
    numbered = snapshot(numbers={("sales_invoice", "S1005"): [other]}, ledger_numbers_sales=True)
    assert code(snap=numbered) == "ready"  # the package numbers our sales documents itself


def test_supplier_numbers_are_duplicates_only_for_the_same_supplier():
    supplier = document(kind="supplier_invoice", contact_id=11,
                        lines=(LineFacts("Timber", "purchase", "", Decimal("20")),))
    elsewhere = LedgerDocumentFacts("bill-1", "S1005", "c-other", Decimal("1"))
    assert code(supplier, snapshot(numbers={("supplier_invoice", "S1005"): [elsewhere]})) == \
        "ready"
    theirs = LedgerDocumentFacts("bill-2", "S1005", "c-11", Decimal("1"))
    assert code(supplier, snapshot(numbers={("supplier_invoice", "S1005"): [theirs]})) == \
        "duplicate_number"


def test_accounts_must_be_mapped_active_and_of_the_right_type():
    assert code(snap=snapshot(role_accounts={"materials_sales": INCOME})) == "account_unmapped"
    gone = snapshot(role_accounts={**snapshot().role_accounts,
                                   "labour_sales": dataclasses.replace(INCOME, active=False)})
    assert code(snap=gone) == "account_inactive"
    nominal = document(lines=(LineFacts("Labour", "labour", "999", Decimal("20")),))
    verdict = check(nominal, snapshot())
    assert (verdict.code, verdict.line) == ("account_inactive", 1)
    assert code(document(lines=(LineFacts("Labour", "labour", "400", Decimal("20")),))) == \
        "account_inactive"  # an expense account on a sales line
    assert code(document(lines=(LineFacts("Labour", "labour", "123", Decimal("20")),))) == \
        "account_unmapped"


def test_tax_rates_must_exist_be_active_and_usable_on_the_side():
    assert code(document(lines=(LineFacts("Labour", "labour", "", Decimal("12.5")),))) == \
        "tax_unmapped"
    supplier = document(kind="supplier_invoice", contact_id=11,
                        lines=(LineFacts("Timber", "purchase", "", Decimal("0")),))
    assert code(supplier) == "tax_unmapped"  # the 0% rate is for sales only
    inactive = snapshot(tax_rates=(TaxFacts("tax-20", Decimal("20"), False, True, True),))
    assert code(snap=inactive) == "tax_unmapped"


def test_blank_lines_and_lengths():
    verdict = check(document(lines=(LineFacts("Labour", "labour", "", Decimal("20")),
                                    LineFacts("  ", "labour", "", Decimal("20")))), snapshot())
    assert (verdict.code, verdict.line, verdict.message) == (
        "blank_line", 2, "A line has no text. Line 2.")
    assert code(document(number="S" + "9" * 21)) == "too_long"
    long_line = document(lines=(LineFacts("x" * 4001, "labour", "", Decimal("20")),))
    assert code(long_line) == "too_long"


def test_a_credit_note_waits_for_its_invoice():
    credit = document(kind="sales_credit_note", original_id=2)
    assert code(credit) == "waits_for_invoice"
    assert code(document(kind="sales_credit_note", original_id=1)) == "ready"


def test_currency_must_be_enabled_when_the_ledger_says():
    assert code(document(currency="EUR"), snapshot(currencies=frozenset({"GBP"}))) == \
        "currency_disabled"
    assert code(document(currency="EUR"), snapshot(currencies=frozenset())) == "ready"


def test_closed_period():
    locked = snapshot(lock_date=datetime.date(2026, 11, 2), lock_date_label="Xero period lock")
    verdict = check(document(), locked)
    assert verdict.code == "period_locked" and "2026-11-02" in verdict.message
    assert code(document(issue_date=datetime.date(2026, 11, 3)), locked) == "ready"


def test_check_all_answers_for_each_document():
    docs = [document(id=n, number=f"S{n}") for n in range(1, 4)] + [document(id=9, sent=False)]
    verdicts = check_all(docs, snapshot())
    assert [verdicts[n].code for n in (1, 2, 3, 9)] == ["ready"] * 3 + ["not_sent"]
