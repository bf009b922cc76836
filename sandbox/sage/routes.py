"""Sage Accounting sandbox: the v3.1 API routes (lists, reads, creates, settings)."""

import json
from urllib.parse import urlencode

from flask import Response
from flask import render_template_string
from flask import request

from sandbox.sage.documents import KINDS
from sandbox.sage.documents import create_attachment
from sandbox.sage.documents import create_document
from sandbox.sage.documents import search_documents
from sandbox.sage.errors import SANDBOX_ERRORS
from sandbox.sage.errors import SageError
from sandbox.sage.errors import error_response
from sandbox.sage.guard import guard
from sandbox.sage.guard import write
from sandbox.sage.payments import create_payment
from sandbox.sage.payments import search_payments
from sandbox.sage.seed import base
from sandbox.sage.seed import contact
from sandbox.sage.seed import contact_reference
from sandbox.sage.seed import currency_list
from sandbox.sage.seed import financial_settings
from sandbox.sage.seed import project

API = "/api/v3.1"
CONTACT_TYPES = {"CUSTOMER": "Customer", "VENDOR": "Supplier"}
SETTINGS_FIELDS = {"next_invoice_number": int, "next_credit_note_number": int,
                   "separate_invoice_credit_note_numbering": bool,
                   "sales_invoice_number_prefix": str, "sales_credit_note_number_prefix": str}


