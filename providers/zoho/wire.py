"""Zoho Books documents: look up by number, create, read back, attach.

Zoho has no idempotency key, so each push first asks whether the number is already there.
Where we number: sales documents carry our number with `ignore_auto_number_generation=true`;
purchase documents carry the supplier's number, and ours in `reference_number`.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal
from urllib.parse import urlparse

from providers.base import AttachResult
from providers.base import AuthError
from providers.base import DocumentKind
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import RemoteDocument
from providers.base import TransientError
from providers.base import UncertainError
from providers.errors import message_for

ATTACHMENT_LIMIT = 10 * 1024 * 1024


@dataclass(frozen=True)
class Module:
    """Where a document kind lives in Zoho Books."""

    path: str
    single: str
    id_field: str
    number_field: str
    party_field: str
    auto_numbered: bool
    attachments: bool


MODULES = {
    DocumentKind.SALES_INVOICE: Module("invoices", "invoice", "invoice_id", "invoice_number",
                                       "customer_id", True, True),
    DocumentKind.SALES_CREDIT: Module("creditnotes", "creditnote", "creditnote_id",
                                      "creditnote_number", "customer_id", True, False),
    DocumentKind.PURCHASE_INVOICE: Module("bills", "bill", "bill_id", "bill_number", "vendor_id",
                                          False, True),
    DocumentKind.PURCHASE_CREDIT: Module("vendorcredits", "vendor_credit", "vendor_credit_id",
                                         "vendor_credit_number", "vendor_id", True, False),
}


def _dec(value):
    return Decimal(str(value if value not in (None, "") else 0))


class ZohoDocuments:
    """The document half of the Zoho Books provider (mixed into providers.zoho.ZohoBooks)."""

    def find_documents(self, ctx, kind, numbers):
        """Documents whose number (sales) or reference (purchases, ledger-numbered) matches."""
        module = MODULES[kind]
        found = {}
        for number in numbers:
            fields = ["reference_number"] if not kind.is_sales else [module.number_field,
                                                                     "reference_number"]
            for field in fields:
                rows = self.api(ctx, "GET", f"/{module.path}", {field: number}).get(
                    module.path, [])
                if rows:
                    found[number] = self._remote(ctx, kind, rows[0])
                    break
        return found

    def get_document(self, ctx, kind, remote_id):
        """A document read back (totals, status, amount paid), or None."""
        module = MODULES[kind]
        try:
            body = self.api(ctx, "GET", f"/{module.path}/{remote_id}")
        except ProviderError as exc:
            if exc.code == "not_found":
                return None
            raise
        return self._remote(ctx, kind, body[module.single])

    def _remote(self, ctx, kind, raw):
        module = MODULES[kind]
        total = _dec(raw.get("total"))
        return RemoteDocument(
            remote_id=raw[module.id_field], number=raw.get(module.number_field, ""),
            reference=raw.get("reference_number", ""), kind=kind,
            contact_id=raw.get(module.party_field, ""), total=total,
            tax_total=_dec(raw.get("tax_total")), status=raw.get("status", ""),
            amount_paid=total - _dec(raw.get("balance", total)),
            url=self.document_url(ctx, kind, raw[module.id_field]))

    def document_url(self, ctx, kind, remote_id):
        """Where to open the document in the Zoho Books web app."""
        module = MODULES[kind]
        if self.is_sandbox:
            base = self.settings.sandbox_url.rstrip("/") + "/zoho/app"
        else:  # www.zohoapis.eu -> books.zoho.eu
            host = urlparse(ctx.extra.get("api_domain", "")).hostname or "www.zohoapis.com"
            base = "https://books.zoho." + host.split("zohoapis.", 1)[-1] + "/app"
        return f"{base}/{ctx.organisation_id}#/{module.path}/{remote_id}"

    def push(self, ctx, documents):
        """Create each document; one PushResult per document, in order."""
        results = []
        stop = None  # after a rate limit or an auth failure the rest wait
        for doc in documents:
            if stop is not None:
                results.append(PushResult(doc.local_id, stop.status, code=stop.code,
                                          message=stop.message, retry_after=stop.retry_after))
                continue
            result = self._push_one(ctx, doc)
            if result.status in (PushStatus.RATE_LIMITED, PushStatus.AUTH):
                stop = result
            results.append(result)
        return results

    def _push_one(self, ctx, doc):
        try:
            existing = self._existing(ctx, doc)
            if existing is not None:
                return self._already_there(doc, existing)
            return self._create(ctx, doc)
        except RateLimited as exc:
            return PushResult(doc.local_id, PushStatus.RATE_LIMITED, code=exc.code,
                              message=exc.message, retry_after=exc.retry_after)
        except AuthError as exc:
            return PushResult(doc.local_id, PushStatus.AUTH, code=exc.code, message=exc.message)
        except UncertainError as exc:
            return PushResult(doc.local_id, PushStatus.UNCERTAIN, code=exc.code,
                              message=exc.message)
        except TransientError as exc:
            return PushResult(doc.local_id, PushStatus.TRANSIENT, code=exc.code,
                              message=exc.message)
        except ProviderError as exc:
            status = PushStatus.DUPLICATE if exc.code == "duplicate_number" else PushStatus.INVALID
            return PushResult(doc.local_id, status, code=exc.code, message=exc.message)

    def _existing(self, ctx, doc):
        """The document already in Zoho under our number, if any (one call)."""
        module = MODULES[doc.kind]
        field = module.number_field if doc.kind.is_sales and doc.use_our_number \
            else "reference_number"
        rows = self.api(ctx, "GET", f"/{module.path}", {field: doc.number}).get(module.path, [])
        return self._remote(ctx, doc.kind, rows[0]) if rows else None

    def _already_there(self, doc, remote):
        if remote.contact_id == doc.contact_id and remote.total == doc.gross_total:
            # Same number, contact and total: our earlier attempt landed (no idempotency key).
            return PushResult(doc.local_id, PushStatus.CREATED, remote_id=remote.remote_id,
                              remote_number=remote.number, url=remote.url,
                              message="Already in Zoho Books from an earlier attempt.")
        return PushResult(doc.local_id, PushStatus.DUPLICATE, code="duplicate_number",
                          remote_id=remote.remote_id, url=remote.url,
                          message="Zoho Books already has a different document numbered "
                                  f"{doc.number} (another contact or total). Check it; if it "
                                  "is a different document, renumber ours.")

    def _create(self, ctx, doc):
        module = MODULES[doc.kind]
        body, params = self._body(ctx, doc)
        answer = self.api(ctx, "POST", f"/{module.path}", params, write=True, json=body)
        created = answer[module.single]
        remote_id = created[module.id_field]
        result = PushResult(doc.local_id, PushStatus.CREATED, remote_id=remote_id,
                            remote_number=created.get(module.number_field, ""),
                            url=self.document_url(ctx, doc.kind, remote_id))
        if doc.kind == DocumentKind.SALES_INVOICE and self.settings.options.get(
                "mark_invoices_sent", True):
            try:  # invoices start as drafts, which do not post to the ledger
                self.api(ctx, "POST", f"/invoices/{remote_id}/status/sent", write=True)
            except ProviderError as exc:
                result.message = ("Created as a draft; mark it as sent in Zoho Books. "
                                  f"({exc.message})")
        return result

    def _body(self, ctx, doc):
        module = MODULES[doc.kind]
        body = {module.party_field: doc.contact_id, "date": doc.issue_date.isoformat()}
        params = {}
        if doc.kind.is_sales:
            if doc.use_our_number or doc.kind == DocumentKind.SALES_CREDIT:
                # The credit-note number is required by the spec; ignored when Zoho numbers it.
                body[module.number_field] = doc.number
            if doc.use_our_number:
                params["ignore_auto_number_generation"] = "true"
            body["reference_number"] = doc.reference if doc.use_our_number else doc.number
        else:
            body[module.number_field] = doc.supplier_reference or doc.number
            body["reference_number"] = doc.number
            if module.auto_numbered:
                params["ignore_auto_number_generation"] = "true"
        if doc.due_date and doc.kind in (DocumentKind.SALES_INVOICE,
                                         DocumentKind.PURCHASE_INVOICE):
            body["due_date"] = doc.due_date.isoformat()
        body["is_inclusive_tax"] = False
        body["line_items"] = [self._line(ctx, doc, line) for line in doc.lines]
        if not body["reference_number"]:
            del body["reference_number"]
        return body, params

    def _line(self, ctx, doc, line):
        whole = doc.kind == DocumentKind.SALES_CREDIT  # the spec types this quantity integer
        quantity, rate, description = _amounts(line, whole)
        out = {"description": description, "rate": float(rate), "quantity": quantity}
        if doc.kind == DocumentKind.SALES_INVOICE:
            out["item_id"] = line.item_id or self.item_for_account(ctx, line)
        else:
            out["account_id"] = line.account_id
        if line.tax_rate_id:
            out["tax_id"] = line.tax_rate_id
        return out

    def item_for_account(self, ctx, line):
        """The service item that posts to a line's income account (found, else created)."""
        key = (ctx.organisation_id, line.account_id)
        if key not in self.items_by_account:
            rows = self.api(ctx, "GET", "/items", {"account_id": line.account_id,
                                                   "filter_by": "Status.Active"}).get("items", [])
            if rows:
                self.items_by_account[key] = rows[0]["item_id"]
            else:
                name = f"Ledgerlink sales {line.account_code or line.account_id}"
                body = {"name": name, "rate": 0, "account_id": line.account_id,
                        "product_type": "service", "item_type": "sales"}
                answer = self.api(ctx, "POST", "/items", write=True, json=body)
                self.items_by_account[key] = answer["item"]["item_id"]
        return self.items_by_account[key]

    def attach_pdf(self, ctx, kind, remote_id, filename, content):
        """Attach a PDF to an invoice or bill (Zoho takes none on credit notes by API)."""
        module = MODULES[kind]
        if not module.attachments:
            return AttachResult(ok=False, supported=False,
                                message=message_for("attachment_unsupported"))
        if len(content) > ATTACHMENT_LIMIT:
            return AttachResult(ok=False, message=message_for("attachment_too_large"))
        try:
            self.api(ctx, "POST", f"/{module.path}/{remote_id}/attachment", write=True,
                     files={"attachment": (filename, content, "application/pdf")})
        except ProviderError as exc:
            if isinstance(exc, (AuthError, RateLimited, TransientError, UncertainError)):
                raise
            return AttachResult(ok=False, message=exc.message)
        return AttachResult(ok=True)


def _amounts(line, whole_quantity):
    """(quantity, rate, description) that make Zoho's rate x quantity equal our net."""
    quantity = Decimal(line.quantity)
    rate = Decimal(line.unit_price)
    exact = (rate * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) == line.net
    if exact and (not whole_quantity or quantity == quantity.to_integral_value()):
        number = int(quantity) if quantity == quantity.to_integral_value() else float(quantity)
        return number, rate, line.description
    # Otherwise one unit at the line's net, keeping the quantity in the text.
    return 1, Decimal(line.net), f"{line.description} ({quantity.normalize()} x {rate})"
