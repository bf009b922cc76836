"""QuickBooks Online JSON in and out: document bodies (Invoice, CreditMemo, Bill, VendorCredit)
and read-back, accounts, tax codes, customers and vendors, items."""

import hashlib
import json
import uuid
from decimal import Decimal

from providers import answers
from providers.base import Account
from providers.base import AccountType
from providers.base import Contact
from providers.base import DocumentKind
from providers.base import Item
from providers.base import RemoteDocument
from providers.base import RemotePayment
from providers.base import TaxRate

ENTITIES = {DocumentKind.SALES_INVOICE: "Invoice", DocumentKind.SALES_CREDIT_NOTE: "CreditMemo",
            DocumentKind.SUPPLIER_INVOICE: "Bill",
            DocumentKind.SUPPLIER_CREDIT_NOTE: "VendorCredit"}
KINDS = {entity: kind for kind, entity in ENTITIES.items()}
DOC_NUMBER_MAX = 21
REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36


def raw_contact_id(contact_id):
    """"customer:58" -> "58" (a bare id passes through)."""
    return str(contact_id).rpartition(":")[2]


def document_number(document):
    """The DocNumber we would send: ours for sales, the supplier's for supplier documents."""
    if document.kind.is_sales:
        return document.number
    return document.supplier_reference or document.number


def body(document, send_number, items):
    """The create body for one document; `items` maps an income account id to an Item id."""
    entity = ENTITIES[document.kind]
    note = f"Ledgerlink {document.number}"
    if document.reference:
        note += f"; reference {document.reference}"
    if document.original_number:
        note += f"; credits {document.original_number}"
    out = {"TxnDate": document.issue_date.isoformat(), "PrivateNote": note[:4000],
           "CurrencyRef": {"value": document.currency}}
    if document.kind.is_sales:
        out["CustomerRef"] = {"value": raw_contact_id(party_of(document))}
        out["Line"] = [_sales_line(line, items) for line in document.lines]
        if send_number and document.use_our_number:
            out["DocNumber"] = document.number
    else:
        out["VendorRef"] = {"value": raw_contact_id(document.contact_id)}
        out["Line"] = [_expense_line(line) for line in document.lines]
        out["DocNumber"] = document_number(document)
    if document.due_date and entity in ("Invoice", "Bill"):
        out["DueDate"] = document.due_date.isoformat()
    return out


def party_of(document):
    """The contact a document is raised on: the care-of sub-customer where there is one."""
    return document.care_of_contact_id or document.contact_id


def note_names(note, number):
    """Whether a PrivateNote we wrote names our number (see `body`)."""
    return note == f"Ledgerlink {number}" or note.startswith(f"Ledgerlink {number}; ")


def _sales_line(line, items):
    detail = {"ItemRef": {"value": line.item_id or items[line.account_id]},
              "Qty": _number(line.quantity), "UnitPrice": _number(line.unit_price)}
    if line.tax_rate_id:
        detail["TaxCodeRef"] = {"value": line.tax_rate_id}
    return {"DetailType": "SalesItemLineDetail", "Amount": _number(line.net),
            "Description": line.description[:4000], "SalesItemLineDetail": detail}


def _expense_line(line):
    detail = {"AccountRef": {"value": line.account_id}}
    if line.tax_rate_id:
        detail["TaxCodeRef"] = {"value": line.tax_rate_id}
    return {"DetailType": "AccountBasedExpenseLineDetail", "Amount": _number(line.net),
            "Description": line.description[:4000], "AccountBasedExpenseLineDetail": detail}


def _number(value):
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def request_id(documents):
    """`requestid` for a push: the document's own key, or a digest of the batch's keys.

    A retry of the same push (same keys) replays QuickBooks' stored answer instead of creating
    the documents again.
    """
    keys = [d.idempotency_key or f"ledgerlink-{d.local_id}-{uuid.uuid4()}" for d in documents]
    if len(documents) == 1 and len(keys[0]) <= REQUEST_ID_MAX:
        return keys[0]
    limit = BATCH_REQUEST_ID_MAX if len(documents) > 1 else REQUEST_ID_MAX
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:limit]