_DOC_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sage sandbox: {{ doc.displayed_as }}</title></head><body><main>
<h1>{{ kind|capitalize }} {{ doc.displayed_as }} (sandbox)</h1>
<p>Contact: {{ doc.contact_name }}. Reference: {{ doc.reference }}. Date: {{ doc.date }}.</p>
<p>Net {{ doc.net_amount }}, tax {{ doc.tax_amount }}, total {{ doc.total_amount }}.</p>
</main></body></html>"""


def _json(body, status=200):
    return Response(json.dumps(body), status, mimetype="application/json")


def _flag(args, name):
    value = args.get(name)
    return None if value is None else value.lower() == "true"


def paged(items, collection):
    """Sage's list envelope: $total, $page, $next, $back, $items_per_page, $items."""
    args = request.args
    try:
        per_page = min(200, max(1, int(args.get("items_per_page", 20))))
        page = max(1, int(args.get("page", 1)))
    except ValueError as exc:
        raise SageError(422, "RecordInvalid", "is not a number", "page") from exc
    total = len(items)
    last = max(1, -(-total // per_page))
    page = min(page, last)  # a page past the end gives the last page
    chunk = items[(page - 1) * per_page: page * per_page]

    def link(number):
        query = {**args.to_dict(), "page": number, "items_per_page": per_page}
        return f"/{collection}?{urlencode(query)}"

    return _json({"$total": total, "$page": page,
                  "$next": link(page + 1) if page < last else None,
                  "$back": link(page - 1) if page > 1 else None,
                  "$items_per_page": per_page,
                  "$items": [project(item, args.get("attributes")) for item in chunk]})


def register_api(bp, sandbox):
    """Add the API routes; each passes the sandbox's guard first."""
    def endpoint(rule, methods=("GET",), needs_business=True):
        def wrap(handler):
            def view(**kwargs):
                try:
                    grant, business = guard(sandbox, needs_business)
                    response = handler(grant, business, **kwargs)
                except SANDBOX_ERRORS as exc:
                    return error_response(exc)
                odd = sandbox.faults.odd_body(response.status_code, request.method != "GET")
                return response if odd is None else Response(odd[0], response.status_code,
                                                              mimetype=odd[1])
            view.__name__ = "sage_" + handler.__name__
            bp.add_url_rule(API + rule, view_func=view, methods=list(methods))
            return handler
        return wrap

    def tenant(business):
        return sandbox.tenants[business]

    def one(items, key, what):
        item = items.get(key)
        if item is None:
            raise SageError(404, "RecordNotFound", f"Couldn't find {what}.")
        return _json(item)

    @endpoint("/businesses", needs_business=False)
    def businesses(grant, business):
        items = [dict(base("businesses", bid, sandbox.tenants[bid]["name"]))
                 for bid in grant.organisations if bid in sandbox.tenants]
        return paged(items, "businesses")

    @endpoint("/ledger_accounts")
    def ledger_accounts(grant, business):
        args, items = request.args, list(tenant(business)["ledger_accounts"].values())
        if args.get("visible_in"):
            items = [a for a in items if a.get(f"visible_in_{args['visible_in']}")]
        if args.get("not_visible_in"):
            items = [a for a in items if not a.get(f"visible_in_{args['not_visible_in']}")]
        for flag, field in (("show_included_in_chart", "included_in_chart"),
                            ("show_control_accounts", "is_control_account")):
            if _flag(args, flag) is not None:
                items = [a for a in items if a[field] == _flag(args, flag)]
        if args.get("ledger_account_type_id"):
            items = [a for a in items
                     if a["ledger_account_type"]["id"] == args["ledger_account_type_id"]]
        term = (args.get("search") or "").lower()
        items = [a for a in items if term in f"{a['nominal_code']} {a['name']}".lower()]
        return paged(sorted(items, key=lambda a: a["nominal_code"]), "ledger_accounts")

    @endpoint("/ledger_accounts/<key>")
    def ledger_account(grant, business, key):
        return one(tenant(business)["ledger_accounts"], key, "LedgerAccount")

    @endpoint("/tax_rates")
    def tax_rates(grant, business):
        return paged(list(tenant(business)["tax_rates"].values()), "tax_rates")

    @endpoint("/tax_rates/<key>")
    def tax_rate(grant, business, key):
        return one(tenant(business)["tax_rates"], key, "TaxRate")

    @endpoint("/contact_types")
    def contact_types(grant, business):
        return paged([base("contact_types", k, v) for k, v in CONTACT_TYPES.items()],
                     "contact_types")

    @endpoint("/contacts")
    def contacts(grant, business):
        args, items = request.args, list(tenant(business)["contacts"].values())
        if args.get("contact_type_id"):
            items = [c for c in items
                     if args["contact_type_id"] in {t["id"] for t in c["contact_types"]}]
        term = (args.get("search") or "").lower()
        items = [c for c in items if term in c["name"].lower() or term in c["reference"].lower()]
        if args.get("email"):
            items = [c for c in items if c["email"].lower() == args["email"].lower()]
        if _flag(args, "filter_inactive_contacts"):
            items = [c for c in items if c["is_active"]]
        return paged(sorted(items, key=lambda c: c["name"].lower()), "contacts")

    @endpoint("/contacts/<key>")
    def contact_by_id(grant, business, key):
        return one(tenant(business)["contacts"], key, "Contact")

    @endpoint("/contacts", methods=("POST",))
    def create_contact(grant, business):
        return _json(write(sandbox, business, "contacts", _new_contact), 201)

    @endpoint("/attachments")
    def attachments(grant, business):
        args, items = request.args, list(tenant(business)["attachments"].values())
        if args.get("attachment_context_id"):
            items = [a for a in items
                     if a["attachment_context"]["id"] == args["attachment_context_id"]
                     and a["attachment_context_type"]["id"]
                     == args.get("attachment_context_type_id")]
        return paged(items, "attachments")

    @endpoint("/attachments/<key>")
    def attachment(grant, business, key):
        return one(tenant(business)["attachments"], key, "Attachment")

    @endpoint("/attachments", methods=("POST",))
    def attach(grant, business):
        with sandbox.lock:
            body = request.get_json(silent=True) or {}
            if not isinstance(body.get("attachment"), dict):
                raise SageError(422, "RecordInvalid", "This field is required.", "attachment")
            return _json(create_attachment(tenant(business), body["attachment"]), 201)

    @endpoint("/bank_accounts")
    def bank_accounts(grant, business):
        items = list(tenant(business)["bank_accounts"].values())
        if _flag(request.args, "filter_inactive_bank_accounts"):
            items = [b for b in items if b["is_active"]]
        return paged(items, "bank_accounts")

    @endpoint("/bank_accounts/<key>")
    def bank_account(grant, business, key):
        return one(tenant(business)["bank_accounts"], key, "BankAccount")

    @endpoint("/contact_payments")
    def contact_payments(grant, business):
        items = search_payments(tenant(business), request.args)
        return paged(sorted(items, key=lambda p: (p["date"], p["created_at"])),
                     "contact_payments")

    @endpoint("/contact_payments/<key>")
    def contact_payment(grant, business, key):
        return one(tenant(business)["contact_payments"], key, "ContactPayment")

    @endpoint("/contact_payments", methods=("POST",))
    def create_contact_payment(grant, business):
        def make(store, resource):
            return create_payment(store, resource, sandbox.clock.now())

        return _json(write(sandbox, business, "contact_payments", make), 201)

    @endpoint("/financial_settings")
    def read_financial_settings(grant, business):
        return _json(financial_settings(tenant(business)))

    @endpoint("/currencies")
    def currencies(grant, business):
        return paged(currency_list(), "currencies")

    @endpoint("/invoice_settings")
    def invoice_settings(grant, business):
        return _json(tenant(business)["invoice_settings"].as_json())

    @endpoint("/invoice_settings", methods=("PUT",))
    def update_invoice_settings(grant, business):
        changes = (request.get_json(silent=True) or {}).get("invoice_settings")
        if not isinstance(changes, dict):
            raise SageError(422, "RecordInvalid", "This field is required.", "invoice_settings")
        settings = tenant(business)["invoice_settings"]
        with sandbox.lock:
            for name, kind in SETTINGS_FIELDS.items():
                if name in changes:
                    value = changes[name]
                    if type(value) is not kind or (kind is int and value < 1):
                        raise SageError(422, "RecordInvalid", "is invalid", name)
                    setattr(settings, name, changes[name])
        return _json(settings.as_json())

    for collection in KINDS:
        _register_documents(endpoint, sandbox, collection, tenant, one)

    @bp.get("/app/<collection>/<key>")
    def open_in_sage(collection, key):
        """The page a document's `links` point at (Sage's web app, here a plain summary)."""
        docs = [b[collection][key] for b in sandbox.tenants.values()
                if collection in KINDS and key in b[collection]]
        if not docs:
            return Response("Not found", 404, mimetype="text/plain")
        doc = docs[0]
        return render_template_string(_DOC_PAGE, doc=doc, kind=collection.replace("_", " "))


def _register_documents(endpoint, sandbox, collection, tenant, one):
    def listing(grant, business):
        return paged(search_documents(tenant(business), collection, request.args), collection)

    def read(grant, business, key):
        return one(tenant(business)[collection], key, KINDS[collection].root)

    def create(grant, business):
        link = request.host_url.rstrip("/") + "/sage/app"

        def make(store, resource):
            return create_document(store, collection, resource, link, sandbox.clock.now())

        return _json(write(sandbox, business, collection, make), 201)

    for handler in (listing, read, create):
        handler.__name__ = f"{collection}_{handler.__name__}"
    endpoint(f"/{collection}")(listing)
    endpoint(f"/{collection}/<key>")(read)
    endpoint(f"/{collection}", methods=("POST",))(create)


def _new_contact(store, resource):
    name = resource.get("name")
    if not name:
        raise SageError(422, "RecordInvalid", "This field is required.", "name")
    types = resource.get("contact_type_ids")
    if not types:
        raise SageError(422, "RecordInvalid", "This field is required.", "contact_type_ids")
    if any(t not in CONTACT_TYPES for t in types):
        raise SageError(404, "RecordNotFound", "Couldn't find ContactType", "contact_type_ids")
    taken = {c["reference"] for c in store["contacts"].values()}
    reference = resource.get("reference") or contact_reference(name, taken)
    if reference in taken:
        raise SageError(422, "RecordInvalid", "Reference has already been taken", "reference")
    person = resource.get("main_contact_person") or {}
    item = contact(name, types, reference, email=person.get("email") or "",
                   tax_number=resource.get("tax_number") or "", notes=resource.get("notes") or "")
    address = resource.get("main_address")
    if isinstance(address, dict):
        item["main_address"] = {k: address[k] for k in
                                ("address_line_1", "address_line_2", "city", "postal_code")
                                if address.get(k)}
        if address.get("country_id"):
            item["main_address"]["country"] = base("countries", address["country_id"],
                                                   address["country_id"])
    store["contacts"][item["id"]] = item
    return item
