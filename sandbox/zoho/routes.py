"""Zoho Books v3 resources in the sandbox: organisations, accounts, taxes, contacts, items,
the four document modules and their attachments. Handlers run under the sandbox lock."""

import functools

from flask import request

from sandbox.zoho import documents
from sandbox.zoho import payments
from sandbox.zoho.documents import KINDS
from sandbox.zoho.errors import DUPLICATE_CONTACT
from sandbox.zoho.errors import DUPLICATE_ITEM
from sandbox.zoho.errors import INVALID_VALUE
from sandbox.zoho.errors import NOT_FOUND
from sandbox.zoho.errors import ZohoError
from sandbox.zoho.guard import api_route
from sandbox.zoho.seed import contact_detail
from sandbox.zoho.seed import contact_summary
from sandbox.zoho.seed import new_contact
from sandbox.zoho.seed import new_id
from sandbox.zoho.seed import zoho_time


def ok(body, status=200, message="success"):
    """A success body: code 0 and a message first, as Zoho answers."""
    return status, {"code": 0, "message": message, **body}


def _json_body():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ZohoError(INVALID_VALUE, "Invalid value passed for JSONString")
    return body


def _page(rows, list_key, as_array=False):
    """Apply page/per_page (max 200) and add page_context."""
    try:
        page = max(1, int(request.args.get("page", 1)))
        per_page = min(200, max(1, int(request.args.get("per_page", 200))))
    except ValueError:
        raise ZohoError(INVALID_VALUE, "Invalid value passed for page") from None
    start = (page - 1) * per_page
    context = {"page": page, "per_page": per_page, "has_more_page": len(rows) > start + per_page,
               "applied_filter": request.args.get("filter_by", ""),
               "sort_column": request.args.get("sort_column", "created_time"),
               "sort_order": "D"}
    # The published spec types the invoice list's page_context as an array.
    return {list_key: rows[start:start + per_page],
            "page_context": [context] if as_array else context}


def _sorted(rows):
    """Rows in `sort_column` order (`sort_order` D, the default, or A); as stored without a
    sort_column. Times sort as moments."""
    column = request.args.get("sort_column")
    if not column:
        return rows

    def key(row):
        value = row.get(column)
        if column.endswith("_time") and value:
            return (0, documents.zoho_moment(value).timestamp(), "")
        if isinstance(value, (int, float)):
            return (0, value, "")
        return (1, 0, str(value or "").lower())

    return sorted(rows, key=key, reverse=request.args.get("sort_order", "D").upper() != "A")


def _existing(tenant, collection, key, label):
    """A record of the organisation by id, or Zoho's 404 "<label> does not exist."."""
    record = tenant[collection].get(key)
    if record is None:
        raise ZohoError(NOT_FOUND, f"{label} does not exist.", 404)
    return record


def _name_filter(value, args, field):
    """Zoho's name filters: exact, _startswith and _contains (case-insensitive)."""
    value = value.lower()
    exact = args.get(field)
    if exact is not None and value != exact.lower():
        return False
    start = args.get(f"{field}_startswith")
    if start is not None and not value.startswith(start.lower()):
        return False
    part = args.get(f"{field}_contains")
    return part is None or part.lower() in value


