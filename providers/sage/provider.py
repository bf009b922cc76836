"""Sage Business Cloud Accounting (API v3.1) behind the provider contract.

OAuth: authorization code with optional PKCE, client credentials in the form body, 5-minute
access tokens, single-use refresh tokens that rotate. Every API call carries `X-Business`.
Documents are created one by one (no bulk endpoint) with an `idempotency_id` each.
"""

import base64
import uuid
from datetime import datetime

from providers import answers
from providers import http
from providers import oauth
from providers.base import SETTINGS_KEY
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import ContactPage
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
from providers.base import after_ordered_page
from providers.base import push_each
from providers.base import read_cursor
from providers.base import utc_text
from providers.base import with_refresh_expiry
from providers.errors import message_for
from providers.oauth import OAuthEndpoints
from providers.sage.api import PAGE_SIZE
from providers.sage.api import SageApi
from providers.sage.api import or_none
from providers.sage.wire import ACCOUNT_ATTRIBUTES
from providers.sage.wire import COLLECTIONS
from providers.sage.wire import CONTACT_ATTRIBUTES
from providers.sage.wire import DOCUMENT_ATTRIBUTES
from providers.sage.wire import LIST_ATTRIBUTES
from providers.sage.wire import contact_body
from providers.sage.wire import document_body
from providers.sage.wire import payment_body
from providers.sage.wire import to_account
from providers.sage.wire import to_contact
from providers.sage.wire import to_remote
from providers.sage.wire import to_remote_payments
from providers.sage.wire import to_tax_rate

MAX_ATTACHMENT_BYTES = 2_621_440  # 2.5 MB
# Where a run's context keeps the Sage bank account of each bank ledger account, read once.
BANK_ACCOUNTS_KEY = "sage_bank_accounts"
NOT_A_BANK = ("The mapped bank account is not a Sage bank account. Map the bank role to the "
              "ledger account of a bank account in Sage (Banking), then sync again.")


