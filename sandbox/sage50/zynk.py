"""What Zynk Workflow does for a Sage 50 company, over real HTTP: GET the download, import
customers and suppliers, then invoices and transactions (Prevent Duplicates on), write the
success and fail files, and POST them back.

For tests it can be told to fail chosen records (`fail` = {("Invoice", id): reason, ...}), to
lose the confirmation (`lose_confirmation`: Sage 50 has the records but Ledgerlink never hears),
or be run as many times as wanted.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field

import requests
from defusedxml.ElementTree import fromstring

from sandbox.sage50.ledger import Refused

PARTIES = (("Customers", "Customer"), ("Suppliers", "Supplier"))


@dataclass
class RunResult:
    """What one workflow run did."""

    download: bytes = b""
    success: dict = field(default_factory=dict)  # record -> [(Id, Sage value)]
    failed: dict = field(default_factory=dict)  # record -> [(Id, reason)]
    posted: list = field(default_factory=list)  # (url, status code, JSON answer)


def file_xml(entries, value_name=None):
    """A success file (value_name per record) or fail file (Error) as UTF-8 bytes."""
    company = ET.Element("Company")
    for record, pairs in entries.items():
        holder = ET.SubElement(company, f"{record}s")
        for ident, value in pairs:
            element = ET.SubElement(holder, record)
            ET.SubElement(element, "Id").text = str(ident)
            ET.SubElement(element, value_name(record) if value_name else "Error").text = value
    return ET.tostring(company, encoding="utf-8", xml_declaration=True)


def _number_element(record):
    return {"Customer": "AccountReference", "Supplier": "AccountReference",
            "Invoice": "InvoiceNumber", "Transaction": "TransactionNumber"}[record]


class ZynkWorkflow:
    """One Zynk workflow pointed at Ledgerlink's URLs and a Sage50Company."""

    def __init__(self, company, download_url, confirm_url, failed_url, username, secret,
                 prevent_duplicates=True, manual_numbers=False, session=None):
        self.company = company
        self.urls = {"download": download_url, "confirm": confirm_url, "failed": failed_url}
        self.auth = (username, secret)
        self.prevent_duplicates = prevent_duplicates
        self.manual_numbers = manual_numbers
        self.http = session or requests.Session()

    def fetch(self):
        """Step 1: the HTTP task's GET (redirects not followed, as Zynk's are not)."""
        response = self.http.get(self.urls["download"], auth=self.auth, timeout=120,
                                 allow_redirects=False)
        response.raise_for_status()
        return response.content

    def run(self, fail=None, lose_confirmation=False):
        """One run of the workflow; returns a RunResult."""
        fail = fail or {}
        result = RunResult(download=self.fetch())
        root = fromstring(result.download, forbid_dtd=True)

        def attempt(record, ident, do):
            if (record, int(ident) if ident.isdigit() else ident) in fail:
                result.failed.setdefault(record, []).append(
                    (ident, fail[(record, int(ident) if ident.isdigit() else ident)]))
                return
            try:
                value = do()
            except Refused as exc:
                result.failed.setdefault(record, []).append((ident, str(exc)))
                return
            result.success.setdefault(record, []).append((ident, value))

        for collection, record in PARTIES:
            for element in root.findall(f"{collection}/{record}"):
                attempt(record, (element.findtext("Id") or "").strip(),
                        lambda e=element, r=record: self.company.import_party(
                            e, r, self.prevent_duplicates))
        for element in root.findall("Invoices/Invoice"):
            attempt("Invoice", (element.findtext("Id") or "").strip(),
                    lambda e=element: self.company.import_invoice(
                        e, self.manual_numbers, self.prevent_duplicates))
        for rows in _grouped(root.findall("Transactions/Transaction")):
            attempt("Transaction", (rows[0].findtext("Id") or "").strip(),
                    lambda r=rows: self.company.import_transactions(r, self.prevent_duplicates))
        if not lose_confirmation:
            if result.success:
                self._post("confirm", file_xml(result.success, _number_element), result)
            if result.failed:
                self._post("failed", file_xml(result.failed), result)
        return result

    def _post(self, which, body, result):
        response = self.http.post(self.urls[which], data=body, auth=self.auth, timeout=120,
                                  headers={"Content-Type": "application/xml"},
                                  allow_redirects=False)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        result.posted.append((self.urls[which], response.status_code, answer))


def _grouped(rows):
    """Consecutive rows with the same Id: one transaction with its splits."""
    groups = []
    for row in rows:
        if groups and (groups[-1][0].findtext("Id") or "") == (row.findtext("Id") or ""):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups
