"""QuickBooks Online /batch and /upload."""

import json

from sandbox.qbo import errors
from sandbox.qbo.errors import QboFault
from sandbox.qbo.ledger import BY_PATH


def batch(sandbox, ledger, body):
    """POST /batch: up to `batch_max` items run in order; each answers its entity or a Fault."""
    items = (body or {}).get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required("BatchItemRequest")
    if len(items) > sandbox.batch_max:
        raise QboFault("1040", "Batch request is too large",
                       f"Number of items in the batch request exceeds the maximum of "
                       f"{sandbox.batch_max}.")
    out = []
    for item in items:
        answer = {"bId": item.get("bId")}
        try:
            if "Query" in item:
                answer["QueryResponse"] = ledger.query(item["Query"])
            else:
                entity = next((k for k in item if k in BY_PATH.values()), None)
                if entity is None or item.get("operation", "create") not in ("create", "update"):
                    raise errors.business("Each batch item needs an operation and an entity.")
                answer[entity] = ledger.write(entity, item[entity])
        except QboFault as fault:
            answer["Fault"] = fault.fault()  # the batch itself still answers HTTP 200
        out.append(answer)
    return {"BatchItemResponse": out}


ATTACHABLE_TARGETS = {"Invoice", "CreditMemo", "Bill", "VendorCredit", "Customer", "Vendor"}


def upload(sandbox, ledger, files):
    """POST /upload: file_metadata_NN (JSON) and file_content_NN parts, one Attachable each."""
    answers = []
    for name in sorted(k for k in files if k.startswith("file_content_")):
        suffix = name.rsplit("_", 1)[-1]
        filename, mimetype, content = files[name]
        meta_part = files.get(f"file_metadata_{suffix}")
        try:
            meta = json.loads(meta_part[2]) if meta_part else {}
            answers.append({"Attachable": _attach(sandbox, ledger, meta, filename, mimetype,
                                                  content)})
        except QboFault as fault:
            answers.append({"Fault": fault.fault()})
        except ValueError:
            answers.append({"Fault": errors.required("file_metadata").fault()})
    if not answers:
        raise errors.required("file_content_01")
    return {"AttachableResponse": answers}


def _attach(sandbox, ledger, meta, filename, mimetype, content):
    if len(content) > sandbox.attachment_max_bytes:
        raise errors.business(f"The file is larger than the "
                              f"{sandbox.attachment_max_bytes // (1024 * 1024)} MB limit.")
    refs = meta.get("AttachableRef") or []
    for ref in refs:
        target = (ref.get("EntityRef") or {})
        if target.get("type") not in ATTACHABLE_TARGETS:
            raise QboFault("2170", "Invalid Enumeration",
                           f"Invalid Enumeration : {target.get('type')} cannot have attachments.")
        ledger.referenced(target["type"], {"value": target.get("value")}, must_be_active=False)
    record = {"FileName": meta.get("FileName") or filename, "Size": len(content),
              "ContentType": meta.get("ContentType") or mimetype, "AttachableRef": refs}
    stored = ledger.store("Attachable", record)
    stored["TempDownloadUri"] = f"https://example.invalid/attachments/{stored['Id']}"
    return stored
