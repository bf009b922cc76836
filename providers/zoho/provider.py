"""Zoho Books v3: OAuth per data centre, lists, and documents.

Zoho has no idempotency key: documents carry our number (ignore_auto_number_generation), so a
repeat comes back as a duplicate number, which the sync engine resolves by reading.
"""

import os
import re
from datetime import datetime
from datetime import timedelta
from urllib.parse import urlencode
from urllib.parse import urlparse

from providers import answers
from providers import http
from providers import oauth
from providers.base import SETTINGS_KEY
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import ContactPage
from providers.base import DocumentKind
from providers.base import LedgerDocumentPage
from providers.base import Organisation
from providers.base import OrganisationSettings
from providers.base import PreparedRequest
from providers.base import Provider
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import make_cursor
from providers.base import push_each
from providers.base import read_cursor
from providers.base import utc_text
from providers.errors import message_for
from providers.oauth import OAuthEndpoints
from providers.oauth import StateMismatch
from providers.zoho.api import ZohoApi
from providers.zoho.api import translate
from providers.zoho.wire import MODULES
from providers.zoho.wire import PAYMENT_MODULES
from providers.zoho.wire import account_from
from providers.zoho.wire import contact_body
from providers.zoho.wire import contact_from
from providers.zoho.wire import document_body
from providers.zoho.wire import item_from
from providers.zoho.wire import page_context
from providers.zoho.wire import payment_body
from providers.zoho.wire import remote_from
from providers.zoho.wire import remote_payment_from
from providers.zoho.wire import tax_rate_from

ATTACHMENT_LIMIT = 10 * 1024 * 1024
# Zoho's accounts servers (multi-DC); a callback naming any other host is refused.
_REAL_ACCOUNTS = re.compile(
    r"^https://accounts\.(zoho\.(com|eu|in|com\.au|jp|uk|sa|com\.cn)|zohocloud\.ca)$")

SCOPES = ("ZohoBooks.settings.READ", "ZohoBooks.settings.CREATE", "ZohoBooks.accountants.READ",
          "ZohoBooks.contacts.READ", "ZohoBooks.contacts.CREATE", "ZohoBooks.invoices.READ",
          "ZohoBooks.invoices.CREATE", "ZohoBooks.invoices.UPDATE",
          "ZohoBooks.creditnotes.READ", "ZohoBooks.creditnotes.CREATE", "ZohoBooks.bills.READ",
          "ZohoBooks.bills.CREATE", "ZohoBooks.debitnotes.READ", "ZohoBooks.debitnotes.CREATE",
          "ZohoBooks.customerpayments.READ", "ZohoBooks.customerpayments.CREATE",
          "ZohoBooks.vendorpayments.READ", "ZohoBooks.vendorpayments.CREATE")


# List filters with a documented `<field>_startswith` variant, by module.
PREFIX_FILTERS = {"invoices": {"invoice_number"}, "creditnotes": set(),
                  "bills": {"bill_number", "reference_number"},
                  "vendorcredits": {"vendor_credit_number", "reference_number"}}


def _numbered_by_zoho(doc):
    """A sales document sent without our number: Zoho gives it one (ours is the reference)."""
    return doc.kind.is_sales and not doc.use_our_number


def _moment(text):
    """A Zoho time ("2025-01-01T09:00:00+0000") or our watermark ("...Z") as an aware
    datetime."""
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")


