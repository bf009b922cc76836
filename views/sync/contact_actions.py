"""The popup's contact section: link a suggestion or a typed id (checked against the ledger),
create the contact in the ledger, search the ledger (Sage), unlink."""

from flask import render_template
from flask import request

from services.contact_links import package_name
from services.ledger_links import LinkRefused
from services.ledger_links import NeedsConfirmation
from services.ledger_links import create_in_ledger
from services.ledger_links import link_checked
from services.ledger_links import search_ledger
from services.ledger_links import unlink
from views._access import login_required
from views.sync.popup import _context
from views.sync.popup import _problem
from views.sync.popup import _whose_link
from views.sync.popup import after_action
from views.sync.popup import render_dialog


def _contact_context(document_id):
    connection, document, record = _context(document_id)
    if record is None:
        from flask import abort

        abort(404)
    which = request.values.get("which")
    problem = "care_of" if which == "care_of" else _problem(record)
    return connection, document, record, _whose_link(document, problem)


@login_required
def link_typed(document_id):
    """Link the id typed in the AccsID field (or a suggestion's: Link this), once the ledger
    confirms it."""
    connection, document, record, contact = _contact_context(document_id)
    typed = (request.form.get("remote_id") or "")[:200]
    try:
        _link, remote = link_checked(connection, contact, typed)
    except LinkRefused as exc:
        return render_dialog(connection, document, record, error=str(exc),
                             typed=typed if typed.isprintable() else "")
    return after_action(connection, document, note=f"{contact.name} is linked to {remote.name}.")


@login_required
def create_contact(document_id):
    """Create the contact in the ledger and link it (a close match asks first)."""
    connection, document, record, contact = _contact_context(document_id)
    try:
        _link, created = create_in_ledger(connection, contact,
                                          confirmed=request.form.get("confirmed") == "1")
    except NeedsConfirmation as exc:
        return render_dialog(connection, document, record, confirm=str(exc))
    except LinkRefused as exc:
        return render_dialog(connection, document, record, error=str(exc))
    return after_action(connection, document,
                        note=f"{created.name} is created in the ledger and linked.")


@login_required
def search_contacts(document_id):
    """Search the ledger by contact reference or name (Sage) and offer Link this."""
    connection, document, _record, contact = _contact_context(document_id)
    q = (request.args.get("q") or "").strip()[:100]
    kind = "supplier" if contact.kind == "supplier" else "customer"
    context = {"q": q, "document": document, "kind": kind, "package": package_name(connection),
               "which": "care_of" if request.args.get("which") == "care_of" else "contact"}
    try:
        found = search_ledger(connection, q, kind)
    except LinkRefused as exc:
        return render_template("sync/_search_results.html", found=[], error=str(exc), **context)
    return render_template("sync/_search_results.html", found=found, error="", **context)


@login_required
def unlink_contact(document_id):
    """Remove the contact's link (asked to confirm in the page)."""
    connection, document, _record, contact = _contact_context(document_id)
    unlink(connection, contact)
    return after_action(connection, document, note=f"{contact.name} is unlinked.")
