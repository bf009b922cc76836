"""Invoices, credit memos, bills and vendor credits: validation, tax, totals and numbering."""

import re
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

from sandbox.qbo import errors
from sandbox.qbo.errors import PACIFIC
from sandbox.qbo.errors import QboFault

SALES = ("Invoice", "CreditMemo")
DOCUMENTS = {"Invoice": "Customer", "CreditMemo": "Customer", "Bill": "Vendor",
             "VendorCredit": "Vendor"}
TXN_TYPES = {"Invoice": "Invoice", "CreditMemo": "Credit Memo", "Bill": "Bill",
             "VendorCredit": "Vendor Credit"}
DOC_NUMBER_MAX = 21
CENT = Decimal("0.01")


def create_document(ledger, entity, body, options=()):
    """Validate a new transaction and return the record QuickBooks would store."""
    party = DOCUMENTS[entity]
    sales = entity in SALES
    contact = ledger.referenced(party, body.get(f"{party}Ref"))
    currency = (body.get("CurrencyRef") or {}).get("value", ledger.currency)
    multicurrency = ledger.preferences().get("CurrencyPrefs", {}).get("MultiCurrencyEnabled")
    if currency != ledger.currency and not multicurrency:
        raise errors.business(f"Multicurrency is off, so every transaction must be in the home "
                              f"currency {ledger.currency} (this one is {currency}).")
    if currency not in ledger.currencies():
        raise errors.business(f"The currency {currency} is not one of this company's "
                              "currencies. Add it under Currencies first.")
    lines = body.get("Line")
    if not isinstance(lines, list) or not lines:
        raise errors.required("Line")
    inclusive = body.get("GlobalTaxCalculation") == "TaxInclusive"
    out_lines, net_total, tax_by_rate = [], Decimal(0), {}
    for line in lines:
        if line.get("DetailType") == "SubTotalLineDetail":
            continue  # QuickBooks computes the subtotal itself
        amount, tax = _line(ledger, entity, line, inclusive, tax_by_rate)
        net_total += amount - tax if inclusive else amount
        number = len(out_lines) + 1
        out_lines.append({**line, "Id": str(number), "LineNum": number, "Amount": _money(amount)})
    total_tax = sum(tax_by_rate.values(), Decimal(0))
    if sales:
        out_lines.append({"Amount": _money(net_total), "DetailType": "SubTotalLineDetail",
                          "SubTotalLineDetail": {}})
    txn_date = dated(ledger, body)
    record = {**body, "Line": out_lines, "TxnDate": txn_date.isoformat(),
              f"{party}Ref": {"value": contact["Id"], "name": contact["DisplayName"]},
              "CurrencyRef": body.get("CurrencyRef") or ledger.currency_ref(),
              "TotalAmt": _money(net_total + total_tax),
              "TxnTaxDetail": {"TotalTax": _money(total_tax),
                               "TaxLine": [_tax_line(ledger, rate_id, tax, entity)
                                           for rate_id, tax in tax_by_rate.items()]}}
    if entity in ("Invoice", "Bill"):
        due = _date(body.get("DueDate"), "DueDate") or txn_date + timedelta(days=30)
        record["DueDate"] = due.isoformat()
    record["Balance"] = record["TotalAmt"]
    if entity == "CreditMemo":
        record["RemainingCredit"] = record["TotalAmt"]
    if ledger.country != "US":
        record["GlobalTaxCalculation"] = body.get("GlobalTaxCalculation") or "TaxExcluded"
    _number(ledger, entity, record, "allowduplicatedocnum" in options)
    return record


def dated(ledger, body):
    """A transaction's TxnDate (today when absent); 6210 when the books are closed on it."""
    txn_date = _date(body.get("TxnDate"), "TxnDate") or _today(ledger)
    closed = ledger.books_closed_on()
    if closed and txn_date <= closed:
        raise QboFault("6210", "The account period has closed.",
                       f"The account period has closed. The books are closed on "
                       f"{closed.isoformat()}; this transaction is dated {txn_date.isoformat()}.",
                       element="TxnDate")
    return txn_date


