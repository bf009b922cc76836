"""Sage 50 through Zynk: the package's facts and rules, pure (no HTTP, no database).

Facts from ../shared/reference/providers-sage-zoho-zynk.md section C: account references up to
8 characters, manual invoice numbers up to 7, transaction references up to 10, details up to 60,
nominal codes of digits, tax codes sent as integers (1 = T1).
"""

import re
from decimal import Decimal

NOMINAL_CODE = re.compile(r"^[0-9]{1,8}$")
ACCOUNT_REFERENCE_LIMIT = 8
INVOICE_NUMBER_LIMIT = 7
REFERENCE_LIMIT = 10
DETAILS_LIMIT = 60
COMPANY_NAME_LIMIT = 60
# Our rate (percent, as text) -> Sage T-code, until the admin says otherwise: T1 standard 20%,
# T5 lower 5%, T0 zero-rated. T2 (exempt) and T9 (outside VAT) are 0% too, so the admin picks
# which one 0% means for the firm.
DEFAULT_TAX_CODES = {"20": 1, "5": 5, "0": 0}
TAX_CODE_NAMES = {0: "T0 zero rated", 1: "T1 standard", 2: "T2 exempt", 5: "T5 lower rate",
                  9: "T9 outside the scope of VAT"}
INVOICE_XML, TRANSACTION_XML = "invoice", "transaction"
FORMATS = {INVOICE_XML: "Invoice XML (invoicing documents, posted by Update Ledgers)",
           TRANSACTION_XML: "Transaction XML (posted straight to the ledgers)"}
# Zynk's collection and record element names, and the TransactionType of each document kind.
TRANSACTION_TYPES = {"sales_invoice": "SalesInvoice", "sales_credit_note": "SalesCredit",
                     "supplier_invoice": "PurchaseInvoice",
                     "supplier_credit_note": "PurchaseCredit",
                     "sales_receipt": "SalesReceipt", "supplier_payment": "PurchasePayment"}
# Receipts and payments go with tax code T9 (outside VAT) and the gross amount as NetAmount.
PAYMENT_TAX_CODE = 9
# Transaction Ids of payments: 90,000,000 + the payment's id, within Zynk's 8-digit integer and
# clear of our document ids (which are the other transactions' Ids).
PAYMENT_ID_BASE = 90_000_000
INVOICE_TYPES = {"sales_invoice": "ServiceInvoice", "sales_credit_note": "ServiceCredit"}


class Sage50:
    """Sage 50 (desktop) through Zynk Workflow."""

    id = "sage50"
    name = "Sage 50 (through Zynk)"
    description = "Sage 50 Accounts on the firm's own PC, fed by Zynk Workflow."
    pull = True  # the package fetches from us; there is nothing to push or authorise
    # Zynk's HTTP task waits 120 s by default; one download must answer well within it.
    timeout_seconds = 120

    @staticmethod
    def field_limits(invoice_format, manual_numbers):
        """The longest number, reference and line text the chosen XML takes."""
        number = INVOICE_NUMBER_LIMIT if (invoice_format == INVOICE_XML and manual_numbers) \
            else REFERENCE_LIMIT
        return {"number": number, "reference": REFERENCE_LIMIT, "line_description": DETAILS_LIMIT}

    @staticmethod
    def valid_nominal_code(code):
        """True for a Sage 50 nominal code: digits, at most 8."""
        return bool(NOMINAL_CODE.match(code or ""))

    @staticmethod
    def account_type(code):
        """Our coarse account type of a nominal code by Sage 50's default chart of accounts:
        1200-1299 bank, 4xxx sales, 5xxx purchases, 6xxx-8xxx overheads."""
        if not NOMINAL_CODE.match(code or ""):
            return "other"
        value = int(code)
        if 1200 <= value <= 1299:
            return "bank"
        return {"4": "income", "5": "cost_of_sales", "6": "expense", "7": "expense",
                "8": "expense"}.get(code[0], "other") if len(code) == 4 else "other"

    @staticmethod
    def tax_code_for(rate, tax_codes):
        """The T-code (int) for our rate in percent, or None when it is not mapped."""
        key = rate_key(rate)
        code = tax_codes.get(key)
        return int(code) if code is not None and str(code).isdigit() else None


def rate_key(rate):
    """A rate as the mapping keys it: "20", "17.5", "0"."""
    text = f"{Decimal(rate).normalize():f}"
    return text


def account_reference(name, taken, existing=""):
    """The Sage account reference for a new customer or supplier.

    The contact's existing reference when it has one that fits (up to 8 letters and digits);
    else up to the first 3 letters and digits of the name in capitals (padded with X), then the
    lowest free 3-digit counter from 001 (widening to 5 digits when all 999 are taken), so
    "Kinghorn & French" becomes KIN001, then KIN002. `taken`: references in use (capitals).
    """
    existing = (existing or "").strip().upper()
    if existing and re.fullmatch(r"[A-Z0-9]{1,8}", existing) and existing not in taken:
        return existing
    stem = re.sub(r"[^A-Z0-9]", "", (name or "").upper())[:3].ljust(3, "X")
    for width in (3, 5):
        for counter in range(1, 10 ** width):
            candidate = f"{stem}{counter:0{width}d}"
            if candidate not in taken:
                return candidate
    raise ValueError("no free account reference")  # 100,998 contacts of one stem
