"""Sage 50 through Zynk (issue 12): connecting, the download, the success and fail files, safety,
and full cycles through the stand-in Zynk and Sage 50 over real HTTP."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from defusedxml.ElementTree import fromstring
from helpers.browser import live_server
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from helpers.sync import Db

from models.contact import Contact
from models.document import Document
from models.integration import Connection
from models.sync import SyncAttempt
from models.sync import SyncRecord
from models.zynk import ZynkContact
from models.zynk import ZynkLink
from providers.sage50.provider import account_reference
from sandbox.sage50 import Sage50Company
from sandbox.sage50 import ZynkWorkflow

SPECS = Path(__file__).resolve().parents[2] / "shared" / "specs" / "zynk"
if not SPECS.exists():
    SPECS = Path("/work/shared/specs/zynk")
NOMINALS = {"labour_sales": "4000", "materials_sales": "4010", "purchases": "5000",
            "bank": "1200"}
CUSTOMER, SUPPLIER = "A7001", "A7002"


class Zynk:
    """A connected Sage 50: its credentials and URLs as the connect page showed them."""

    def __init__(self, app, client, page):
        self.app, self.client, self.page = app, client, page
        self.username = re.search(r'id="zynk-username">([^<]+)<', page).group(1)
        self.secret = re.search(r'id="zynk-secret">([^<]+)<', page).group(1)
        self.urls = {name: re.search(rf'id="zynk-{name}-url">([^<]+)<', page).group(1)
                     for name in ("download", "confirm", "failed")}

    @property
    def auth(self):
        return (self.username, self.secret)

    def _headers(self, auth=None):
        import base64

        user, secret = auth or self.auth
        token = base64.b64encode(f"{user}:{secret}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def download(self, auth=None):
        """GET the download through the test client; the response."""
        return self.client.application.test_client().get("/zynk/download",
                                                          headers=self._headers(auth))

    def post(self, which, body, auth=None):
        """POST a file to /zynk/confirm or /zynk/failed."""
        return self.client.application.test_client().post(
            f"/zynk/{which}", data=body, headers={**self._headers(auth),
                                                 "Content-Type": "application/xml"})


def connect_sage50(app, client, settings=None):
    """Connect Sage 50 through the Integrations page and save the settings; a Zynk."""
    token = csrf_token(client, "/integrations/")
    response = client.post("/integrations/sage50/connect",
                           data={"csrf_token": token, "company_name": "Harbour Builders"})
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    assert response.headers["Cache-Control"] == "no-store"
    zynk = Zynk(app, client, response.get_data(as_text=True))
    save_settings(client, settings)
    return zynk


def save_settings(client, settings=None, expect_saved=True):
    """Post the settings form; its HTML."""
    settings = {"invoice_format": "transaction", **(settings or {})}
    data = {"csrf_token": csrf_token(client, "/integrations/sage50/settings"),
            "tax_rate": ["20", "0", "5"], "tax_code": ["1", "0", "5"]}
    data.update({f"nominal_{role}": code for role, code in NOMINALS.items()})
    data.update(settings)
    response = client.post("/integrations/sage50/settings", data=data, headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert ("sage50-saved" in html) == expect_saved, html[-2000:]
    return html


def contacts(app):
    add_contact(app, CUSTOMER, "Kinghorn & French", "customer")
    add_contact(app, SUPPLIER, "Bolt Supplies", "supplier")


def sales_invoice(app, number="S7001", **extra):
    lines = extra.pop("lines", None) or [line("Labour on site", "2", "45.50", "20", "labour"),
                                         line("Copper pipe", "1", "19.99", "20", "materials")]
    doc = add_document(app, number, contact_number=CUSTOMER, lines=lines, **extra)
    with Db(app):
        Document.get_by_id(doc.id).set_sent(True, "email")
    return doc


def supplier_document(app, number, kind="supplier_invoice", **extra):
    return add_document(app, number, kind=kind, contact_number=SUPPLIER,
                        lines=[line("Fixings", "3", "10.00", "20", "purchase")], **extra)


def record(app, document_id):
    with Db(app):
        return SyncRecord.get(SyncRecord.document == document_id)


def parse(body):
    return fromstring(body)


def confirmation(customers=(), suppliers=(), invoices=(), transactions=()):
    """A success file as Zynk writes it."""
    company = ET.Element("Company")
    for holder, record_name, value_name, pairs in (
            ("Customers", "Customer", "AccountReference", customers),
            ("Suppliers", "Supplier", "AccountReference", suppliers),
            ("Invoices", "Invoice", "InvoiceNumber", invoices),
            ("Transactions", "Transaction", "TransactionNumber", transactions)):
        if pairs:
            parent = ET.SubElement(company, holder)
            for ident, value in pairs:
                element = ET.SubElement(parent, record_name)
                ET.SubElement(element, "Id").text = str(ident)
                ET.SubElement(element, value_name).text = value
    return ET.tostring(company, encoding="utf-8", xml_declaration=True)


def fail_file(record_name, pairs):
    company = ET.Element("Company")
    parent = ET.SubElement(company, record_name + "s")
    for ident, reason in pairs:
        element = ET.SubElement(parent, record_name)
        ET.SubElement(element, "Id").text = str(ident)
        ET.SubElement(element, "Error").text = reason
    return ET.tostring(company, encoding="utf-8", xml_declaration=True)


def _table_rows(app):
    with Db(app):
        return {"records": [(r.id, r.state, r.code, r.ledger_number) for r in
                            SyncRecord.select().order_by(SyncRecord.id)],
                "attempts": SyncAttempt.select().count(),
                "accounts": [(a.id, a.account_reference, a.confirmed_at, a.failed_reason)
                             for a in ZynkContact.select().order_by(ZynkContact.id)],
                "locked": [d.synced_at for d in Document.select().order_by(Document.id)]}


# --- connecting ---------------------------------------------------------------------------------


def test_connect_shows_credentials_once_and_keeps_only_a_hash(app, admin_client):
    token = csrf_token(admin_client, "/integrations/")
    page = admin_client.get("/integrations/").get_data(as_text=True)
    assert "Sage 50 (through Zynk)" in page and 'id="card-sage50"' in page
    response = admin_client.post("/integrations/sage50/connect",
                                 data={"csrf_token": token, "company_name": "Harbour Builders"})
    html = response.get_data(as_text=True)
    zynk = Zynk(app, admin_client, html)
    assert "Prevent Duplicates" in html and "HTTP GET" in html
    assert "sandbox.sage50" not in html  # the stand-in is offered in the demo only
    assert zynk.urls["download"].endswith("/zynk/download")
    assert zynk.urls["confirm"].endswith("/zynk/confirm")
    assert zynk.urls["failed"].endswith("/zynk/failed")
    with Db(app):
        link = ZynkLink.get(ZynkLink.username == zynk.username)
        assert link.secret_hash != zynk.secret and zynk.secret not in link.secret_hash
        connection = Connection.get_by_id(link.connection_id)
        assert connection.active and connection.provider == "sage50"
    # Never shown again: not on the Integrations page nor the settings page.
    for path in ("/integrations/", "/integrations/sage50/settings"):
        assert zynk.secret not in admin_client.get(path).get_data(as_text=True)
    # The mapping is not saved yet: downloads wait for it.
    assert zynk.download().status_code == 409


def test_one_package_at_a_time(app, admin_client):
    with Db(app):
        Connection.create(provider="xero", organisation_id="org-1", organisation_name="Other",
                          status="connected", active=True)
    token = csrf_token(admin_client, "/integrations/")
    response = admin_client.post("/integrations/sage50/connect", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "is still connected. Disconnect it first" in response.get_data(as_text=True)
    with Db(app):
        assert not Connection.select().where(Connection.provider == "sage50").exists()


def test_screens_work_while_sage50_is_the_active_package(app, admin_client):
    connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    with Db(app):
        from models.contact import Contact

        contact_id = Contact.get(Contact.number == CUSTOMER).id
        connection_id = Connection.get(Connection.provider == "sage50").id
    for path in ("/", "/integrations/", "/integrations/?tab=connected", "/contacts/",
                 f"/contacts/{contact_id}", "/documents/", f"/documents/{doc.id}",
                 "/integrations/sage50/settings"):
        response = admin_client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    # The OAuth packages' mapping form hands over to the Sage 50 settings.
    response = admin_client.get(f"/integrations/{connection_id}/configure")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/integrations/sage50/settings")


def test_settings_validate_nominal_and_tax_codes_and_keep_what_was_typed(app, admin_client):
    connect_sage50(app, admin_client)
    html = save_settings(admin_client, {"nominal_materials_sales": "40A0",
                                        "nominal_bank": "123456789"}, expect_saved=False)
    assert "digits only, up to 8" in html
    assert 'value="40A0"' in html and 'value="123456789"' in html
    html = save_settings(admin_client, {"tax_code": ["1", "T0", "5"]}, expect_saved=False)
    assert "the Sage tax code is a number" in html
    html = save_settings(admin_client, {"invoice_format": "transaction", "manual_numbers": "on"},
                         expect_saved=False)
    assert "Manual invoice numbers apply to Invoice XML only" in html
    save_settings(admin_client, {"invoice_format": "invoice", "manual_numbers": "on"})
    with Db(app):
        link = ZynkLink.get()
        assert link.nominal_codes == NOMINALS
        assert link.tax_codes == {"20": 1, "0": 0, "5": 5}
        assert (link.invoice_format, link.manual_numbers) == ("invoice", True)


def test_account_reference_rule():
    assert account_reference("Kinghorn & French", set()) == "KIN001"
    assert account_reference("Kinghorn & French", {"KIN001"}) == "KIN002"
    assert account_reference("J", set()) == "JXX001"
    assert account_reference("Anyone", set(), existing="a7001") == "A7001"
    assert account_reference("Anyone", {"A7001"}, existing="A7001") == "ANY001"
    assert account_reference("Anyone", set(), existing="TOO-LONG-REF") == "ANY001"
    taken = {f"KIN{n:03d}" for n in range(1, 1000)}
    assert account_reference("Kinghorn", taken) == "KIN00001"
    assert all(len(account_reference(name, set())) <= 8 for name in ("", "Ö", "x" * 99))


# --- credentials --------------------------------------------------------------------------------


def test_wrong_credentials_get_a_bare_401_then_a_rate_limit(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    client = app.test_client()
    assert client.get("/zynk/download").status_code == 401  # no guess: not counted
    for attempt in range(10):
        response = zynk.download(auth=(zynk.username, f"wrong-{attempt}"))
        assert response.status_code == 401
        assert response.get_data() == b""
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    blocked = zynk.download(auth=(zynk.username, "wrong-again"))
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    assert blocked.get_data() == b""
    # Even the right secret waits out the block (from this address, for this user name).
    assert zynk.download().status_code == 429


def test_regenerating_the_secret_stops_the_old_one_at_once(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    assert zynk.download().status_code == 200
    token = csrf_token(admin_client, "/integrations/")
    page = admin_client.post("/integrations/sage50/regenerate",
                             data={"csrf_token": token}).get_data(as_text=True)
    fresh = Zynk(app, admin_client, page)
    assert fresh.username == zynk.username and fresh.secret != zynk.secret
    assert zynk.download().status_code == 401
    assert fresh.download().status_code == 200


def test_a_disconnected_connection_answers_401(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    with Db(app):
        connection = Connection.get(Connection.provider == "sage50")
    token = csrf_token(admin_client, "/integrations/")
    admin_client.post(f"/integrations/{connection.id}/disconnect", data={"csrf_token": token})
    with Db(app):
        assert not Connection.get_by_id(connection.id).active
    assert zynk.download().status_code == 401


# --- the download -------------------------------------------------------------------------------


def _names(root, path):
    return {child.tag for element in root.findall(path) for child in element}


def test_download_shape_against_the_spec_sample(app, admin_client):
    sample = parse((SPECS / "download.xml").read_bytes())
    zynk = connect_sage50(app, admin_client, {"invoice_format": "invoice",
                                              "manual_numbers": "on"})
    contacts(app)
    doc = sales_invoice(app, "S7001", reference="PO-88")
    first = zynk.download()
    assert first.mimetype == "application/xml"
    assert first.get_data().startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = parse(first.get_data())
    assert root.tag == sample.tag == "Company"
    # Customer elements: those of the sample.
    assert _names(root, "Customers/Customer") <= _names(sample, "Customers/Customer")
    assert _names(root, "Customers/Customer/CustomerInvoiceAddress") <= _names(
        sample, "Customers/Customer/CustomerInvoiceAddress")
    customer = root.find("Customers/Customer")
    assert customer.findtext("CompanyName") == "Kinghorn & French"
    assert customer.findtext("AccountReference") == CUSTOMER
    assert root.find("Invoices/Invoice") is None  # chaining: its customer is not confirmed
    assert zynk.secret.encode() not in first.get_data()
    zynk.post("confirm", confirmation(customers=[(customer.findtext("Id"), CUSTOMER)]))
    root = parse(zynk.download().get_data())
    assert root.find("Customers/Customer") is None
    invoice = root.find("Invoices/Invoice")
    # Invoice elements: the sample's, plus the documented InvoiceType, InvoiceNumber, DueDate
    # (section C2); item elements: the sample's plus Details, NominalCode and TaxCode.
    assert _names(root, "Invoices/Invoice") <= _names(sample, "Invoices/Invoice") | {
        "InvoiceType", "InvoiceNumber", "DueDate"}
    assert _names(root, "Invoices/Invoice/InvoiceItems/Item") <= _names(
        sample, "Invoices/Invoice/InvoiceItems/Item") | {"Details", "NominalCode", "TaxCode"}
    assert invoice.findtext("Id") == str(doc.id)
    assert invoice.findtext("InvoiceType") == "ServiceInvoice"
    assert invoice.findtext("InvoiceNumber") == "S7001"
    assert invoice.findtext("AccountReference") == CUSTOMER
    assert invoice.findtext("InvoiceDate") == "2026-03-01T00:00:00"
    items = invoice.findall("InvoiceItems/Item")
    assert [(i.findtext("Details"), i.findtext("NominalCode"), i.findtext("TaxCode"),
             i.findtext("TotalNet"), i.findtext("TotalTax")) for i in items] == [
        ("Labour on site", "4000", "1", "91.00", "18.20"),
        ("Copper pipe", "4010", "1", "19.99", "4.00")]


def test_transactions_one_row_per_line_with_two_decimals(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = supplier_document(app, "P7001", reference="INV-9")
    root = parse(zynk.download().get_data())
    supplier = root.find("Suppliers/Supplier")
    assert supplier.findtext("AccountReference") == SUPPLIER
    zynk.post("confirm", confirmation(suppliers=[(supplier.findtext("Id"), SUPPLIER)]))
    rows = parse(zynk.download().get_data()).findall("Transactions/Transaction")
    assert len(rows) == 1
    row = rows[0]
    assert {child.tag: child.text for child in row} == {
        "Id": str(doc.id), "TransactionType": "PurchaseInvoice", "AccountReference": SUPPLIER,
        "TransactionDate": "2026-03-01T00:00:00", "DueDate": "2026-03-31T00:00:00",
        "NominalCode": "5000", "Reference": "P7001", "PaymentReference": "INV-9",
        "Details": "Fixings", "NetAmount": "30.00", "TaxCode": "1", "TaxAmount": "6.00"}


def test_everything_unconfirmed_is_sent_again_and_confirming_twice_changes_nothing(
        app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    root = parse(zynk.download().get_data())
    assert record(app, doc.id).code == "waits_for_customer"
    customer_id = root.find("Customers/Customer").findtext("Id")
    # A lost response: the customer simply comes again.
    again = parse(zynk.download().get_data())
    assert again.find("Customers/Customer").findtext("Id") == customer_id
    assert zynk.post("confirm", confirmation(customers=[(customer_id, "KIN009")])).json == {
        "confirmed": 1, "already": 0}
    first = parse(zynk.download().get_data())
    assert {r.findtext("Id") for r in first.findall("Transactions/Transaction")} == {str(doc.id)}
    assert first.find("Transactions/Transaction").findtext("AccountReference") == "KIN009"
    assert record(app, doc.id).state == "sending"
    second = parse(zynk.download().get_data())
    assert {r.findtext("Id") for r in second.findall("Transactions/Transaction")} == {
        str(doc.id)}
    body = confirmation(transactions=[(doc.id, "41")])
    assert zynk.post("confirm", body).json == {"confirmed": 1, "already": 0}
    done = record(app, doc.id)
    assert (done.state, done.ledger_number) == ("synced", "41")
    with Db(app):
        assert Document.get_by_id(doc.id).is_locked
    before = _table_rows(app)
    assert zynk.post("confirm", body).json == {"confirmed": 0, "already": 1}
    assert _table_rows(app)["records"] == before["records"]
    assert _table_rows(app)["attempts"] == before["attempts"]
    assert parse(zynk.download().get_data()).find("Transactions/Transaction") is None


def test_a_credit_note_waits_for_its_invoice(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    invoice = sales_invoice(app, "S7001")
    credit = sales_invoice(app, "S7002", kind="sales_credit_note", original_number="S7001")
    root = parse(zynk.download().get_data())
    zynk.post("confirm", confirmation(customers=[(root.find("Customers/Customer")
                                                  .findtext("Id"), CUSTOMER)]))
    ids = {r.findtext("Id") for r in parse(zynk.download().get_data())
           .findall("Transactions/Transaction")}
    assert ids == {str(invoice.id)}
    assert record(app, credit.id).code == "waits_for_invoice"
    zynk.post("confirm", confirmation(transactions=[(invoice.id, "7")]))
    rows = parse(zynk.download().get_data()).findall("Transactions/Transaction")
    assert {(r.findtext("Id"), r.findtext("TransactionType")) for r in rows} == {
        (str(credit.id), "SalesCredit")}


def test_preflight_lengths_keep_documents_out(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    long_ref = sales_invoice(app, "S7001", reference="REFERENCE-11")
    long_text = sales_invoice(app, "S7002", lines=[line("x" * 61, "1", "10", "20", "labour")])
    unmapped_tax = sales_invoice(app, "S7003", lines=[line("Odd", "1", "10", "17.5", "labour")])
    ok = sales_invoice(app, "S7004")
    root = parse(zynk.download().get_data())
    zynk.post("confirm", confirmation(customers=[(root.find("Customers/Customer")
                                                  .findtext("Id"), CUSTOMER)]))
    ids = {r.findtext("Id") for r in parse(zynk.download().get_data())
           .findall("Transactions/Transaction")}
    assert ids == {str(ok.id)}
    assert record(app, long_ref.id).code == "too_long"
    assert "takes 10" in record(app, long_ref.id).message
    assert record(app, long_text.id).code == "too_long"
    assert "takes 60" in record(app, long_text.id).message
    assert record(app, unmapped_tax.id).code == "tax_unmapped"


def test_fail_file_reasons_show_and_keep_the_document_out_until_retried(app, admin_client):
    from sync.records import retry

    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    root = parse(zynk.download().get_data())
    zynk.post("confirm", confirmation(customers=[(root.find("Customers/Customer")
                                                  .findtext("Id"), CUSTOMER)]))
    zynk.download()
    answer = zynk.post("failed", fail_file("Transaction", [
        (doc.id, "nominal code 4010 does not exist")]))
    assert answer.json == {"failed": 1, "duplicates": 0, "already": 0}
    failed = record(app, doc.id)
    assert (failed.state, failed.code) == ("failed", "sage50_refused")
    assert failed.message == "Sage 50 refused: nominal code 4010 does not exist"
    assert parse(zynk.download().get_data()).find("Transactions/Transaction") is None
    with Db(app):
        retry(Connection.get(Connection.provider == "sage50"), doc.id)
    assert parse(zynk.download().get_data()).find("Transactions/Transaction") is not None


def test_a_refused_customer_keeps_its_documents_waiting_with_the_reason(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    zynk.post("failed", fail_file("Customer", [(customer_id, "Postcode is too long")]))
    root = parse(zynk.download().get_data())
    assert root.find("Customers/Customer").findtext("Id") == customer_id  # sent again
    waiting = record(app, doc.id)
    assert waiting.code == "waits_for_customer"
    assert waiting.message == "Sage 50 refused the customer: Postcode is too long"


def test_test_mode_marks_nothing(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    zynk.post("confirm", confirmation(customers=[(customer_id, CUSTOMER)]))
    save_settings(admin_client, {"test_mode": "on"})
    zynk.download()  # rechecks the document (its customer is confirmed now): ready
    before = _table_rows(app)
    root = parse(zynk.download().get_data())
    assert root.find("Transactions/Transaction").findtext("Id") == str(doc.id)
    answer = zynk.post("confirm", confirmation(transactions=[(doc.id, "5")]))
    assert answer.json["test_mode"] is True
    after = _table_rows(app)
    assert after == before
    assert record(app, doc.id).state == "ready"
    page = admin_client.get("/integrations/").get_data(as_text=True)
    assert "downloads mark nothing as exported" in page
    assert 'id="zynk-last-download"' in page and "not yet" not in page.split(
        'id="zynk-last-download"')[1][:40]


def test_test_mode_from_scratch_sends_everything_in_one_file_and_marks_nothing(
        app, admin_client):
    zynk = connect_sage50(app, admin_client, {"test_mode": "on"})
    contacts(app)
    doc = sales_invoice(app)
    payment = pay(app, doc, "10.00")
    company = Sage50Company()
    with live_server(app) as base:
        workflow = _workflow(zynk, base, company)
        result = workflow.run()
        before = _table_rows(app)
        again = workflow.run()
    assert result.success == {"Customer": [(str(doc.contact_id), CUSTOMER)],
                              "Transaction": [(str(doc.id), "1"),
                                              (str(90_000_000 + payment.id), "3")]}
    assert [answer["test_mode"] for _url, status, answer in result.posted] == [True]
    assert set(again.success) == set()  # Prevent Duplicates in the test company
    assert [status for _url, status, _answer in again.posted] == [200]
    # Checked, never marked: the record still waits for its customer, nothing is locked or
    # audited, and the second run with its fail file changed nothing at all.
    assert before["records"] == [(before["records"][0][0], "waiting", "waits_for_customer", "")]
    assert before["attempts"] == 0 and before["locked"] == [None]
    assert _table_rows(app)["records"] == before["records"]
    assert _table_rows(app)["accounts"] == before["accounts"]
    with Db(app):
        from models.payment import Payment

        assert Payment.get_by_id(payment.id).exported_at is None


# --- hostile and wrong files --------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Company><Customers><Customer><Id>1</Id><AccountReference>&lol3;</AccountReference>
</Customer></Customers></Company>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>
<Company><Customers><Customer><Id>1</Id><AccountReference>&ext;</AccountReference>
</Customer></Customers></Company>"""


