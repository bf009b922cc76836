"""Xero payments in a sandbox tenant: a payment against an authorised invoice or bill, from a
bank account (or one with payments enabled), reducing what the invoice owes.

The refusals are Xero's own ValidationErrors messages (see sandbox/README.md, "Xero").
"""

from decimal import Decimal

from sandbox.xero.documents import lock_date
from sandbox.xero.documents import money
from sandbox.xero.documents import parse_date
from sandbox.xero.seed import ms_date
from sandbox.xero.seed import new_id

PAYMENT_TYPES = {"ACCREC": "ACCRECPAYMENT", "ACCPAY": "ACCPAYPAYMENT"}


def _invoice(tenant, ref):
    if not isinstance(ref, dict) or not (ref.get("InvoiceID") or ref.get("InvoiceNumber")):
        return None, "Invoice or CreditNote or Prepayment or Overpayment must be specified."
    if ref.get("InvoiceID"):
        invoice = tenant["invoices"].get(ref["InvoiceID"])
    else:
        invoice = next((d for d in tenant["invoices"].values()
                        if d.get("InvoiceNumber") == ref["InvoiceNumber"]), None)
    if invoice is None:
        return None, "Invoice could not be found."
    if invoice["Status"] != "AUTHORISED":
        return None, "Invoice not of valid status for modification"
    return invoice, None


def _account(tenant, ref):
    if not isinstance(ref, dict) or not (ref.get("AccountID") or ref.get("Code")):
        return None, "Account must be specified."
    account = next((a for a in tenant["accounts"]
                    if (ref.get("AccountID") and a["AccountID"] == ref["AccountID"])
                    or (ref.get("Code") and a.get("Code") == ref["Code"])), None)
    if account is None:
        return None, "Account could not be found."
    if account["Status"] != "ACTIVE" or not (account["Type"] == "BANK"
                                             or account.get("EnablePaymentsToAccount")):
        return None, "Account type is invalid for making a payment to/from"
    return account, None


def create_payment(tenant, meta, element, now):
    """Validate one submitted Payment; store it and return (True, payment) or (False, errors)."""
    errors = []
    invoice, problem = _invoice(tenant, element.get("Invoice"))
    if problem:
        errors.append(problem)
    account, problem = _account(tenant, element.get("Account"))
    if problem:
        errors.append(problem)
    paid_on = parse_date(element.get("Date"))
    if paid_on is None:
        errors.append("A valid Date must be specified.")
    locked = lock_date(meta)
    if paid_on and locked and paid_on <= locked:
        errors.append(f"Payment date must be after the organisation's lock date "
                      f"({locked:%d %b %Y}).")
    raw = element.get("Amount")
    amount = None if isinstance(raw, bool) or not isinstance(raw, (int, float, str)) \
        else _decimal(raw)
    if amount is None or amount <= 0:
        errors.append("Payment amount must be greater than zero.")
    elif invoice is not None and amount > Decimal(str(invoice["AmountDue"])):
        errors.append("Payment amount exceeds the amount outstanding on this document.")
    if errors:
        return False, errors
    amount = money(amount)
    payment = {
        "PaymentID": new_id(), "Date": ms_date(paid_on), "Amount": float(amount),
        "BankAmount": float(amount), "CurrencyRate": 1.0,
        "PaymentType": PAYMENT_TYPES[invoice["Type"]], "Status": "AUTHORISED",
        "Reference": str(element.get("Reference") or ""), "IsReconciled": False,
        "UpdatedDateUTC": ms_date(now), "HasAccount": True, "HasValidationErrors": False,
        "Account": {"AccountID": account["AccountID"], "Code": account.get("Code", "")},
        "Invoice": {"InvoiceID": invoice["InvoiceID"], "Type": invoice["Type"],
                    "InvoiceNumber": invoice.get("InvoiceNumber", ""),
                    "Contact": dict(invoice["Contact"]), "CurrencyCode": invoice["CurrencyCode"]},
    }
    tenant.setdefault("payments", {})[payment["PaymentID"]] = payment
    _apply(invoice, payment, amount, now)
    return True, payment


def _apply(invoice, payment, amount, now):
    due = money(Decimal(str(invoice["AmountDue"])) - amount)
    invoice["AmountDue"] = float(due)
    invoice["AmountPaid"] = float(money(Decimal(str(invoice["AmountPaid"])) + amount))
    if due == 0:
        invoice["Status"] = "PAID"
        invoice["FullyPaidOnDate"] = payment["Date"]
    invoice.setdefault("Payments", []).append({
        key: payment[key] for key in ("PaymentID", "Date", "Amount", "Reference",
                                      "CurrencyRate", "HasAccount", "HasValidationErrors")})
    invoice["UpdatedDateUTC"] = ms_date(now)


def _decimal(raw):
    try:
        return Decimal(str(raw))
    except ArithmeticError:
        return None


def payment_view(payment):
    """A stored payment as Xero returns it."""
    return {**payment, "Account": dict(payment["Account"]),
            "Invoice": {**payment["Invoice"], "Contact": dict(payment["Invoice"]["Contact"])}}
