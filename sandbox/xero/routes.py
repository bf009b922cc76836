"""The Xero sandbox's Accounting API routes (api.xro/2.0) and its sandbox-only helpers."""

import copy

from flask import request

from sandbox.xero_api_common import CONTACTS_READ
from sandbox.xero_api_common import CONTACTS_WRITE
from sandbox.xero_api_common import DOCS_READ
from sandbox.xero_api_common import DOCS_WRITE
from sandbox.xero_api_common import MAX_POST_BYTES
from sandbox.xero_api_common import NOT_FOUND
from sandbox.xero_api_common import SETTINGS_READ
from sandbox.xero_api_common import A
from sandbox.xero_api_common import flag
from sandbox.xero_data import WhereError
from sandbox.xero_data import ms_date
from sandbox.xero_data import parse_date
from sandbox.xero_data import parse_where
from sandbox.xero_data import where_matches
from sandbox.xero_documents import KINDS
from sandbox.xero_documents import collection
from sandbox.xero_documents import create_document
from sandbox.xero_files import register_files
from sandbox.xero_guard import problem
from sandbox.xero_guard import validation_error
from sandbox.xero_ledger import add_contact
from sandbox.xero_ledger import contact_errors
from sandbox.xero_ledger import contact_view
from sandbox.xero_ledger import document_view
from sandbox.xero_ledger import find_document
from sandbox.xero_ledger import page_of
from sandbox.xero_ledger import query_documents
from sandbox.xero_ledger import search_contacts


def register_accounting(bp, box, guard):
    """Add the Accounting API routes to the Xero blueprint."""
    _register_lists(bp, box, guard)
    _register_documents(bp, box, guard)
    register_files(bp, box, guard)


def _where():
    raw = request.args.get("where")
    if not raw:
        return None, None
    try:
        return parse_where(raw), None
    except WhereError as exc:
        return None, (400, {"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": f"Invalid where clause: {exc}"})


def _csv(name):
    return [v.strip() for v in request.args.get(name, "").split(",") if v.strip()]


def _elements(key):
    """The submitted elements ({"Invoices": [...]} or one bare object), or an error outcome."""
    if (request.content_length or 0) > MAX_POST_BYTES:
        return None, problem(413, "Request Entity Too Large", "The request exceeds 3.5 MB")
    body = request.get_json(silent=True)
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return body[key], None
    if isinstance(body, dict) and body and key not in body:
        return [body], None
    return None, (400, {"ErrorNumber": 14, "Type": "PostDataInvalidException",
                        "Message": f"The request body must be JSON with a {key} array."})


def _echo(element, errors):
    echo = copy.deepcopy(element) if isinstance(element, dict) else {}
    for field in ("Date", "DueDate"):
        if parse_date(echo.get(field)):
            echo[field] = ms_date(parse_date(echo[field]))
    echo["ValidationErrors"] = [{"Message": m} for m in errors]
    return echo


def _batch_outcome(key, results, flag_field):
    """Xero's batch answer: per-item status with summarizeErrors=false, else 400 on failures."""
    if request.args.get("summarizeErrors", "true").lower() == "false":
        items = []
        for ok, item in results:
            item = dict(item)
            item.update({"StatusAttributeString": "OK" if ok else "ERROR", flag_field: not ok})
            items.append(item)
        return 200, {key: items}
    failed = [item for ok, item in results if not ok]
    if failed:
        return validation_error(failed)
    return 200, {key: [item for _, item in results]}


