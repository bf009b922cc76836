"""Payments in the Sage Accounting and Zoho Books sandboxes over real HTTP: what they apply to the
invoice, what they refuse in each package's words, and every answer against its spec."""

import uuid

import requests
from helpers import sage as sage_help

SAGE_API = "/sage/api/v3.1"


class SageApi:
    """A bearer-token client for one Sage business; keeps each exchange for validation."""

    def __init__(self, sandbox):
        tokens = sage_help.connect(sandbox.url, businesses=["Demo Trading Ltd"])
        self.base, self.token, self.seen = sandbox.url, tokens["access_token"], []
        self.business = self.get("/businesses").json()["$items"][0]["id"]

    def call(self, method, path, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}"}
        if getattr(self, "business", None):
            headers["X-Business"] = self.business
        response = requests.request(method, f"{self.base}{SAGE_API}{path}", headers=headers,
                                    timeout=10, **kwargs)
        self.seen.append((method, path, response.status_code, response.json()))
        return response

    def get(self, path, **params):
        return self.call("GET", path, params=params)

    def post(self, path, body):
        if "contact_payment" in body:
            sage_help.validate_request("POST", SAGE_API + path, body)
        return self.call("POST", path, json=body)

    def first(self, path, **params):
        return self.get(path, **params).json()["$items"][0]


def _sage_invoice(api, collection, contact):
    """POST a 120.00 invoice (sales_invoices or purchase_invoices); its id."""
    sales = collection == "sales_invoices"
    account = api.first("/ledger_accounts", search="4000" if sales else "7100")
    body = {"contact_id": contact, "date": "2025-01-31", "due_date": "2025-02-28",
            "reference": "P-1", "invoice_lines": [{
                "description": "Work", "ledger_account_id": account["id"], "quantity": 1,
                "unit_price": 100.0, "tax_rate_id": "GB_STANDARD", "tax_amount": 20.0}]}
    if not sales:
        body["vendor_reference"] = "V-1"
    made = api.post(f"/{collection}", {collection[:-1]: body})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _receipt(contact, bank, invoice, amount, **extra):
    body = {"transaction_type_id": "CUSTOMER_RECEIPT", "contact_id": contact,
            "bank_account_id": bank, "date": "2025-02-10", "total_amount": amount,
            "reference": "BACS 1", "idempotency_id": uuid.uuid4().hex,
            "allocated_artefacts": [{"artefact_id": invoice, "amount": amount}]}
    body.update(extra)
    return {"contact_payment": body}


def test_sage_contact_payments_settle_invoices_once_and_refuse_in_sages_words(sandbox):
    api = SageApi(sandbox)
    customer = api.first("/contacts", contact_type_id="CUSTOMER")["id"]
    supplier = api.first("/contacts", contact_type_id="VENDOR")["id"]
    [bank] = api.get("/bank_accounts", attributes="all").json()["$items"]
    assert bank["ledger_account"]["displayed_as"] == "Current account (1200)"
    invoice = _sage_invoice(api, "sales_invoices", customer)
    bill = _sage_invoice(api, "purchase_invoices", supplier)
    body = _receipt(customer, bank["id"], invoice, 70.0)
    first = api.post("/contact_payments", body)
    assert first.status_code == 201, first.text
    assert api.post("/contact_payments", body).json()["id"] == first.json()["id"]  # replayed
    paid = api.post("/contact_payments", _receipt(
        supplier, bank["id"], bill, 120.0, transaction_type_id="VENDOR_PAYMENT"))
    assert paid.status_code == 201, paid.text
    sale = api.get(f"/sales_invoices/{invoice}").json()
    assert (sale["total_paid"], sale["outstanding_amount"], sale["status"]["id"]) == (
        70.0, 50.0, "PART_PAID")
    assert [p["contact_payment"]["id"] for p in sale["payments_allocations"]] == [
        first.json()["id"]]
    assert api.get(f"/purchase_invoices/{bill}").json()["status"]["id"] == "PAID"
    assert api.get(f"/bank_accounts/{bank['id']}").json()["balance"] == -50.0
    listed = api.get("/contact_payments", contact_id=customer, attributes="all").json()
    assert [p["id"] for p in listed["$items"]] == [first.json()["id"]]
    api.get(f"/contact_payments/{first.json()['id']}")
    refusals = [
        (_receipt(customer, bank["id"], invoice, 50.01), 422, "allocated_artefacts.0.amount"),
        (_receipt(customer, "0" * 32, invoice, 5.0), 404, "bank_account_id"),
        (_receipt(customer, bank["id"], "0" * 32, 5.0), 404, "allocated_artefacts.0.artefact_id"),
        (_receipt(customer, bank["id"], bill, 5.0), 404, "allocated_artefacts.0.artefact_id"),
        (_receipt(supplier, bank["id"], invoice, 5.0), 404, "contact_id"),
        (_receipt(customer, bank["id"], invoice, 5.0, total_amount=6.0), 422, "total_amount"),
        (_receipt(customer, bank["id"], invoice, 5.0, transaction_type_id="X"), 404,
         "transaction_type_id"),
    ]
    for refused, status, source in refusals:
        answer = api.post("/contact_payments", refused)
        assert (answer.status_code, answer.json()[0]["$source"]) == (status, source), answer.text
    assert "outstanding amount" in api.seen[-7][3][0]["$message"]
    assert api.get(f"/sales_invoices/{invoice}").json()["outstanding_amount"] == 50.0
    covered = {sage_help.validate_response(m, SAGE_API + p, s, b) for m, p, s, b in api.seen}
    assert {"postContactPayments", "getContactPayments", "getContactPaymentsKey",
            "getBankAccounts", "getBankAccountsKey", "getSalesInvoicesKey",
            "getPurchaseInvoicesKey", "error"} <= covered
