"""CSV import of documents: one row per line, rows grouped into documents by number.

Previewing imports the file inside a transaction and rolls it back, so it shows exactly what
commit will do (a credit note may refer to an invoice earlier in the same file) and writes
nothing; commit re-reads the same file and writes every document in one transaction, or none.
Re-importing a file finds each document by number and leaves identical ones unchanged, so it
never makes duplicates. Dates may be written as spreadsheets save them (15/11/2026), read day or
month first as the firm's Settings say. Between preview and commit the file waits in Redis for an
hour.
"""

import csv
import io
import uuid
from dataclasses import dataclass
from dataclasses import field

from models import db
from models.contact import Contact
from models.document import DocumentLocked
from models.money import MoneyError
from models.money import to_decimal
from services.documents import clean_document
from services.documents import upsert_document
from worker.queue import get_redis

HEADER_COLUMNS = ("number", "kind", "contact_number", "care_of_number", "issue_date", "due_date",
                  "currency", "reference", "status", "original_number", "notes")
LINE_COLUMNS = ("description", "quantity", "unit_price", "category", "nominal_code", "tax_rate")
COLUMNS = HEADER_COLUMNS + LINE_COLUMNS
REQUIRED = ("number", "kind", "contact_number", "issue_date", "description", "quantity",
            "unit_price", "tax_rate")
