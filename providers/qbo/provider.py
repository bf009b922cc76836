"""QuickBooks Online (Intuit Accounting API v3) behind the provider contract.

Every call goes to /v3/company/<realmId>/... with minorversion=75; writes carry a `requestid`.
Sales lines need an Item, so the provider finds or creates a Service item per income account.
"""

import hashlib
import json
import time

from requests.auth import HTTPBasicAuth

from providers import http
from providers import oauth as oauth_flow
from providers import qbo_documents as docs
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.qbo_errors import translate
from providers.qbo_lists import QboLists
from providers.qbo_lists import quote
from providers.qbo_push import push_documents

MINOR_VERSION = "75"
SCOPE = "com.intuit.quickbooks.accounting"
# The sandbox's built-in app, used when only the sandbox URL is configured.
ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024



class QuickBooksOnline(QboLists, Provider):
    """QuickBooks Online: one company (realmId) per consent, batches of up to 30."""

    id = "qbo"
    name = "QuickBooks Online"
    description = "Intuit QuickBooks Online (Simple Start, Essentials, Plus, Advanced)."
    multi_organisation = False
    supports_pkce = False
    batch_size = 30
    needs_items = True  # sales lines need an Item (SalesItemLineDetail.ItemRef)
    page_size = 1000  # the query language's maximum MAXRESULTS
    bases = {"appcenter": "https://appcenter.intuit.com",
             "oauth": "https://oauth.platform.intuit.com",
             "developer": "https://developer.api.intuit.com",
             "api": "https://quickbooks.api.intuit.com",
             "app": "https://app.qbo.intuit.com"}
    oauth = oauth_flow.OAuthEndpoints(authorize="appcenter:/connect/oauth2",
                                 token="oauth:/oauth2/v1/tokens/bearer",  # noqa: S106
                                 revoke="developer:/v2/oauth2/tokens/revoke", client_auth="basic")

    def __init__(self, settings):
        super().__init__(settings)
        if settings.options.get("environment") == "development":  # Intuit's sandbox companies
            self.bases = {**self.bases, "api": "https://sandbox-quickbooks.api.intuit.com",
                          "app": "https://app.sandbox.qbo.intuit.com"}

    def scopes(self):
        """Accounting covers every entity we touch; Intuit has no finer scopes."""
        return [SCOPE]

    # --- OAuth ----------------------------------------------------------------------------
    def authorization_request(self, state=None):
        """The Intuit authorize URL with state (Intuit does not use PKCE for web apps)."""
        return oauth_flow.authorization_request(self, state=state)

    def exchange_code(self, callback_url, auth_request):
        """Trade the code; keep the realmId from the callback with the tokens."""
        tokens = oauth_flow.exchange_code(self, callback_url, auth_request)
        realm = oauth_flow.callback_params(callback_url).get("realmId")
        if not realm:
            raise ProviderError("provider_error", "QuickBooks did not say which company was "
                                "chosen. Start connecting again.")
        tokens.extra["realm_id"] = realm
        return _with_refresh_expiry(tokens)

    def refresh(self, tokens):
        """Refresh; the new refresh token replaces the old one (store it before use)."""
        return _with_refresh_expiry(oauth_flow.refresh(self, tokens))

    def organisations(self, tokens):
        """The one company this grant reaches, named from its CompanyInfo."""
        realm = tokens.extra.get("realm_id", "")
        ctx = ApiContext(tokens.access_token, realm)
        info = self.api(ctx, "GET", f"/companyinfo/{realm}")["CompanyInfo"]
        return [Organisation(id=realm, name=info.get("CompanyName", realm),
                             extra={"country": info.get("Country", "")})]

    def revoke(self, tokens, organisation_id=None):
        """Revoke the refresh token, which disconnects the app from the company."""
        ctx = ApiContext(tokens.access_token, organisation_id or "")
        response = http.call(ctx, "POST", self.endpoint(self.oauth.revoke),
                             json={"token": tokens.refresh_token},
                             headers={"Accept": "application/json"},
                             auth=HTTPBasicAuth(self.settings.client_id,
                                                self.settings.client_secret))
        if response.status_code not in (200, 400):  # 400: already revoked
            raise ProviderError("provider_error", "QuickBooks did not confirm the disconnect; "
                                "remove the app under Apps in QuickBooks as well.",
                                detail=f"HTTP {response.status_code}")

    # --- calling the API ------------------------------------------------------------------
    def api(self, ctx, method, path, write=False, params=None, **kwargs):
        """One API call; returns the JSON body or raises a translated ProviderError."""
        url = self.endpoint(f"api:/v3/company/{ctx.organisation_id}{path}")
        headers = {"Authorization": f"Bearer {ctx.access_token}", "Accept": "application/json"}
        response = http.call(ctx, method, url, write=write, headers=headers,
                             params={**(params or {}), "minorversion": MINOR_VERSION}, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = None
        body = body if isinstance(body, dict) else {}
        fault = body.get("Fault") or body.get("fault")
        if response.status_code >= 400 or fault:
            raise translate(fault, response.status_code)
        return body

    def query(self, ctx, text):
        """Run a query; return the QueryResponse."""
        return self.api(ctx, "GET", "/query", params={"query": text}).get("QueryResponse", {})

    def query_all(self, ctx, entity, where=""):
        """Every record of an entity, page by page."""
        out, start = [], 1
        while True:
            page = self.query(ctx, f"select * from {entity} {where} STARTPOSITION {start} "
                                   f"MAXRESULTS {self.page_size}").get(entity, [])
            out += page
            if len(page) < self.page_size:
                return out
            start += len(page)

    def link(self, ctx, entity, remote_id):
        """Where the document opens in QuickBooks."""
        path = f"app:/app/{entity.lower()}?txnId={remote_id}"
        if self.is_sandbox:
            path += f"&companyId={ctx.organisation_id}"
        return self.endpoint(path)

    # --- documents ------------------------------------------------------------------------
    def custom_numbers(self, ctx):
        """Whether the company takes our DocNumbers (SalesFormsPrefs.CustomTxnNumbers)."""
        key = "qbo_custom_txn_numbers"
        if key not in ctx.extra:
            prefs = self.api(ctx, "GET", "/preferences")["Preferences"]
            ctx.extra[key] = bool((prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers"))
        return ctx.extra[key]

    def keeps_our_numbers(self, ctx):
        """Our sales numbers are kept only with custom transaction numbers on."""
        return self.custom_numbers(ctx)

    def push(self, ctx, documents):
        """Create up to 30 documents: one POST for one document, else one /batch call."""
        return push_documents(self, ctx, documents)

    def find_documents(self, ctx, kind, numbers):
        """Documents of a kind by DocNumber: {number: RemoteDocument}."""
        entity, found = docs.ENTITIES[kind], {}
        wanted = [str(n) for n in numbers if n]
        for start in range(0, len(wanted), 50):
            chunk = ", ".join(quote(n) for n in wanted[start:start + 50])
            page = self.query(ctx, f"select * from {entity} where DocNumber IN ({chunk}) "
                                   f"MAXRESULTS {self.page_size}")
            for record in page.get(entity, []):
                found[record["DocNumber"]] = docs.remote(entity, record,
                                                         self.link(ctx, entity, record["Id"]))
        return found

    def get_document(self, ctx, kind, remote_id):
        """Read one document back, or None when QuickBooks no longer has it."""
        entity = docs.ENTITIES[kind]
        try:
            record = self.api(ctx, "GET", f"/{entity.lower()}/{remote_id}")[entity]
        except ProviderError as error:
            if isinstance(error, AuthError) or "610" not in error.detail:
                raise
            return None
        return docs.remote(entity, record, self.link(ctx, entity, remote_id))

    def attach_pdf(self, ctx, kind, remote_id, filename, content):
        """Upload the PDF as an Attachable linked to the document."""
        if len(content) > ATTACHMENT_MAX_BYTES:
            return AttachResult(False, message="The PDF is larger than QuickBooks' 100 MB limit "
                                "for attachments; attach a smaller file in QuickBooks.")
        meta = {"AttachableRef": [{"EntityRef": {"type": docs.ENTITIES[kind],
                                                 "value": str(remote_id)}}],
                "FileName": filename, "ContentType": "application/pdf"}
        files = {"file_metadata_01": (None, json.dumps(meta), "application/json"),
                 "file_content_01": (filename, content, "application/pdf")}
        try:
            body = self.api(ctx, "POST", "/upload", write=True, files=files,
                            params={"requestid": docs.request_id_for(
                                "upload", meta, hashlib.sha256(content).hexdigest())})
        except AuthError:
            raise
        except ProviderError as error:
            return AttachResult(False, message=error.message)
        answer = (body.get("AttachableResponse") or [{}])[0]
        if "Fault" in answer:
            return AttachResult(False, message=translate(answer["Fault"]).message)
        return AttachResult(True)


def _with_refresh_expiry(tokens):
    seconds = tokens.extra.get("x_refresh_token_expires_in")
    if seconds is not None:
        tokens.refresh_expires_at = time.time() + float(seconds)
    return tokens




