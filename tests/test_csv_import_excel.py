"""CSV import as a UK office meets it: dates as Excel saves them, read as Settings say; a
template for contacts that exist; an errored row never listed as created."""

import csv
import datetime
import io
import re

from helpers.docs import add_contact
from helpers.docs import document_payload
from test_csv_import import _commit
from test_csv_import import _count
from test_csv_import import _csv
from test_csv_import import _row
from test_csv_import import _upload

import models
from models.document import Document
from models.firm import FirmProfile
from services.documents import clean_document


def _excel(rows):
    """What Excel's "CSV UTF-8" writes: a byte-order mark and CRLF line ends."""
    return b"\xef\xbb\xbf" + _csv(rows).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _errors(html):
    return re.findall(r"<tr><td>(\d+)</td><td>([a-z_]*)</td><td>([^<]+)</td></tr>", html)


def test_uk_dates_as_excel_saves_them_are_read_day_first_for_a_gb_firm(app, staff_client):
    add_contact(app)
    content = _excel([_row("S1", issue_date="15/11/2026", due_date="15/12/2026"),
                      _row("S1", "Parts", issue_date="15/11/2026", due_date="15/12/2026"),
                      _row("S2", issue_date="2026-11-16")])
    preview = _upload(staff_client, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, _errors(html)
    assert 'Dates are read day first, as in <span class="date">15/11/2026</span>' in html
    assert '<td class="date">15 Nov 2026</td>' in html
    assert '<td class="date">16 Nov 2026</td>' in html
    _commit(staff_client, preview)
    with app.app_context(), models.db.connection_context():
        document = Document.get(Document.number == "S1")
        assert (document.issue_date, document.due_date) == (datetime.date(2026, 11, 15),
                                                            datetime.date(2026, 12, 15))


def test_the_date_order_comes_from_settings_and_a_wrong_date_says_why(app, staff_client):
    add_contact(app)
    with app.app_context(), models.db.connection_context():
        FirmProfile.create(name="Harbour Heating Inc", country="GB", date_order="mdy")
    content = _csv([_row("S1", issue_date="11/15/2026"), _row("S2", issue_date="15/11/2026"),
                    _row("S3", issue_date="15/11/26"), _row("S4", issue_date="next week")])
    html = _upload(staff_client, content).get_data(as_text=True)
    assert 'Dates are read month first, as in <span class="date">11/15/2026</span>' in html
    errors = {(int(row), column): message for row, column, message in _errors(html)}
    assert set(errors) == {(3, "issue_date"), (4, "issue_date"), (5, "issue_date")}
    assert errors[(3, "issue_date")] == ("&#39;15/11/2026&#39; is not a date written month first "
                                         "(MM/DD/YYYY, such as 11/15/2026), which is how Settings "
                                         "say your files write dates.")
    assert "two-digit year" in errors[(4, "issue_date")]
    assert "YYYY-MM-DD or month first" in errors[(5, "issue_date")]
    # The API keeps to YYYY-MM-DD: a spreadsheet date there is refused, never guessed.
    with app.app_context(), models.db.connection_context():
        _, api_errors = clean_document(document_payload(issue_date="15/11/2026"), "S9", 200)
    assert api_errors == [{"field": "issue_date",
                           "message": "'15/11/2026' is not a date in the form YYYY-MM-DD."}]


def test_the_template_uses_a_customer_that_exists_or_says_to_create_one(app, staff_client):
    page = staff_client.get("/documents/import").get_data(as_text=True)
    assert "Create your customers and suppliers first" in page
    add_contact(app, "P0001", "Brass Ltd", kind="supplier")
    add_contact(app, "C-0042", "Quayside Dental")
    page = staff_client.get("/documents/import").get_data(as_text=True)
    assert "example rows are for Quayside Dental (C-0042)" in page
    template = staff_client.get("/documents/import/template.csv").data
    rows = list(csv.DictReader(io.StringIO(template.decode())))
    assert {row["contact_number"] for row in rows} == {"C-0042"}
    preview = _upload(staff_client, template)
    assert preview.status_code == 200 and 'id="import-commit"' in preview.get_data(as_text=True)


def test_a_row_with_an_error_is_never_also_listed_as_created(app, staff_client):
    add_contact(app)
    content = _csv([_row("S1"), _row("S1", "Parts", reference="other"), _row("S2"),
                    _row("S3", description="=cmd()")])
    preview = _upload(staff_client, content)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 422
    assert {(int(row), column) for row, column, _ in _errors(html)} == {(3, "reference"),
                                                                        (5, "description")}
    listed = re.findall(r"<tr><td>(\d+)</td><td class=\"nowrap\">([^<]+)</td>", html)
    assert listed == [("4", "S2")]  # S1 and S3 have errors: never "Created"
    assert "they will be imported with the rest once the rows above are corrected" in html
    assert 'id="import-commit"' not in html and _count(app) == (0, 0)
