"""One Sage 50 company in memory, importing Zynk XML records as Sage 50 would.

Each import task keeps Zynk's "truth table" (Id -> what Sage made of it); with Prevent Duplicates
on, an Id seen before is skipped and reported in the fail file. Element names, types and limits
follow ../shared/reference/providers-sage-zoho-zynk.md section C.
"""

import re
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from decimal import InvalidOperation

ADDRESS = {"Title", "Forename", "Surname", "Company", "Address1", "Address2", "Address3", "Town",
           "County", "Postcode", "Country", "Telephone", "Mobile", "Fax", "Email", "Website",
           "TradeContact"}
PARTY = {"Id", "AccountReference", "CompanyName", "VatNumber", "Currency", "NominalCode",
         "TaxCode", "CreditLimit", "SettlementDays", "PaymentDays", "Terms", "TermsAgreed",
         "AccountOnHold", "AccountStatus", "Memo"}
PARTY_ADDRESSES = {"Customer": {"CustomerInvoiceAddress", "CustomerDeliveryAddress"},
                   "Supplier": {"SupplierInvoiceAddress", "SupplierDeliveryAddress"}}
INVOICE = {"Id", "CustomerId", "AccountReference", "InvoiceType", "InvoiceNumber",
           "InvoiceDate", "DueDate", "OrderNumber", "CustomerOrderNumber", "Currency",
           "ForeignRate", "InvoiceAddress", "InvoiceDeliveryAddress", "Notes1", "Notes2",
           "Notes3", "TakenBy", "InvoiceItems", "Carriage", "GlobalNominalCode",
           "GlobalTaxCode", "GlobalDetails", "GlobalDepartment", "SettlementDays",
           "SettlementDiscount", "PaymentRef", "BankAccount", "PaymentAmount", "PaymentType"}
ITEM = {"Sku", "Name", "Details", "Description", "Comments", "QtyOrdered", "UnitPrice",
        "UnitDiscountPercentage", "UnitDiscountAmount", "NominalCode", "TaxCode", "Department",
        "IsNegativeLine", "Reference", "TotalNet", "TotalTax", "TaxRate", "UnitOfSale"}
INVOICE_TYPES = {"ProductInvoice", "ProductCredit", "ServiceInvoice", "ServiceCredit",
                 "ProductProforma", "ServiceProforma", "ProductQuotation"}
TRANSACTION = {"Id", "TransactionType", "AccountReference", "TransactionDate", "PostedDate",
               "DueDate", "Reference", "SecondReference", "PaymentReference", "NominalCode",
               "Department", "Fund", "ProjectRef", "ProjectItem", "Details", "NetAmount",
               "TaxCode", "TaxAmount", "BankReference"}
# TransactionType -> the ledger its AccountReference is on.
TRANSACTION_TYPES = {"SalesInvoice": "customer", "SalesCredit": "customer",
                     "PurchaseInvoice": "supplier", "PurchaseCredit": "supplier",
                     "SalesReceipt": "customer", "SalesReceiptOnAccount": "customer",
                     "PurchasePayment": "supplier", "PurchasePaymentOnAccount": "supplier"}
# Receipts and payments, and the invoice type Auto Allocate matches them to.
RECEIPTS = {"SalesReceipt": "SalesInvoice", "SalesReceiptOnAccount": "SalesInvoice",
            "PurchasePayment": "PurchaseInvoice", "PurchasePaymentOnAccount": "PurchaseInvoice"}
DEFAULT_NOMINALS = {"1200": "Bank Current Account", "4000": "Sales Type A",
                    "4010": "Sales Type B", "5000": "Materials Purchased",
                    "7500": "Office Stationery"}
