"""Create or update documents and their lines from screens, the API and CSV imports."""

import hashlib
from decimal import Decimal

from models import db
from models.contact import Contact
from models.document import CATEGORIES
from models.document import CREDIT_NOTE_OF
from models.document import KINDS
from models.document import STATUSES
from models.document import Document
from models.document import DocumentFile
from models.document import DocumentLocked
from models.document import contact_kind_for
from models.money import document_totals
from models.money import line_amounts
from services.validation import NUMBER_PATTERN
from services.validation import Errors
from services.validation import clean_choice
from services.validation import clean_currency
from services.validation import clean_date
from services.validation import clean_decimal
from services.validation import clean_number
from services.validation import clean_text
from services.validation import is_number
from sync.records import recheck_documents

LIMIT = Decimal(10) ** 10
TOTAL_LIMIT = Decimal(10) ** 12  # the totals are stored with 14 digits, 2 of them decimals
HEADER_FIELDS = ("kind", "issue_date", "due_date", "currency", "reference", "status", "notes")
# How the document form labels each field, for its error list ("Line 1, quantity").
FIELD_LABELS = {"kind": "Kind", "number": "Invoice number", "status": "Status",
                "contact_number": "Contact", "care_of_number": "Care of",
                "original_number": "Original invoice", "issue_date": "Issue date",
                "due_date": "Due date", "currency": "Currency", "reference": "Reference",
                "notes": "Notes", "lines": "Lines", "description": "description",
                "quantity": "quantity", "unit_price": "unit price", "category": "category",
                "nominal_code": "nominal code", "tax_rate": "tax rate"}


def _clean_line(data, prefix, errors):
    line = {
        "description": clean_text(data.get("description"), f"{prefix}.description", errors, 2000,
                                  label="description"),
        "quantity": clean_decimal(data.get("quantity"), f"{prefix}.quantity", errors, 4, LIMIT),
        "unit_price": clean_decimal(data.get("unit_price"), f"{prefix}.unit_price", errors, 4,
                                    LIMIT, label="unit price"),
        "tax_rate": clean_decimal(data.get("tax_rate"), f"{prefix}.tax_rate", errors, 3,
                                  Decimal(1000), minimum=0, label="tax rate"),
        "category": str(data.get("category") or "").strip().lower(),
        "nominal_code": clean_text(data.get("nominal_code"), f"{prefix}.nominal_code", errors, 40,
                                   label="nominal code"),
    }
    if line["category"] and line["category"] not in CATEGORIES:
        errors.add(f"{prefix}.category", "Choose the category from: " + ", ".join(CATEGORIES) + ".")
    elif not line["category"] and not line["nominal_code"]:
        errors.add(f"{prefix}.category", "Give a category or an explicit nominal code.")
    if line["tax_rate"] is not None and line["tax_rate"] > 100:
        errors.add(f"{prefix}.tax_rate", "The tax rate is a percentage between 0 and 100.")
    _check_line_amount(line, prefix, errors)
    return line


def _check_line_amount(line, prefix, errors):
    """quantity x unit price within what a line can hold (both may be fine alone)."""
    quantity, price = line["quantity"], line["unit_price"]
    if quantity is None or price is None or abs(quantity) >= LIMIT or abs(price) >= LIMIT:
        return
    if abs(quantity * price) >= LIMIT:
        errors.add(f"{prefix}.unit_price", "The line amount (quantity × unit price) must be "
                                           f"below {LIMIT:,.0f}.")


def _check_total(lines, errors):
    """The document's gross total within what Ledgerlink stores (when every line is sound)."""
    total = sum((abs(line["quantity"] * line["unit_price"]) * (1 + line["tax_rate"] / 100)
                 for line in lines), Decimal(0))
    if total >= TOTAL_LIMIT:
        errors.add("lines", f"The document total must be below {TOTAL_LIMIT:,.0f}.")


def _find_contact(number, field, kind, errors, label):
    if not number or not is_number(number, field, errors):
        return None
    contact = Contact.get_or_none(Contact.number == number)
    if contact is None:
        errors.add(field, f"There is no contact with account number {number}.")
    elif kind in KINDS and contact.kind != contact_kind_for(kind):
        errors.add(field, f"{label} {number} is a {contact.kind}; a {KINDS[kind].lower()} "
                          f"needs a {contact_kind_for(kind)}.")
    return contact


def _clean_original(data, cleaned, errors):
    number = str(data.get("original_number") or "").strip().upper()
    if not number:
        return None
    if cleaned["kind"] not in CREDIT_NOTE_OF:
        errors.add("original_number", "Only a credit note has an original invoice.")
        return None
    if not is_number(number, "original_number", errors):
        return None
    original = Document.get_or_none(Document.number == number)
    if original is None:
        errors.add("original_number", f"There is no document numbered {number}.")
    elif original.kind != CREDIT_NOTE_OF[cleaned["kind"]]:
        errors.add("original_number", f"{number} is a {original.kind_label.lower()}, not a "
                                      f"{KINDS[CREDIT_NOTE_OF[cleaned['kind']]].lower()}.")
    return original