def _line(ledger, entity, line, inclusive, tax_by_rate):
    kind = line.get("DetailType")
    allowed = "SalesItemLineDetail" if entity in SALES else "AccountBasedExpenseLineDetail"
    if kind == "DescriptionOnly":
        return Decimal(0), Decimal(0)
    if kind is None:
        raise errors.required("DetailType")
    if kind != allowed:
        raise errors.business(f"{kind} lines are not supported on {entity} in this sandbox.")
    if "Amount" not in line:
        raise errors.required("Amount")
    amount = _decimal(line["Amount"], "Amount")
    detail = line.get(kind)
    if not isinstance(detail, dict):
        raise errors.required(kind)
    if entity in SALES:
        _sales_detail(ledger, detail, amount)
    else:
        ledger.referenced("Account", detail.get("AccountRef"))
    code = _tax_code(ledger, detail.get("TaxCodeRef"))
    tax = Decimal(0)
    for rate in _rates(ledger, code, entity in SALES):
        value = _decimal(rate.get("RateValue", 0), "RateValue")
        base = amount * 100 / (100 + value) if inclusive else amount
        part = (base * value / 100).quantize(CENT, ROUND_HALF_UP)
        tax_by_rate[rate["Id"]] = tax_by_rate.get(rate["Id"], Decimal(0)) + part
        tax += part
    return amount, tax


def _sales_detail(ledger, detail, amount):
    if "ItemRef" not in detail:
        # QuickBooks now files an item-less sales line under the default Services item.
        default = next(iter(ledger["Item"].values()))
        detail["ItemRef"] = {"value": default["Id"], "name": default["Name"]}
    item = ledger.referenced("Item", detail["ItemRef"])
    detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
    if "Qty" in detail and "UnitPrice" in detail:
        expected = (_decimal(detail["Qty"], "Qty") * _decimal(detail["UnitPrice"], "UnitPrice"))
        if abs(expected.quantize(CENT, ROUND_HALF_UP) - amount) > CENT / 2:
            raise QboFault("6070", "Amount is not equal to UnitPrice * Qty",
                           f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
                           element="Amount")


def _tax_code(ledger, ref):
    if ref is None:
        if ledger.country != "US":
            raise errors.business("Make sure all your transactions have a VAT rate before you "
                                  "save.")
        return None
    return ledger.referenced("TaxCode", ref)


def _rates(ledger, code, sales):
    if code is None:
        return []
    rate_list = code.get("SalesTaxRateList" if sales else "PurchaseTaxRateList") or {}
    return [ledger.record("TaxRate", d["TaxRateRef"]["value"])
            for d in rate_list.get("TaxRateDetail", [])]


def _tax_line(ledger, rate_id, tax, entity):
    rate = ledger.record("TaxRate", rate_id)
    return {"Amount": _money(tax), "DetailType": "TaxLineDetail",
            "TaxLineDetail": {"TaxRateRef": {"value": rate_id}, "PercentBased": True,
                              "TaxPercent": rate.get("RateValue", 0)}}


def _number(ledger, entity, record, allow_duplicates):
    number = record.get("DocNumber")
    if number is not None:
        number = str(number)
        if len(number) > DOC_NUMBER_MAX:
            raise errors.too_long("DocNumber", DOC_NUMBER_MAX)
    elif entity in SALES and not ledger.preferences()["SalesFormsPrefs"]["CustomTxnNumbers"]:
        number = str(_next_number(ledger))
    if number is None:
        record.pop("DocNumber", None)
        return
    record["DocNumber"] = number
    if allow_duplicates:
        return
    for other in ledger[entity].values():
        same_party = entity in SALES or other["VendorRef"]["value"] == record["VendorRef"]["value"]
        if same_party and (other.get("DocNumber") or "").lower() == number.lower():
            raise errors.duplicate_number(number, TXN_TYPES[entity], other["Id"])


def _next_number(ledger):
    # Custom transaction numbers off: QuickBooks numbers sales forms from one sequence.
    used = [int(r["DocNumber"]) for entity in SALES for r in ledger[entity].values()
            if re.fullmatch(r"\d{1,12}", r.get("DocNumber") or "")]
    return max(used, default=1000) + 1


def _decimal(value, name):
    if isinstance(value, bool):
        raise _bad_value(name, value)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _bad_value(name, value) from None


def _date(value, name):
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _bad_value(name, value) from None


def _bad_value(name, value):
    return QboFault("2010", "Request has invalid or unsupported property",
                    f"Property Name:Can not construct instance of {name} from value {value!r}",
                    element=name)


def _today(ledger):
    return datetime.fromtimestamp(ledger.clock.now(), PACIFIC).date()


def _money(value):
    return float(Decimal(value).quantize(CENT, ROUND_HALF_UP))
