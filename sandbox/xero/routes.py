"""The Xero sandbox's API routes: connections (identity), the Accounting API (api.xro/2.0)
and the sandbox-only pages and settings."""

import copy
from datetime import UTC
from datetime import datetime
from email.utils import parsedate_to_datetime
from html import escape

from flask import request

from sandbox.xero.documents import KINDS
from sandbox.xero.documents import collection
from sandbox.xero.documents import create_document
from sandbox.xero.documents import document_view
from sandbox.xero.documents import find_document
from sandbox.xero.documents import parse_date
from sandbox.xero.documents import query_documents
from sandbox.xero.errors import NOT_FOUND
from sandbox.xero.errors import problem
from sandbox.xero.errors import validation_error
from sandbox.xero.payments import create_payment
from sandbox.xero.payments import payment_view
from sandbox.xero.query import WhereError
from sandbox.xero.query import parse_where
from sandbox.xero.query import where_matches
from sandbox.xero.seed import CURRENCY_NAMES
from sandbox.xero.seed import add_contact
from sandbox.xero.seed import contact_errors
from sandbox.xero.seed import contact_view
from sandbox.xero.seed import ms_date
from sandbox.xero.seed import search_contacts

A = "/accounting"
SETTINGS_READ = ("accounting.settings", "accounting.settings.read")
CONTACTS_READ = ("accounting.contacts", "accounting.contacts.read")
CONTACTS_WRITE = ("accounting.contacts",)
DOCS_READ = ("accounting.invoices", "accounting.invoices.read", "accounting.transactions",
             "accounting.transactions.read")
DOCS_WRITE = ("accounting.invoices", "accounting.transactions")
PAYMENTS_READ = ("accounting.payments", "accounting.payments.read", "accounting.transactions",
                 "accounting.transactions.read")
PAYMENTS_WRITE = ("accounting.payments", "accounting.transactions")
MAX_POST_BYTES = 3_500_000


def register_api(bp, box, guard):
    """Add the connections, Accounting API and sandbox-only routes to the Xero blueprint."""
    _register_connections(bp, box, guard)
    _register_lists(bp, box, guard)
    _register_documents(bp, box, guard)
    _register_payments(bp, box, guard)
    _register_extras(bp, box)


def flag(name):
    """A boolean query parameter ("true" in any case)."""
    return request.args.get(name, "").lower() == "true"


def _where():
    raw = request.args.get("where")
    if not raw:
        return None, None
    try:
        return parse_where(raw), None
    except WhereError as exc:
        return None, (400, {"ErrorNumber": 16, "Type": "QueryParseException",
                            "Message": f"Invalid where clause: {exc}"})


