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


# Far beyond any amount, quantity or rate, yet small enough that no arithmetic on the value can
# overflow the decimal context (1e999999999 would, in abs() or quantize()).
MAX_INTEGER_DIGITS = 18
MAX_DECIMAL_PLACES = 30
MAX_TEXT_LENGTH = 60


def to_decimal(value):
    """An exact Decimal from a Decimal, int or string; floats and junk raise MoneyError.

    The one money parser: every amount from a form, the API or a CSV file comes through here,
    so a value out of all proportion is refused with a message instead of overflowing later.
    """
    if isinstance(value, (bool, float)):
        raise MoneyError("must be an exact decimal, not a floating-point number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        if abs(value) >= 10 ** MAX_INTEGER_DIGITS:
            raise MoneyError("is too large")
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        if len(text) > MAX_TEXT_LENGTH:
            raise MoneyError("has too many digits")
        try:
            result = Decimal(text)
        except InvalidOperation as exc:
            raise MoneyError("is not a number") from exc
    else:
        raise MoneyError("is not a number")
    if not result.is_finite():
        raise MoneyError("is not a finite number")
    if result and result.adjusted() >= MAX_INTEGER_DIGITS:
        raise MoneyError("is too large")
    if result.as_tuple().exponent < -MAX_DECIMAL_PLACES:
        raise MoneyError("has too many decimal places")
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