def clean_document(data, number, max_lines, date_order=None):
    """Validate a document payload; return (cleaned dict, Errors).

    date_order ("dmy" or "mdy") also accepts dates as spreadsheets write them (CSV imports).
    """
    errors = Errors()
    cleaned = {"number": clean_number(number, "number", errors, "document number")}
    cleaned["kind"] = clean_choice(data.get("kind"), "kind", errors, tuple(KINDS))
    cleaned["status"] = clean_choice(data.get("status") or "draft", "status", errors, STATUSES)
    cleaned["issue_date"] = clean_date(data.get("issue_date"), "issue_date", errors,
                                       order=date_order)
    cleaned["due_date"] = clean_date(data.get("due_date"), "due_date", errors, required=False,
                                     order=date_order)
    issue, due = cleaned["issue_date"], cleaned["due_date"]
    if issue and due and due < issue:
        errors.add("due_date", "The due date cannot be before the issue date.")
    cleaned["currency"] = clean_currency(data.get("currency") or "GBP", "currency", errors)
    cleaned["reference"] = clean_text(data.get("reference"), "reference", errors, 100)
    cleaned["notes"] = clean_text(data.get("notes"), "notes", errors, 5000)
    contact_number = str(data.get("contact_number") or "").strip().upper()
    if not contact_number:
        errors.add("contact_number", "The contact's account number is required.")
    cleaned["contact"] = _find_contact(contact_number, "contact_number", cleaned["kind"], errors,
                                       "Contact")
    care_of_number = str(data.get("care_of_number") or "").strip().upper()
    cleaned["care_of"] = _find_contact(care_of_number, "care_of_number", cleaned["kind"], errors,
                                       "Care-of contact")
    cleaned["original"] = _clean_original(data, cleaned, errors)
    lines = data.get("lines") or []
    if not lines:
        errors.add("lines", "A document needs at least one line.")
    elif len(lines) > max_lines:
        errors.add("lines", f"A document may have at most {max_lines} lines.")
        lines = []
    cleaned["lines"] = [_clean_line(line, f"lines.{i}", errors) for i, line in enumerate(lines)]
    if cleaned["lines"] and not errors:
        _check_total(cleaned["lines"], errors)
    if cleaned["lines"] and not any(e["field"].startswith("lines") for e in errors):
        _check_amounts(cleaned, errors)
    return cleaned, errors


def _money(currency, amount):
    return f"{currency} {amount:,.2f}"


def _check_amounts(cleaned, errors):
    """Totals are positive (the kind carries the sign); credit notes stay within their invoice."""
    _, _, gross = document_totals(line_amounts(line["quantity"], line["unit_price"],
                                               line["tax_rate"]) for line in cleaned["lines"])
    kind, currency = cleaned["kind"], cleaned["currency"]
    if gross < 0:
        errors.add("lines", f"The total is {_money(currency, gross)}; a document's total cannot "
                            "be below zero. " + ("Enter the amounts credited as positive numbers: "
                                                 "the credit note itself carries the sign."
                                                 if kind in CREDIT_NOTE_OF else
                                                 "To give money back, raise a credit note."))
        return
    original_ok = not any(e["field"] == "original_number" for e in errors)
    if cleaned["original"] is not None and original_ok and cleaned["status"] != "void":
        _check_credit(cleaned, cleaned["original"], gross, errors)
    existing = Document.get_or_none(Document.number == cleaned["number"])
    credit_notes = existing.active_credit_notes() if existing is not None else []
    if credit_notes:
        _check_credited_invoice(cleaned, existing, credit_notes, gross, errors)


def _check_credit(cleaned, original, gross, errors):
    contact = cleaned["contact"]
    if contact is not None and contact.id != original.contact_id:
        errors.add("contact_number", f"A credit note belongs to its invoice's contact: "
                                     f"{original.number} is for {original.contact.name} "
                                     f"({original.contact.number}).")
    if cleaned["currency"] != original.currency:
        errors.add("currency", f"{original.number} is in {original.currency}; its credit note "
                               "must be too.")
    if original.status == "void":
        errors.add("original_number", f"{original.number} is void, so there is nothing to "
                                      "credit.")
        return
    credited = original.credited_total(exclude_number=cleaned["number"])
    left = original.gross_total - credited
    if gross > left:
        errors.add("lines", f"This credit note totals {_money(original.currency, gross)}, more "
                            f"than is left to credit on {original.number}: "
                            f"{_money(original.currency, left)} of its "
                            f"{_money(original.currency, original.gross_total)}"
                            + (f" ({_money(original.currency, credited)} already credited)."
                               if credited else "."))