def if_modified_since():
    """The If-Modified-Since header as an aware datetime (ISO 8601, UTC when no offset is
    given, or an HTTP date); None when absent or unreadable, as HTTP ignores a bad one."""
    raw = (request.headers.get("If-Modified-Since") or "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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


def _statuses(box, rows):
    """Copies of accounts or tax rates; with the odd answer `status_absent`, the active ones
    come without their optional Status, as in Xero's own example answers."""
    rows = copy.deepcopy(rows)
    if box.faults.odd("status_absent"):
        for row in rows:
            if row.get("Status") == "ACTIVE":
                del row["Status"]
    return rows


def page_of(records, page, page_size):
    """Records of a 1-based page and Xero's pagination object."""
    page_size = max(1, min(page_size or 100, 1000))
    page = max(1, page)
    count = len(records)
    chunk = records[(page - 1) * page_size: page * page_size]
    return chunk, {"page": page, "pageSize": page_size,
                   "pageCount": (count + page_size - 1) // page_size, "itemCount": count}


def _register_connections(bp, box, guard):
    @bp.get("/api/connections")
    @bp.get("/api/Connections", endpoint="connections_spec_case")
    @guard.api(scopes=None, tenant=False)
    def connections(grant):
        event = request.args.get("authEventId")
        listed = [c for c in box.user_connections(grant.user, grant.client_id)
                  if not (event and c["authEventId"] != event)
                  and not box.faults.organisation_disconnected]
        return 200, [{k: v for k, v in c.items() if not k.startswith("_")} for c in listed]

    @bp.delete("/api/connections/<conn_id>")
    @bp.delete("/api/Connections/<conn_id>", endpoint="delete_connection_spec_case")
    @guard.api(scopes=None, tenant=False, write=True)
    def delete_connection(grant, conn_id):
        with box.lock:
            conn = box.connections.get(conn_id)
            if conn is None or conn["_user"] != grant.user \
                    or conn["_client"] != grant.client_id:
                return problem(404, "Not Found", "Resource not found")
            del box.connections[conn_id]
        return 204, None


def _register_lists(bp, box, guard):
    @bp.get(A + "/Organisation")
    @guard.api(SETTINGS_READ)
    def organisation(grant, tenant_id):
        return 200, {"Organisations": [copy.deepcopy(box.meta[tenant_id]["organisation"])]}

    @bp.get(A + "/Currencies")
    @guard.api(SETTINGS_READ)
    def currencies(grant, tenant_id):
        return 200, {"Currencies": [{"Code": code, "Description": CURRENCY_NAMES.get(code, code)}
                                    for code in box.tenants[tenant_id]["currencies"]]}

    @bp.get(A + "/Accounts")
    @guard.api(SETTINGS_READ)
    def accounts(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        rows = [a for a in box.tenants[tenant_id]["accounts"]
                if not groups or where_matches(groups, a)]
        return 200, {"Accounts": _statuses(box, rows)}

    @bp.get(A + "/Accounts/<account_id>")
    @guard.api(SETTINGS_READ)
    def account(grant, tenant_id, account_id):
        rows = [a for a in box.tenants[tenant_id]["accounts"] if a["AccountID"] == account_id]
        return (200, {"Accounts": _statuses(box, rows)}) if rows else NOT_FOUND

    @bp.get(A + "/TaxRates")
    @guard.api(SETTINGS_READ)
    def tax_rates(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        rows = [r for r in box.tenants[tenant_id]["tax_rates"]
                if not groups or where_matches(groups, r)]
        return 200, {"TaxRates": _statuses(box, rows)}

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
                   "statuses": _csv("Statuses"), "term": request.args.get("searchTerm"),
                   "since": if_modified_since(), "order": request.args.get("order")}
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


def _register_payments(bp, box, guard):
    @bp.get(f"{A}/Payments")
    @guard.api(PAYMENTS_READ)
    def list_payments(grant, tenant_id):
        groups, error = _where()
        if error:
            return error
        found = [p for p in box.tenants[tenant_id].get("payments", {}).values()
                 if not groups or where_matches(groups, p)]
        return 200, {"Payments": [payment_view(p) for p in found]}

    @bp.get(f"{A}/Payments/<payment_id>")
    @guard.api(PAYMENTS_READ)
    def get_payment(grant, tenant_id, payment_id):
        found = box.tenants[tenant_id].get("payments", {}).get(payment_id)
        return (200, {"Payments": [payment_view(found)]}) if found else NOT_FOUND

    @bp.put(f"{A}/Payments")
    @guard.api(PAYMENTS_WRITE, write=True)
    def create_payments(grant, tenant_id):
        elements, error = _elements("Payments")
        if error:
            return error
        results = []
        for element in elements:
            if not isinstance(element, dict):
                results.append((False, _echo({}, ["The element must be a JSON object."])))
                continue
            ok, outcome = create_payment(box.tenants[tenant_id], box.meta[tenant_id], element,
                                         box.now())
            results.append((True, payment_view(outcome)) if ok
                           else (False, _echo(element, outcome)))
        return _batch_outcome("Payments", results, "HasValidationErrors")


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
