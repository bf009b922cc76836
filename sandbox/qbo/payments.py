"""Payments (against invoices) and bill payments (against bills) in a sandbox company: the
party, bank account and linked transaction checked, the amount applied to the open balance.

QuickBooks keeps an overpaid receipt as unapplied credit; the sandbox, like the bill payment
screen, refuses a line larger than the open balance (see sandbox/README.md, "QuickBooks").
"""

from decimal import Decimal
from decimal import InvalidOperation

from sandbox.qbo import errors
from sandbox.qbo.documents import dated
from sandbox.qbo.errors import QboFault

# Payment entity -> (party, linked entity, its TxnType, the TxnType the linked entity lists).
PAYMENTS = {"Payment": ("Customer", "Invoice", "Invoice", "Payment"),
            "BillPayment": ("Vendor", "Bill", "Bill", "BillPaymentCheck")}
BANK_TYPES = ("Bank", "Other Current Asset")  # where a receipt may be deposited
CENT = Decimal("0.01")


def create_payment(ledger, entity, body):
    """Validate a new Payment or BillPayment, apply it to its linked transactions and return
    the record QuickBooks would store (the caller stores it)."""
    party, linked_entity, txn_type, listed_as = PAYMENTS[entity]
    contact = ledger.referenced(party, body.get(f"{party}Ref"))
    total = _amount(body.get("TotalAmt"), "TotalAmt")
    _bank(ledger, entity, body)
    txn_date = dated(ledger, body)
    lines = body.get("Line")
    if not isinstance(lines, list) or not lines:
        raise errors.required("Line")
    applied, plan = Decimal(0), []
    for line in lines:
        amount = _amount(line.get("Amount"), "Amount")
        links = line.get("LinkedTxn")
        if not isinstance(links, list) or len(links) != 1:
            raise errors.required("LinkedTxn")
        link = links[0]
        if link.get("TxnType") != txn_type:
            raise errors.business(f"A {entity} line links to a {txn_type}, not "
                                  f"{link.get('TxnType')!r}.")
        target = ledger.record(linked_entity, link.get("TxnId"))
        if target is None:
            raise errors.invalid_reference(linked_entity, link.get("TxnId"))
        if target[f"{party}Ref"]["value"] != contact["Id"]:
            raise errors.business(f"{linked_entity} {target['Id']} belongs to another "
                                  f"{party.lower()}.")
        balance = Decimal(str(target["Balance"]))
        if amount > balance:
            raise errors.business(f"The payment amount {amount} is more than the open balance "
                                  f"{balance} of {linked_entity} {target['Id']}.")
        applied += amount
        plan.append((target, amount))
    if applied > total:
        raise errors.business("The lines apply more than the payment's TotalAmt.")
    if entity == "BillPayment" and applied != total:
        raise errors.business("A bill payment's TotalAmt must equal the sum of its lines.")
    record = {**body, f"{party}Ref": {"value": contact["Id"], "name": contact["DisplayName"]},
              "TotalAmt": float(total), "CurrencyRef": body.get("CurrencyRef")
              or ledger.currency_ref(), "TxnDate": txn_date.isoformat()}
    if entity == "Payment":
        record["UnappliedAmt"] = float(total - applied)
    return record, plan, listed_as


def apply(ledger, entity, record, plan, listed_as):
    """Reduce each linked transaction's open balance and list the payment on it."""
    for target, amount in plan:
        target["Balance"] = float(Decimal(str(target["Balance"])) - amount)
        target.setdefault("LinkedTxn", []).append({"TxnId": record["Id"], "TxnType": listed_as})
        ledger.touch(PAYMENTS[entity][1], target)


def _bank(ledger, entity, body):
    if entity == "Payment":
        ref = body.get("DepositToAccountRef")
        if ref is None:
            return  # QuickBooks deposits to Undeposited Funds
        account = ledger.referenced("Account", ref)
        if account.get("AccountType") not in BANK_TYPES:
            raise errors.business(f"Deposit to account {account['Name']} must be a bank or "
                                  "other current asset account.")
        return
    if body.get("PayType") not in ("Check", "CreditCard"):
        raise errors.required("PayType")
    if body["PayType"] == "CreditCard":
        raise errors.business("This sandbox records bill payments by check only.")
    account = ledger.referenced("Account", (body.get("CheckPayment") or {}).get("BankAccountRef"))
    if account.get("AccountType") != "Bank":
        raise errors.business(f"Bank account {account['Name']} must be a bank account.")


def _amount(value, name):
    if value is None:
        raise errors.required(name)
    if isinstance(value, bool):
        raise _bad(name, value)
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        raise _bad(name, value) from None
    if amount <= 0:
        raise errors.business(f"{name} must be greater than zero.")
    return amount


def _bad(name, value):
    return QboFault("2010", "Request has invalid or unsupported property",
                    f"Property Name:Can not construct instance of {name} from value {value!r}",
                    element=name)
