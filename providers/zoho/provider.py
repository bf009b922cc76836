"""Zoho Books v3: OAuth per data centre, `Zoho-oauthtoken` calls to the stored `api_domain`
with `organization_id`, lists, and documents (see providers.zoho_push)."""

import re
from decimal import Decimal

from providers import http
from providers import oauth
from providers.base import Account
from providers.base import AccountType
from providers.base import ApiContext
from providers.base import AuthError
from providers.base import Contact
from providers.base import ContactPage
from providers.base import Item
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.base import RateLimited
from providers.base import TaxRate
from providers.errors import message_for
from providers.oauth import OAuthEndpoints
from providers.oauth import StateMismatch
from providers.zoho_errors import translate
from providers.zoho_push import ZohoDocuments

# Zoho's accounts servers (multi-DC); a callback naming any other host is refused.
_REAL_ACCOUNTS = re.compile(
    r"^https://accounts\.(zoho\.(com|eu|in|com\.au|jp|uk|sa|com\.cn)|zohocloud\.ca)$")

SCOPES = ("ZohoBooks.settings.READ", "ZohoBooks.settings.CREATE", "ZohoBooks.accountants.READ",
          "ZohoBooks.contacts.READ", "ZohoBooks.contacts.CREATE", "ZohoBooks.invoices.READ",
          "ZohoBooks.invoices.CREATE", "ZohoBooks.invoices.UPDATE",
          "ZohoBooks.creditnotes.READ", "ZohoBooks.creditnotes.CREATE", "ZohoBooks.bills.READ",
          "ZohoBooks.bills.CREATE", "ZohoBooks.debitnotes.READ", "ZohoBooks.debitnotes.CREATE")

_TYPES = {"income": AccountType.INCOME, "other_income": AccountType.INCOME,
          "finance_income": AccountType.INCOME, "expense": AccountType.EXPENSE,
          "other_expense": AccountType.EXPENSE, "cost_of_goods_sold": AccountType.COST_OF_SALES,
          "bank": AccountType.BANK, "cash": AccountType.BANK}