NUMERIC = {"quantity", "unit_price", "tax_rate"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXAMPLE_ROWS = [
    ["S10001", "sales_invoice", "A0001", "", "2026-01-15", "2026-02-14", "GBP", "Job 4411",
     "approved", "", "", "Boiler service", "1", "85.00", "labour", "", "20"],
    ["S10001", "sales_invoice", "A0001", "", "2026-01-15", "2026-02-14", "GBP", "Job 4411",
     "approved", "", "", "Pressure valve", "2", "12.50", "materials", "", "20"],
]


@dataclass
class ImportPlan:
    """What a file would do: documents (cleaned, first row, outcome) and problems by row."""

    documents: list = field(default_factory=list)
    row_errors: list = field(default_factory=list)
    file_errors: list = field(default_factory=list)
    row_count: int = 0
    date_order: str = "dmy"

    @property
    def ok(self):
        """True when the file can be committed."""
        return not self.row_errors and not self.file_errors

    @property
    def changes_nothing(self):
        """True when every document in a clean file is already there exactly as it has it."""
        return self.ok and all(outcome == "unchanged" for _, _, outcome in self.documents)

    def counts(self):
        """How many documents each outcome has."""
        totals = {}
        for _, _, outcome in self.documents:
            totals[outcome] = totals.get(outcome, 0) + 1
        return totals


def template_contact():
    """The customer the template's example rows use: the first by account number, or None."""
    return (Contact.select().where(Contact.kind == "customer").order_by(Contact.number).first())


def template_csv(contact=None):
    """The column layout with two example rows, for an existing customer when there is one."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    column = COLUMNS.index("contact_number")
    for row in EXAMPLE_ROWS:
        writer.writerow([*row[:column], contact.number if contact else row[column],
                         *row[column + 1:]])
    return out.getvalue()


def _decode(raw, plan, max_kb):
    if len(raw) > max_kb * 1024:
        plan.file_errors.append(f"The file is larger than {max_kb} KB. Split it into smaller "
                                "files.")
        return None
    if not raw.strip():
        plan.file_errors.append("The file is empty.")
        return None
    if b"\x00" in raw:
        plan.file_errors.append("This is not a CSV text file. Save it from your spreadsheet as "
                                "CSV UTF-8 (comma delimited).")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        plan.file_errors.append("The file is not UTF-8 text. In your spreadsheet choose "
                                "Save As, then CSV UTF-8 (comma delimited).")
        return None


def _check_columns(header, plan):
    names = [(name or "").strip().lower() for name in header]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if unknown:
        plan.file_errors.append("Unknown columns: " + ", ".join(unknown) + ". The columns are: "
                                + ", ".join(COLUMNS) + ".")
    if missing:
        plan.file_errors.append("Missing columns: " + ", ".join(missing) + ".")
    if duplicated:
        plan.file_errors.append("Columns given twice: " + ", ".join(duplicated) + ".")
    return names


def _formula_error(column, value):
    if not value.startswith(FORMULA_STARTS):
        return None
    if column in NUMERIC:
        try:
            to_decimal(value)
            return None
        except MoneyError:
            pass
    return (f"The {column} cell starts with '{value[:1].strip() or 'a tab'}' and looks like a "
            "spreadsheet formula; Ledgerlink does not accept formulas. Type the value itself.")


def _read_rows(text, plan, max_rows):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        plan.file_errors.append("The file has no header row.")
        return []
    names = _check_columns(header, plan)
    if plan.file_errors:
        return []
    rows = []
    try:
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                plan.file_errors.append(f"The file has more than {max_rows} rows. Split it.")
                return []
            if len(cells) > len(names):
                plan.row_errors.append((row_number, "", "The row has more cells than the header."))
            rows.append((row_number, dict(zip(names, (c.strip() for c in cells), strict=False))))
    except csv.Error as exc:
        plan.file_errors.append(f"The CSV is malformed near row {reader.line_num}: {exc}.")
        return []
    plan.row_count = len(rows)
    return rows


def _group(rows, plan):
    groups = {}
    for row_number, row in rows:
        for column, value in row.items():
            message = _formula_error(column, value)
            if message:
                plan.row_errors.append((row_number, column, message))
        key = row.get("number", "").upper()
        groups.setdefault(key, []).append((row_number, row))
    for key, members in groups.items():
        first = members[0][1]
        for row_number, row in members[1:]:
            for column in HEADER_COLUMNS:
                if row.get(column, "") != first.get(column, ""):
                    plan.row_errors.append((row_number, column, f"Differs from the first row of "
                                            f"{key or 'this document'}; every row of one "
                                            "document must repeat the same header values."))
    return groups


def _row_for(field_name, members):
    parts = field_name.split(".")
    if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
        index = int(parts[1])
        return members[min(index, len(members) - 1)][0], parts[-1]
    if parts[0] == "lines":
        return members[0][0], ""  # about the document's lines together, such as its total
    return members[0][0], parts[0]


def _apply(groups, plan, max_lines):
    """Upsert each document in file order (so a credit note may follow its invoice).

    A document with a problem in any of its rows is still upserted (inside the preview's rolled
    back transaction, so a credit note after it can be checked) but never listed as one that
    will be created or updated.
    """
    for key, members in groups.items():
        first = members[0][1]
        data = {column: first.get(column, "") for column in HEADER_COLUMNS}
        data["lines"] = [{column: row.get(column, "") for column in LINE_COLUMNS}
                         for _, row in members]
        rows_with_errors = {row for row, _, _ in plan.row_errors}
        cleaned, errors = clean_document(data, key, max_lines, date_order=plan.date_order)
        for error in errors:
            row_number, column = _row_for(error["field"], members)
            plan.row_errors.append((row_number, column, error["message"]))
        if errors:
            continue
        try:
            with db.atomic():
                _, outcome = upsert_document(cleaned)
        except DocumentLocked:
            plan.row_errors.append((members[0][0], "number", f"{key} is synced to the ledger "
                                    "and cannot change; raise a credit note instead."))
            continue
        if not rows_with_errors & {row for row, _ in members}:
            plan.documents.append((cleaned, members[0][0], outcome))


def _run(raw, max_kb, max_rows, max_lines, write, date_order):
    plan = ImportPlan(date_order=date_order)
    text = _decode(raw, plan, max_kb)
    if text is None:
        return plan
    groups = _group(_read_rows(text, plan, max_rows), plan)
    with db.atomic() as transaction:
        _apply(groups, plan, max_lines)
        if not (write and plan.ok):
            transaction.rollback()
    plan.row_errors.sort(key=lambda error: (error[0], error[1]))
    return plan


def plan_import(raw, max_kb, max_rows, max_lines, date_order="dmy"):
    """Check a file by importing it in a transaction that is rolled back; return the plan."""
    return _run(raw, max_kb, max_rows, max_lines, write=False, date_order=date_order)


def commit_import(raw, max_kb, max_rows, max_lines, date_order="dmy"):
    """Import the file in one transaction: every document, or none when any has a problem."""
    return _run(raw, max_kb, max_rows, max_lines, write=True, date_order=date_order)


UPLOAD_KEPT_SECONDS = 3600
_UPLOAD_KEY = "ledgerlink:csv-import:{}"


def _upload_key(owner_id, token):
    # A kept file belongs to whoever previewed it: another user's token finds nothing.
    return _UPLOAD_KEY.format(f"{owner_id}:{token if token.isalnum() else '-'}")


def keep_upload(raw, date_order, owner_id):
    """Keep a previewed file and the date order it was read with until its owner commits it (or
    an hour passes); return its token."""
    token = uuid.uuid4().hex
    key = _upload_key(owner_id, token)
    redis = get_redis()
    with redis.pipeline() as pipe:
        pipe.hset(key, mapping={"file": raw, "date_order": date_order})
        pipe.expire(key, UPLOAD_KEPT_SECONDS)
        pipe.execute()
    return token


def kept_upload(token, owner_id):
    """(file, date order) the owner kept under this token, or None when it expired, never
    existed or is someone else's."""
    kept = get_redis().hgetall(_upload_key(owner_id, token))
    if not kept:
        return None
    return kept[b"file"], kept[b"date_order"].decode()


def forget_upload(token, owner_id):
    """Drop a kept file once it has been committed."""
    get_redis().delete(_upload_key(owner_id, token))