def register_api(bp, sandbox):
    """Add the Books API routes and the numbering control to the Zoho blueprint."""
    route = functools.partial(api_route, sandbox)

    @route(bp, "/organizations", needs_org=False)
    def list_organizations(grant, tenant):
        orgs = []
        for tenant_id, org in sandbox.tenants.items():
            if org["dc"] != grant.extra["dc"]:
                continue
            orgs.append({
                "organization_id": tenant_id, "name": org["name"], "contact_name": "Owner",
                "email": grant.user, "is_default_org": not orgs, "plan_type": 1,
                "tax_group_enabled": True, "plan_name": "STANDARD", "plan_period": "yearly",
                "language_code": "en", "fiscal_year_start_month": 3,
                "account_created_date": "2024-04-01", "time_zone": "Europe/London",
                "is_org_active": True, "currency_id": org["currency_id"],
                "currency_code": org["currency_code"], "currency_symbol": org["currency_symbol"],
                "currency_format": "###,##0.00", "price_precision": 2})
        return ok({"organizations": orgs})

    @route(bp, "/settings/currencies")
    def list_currencies(grant, tenant):
        return ok({"currencies": [dict(c) for c in tenant["currencies"]]})

    @route(bp, "/chartofaccounts")
    def list_chart_of_accounts(grant, tenant):
        rows = list(tenant["chartofaccounts"].values())
        wanted = request.args.get("filter_by", "AccountType.All")
        if wanted == "AccountType.Active":
            rows = [a for a in rows if a["is_active"]]
        elif wanted == "AccountType.Inactive":
            rows = [a for a in rows if not a["is_active"]]
        elif wanted in ("AccountType.Income", "AccountType.Expense"):
            kind = wanted.split(".")[1].lower()
            rows = [a for a in rows if a["account_type"].endswith(kind)]
        return ok(_page([dict(a) for a in rows], "chartofaccounts"))

    @route(bp, "/settings/taxes")
    def list_taxes(grant, tenant):
        return ok(_page([dict(t) for t in tenant["taxes"].values()], "taxes"))

    @route(bp, "/contacts")
    def list_contacts(grant, tenant):
        args = request.args
        rows = []
        for contact in tenant["contacts"].values():
            status = args.get("filter_by", "Status.All")
            if status == "Status.Active" and contact["status"] != "active":
                continue
            if status == "Status.Inactive" and contact["status"] != "inactive":
                continue
            if args.get("contact_type") and contact["contact_type"] != args["contact_type"]:
                continue
            if not _name_filter(contact["contact_name"], args, "contact_name"):
                continue
            text = args.get("search_text")
            if text and text.lower() not in contact["contact_name"].lower():
                continue
            rows.append(contact_summary(contact))
        rows.sort(key=lambda c: c["contact_name"].lower())
        return ok(_page(rows, "contacts"))

    @route(bp, "/contacts", methods=("POST",), write=True)
    def create_contact(grant, tenant):
        body = _json_body()
        name = str(body.get("contact_name") or "").strip()
        if not name:
            raise ZohoError(INVALID_VALUE, "Please enter the contact name.")
        if body.get("contact_type", "customer") not in ("customer", "vendor"):
            raise ZohoError(INVALID_VALUE, "Invalid value passed for contact_type")
        if any(c["contact_name"].lower() == name.lower() for c in tenant["contacts"].values()):
            raise ZohoError(DUPLICATE_CONTACT,
                            f'The contact "{name}" already exists. Please specify a different '
                            "name.")
        contact = new_contact(tenant, {**body, "contact_name": name})
        return ok({"contact": contact_detail(contact)}, 201, "The contact has been added.")

    @route(bp, "/contacts/<contact_id>")
    def get_contact(grant, tenant, contact_id):
        contact = _existing(tenant, "contacts", contact_id, "Contact")
        return ok({"contact": contact_detail(contact)})

    @route(bp, "/items")
    def list_items(grant, tenant):
        args = request.args
        rows = [dict(i) for i in tenant["items"].values()
                if _name_filter(i["name"], args, "name")
                and (not args.get("account_id") or i["account_id"] == args["account_id"])
                and (args.get("filter_by") != "Status.Active" or i["status"] == "active")]
        return ok(_page(rows, "items"))

    @route(bp, "/items", methods=("POST",), write=True)
    def create_item(grant, tenant):
        body = _json_body()
        name = str(body.get("name") or "").strip()
        if not name or body.get("rate") is None:
            raise ZohoError(INVALID_VALUE, "Please enter the item name and rate.")
        if any(i["name"].lower() == name.lower() for i in tenant["items"].values()):
            raise ZohoError(DUPLICATE_ITEM, f'The item "{name}" already exists.')
        account = tenant["chartofaccounts"].get(str(body.get("account_id") or ""))
        if body.get("account_id") and (account is None or not account["is_active"]):
            raise ZohoError(INVALID_VALUE, "Invalid value passed for account_id")
        item_id = new_id()
        item = {"item_id": item_id, "name": name, "status": "active",
                "description": str(body.get("description") or ""),
                "rate": float(body["rate"]), "unit": "", "tax_id": str(body.get("tax_id") or ""),
                "sku": str(body.get("sku") or ""),
                "product_type": body.get("product_type") or "service",
                "account_id": account["account_id"] if account else "",
                "account_name": account["account_name"] if account else ""}
        tenant["items"][item_id] = item
        return ok({"item": dict(item)}, 201, "The item has been added.")

    @route(bp, "/items/<item_id>")
    def get_item(grant, tenant, item_id):
        item = _existing(tenant, "items", item_id, "Item")
        return ok({"item": dict(item)})

    for kind in KINDS.values():
        _register_documents(bp, sandbox, route, kind)
    for side in payments.SIDES.values():
        _register_payments(bp, sandbox, route, side)

    @bp.route("/<service>/books/v3/<path:rest>", methods=["GET", "POST", "PUT", "DELETE"])
    def unknown_url(service, rest):
        # Paths the sandbox does not serve answer as Zoho does for an unknown URL.
        return {"code": 5, "message": "Invalid URL Passed"}, 404

    @bp.post("/_control/numbering")
    def numbering():
        body = request.get_json(force=True)
        try:
            sandbox.set_numbering(body["tenant"], body["module"], body["auto"],
                                  body.get("prefix"))
        except KeyError as exc:
            return {"error": f"unknown {exc.args[0]}"}, 400
        return {"numbering": sandbox.tenants[body["tenant"]]["numbering"]}


