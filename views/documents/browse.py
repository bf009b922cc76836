"""Documents: the list, one document, the Sent toggle, void, its PDF and attachment."""

from io import BytesIO

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import url_for

from models import db
from models.document import KINDS
from models.document import LOCK_MESSAGE
from models.document import SENT_METHODS
from models.document import Document
from models.document import DocumentFile
from models.document import DocumentLocked
from models.firm import FirmProfile
from services.document_list import list_documents
from services.documents import attach_pdf
from services.documents import remove_attachment as drop_attachment
from services.documents import void_document
from services.invoice_pdf import SUPPLIER_NOT_SENT
from services.invoice_pdf import pdf_refusal
from services.invoice_pdf import render_invoice_pdf
from services.pdf_check import check_pdf_upload
from sync.records import recheck_documents
from views._access import login_required
from views._htmx import is_partial
from views._htmx import render_page_or_fragment
from views._lookup import get_or_404
from views.documents.payments import payments_context

FILTER_KEYS = ("kind", "sent", "synced", "date_from", "date_to", "q")


def get_document(document_id):
    """The document or 404."""
    return get_or_404(Document, document_id)


def sync_url(document=None):
    """The Sync screen's address (searching for the document, when given) once it exists."""
    if "sync.index" in current_app.view_functions:
        if document is None:
            return url_for("sync.index")
        return url_for("sync.index", kind=document.kind, filter="all", q=document.number)
    return None


def sync_record(document):
    """The document's sync record on the active connection, or None."""
    from models.integration import Connection
    from sync.grid import row_for

    return row_for(Connection.active_connection(), document.id)


@login_required
def index():
    """The list with filters; htmx requests get just the results."""
    filters = {key: request.args.get(key, "") for key in FILTER_KEYS}
    rows, next_cursor = list_documents(filters, request.args.get("cursor"))
    next_url = (url_for("documents.index", cursor=next_cursor,
                        **{k: v for k, v in filters.items() if v}) if next_cursor else None)
    return render_page_or_fragment("documents/index.html", "documents/_results.html",
                                   rows=rows, filters=filters, kinds=KINDS, next_url=next_url,
                                   paged=bool(request.args.get("cursor")))


def _render_detail(document, status=200):
    return render_template("documents/detail.html", document=document,
                           lines=document.ordered_lines(), sent_methods=SENT_METHODS,
                           attachment=DocumentFile.get_or_none(DocumentFile.document == document),
                           sync_url=sync_url(), sync_row_url=sync_url(document),
                           sync_record=sync_record(document),
                           lock_message=LOCK_MESSAGE,
                           credit_notes=document.active_credit_notes(),
                           credited=document.credited_total(),
                           firm_missing=FirmProfile.current().missing_for_documents(),
                           **payments_context(document)), status


@login_required
def detail(document_id):
    """One document with its lines, totals, Sent toggle and PDF."""
    return _render_detail(get_document(document_id))


@login_required
def toggle_sent(document_id):
    """Set Sent yes/no and how; answers with the toggle itself for htmx."""
    document = get_document(document_id)
    if not document.is_sales:
        flash(SUPPLIER_NOT_SENT, "error")
        return redirect(url_for("documents.detail", document_id=document.id))
    sent = request.form.get("sent") == "1"
    method = request.form.get("method", "manual")
    if method not in SENT_METHODS:
        method = "manual"
    with db.atomic():
        document.set_sent(sent, method)
    recheck_documents([document.id])
    if not is_partial():
        return redirect(url_for("documents.detail", document_id=document.id))
    return render_template("documents/_sent.html", document=document, sent_methods=SENT_METHODS)


@login_required
def void(document_id):
    """Void a document that is not yet in the ledger."""
    document = get_document(document_id)
    try:
        void_document(document)
    except DocumentLocked as exc:
        flash(str(exc), "error")
        return redirect(url_for("documents.detail", document_id=document.id))
    flash(f"{document.number} is void.", "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@login_required
def pdf(document_id):
    """The attached PDF, or one rendered from the document; ?download=1 saves it."""
    document = get_document(document_id)
    attachment = DocumentFile.get_or_none(DocumentFile.document == document)
    refusal = None if attachment else pdf_refusal(document, request.args.get("download") == "1")
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("documents.detail", document_id=document.id))
    content = bytes(attachment.content) if attachment else render_invoice_pdf(document)
    return send_file(BytesIO(content), mimetype="application/pdf",
                     as_attachment=request.args.get("download") == "1",
                     download_name=f"{document.number}.pdf")


@login_required
def attach(document_id):
    """Attach a PDF (checked to be a PDF and within PDF_MAX_MB), replacing any earlier one."""
    document = get_document(document_id)
    upload = request.files.get("file")
    content = upload.read() if upload else b""
    error = check_pdf_upload(content, current_app.config["PDF_MAX_MB"])
    if error:
        flash(error, "error")
        return _render_detail(document, 422)
    attach_pdf(document, upload.filename, content)
    flash("PDF attached.", "success")
    return redirect(url_for("documents.detail", document_id=document.id))


@login_required
def remove_attachment(document_id):
    """Remove the attached PDF; the rendered invoice is used again."""
    document = get_document(document_id)
    drop_attachment(document)
    flash("Attachment removed; the generated PDF is used.", "success")
    return redirect(url_for("documents.detail", document_id=document.id))