TAX_CODES = {0, 1, 2, 5, 9}
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
MONEY = re.compile(r"^-?[0-9]+\.[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


class Refused(Exception):
    """Sage 50 (or Zynk's import) refuses the record; the message goes in the fail file."""


class Duplicate(Refused):
    """Prevent Duplicates: the Id was imported before."""


@dataclass
class Split:
    """One split of an audit-trail transaction."""

    nominal_code: str
    details: str
    net: Decimal
    tax_code: int
    tax: Decimal


@dataclass
class Header:
    """An audit-trail transaction (SI, SC, PI, PC, ...) with its splits."""

    number: int
    type: str
    account_reference: str
    reference: str
    date: str
    external_id: str
    splits: list = field(default_factory=list)
    allocated_to: str = ""  # receipts and payments: the invoice matched (Auto Allocate)


def _text(element, name):
    child = element.find(name)
    return (child.text or "").strip() if child is not None else ""


def _check_names(element, allowed, what):
    for child in element:
        if child.tag not in allowed:
            raise Refused(f"{what}: unknown element <{child.tag}>")


def _limit(value, limit, name):
    if len(value) > limit:
        raise Refused(f"{name} {value!r} is longer than {limit} characters")


def _decimal(value, name, money=False):
    if not value or not (MONEY if money else NUMBER).match(value):
        wanted = "an amount with two decimals" if money else "a number"
        raise Refused(f"{name} {value!r} is not {wanted}")
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern checked it
        raise Refused(f"{name} {value!r} is not a number") from exc


class Sage50Company:
    """A Sage 50 company: customers, suppliers, invoices, audit trail, nominal codes."""

    def __init__(self, nominal_codes=None):
        self.nominal_codes = dict(nominal_codes or DEFAULT_NOMINALS)
        self.accounts = {"customer": {}, "supplier": {}}  # reference -> name
        self.invoices = []  # dicts
        self.headers = []  # Header
        # Zynk's truth tables, per import task: Id -> what Sage made of it.
        self.truth = {"Customer": {}, "Supplier": {}, "Invoice": {}, "Transaction": {}}
        self.next_invoice = 1
        self.next_transaction = 1

    # --- customers and suppliers ---------------------------------------------------------------

    def import_party(self, element, record, prevent_duplicates=True):
        """Import a Customer or Supplier; return its account reference."""
        kind = record.lower()
        _check_names(element, PARTY | PARTY_ADDRESSES[record], record)
        for name in PARTY_ADDRESSES[record]:
            address = element.find(name)
            if address is not None:
                _check_names(address, ADDRESS, name)
        ident = _text(element, "Id")
        if not ident:
            raise Refused(f"{record} has no Id")
        _limit(ident, 255, "Id")
        if prevent_duplicates and ident in self.truth[record]:
            raise Duplicate(f"Duplicate: {record} Id {ident} has already been imported")
        reference = _text(element, "AccountReference").upper()
        name = _text(element, "CompanyName")
        if not reference:
            raise Refused("AccountReference is missing")
        _limit(reference, 8, "AccountReference")
        if not name:
            raise Refused("CompanyName is missing")
        _limit(name, 60, "CompanyName")
        _limit(_text(element, "VatNumber"), 30, "VatNumber")
        self.accounts[kind][reference] = name  # an existing reference is updated, not doubled
        self.truth[record][ident] = reference
        return reference

    def account_for(self, kind, ident, reference):
        """The account reference a document names (its customer's Zynk Id first)."""
        table = self.truth["Customer" if kind == "customer" else "Supplier"]
        if ident and ident in table:
            return table[ident]
        if reference and reference in self.accounts[kind]:
            return reference
        raise Refused(f"account {reference or ident!r} does not exist in Sage 50")

    def _nominal(self, code):
        if not re.fullmatch(r"[0-9]{1,8}", code or ""):
            raise Refused(f"nominal code {code!r} is not a Sage nominal code")
        if code not in self.nominal_codes:
            raise Refused(f"nominal code {code} does not exist")
        return code

    @staticmethod
    def _tax(code):
        if not code.isdigit() or int(code) not in TAX_CODES:
            raise Refused(f"tax code {code!r} is not set up")
        return int(code)

    # --- invoices (Invoice XML) ----------------------------------------------------------------

    def import_invoice(self, element, manual_numbers=False, prevent_duplicates=True):
        """Import an invoicing document; return its invoice number (as text)."""
        _check_names(element, INVOICE, "Invoice")
        ident = _text(element, "Id")
        if not ident:
            raise Refused("Invoice has no Id")
        if prevent_duplicates and ident in self.truth["Invoice"]:
            raise Duplicate(f"Duplicate: Invoice Id {ident} has already been imported")
        invoice_type = _text(element, "InvoiceType")
        if invoice_type not in INVOICE_TYPES:
            raise Refused(f"InvoiceType {invoice_type!r} is not one Zynk knows")
        reference = self.account_for("customer", _text(element, "CustomerId"),
                                     _text(element, "AccountReference"))
        if not DATE.match(_text(element, "InvoiceDate")):
            raise Refused("InvoiceDate is missing or not a date")
        items = element.findall("InvoiceItems/Item")
        if not items:
            raise Refused("the invoice has no items")
        net = tax = Decimal("0")
        for item in items:
            _check_names(item, ITEM, "Item")
            _decimal(_text(item, "QtyOrdered"), "QtyOrdered")
            _decimal(_text(item, "UnitPrice"), "UnitPrice")
            self._nominal(_text(item, "NominalCode"))
            self._tax(_text(item, "TaxCode"))
            net += _decimal(_text(item, "TotalNet"), "TotalNet", money=True)
            tax += _decimal(_text(item, "TotalTax"), "TotalTax", money=True)
        number = _text(element, "InvoiceNumber")
        if manual_numbers and number:
            _limit(number, 7, "InvoiceNumber")
            if any(i["number"] == number for i in self.invoices):
                raise Refused(f"invoice number {number} already exists")
        else:
            number = str(self.next_invoice)
            self.next_invoice += 1
        self.invoices.append({"id": ident, "number": number, "type": invoice_type,
                              "account": reference, "net": net, "tax": tax})
        self.truth["Invoice"][ident] = number
        return number

    def _allocation(self, receipt):
        """Auto Allocate Transactions: the invoice with the same account and reference (an
        audit-trail invoice, or an invoicing document by its number), else unallocated."""
        wanted = RECEIPTS[receipt.type]
        for header in self.headers:
            if header.type == wanted and (header.account_reference, header.reference) == (
                    receipt.account_reference, receipt.reference):
                return f"{header.type}:{header.number}"
        if wanted == "SalesInvoice":
            for invoice in self.invoices:
                if (invoice["account"], invoice["number"]) == (receipt.account_reference,
                                                               receipt.reference):
                    return f"Invoice:{invoice['number']}"
        return ""

    # --- audit-trail transactions (Transaction XML) --------------------------------------------

    def import_transactions(self, rows, prevent_duplicates=True):
        """Import the rows of one transaction (consecutive rows with the same Id); return its
        transaction number (as text)."""
        ident = _text(rows[0], "Id")
        if not ident.isdigit() or len(ident) > 8:
            raise Refused(f"Transaction Id {ident!r} is not an integer of up to 8 digits")
        if prevent_duplicates and ident in self.truth["Transaction"]:
            raise Duplicate(f"Duplicate: Transaction Id {ident} has already been imported")
        header = None
        for row in rows:
            _check_names(row, TRANSACTION, "Transaction")
            kind = TRANSACTION_TYPES.get(_text(row, "TransactionType"))
            if kind is None:
                raise Refused(f"TransactionType {_text(row, 'TransactionType')!r} is not known")
            account = _text(row, "AccountReference")
            _limit(account, 8, "AccountReference")
            if account not in self.accounts[kind]:
                raise Refused(f"account {account!r} does not exist in Sage 50")
            reference = _text(row, "Reference")
            _limit(reference, 10, "Reference")
            _limit(_text(row, "PaymentReference"), 10, "PaymentReference")
            details = _text(row, "Details")
            _limit(details, 60, "Details")
            if not DATE.match(_text(row, "TransactionDate")):
                raise Refused("TransactionDate is missing or not a date")
            split = Split(self._nominal(_text(row, "NominalCode")), details,
                          _decimal(_text(row, "NetAmount"), "NetAmount", money=True),
                          self._tax(_text(row, "TaxCode")),
                          _decimal(_text(row, "TaxAmount") or "0.00", "TaxAmount", money=True))
            if header is None:
                header = Header(self.next_transaction, _text(row, "TransactionType"), account,
                                reference, _text(row, "TransactionDate"), ident)
            elif (header.type, header.account_reference, header.reference) != (
                    _text(row, "TransactionType"), account, reference):
                raise Refused(f"Transaction Id {ident}: its rows differ in type, account or "
                              "reference")
            header.splits.append(split)
        if header.type in RECEIPTS:
            header.allocated_to = self._allocation(header)
        self.next_transaction += len(header.splits)
        self.headers.append(header)
        self.truth["Transaction"][ident] = str(header.number)
        return str(header.number)