def _check_credited_invoice(cleaned, invoice, credit_notes, gross, errors):
    numbers = ", ".join(note.number for note in credit_notes)
    if cleaned["kind"] != invoice.kind:
        errors.add("kind", f"{invoice.number} has credit notes ({numbers}), so it stays a "
                           f"{invoice.kind_label.lower()}.")
    contact = cleaned["contact"]
    if contact is not None and contact.id != invoice.contact_id:
        errors.add("contact_number", f"{invoice.number} has credit notes ({numbers}) for "
                                     f"{invoice.contact.name}, so its contact cannot change.")
    credited = invoice.credited_total()
    if gross < credited:
        errors.add("lines", f"{invoice.number} has credit notes ({numbers}) totalling "
                            f"{_money(invoice.currency, credited)}; its total cannot go below "
                            "that.")


def credit_position(original_number, credit_note=None):
    """What is left to credit on an invoice, for the credit note form; None if there is none."""
    number = str(original_number or "").strip().upper()
    original = (Document.get_or_none(Document.number == number)
                if NUMBER_PATTERN.fullmatch(number) else None)
    if original is None or original.credit_note_kind is None:
        return None
    credited = original.credited_total(exclude_number=credit_note.number if credit_note else None)
    return {"original": original, "credited": credited, "left": original.gross_total - credited}


def _line_key(line):
    return (line["description"], Decimal(line["quantity"]).quantize(Decimal("0.0001")),
            Decimal(line["unit_price"]).quantize(Decimal("0.0001")), line["category"],
            line["nominal_code"], Decimal(line["tax_rate"]).quantize(Decimal("0.001")))


def _snapshot(document):
    header = {field: getattr(document, field) for field in HEADER_FIELDS}
    header.update(contact=document.contact_id, care_of=document.care_of_id,
                  original=document.original_id)
    lines = [_line_key({field: getattr(line, field) for field in
                        ("description", "quantity", "unit_price", "category", "nominal_code",
                         "tax_rate")}) for line in document.ordered_lines()]
    return header, lines


def _wanted(cleaned):
    header = {field: cleaned[field] for field in HEADER_FIELDS}
    header.update(contact=cleaned["contact"].id,
                  care_of=cleaned["care_of"].id if cleaned["care_of"] else None,
                  original=cleaned["original"].id if cleaned["original"] else None)
    return header, [_line_key(line) for line in cleaned["lines"]]


def planned_outcome(cleaned):
    """What upsert_document would do: "created", "updated", "unchanged" or "locked"."""
    document = Document.get_or_none(Document.number == cleaned["number"])
    if document is None:
        return "created"
    if _snapshot(document) == _wanted(cleaned):
        return "unchanged"
    return "locked" if document.is_locked else "updated"


def upsert_document(cleaned):
    """Create or update by number; return (document, "created" | "updated" | "unchanged").

    Raises DocumentLocked when a synced document would change. Call inside a transaction.
    """
    header, lines = _wanted(cleaned)
    document = Document.get_or_none(Document.number == cleaned["number"])
    if document is not None and _snapshot(document) == (header, lines):
        return document, "unchanged"
    if document is not None and document.is_locked:
        raise DocumentLocked()
    outcome = "updated" if document else "created"
    if document is None:
        document = Document(number=cleaned["number"])
    for field, value in header.items():
        setattr(document, field + "_id" if field in ("contact", "care_of", "original") else field,
                value)
    document.save()
    document.replace_lines(cleaned["lines"])
    recheck_documents([document.id])
    return document, outcome


def number_taken(number):
    """True when a document already has this number (compared upper-cased)."""
    number = number.strip().upper()
    return bool(NUMBER_PATTERN.fullmatch(number)) and Document.select().where(
        Document.number == number).exists()


def void_document(document):
    """Void a document not yet in the ledger; raises DocumentLocked for a synced one."""
    document.ensure_unlocked()
    document.status = "void"
    document.save()
    recheck_documents([document.id])


def attach_pdf(document, filename, content):
    """Attach a checked PDF to the document, replacing any earlier one."""
    with db.atomic():
        DocumentFile.delete().where(DocumentFile.document == document).execute()
        DocumentFile.create(document=document, filename=(filename or "")[:200] or "file.pdf",
                            content=content, size=len(content),
                            sha256=hashlib.sha256(content).hexdigest())


def remove_attachment(document):
    """Drop the attached PDF; the document's own rendered PDF is used again."""
    DocumentFile.delete().where(DocumentFile.document == document).execute()
