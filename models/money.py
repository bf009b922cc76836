"""The one place that says how money is computed: Decimal only, rounded per line, summed.

The rule: a line's net is quantity x unit price rounded to 2 places, half up (0.005 -> 0.01,
-0.005 -> -0.01: half away from zero). Its tax is net x rate / 100, rounded the same way. Its gross
is net + tax (never rounded again, so gross = net + tax exactly). A document's net, tax and gross
totals are the sums of its lines' rounded net, tax and gross. Floats are refused.
"""

from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class MoneyError(ValueError):
    """A value that cannot be used as an exact decimal amount."""


def to_decimal(value):
    """An exact Decimal from a Decimal, int or string; floats and junk raise MoneyError."""
    if isinstance(value, (bool, float)):
        raise MoneyError("must be an exact decimal, not a floating-point number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation as exc:
            raise MoneyError("is not a number") from exc
    else:
        raise MoneyError("is not a number")
    if not result.is_finite():
        raise MoneyError("is not a finite number")
    return result


def round_money(amount):
    """Round to 2 places, half up (away from zero on a tie)."""
    return to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(quantity, unit_price, tax_rate):
    """(net, tax, gross) of one line; tax_rate is a percentage such as 20."""
    net = round_money(to_decimal(quantity) * to_decimal(unit_price))
    tax = round_money(net * to_decimal(tax_rate) / Decimal(100))
    return net, tax, net + tax


def format_price(value):
    """A unit price as stored, never rounded: 2 to 4 decimals with thousands commas (12.345)."""
    amount = to_decimal(value)
    decimals = -min(amount.normalize().as_tuple().exponent, 0)
    return f"{amount:,.{min(max(decimals, 2), 4)}f}"


def document_totals(lines):
    """(net, tax, gross) of a document from its lines' (net, tax, gross) triples."""
    net = tax = gross = ZERO
    for line_net, line_tax, line_gross in lines:
        net, tax, gross = net + line_net, tax + line_tax, gross + line_gross
    return net, tax, gross
