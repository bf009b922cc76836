"""Contacts (staff): list, detail, create and edit, and the protected ledger account id."""

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from peewee import Tuple

from models import db
from models.contact import CONTACT_KINDS
from models.contact import Contact
from models.document import Document
from services.contacts import clean_contact
from services.contacts import upsert_contact
from services.document_list import name_contains
from services.document_list import prefix_condition
from views._access import login_required
from views._htmx import render_page_or_fragment

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
PAGE_SIZE = 50
LEDGER_ID_MAX = 100


def _get(contact_id):
    return Contact.get_or_none(Contact.id == contact_id) or abort(404)


@bp.get("/")
@login_required
def index():
    """Contacts by name, filtered by kind and search, a page at a time."""
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()[:100]
    after_name, after_id = request.args.get("after_name"), request.args.get("after_id", "")
    query = Contact.select()
    if kind in CONTACT_KINDS:
        query = query.where(Contact.kind == kind)
    if q:
        query = query.where(name_contains(Contact.name, q)
                            | prefix_condition(Contact.number, q.upper()))
    if after_name is not None and after_id.isdigit():
        query = query.where(Tuple(Contact.name, Contact.id) > (after_name, int(after_id)))
    rows = list(query.order_by(Contact.name, Contact.id).limit(PAGE_SIZE + 1))
    next_url = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        next_url = url_for("contacts.index", kind=kind or None, q=q or None,
                           after_name=rows[-1].name, after_id=rows[-1].id)
    return render_page_or_fragment("contacts/index.html", "contacts/_results.html", rows=rows,
                                   kind=kind, q=q, kinds=CONTACT_KINDS, next_url=next_url)


@bp.get("/<int:contact_id>")
@login_required
def detail(contact_id):
    """A contact with its sites (billed care of it) and latest documents."""
    contact = _get(contact_id)
    documents = (Document.select().where(Document.contact == contact)
                 .order_by(Document.issue_date.desc(), Document.id.desc()).limit(20))
    sites = Contact.select().where(Contact.care_of == contact).order_by(Contact.name).limit(100)
    return render_template("contacts/detail.html", contact=contact, documents=documents,
                           sites=sites)


def _render_form(contact, values, errors=(), status=200):
    return render_template("contacts/form.html", contact=contact, values=values,
                           errors=list(errors), error_fields={e["field"] for e in errors},
                           kinds=CONTACT_KINDS), status


def _ledger_id_change(contact, form, errors):
    """The new ledger id when the user unlocked the field and confirmed the change, else None."""
    wanted = (form.get("ledger_contact_id") or "").strip()
    current = contact.ledger_contact_id if contact else ""
    if wanted == current:
        return None
    if form.get("ledger_id_confirmed") != "1":
        errors.add("ledger_contact_id", "The ledger account id was not changed: unlock the field "
                                        "and confirm the change.")
        return None
    if len(wanted) > LEDGER_ID_MAX:
        errors.add("ledger_contact_id", f"The ledger account id is at most {LEDGER_ID_MAX} "
                                        "characters.")
        return None
    return wanted


def _save(contact):
    form = request.form
    number = contact.number if contact else form.get("number", "")
    cleaned, errors = clean_contact(form.to_dict(), number)
    if contact is None and not errors and Contact.get_or_none(Contact.number == cleaned["number"]):
        errors.add("number", f"A contact with A number {cleaned['number']} already exists.")
    ledger_id = _ledger_id_change(contact, form, errors)
    if errors:
        values = {**form.to_dict(),
                  "ledger_contact_id": contact.ledger_contact_id if contact else ""}
        return _render_form(contact, values, errors, 422)
    with db.atomic():
        saved, outcome = upsert_contact(cleaned)
        if ledger_id is not None:
            saved.ledger_contact_id = ledger_id
            saved.save()
            outcome = "updated"
    flash(f"{saved.name} saved." if outcome != "unchanged" else "Nothing changed.", "success")
    return redirect(url_for("contacts.detail", contact_id=saved.id))


def _values(contact):
    values = {field: getattr(contact, field) for field in Contact.EDITABLE}
    values.update(number=contact.number, ledger_contact_id=contact.ledger_contact_id,
                  care_of_number=contact.care_of.number if contact.care_of_id else "")
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A new customer or supplier."""
    if request.method == "POST":
        return _save(None)
    return _render_form(None, {"kind": request.args.get("kind", "customer"), "country": "GB"})


@bp.route("/<int:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id):
    """Edit a contact; the ledger account id changes only when unlocked and confirmed."""
    contact = _get(contact_id)
    if request.method == "POST":
        return _save(contact)
    return _render_form(contact, _values(contact))


@bp.post("/<int:contact_id>/ledger-id/clear")
@login_required
def clear_ledger_id(contact_id):
    """Clear the ledger account id in one click."""
    contact = _get(contact_id)
    contact.ledger_contact_id = ""
    contact.save()
    flash(f"The ledger account id of {contact.name} is cleared.", "success")
    return redirect(url_for("contacts.edit", contact_id=contact.id))
