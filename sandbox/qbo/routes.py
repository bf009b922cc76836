"""QuickBooks Online Accounting API routes (/v3/company/<realmId>/...) and the web app's
document pages, in the sandbox."""

import json
import secrets

from flask import Response
from flask import render_template_string
from flask import request

from sandbox.qbo.bulk import batch
from sandbox.qbo.bulk import upload
from sandbox.qbo.errors import QboFault
from sandbox.qbo.errors import stamp
from sandbox.qbo.guard import ApiRequest
from sandbox.qbo.guard import handle
from sandbox.qbo.ledger import BY_PATH

_DOC_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ entity }} {{ number }} (QuickBooks sandbox)</title></head><body><main>
<h1>{{ entity }} {{ number }}</h1><p>QuickBooks Online sandbox: not a real ledger.</p>
<pre>{{ body }}</pre></main></body></html>"""


def register_api(bp, box):
    """Add the api (Accounting API) and app (document page) routes."""

    @bp.route("/api/v3/company/<realm>/<path:rest>", methods=["GET", "POST"])
    def api(realm, rest):
        """Every Accounting API call: guards and faults first, then the resource."""
        call = ApiRequest.from_flask(request, realm, rest)
        call.record(box)
        status, body, headers = handle(box, call, resource)
        if isinstance(body, str):
            return Response(body, status, headers, mimetype="text/plain")
        if isinstance(body, dict):
            body.setdefault("time", stamp(box.clock.now()))
        return json_response(body, status, headers)

    @bp.get("/app/app/<kind>")
    def document_page(kind):
        """Where a pushed document's link opens: a read-only sandbox page."""
        entity = {"invoice": "Invoice", "creditmemo": "CreditMemo", "bill": "Bill",
                  "vendorcredit": "VendorCredit"}.get(kind)
        ledger = box.tenants.get(request.args.get("companyId", ""))
        record = ledger.record(entity, request.args.get("txnId", "")) if ledger and entity \
            else None
        if record is None:
            return Response("Not found", 404, mimetype="text/plain")
        return render_template_string(_DOC_PAGE, entity=entity, number=record.get("DocNumber", ""),
                                      body=json.dumps(record, indent=2))


def json_response(body, status, headers=None):
    """A JSON answer with Intuit's `intuit_tid` header."""
    headers = {"intuit_tid": secrets.token_hex(16), **(headers or {})}
    return Response(json.dumps(body), status, headers, mimetype="application/json")


def resource(sandbox, ledger, call):
    """The answer of one call to a company's resources: query, batch, upload, read, write."""
    parts = call.rest.split("/")
    name = parts[0].lower()
    if name == "query":
        text = call.query.get("query") or call.raw.decode("utf-8", "replace")
        return {"QueryResponse": ledger.query(text)}
    if name == "batch" and call.method == "POST":
        return batch(sandbox, ledger, call.json)
    if name == "upload" and call.method == "POST":
        return upload(sandbox, ledger, call.files)
    entity = BY_PATH.get(name)
    if entity is None:
        raise QboFault("610", "Object Not Found", f"Object Not Found : unknown resource {name}",
                       status=404)
    if call.method == "GET":
        if entity == "Preferences":
            return {"Preferences": ledger.preferences()}
        if entity == "CompanyInfo" and parts[1:] == [call.realm]:
            return {"CompanyInfo": next(iter(ledger["CompanyInfo"].values()))}
        if len(parts) < 2:
            raise QboFault("4000", "Error parsing query", "Use /query to list records.")
        return {entity: ledger.read(entity, parts[1])}
    if call.json is None or call.json is ValueError:
        raise QboFault("2010", "Request has invalid or unsupported property",
                       "The request body is not valid JSON.")
    options = call.query.get("include", "").split(",")
    return {entity: ledger.write(entity, call.json, options)}
