"""The Sync page (staff and admins): the grid of documents waiting for the ledger, the
connection panel, Sync / Auto sync / Stop with a polled progress widget, and the actions popup.

page: the page, the grid and the menu counts; runs: start, stop and the progress poll;
popup: the actions dialog and what it does (links, Sent, exclude, include, retry, link to the
ledger's copy, preview).
"""

from flask import Blueprint

from sync import grid
from views.sync import bulk
from views.sync import contact_actions
from views.sync import page
from views.sync import popup
from views.sync import runs

bp = Blueprint("sync", __name__, url_prefix="/sync")
bp.add_app_template_global(grid.status_message, "status_message")
bp.add_app_template_global(grid.COUNT_CAP, "count_cap")
bp.add_app_template_global(page.row_urls, "sync_row_urls")

bp.get("/")(page.index)

bp.post("/runs")(runs.run_start)
bp.get("/runs/<int:run_id>")(runs.run_status)
bp.post("/runs/<int:run_id>/stop")(runs.run_stop)

bp.get("/documents/<int:document_id>")(popup.actions)
bp.get("/documents/<int:document_id>/preview")(popup.preview)
bp.post("/documents/<int:document_id>/link")(contact_actions.link_typed)
bp.post("/documents/<int:document_id>/create-contact")(contact_actions.create_contact)
bp.get("/documents/<int:document_id>/search-contacts")(contact_actions.search_contacts)
bp.post("/documents/<int:document_id>/unlink")(contact_actions.unlink_contact)
bp.post("/documents/<int:document_id>/sent")(popup.mark_sent)
bp.post("/documents/<int:document_id>/exclude")(popup.exclude)
bp.post("/documents/<int:document_id>/include")(popup.include)
bp.post("/documents/<int:document_id>/retry")(popup.retry)
bp.post("/documents/<int:document_id>/link-existing")(popup.link_existing)

bp.get("/bulk/contacts")(bulk.contacts_dialog)
bp.post("/bulk/contacts")(bulk.contacts_apply)
bp.get("/bulk/contacts/<job_id>")(bulk.contacts_status)
bp.get("/bulk/sent")(bulk.sent_dialog)
bp.post("/bulk/sent")(bulk.sent_apply)
