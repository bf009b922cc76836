"""Every JSON body the Xero sandbox returns validates against Xero's own OpenAPI files."""

import requests
from test_sandbox_xero import Api
from test_sandbox_xero import contact_id
from test_sandbox_xero import invoice
from test_sandbox_xero import sign_in
from xero_helpers import validate_response

# The operations the sandbox implements with a JSON response (Accounting and Identity specs).
JSON_OPERATIONS = {
    "getConnections", "getOrganisations", "getAccounts", "getAccount", "getTaxRates",
    "getContacts", "getContact", "createContacts", "getInvoices", "getInvoice",
    "createInvoices", "getCreditNotes", "getCreditNote", "createCreditNotes",
    "getInvoiceAttachments", "createInvoiceAttachmentByFileName",
    "updateInvoiceAttachmentByFileName", "getCreditNoteAttachments",
    "createCreditNoteAttachmentByFileName", "updateCreditNoteAttachmentByFileName",
}


class Walker:
    """Calls the API and validates each JSON answer against the spec."""

    def __init__(self, api):
        self.api, self.covered, self.checked = api, set(), 0

    def __call__(self, method, path, status=200, **kwargs):
        answer = self.api(method, path, **kwargs)
        assert answer.status_code == status, answer.text
        self.check(method, "/xero/accounting" + path, answer)
        return answer.json()

    def check(self, method, path, answer):
        """Validate one answer and note its operation."""
        self.covered.add(validate_response(method, path, answer.status_code, answer.json()))
        self.checked += 1


def test_every_sandbox_response_matches_the_spec(sandbox):
    api = Api(sandbox, sign_in(sandbox))
    walk = Walker(api)
    conns = requests.get(f"{sandbox.url}/xero/api/connections", timeout=10,
                         headers={"Authorization": f"Bearer {api.token['access_token']}"})
    walk.check("GET", "/xero/api/connections", conns)
    walk("GET", "/Organisation")
    accounts = walk("GET", "/Accounts")["Accounts"]
    walk("GET", "/Accounts", params={"where": 'Status=="ACTIVE" AND Class=="REVENUE"'})
    walk("GET", f"/Accounts/{accounts[0]['AccountID']}")
    walk("GET", "/TaxRates", params={"where": 'Status=="ACTIVE"'})
    walk("GET", "/Contacts", params={"page": 1, "pageSize": 2})
    walk("GET", "/Contacts", params={"searchTerm": "club", "summaryOnly": "true"})
    cid = contact_id(api)
    walk("GET", f"/Contacts/{cid}")
    made = walk("PUT", "/Contacts", json={"Contacts": [{
        "Name": "Fidelity Ltd", "EmailAddress": "a@fidelity.example",
        "Addresses": [{"AddressType": "POBOX", "AddressLine1": "1 High St", "City": "Leeds",
                       "PostalCode": "LS1 1AA", "Country": "GB"}],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "0113 496 0000"}]}]})
    walk("PUT", "/Contacts", params={"summarizeErrors": "false"},
         json={"Contacts": [{"Name": "Fidelity Ltd"}]})
    walk("PUT", "/Contacts", status=400, json={"Contacts": [{"Name": "Fidelity Ltd"}]})
    new_cid = made["Contacts"][0]["ContactID"]
    sales = walk("PUT", "/Invoices", params={"summarizeErrors": "false"}, json={"Invoices": [
        invoice(new_cid, "F-1", Reference="PO 1"), invoice(new_cid, "F-1"),
        invoice(new_cid, kind="ACCPAY", account="429", tax="INPUT2", InvoiceNumber="B-7")]})
    walk("PUT", "/Invoices", status=400, json={"Invoices": [invoice(new_cid, "F-1")]})
    walk("PUT", "/Invoices", json={"Invoices": [invoice(new_cid, "F-2")]})
    inv_id = sales["Invoices"][0]["InvoiceID"]
    walk("GET", "/Invoices", params={"InvoiceNumbers": "F-1,F-2"})
    walk("GET", "/Invoices", params={"page": 1, "where": 'Type=="ACCPAY"'})
    walk("GET", f"/Invoices/{inv_id}")
    walk("GET", "/Invoices/F-2")
    credits = walk("PUT", "/CreditNotes", params={"summarizeErrors": "false"}, json={
        "CreditNotes": [dict(invoice(new_cid), Type="ACCRECCREDIT", CreditNoteNumber="CN-F1"),
                        dict(invoice(new_cid, account="429", tax="INPUT2"),
                             Type="ACCPAYCREDIT", CreditNoteNumber="SC-1"),
                        dict(invoice(new_cid, account="999"), Type="ACCRECCREDIT")]})
    walk("PUT", "/CreditNotes", status=400, json={"CreditNotes": [
        dict(invoice(new_cid), Type="ACCRECCREDIT", CreditNoteNumber="CN-F1")]})
    cn_id = credits["CreditNotes"][0]["CreditNoteID"]
    walk("GET", "/CreditNotes", params={"where": 'CreditNoteNumber=="CN-F1"'})
    walk("GET", "/CreditNotes", params={"page": 1})
    walk("GET", f"/CreditNotes/{cn_id}")
    pdf = {"Content-Type": "application/pdf"}
    for kind, doc_id in (("Invoices", inv_id), ("CreditNotes", cn_id)):
        walk("PUT", f"/{kind}/{doc_id}/Attachments/doc.pdf", params={"IncludeOnline": "true"},
             data=b"%PDF-1.4", headers=pdf)
        walk("POST", f"/{kind}/{doc_id}/Attachments/doc.pdf", data=b"%PDF-1.5", headers=pdf)
        walk("GET", f"/{kind}/{doc_id}/Attachments")
    assert walk.covered == JSON_OPERATIONS
    print(f"\nXero sandbox: {len(walk.covered)} JSON operations, {walk.checked} responses "
          "validated against the spec")
