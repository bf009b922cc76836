"""Small field cleaners that collect errors as {"field", "message"} instead of raising."""

import datetime
import re
from decimal import Decimal

from models.countries import COUNTRIES
from models.money import MoneyError
from models.money import to_decimal

# Active ISO 4217 codes (funds and precious metals left out).
_ISO_4217_CODES = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
"""
ISO_4217 = frozenset(_ISO_4217_CODES.split())
NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
EMAIL_PATTERN = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Dates as spreadsheets save them in CSV: 15/11/2026 (or 15.11.2026, 15-11-2026).
SPREADSHEET_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})$")
DATE_ORDER_WORDS = {"dmy": "day first (DD/MM/YYYY, such as 15/11/2026)",
                    "mdy": "month first (MM/DD/YYYY, such as 11/15/2026)"}


LINE_FIELD = re.compile(r"^lines\.(\d{1,4})\.(\w+)$")


def field_label(field, labels):
    """The field as its form labels it: "Line 1, quantity" for lines.0.quantity."""
    match = LINE_FIELD.match(field)
    if match:
        part = match.group(2)
        return f"Line {int(match.group(1)) + 1}, {labels.get(part, part.replace('_', ' '))}"
    return labels.get(field, field.replace("_", " ").capitalize())


def labelled(errors, labels):
    """Errors for a form's error list: each with the label the form shows beside the field."""
    return [{**error, "label": field_label(error["field"], labels)} for error in errors]


class Errors(list):
    """A list of {"field": ..., "message": ...} dicts."""

    def add(self, field, message):
        """Record one problem with one field."""
        self.append({"field": field, "message": message})


def clean_number(value, field, errors, label="number"):
    """An own number such as S10045 or A0042: letters, digits and . / _ - only, upper-cased."""
    text = str(value or "").strip().upper()
    if not text:
        errors.add(field, f"The {label} is required.")
    elif not NUMBER_PATTERN.fullmatch(text):
        errors.add(field, f"The {label} may hold only letters, digits and . / _ - "
                          "(at most 40 characters).")
    return text


def is_number(text, field, errors):
    """True when text has the form of an own number; else a field error (and no lookup)."""
    if NUMBER_PATTERN.fullmatch(text):
        return True
    errors.add(field, "A number may hold only letters, digits and . / _ - (at most 40 "
                      "characters).")
    return False


def has_control_characters(text):
    """True when text holds NUL or another control character (tab and line breaks allowed)."""
    return bool(CONTROL_CHARACTERS.search(text))


def clean_text(value, field, errors, max_length, required=False, label=None):
    """Stripped text within a length limit, without control characters."""
    text = "" if value is None else str(value).strip()
    label = label or field.replace("_", " ")
    if has_control_characters(text):
        errors.add(field, f"The {label} contains a control character (such as NUL) that cannot "
                          "be stored. Retype it without that character.")
        return CONTROL_CHARACTERS.sub("", text)
    if required and not text:
        errors.add(field, f"The {label} is required.")
    elif len(text) > max_length:
        errors.add(field, f"The {label} must be at most {max_length} characters.")
    return text


def clean_choice(value, field, errors, choices, label=None):
    """One of the allowed values."""
    text = str(value or "").strip()
    if text not in choices:
        errors.add(field, f"Choose the {label or field.replace('_', ' ')} from: "
                          + ", ".join(choices) + ".")
    return text


def clean_date(value, field, errors, required=True, order=None):
    """A date from a date object or a YYYY-MM-DD string; with an order ("dmy" or "mdy") also
    dates as spreadsheets save them, such as 15/11/2026."""
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip()
    if not text:
        if required:
            errors.add(field, "The date is required (YYYY-MM-DD).")
        return None
    written = SPREADSHEET_DATE.match(text) if order in DATE_ORDER_WORDS else None
    if written:
        return _spreadsheet_date(text, written, field, errors, order)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        also = f" or {DATE_ORDER_WORDS[order]}" if order in DATE_ORDER_WORDS else ""
        errors.add(field, f"'{text[:20]}' is not a date in the form YYYY-MM-DD{also}.")
        return None


def _spreadsheet_date(text, match, field, errors, order):
    first, second, year = match.groups()
    if len(year) != 4:
        errors.add(field, f"'{text[:20]}' has a two-digit year. Format the column as dates with "
                          "the year in full (such as 15/11/2026) and save the file again.")
        return None
    day, month = (first, second) if order == "dmy" else (second, first)
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        errors.add(field, f"'{text[:20]}' is not a date written {DATE_ORDER_WORDS[order]}, which "
                          "is how Settings say your files write dates.")
        return None


def clean_decimal(value, field, errors, places, limit, minimum=None, label=None):
    """An exact decimal with at most `places` decimals and magnitude below `limit`."""
    label = label or field.rsplit(".", 1)[-1].replace("_", " ")
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(field, f"The {label} is required.")
        return None
    try:
        number = to_decimal(value)
    except MoneyError as exc:
        errors.add(field, f"The {label} {exc}.")
        return None
    if abs(number) >= limit:
        errors.add(field, f"The {label} is too large.")
    elif number != number.quantize(Decimal(1).scaleb(-places)):
        errors.add(field, f"The {label} may have at most {places} decimal places.")
    elif minimum is not None and number < minimum:
        errors.add(field, f"The {label} must be at least {minimum}.")
    return number


def clean_currency(value, field, errors):
    """An ISO 4217 currency code."""
    code = str(value or "").strip().upper()
    if code not in ISO_4217:
        errors.add(field, f"'{code[:10]}' is not an ISO 4217 currency code (for example GBP).")
    return code


def clean_country(value, field, errors):
    """An ISO 3166-1 alpha-2 code (GB when empty), never cut from a longer name."""
    code = str(value or "GB").strip().upper()
    if code not in COUNTRIES:
        errors.add(field, f"'{code[:40]}' is not a country code. Choose the country from the list "
                          "(stored as its two-letter ISO 3166 code, such as GB).")
    return code


def clean_email(value, field, errors):
    """An email address, or empty."""
    text = clean_text(value, field, errors, 254)
    if text and not EMAIL_PATTERN.match(text):
        errors.add(field, "Enter a valid email address.")
    return text
