"""QuickBooks Online (Intuit Accounting API v3) behind the provider contract.

Every call goes to /v3/company/<realmId>/... with minorversion=75; writes carry a `requestid`.
Sales lines need an Item, so the provider finds or creates a Service item per income account.
One document is created with one POST, several with one `/batch` call.
"""

import hashlib
import json

from requests.auth import HTTPBasicAuth

from providers import http
from providers import oauth as oauth_flow
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import AuthError
from providers.base import ContactPage
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import with_refresh_expiry
from providers.errors import message_for
from providers.qbo import wire as docs
from providers.qbo.api import QboApi
from providers.qbo.api import translate
from providers.qbo.wire import account_from
from providers.qbo.wire import contact_body
from providers.qbo.wire import contact_from
from providers.qbo.wire import item_from
from providers.qbo.wire import quote
from providers.qbo.wire import tax_rate_from

SCOPE = "com.intuit.quickbooks.accounting"
ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024
ITEM_CACHE = "qbo_items"


class QuickBooksOnline(QboApi, Provider):
    """QuickBooks Online: one company (realmId) per consent, batches of up to 30."""

    id = "qbo"
    name = "QuickBooks Online"
    description = "Intuit QuickBooks Online (Simple Start, Essentials, Plus, Advanced)."
    multi_organisation = False
    supports_pkce = False
    batch_size = 30  # Intuit's recommended most payloads per /batch call
    refresh_token_days = 100  # rolling: counted from the last refresh
    # Per realm; "batch_per_minute" counts /batch calls (Intuit's limits-and-throttles page).
    rate_limits = {"per_minute": 500, "per_second": 10, "concurrent": 10,
                   "batch_per_minute": 40}
    needs_items = True  # sales lines need an Item (SalesItemLineDetail.ItemRef)
    bases = {"appcenter": "https://appcenter.intuit.com",
             "oauth": "https://oauth.platform.intuit.com",
             "developer": "https://developer.api.intuit.com",
             "api": "https://quickbooks.api.intuit.com",
             "app": "https://app.qbo.intuit.com"}
    oauth = oauth_flow.OAuthEndpoints(authorize="appcenter:/connect/oauth2",
                                      token="oauth:/oauth2/v1/tokens/bearer",  # noqa: S106
                                      revoke="developer:/v2/oauth2/tokens/revoke",
                                      client_auth="basic")

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

    # --- lists ----------------------------------------------------------------------------
    def accounts(self, ctx):
        """All accounts, inactive ones flagged (QuickBooks calls deleting making inactive)."""
        return [account_from(a)
                for a in self.query_all(ctx, "Account", "where Active IN (true, false)")]

    def tax_rates(self, ctx):
        """Tax codes (what lines carry), each with the sum of its component rates."""
        rates = {r["Id"]: r for r in self.query_all(ctx, "TaxRate")}
        return [tax_rate_from(code, rates)
                for code in self.query_all(ctx, "TaxCode", "where Active IN (true, false)")]

    def contacts(self, ctx, cursor=None):
        """One page: customers first, then vendors. The cursor is "<entity>:<start>"."""
        entity, _, start = (cursor or "Customer:1").partition(":")
        page = self.query(ctx, f"select * from {entity} where Active IN (true, false) "
                               f"STARTPOSITION {int(start)} MAXRESULTS {self.page_size}")
        records = page.get(entity, [])
        if len(records) == self.page_size:
            following = f"{entity}:{int(start) + len(records)}"
        else:
            following = "Vendor:1" if entity == "Customer" else None
        return ContactPage([contact_from(entity, r) for r in records], following)

    def search_contacts(self, ctx, name):
        """Customers and vendors whose DisplayName contains `name` (case-insensitive)."""
        pattern = quote("%" + name.replace("%", "") + "%")
        out = []
        for entity in ("Customer", "Vendor"):
            found = self.query(ctx, f"select * from {entity} where DisplayName LIKE {pattern}")
            out += [contact_from(entity, r) for r in found.get(entity, [])]
        return out

    def get_contact(self, ctx, contact_id):
        """A contact by our id ("customer:58" / "vendor:41"), or None."""
        entity, _, raw = str(contact_id).rpartition(":")
        entity = {"vendor": "Vendor"}.get(entity.lower(), "Customer")
        record = self.read(ctx, entity, raw)
        return None if record is None else contact_from(entity, record)

    def create_contact(self, ctx, new_contact):
        """POST /customer or /vendor; a name clash (6240) raises duplicate_contact_name."""
        entity = "Vendor" if new_contact.kind == "supplier" else "Customer"
        body = contact_body(entity, new_contact)
        record = self.api(ctx, "POST", f"/{entity.lower()}", write=True, json=body,
                          params={"requestid": docs.request_id_for("contact", entity, body)})
        return contact_from(entity, record[entity])

    def items(self, ctx):
        """Service items with the income account each posts to."""
        return [item_from(record)
                for record in self.query_all(ctx, "Item", "where Type = 'Service'")]

    def ensure_item(self, ctx, income_account_id, name):
        """A Service item posting to the income account: an existing one, else a new one."""
        services = self.query_all(ctx, "Item", "where Type = 'Service'")
        matching = [i for i in services
                    if (i.get("IncomeAccountRef") or {}).get("value") == str(income_account_id)]
        matching.sort(key=lambda i: i.get("Name", "").lower() != name.lower())
        if matching:
            return item_from(matching[0])
        body = {"Name": name[:100], "Type": "Service",
                "IncomeAccountRef": {"value": str(income_account_id)}}
        try:
            created = self.api(ctx, "POST", "/item", write=True, json=body,
                               params={"requestid": docs.request_id_for("item", body)})
        except ProviderError as error:
            if error.code != "duplicate_contact_name":  # 6240 also guards item names
                raise
            raise ProviderError("item_invalid", f"QuickBooks already has a product or service "
                                f"named \"{body['Name']}\" that posts to another income account "
                                "or is inactive. Rename it in QuickBooks, or choose another item "
                                "for this account.", detail=error.detail) from error
        return item_from(created["Item"])

    # --- documents ------------------------------------------------------------------------
    def link(self, ctx, entity, remote_id):
        """Where the document opens in QuickBooks."""
        path = f"app:/app/{entity.lower()}?txnId={remote_id}"
        if self.is_sandbox:
            path += f"&companyId={ctx.organisation_id}"
        return self.endpoint(path)

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
        record = self.read(ctx, entity, remote_id)
        return None if record is None else docs.remote(entity, record,
                                                       self.link(ctx, entity, remote_id))

    def push(self, ctx, documents):
        """Create up to 30 documents: one POST for one document, else one /batch call."""
        if len(documents) > self.batch_size:
            raise ValueError(f"QuickBooks takes at most {self.batch_size} documents per batch")
        results, ready = {}, []
        for document in documents:
            if len(docs.document_number(document)) > docs.DOC_NUMBER_MAX:
                results[document.local_id] = PushResult(
                    document.local_id, PushStatus.INVALID, code="validation",
                    message=f"QuickBooks document numbers can be at most {docs.DOC_NUMBER_MAX} "
                            "characters. Shorten the number, then sync again.")
            else:
                ready.append(document)
        if ready:
            try:
                bodies = self._bodies(ctx, ready)
            except (TransientError, UncertainError) as error:
                # Nothing of the documents was sent yet, so a retry cannot duplicate them.
                results.update({d.local_id: PushResult(d.local_id, PushStatus.TRANSIENT,
                                                       code="transient", message=error.message)
                                for d in ready})
            except ProviderError as error:
                results.update(_all_failed(ready, error))
            else:
                results.update(self._send(ctx, ready, bodies))
        return [results[d.local_id] for d in documents]

    def _bodies(self, ctx, documents):
        sales = [d for d in documents if d.kind.is_sales]
        send_number = self.custom_numbers(ctx) if sales else True
        items = ctx.extra.setdefault(ITEM_CACHE, {})
        for document in sales:
            for line in document.lines:
                if not line.item_id and line.account_id not in items:
                    name = f"Ledgerlink sales {line.account_code or line.account_id}"
                    items[line.account_id] = self.ensure_item(ctx, line.account_id, name).id
        return {d.local_id: docs.body(d, send_number, items) for d in documents}

    def _send(self, ctx, documents, bodies):
        request_id = docs.request_id(documents)
        try:
            if len(documents) == 1:
                document = documents[0]
                entity = docs.ENTITIES[document.kind]
                answer = self.api(ctx, "POST", f"/{entity.lower()}", write=True,
                                  json=bodies[document.local_id],
                                  params={"requestid": request_id})
                return {document.local_id: self._created(ctx, document, answer[entity])}
            items = [{"bId": str(d.local_id), "operation": "create",
                      docs.ENTITIES[d.kind]: bodies[d.local_id]} for d in documents]
            answer = self.api(ctx, "POST", "/batch", write=True,
                              json={"BatchItemRequest": items}, params={"requestid": request_id})
        except ProviderError as error:
            return _all_failed(documents, error)
        by_bid = {item.get("bId"): item for item in answer.get("BatchItemResponse", [])}
        out = {}
        for document in documents:
            item = by_bid.get(str(document.local_id))
            entity = docs.ENTITIES[document.kind]
            if item is None:
                out[document.local_id] = PushResult(document.local_id, PushStatus.UNCERTAIN,
                                                    code="uncertain",
                                                    message=message_for("uncertain"))
            elif "Fault" in item:
                out[document.local_id] = PushResult.from_error(document.local_id,
                                                               translate(item["Fault"]))
            else:
                out[document.local_id] = self._created(ctx, document, item[entity])
        return out

    def _created(self, ctx, document, record):
        entity = docs.ENTITIES[document.kind]
        return PushResult(document.local_id, PushStatus.CREATED, remote_id=record["Id"],
                          remote_number=record.get("DocNumber", ""),
                          url=self.link(ctx, entity, record["Id"]))

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
    return with_refresh_expiry(tokens, tokens.extra.get("x_refresh_token_expires_in"))


def _all_failed(documents, error):
    return {d.local_id: PushResult.from_error(d.local_id, error) for d in documents}
