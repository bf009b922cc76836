"""Xero sandbox data: demo tenants, Xero's date and money formats, and its `where` filter."""

import re
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import ROUND_HALF_UP
from decimal import Decimal

# A UK chart in the style of Xero's demo company: (code, name, type, tax type, status).
UK_ACCOUNTS = [
    ("090", "Business Bank Account", "BANK", "NONE", "ACTIVE"),
    ("200", "Sales", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "ACTIVE"),
    ("270", "Interest Income", "OTHERINCOME", "NONE", "ACTIVE"),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "ACTIVE"),
    ("320", "Direct Wages", "DIRECTCOSTS", "NONE", "ACTIVE"),
    ("400", "Advertising", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("429", "General Expenses", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("433", "Insurance", "OVERHEADS", "EXEMPTINPUT", "ACTIVE"),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2", "ACTIVE"),
    ("480", "Staff Training", "OVERHEADS", "INPUT2", "ARCHIVED"),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "ACTIVE"),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "ACTIVE"),
    ("820", "VAT", "CURRLIAB", "NONE", "ACTIVE"),
]
CLASS_BY_TYPE = {
    "BANK": "ASSET", "CURRENT": "ASSET", "FIXED": "ASSET", "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET", "PREPAYMENT": "ASSET", "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY", "TERMLIAB": "LIABILITY", "EQUITY": "EQUITY",
    "REVENUE": "REVENUE", "SALES": "REVENUE", "OTHERINCOME": "REVENUE",
    "DIRECTCOSTS": "EXPENSE", "EXPENSE": "EXPENSE", "OVERHEADS": "EXPENSE",
    "DEPRECIATN": "EXPENSE",
}
SYSTEM_ACCOUNTS = {"610": "DEBTORS", "800": "CREDITORS", "820": "GST"}
# UK VAT rates: (name, tax type, rate, report tax type, revenue?, expenses?).
UK_TAX_RATES = [
    ("20% (VAT on Income)", "OUTPUT2", "20.0000", "OUTPUT", True, False),
    ("20% (VAT on Expenses)", "INPUT2", "20.0000", "INPUT", False, True),
    ("5% (VAT on Income)", "RROUTPUT", "5.0000", "OUTPUT", True, False),
    ("5% (VAT on Expenses)", "RRINPUT", "5.0000", "INPUT", False, True),
    ("Zero Rated Income", "ZERORATEDOUTPUT", "0.0000", "OUTPUT", True, False),
    ("Zero Rated Expenses", "ZERORATEDINPUT", "0.0000", "INPUT", False, True),
    ("Exempt Income", "EXEMPTOUTPUT", "0.0000", "EXEMPTOUTPUT", True, False),
    ("Exempt Expenses", "EXEMPTINPUT", "0.0000", "EXEMPTINPUT", False, True),
    ("No VAT", "NONE", "0.0000", "NONE", True, True),
]
UK_CONTACTS = [
    ("Bayside Club", "secretary@bayside.example"),
    ("Ridgeway University", "accounts@ridgeway.example"),
    ("PC Complete", "sales@pccomplete.example"),
    ("Swanston Security", "billing@swanston.example"),
]
DEMO_TENANTS = [("Demo Company (UK)", "uk"), ("Ledgerlink Trading Ltd", "uk")]


def new_id():
    """A Xero-style GUID."""
    return str(uuid.uuid4())


def ms_date(value):
    """A date or epoch-seconds value as Xero's `/Date(ms+0000)/`."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, datetime):
        value = value.timestamp()
    return f"/Date({int(value * 1000)}+0000)/"


_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")


def parse_date(raw):
    """A date from `YYYY-MM-DD`, `YYYY-MM-DDThh:mm:ss` or `/Date(ms)/`; None if unreadable."""
    if not isinstance(raw, str) or not raw:
        return None
    match = _MS_DATE.match(raw)
    try:
        if match:
            return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC).date()
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def money(value, places=2):
    """Round half away from zero, as Xero does per line."""
    quantum = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def decimal_or_none(raw):
    """A Decimal from a JSON number or numeric string, else None."""
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


class WhereError(ValueError):
    """A `where` expression the sandbox cannot parse (Xero answers 400)."""


_CLAUSE = re.compile(
    r'^\s*([A-Za-z][A-Za-z.]*)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|(true|false)'
    r'|[Gg]uid\("([^"]*)"\))\s*$')


def parse_where(expression):
    """Xero's `where` as a list of OR-groups of (field, op, value) AND-clauses."""
    groups = []
    for group in re.split(r"\s+(?:OR|\|\|)\s+", expression.strip()):
        clauses = []
        for clause in re.split(r"\s+(?:AND|&&)\s+", group):
            match = _CLAUSE.match(clause)
            if not match:
                raise WhereError(f"could not parse {clause!r}")
            field, op, text, flag, guid = match.groups()
            if flag is not None:
                value = flag == "true"
            else:
                value = guid if guid is not None else text.replace('\\"', '"')
            clauses.append((field, op, value))
        groups.append(clauses)
    return groups


def where_matches(groups, record):
    """True when a record (a Xero JSON object) satisfies the parsed `where`."""
    def value_of(path):
        current = record
        for part in path.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        return current

    def holds(field, op, value):
        actual = value_of(field)
        equal = actual == value
        return equal if op == "==" else not equal

    return any(all(holds(*clause) for clause in group) for group in groups)