def _register_documents(bp, sandbox, route, kind):
    def list_documents(grant, tenant):
        rows = [documents.summary(kind, d) for d in tenant[kind.module].values()
                if documents.matches(kind, d, request.args)]
        return ok(_page(_sorted(rows), kind.module, as_array=kind.module == "invoices"))

    def create_document(grant, tenant):
        body = _json_body()
        ignore = request.args.get("ignore_auto_number_generation", "").lower() == "true"
        doc = documents.create(tenant, kind, body, ignore, zoho_time(sandbox.clock.now()))
        return ok({kind.single: documents.detail(kind, doc)}, 201,
                  f"The {kind.label.lower()} has been created.")

    def get_document(grant, tenant, doc_id):
        doc = _existing(tenant, kind.module, doc_id, kind.label)
        return ok({kind.single: documents.detail(kind, doc)})

    for func, suffix in ((list_documents, "list"), (create_document, "create"),
                         (get_document, "get")):
        func.__name__ = f"{suffix}_{kind.module}"
    route(bp, f"/{kind.module}")(list_documents)
    route(bp, f"/{kind.module}", methods=("POST",), write=True)(create_document)
    route(bp, f"/{kind.module}/<doc_id>")(get_document)
    if kind.module == "invoices":
        def mark_sent(grant, tenant, doc_id):
            doc = _existing(tenant, "invoices", doc_id, "Invoice")
            if doc["status"] == "draft":
                doc["status"] = "sent"
                doc["last_modified_time"] = zoho_time(sandbox.clock.now())
            return ok({}, 200, "Invoice status has been changed to Sent.")

        route(bp, "/invoices/<doc_id>/status/sent", methods=("POST",), write=True)(mark_sent)
    if kind.attachments:
        def add_attachment(grant, tenant, doc_id):
            return _attach(sandbox, tenant, kind, doc_id)

        add_attachment.__name__ = f"attach_{kind.module}"
        route(bp, f"/{kind.module}/<doc_id>/attachment", methods=("POST",),
              write=True)(add_attachment)


def _register_payments(bp, sandbox, route, side):
    def create_payment(grant, tenant):
        payment = payments.create(tenant, side, _json_body(), zoho_time(sandbox.clock.now()))
        message = ("The payment has been created." if side is payments.CUSTOMER
                   else "The payment made to the vendor has been recorded.")
        return ok({side.single: payments.detail(side, payment)}, 201, message)

    def get_payment(grant, tenant, payment_id):
        payment = _existing(tenant, side.collection, payment_id, "Payment")
        return ok({side.single: payments.detail(side, payment)})

    def document_payments(grant, tenant, doc_id):
        _existing(tenant, side.documents, doc_id, KINDS[side.documents].label)
        return ok({"payments": payments.of_document(tenant, side, doc_id)})

    for func, suffix in ((create_payment, "create"), (get_payment, "get"),
                         (document_payments, "list")):
        func.__name__ = f"{suffix}_{side.collection}"
    route(bp, f"/{side.collection}", methods=("POST",), write=True)(create_payment)
    route(bp, f"/{side.collection}/<payment_id>")(get_payment)
    route(bp, f"/{side.documents}/<doc_id>/payments")(document_payments)


def _attach(sandbox, tenant, kind, doc_id):
    doc = _existing(tenant, kind.module, doc_id, kind.label)
    upload = request.files.get("attachment")
    if upload is None:
        raise ZohoError(INVALID_VALUE, "Please select a file to attach.")
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else ""
    if extension not in sandbox.attachment_types:
        raise ZohoError(INVALID_VALUE, "Invalid file type. Allowed types: "
                        + ", ".join(sandbox.attachment_types) + ".")
    content = upload.read()
    if len(content) > sandbox.attachment_limit:
        raise ZohoError(INVALID_VALUE, "The file size exceeds the maximum limit of 10 MB.")
    tenant["attachments"][doc_id] = {"filename": upload.filename, "size": len(content)}
    doc["has_attachment"], doc["attachment_name"] = True, upload.filename
    if kind.module == "invoices":
        return ok({}, 200, "Your file has been successfully attached to the invoice.")
    return ok({}, 201, "The attachment has been added.")