def remote(entity, record, url=""):
    """A RemoteDocument from a QuickBooks transaction record."""
    total = answers.money(record.get("TotalAmt"))
    balance = answers.money(record.get("Balance", record.get("RemainingCredit", total)))
    party = "CustomerRef" if entity in ("Invoice", "CreditMemo") else "VendorRef"
    prefix = "customer:" if party == "CustomerRef" else "vendor:"
    if balance == 0 and total:
        status = "Paid" if entity in ("Invoice", "Bill") else "Applied"
    else:
        status = "Open" if balance == total else "Partially paid"
    tax = (record.get("TxnTaxDetail") or {}).get("TotalTax", 0)
    party_id = answers.optional_ident((record.get(party) or {}).get("value"))
    return RemoteDocument(
        remote_id=answers.ident(record["Id"]), number=answers.text(record.get("DocNumber")),
        reference=answers.text(record.get("PrivateNote")), kind=KINDS[entity],
        contact_id=prefix + (party_id or ""), total=total,
        tax_total=answers.money(tax), status=status, amount_paid=total - balance, url=url,
        issue_date=answers.day(record.get("TxnDate")))


# The paid document's kind -> (payment entity, linked entity, the payment's TxnType as the
# linked document lists it).
PAYMENT_ENTITIES = {DocumentKind.SALES_INVOICE: ("Payment", "Invoice", ("Payment",)),
                    DocumentKind.SUPPLIER_INVOICE: ("BillPayment", "Bill",
                                                    ("BillPaymentCheck", "BillPayment"))}
PAYMENT_REF_MAX = 21  # PaymentRefNum


def payment_body(payment):
    """The create body of a Payment (a receipt against an invoice, deposited to the bank) or a
    BillPayment (paid by check from the bank against a bill). Our key goes in PrivateNote, so
    a payment read back can be told for ours."""
    entity, linked, _ = PAYMENT_ENTITIES[payment.kind]
    note = f"Ledgerlink {payment.idempotency_key}"
    if payment.reference:
        note += f"; reference {payment.reference}"
    out = {"TxnDate": payment.paid_on.isoformat(), "TotalAmt": _number(payment.amount),
           "PrivateNote": note[:4000], "CurrencyRef": {"value": payment.currency},
           "Line": [{"Amount": _number(payment.amount),
                     "LinkedTxn": [{"TxnId": str(payment.document_remote_id),
                                    "TxnType": linked}]}]}
    bank = {"value": str(payment.bank_account_id)}
    if entity == "Payment":
        out.update(CustomerRef={"value": raw_contact_id(payment.contact_id)},
                   DepositToAccountRef=bank)
        if payment.reference:
            out["PaymentRefNum"] = payment.reference[:PAYMENT_REF_MAX]
    else:
        out.update(VendorRef={"value": raw_contact_id(payment.contact_id)}, PayType="Check",
                   CheckPayment={"BankAccountRef": bank})
    return out


def remote_payment(record, document_remote_id):
    """A Payment or BillPayment read back, as applied to one document."""
    applied = [line for line in record.get("Line") or []
               if any(str(link.get("TxnId")) == str(document_remote_id)
                      for link in line.get("LinkedTxn") or [])]
    amount = sum((answers.money(line.get("Amount")) for line in applied), Decimal(0)) \
        if applied else answers.money(record.get("TotalAmt"))
    return RemotePayment(remote_id=answers.ident(record["Id"]),
                         document_remote_id=str(document_remote_id), amount=amount,
                         paid_on=answers.day(record.get("TxnDate")),
                         reference=answers.text(record.get("PaymentRefNum")),
                         note=answers.text(record.get("PrivateNote")))


def request_id_for(*parts):
    """A deterministic `requestid` for a non-document write (a retry replays the first answer)."""
    raw = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:REQUEST_ID_MAX]


