"""Documents: create and edit one, adding and removing lines in place."""

import datetime
import re

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from models import db
from models.contact import Contact
from models.document import CATEGORIES
from models.document import KINDS
from models.document import LOCK_MESSAGE
from models.document import STATUSES
from models.document import Document
from models.document import DocumentLocked
from services.cursors import parse_id
from services.documents import FIELD_LABELS
from services.documents import clean_document
from services.documents import credit_position
from services.documents import number_taken
from services.documents import upsert_document
from services.validation import labelled
from views._access import login_required
from views.documents.browse import get_document

_LINE_FIELD = re.compile(r"^lines-(\d{1,4})-(description|quantity|unit_price|category|"
                         r"nominal_code|tax_rate)$")
BLANK_LINE = {"description": "", "quantity": "1", "unit_price": "", "category": "labour",
              "nominal_code": "", "tax_rate": "20"}


def form_lines(form):
    """Lines from lines-N-field inputs in the order of N, skipping rows left entirely empty."""
    rows = {}
    for key, value in form.items():
        match = _LINE_FIELD.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value
    lines = []
    for _, row in sorted(rows.items()):
        if any(str(row.get(f, "")).strip() for f in ("description", "unit_price", "nominal_code")):
            lines.append(row)
    return lines


def _values_from_document(document):
    values = {field: getattr(document, field) or "" for field in
              ("kind", "number", "currency", "reference", "status", "notes")}
    values.update(contact_number=document.contact.number,
                  care_of_number=document.care_of.number if document.care_of_id else "",
                  original_number=document.original.number if document.original_id else "",
                  issue_date=document.issue_date.isoformat(),
                  due_date=document.due_date.isoformat() if document.due_date else "")
    lines = [{"description": line.description, "quantity": f"{line.quantity.normalize():f}",
              "unit_price": f"{line.unit_price.normalize():f}", "category": line.category,
              "nominal_code": line.nominal_code, "tax_rate": f"{line.tax_rate.normalize():f}"}
             for line in document.ordered_lines()]
    return values, lines


def _render_form(document, values, lines, errors=(), status=200):
    contacts = Contact.select(Contact.number, Contact.name).order_by(Contact.name).limit(1000)
    return render_template(
        "documents/form.html", document=document, values=values, lines=lines or [BLANK_LINE],
        errors=labelled(errors, FIELD_LABELS), error_fields={e["field"] for e in errors},
        kinds=KINDS, statuses=STATUSES, categories=CATEGORIES, contacts=contacts,
        credit=credit_position(values.get("original_number"), document)), status


def _save(document, number):
    values = request.form.to_dict()
    lines = form_lines(request.form)
    data = {**values, "lines": lines}
    cleaned, errors = clean_document(data, number, current_app.config["API_MAX_LINES"])
    if not errors:
        try:
            with db.atomic():
                saved, outcome = upsert_document(cleaned)
        except DocumentLocked:
            errors = [{"field": "number", "message": LOCK_MESSAGE}]
    if errors:
        return _render_form(document, values, lines, errors, status=422)
    flash({"created": f"{saved.number} created.", "updated": f"{saved.number} saved.",
           "unchanged": "Nothing changed."}[outcome], "success")
    return redirect(url_for("documents.detail", document_id=saved.id))


@login_required
def new():
    """A new document."""
    if request.method == "POST":
        number = request.form.get("number", "")
        if number_taken(number):
            error = {"field": "number", "message": f"{number.upper()} already exists."}
            return _render_form(None, request.form.to_dict(), form_lines(request.form), [error],
                                status=422)
        return _save(None, number)
    today = datetime.date.today()
    values = {"kind": request.args.get("kind", "sales_invoice"), "currency": "GBP",
              "status": "draft", "issue_date": today.isoformat(),
              "due_date": (today + datetime.timedelta(days=30)).isoformat()}
    original = Document.get_or_none(Document.id == parse_id(request.args.get("original")))
    if original is not None:
        # A credit note starts as a copy of its invoice: same contact, currency and lines.
        copied, lines = _values_from_document(original)
        values.update(kind=original.credit_note_kind or values["kind"], due_date="",
                      original_number=original.number, contact_number=copied["contact_number"],
                      care_of_number=copied["care_of_number"], currency=original.currency,
                      reference=f"Credit for {original.number}")
        return _render_form(None, values, lines)
    return _render_form(None, values, [BLANK_LINE])


@login_required
def edit(document_id):
    """Edit a document; a synced one is refused with the reason and the fix."""
    document = get_document(document_id)
    if document.is_locked:
        flash(LOCK_MESSAGE, "error")
        return render_template("documents/locked.html", document=document,
                               lock_message=LOCK_MESSAGE), 409
    if request.method == "POST":
        return _save(document, document.number)
    values, lines = _values_from_document(document)
    return _render_form(document, values, lines)


@login_required
def line_row():
    """One empty line row for the form, numbered after the rows the form already has."""
    taken = [int(m.group(1)) for key in request.args if (m := _LINE_FIELD.match(key))]
    index = min(max(taken, default=-1) + 1, 9999)
    return render_template("documents/_line_row.html", index=index, line=BLANK_LINE,
                           categories=CATEGORIES, error_fields=set())
