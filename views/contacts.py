"""Contacts (staff): list, detail, create and edit, and the protected ledger account id."""

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from models import db
from models.contact import CONTACT_KINDS
from models.contact import Contact
from models.countries import country_choices
from models.document import Document
from models.integration import Connection
from services.contact_links import REMOTE_ID_MAX
from services.contact_links import cached_ledger_contact
from services.contact_links import connection_label
from services.contact_links import linked_contact_ids
from services.contact_links import links_of
from services.contact_links import remote_id_in
from services.contact_links import set_link
from services.contacts import FIELD_LABELS
from services.contacts import clean_contact
from services.contacts import list_contacts
from services.contacts import upsert_contact
from services.ledger_links import LinkRefused
from services.ledger_links import find_remote_contact
from services.ledger_links import search_cached
from services.validation import has_control_characters
from services.validation import labelled
from views._access import login_required
from views._htmx import render_page_or_fragment
from views._lookup import get_or_404

bp = Blueprint("contacts", __name__, url_prefix="/contacts")
NO_CONNECTION = "Connect an accounting package first"


@bp.get("/")
@login_required
def index():
    """Contacts by name, filtered by kind and search, a page at a time."""
    kind = request.args.get("kind", "")
    q = request.args.get("q", "").strip()[:100]
    rows, next_cursor = list_contacts(kind, q, request.args.get("cursor"))
    next_url = None
    if next_cursor:
        next_url = url_for("contacts.index", kind=kind or None, q=q or None, cursor=next_cursor)
    linked = linked_contact_ids(Connection.active_connection(), [row.id for row in rows])
    return render_page_or_fragment("contacts/index.html", "contacts/_results.html", rows=rows,
                                   kind=kind, q=q, kinds=CONTACT_KINDS, next_url=next_url,
                                   linked=linked)


@bp.get("/<int:contact_id>")
@login_required
def detail(contact_id):
    """A contact with its sites (billed care of it) and latest documents."""
    contact = get_or_404(Contact, contact_id)
    documents = (Document.select().where(Document.contact == contact)
                 .order_by(Document.issue_date.desc(), Document.id.desc()).limit(20))
    sites = Contact.select().where(Contact.care_of == contact).order_by(Contact.name).limit(100)
    return render_template("contacts/detail.html", contact=contact, documents=documents,
                           sites=sites, links=links_of(contact))


def _ledger_note(connection, remote_id):
    """What to say next to the ledger id field about the stored id, or None."""
    if not remote_id:
        return None
    cached = cached_ledger_contact(connection, remote_id)
    if cached is None:
        return (f"{remote_id} is saved, but it is not among the ledger contacts last read from "
                f"{connection_label(connection)}. Check the id, or refresh lists on "
                "Integrations if the contact is new in the ledger.")
    if not cached.active:
        return f"{remote_id} is {cached.name}, which is inactive or archived in the ledger."
    return None


def _render_form(contact, values, errors=(), status=200):
    connection = Connection.active_connection()
    stored_id = remote_id_in(connection, contact)
    return render_template("contacts/form.html", contact=contact, values=values,
                           errors=labelled(errors, FIELD_LABELS),
                           error_fields={e["field"] for e in errors}, countries=country_choices(),
                           kinds=CONTACT_KINDS, connection=connection,
                           connection_label=connection_label(connection) if connection else None,
                           stored_ledger_id=stored_id, no_connection=NO_CONNECTION,
                           ledger_note=_ledger_note(connection, stored_id)), status


def _ledger_id_change(connection, contact, form, errors):
    """The new ledger id when the user unlocked the field and confirmed the change, else None."""
    wanted = (form.get("ledger_remote_id") or "").strip()
    if wanted == remote_id_in(connection, contact):
        return None
    if connection is None:
        errors.add("ledger_remote_id", f"{NO_CONNECTION}: a ledger account id belongs to a "
                                       "connected organisation.")
        return None
    if form.get("ledger_connection") != str(connection.id):
        # The form showed another connection's link (or none): never write into the wrong one.
        errors.add("ledger_remote_id", "The connected accounting package changed while this form "
                                       f"was open; the field now shows the id in "
                                       f"{connection_label(connection)}. Check it and save again.")
        return None
    if form.get("ledger_id_confirmed") != "1":
        errors.add("ledger_remote_id", "The ledger account id was not changed: unlock the field "
                                       "and confirm the change.")
        return None
    if has_control_characters(wanted):
        errors.add("ledger_remote_id", "The ledger account id may not contain control "
                                       "characters.")
        return None
    if len(wanted) > REMOTE_ID_MAX:
        errors.add("ledger_remote_id", f"The ledger account id is at most {REMOTE_ID_MAX} "
                                       "characters.")
        return None
    return wanted


def _save(contact):
    form = request.form
    number = contact.number if contact else form.get("number", "")
    cleaned, errors = clean_contact(form.to_dict(), number)
    if contact is None and not errors and Contact.get_or_none(Contact.number == cleaned["number"]):
        errors.add("number", f"A contact with account number {cleaned['number']} already "
                             "exists.")
    connection = Connection.active_connection()
    ledger_id = _ledger_id_change(connection, contact, form, errors)
    if ledger_id and not errors:
        try:  # checked against the ledger before anything is saved
            ledger_id = find_remote_contact(connection, ledger_id, cleaned["kind"]).id
        except LinkRefused as exc:
            errors.add("ledger_remote_id", str(exc))
            ledger_id = None
    if errors:
        values = form.to_dict()  # a refused form keeps what was typed, the ledger id too
        if (connection is None or form.get("ledger_connection") != str(connection.id)
                or has_control_characters(values.get("ledger_remote_id") or "")):
            values["ledger_remote_id"] = remote_id_in(connection, contact)
        return _render_form(contact, values, errors, 422)
    with db.atomic():
        saved, outcome = upsert_contact(cleaned)
        if ledger_id is not None:
            set_link(connection, saved, ledger_id)
            outcome = "updated"
    flash(f"{saved.name} saved." if outcome != "unchanged" else "Nothing changed.", "success")
    if ledger_id and _ledger_note(connection, ledger_id):
        # Saved anyway (the cached list may be stale), but shown again beside the field.
        return redirect(url_for("contacts.edit", contact_id=saved.id))
    return redirect(url_for("contacts.detail", contact_id=saved.id))


def _values(contact):
    values = {field: getattr(contact, field) for field in Contact.EDITABLE}
    values.update(number=contact.number,
                  ledger_remote_id=remote_id_in(Connection.active_connection(), contact),
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
    contact = get_or_404(Contact, contact_id)
    if request.method == "POST":
        return _save(contact)
    return _render_form(contact, _values(contact))


@bp.post("/<int:contact_id>/ledger-id/clear")
@login_required
def clear_ledger_id(contact_id):
    """Clear the contact's ledger account id in the active connection in one click."""
    contact = get_or_404(Contact, contact_id)
    connection = Connection.active_connection()
    if connection is None:
        flash(f"{NO_CONNECTION}: there is no ledger account id to clear.", "error")
    else:
        set_link(connection, contact, "")
        flash(f"The ledger account id of {contact.name} in {connection_label(connection)} is "
              "cleared.", "success")
    return redirect(url_for("contacts.edit", contact_id=contact.id))


@bp.get("/ledger-contacts")
@login_required
def ledger_picker():
    """Cached ledger contacts whose name contains q: the ledger id field's picker."""
    connection = Connection.active_connection()
    q = request.args.get("q", "")
    return render_template("contacts/_ledger_picker.html", rows=search_cached(connection, q),
                           q=q.strip()[:100], connection=connection)