# --- lists --------------------------------------------------------------------------------

ACCOUNT_TYPES = {"Income": AccountType.INCOME, "Other Income": AccountType.INCOME,
                 "Expense": AccountType.EXPENSE, "Other Expense": AccountType.EXPENSE,
                 "Cost of Goods Sold": AccountType.COST_OF_SALES, "Bank": AccountType.BANK}


def quote(text):
    """A string literal for the query language (backslash-escaped quotes)."""
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def account_from(record):
    """A QuickBooks Account as ours."""
    return Account(id=answers.ident(record["Id"]), code=answers.text(record.get("AcctNum")),
                   name=answers.text(record["Name"]),
                   type=ACCOUNT_TYPES.get(record.get("AccountType"), AccountType.OTHER),
                   active=answers.flag(record.get("Active"), True),
                   provider_type=answers.text(record.get("AccountType")),
                   tax_rate_id=answers.optional_ident((record.get("TaxCodeRef") or {}).get(
                       "value")))


def tax_rate_from(code, rates):
    """A TaxCode as our TaxRate, its rate the sum of its component TaxRates (`rates` by id)."""
    sales = _rate_ids(code.get("SalesTaxRateList"))
    purchases = _rate_ids(code.get("PurchaseTaxRateList"))
    chosen = sales or purchases
    total = sum((answers.money(rates.get(i, {}).get("RateValue")) for i in chosen), Decimal(0))
    code_id = answers.ident(code["Id"])
    us_pseudo = code_id in ("TAX", "NON")
    return TaxRate(id=code_id, name=answers.text(code.get("Name")) or code_id, rate=total,
                   active=answers.flag(code.get("Active"), True),
                   for_sales=bool(sales) or us_pseudo,
                   for_purchases=bool(purchases) or code_id == "NON")


def contact_from(entity, record):
    """A Customer or Vendor as our Contact, its id "customer:58" / "vendor:41"."""
    email = answers.text((record.get("PrimaryEmailAddr") or {}).get("Address"))
    return Contact(id=f"{entity.lower()}:{answers.ident(record['Id'])}",
                   name=answers.text(record.get("DisplayName")),
                   is_customer=entity == "Customer", is_supplier=entity == "Vendor", email=email,
                   account_number=answers.text(record.get("AcctNum")),
                   active=answers.flag(record.get("Active"), True),
                   postcode=answers.text(answers.nested(record, "BillAddr", "PostalCode")),
                   vat_number=answers.text(record.get("TaxIdentifier")))


def contact_body(entity, new_contact):
    """The create body for a Customer or Vendor."""
    body = {"DisplayName": new_contact.name.strip(), "CompanyName": new_contact.name.strip()}
    if new_contact.email:
        body["PrimaryEmailAddr"] = {"Address": new_contact.email}
    if new_contact.phone:
        body["PrimaryPhone"] = {"FreeFormNumber": new_contact.phone}
    address = {f"Line{i + 1}": line for i, line in enumerate(new_contact.address_lines[:5])}
    address.update({k: v for k, v in (("City", new_contact.city),
                                      ("PostalCode", new_contact.postcode),
                                      ("Country", new_contact.country)) if v})
    if address:
        body["BillAddr"] = address
    if new_contact.account_number:
        body["AcctNum"] = new_contact.account_number
    if new_contact.vat_number and entity == "Vendor":
        body["TaxIdentifier"] = new_contact.vat_number
    return body


def item_from(record):
    """A QuickBooks Item as ours."""
    return Item(id=answers.ident(record["Id"]), name=answers.text(record["Name"]),
                income_account_id=answers.optional_ident(
                    (record.get("IncomeAccountRef") or {}).get("value")),
                active=answers.flag(record.get("Active"), True))


def _rate_ids(rate_list):
    return [answers.ident(d["TaxRateRef"]["value"])
            for d in (rate_list or {}).get("TaxRateDetail", [])]