class SageProvider(SageApi, Provider):
    """Sage Business Cloud Accounting (UK, Ireland, Canada)."""

    id = "sage"
    name = "Sage Business Cloud Accounting"
    description = "Sage Accounting (UK, Ireland and Canada) through its v3.1 API."
    multi_organisation = True
    supports_pkce = True
    batch_size = 25  # documents per push call; Sage itself takes one per request
    # `reference` (our number) and `notes` (our reference) in the swagger; vendor_reference, the
    # supplier's number, takes 31.
    field_limits = {"number": 25, "reference": 2000}
    callback_reason_params = ("error_description", "reason")  # Sage names its reason `reason`
    refresh_token_days = 31  # each refresh rotates it and starts 31 days afresh
    # Per business; "mb_per_hour" is the data Sage lets through in any 60 minutes.
    rate_limits = {"per_minute": 200, "mb_per_hour": 100}
    bases = {"auth": "https://www.sageone.com", "oauth": "https://oauth.accounting.sage.com",
             "api": "https://api.accounting.sage.com"}
    oauth = OAuthEndpoints(authorize="auth:/oauth2/auth/central",
                           token="oauth:/token",  # noqa: S106 - a URL path, not a secret
                           revoke="oauth:/revoke", client_auth="body", pkce=True)

    def scopes(self):
        """`full_access` (or `readonly` through options); Sage has nothing finer."""
        return [self.settings.options.get("scope", "full_access")]

    # --- OAuth ---------------------------------------------------------------------------------

    def authorization_request(self, state=None):
        """The authorize URL; `options["country"]` (gb, ie, ca) skips Sage's country page."""
        params = {"filter": "apiv3.1"}
        country = (self.settings.options.get("country") or "").lower()
        if country:
            params["country"] = country
        return oauth.authorization_request(self, state=state, **params)

    def exchange_code(self, callback_url, auth_request):
        """Trade the callback's code for tokens; remember the country Sage reports."""
        tokens = _with_refresh_expiry(oauth.exchange_code(self, callback_url, auth_request))
        country = oauth.callback_params(callback_url).get("country")
        if country:
            tokens.extra["country"] = country.upper()
        return tokens

    def refresh(self, tokens):
        """Use the single-use refresh token; the caller must store the new pair at once."""
        return _with_refresh_expiry(oauth.refresh(self, tokens))

    @answers.tolerant
    def organisations(self, tokens):
        """The businesses the grant reaches (`GET /businesses`)."""
        ctx = ApiContext(tokens.access_token, "")
        country = tokens.extra.get("country", "")
        return [Organisation(answers.ident(item["id"]), answers.text(item.get("displayed_as")),
                             {"country": country})
                for item in self._all(ctx, "/businesses", {})]

    def revoke(self, tokens, organisation_id=None):
        """Revoke the refresh token (the whole grant; access tokens run out within 5 minutes)."""
        ctx = ApiContext(tokens.access_token, "")
        data = {"client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret, "token": tokens.refresh_token}
        response = http.call(ctx, "POST", self.endpoint(self.oauth.revoke), data=data)
        if response.status_code >= 400:
            raise ProviderError("provider_error", "Sage did not accept the disconnection; "
                                "remove Ledgerlink under the business's app settings in Sage.",
                                detail=f"HTTP {response.status_code}")

    # --- lists ---------------------------------------------------------------------------------

    @answers.tolerant
    def accounts(self, ctx):
        """Ledger accounts (control accounts left out); out-of-chart ones come back inactive."""
        params = {"show_control_accounts": "false", "attributes": ACCOUNT_ATTRIBUTES}
        return [to_account(item) for item in self._all(ctx, "/ledger_accounts", params)]

    @answers.tolerant
    def tax_rates(self, ctx):
        """Tax rates."""
        params = {"attributes": "name,percentage,is_visible"}
        return [to_tax_rate(item) for item in self._all(ctx, "/tax_rates", params)]

    @answers.tolerant
    def contacts(self, ctx, cursor=None):
        """One page (200) of contacts; the cursor is the next page number."""
        page = int(cursor or 1)
        body = self._get(ctx, "/contacts", {"items_per_page": PAGE_SIZE, "page": page,
                                            "attributes": CONTACT_ATTRIBUTES})
        items = answers.records(body, "$items")
        following = answers.next_page(self.name, page, items, bool(body.get("$next")),
                                      self.max_pages)
        return ContactPage([to_contact(item) for item in items],
                           str(following) if following else None)

    @answers.tolerant
    def search_contacts(self, ctx, name):
        """Sage's fuzzy search (name, company name or reference); exact matches first."""
        body = self._get(ctx, "/contacts", {"search": name, "items_per_page": PAGE_SIZE,
                                            "attributes": CONTACT_ATTRIBUTES})
        found = [to_contact(item) for item in answers.records(body, "$items")]
        return sorted(found, key=lambda c: c.name.casefold() != name.casefold())

    @answers.tolerant
    def get_contact(self, ctx, contact_id):
        """One contact, or None."""
        return or_none(lambda: to_contact(self._get(ctx, f"/contacts/{contact_id}")))

    @answers.tolerant
    def create_contact(self, ctx, new_contact):
        """Create a customer or supplier (an idempotency_id makes a retry safe)."""
        seed = f"{ctx.organisation_id}:{new_contact.kind}:{new_contact.name}:" \
               f"{new_contact.account_number}"
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink:sage:contact:{seed}").hex
        body = self._send(ctx, "POST", "/contacts", contact_body(new_contact, key))
        return to_contact(body)

    # --- organisation --------------------------------------------------------------------------

    @answers.tolerant
    def organisation_settings(self, ctx):
        """GET /financial_settings (year end lockdown date, base currency, multi-currency);
        with multi-currency on, every currency Sage offers (GET /currencies) is enabled."""
        money = self._get(ctx, "/financial_settings")
        lock = answers.day(money.get("year_end_lockdown_date"))
        base = answers.ident(answers.member(money, "base_currency").get("id"))
        codes = {base}
        if answers.flag(money.get("multi_currency_enabled"), False):
            codes |= {answers.ident(item["id"]) for item in self._all(ctx, "/currencies", {})}
        settings = OrganisationSettings(
            lock_date=lock, lock_date_label="Sage year end lockdown date" if lock else "",
            base_currency=base, currencies=frozenset(codes))
        ctx.extra[SETTINGS_KEY] = settings
        return settings

    # --- documents -----------------------------------------------------------------------------

    def keeps_our_numbers(self, ctx):
        """False: Sage numbers sales documents itself and files ours as the `reference`, which it
        does not keep unique, so a second document with our number is no duplicate there (find
        it by our number all the same: find_documents searches the reference)."""
        return False

    @answers.tolerant
    def list_documents(self, ctx, kind, modified_since=None, cursor=None):
        """Documents of the kind created or changed since the watermark, oldest first:
        `updated_or_created_since` (inclusive) sorted by updated_at, 200 a page."""
        where = COLLECTIONS[kind]
        page, since, _ = read_cursor(cursor, modified_since)
        params = {"sort": "updated_at", "items_per_page": PAGE_SIZE, "page": page,
                  "attributes": LIST_ATTRIBUTES}
        if since:
            params["updated_or_created_since"] = since
        items = answers.records(self._get(ctx, f"/{where.path}", params), "$items")
        stamps = [utc_text(_moment(item["updated_at"])) for item in items
                  if item.get("updated_at")]
        next_cursor, watermark = after_ordered_page(stamps, since, page,
                                                    len(items) >= PAGE_SIZE)
        answers.check_pages(self.name, page, bool(next_cursor), self.max_pages)
        return LedgerDocumentPage([to_remote(kind, item) for item in items], next_cursor,
                                  watermark)

    @answers.tolerant
    def find_documents(self, ctx, kind, numbers, sent=()):
        """Documents whose reference, number or vendor reference is one of `numbers`.

        Sage's search takes one term, so a number costs a call; numbers of `sent` documents
        are first looked for in one listing over their dates (200 a page).
        """
        wanted = list(dict.fromkeys(n for n in numbers if n))
        found = {}
        dated = [d for d in sent if d.kind == kind and d.number in wanted]
        if dated:
            params = {"from_date": min(d.issue_date for d in dated).isoformat(),
                      "to_date": max(d.issue_date for d in dated).isoformat(),
                      "attributes": LIST_ATTRIBUTES}
            for item in self._all(ctx, f"/{COLLECTIONS[kind].path}", params):
                for number in _numbers_of(kind, item):
                    if number in wanted:
                        found.setdefault(number, to_remote(kind, item))
        for number in wanted:
            if number not in found:
                match = self._find(ctx, kind, number)
                if match is not None:
                    found[number] = to_remote(kind, match)
        return found

    def push(self, ctx, documents):
        """POST each document with its idempotency_id, nothing read first: a repeat with the
        same key gets Sage's first answer back, and the sync engine's number index keeps other
        repeats from being sent."""
        return push_each(documents, lambda document: self._push_one(ctx, document))

    def prepare_requests(self, documents, ctx=None):
        """The POST `push` would send for each document."""
        business = ctx.organisation_id if ctx is not None else "<X-Business>"
        return [PreparedRequest("POST",
                                self.endpoint(f"api:/v3.1/{COLLECTIONS[d.kind].path}"),
                                "application/json", document_body(d),
                                {"X-Business": business, "Accept": "application/json"})
                for d in documents]

    @answers.tolerant
    def attach_pdf(self, ctx, kind, remote_id, filename, content):
        """Attach a PDF where Sage accepts one (supplier documents only)."""
        context = COLLECTIONS[kind].attach_context
        if context is None:
            return AttachResult(ok=False, supported=False,
                                message=message_for("attachment_unsupported"))
        if len(content) > MAX_ATTACHMENT_BYTES:
            return AttachResult(ok=False, message=message_for("attachment_too_large",
                                                               "Sage takes up to 2.5 MB"))
        body = {"attachment": {"file": base64.b64encode(content).decode(), "file_name": filename,
                               "mime_type": "application/pdf", "file_extension": ".pdf",
                               "attachment_context_type_id": context,
                               "attachment_context_id": remote_id}}
        try:
            self._send(ctx, "POST", "/attachments", body)
        except (AuthError, RateLimited, TransientError, UncertainError):
            raise
        except ProviderError as exc:
            return AttachResult(ok=False, message=exc.message)
        return AttachResult(ok=True)

    @answers.tolerant
    def get_document(self, ctx, kind, remote_id):
        """A document read back, or None when Sage has no such id."""
        path = f"/{COLLECTIONS[kind].path}/{remote_id}"
        return or_none(lambda: to_remote(kind, self._get(ctx, path)))

    # --- payments ------------------------------------------------------------------------------

    supports_payments = True

    def push_payment(self, ctx, payment):
        """POST /contact_payments (a customer receipt or vendor payment) allocated in full to the
        invoice, through the Sage bank account on the mapped ledger account, with the payment's
        idempotency_id: a repeat gets Sage's first answer back."""
        try:
            return self._push_payment(ctx, payment)
        except ProviderError as exc:
            return PushResult.from_error(payment.local_id, exc)

    @answers.tolerant
    def find_payments(self, ctx, kind, document_remote_id):
        """The payments on one invoice, from its `payments_allocations` (one read)."""
        path = f"/{COLLECTIONS[kind].path}/{document_remote_id}"
        item = or_none(lambda: self._get(ctx, path))
        return to_remote_payments(document_remote_id, item) if item is not None else []

    @answers.tolerant
    def _push_payment(self, ctx, payment):
        bank = self._bank_account_for(ctx, payment.bank_account_id)
        item = self._send(ctx, "POST", "/contact_payments", payment_body(payment, bank))
        return PushResult(payment.local_id, PushStatus.CREATED, answers.ident(item["id"]),
                          remote_total=answers.money(item.get("total_amount")))

    def _bank_account_for(self, ctx, ledger_account_id):
        """The Sage bank account whose ledger account is `ledger_account_id`; GET /bank_accounts
        is read once per context. ProviderError when none is."""
        known = ctx.extra.get(BANK_ACCOUNTS_KEY)
        if known is None:
            params = {"attributes": "ledger_account,is_active"}
            known = {answers.ident(answers.member(item, "ledger_account").get("id")):
                     answers.ident(item["id"])
                     for item in self._all(ctx, "/bank_accounts", params)
                     if item.get("ledger_account") and answers.flag(item.get("is_active"), True)}
            ctx.extra[BANK_ACCOUNTS_KEY] = known
        if ledger_account_id not in known:
            raise ProviderError("account_invalid", NOT_A_BANK,
                                detail=f"no Sage bank account on ledger account "
                                       f"{ledger_account_id}")
        return known[ledger_account_id]

    # --- internals -----------------------------------------------------------------------------

    @answers.tolerant
    def _push_one(self, ctx, document):
        where = COLLECTIONS[document.kind]
        item = self._send(ctx, "POST", f"/{where.path}", document_body(document))
        remote = to_remote(document.kind, item)
        return PushResult(document.local_id, PushStatus.CREATED, remote.remote_id, remote.number,
                          remote.url, remote_total=remote.total)

    def _find(self, ctx, kind, number):
        where = COLLECTIONS[kind]
        body = self._get(ctx, f"/{where.path}", {"search": number, "items_per_page": PAGE_SIZE,
                                                  "attributes": DOCUMENT_ATTRIBUTES})
        for item in answers.records(body, "$items"):
            if number in _numbers_of(kind, item):
                return item
        return None


def _numbers_of(kind, item):
    """The numbers a listed document can be known by: reference, number, vendor reference."""
    where = COLLECTIONS[kind]
    return [answers.text(n) for n in (item.get("reference"),
                                      where.number and item.get(where.number),
                                      item.get("vendor_reference")) if n]


def _moment(text):
    """Sage's ISO 8601 time (with Z or an offset) as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _with_refresh_expiry(tokens):
    """Sage reports the refresh token's lifetime (31 days); keep it as refresh_expires_at."""
    tokens.extra.pop("requested_by_id", None)
    return with_refresh_expiry(tokens, tokens.extra.pop("refresh_token_expires_in", None))
