"""Payments in the Sage Accounting and Zoho Books sandboxes over real HTTP: what they apply to the
invoice, what they refuse in each package's words, and every answer against its spec."""

import uuid

import requests
from helpers import sage as sage_help
from helpers import zoho as zoho_help

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
        (_receipt(customer, bank["id"], invoice, 5.0, currency_id="EUR"), 404, "currency_id"),
    ]
    for refused, status, source in refusals:
        answer = api.post("/contact_payments", refused)
        assert (answer.status_code, answer.json()[0]["$source"]) == (status, source), answer.text
    assert "outstanding amount" in api.seen[-len(refusals)][3][0]["$message"]
    assert api.get(f"/sales_invoices/{invoice}").json()["outstanding_amount"] == 50.0
    covered = {sage_help.validate_response(m, SAGE_API + p, s, b) for m, p, s, b in api.seen}
    assert {"postContactPayments", "getContactPayments", "getContactPaymentsKey",
            "getBankAccounts", "getBankAccountsKey", "getSalesInvoicesKey",
            "getPurchaseInvoicesKey", "error"} <= covered


class ZohoApi:
    """A Zoho Books client for the UK organisation; keeps each answer for validation."""

    def __init__(self, sandbox):
        answer, _ = zoho_help.raw_tokens(sandbox)
        self.base, self.token, self.seen = answer["api_domain"], answer["access_token"], []
        tenant = zoho_help.zoho_state(sandbox).tenants[zoho_help.UK_ORG]
        self.accounts = {a["account_name"]: a["account_id"]
                         for a in tenant["chartofaccounts"].values()}
        self.contacts = {c["contact_name"]: c["contact_id"] for c in tenant["contacts"].values()}

    def call(self, method, path, body=None, params=None):
        if body is not None and path.endswith("payments"):
            zoho_help.validate_request(method, f"/books/v3{path}", body)
        answer = requests.request(method, f"{self.base}/books/v3{path}", json=body, timeout=10,
                                  params={"organization_id": zoho_help.UK_ORG, **(params or {})},
                                  headers={"Authorization": f"Zoho-oauthtoken {self.token}"})
        self.seen.append((method, f"/books/v3{path}", answer.status_code, answer.json()))
        return answer.status_code, answer.json()


def _zoho_documents(api):
    """A 100.00 invoice to Acme (still a draft) and a 100.00 bill from Northwind: their ids."""
    _, item = api.call("POST", "/items", {"name": "Work", "rate": 100,
                                          "account_id": api.accounts["Sales"]})
    _, invoice = api.call("POST", "/invoices", {
        "customer_id": api.contacts["Acme Trading Ltd"], "date": "2025-01-31",
        "line_items": [{"item_id": item["item"]["item_id"], "rate": 100, "quantity": 1}]})
    _, bill = api.call("POST", "/bills", {
        "vendor_id": api.contacts["Northwind Supplies Ltd"], "bill_number": "NW-1",
        "date": "2025-01-31", "line_items": [{"account_id": api.accounts["Office Supplies"],
                                              "rate": 100, "quantity": 1}]})
    return invoice["invoice"]["invoice_id"], bill["bill"]["bill_id"]


def _customer_payment(api, invoice, value, **extra):
    applied = {"invoice_id": invoice, "amount_applied": value}
    return {"customer_id": api.contacts["Acme Trading Ltd"], "payment_mode": "banktransfer",
            "amount": value, "date": "2025-02-10", "reference_number": "BACS 1",
            "description": "Ledgerlink key-1", "account_id": api.accounts[
                "Business Current Account"], "invoices": [applied], **applied, **extra}


def test_zoho_payments_lower_the_balance_and_are_refused_in_zohos_words(sandbox):
    api = ZohoApi(sandbox)
    invoice, bill = _zoho_documents(api)
    status, draft = api.call("POST", "/customerpayments", _customer_payment(api, invoice, 70.0))
    assert (status, draft["code"]) == (400, 4) and "draft invoice" in draft["message"]
    api.call("POST", f"/invoices/{invoice}/status/sent")
    status, received = api.call("POST", "/customerpayments", _customer_payment(api, invoice,
                                                                                70.0))
    assert status == 201, received
    payment_id = received["payment"]["payment_id"]
    _, read = api.call("GET", f"/invoices/{invoice}")
    assert (read["invoice"]["balance"], read["invoice"]["payment_made"],
            read["invoice"]["status"]) == ("30.00", 70.0, "partially_paid")
    _, listed = api.call("GET", f"/invoices/{invoice}/payments")
    assert [(p["payment_id"], p["amount"], p["description"]) for p in listed["payments"]] == [
        (payment_id, 70.0, "Ledgerlink key-1")]
    api.call("GET", f"/customerpayments/{payment_id}")
    status, paid = api.call("POST", "/vendorpayments", {
        "vendor_id": api.contacts["Northwind Supplies Ltd"], "amount": 100.0,
        "date": "2025-02-11", "paid_through_account_id": api.accounts["Business Current Account"],
        "payment_mode": "banktransfer", "description": "Ledgerlink key-2",
        "bills": [{"bill_id": bill, "amount_applied": 100.0}]})
    assert status == 201, paid
    _, read = api.call("GET", f"/bills/{bill}")
    assert (read["bill"]["balance"], read["bill"]["status"]) == (0.0, "paid")
    _, listed = api.call("GET", f"/bills/{bill}/payments")
    assert [p["payment_id"] for p in listed["payments"]] == [paid["vendorpayment"]["payment_id"]]
    api.call("GET", f"/vendorpayments/{paid['vendorpayment']['payment_id']}")
    covered = {zoho_help.validate_response(m, p, s, b) for m, p, s, b in api.seen if s < 300}
    assert {"create_customer_payment", "get_customer_payment", "list_invoice_payments",
            "create_vendor_payment", "get_vendor_payment", "list_bill_payments"} <= covered
    other = api.contacts["Brightside Cafe"]
    refusals = [
        (_customer_payment(api, invoice, 30.01), "The amount applied is more than the balance "
                                                 "due (30.00) of invoice"),
        (_customer_payment(api, "999", 5.0), "Invalid value passed for invoice_id"),
        (_customer_payment(api, invoice, 5.0, customer_id=other),
         "Invalid value passed for invoice_id"),
        (_customer_payment(api, invoice, 5.0, account_id=api.accounts["Sales"]),
         "Invalid value passed for account_id"),
        (_customer_payment(api, invoice, 5.0, amount=4.0), "more than the payment amount"),
    ]
    for body, words in refusals:
        status, answer = api.call("POST", "/customerpayments", body)
        assert (status, answer["code"]) == (400, 4) and words in answer["message"], answer
    assert api.call("GET", f"/invoices/{invoice}")[1]["invoice"]["balance"] == "30.00"
    assert api.call("GET", "/bills/999/payments")[0] == 404
