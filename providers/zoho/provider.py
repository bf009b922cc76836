"""Zoho Books v3: OAuth per data centre, lists, and documents.

Zoho has no idempotency key, so each push first asks whether the number is already there.
"""

import re
from urllib.parse import urlparse

from providers import http
from providers import oauth
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import ContactPage
from providers.base import DocumentKind
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import push_each
from providers.errors import message_for
from providers.oauth import OAuthEndpoints
from providers.oauth import StateMismatch
from providers.zoho.api import ZohoApi
from providers.zoho.api import translate
from providers.zoho.wire import MODULES
from providers.zoho.wire import account_from
from providers.zoho.wire import contact_body
from providers.zoho.wire import contact_from
from providers.zoho.wire import document_body
from providers.zoho.wire import item_from
from providers.zoho.wire import page_context
from providers.zoho.wire import remote_from
from providers.zoho.wire import tax_rate_from

ATTACHMENT_LIMIT = 10 * 1024 * 1024
# Zoho's accounts servers (multi-DC); a callback naming any other host is refused.
_REAL_ACCOUNTS = re.compile(
    r"^https://accounts\.(zoho\.(com|eu|in|com\.au|jp|uk|sa|com\.cn)|zohocloud\.ca)$")

SCOPES = ("ZohoBooks.settings.READ", "ZohoBooks.settings.CREATE", "ZohoBooks.accountants.READ",
          "ZohoBooks.contacts.READ", "ZohoBooks.contacts.CREATE", "ZohoBooks.invoices.READ",
          "ZohoBooks.invoices.CREATE", "ZohoBooks.invoices.UPDATE",
          "ZohoBooks.creditnotes.READ", "ZohoBooks.creditnotes.CREATE", "ZohoBooks.bills.READ",
          "ZohoBooks.bills.CREATE", "ZohoBooks.debitnotes.READ", "ZohoBooks.debitnotes.CREATE")


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

    def organisations(self, tokens):
        """Every organisation the user has in this data centre; the admin picks one."""
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="",
                         extra=dict(tokens.extra))
        body = self.api(ctx, "GET", "/organizations", with_org=False)
        return [Organisation(id=o["organization_id"], name=o["name"],
                             extra={"currency": o.get("currency_code", ""),
                                    "is_default": bool(o.get("is_default_org"))})
                for o in body.get("organizations", [])]

    # --- lists --------------------------------------------------------------------------------

    def accounts(self, ctx):
        """The whole chart of accounts; inactive accounts come back flagged."""
        return [account_from(a) for a in self._pages(ctx, "/chartofaccounts", "chartofaccounts",
                                                     {"filter_by": "AccountType.All"})]

    def tax_rates(self, ctx):
        """Taxes of the organisation (Zoho uses one tax for sales and purchases)."""
        return [tax_rate_from(t) for t in self._pages(ctx, "/settings/taxes", "taxes")]

    def items(self, ctx):
        """Active and inactive items with the income account each posts to."""
        return [item_from(i) for i in self._pages(ctx, "/items", "items")]

    def contacts(self, ctx, cursor=None):
        """One page of 200 contacts; the cursor is the next page number."""
        page = int(cursor or 1)
        body = self.api(ctx, "GET", "/contacts", {"page": page, "per_page": 200})
        more = page_context(body).get("has_more_page")
        return ContactPage([contact_from(c) for c in body.get("contacts", [])],
                           str(page + 1) if more else None)

    def search_contacts(self, ctx, name):
        """Contacts whose name contains `name` (Zoho matches case-insensitively)."""
        body = self.api(ctx, "GET", "/contacts", {"contact_name_contains": name})
        return [contact_from(c) for c in body.get("contacts", [])]

    def get_contact(self, ctx, contact_id):
        """One contact, or None when Zoho does not know the id."""
        body = self.read(ctx, f"/contacts/{contact_id}")
        return None if body is None else contact_from(body["contact"])

    def create_contact(self, ctx, new_contact):
        """Create a customer or vendor (Zoho's names are unique across all contacts)."""
        answer = self.api(ctx, "POST", "/contacts", write=True, json=contact_body(new_contact))
        return contact_from(answer["contact"])

    # --- documents ----------------------------------------------------------------------------

    def find_documents(self, ctx, kind, numbers):
        """Documents whose number (sales) or reference (supplier documents, ledger-numbered)
        matches."""
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
        """Create each document; one PushResult per document, in order."""
        return push_each(documents, lambda doc: self._push_one(ctx, doc))

    def _push_one(self, ctx, doc):
        existing = self._existing(ctx, doc)
        if existing is not None:
            return self._already_there(doc, existing)
        return self._create(ctx, doc)

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
        body, params = document_body(doc, lambda line: self.item_for_account(ctx, line))
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
