"""Zynk's XML in and out: the <Company> download we build, the success and fail files we read.

Built with the standard library's ElementTree (escaping and UTF-8 done by the library); read
with defusedxml, which refuses DTDs, entity declarations and external references, after a size
check, so a hostile or broken file is refused before it can expand.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from dataclasses import field
from decimal import ROUND_HALF_UP
from decimal import Decimal

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_BODY_BYTES = 2 * 1024 * 1024
TWO_PLACES = Decimal("0.01")
# Confirmation collections: (collection, record, the element carrying Sage's number).
CONFIRMED = (("Customers", "Customer", "AccountReference"),
             ("Suppliers", "Supplier", "AccountReference"),
             ("Invoices", "Invoice", "InvoiceNumber"),
             ("Transactions", "Transaction", "TransactionNumber"))


class WireError(Exception):
    """A file we cannot read; the message says why, for the HTTP answer."""


def money(value):
    """Two decimals, as Zynk's samples give amounts."""
    return str(Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP))


def _add(parent, name, value=None):
    element = ET.SubElement(parent, name)
    if value is not None:
        element.text = str(value)
    return element


def _address(parent, name, party):
    address = _add(parent, name)
    _add(address, "Company", party.name)
    _add(address, "Address1", party.address1)
    _add(address, "Address2", party.address2)
    _add(address, "Town", party.town)
    _add(address, "Postcode", party.postcode)
    _add(address, "Country", party.country)
    _add(address, "Telephone", party.telephone)
    _add(address, "Email", party.email)
    return address


@dataclass
class Party:
    """A customer or supplier to create in Sage 50."""

    id: int
    account_reference: str
    name: str
    vat_number: str = ""
    address1: str = ""
    address2: str = ""
    town: str = ""
    postcode: str = ""
    country: str = ""
    telephone: str = ""
    email: str = ""


@dataclass
class Row:
    """One line of a document: text, quantity, price, nominal and tax."""

    details: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    tax: Decimal
    nominal_code: str
    tax_code: int


@dataclass
class Export:
    """One document for Sage 50."""

    id: int
    kind: str
    account_reference: str
    contact_id: int
    number: str
    date: object
    due_date: object
    reference: str
    rows: list = field(default_factory=list)
    invoice_number: str = ""  # set when Sage is told to keep our number (Invoice XML)
    bank_reference: str = ""  # receipts and payments: the bank nominal code


def _parties(company, collection, record, address, parties):
    holder = _add(company, collection)
    for party in parties:
        element = _add(holder, record)
        _add(element, "Id", party.id)
        _add(element, "CompanyName", party.name)
        _add(element, "AccountReference", party.account_reference)
        if party.vat_number:
            _add(element, "VatNumber", party.vat_number)
        _address(element, address, party)


def _invoice(holder, doc, invoice_type):
    element = _add(holder, "Invoice")
    _add(element, "Id", doc.id)
    _add(element, "CustomerId", doc.contact_id)
    _add(element, "AccountReference", doc.account_reference)
    _add(element, "InvoiceType", invoice_type)
    if doc.invoice_number:
        _add(element, "InvoiceNumber", doc.invoice_number)
    _add(element, "CustomerOrderNumber", doc.reference or doc.number)
    _add(element, "InvoiceDate", f"{doc.date.isoformat()}T00:00:00")
    if doc.due_date:
        _add(element, "DueDate", f"{doc.due_date.isoformat()}T00:00:00")
    _add(element, "Notes1", f"Ledgerlink {doc.number}")
    items = _add(element, "InvoiceItems")
    for row in doc.rows:
        item = _add(items, "Item")
        _add(item, "Details", row.details)
        _add(item, "QtyOrdered", f"{Decimal(row.quantity).normalize():f}")
        _add(item, "UnitPrice", f"{Decimal(row.unit_price).normalize():f}")
        _add(item, "TotalNet", money(row.net))
        _add(item, "TotalTax", money(row.tax))
        _add(item, "NominalCode", row.nominal_code)
        _add(item, "TaxCode", row.tax_code)


def _transactions(holder, doc, transaction_type):
    # One row per line: Zynk groups consecutive rows with the same account, reference, date and
    # type into one Sage header with a split per row. Every row carries the document's Id.
    for row in doc.rows:
        element = _add(holder, "Transaction")
        _add(element, "Id", doc.id)
        _add(element, "TransactionType", transaction_type)
        _add(element, "AccountReference", doc.account_reference)
        _add(element, "TransactionDate", f"{doc.date.isoformat()}T00:00:00")
        if doc.due_date:
            _add(element, "DueDate", f"{doc.due_date.isoformat()}T00:00:00")
        _add(element, "NominalCode", row.nominal_code)
        _add(element, "Reference", doc.number)
        if doc.reference:
            _add(element, "PaymentReference", doc.reference)
        _add(element, "Details", row.details)
        _add(element, "NetAmount", money(row.net))
        _add(element, "TaxCode", row.tax_code)
        _add(element, "TaxAmount", money(row.tax))
        if doc.bank_reference:
            _add(element, "BankReference", doc.bank_reference)


def company_xml(customers, suppliers, invoices, transactions, invoice_types,
                transaction_types, payments=()):
    """The <Company> download as UTF-8 bytes: Customers, Suppliers, then Invoices (Invoice XML)
    and Transactions, then the receipts and payments (transactions too), in Zynk's names."""
    company = ET.Element("Company")
    _parties(company, "Customers", "Customer", "CustomerInvoiceAddress", customers)
    _parties(company, "Suppliers", "Supplier", "SupplierInvoiceAddress", suppliers)
    holder = _add(company, "Invoices")
    for doc in invoices:
        _invoice(holder, doc, invoice_types[doc.kind])
    holder = _add(company, "Transactions")
    for doc in [*transactions, *payments]:
        _transactions(holder, doc, transaction_types[doc.kind])
    ET.indent(company)
    return ET.tostring(company, encoding="utf-8", xml_declaration=True)


def read_company(body):
    """The <Company> root of a posted file; WireError when it is too big, unsafe or not XML."""
    if body is None or len(body) == 0:
        raise WireError("The body is empty: post the success or fail file.")
    if len(body) > MAX_BODY_BYTES:
        raise WireError(f"The file is larger than {MAX_BODY_BYTES // 1024} KB.")
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise WireError("The file declares a DTD or entities, which are not accepted.") from exc
    except ET.ParseError as exc:
        raise WireError(f"The file is not well-formed XML ({exc}).") from exc
    if root.tag != "Company":
        raise WireError("The file's root element must be <Company>.")
    return root


def _text(element, name):
    child = element.find(name)
    return (child.text or "").strip() if child is not None else ""


def _id(element, record):
    text = _text(element, "Id")
    if not text.isdigit() or len(text) > 12:
        raise WireError(f"A {record} has no numeric <Id>.")
    return int(text)


def confirmations(root):
    """{record name: [(Id, Sage's number)]} from a success file."""
    found = {}
    for collection, record, number in CONFIRMED:
        for element in root.findall(f"{collection}/{record}"):
            found.setdefault(record, []).append((_id(element, record), _text(element, number)))
    return found


def failures(root):
    """{record name: [(Id, reason)]} from a fail file: each record with its <Id> and the reason
    Zynk gave in <Error> (or <Message>)."""
    found = {}
    for collection, record, _number in CONFIRMED:
        for element in root.findall(f"{collection}/{record}"):
            reason = _text(element, "Error") or _text(element, "Message") or "no reason given"
            found.setdefault(record, []).append((_id(element, record), reason[:500]))
    return found
