"""CSV import: template, preview with row errors, all-or-nothing commit, re-import is a no-op."""

import csv
import io
import re

from conftest import csrf_token
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import mark_synced

import models
from models.document import Document
from models.document import DocumentLine
from services.csv_import import COLUMNS


def _csv(rows, columns=COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def _row(number="S1", description="Labour", **extra):
    row = {"number": number, "kind": "sales_invoice", "contact_number": "A0001",
           "issue_date": "2026-03-01", "currency": "GBP", "status": "approved",
           "description": description, "quantity": "1", "unit_price": "50",
           "category": "labour", "tax_rate": "20"}
    row.update(extra)
    return row


def _upload(client, content, name="documents.csv"):
    token = csrf_token(client, "/documents/import")
    return client.post("/documents/import", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)})


def _commit(client, preview):
    action = re.search(r'action="(/documents/import/[0-9a-f]+)"', preview.get_data(as_text=True))
    assert action, preview.get_data(as_text=True)
    token = csrf_token(client, "/documents/import")
    return client.post(action.group(1), data={"csrf_token": token})


def _count(app):
    with app.app_context(), models.db.connection_context():
        return Document.select().count(), DocumentLine.select().count()


def test_template_has_every_column_and_imports_cleanly(app, staff_client):
    add_contact(app)
    template = staff_client.get("/documents/import/template.csv")
    assert template.mimetype == "text/csv"
    assert template.data.decode().splitlines()[0] == ",".join(COLUMNS)
    preview = _upload(staff_client, template.data)
    assert preview.status_code == 200
    assert _commit(staff_client, preview).status_code == 302
    assert _count(app) == (1, 2)


def test_preview_writes_nothing_commit_writes_all_and_reimport_changes_nothing(app, staff_client):
    add_contact(app)
    content = _csv([_row("S1"), _row("S1", "Parts", category="materials"), _row("S2")])
    preview = _upload(staff_client, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Import 2 documents" in html
    assert _count(app) == (0, 0)
    same_file_twice = _upload(staff_client, content)  # previewed before the first commit
    committed = _commit(staff_client, preview)
    assert committed.status_code == 302
    assert _count(app) == (2, 3)
    page = staff_client.get("/documents/").get_data(as_text=True)
    assert "2 created, 0 updated, 0 unchanged" in page
    again = _upload(staff_client, content)
    assert "unchanged" in again.get_data(as_text=True)
    # A re-import where nothing changes says so and offers no import.
    assert "Nothing to import: all 2 documents in this file are already in Ledgerlink" in (
        again.get_data(as_text=True))
    assert 'id="import-commit"' not in again.get_data(as_text=True)
    # A preview made before the file went in still commits, and changes nothing.
    _commit(staff_client, same_file_twice)
    assert _count(app) == (2, 3)
    assert "0 created, 0 updated, 2 unchanged" in staff_client.get("/documents/").get_data(
        as_text=True)


def test_row_errors_are_shown_and_nothing_can_be_committed(app, staff_client):
    add_contact(app)
    content = _csv([_row("S1"), _row("S2", quantity="lots"), _row("S3", contact_number="A9"),
                    _row("S4", description="=HYPERLINK(\"http://x\")"),
                    _row("S5", quantity="-2"), _row("S1", "Other", issue_date="2026-03-02"),
                    _row("S5", "Call-out", quantity="3")])  # a total below zero is refused
    preview = _upload(staff_client, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422 and "Nothing has been imported" in html
    assert 'id="import-commit"' not in html
    errors = re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]+)</td></tr>", html)
    by_row = {(int(row), column) for row, column, _ in errors}
    assert (3, "quantity") in by_row
    assert (4, "contact_number") in by_row
    assert (5, "description") in by_row and "formula" in html
    assert (7, "issue_date") in by_row
    assert not any(row in (2, 6) for row, _ in by_row)  # S1's first row and a credit of -2 are fine
    assert not any(row == 8 for row, _ in by_row)  # S5 totals 50.00 + 20% with its -2 line
    assert _count(app) == (0, 0)


def test_commit_rolls_back_everything_when_one_document_fails(app, staff_client):
    add_contact(app)
    locked = add_document(app, "S2")
    mark_synced(app, locked.id)
    content = _csv([_row("S1"), _row("S2", unit_price="75")])
    preview = _upload(staff_client, content)
    assert preview.status_code == 422
    assert "synced to the ledger" in preview.get_data(as_text=True)
    # The lock can also arrive between preview and commit: then nothing is written either.
    ok = _upload(staff_client, _csv([_row("S1"), _row("S3")]))
    add_document(app, "S3")
    mark_synced(app, _id(app, "S3"))
    response = _commit(staff_client, ok)
    assert response.status_code == 422
    assert _count(app) == (2, 2)  # S2 and S3 only; S1 was rolled back


def _id(app, number):
    with app.app_context(), models.db.connection_context():
        return Document.get(Document.number == number).id


def test_a_credit_note_may_follow_its_invoice_in_the_same_file(app, staff_client):
    add_contact(app)
    content = _csv([_row("S1"), _row("C1", kind="sales_credit_note", original_number="S1")])
    preview = _upload(staff_client, content)
    assert preview.status_code == 200 and _count(app) == (0, 0)
    _commit(staff_client, preview)
    with app.app_context(), models.db.connection_context():
        assert Document.get(Document.number == "C1").original.number == "S1"


def test_file_level_problems_get_clear_messages(app, staff_client):
    add_contact(app)
    latin1 = _csv([_row("S1", "Café")]).decode().encode("latin-1")
    assert "not UTF-8" in _upload(staff_client, latin1).get_data(as_text=True)
    wrong = _csv([{"number": "S1", "colour": "red"}], columns=["number", "colour"])
    html = _upload(staff_client, wrong).get_data(as_text=True)
    assert "Unknown columns: colour" in html and "Missing columns: kind" in html
    app.config["CSV_MAX_KB"] = 1
    big = _csv([_row(f"S{n}") for n in range(40)])
    assert "larger than 1 KB" in _upload(staff_client, big).get_data(as_text=True)
    app.config["CSV_MAX_KB"] = 2048
    app.config["CSV_MAX_ROWS"] = 3
    assert "more than 3 rows" in _upload(staff_client, big).get_data(as_text=True)
    assert "The file is empty." in _upload(staff_client, b"").get_data(as_text=True)
    assert _count(app) == (0, 0)


def test_a_failure_half_way_through_the_commit_leaves_nothing_behind(app, staff_client,
                                                                      monkeypatch):
    from models.document import DocumentLocked
    from services import csv_import

    add_contact(app)
    preview = _upload(staff_client, _csv([_row("S1"), _row("S2"), _row("S3")]))
    real_upsert, calls = csv_import.upsert_document, []

    def fail_on_third(cleaned):
        calls.append(cleaned["number"])
        if len(calls) == 3:
            raise DocumentLocked()
        return real_upsert(cleaned)

    monkeypatch.setattr(csv_import, "upsert_document", fail_on_third)
    response = _commit(staff_client, preview)
    assert calls == ["S1", "S2", "S3"]
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing has been imported" in html
    assert "S3 is synced to the ledger" in html
    assert _count(app) == (0, 0)
