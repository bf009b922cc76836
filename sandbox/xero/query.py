"""Xero's `where` filter as the sandbox reads it: `Field=="text"`, `!=`, `true/false` and
`Guid("...")` clauses joined by AND/OR (AND binds tighter), no parentheses or methods."""

import re


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
