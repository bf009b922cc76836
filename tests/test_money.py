"""The rounding rule in models/money.py, for any quantities, prices and rates."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.money import MoneyError
from models.money import document_totals
from models.money import line_amounts
from models.money import round_money
from models.money import to_decimal

quantities = st.decimals(min_value=-10000, max_value=10000, places=4)
prices = st.decimals(min_value=-1000000, max_value=1000000, places=4)
rates = st.decimals(min_value=0, max_value=100, places=3)


@given(quantities, prices, rates)
def test_a_line_adds_up_and_is_in_pennies(quantity, price, rate):
    net, tax, gross = line_amounts(quantity, price, rate)
    assert gross == net + tax
    for amount in (net, tax, gross):
        assert isinstance(amount, Decimal)
        assert amount == amount.quantize(Decimal("0.01"))
    assert abs(net - quantity * price) <= Decimal("0.005")
    assert abs(tax - net * rate / 100) <= Decimal("0.005")


@given(st.lists(st.tuples(quantities, prices, rates), min_size=0, max_size=30))
def test_document_totals_are_the_sums_of_rounded_lines(lines):
    triples = [line_amounts(*line) for line in lines]
    net, tax, gross = document_totals(triples)
    assert gross == net + tax
    assert net == sum((t[0] for t in triples), Decimal(0))
    assert tax == sum((t[1] for t in triples), Decimal(0))
    assert gross == sum((t[2] for t in triples), Decimal(0))


@pytest.mark.parametrize(("amount", "expected"), [
    ("0.005", "0.01"), ("0.015", "0.02"), ("2.675", "2.68"), ("-0.005", "-0.01"),
    ("1.004999", "1.00"), ("10", "10.00"),
])
def test_half_up_rounding(amount, expected):
    assert round_money(amount) == Decimal(expected)


def test_per_line_rounding_differs_from_rounding_the_total():
    # Three lines of 1 x 0.333 at 20%: each line rounds to 0.33 net and 0.07 tax.
    triples = [line_amounts("1", "0.333", "20")] * 3
    assert document_totals(triples) == (Decimal("0.99"), Decimal("0.21"), Decimal("1.20"))


@pytest.mark.parametrize("bad", [0.1, True, "abc", "NaN", "Infinity", None, [1]])
def test_floats_and_junk_are_refused(bad):
    with pytest.raises(MoneyError):
        to_decimal(bad)