@pytest.mark.parametrize("which", ["confirm", "failed"])
def test_bad_files_are_refused_and_change_nothing(app, admin_client, which):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    before = _table_rows(app)
    cases = [
        (b"<Company><Customers>", 400, "not well-formed"),
        (b"", 400, "empty"),
        (BOMB, 400, "DTD or entities"),
        (EXTERNAL, 400, "DTD or entities"),
        (b"<Other/>", 400, "root element"),
        (confirmation(customers=[(customer_id, CUSTOMER), (999999, "X")]), 400,
         "did not send: Customer 999999"),
        (confirmation(transactions=[(doc.id, "1")]), 400,  # not sent yet (waits for customer)
         f"did not send: Transaction {doc.id}"),
        (b"<Company><Customers><Customer><Id>abc</Id></Customer></Customers></Company>", 400,
         "numeric"),
        (b"<Company>" + b" " * (2 * 1024 * 1024) + b"</Company>", 413, "larger than"),
    ]
    for body, status, words in cases:
        response = zynk.post(which, body)
        assert response.status_code == status, (body[:60], response.get_data(as_text=True))
        assert words in response.json["error"], (body[:60], response.json)
    assert _table_rows(app) == before


def test_another_connections_file_is_refused(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    sales_invoice(app)
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    body = confirmation(customers=[(customer_id, CUSTOMER)])
    with Db(app):
        connection = Connection.get(Connection.provider == "sage50")
    token = csrf_token(admin_client, "/integrations/")
    admin_client.post(f"/integrations/{connection.id}/disconnect", data={"csrf_token": token})
    with Db(app):
        ZynkContact.delete().execute()  # the new connection has made no customers yet
    fresh = connect_sage50(app, admin_client)
    before = _table_rows(app)
    response = fresh.post("confirm", body)
    assert response.status_code == 400 and "did not send" in response.json["error"]
    assert _table_rows(app) == before


# --- full cycles through the stand-in -----------------------------------------------------------


def _workflow(zynk, base, company, manual_numbers=False):
    def local(url):
        return base + url[url.index("/zynk/"):]

    return ZynkWorkflow(company, local(zynk.urls["download"]), local(zynk.urls["confirm"]),
                        local(zynk.urls["failed"]), zynk.username, zynk.secret,
                        manual_numbers=manual_numbers)


@pytest.mark.parametrize("invoice_format", ["transaction", "invoice"])
def test_full_cycle_every_kind_no_duplicate_nothing_left_after_a_lost_confirmation(
        app, admin_client, invoice_format):
    zynk = connect_sage50(app, admin_client, {"invoice_format": invoice_format})
    contacts(app)
    docs = {"sales_invoice": sales_invoice(app, "S7001"),
            "sales_credit_note": sales_invoice(app, "S7002", kind="sales_credit_note",
                                               original_number="S7001"),
            "supplier_invoice": supplier_document(app, "P7001"),
            "supplier_credit_note": supplier_document(app, "P7002", "supplier_credit_note",
                                                      original_number="P7001")}
    company = Sage50Company()
    with live_server(app) as base:
        workflow = _workflow(zynk, base, company)
        first = workflow.run(lose_confirmation=True)  # Sage has the accounts; we never hear
        assert set(company.accounts["customer"]) == {CUSTOMER}
        assert first.posted == []
        workflow.run()  # Prevent Duplicates skips the accounts; the fail file confirms them
        workflow.run(lose_confirmation=True)  # the invoices land; the answer is lost again
        workflow.run()  # skipped as duplicates, confirmed; the credit notes land
        workflow.run()
        last = workflow.run()
    tally = {}
    for header in company.headers:
        tally[header.external_id] = tally.get(header.external_id, 0) + 1
    for invoice in company.invoices:
        tally[invoice["id"]] = tally.get(invoice["id"], 0) + 1
    assert tally == {str(d.id): 1 for d in docs.values()}, "each document once in Sage 50"
    assert len(company.accounts["customer"]) == 1 and len(company.accounts["supplier"]) == 1
    with Db(app):
        for kind, doc in docs.items():
            done = SyncRecord.get(SyncRecord.document == doc.id)
            assert done.state == "synced", (kind, done.state, done.message)
            assert Document.get_by_id(doc.id).is_locked
    root = parse(last.download)
    assert len(root) and all(len(collection) == 0 for collection in root), \
        "nothing left to send"
    if invoice_format == "invoice":
        types = {i["id"]: i["type"] for i in company.invoices}
        assert types == {str(docs["sales_invoice"].id): "ServiceInvoice",
                         str(docs["sales_credit_note"].id): "ServiceCredit"}
    kinds = {h.external_id: h.type for h in company.headers}
    assert kinds[str(docs["supplier_invoice"].id)] == "PurchaseInvoice"
    assert kinds[str(docs["supplier_credit_note"].id)] == "PurchaseCredit"


def test_full_cycle_with_a_refused_record_and_sage_numbers(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    good = sales_invoice(app, "S7001")
    bad = sales_invoice(app, "S7002", lines=[line("Odd", "1", "10", "20", "labour",
                                                  nominal_code="4999")])
    company = Sage50Company()
    with live_server(app) as base:
        workflow = _workflow(zynk, base, company)
        workflow.run()
        result = workflow.run()
    assert [status for _url, status, _answer in result.posted] == [200, 200]
    with Db(app):
        synced = SyncRecord.get(SyncRecord.document == good.id)
        refused = SyncRecord.get(SyncRecord.document == bad.id)
    header = next(h for h in company.headers if h.external_id == str(good.id))
    assert (synced.state, synced.ledger_number) == ("synced", str(header.number))
    assert refused.state == "failed"
    assert refused.message == "Sage 50 refused: nominal code 4999 does not exist"


def test_the_standin_refuses_what_breaks_zynks_limits():
    from sandbox.sage50.ledger import Refused

    company = Sage50Company()
    element = fromstring("<Customer><Id>1</Id><AccountReference>TOOLONGREF</AccountReference>"
                         "<CompanyName>X</CompanyName></Customer>")
    with pytest.raises(Refused, match="longer than 8"):
        company.import_party(element, "Customer")
    element = fromstring("<Customer><Id>1</Id><AccountRef>A</AccountRef></Customer>")
    with pytest.raises(Refused, match="unknown element <AccountRef>"):
        company.import_party(element, "Customer")
    company.import_party(fromstring("<Customer><Id>1</Id><AccountReference>A1</AccountReference>"
                                    "<CompanyName>X</CompanyName></Customer>"), "Customer")
    row = fromstring("<Transaction><Id>5</Id><TransactionType>SalesInvoice</TransactionType>"
                     "<AccountReference>A1</AccountReference>"
                     "<TransactionDate>2026-01-01T00:00:00</TransactionDate>"
                     "<NominalCode>4000</NominalCode><Reference>R</Reference>"
                     "<Details>D</Details><NetAmount>1.5</NetAmount><TaxCode>1</TaxCode>"
                     "</Transaction>")
    with pytest.raises(Refused, match="two decimals"):
        company.import_transactions([row])


def test_zynk_endpoints_need_basic_auth_not_a_session(app, admin_client):
    connect_sage50(app, admin_client)
    assert admin_client.get("/zynk/download").status_code == 401
    assert admin_client.post("/zynk/confirm", data=b"<Company/>").status_code == 401
    assert admin_client.post("/zynk/failed", data=b"<Company/>").status_code == 401


# --- payments -----------------------------------------------------------------------------------


def pay(app, doc, amount, **extra):
    from services.payments import add_payment

    with Db(app):
        payment, errors = add_payment(Document.get_by_id(doc.id),
                                      {"paid_on": "2026-03-10", "amount": amount, **extra})
        assert errors is None, errors
        return payment


def test_payments_go_after_their_invoice_and_are_confirmed(app, admin_client):
    from models.payment import Payment
    from services.payments import PaymentError
    from services.payments import remove_payment

    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    payment = pay(app, doc, "50.00", reference="BACS 1")
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    zynk.post("confirm", confirmation(customers=[(customer_id, CUSTOMER)]))
    rows = parse(zynk.download().get_data()).findall("Transactions/Transaction")
    assert [r.findtext("TransactionType") for r in rows] == ["SalesInvoice", "SalesInvoice"]
    zynk.post("confirm", confirmation(transactions=[(doc.id, "12")]))
    rows = parse(zynk.download().get_data()).findall("Transactions/Transaction")
    assert len(rows) == 1
    assert {child.tag: child.text for child in rows[0]} == {
        "Id": str(90_000_000 + payment.id), "TransactionType": "SalesReceipt",
        "AccountReference": CUSTOMER, "TransactionDate": "2026-03-10T00:00:00",
        "NominalCode": "1200", "Reference": "S7001", "PaymentReference": "BACS 1",
        "Details": "Payment for S7001", "NetAmount": "50.00", "TaxCode": "9",
        "TaxAmount": "0.00", "BankReference": "1200"}
    with Db(app), pytest.raises(PaymentError, match="cannot be removed"):
        remove_payment(Payment.get_by_id(payment.id))
    body = confirmation(transactions=[(90_000_000 + payment.id, "13")])
    assert zynk.post("confirm", body).json == {"confirmed": 1, "already": 0}
    assert zynk.post("confirm", body).json == {"confirmed": 0, "already": 1}
    with Db(app):
        done = Payment.get_by_id(payment.id)
        assert done.confirmed_at is not None and done.ledger_number == "13"
    assert parse(zynk.download().get_data()).find("Transactions/Transaction") is None


def test_full_cycle_with_payments_on_both_sides(app, admin_client):
    zynk = connect_sage50(app, admin_client)
    contacts(app)
    invoice = sales_invoice(app, "S7001")
    bill = supplier_document(app, "P7001")
    receipts = [pay(app, invoice, "40.00"), pay(app, invoice, "13.59")]
    paid = pay(app, bill, "36.00", bank_code="1200")
    company = Sage50Company()
    with live_server(app) as base:
        workflow = _workflow(zynk, base, company)
        for lose in (False, True, False, True, False, False):
            workflow.run(lose_confirmation=lose)
    ids = [h.external_id for h in company.headers]
    assert sorted(ids) == sorted({*ids}), "nothing twice in Sage 50"
    by_id = {h.external_id: h for h in company.headers}
    for payment, invoice_doc in ((receipts[0], invoice), (receipts[1], invoice), (paid, bill)):
        header = by_id[str(90_000_000 + payment.id)]
        target = by_id[str(invoice_doc.id)]
        assert header.allocated_to == f"{target.type}:{target.number}"
    from models.payment import Payment

    with Db(app):
        assert all(p.confirmed_at is not None for p in Payment.select())


def test_a_payment_cannot_exceed_what_is_owed(app):
    from services.payments import add_payment
    from services.payments import owed

    contacts(app)
    doc = sales_invoice(app)  # 133.19 gross
    credit = sales_invoice(app, "S7002", kind="sales_credit_note", original_number="S7001",
                           lines=[line("Refund", "1", "10.00", "20", "labour")])
    assert credit.gross_total == 12
    pay(app, doc, "100.00")
    with Db(app):
        document = Document.get_by_id(doc.id)
        assert owed(document) == Decimal("21.19")
        _none, errors = add_payment(document, {"paid_on": "2026-03-11", "amount": "21.20"})
        assert errors[0]["message"] == "The amount is more than is owed (21.19)."
        for data, words in (({"paid_on": "2026-03-11", "amount": "0"}, "at least"),
                            ({"paid_on": "nope", "amount": "1"}, "not a date"),
                            ({"paid_on": "2026-03-11", "amount": "1.001"}, "decimal places"),
                            ({"paid_on": "2026-03-11", "amount": "1", "bank_code": "12A"},
                             "digits only"),
                            ({"paid_on": "2026-03-11", "amount": "1",
                              "reference": "ELEVEN CHAR"}, "at most 10")):
            _none, errors = add_payment(document, data)
            assert words in errors[0]["message"], (data, errors)
        _none, errors = add_payment(Document.get_by_id(credit.id),
                                    {"paid_on": "2026-03-11", "amount": "1"})
        assert "invoices only" in errors[0]["message"]


def test_payments_on_the_document_screen(app, admin_client):
    contacts(app)
    doc = sales_invoice(app)
    page = admin_client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert 'id="payment-form"' in page and "133.19" in page
    token = csrf_token(admin_client, f"/documents/{doc.id}")
    too_much = admin_client.post(f"/documents/{doc.id}/payments", headers=htmx_headers(),
                                 data={"csrf_token": token, "paid_on": "2026-03-10",
                                       "amount": "500", "reference": "kept"})
    html = too_much.get_data(as_text=True)
    assert "more than is owed (133.19)" in html and 'value="kept"' in html
    done = admin_client.post(f"/documents/{doc.id}/payments", headers=htmx_headers(),
                             data={"csrf_token": token, "paid_on": "2026-03-10",
                                   "amount": "33.19"}).get_data(as_text=True)
    assert "Recorded." in done and "100.00" in done
    from models.payment import Payment

    with Db(app):
        payment = Payment.get()
    removed = admin_client.post(f"/documents/{doc.id}/payments/{payment.id}/remove",
                                headers=htmx_headers(), data={"csrf_token": token})
    assert "Removed." in removed.get_data(as_text=True)
    with Db(app):
        assert Payment.select().count() == 0


def test_the_standin_runs_from_the_command_line(app, admin_client, monkeypatch, capsys):
    from sandbox.sage50 import __main__ as standin

    zynk = connect_sage50(app, admin_client)
    contacts(app)
    sales_invoice(app)
    with live_server(app) as base:
        monkeypatch.setattr("sys.argv", ["sandbox.sage50", "--ledgerlink", base, "--user",
                                         zynk.username, "--secret", zynk.secret, "--once"])
        standin.main()
    out = capsys.readouterr().out
    # One cycle repeats the workflow until nothing new comes: the customer, then its invoice.
    assert "Zynk cycle (3 runs): imported {'Customer': 1, 'Transaction': 1}" in out, out
    assert zynk.secret not in out


def test_recheck_hook_counts_and_reconsiders_a_refused_document_when_it_changed(
        app, admin_client):
    from sync import zynk as zynk_sync

    zynk = connect_sage50(app, admin_client)
    contacts(app)
    doc = sales_invoice(app)
    customer_id = parse(zynk.download().get_data()).find("Customers/Customer").findtext("Id")
    zynk.post("confirm", confirmation(customers=[(customer_id, CUSTOMER)]))
    zynk.download()
    zynk.post("failed", fail_file("Transaction", [(doc.id, "nominal code 4000 is closed")]))
    with Db(app):
        connection = Connection.get(Connection.provider == "sage50")
        assert zynk_sync.recheck(connection, changed=False) == {"failed": 1}
        assert zynk_sync.recheck(connection, changed=True) == {"ready": 1}
        again = SyncRecord.get(SyncRecord.document == doc.id)
        assert (again.state, again.generation) == ("ready", 2)


def test_a_reference_taken_meanwhile_gets_the_next_free_one(app, admin_client, monkeypatch):
    from sync import zynk as zynk_sync

    connect_sage50(app, admin_client)
    first = add_contact(app, "B1", "Kinghorn Roofing", "customer")
    second = add_contact(app, "BX-TOO-LONG-1", "Kinghorn & French", "customer")
    with Db(app):
        connection = Connection.get(Connection.provider == "sage50")
        ZynkContact.create(connection=connection, contact=first.id, kind="customer",
                           account_reference="KIN001")
        # As if another download took KIN001 after this one read the references in use.
        row = zynk_sync._new_account(connection, Contact.get_by_id(second.id), "customer", set())
        assert row.account_reference == "KIN002"
        again = zynk_sync._new_account(connection, Contact.get_by_id(second.id), "customer",
                                       set())
        assert again.id == row.id  # the same contact's row, not a second one


def test_the_engine_hands_sage50_to_its_own_checks_and_sends_it_no_run(app, admin_client):
    from helpers.docs import api_token

    from models.integration import Connection
    from sync.jobs import RunRefused
    from sync.jobs import start_run
    from sync.records import recheck_documents

    connect_sage50(app, admin_client)
    contacts(app)
    document = sales_invoice(app, "S7901")
    with Db(app):
        recheck_documents([document.id])  # the engine's recheck, as every change calls it
    assert record(app, document.id).code != "not_connected"
    headers = {"Authorization": f"Bearer {api_token(app)}"}
    state = app.test_client().get("/api/v1/documents/S7901/sync", headers=headers).json
    assert state["code"] != "not_connected" and state["message"]
    with Db(app), pytest.raises(RunRefused, match="Zynk fetches"):
        start_run(Connection.active_connection(), "sales_invoice")
    refused = app.test_client().post("/api/v1/sync/runs", json={}, headers=headers)
    assert refused.status_code == 409 and "Zynk fetches" in refused.json["message"]
    runner = app.test_cli_runner()
    assert "Zynk fetches" in runner.invoke(args=["sync", "run", "--no-wait"]).output
    preview = runner.invoke(args=["sync", "preview", "S7901"])
    assert "Zynk fetches the documents" in preview.output
