"""The Xero sandbox's attachments on invoices and credit notes."""

from flask import request

from sandbox.xero.documents import collection
from sandbox.xero.errors import NOT_FOUND
from sandbox.xero.errors import problem
from sandbox.xero.errors import validation_error
from sandbox.xero.routes import A
from sandbox.xero.routes import flag
from sandbox.xero.seed import new_id

FILES_READ = ("accounting.attachments", "accounting.attachments.read")
FILES_WRITE = ("accounting.attachments",)


def register_files(bp, box, guard):
    """Add the attachment routes (list, get by file name, PUT, POST) to the Xero blueprint."""
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
