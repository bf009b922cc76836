"""The one layer every provider reads answers through (providers.answers): its field readers,
paging and what it logs (scrubbed by the app's log filter: test_logging.py). How each provider
uses it against the sandbox's odd answers is tested in test_contract.py and the provider
tests."""

from datetime import date
from decimal import Decimal

import pytest

from providers import answers
from providers.answers import UnexpectedAnswer
from providers.answers import UnexpectedShape


@pytest.mark.parametrize(("value", "expected"), [
    ([{"id": 1}, {"id": 2}], [{"id": 1}, {"id": 2}]),
    ({"id": 1}, [{"id": 1}]),  # one object where the list belongs (Zoho's credit-note list)
    ({}, []),
    (None, []),
    ([], []),
])
def test_records_read_a_list_or_one_object(value, expected):
    assert answers.records({"rows": value}, "rows") == expected


@pytest.mark.parametrize("body", [{}, {"rows": "x"}, {"rows": [1, 2]}, {"rows": [{}, "x"]}, [],
                                  "html"])
def test_records_of_another_shape_are_unexpected(body):
    with pytest.raises(UnexpectedShape):
        answers.records(body, "rows")


def test_records_may_be_left_out_where_the_package_leaves_empty_lists_out():
    assert answers.records({}, "Invoice", missing_ok=True) == []
    with pytest.raises(UnexpectedShape):
        answers.records("html", "Invoice", missing_ok=True)


@pytest.mark.parametrize(("value", "expected"), [
    (460000000031397, "460000000031397"), ("460000000031397", "460000000031397"),
    ("4f1c-ab", "4f1c-ab")])
def test_ids_are_strings(value, expected):
    assert answers.ident(value) == expected


@pytest.mark.parametrize("value", [None, "", "  ", True, 4.6e14, {"id": 1}, [1]])
def test_what_is_not_an_id_is_unexpected(value):
    with pytest.raises(UnexpectedShape):
        answers.ident(value)
    if value in (None, ""):
        assert answers.optional_ident(value) is None


def test_absent_means_active_unless_the_package_says_otherwise():
    assert answers.active(None, ("ACTIVE",)) is True
    assert answers.active("", ("ACTIVE",)) is True
    assert answers.active("ACTIVE", ("ACTIVE",)) is True
    assert answers.active("active", ("ACTIVE",)) is True
    assert answers.active("ARCHIVED", ("ACTIVE",)) is False
    assert answers.flag(None, True) is True and answers.flag(False, True) is False
    assert answers.flag("false", True) is False
    with pytest.raises(UnexpectedShape):
        answers.flag("maybe", True)


def test_text_and_money():
    assert answers.text(None) == "" and answers.text(1001) == "1001"
    assert answers.text("S-1") == "S-1"
    assert answers.money(None) == 0 and answers.money("12.30") == Decimal("12.30")
    assert answers.money(12.3) == Decimal("12.3")
    for wrong in ({"amount": 1}, True, "twelve", "NaN", "Infinity"):
        with pytest.raises(UnexpectedShape):
            answers.money(wrong)


def test_days_from_dates_and_date_times():
    assert answers.day(None) is None and answers.day("") is None
    assert answers.day("2025-03-31") == date(2025, 3, 31)
    assert answers.day("2025-03-31T23:59:59+01:00") == date(2025, 3, 31)
    for wrong in (20250331, "31/03/2025", "soon", {"date": "2025-03-31"}):
        with pytest.raises(UnexpectedShape):
            answers.day(wrong)


def test_a_list_read_one_page_a_call_stops_at_an_empty_page_and_past_the_limit():
    assert answers.next_page("Ledger", 1, [{"id": "1"}], more=True) == 2
    assert answers.next_page("Ledger", 1, [{"id": "1"}], more=False) is None
    assert answers.next_page("Ledger", 7, [], more=True) is None  # "more" on an empty page
    with pytest.raises(UnexpectedAnswer, match="more pages follow after 3 pages"):
        answers.next_page("Ledger", 3, [{"id": "1"}], more=True, max_pages=3)
    answers.check_pages("Ledger", 3, more=False, max_pages=3)  # the last page: no error
    with pytest.raises(UnexpectedAnswer):
        answers.check_pages("Ledger", 3, more=True, max_pages=3)


def _fetcher(pages_of):
    calls = []

    def fetch(number):
        calls.append(number)
        return pages_of(number)

    return fetch, calls


def test_pages_stop_at_the_last_page_an_empty_page_or_a_repeated_page():
    fetch, calls = _fetcher(lambda n: ([n], n < 3))
    assert list(answers.pages("Ledger", fetch)) == [1, 2, 3] and calls == [1, 2, 3]
    fetch, calls = _fetcher(lambda n: ([n] if n < 3 else [], True))  # "more" for ever
    assert list(answers.pages("Ledger", fetch)) == [1, 2] and calls == [1, 2, 3]
    fetch, calls = _fetcher(lambda n: ([min(n, 2)], True))  # the last page again and again
    assert list(answers.pages("Ledger", fetch)) == [1, 2] and calls == [1, 2, 3]


def test_pages_past_the_limit_are_a_plain_error():
    fetch, calls = _fetcher(lambda n: ([n], True))
    with pytest.raises(UnexpectedAnswer) as failure:
        list(answers.pages("Ledger", fetch, max_pages=4))
    assert calls == [1, 2, 3, 4] and failure.value.code == "unexpected_answer"
    assert failure.value.message == ("Ledger kept saying more pages follow after 4 pages, so "
                                     "Ledgerlink stopped reading the list; nothing was changed.")


def test_a_raw_answer_is_cut_for_the_log():
    """Secrets in it are masked by the app's log filter, as in every record (test_logging)."""
    assert answers.cut("<p>short</p>") == "<p>short</p>"
    html = "<html>" + "x" * 5000 + "</html>"
    cut = answers.cut(html)
    assert len(cut) < answers.RAW_LIMIT + 40 and cut.endswith(f"... ({len(html)} characters)")


def test_an_error_before_any_answer_passes_through_unchanged():
    class Reader:
        name = "Ledger"

        @answers.tolerant
        def read(self):
            raise ValueError("a caller's mistake")

    with pytest.raises(ValueError, match="a caller's mistake"):
        Reader().read()
