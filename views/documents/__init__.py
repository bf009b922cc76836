"""Documents (staff): the screen's blueprint and its routes, one module per concern.

browse: the list, one document, Sent, void, PDF and attachment; edit: create and edit with
lines; csv_import: importing a CSV file with a preview; payments: receipts and payments.
"""

from flask import Blueprint

from views.documents import browse
from views.documents import csv_import
from views.documents import edit
from views.documents import payments

bp = Blueprint("documents", __name__, url_prefix="/documents")

bp.get("/")(browse.index)
bp.get("/<int:document_id>")(browse.detail)
bp.post("/<int:document_id>/sent")(browse.toggle_sent)
bp.post("/<int:document_id>/void")(browse.void)
bp.get("/<int:document_id>/pdf")(browse.pdf)
bp.post("/<int:document_id>/attachment")(browse.attach)
bp.post("/<int:document_id>/attachment/remove")(browse.remove_attachment)
bp.post("/<int:document_id>/payments", endpoint="add_payment")(payments.add)
bp.post("/<int:document_id>/payments/<int:payment_id>/remove",
        endpoint="remove_payment")(payments.remove)
bp.post("/<int:document_id>/payments/<int:payment_id>/retry",
        endpoint="retry_payment")(payments.retry)

bp.route("/new", methods=["GET", "POST"])(edit.new)
bp.route("/<int:document_id>/edit", methods=["GET", "POST"])(edit.edit)
bp.get("/line-row")(edit.line_row)

bp.get("/import")(csv_import.import_form)
bp.get("/import/template.csv")(csv_import.import_template)
bp.post("/import")(csv_import.import_preview)
bp.post("/import/<token>")(csv_import.import_commit)
