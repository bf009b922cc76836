"""The Xero sandbox's attachments on invoices and credit notes, and its sandbox-only pages."""

from html import escape

from flask import request

from sandbox.xero_api_common import FILES_READ
from sandbox.xero_api_common import FILES_WRITE
from sandbox.xero_api_common import NOT_FOUND
from sandbox.xero_api_common import A
from sandbox.xero_api_common import flag
from sandbox.xero_data import new_id
from sandbox.xero_documents import collection
from sandbox.xero_guard import problem
from sandbox.xero_guard import validation_error


def register_files(bp, box, guard):
    """Attachment routes, the go.xero.com stand-in and the numbering-settings control."""
    _register_attachments(bp, box, guard)
    _register_extras(bp, box)


def _register_attachments(bp, box, guard):
    kinds = "<any(Invoices,CreditNotes):endpoint>"

    @bp.get(f"{A}/{kinds}/<doc_id>/Attachments")
    @guard.api(FILES_READ)
    def list_attachments(grant, tenant_id, endpoint, doc_id):
        tenant = box.tenants[tenant_id]
        if doc_id not in collection(tenant, endpoint):
            return NOT_FOUND
        files = tenant["attachments"].get(doc_id, [])
        return 200, {"Attachments": [_attachment_view(f) for f in files]}

    @bp.get(f"{A}/{kinds}/<doc_id>/Attachments/<path:filename>")
    @guard.api(FILES_READ)
    def get_attachment(grant, tenant_id, endpoint, doc_id, filename):
        files = box.tenants[tenant_id]["attachments"].get(doc_id, [])
        found = next((f for f in files if f["FileName"] == filename), None)
        if found is None:
            return NOT_FOUND
        return 200, found["_content"], {"Content-Type": found["MimeType"]}

    @bp.route(f"{A}/{kinds}/<doc_id>/Attachments/<path:filename>", methods=["PUT", "POST"])
    @guard.api(FILES_WRITE, write=True)
    def upload_attachment(grant, tenant_id, endpoint, doc_id, filename):
        tenant = box.tenants[tenant_id]
        doc = collection(tenant, endpoint).get(doc_id)
        if doc is None:
            return NOT_FOUND
        content = request.get_data()
        if len(content) > box.max_attachment_bytes:
            return problem(413, "Request Entity Too Large", "Attachments are limited to 10 MB")
        files = tenant["attachments"].setdefault(doc_id, [])
        if request.method == "POST":
            files[:] = [f for f in files if f["FileName"] != filename]
        if not content or not request.mimetype:
            return validation_error([], "The attachment is empty or has no Content-Type.")
        if len(files) >= box.max_attachments:
            return validation_error([], "A document can have at most 10 attachments.")
        include_online = flag("IncludeOnline") and doc["Type"] in ("ACCREC", "ACCRECCREDIT")
        stored = {"AttachmentID": new_id(), "FileName": filename, "MimeType": request.mimetype,
                  "ContentLength": len(content), "IncludeOnline": include_online,
                  "Url": f"{request.host_url}xero{A}/{endpoint}/{doc_id}/Attachments/{filename}",
                  "_content": content}
        files.append(stored)
        doc["HasAttachments"] = True
        return 200, {"Attachments": [_attachment_view(stored)]}


def _attachment_view(stored):
    return {k: v for k, v in stored.items() if not k.startswith("_")}


def _register_extras(bp, box):
    @bp.get("/go/<path:page>")
    def open_in_ledger(page):
        """The sandbox's stand-in for go.xero.com: a plain page showing the document."""
        key = request.args.get("InvoiceID") or request.args.get("creditNoteID") or ""
        for tenant in box.tenants.values():
            doc = tenant["invoices"].get(key) or tenant["credit_notes"].get(key)
            if doc:
                number = doc.get("InvoiceNumber", doc.get("CreditNoteNumber", ""))
                return (f"<!doctype html><title>Xero sandbox</title><h1>{escape(doc['Type'])} "
                        f"{escape(number)}</h1><p>{escape(tenant['name'])}: total "
                        f"{doc['Total']:.2f}, status {escape(doc['Status'])}.</p>")
        return "Not found in the Xero sandbox", 404

    @bp.post("/_control/settings")
    def numbering_settings():
        """Sandbox only: change a tenant's invoice / credit note numbering settings."""
        body = request.get_json(force=True)
        meta = box.meta.get(body.get("tenant"))
        if meta is None:
            return {"error": "unknown tenant"}, 404
        for key in meta["settings"]:
            if key in body:
                meta["settings"][key] = type(meta["settings"][key])(body[key])
        return meta["settings"]
