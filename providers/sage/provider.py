"""Sage Business Cloud Accounting (API v3.1) behind the provider contract.

OAuth: authorization code with optional PKCE, client credentials in the form body, 5-minute
access tokens, single-use refresh tokens that rotate. Every API call carries `X-Business`.
Documents are created one by one (no bulk endpoint) with an `idempotency_id` each.
"""

import base64
import uuid

from providers import http
from providers import oauth
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import ContactPage
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import push_each
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
from providers.sage.wire import contact_body
from providers.sage.wire import document_body
from providers.sage.wire import number_of
from providers.sage.wire import to_account
from providers.sage.wire import to_contact
from providers.sage.wire import to_remote
from providers.sage.wire import to_tax_rate

MAX_ATTACHMENT_BYTES = 2_621_440  # 2.5 MB


class SageProvider(SageApi, Provider):
    """Sage Business Cloud Accounting (UK, Ireland, Canada)."""

    id = "sage"
    name = "Sage Business Cloud Accounting"
    description = "Sage Accounting (UK, Ireland and Canada) through its v3.1 API."
    multi_organisation = True
    supports_pkce = True
    batch_size = 25  # documents per push call; Sage itself takes one per request
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

    def organisations(self, tokens):
        """The businesses the grant reaches (`GET /businesses`)."""
        ctx = ApiContext(tokens.access_token, "")
        country = tokens.extra.get("country", "")
        return [Organisation(item["id"], item.get("displayed_as", ""), {"country": country})
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

    def accounts(self, ctx):
        """Ledger accounts (control accounts left out); out-of-chart ones come back inactive."""
        params = {"show_control_accounts": "false", "attributes": ACCOUNT_ATTRIBUTES}
        return [to_account(item) for item in self._all(ctx, "/ledger_accounts", params)]

    def tax_rates(self, ctx):
        """Tax rates."""
        params = {"attributes": "name,percentage,is_visible"}
        return [to_tax_rate(item) for item in self._all(ctx, "/tax_rates", params)]

    def contacts(self, ctx, cursor=None):
        """One page (200) of contacts; the cursor is the next page number."""
        page = int(cursor or 1)
        body = self._get(ctx, "/contacts", {"items_per_page": PAGE_SIZE, "page": page,
                                            "attributes": CONTACT_ATTRIBUTES})
        return ContactPage([to_contact(item) for item in body["$items"]],
                           str(page + 1) if body.get("$next") else None)

    def search_contacts(self, ctx, name):
        """Sage's fuzzy search (name, company name or reference); exact matches first."""
        body = self._get(ctx, "/contacts", {"search": name, "items_per_page": PAGE_SIZE,
                                            "attributes": CONTACT_ATTRIBUTES})
        found = [to_contact(item) for item in body["$items"]]
        return sorted(found, key=lambda c: c.name.casefold() != name.casefold())

    def get_contact(self, ctx, contact_id):
        """One contact, or None."""
        return or_none(lambda: to_contact(self._get(ctx, f"/contacts/{contact_id}")))

    def create_contact(self, ctx, new_contact):
        """Create a customer or supplier (an idempotency_id makes a retry safe)."""
        seed = f"{ctx.organisation_id}:{new_contact.kind}:{new_contact.name}:" \
               f"{new_contact.account_number}"
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"ledgerlink:sage:contact:{seed}").hex
        body = self._send(ctx, "POST", "/contacts", contact_body(new_contact, key))
        return to_contact(body)

    # --- documents -----------------------------------------------------------------------------

    def find_documents(self, ctx, kind, numbers):
        """Documents whose reference, number or vendor reference is one of `numbers` (one
        search per number: Sage's search takes a single term)."""
        found = {}
        for number in dict.fromkeys(n for n in numbers if n):
            match = self._find(ctx, kind, number)
            if match is not None:
                found[number] = to_remote(kind, match)
        return found

    def push(self, ctx, documents):
        """Create each document: search its reference first, then POST with idempotency_id."""
        return push_each(documents, lambda document: self._push_one(ctx, document))

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

    def get_document(self, ctx, kind, remote_id):
        """A document read back, or None when Sage has no such id."""
        path = f"/{COLLECTIONS[kind].path}/{remote_id}"
        return or_none(lambda: to_remote(kind, self._get(ctx, path)))

    # --- internals -----------------------------------------------------------------------------

    def _push_one(self, ctx, document):
        where = COLLECTIONS[document.kind]
        existing = self._find(ctx, document.kind, document.number)
        if existing is not None:
            remote = to_remote(document.kind, existing)
            detail = f"Sage already has {where.label} {remote.number or remote.remote_id} " \
                     f"with reference {document.number}"
            return PushResult(document.local_id, PushStatus.DUPLICATE, remote.remote_id,
                              remote.number, remote.url, "duplicate_number",
                              message_for("duplicate_number", detail))
        item = self._send(ctx, "POST", f"/{where.path}", document_body(document))
        return PushResult(document.local_id, PushStatus.CREATED, item["id"],
                          number_of(document.kind, item), to_remote(document.kind, item).url)

    def _find(self, ctx, kind, number):
        where = COLLECTIONS[kind]
        body = self._get(ctx, f"/{where.path}", {"search": number, "items_per_page": PAGE_SIZE,
                                                  "attributes": DOCUMENT_ATTRIBUTES})
        for item in body["$items"]:
            if number in (item.get("reference"), item.get("vendor_reference"),
                          where.number and item.get(where.number)):
                return item
        return None


def _with_refresh_expiry(tokens):
    """Sage reports the refresh token's lifetime (31 days); keep it as refresh_expires_at."""
    tokens.extra.pop("requested_by_id", None)
    return with_refresh_expiry(tokens, tokens.extra.pop("refresh_token_expires_in", None))
