"""The QuickBooks Online query language, as far as Ledgerlink uses it.

`select * | count(*) | Field, ... from Entity [where A op v [and ...]] [orderby F [asc|desc]]
[startposition n] [maxresults m]`; operators =, <, >, <=, >=, in, like (only %); no OR, no JOIN.
"""

import re
from decimal import Decimal
from decimal import InvalidOperation

from sandbox.qbo.errors import QboFault

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
# Name lists answer active records only unless the query filters on Active.
NAME_LISTS = {"Account", "Customer", "Vendor", "Employee", "Item"}

_QUERY = re.compile(
    r"^\s*select\s+(?P<fields>.+?)\s+from\s+(?P<entity>\w+)"
    r"(?:\s+where\s+(?P<where>.+?))?"
    r"(?:\s+orderby\s+(?P<order>[\w.]+)(?:\s+(?P<dir>asc|desc))?)?"
    r"(?:\s+startposition\s+(?P<start>\d+))?"
    r"(?:\s+maxresults\s+(?P<max>\d+))?\s*$", re.I | re.S)
_STRING = r"'(?:\\.|[^'\\])*'"
_CONDITION = re.compile(
    rf"\s*(?P<field>[\w.]+)\s*(?P<op><=|>=|=|<|>|\bin\b|\blike\b)\s*"
    rf"(?P<value>{_STRING}|\((?:{_STRING}|[^()'])*\)|[\w.+:-]+)\s*", re.I)
_AND = re.compile(r"and\b", re.I)


def parse_error(detail):
    """QuickBooks' answer to a query it cannot parse."""
    return QboFault("4000", "Error parsing query", f"QueryParserError: {detail}")


def run_query(text, collections):
    """Run a query against {entity: {id: record}}; return the QueryResponse dict."""
    match = _QUERY.match(text or "")
    if not match:
        raise parse_error(f"Encountered an unexpected token in \"{(text or '')[:80]}\"")
    entity = _entity_name(match["entity"], collections)
    conditions = _conditions(match["where"] or "")
    records = list(collections.get(entity, {}).values())
    if entity in NAME_LISTS and not any(c[0].lower() == "active" for c in conditions):
        conditions.append(("Active", "=", True))
    records = [r for r in records if all(_holds(r, *c) for c in conditions)]
    order = match["order"] or "Id"
    records.sort(key=lambda r: _sort_key(_get(r, order)),
                 reverse=(match["dir"] or "").lower() == "desc")
    fields = match["fields"].strip()
    if fields.lower() == "count(*)":
        return {"totalCount": len(records)}
    start = max(1, int(match["start"] or 1))
    limit = min(MAX_RESULTS, int(match["max"] or DEFAULT_RESULTS))
    page = records[start - 1:start - 1 + limit]
    if fields != "*":
        wanted = [f.strip() for f in fields.split(",")]
        page = [{**{k: r[k] for k in wanted if k in r}, "Id": r["Id"], "domain": "QBO",
                 "sparse": True} for r in page]
    if not page:
        return {}
    return {entity: page, "startPosition": start, "maxResults": len(page)}


def _entity_name(name, collections):
    for known in collections:
        if known.lower() == name.lower():
            return known
    raise QboFault("4001", "Invalid query",
                   f"QueryValidationError: Entity '{name}' is not supported or unknown.")


def _conditions(where):
    out, rest = [], where.strip()
    while rest:
        match = _CONDITION.match(rest)
        if not match:
            raise parse_error(f"Encountered \"{rest[:40]}\" in the where clause (only "
                              "=, <, >, <=, >=, IN and LIKE joined by AND are supported)")
        out.append((match["field"], match["op"].lower(), _value(match["value"])))
        rest = rest[match.end():]
        if rest:
            joined = _AND.match(rest)
            if not joined:
                raise parse_error(f"Encountered \"{rest[:40]}\"; only AND joins conditions")
            rest = rest[joined.end():]
    return out


def _value(raw):
    if raw.startswith("("):
        return [_value(v.strip()) for v in re.findall(rf"{_STRING}|[^,()\s]+", raw)]
    if raw.startswith("'"):
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    return raw


def _get(record, path):
    value = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = next((v for k, v in value.items() if k.lower() == part.lower()), None)
    if isinstance(value, dict) and "value" in value:
        value = value["value"]
    return value


def _comparable(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    text = str(value)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text.lower()


def _holds(record, field, op, expected):
    actual = _comparable(_get(record, field))
    if op == "in":
        return actual in [_comparable(v) for v in expected]
    if op == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in str(expected).lower().split("%")) + "$"
        return actual is not None and re.match(pattern, str(actual).lower()) is not None
    wanted = _comparable(expected)
    if op == "=":
        return actual == wanted
    if actual is None or type(actual) is not type(wanted):
        return False
    return {"<": actual < wanted, ">": actual > wanted, "<=": actual <= wanted,
            ">=": actual >= wanted}[op]


def _sort_key(value):
    value = _comparable(value)
    if isinstance(value, Decimal):
        return (0, value, "")
    return (1, Decimal(0), str(value))