class ZohoBooks(ZohoDocuments, Provider):
    """Zoho Books v3 (multi data centre, several organisations per grant)."""

    id = "zoho"
    name = "Zoho Books"
    description = "Zoho Books: customer invoices, credit notes, bills and vendor credits."
    multi_organisation = True
    batch_size = 25  # Zoho has no bulk create: each document is its own call
    bases = {"accounts": "https://accounts.zoho.com"}  # sign-in always starts at .com
    oauth = OAuthEndpoints(
        authorize="accounts:/oauth/v2/auth",
        token="accounts:/oauth/v2/token",  # noqa: S106 - an endpoint path, not a secret
        revoke="accounts:/oauth/v2/token/revoke", client_auth="body")
    # Shown to the admin on the connect screen.
    needs_items = True
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

    # --- calling the API ----------------------------------------------------------------------

    def api(self, ctx, method, path, params=None, write=False, with_org=True, **kwargs):
        """One Books API call to the stored api_domain; the JSON answer, or a translated error."""
        api_domain = ctx.extra.get("api_domain")
        if not api_domain:
            raise AuthError("reconnect", "Ledgerlink does not know which Zoho data centre holds "
                            "this organisation. An administrator must reconnect Zoho Books.")
        query = dict(params or {})
        if with_org:
            query["organization_id"] = ctx.organisation_id
        headers = {"Authorization": f"Zoho-oauthtoken {ctx.access_token}"}
        url = api_domain.rstrip("/") + "/books/v3" + path
        try:
            response = http.call(ctx, method, url, write=write, params=query, headers=headers,
                                 **kwargs)
        except RateLimited as exc:
            if (exc.retry_after or 0) > 3600:  # the daily allowance, not the per-minute one
                raise RateLimited("daily_limit", message_for("daily_limit"),
                                  retry_after=exc.retry_after) from exc
            raise
        if response.status_code >= 300:
            raise translate(response)
        return response.json()

    def _pages(self, ctx, path, key, params=None):
        page = 1
        while True:
            body = self.api(ctx, "GET", path, {**(params or {}), "page": page, "per_page": 200})
            yield from body.get(key, [])
            if not _page_context(body).get("has_more_page"):
                return
            page += 1

    # --- lists --------------------------------------------------------------------------------

    def accounts(self, ctx):
        """The whole chart of accounts; inactive accounts come back flagged."""
        return [Account(id=a["account_id"], code=a.get("account_code", ""),
                        name=a["account_name"],
                        type=_TYPES.get(a.get("account_type"), AccountType.OTHER),
                        active=bool(a.get("is_active", True)),
                        provider_type=a.get("account_type", ""))
                for a in self._pages(ctx, "/chartofaccounts", "chartofaccounts",
                                     {"filter_by": "AccountType.All"})]

    def tax_rates(self, ctx):
        """Taxes of the organisation (Zoho uses one tax for sales and purchases)."""
        return [TaxRate(id=t["tax_id"], name=t["tax_name"],
                        rate=Decimal(str(t.get("tax_percentage", 0))))
                for t in self._pages(ctx, "/settings/taxes", "taxes")]

    def items(self, ctx):
        """Active and inactive items with the income account each posts to."""
        return [Item(id=i["item_id"], name=i["name"], income_account_id=i.get("account_id") or None,
                     active=i.get("status", "active") == "active")
                for i in self._pages(ctx, "/items", "items")]

    def contacts(self, ctx, cursor=None):
        """One page of 200 contacts; the cursor is the next page number."""
        page = int(cursor or 1)
        body = self.api(ctx, "GET", "/contacts", {"page": page, "per_page": 200})
        more = _page_context(body).get("has_more_page")
        return ContactPage([_contact(c) for c in body.get("contacts", [])],
                           str(page + 1) if more else None)

    def search_contacts(self, ctx, name):
        """Contacts whose name contains `name` (Zoho matches case-insensitively)."""
        body = self.api(ctx, "GET", "/contacts", {"contact_name_contains": name})
        return [_contact(c) for c in body.get("contacts", [])]

    def get_contact(self, ctx, contact_id):
        """One contact, or None when Zoho does not know the id."""
        try:
            body = self.api(ctx, "GET", f"/contacts/{contact_id}")
        except ProviderError as exc:
            if exc.code == "not_found":
                return None
            raise
        return _contact(body["contact"])

    def create_contact(self, ctx, new_contact):
        """Create a customer or vendor (Zoho's names are unique across all contacts)."""
        body = {"contact_name": new_contact.name, "company_name": new_contact.name,
                "contact_type": "vendor" if new_contact.kind == "supplier" else "customer"}
        if new_contact.email or new_contact.phone:
            body["contact_persons"] = [{"email": new_contact.email, "phone": new_contact.phone,
                                        "is_primary_contact": True}]
        address = {"address": "\n".join(new_contact.address_lines), "city": new_contact.city,
                   "zip": new_contact.postcode, "country": new_contact.country}
        if any(address.values()):
            body["billing_address"] = address
        if new_contact.vat_number:
            body["vat_reg_no"] = new_contact.vat_number
        if new_contact.account_number:
            body["contact_number"] = new_contact.account_number
        answer = self.api(ctx, "POST", "/contacts", write=True, json=body)
        return _contact(answer["contact"])


def _page_context(body):
    context = body.get("page_context") or {}
    if isinstance(context, list):  # the invoice list's published shape
        context = context[0] if context else {}
    return context


def _contact(raw):
    kind = raw.get("contact_type", "customer")
    email = raw.get("email", "")
    for person in raw.get("contact_persons") or []:
        if person.get("is_primary_contact") and person.get("email"):
            email = person["email"]
    return Contact(id=raw["contact_id"], name=raw["contact_name"],
                   is_customer=kind == "customer", is_supplier=kind == "vendor", email=email,
                   account_number=raw.get("contact_number", ""),
                   active=raw.get("status", "active") == "active")
