"""Property tests (hypothesis): the money parser, the cursor codec and the CSV import never
raise on any input, and a refused import writes nothing (issue 14.6)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.routes import snapshot
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import models
from models.money import MoneyError
from models.money import line_amounts
from models.money import to_decimal
from services.csv_import import COLUMNS
from services.csv_import import commit_import
from services.csv_import import plan_import
from services.cursors import MAX_ID
from services.cursors import decode_cursor
from services.cursors import encode_cursor
from services.cursors import parse_id
from services.validation import Errors
from services.validation import clean_decimal

COUNTS = {"money": 400, "cursor": 400, "csv": 60}

NUMBER_TEXT = st.one_of(
    st.text(max_size=80),
    st.from_regex(r"-?[0-9]{0,25}(\.[0-9]{0,35})?([eE][-+]?[0-9]{1,12})?", fullmatch=True),
    st.sampled_from(["1e999999999", "-1e-999999999", "NaN", "Infinity", "sNaN", "1,000.50",
                     "９", "²", "0E-1000000", " 12.50 ", "\x00"]))
ANY_AMOUNT = st.one_of(NUMBER_TEXT, st.integers(), st.decimals(), st.floats(), st.none(),
                       st.booleans(), st.lists(st.integers(), max_size=2))


@settings(max_examples=COUNTS["money"], deadline=None)
@given(ANY_AMOUNT)
def test_the_money_parser_answers_or_refuses_and_never_overflows(value):
    try:
        number = to_decimal(value)
    except MoneyError:
        number = None
    if number is not None:
        assert number.is_finite() and abs(number) < Decimal(10) ** 18
    errors = Errors()
    cleaned = clean_decimal(value, "lines.0.unit_price", errors, 4, Decimal(10) ** 10,
                            label="unit price")
    if not errors:
        net, tax, gross = line_amounts(Decimal(1), cleaned, Decimal("20"))
        assert gross == net + tax
    else:
        assert all(len(error["message"]) < 200 for error in errors)


@settings(max_examples=COUNTS["cursor"], deadline=None)
@given(st.one_of(st.text(max_size=60), st.from_regex(r"[A-Za-z0-9_-]{0,40}", fullmatch=True),
                 st.binary(max_size=40).map(lambda b: b.decode("latin-1"))),
       st.sampled_from([("id",), ("date", "id"), ("id", "text")]))
def test_the_cursor_decoder_never_raises(cursor, kinds):
    parts = decode_cursor(cursor, *kinds)
    if parts is not None:
        assert len(parts) == len(kinds)
        for kind, part in zip(kinds, parts, strict=True):
            if kind == "id":
                assert 0 <= part <= MAX_ID
            elif kind == "date":
                assert isinstance(part, datetime.date)
    assert parse_id(cursor) is None or 0 <= parse_id(cursor) <= MAX_ID


@settings(max_examples=COUNTS["cursor"], deadline=None)
@given(st.dates(), st.integers(0, MAX_ID), st.text(max_size=50))
def test_cursors_round_trip(day, row_id, name):
    assert decode_cursor(encode_cursor(day, row_id), "date", "id") == (day, row_id)
    assert decode_cursor(encode_cursor(row_id, name), "id", "text") == (row_id, name)
    assert decode_cursor(encode_cursor(row_id), "id") == (row_id,)


CELL = st.one_of(st.sampled_from(["", "S1", "S2", "A0001", "A0404", "sales_invoice",
                                  "sales_credit_note", "2026-03-01", "2026-02-30", "GBP", "1",
                                  "20", "labour", "1e999999999", "=cmd|' /C calc'!A0", "\x00",
                                  "99999999999", "approved", "-5", "²"]),
                 st.text(max_size=12))


@st.composite
def csv_files(draw):
    """A CSV with the real header and rows mixing sound and hostile cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    sound = {"number": "S1", "kind": "sales_invoice", "contact_number": "A0001",
             "issue_date": "2026-03-01", "currency": "GBP", "status": "approved",
             "description": "Labour", "quantity": "1", "unit_price": "50",
             "category": "labour", "tax_rate": "20"}
    for _ in range(draw(st.integers(1, 6))):
        row = dict(sound)
        for column in draw(st.lists(st.sampled_from(COLUMNS), max_size=4)):
            row[column] = draw(CELL)
        writer.writerow([row.get(column, "") for column in COLUMNS])
    raw = out.getvalue().encode("utf-8", "surrogatepass")
    return draw(st.one_of(st.just(raw), st.binary(max_size=200), st.just(raw[:draw(
        st.integers(0, len(raw)))])))


@pytest.fixture
def import_app(app):
    add_contact(app)
    add_document(app, "S9")
    return app


@settings(max_examples=COUNTS["csv"], deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=csv_files())
def test_the_csv_import_never_fails_and_writes_all_or_nothing(import_app, raw):
    before = snapshot(import_app)
    with import_app.app_context(), models.db.connection_context():
        plan = plan_import(raw, 2048, 5000, 200)
    assert snapshot(import_app) == before  # a preview never writes
    with import_app.app_context(), models.db.connection_context():
        committed = commit_import(raw, 2048, 5000, 200)
    after = snapshot(import_app)
    assert committed.ok == plan.ok
    if not committed.ok:
        assert after == before  # nothing partially written
    for _row, _column, message in committed.row_errors:
        assert len(message) < 400