def _register_lists(bp, box, guard):
    @bp.get(A + "/Organisation")
    @guard.api(SETTINGS_READ)
    def organisation(grant, tenant_id):
        return 200, {"Organisations": [copy.deepcopy(box.meta[tenant_id]["organisation"])]}

    @bp.get(A + "/Accounts")
    @guard.api(SETTINGS_READ)
    def accounts(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        rows = [a for a in box.tenants[tenant_id]["accounts"]
                if not groups or where_matches(groups, a)]
        return 200, {"Accounts": copy.deepcopy(rows)}

    @bp.get(A + "/Accounts/<account_id>")
    @guard.api(SETTINGS_READ)
    def account(grant, tenant_id, account_id):
        rows = [a for a in box.tenants[tenant_id]["accounts"] if a["AccountID"] == account_id]
        return (200, {"Accounts": copy.deepcopy(rows)}) if rows else NOT_FOUND

    @bp.get(A + "/TaxRates")
    @guard.api(SETTINGS_READ)
    def tax_rates(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        rows = [r for r in box.tenants[tenant_id]["tax_rates"]
                if not groups or where_matches(groups, r)]
        return 200, {"TaxRates": copy.deepcopy(rows)}

    @bp.get(A + "/Contacts")
    @guard.api(CONTACTS_READ)
    def contacts(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        found = search_contacts(box.tenants[tenant_id], request.args.get("searchTerm"), groups,
                                flag("includeArchived"), _csv("IDs"))
        body = {}
        if "page" in request.args:
            found, body["pagination"] = page_of(found, request.args.get("page", 1, int),
                                                request.args.get("pageSize", 100, int))
        body["Contacts"] = [contact_view(c, flag("summaryOnly")) for c in found]
        return 200, body

    @bp.get(A + "/Contacts/<contact_id>")
    @guard.api(CONTACTS_READ)
    def contact(grant, tenant_id, contact_id):
        found = box.tenants[tenant_id]["contacts"].get(contact_id)
        return (200, {"Contacts": [contact_view(found)]}) if found else NOT_FOUND

    @bp.put(A + "/Contacts")
    @guard.api(CONTACTS_WRITE, write=True)
    def create_contacts(grant, tenant_id):
        elements, error = _elements("Contacts")
        if error:
            return error
        tenant, results = box.tenants[tenant_id], []
        for element in elements:
            errors = contact_errors(tenant, element)
            if errors:
                results.append((False, _echo(element, errors)))
            else:
                results.append((True, contact_view(add_contact(tenant, element, box.now()))))
        return _batch_outcome("Contacts", results, "HasValidationErrors")


def _register_documents(bp, box, guard):
    for endpoint in KINDS:
        _document_routes(bp, box, guard, endpoint)


def _document_routes(bp, box, guard, endpoint):
    @bp.get(f"{A}/{endpoint}", endpoint=f"list_{endpoint}")
    @guard.api(DOCS_READ)
    def list_documents(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        filters = {"ids": _csv("IDs"), "contacts": _csv("ContactIDs"),
                   "statuses": _csv("Statuses"), "term": request.args.get("searchTerm")}
        if endpoint == "Invoices":
            filters["numbers"] = _csv("InvoiceNumbers")
        tenant = box.tenants[tenant_id]
        found = query_documents(tenant, collection(tenant, endpoint), groups, filters)
        body, paged = {}, "page" in request.args
        if paged:
            found, body["pagination"] = page_of(found, request.args.get("page", 1, int),
                                                request.args.get("pageSize", 100, int))
        body[endpoint] = [document_view(d, with_lines=paged and not flag("summaryOnly"))
                          for d in found]
        return 200, body

    @bp.get(f"{A}/{endpoint}/<key>", endpoint=f"get_{endpoint}")
    @guard.api(DOCS_READ)
    def get_document(grant, tenant_id, key):
        doc = find_document(box.tenants[tenant_id], endpoint, key)
        return (200, {endpoint: [document_view(doc)]}) if doc else NOT_FOUND

    @bp.put(f"{A}/{endpoint}", endpoint=f"create_{endpoint}")
    @guard.api(DOCS_WRITE, write=True)
    def create_documents(grant, tenant_id):
        elements, error = _elements(endpoint)
        if error:
            return error
        unitdp = 4 if request.args.get("unitdp") == "4" else 2
        results = []
        for element in elements:
            if not isinstance(element, dict):
                results.append((False, _echo({}, ["The element must be a JSON object."])))
                continue
            ok, outcome = create_document(box.tenants[tenant_id], box.meta[tenant_id], endpoint,
                                          element, unitdp, box.now())
            results.append((True, document_view(outcome)) if ok
                           else (False, _echo(element, outcome)))
        return _batch_outcome(endpoint, results, "HasErrors")