class ZohoBooks(ZohoApi, Provider):
    """Zoho Books v3 (multi data centre, several organisations per grant)."""

    id = "zoho"
    name = "Zoho Books"
    description = "Zoho Books: customer invoices, credit notes, bills and vendor credits."
    multi_organisation = True
    batch_size = 25  # Zoho has no bulk create: each document is its own call
    refresh_token_days = None  # Zoho's never lapse; only revoking (or the 21st) ends one
    # Per organisation. The daily allowance depends on the plan: 1,000 on the free plan (the
    # figure here) up to 10,000, shared by every app and user of the organisation.
    rate_limits = {"per_minute": 100, "per_day": 1000}
    bases = {"accounts": "https://accounts.zoho.com"}  # sign-in always starts at .com
    oauth = OAuthEndpoints(
        authorize="accounts:/oauth/v2/auth",
        token="accounts:/oauth/v2/token",  # noqa: S106 - an endpoint path, not a secret
        revoke="accounts:/oauth/v2/token/revoke", client_auth="body")
    needs_items = True
    exposes_lock_date = False  # transaction locking is not in Zoho Books' API
    # invoice_number and the other numbers, reference_number (Max-Length [100] in the spec).
    field_limits = {"number": 100, "reference": 100}
    # Shown to the admin on the connect screen.
    connect_note = (
        "Zoho Books keeps at most 20 refresh tokens for one user and one app. Each time anyone "
        "connects Ledgerlink with the same Zoho user, a new one is made, and the 21st silently "
        "cancels the oldest, which then stops that older connection without warning. Reconnect "
        "only when needed, and disconnect connections you no longer use (Ledgerlink revokes "
        "its token when you disconnect).")

    def __init__(self, settings):
        super().__init__(settings)
        self.items_by_account = {}  # (organisation, account id) -> item id, per instance

    def scopes(self):
        """Zoho wants its scopes comma-separated in one parameter."""
        return [",".join(SCOPES)]

    # --- OAuth --------------------------------------------------------------------------------

    def authorization_request(self, state=None):
        """Authorize URL on the .com accounts server; offline access for a refresh token."""
        return oauth.authorization_request(self, state, access_type="offline", prompt="consent")

    def exchange_code(self, callback_url, auth_request):
        """Trade the code at the accounts server the callback names; keep api_domain."""
        params = oauth.callback_params(callback_url)
        if params.get("state") != auth_request.state:
            raise StateMismatch("state_mismatch", "The sign-in could not be verified (the state "
                                "did not match). Start connecting again.")
        server = params.get("accounts-server") or self.endpoint("accounts:")
        if "error" not in params and not self._trusted_accounts_server(server):
            raise ProviderError("provider_error", "The sign-in came back naming an unknown Zoho "
                                "accounts server, so it was not used. Start connecting again.")
        tokens = oauth.exchange_code(self, callback_url, auth_request,
                                     token_url=server.rstrip("/") + "/oauth/v2/token")
        if not tokens.extra.get("api_domain"):
            raise ProviderError("provider_error", "Zoho did not say which data centre holds the "
                                "account. Start connecting again.")
        tokens.extra.update(accounts_server=server.rstrip("/"),
                            location=params.get("location", "com"))
        return tokens

    def _trusted_accounts_server(self, server):
        if self.is_sandbox:
            return server.startswith(self.settings.sandbox_url.rstrip("/") + "/zoho/")
        return bool(_REAL_ACCOUNTS.match(server.rstrip("/")))

    def refresh(self, tokens):
        """Refresh at the stored accounts server; Zoho keeps the same refresh token."""
        url = self._accounts_server(tokens) + "/oauth/v2/token"
        try:
            return oauth.refresh(self, tokens, token_url=url)
        except AuthError:
            raise
        except ProviderError as exc:
            if exc.detail == "invalid_code":  # Zoho's word for a revoked or unknown token
                raise AuthError("reconnect", message_for("reconnect"),
                                detail="invalid_code") from exc
            if exc.detail == "Access Denied":  # more than 10 refreshes in 10 minutes
                raise RateLimited("rate_limited", message_for("rate_limited"), retry_after=600,
                                  detail=exc.detail) from exc
            raise

    def revoke(self, tokens, organisation_id=None):
        """Revoke the refresh token, so it no longer counts towards Zoho's cap of 20."""
        url = self._accounts_server(tokens) + "/oauth/v2/token/revoke"
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="")
        response = http.call(ctx, "POST", url, write=True, params={"token": tokens.refresh_token})
        if response.status_code >= 400:
            raise translate(response)

    def _accounts_server(self, tokens):
        return tokens.extra.get("accounts_server") or self.endpoint("accounts:").rstrip("/")

    @answers.tolerant
    def organisations(self, tokens):
        """Every organisation the user has in this data centre; the admin picks one."""
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="",
                         extra=dict(tokens.extra))
        body = self.api(ctx, "GET", "/organizations", with_org=False)
        return [Organisation(id=answers.ident(o["organization_id"]), name=answers.text(o["name"]),
                             extra={"currency": answers.text(o.get("currency_code")),
                                    "is_default": answers.flag(o.get("is_default_org"), False)})
                for o in answers.records(body, "organizations")]

    # --- lists --------------------------------------------------------------------------------

    @answers.tolerant
    def accounts(self, ctx):
        """The whole chart of accounts; inactive accounts come back flagged."""
        return [account_from(a) for a in self._pages(ctx, "/chartofaccounts", "chartofaccounts",
                                                     {"filter_by": "AccountType.All"})]

    @answers.tolerant
    def tax_rates(self, ctx):
        """Taxes of the organisation (Zoho uses one tax for sales and purchases)."""
        return [tax_rate_from(t) for t in self._pages(ctx, "/settings/taxes", "taxes")]

    @answers.tolerant
    def items(self, ctx):
        """Active and inactive items with the income account each posts to."""
        return [item_from(i) for i in self._pages(ctx, "/items", "items")]

    @answers.tolerant
    def contacts(self, ctx, cursor=None):
        """One page of 200 contacts; the cursor is the next page number (none after an empty
        page, whatever Zoho says about more pages)."""
        page = int(cursor or 1)
        body = self.api(ctx, "GET", "/contacts", {"page": page, "per_page": self.page_size})
        rows = answers.records(body, "contacts")
        following = answers.next_page(self.name, page, rows,
                                      bool(page_context(body).get("has_more_page")), self.max_pages)
        return ContactPage([contact_from(c) for c in rows],
                           str(following) if following else None)

    @answers.tolerant
    def search_contacts(self, ctx, name):
        """Contacts whose name contains `name` (Zoho matches case-insensitively)."""
        body = self.api(ctx, "GET", "/contacts", {"contact_name_contains": name})
        return [contact_from(c) for c in answers.records(body, "contacts")]

    @answers.tolerant
    def get_contact(self, ctx, contact_id):
        """One contact, or None when Zoho does not know the id."""
        body = self.read(ctx, f"/contacts/{contact_id}")
        return None if body is None else contact_from(body["contact"])

    @answers.tolerant
    def create_contact(self, ctx, new_contact):
        """Create a customer or vendor (Zoho's names are unique across all contacts)."""
        answer = self.api(ctx, "POST", "/contacts", write=True, json=contact_body(new_contact))
        return contact_from(answer["contact"])

    # --- documents ----------------------------------------------------------------------------

    @answers.tolerant
    def organisation_settings(self, ctx):
        """The base currency and the organisation's currencies (GET /settings/currencies, one
        call). Zoho Books' API exposes no lock date (its transaction locking is set in the web
        app and not readable by API), so lock_date is None and the engine cannot check it."""
        rows = answers.records(self.api(ctx, "GET", "/settings/currencies"), "currencies")
        codes = {answers.text(r.get("currency_code")): answers.flag(r.get("is_base_currency"),
                                                                    False) for r in rows}
        codes.pop("", None)
        settings = OrganisationSettings(
            base_currency=next((code for code, base in codes.items() if base), ""),
            currencies=frozenset(codes))
        ctx.extra[SETTINGS_KEY] = settings
        return settings

    @answers.tolerant
    def list_documents(self, ctx, kind, modified_since=None, cursor=None):
        """Documents of the kind changed since the watermark, 200 a page, by creation time.

        Invoices, bills and vendor credits filter on `last_modified_time` (invoices "after" it,
        so a second is taken off: documents of that second come again rather than never).
        Credit notes have no such filter: they are read newest first and the reading stops at
        the watermark, so a credit note changed after it was created is not seen again.
        """
        module = MODULES[kind]
        page, since, high = read_cursor(cursor, modified_since)
        by_creation = kind == DocumentKind.SALES_CREDIT_NOTE
        params = {"page": page, "per_page": self.page_size, "sort_column": "created_time"}
        if since and not by_creation:
            moment = _moment(since) - timedelta(seconds=1 if module.path == "invoices" else 0)
            params["last_modified_time"] = moment.strftime("%Y-%m-%dT%H:%M:%S+0000")
        body = self.api(ctx, "GET", f"/{module.path}", params)
        listed = answers.records(body, module.path)
        field = "created_time" if by_creation else "last_modified_time"
        rows, stopped = [], False
        for row in listed:
            stamp = utc_text(_moment(row[field])) if row.get(field) else ""
            if by_creation and since and stamp and stamp < since:
                stopped = True  # newest first: everything further on is older still
                continue
            rows.append(row)
            high = max(high, stamp)
        watermark = max(high, since)
        following = answers.next_page(self.name, page, listed, not stopped and bool(
            page_context(body).get("has_more_page")), self.max_pages)
        return LedgerDocumentPage([self._remote(ctx, kind, r) for r in rows],
                                  make_cursor(following, since, high) if following else None,
                                  watermark)

    @answers.tolerant
    def find_documents(self, ctx, kind, numbers, sent=()):
        """Documents whose number (sales) or reference (supplier documents, ledger-numbered)
        matches. Zoho's filters take one value, so several numbers sharing a prefix are read
        with one `<field>_startswith` listing where the module offers it; the rest cost a call
        each."""
        module = MODULES[kind]
        wanted = list(dict.fromkeys(n for n in numbers if n))
        found = {}
        fields = [module.number_field, "reference_number"] if kind.is_sales \
            else ["reference_number"]
        for field in fields:
            rest = [n for n in wanted if n not in found]
            prefix = os.path.commonprefix(rest)
            if len(rest) > 1 and len(prefix) >= 2 and field in PREFIX_FILTERS[module.path]:
                for row in self._pages(ctx, f"/{module.path}", module.path,
                                       {f"{field}_startswith": prefix}):
                    if answers.text(row.get(field)) in rest:
                        found.setdefault(answers.text(row[field]), self._remote(ctx, kind, row))
                continue
            for number in rest:
                rows = answers.records(self.api(ctx, "GET", f"/{module.path}", {field: number}),
                                       module.path)
                if rows:
                    found[number] = self._remote(ctx, kind, rows[0])
        return found

    @answers.tolerant
    def get_document(self, ctx, kind, remote_id):
        """A document read back (totals, status, amount paid), or None."""
        module = MODULES[kind]
        body = self.read(ctx, f"/{module.path}/{remote_id}")
        return None if body is None else self._remote(ctx, kind, body[module.single])

    def _remote(self, ctx, kind, raw):
        return remote_from(kind, raw, self.document_url(ctx, kind, raw[MODULES[kind].id_field]))

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
        """Create each document; one PushResult per document, in order.

        Our number goes with ignore_auto_number_generation, so a repeat comes back DUPLICATE
        (Zoho has no idempotency key) and nothing is read first. Only a sales document Zoho
        numbers itself (use_our_number False) is looked for by its reference first: nothing
        else would stop a second one.
        """
        return push_each(documents, lambda doc: self._push_one(ctx, doc))

    def prepare_requests(self, documents, ctx=None):
        """The requests `push` would send: the look-up for a document Zoho numbers, the create,
        and marking an invoice sent (its id comes from the create's answer)."""
        base = (ctx.extra.get("api_domain", "") if ctx is not None else "") or "<api_domain>"
        org = ctx.organisation_id if ctx is not None else "<organization_id>"

        def url(path, params):
            return f"{base.rstrip('/')}/books/v3{path}?" + urlencode(
                {**params, "organization_id": org})

        def item_for(line):
            key = (org, line.account_id)
            return line.item_id or self.items_by_account.get(key) or \
                f"<the service item for account {line.account_id}>"

        out = []
        for doc in documents:
            module = MODULES[doc.kind]
            if _numbered_by_zoho(doc):
                out.append(PreparedRequest("GET", url(f"/{module.path}", {
                    "reference_number": doc.number}), "", None))
            body, params = document_body(doc, item_for)
            out.append(PreparedRequest("POST", url(f"/{module.path}", params),
                                       "application/json", body))
            if self._marks_sent(doc):
                out.append(PreparedRequest("POST", url("/invoices/<invoice_id>/status/sent", {}),
                                           "", None))
        return out

    def _marks_sent(self, doc):
        return doc.kind == DocumentKind.SALES_INVOICE and self.settings.options.get(
            "mark_invoices_sent", True)

    @answers.tolerant
    def _push_one(self, ctx, doc):
        if _numbered_by_zoho(doc):
            existing = self._existing(ctx, doc)
            if existing is not None:
                return self._already_there(doc, existing)
        return self._create(ctx, doc)

    def _existing(self, ctx, doc):
        """The document Zoho numbered that carries our number as its reference (one call)."""
        module = MODULES[doc.kind]
        rows = answers.records(self.api(ctx, "GET", f"/{module.path}",
                                        {"reference_number": doc.number}), module.path)
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
        body, params = document_body(doc, lambda line: self.item_for_account(ctx, line))
        answer = self.api(ctx, "POST", f"/{module.path}", params, write=True, json=body)
        created = answer[module.single]
        remote_id = answers.ident(created[module.id_field])
        result = PushResult(doc.local_id, PushStatus.CREATED, remote_id=remote_id,
                            remote_number=answers.text(created.get(module.number_field)),
                            url=self.document_url(ctx, doc.kind, remote_id),
                            remote_total=answers.money(created.get("total")))
        if self._marks_sent(doc):
            try:  # invoices start as drafts, which do not post to the ledger
                self.api(ctx, "POST", f"/invoices/{remote_id}/status/sent", write=True)
            except ProviderError as exc:
                result.message = ("Created as a draft; mark it as sent in Zoho Books. "
                                  f"({exc.message})")
        return result

    @answers.tolerant
    def item_for_account(self, ctx, line):
        """The service item that posts to a line's income account (found, else created)."""
        key = (ctx.organisation_id, line.account_id)
        if key not in self.items_by_account:
            rows = answers.records(self.api(ctx, "GET", "/items", {
                "account_id": line.account_id, "filter_by": "Status.Active"}), "items")
            if rows:
                self.items_by_account[key] = answers.ident(rows[0]["item_id"])
            else:
                name = f"Ledgerlink sales {line.account_code or line.account_id}"
                body = {"name": name, "rate": 0, "account_id": line.account_id,
                        "product_type": "service", "item_type": "sales"}
                answer = self.api(ctx, "POST", "/items", write=True, json=body)
                self.items_by_account[key] = answers.ident(answer["item"]["item_id"])
        return self.items_by_account[key]

    # --- payments ------------------------------------------------------------------------------

    supports_payments = True

    def push_payment(self, ctx, payment):
        """POST a customer payment applied to the invoice, or a vendor payment applied to the
        bill, in full. Zoho has no idempotency key: the payment's key goes in its description,
        where find_payments reads it back to settle a send whose answer was lost."""
        try:
            return self._push_payment(ctx, payment)
        except ProviderError as exc:
            return PushResult.from_error(payment.local_id, exc)

    @answers.tolerant
    def find_payments(self, ctx, kind, document_remote_id):
        """The payments applied to one invoice or bill (GET /invoices/{id}/payments or
        /bills/{id}/payments, one call); empty when Zoho does not know the document."""
        body = self.read(ctx, f"/{MODULES[kind].path}/{document_remote_id}/payments")
        if body is None:
            return []
        return [remote_payment_from(row, document_remote_id)
                for row in answers.records(body, "payments")]

    @answers.tolerant
    def _push_payment(self, ctx, payment):
        where = PAYMENT_MODULES[payment.kind]
        answer = self.api(ctx, "POST", f"/{where.path}", write=True, json=payment_body(payment))
        # Zoho answers with the payment under its key (vendor-payments.yml puts it at the top).
        made = answer.get(where.single) if isinstance(answer.get(where.single), dict) else answer
        return PushResult(payment.local_id, PushStatus.CREATED,
                          remote_id=answers.ident(made["payment_id"]),
                          url=self.document_url(ctx, payment.kind, payment.document_remote_id),
                          remote_total=answers.money(made.get("amount")))

    @answers.tolerant
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
