"""QuickBooks Online (Intuit Accounting API v3) behind the provider contract.

Every call goes to /v3/company/<realmId>/... with minorversion=75; writes carry a `requestid`.
Sales lines need an Item, so the provider finds or creates a Service item per income account.
One document is created with one POST, several with one `/batch` call.
"""

import hashlib
import json
from datetime import datetime
from urllib.parse import urlencode

from requests.auth import HTTPBasicAuth

from providers import answers
from providers import http
from providers import oauth as oauth_flow
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
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import after_ordered_page
from providers.base import known_settings
from providers.base import read_cursor
from providers.base import utc_text
from providers.base import with_refresh_expiry
from providers.errors import message_for
from providers.qbo import wire as docs
from providers.qbo.api import MINOR_VERSION
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
    supports_care_of = True  # a sub-customer (job) as the invoice's customer
    # DocNumber and a line's Description (the XSD); our reference goes into PrivateNote.
    field_limits = {"number": 21, "line_description": 4000}
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

    @answers.tolerant
    def organisations(self, tokens):
        """The one company this grant reaches, named from its CompanyInfo."""
        realm = tokens.extra.get("realm_id", "")
        ctx = ApiContext(tokens.access_token, realm)
        info = answers.member(self.api(ctx, "GET", f"/companyinfo/{realm}"), "CompanyInfo")
        return [Organisation(id=realm, name=answers.text(info.get("CompanyName")) or realm,
                             extra={"country": answers.text(info.get("Country"))})]

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
    @answers.tolerant
    def accounts(self, ctx):
        """All accounts, inactive ones flagged (QuickBooks calls deleting making inactive)."""
        return [account_from(a)
                for a in self.query_all(ctx, "Account", "where Active IN (true, false)")]

    @answers.tolerant
    def tax_rates(self, ctx):
        """Tax codes (what lines carry), each with the sum of its component rates."""
        rates = {answers.ident(r["Id"]): r for r in self.query_all(ctx, "TaxRate")}
        return [tax_rate_from(code, rates)
                for code in self.query_all(ctx, "TaxCode", "where Active IN (true, false)")]

    @answers.tolerant
    def contacts(self, ctx, cursor=None):
        """One page: customers first, then vendors. The cursor is "<entity>:<start>"."""
        entity, _, start = (cursor or "Customer:1").partition(":")
        if int(start) > self.max_pages * self.page_size:
            raise answers.too_many_pages(self.name, self.max_pages)
        page = self.query(ctx, f"select * from {entity} where Active IN (true, false) "
                               f"STARTPOSITION {int(start)} MAXRESULTS {self.page_size}")
        records = answers.records(page, entity, missing_ok=True)
        if len(records) == self.page_size:
            following = f"{entity}:{int(start) + len(records)}"
        else:
            following = "Vendor:1" if entity == "Customer" else None
        return ContactPage([contact_from(entity, r) for r in records], following)

    @answers.tolerant
    def search_contacts(self, ctx, name):
        """Customers and vendors whose DisplayName contains `name` (case-insensitive)."""
        pattern = quote("%" + name.replace("%", "") + "%")
        out = []
        for entity in ("Customer", "Vendor"):
            found = self.query(ctx, f"select * from {entity} where DisplayName LIKE {pattern}")
            out += [contact_from(entity, r)
                    for r in answers.records(found, entity, missing_ok=True)]
        return out

    @answers.tolerant
    def get_contact(self, ctx, contact_id):
        """A contact by our id ("customer:58" / "vendor:41"), or None."""
        entity, _, raw = str(contact_id).rpartition(":")
        entity = {"vendor": "Vendor"}.get(entity.lower(), "Customer")
        record = self.read(ctx, entity, raw)
        return None if record is None else contact_from(entity, record)

    @answers.tolerant
    def create_contact(self, ctx, new_contact):
        """POST /customer or /vendor; a name clash (6240) raises duplicate_contact_name."""
        entity = "Vendor" if new_contact.kind == "supplier" else "Customer"
        body = contact_body(entity, new_contact)
        record = self.api(ctx, "POST", f"/{entity.lower()}", write=True, json=body,
                          params={"requestid": docs.request_id_for("contact", entity, body)})
        return contact_from(entity, record[entity])

    @answers.tolerant
    def items(self, ctx):
        """Service items with the income account each posts to."""
        return [item_from(record)
                for record in self.query_all(ctx, "Item", "where Type = 'Service'")]

    @answers.tolerant
    def ensure_item(self, ctx, income_account_id, name):
        """A Service item posting to the income account: an existing one, else a new one."""
        services = self.query_all(ctx, "Item", "where Type = 'Service'")
        matching = [i for i in services
                    if answers.optional_ident((i.get("IncomeAccountRef") or {}).get("value"))
                    == str(income_account_id)]
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

    @answers.tolerant
    def custom_numbers(self, ctx):
        """Whether the company takes our DocNumbers (SalesFormsPrefs.CustomTxnNumbers), from
        the organisation settings `ctx` carries, else read once (and kept in `ctx`)."""
        settings = known_settings(ctx)
        if settings is None or settings.keeps_our_numbers is None:
            settings = self.organisation_settings(ctx)
        return settings.keeps_our_numbers

    def keeps_our_numbers(self, ctx):
        """Our sales numbers are kept only with custom transaction numbers on."""
        return self.custom_numbers(ctx)

    @answers.tolerant
    def organisation_settings(self, ctx):
        """From one read of Preferences: the books close date (AccountingInfoPrefs), the home
        currency, custom transaction numbers (keeps_our_numbers); with multicurrency on, the
        company's active currencies too (one CompanyCurrency query)."""
        prefs = answers.member(self.api(ctx, "GET", "/preferences"), "Preferences")
        closed = answers.day((prefs.get("AccountingInfoPrefs") or {}).get("BookCloseDate"))
        money = prefs.get("CurrencyPrefs") or {}
        base = answers.text((money.get("HomeCurrency") or {}).get("value"))
        codes = {base} if base else set()
        if answers.flag(money.get("MultiCurrencyEnabled"), False):
            codes |= {answers.text(c.get("Code")) for c in self.query_all(ctx, "CompanyCurrency")
                      if answers.flag(c.get("Active"), True)} - {""}
        custom = (prefs.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")
        settings = OrganisationSettings(
            lock_date=closed, lock_date_label="QuickBooks books close date" if closed else "",
            base_currency=base, currencies=frozenset(codes),
            keeps_our_numbers=answers.flag(custom, False))
        ctx.extra[SETTINGS_KEY] = settings
        return settings

    @answers.tolerant
    def list_documents(self, ctx, kind, modified_since=None, cursor=None):
        """Documents of the kind changed since the watermark, oldest first: a query on
        MetaData.LastUpdatedTime >= the watermark, 1,000 a page."""
        entity = docs.ENTITIES[kind]
        page, since, _ = read_cursor(cursor, modified_since)
        where = f"where MetaData.LastUpdatedTime >= {quote(since)} " if since else ""
        found = self.query(ctx, f"select * from {entity} {where}ORDERBY "
                                f"MetaData.LastUpdatedTime STARTPOSITION "
                                f"{(page - 1) * self.page_size + 1} MAXRESULTS {self.page_size}")
        rows = answers.records(found, entity, missing_ok=True)
        stamps = [utc_text(datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]))
                  for r in rows if (r.get("MetaData") or {}).get("LastUpdatedTime")]
        next_cursor, watermark = after_ordered_page(stamps, since, page,
                                                    len(rows) >= self.page_size)
        answers.check_pages(self.name, page, bool(next_cursor), self.max_pages)
        return LedgerDocumentPage([self._remote(ctx, entity, r) for r in rows], next_cursor,
                                  watermark)

    @answers.tolerant
    def find_documents(self, ctx, kind, numbers, sent=()):
        """Documents of a kind by DocNumber ({number: RemoteDocument}), 50 numbers a query.

        Numbers not found that belong to `sent` documents are then looked for by the note we
        write ("Ledgerlink <number>"): QuickBooks cannot filter on PrivateNote, so one query
        takes the sent documents' customers (or suppliers) over their dates and the notes are
        matched here. This finds what we sent to a company that numbers documents itself.
        """
        entity, found = docs.ENTITIES[kind], {}
        wanted = list(dict.fromkeys(str(n) for n in numbers if n))
        for start in range(0, len(wanted), 50):
            chunk = ", ".join(quote(n) for n in wanted[start:start + 50])
            page = self.query(ctx, f"select * from {entity} where DocNumber IN ({chunk}) "
                                   f"MAXRESULTS {self.page_size}")
            for record in answers.records(page, entity, missing_ok=True):
                found[answers.text(record["DocNumber"])] = self._remote(ctx, entity, record)
        missing = [d for d in sent if d.kind == kind and d.number in wanted
                   and d.number not in found]
        if missing:
            party = "CustomerRef" if kind.is_sales else "VendorRef"
            parties = ", ".join(sorted({quote(docs.raw_contact_id(docs.party_of(d)))
                                        for d in missing}))
            first = min(d.issue_date for d in missing).isoformat()
            last = max(d.issue_date for d in missing).isoformat()
            records = self.query_all(ctx, entity, f"where TxnDate >= '{first}' AND TxnDate <= "
                                                  f"'{last}' AND {party} IN ({parties})")
            for doc in missing:
                for record in records:
                    if docs.note_names(answers.text(record.get("PrivateNote")), doc.number):
                        found[doc.number] = self._remote(ctx, entity, record)
        return found

    def _remote(self, ctx, entity, record):
        """A transaction record read back, with its link."""
        return docs.remote(entity, record, self.link(ctx, entity, answers.ident(record["Id"])))

    @answers.tolerant
    def get_document(self, ctx, kind, remote_id):
        """Read one document back, or None when QuickBooks no longer has it."""
        entity = docs.ENTITIES[kind]
        record = self.read(ctx, entity, remote_id)
        return None if record is None else docs.remote(entity, record,
                                                       self.link(ctx, entity, remote_id))

    @answers.tolerant_push
    def push(self, ctx, documents):
        """Create up to 30 documents: one POST for one document, else one /batch call."""
        if len(documents) > self.batch_size:
            raise ValueError(f"QuickBooks takes at most {self.batch_size} documents per batch")
        results = {d.local_id: _too_long(d) for d in documents if _too_long(d)}
        ready = [d for d in documents if d.local_id not in results]
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

    def prepare_requests(self, documents, ctx=None):
        """The one POST `push` would send (a document's own, or /batch), built the same way.

        Whether DocNumber goes comes from the settings `ctx` carries (else our number is
        assumed kept); a sales line without an item shows the item push would find or make.
        """
        ready = [d for d in documents if not _too_long(d)]
        if not ready:
            return []
        settings = known_settings(ctx)
        send_number = True if settings is None or settings.keeps_our_numbers is None \
            else settings.keeps_our_numbers
        items = dict((ctx.extra.get(ITEM_CACHE) or {}) if ctx is not None else {})
        for line in (line for d in ready if d.kind.is_sales for line in d.lines):
            if not line.item_id and line.account_id not in items:
                items[line.account_id] = f"<the Service item for account {line.account_id}>"
        bodies = {d.local_id: docs.body(d, send_number, items) for d in ready}
        path, payload, params = _request(ready, bodies)
        realm = ctx.organisation_id if ctx is not None else "<realmId>"
        url = self.endpoint(f"api:/v3/company/{realm}{path}")
        query = urlencode({**params, "minorversion": MINOR_VERSION})
        return [PreparedRequest("POST", f"{url}?{query}", "application/json", payload,
                                {"Accept": "application/json"})]

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
        path, payload, params = _request(documents, bodies)
        try:
            answer = self.api(ctx, "POST", path, write=True, json=payload, params=params)
        except ProviderError as error:
            return _all_failed(documents, error)
        if len(documents) == 1:
            document = documents[0]
            return {document.local_id: self._created(
                ctx, document, answers.member(answer, docs.ENTITIES[document.kind]))}
        by_bid = {item.get("bId"): item
                  for item in answers.records(answer, "BatchItemResponse", missing_ok=True)}
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
        remote_id = answers.ident(record["Id"])
        return PushResult(document.local_id, PushStatus.CREATED, remote_id=remote_id,
                          remote_number=answers.text(record.get("DocNumber")),
                          url=self.link(ctx, entity, remote_id),
                          remote_total=answers.money(record.get("TotalAmt")))

    # --- payments ----------------------------------------------------------------------------

    supports_payments = True

    @answers.tolerant
    def push_payment(self, ctx, payment):
        """POST /payment (a receipt against an invoice) or /billpayment (a check against a
        bill) with the payment's key as `requestid` (a repeat replays QuickBooks' answer)."""
        entity = docs.PAYMENT_ENTITIES[payment.kind][0]
        try:
            answer = self.api(ctx, "POST", f"/{entity.lower()}", write=True,
                              json=docs.payment_body(payment),
                              params={"requestid": payment.idempotency_key})
        except ProviderError as error:
            return PushResult.from_error(payment.local_id, error)
        record = answers.member(answer, entity)
        return PushResult(payment.local_id, PushStatus.CREATED,
                          remote_id=answers.ident(record["Id"]))

    @answers.tolerant
    def find_payments(self, ctx, kind, document_remote_id):
        """The payments the invoice or bill lists (LinkedTxn), each read back."""
        entity, linked, listed_as = docs.PAYMENT_ENTITIES[kind]
        document = self.read(ctx, linked, document_remote_id)
        if document is None:
            return []
        found = []
        for link in document.get("LinkedTxn") or []:
            if link.get("TxnType") in listed_as:
                record = self.read(ctx, entity, answers.ident(link["TxnId"]))
                if record is not None:
                    found.append(docs.remote_payment(record, document_remote_id))
        return found

    @answers.tolerant
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


def _request(documents, bodies):
    """(path, JSON body, query) of the one call that creates these documents: the entity's
    own POST for one, else /batch; `requestid` from the documents' keys either way."""
    params = {"requestid": docs.request_id(documents)}
    if len(documents) == 1:
        document = documents[0]
        return (f"/{docs.ENTITIES[document.kind].lower()}", bodies[document.local_id], params)
    items = [{"bId": str(d.local_id), "operation": "create",
              docs.ENTITIES[d.kind]: bodies[d.local_id]} for d in documents]
    return "/batch", {"BatchItemRequest": items}, params


def _too_long(document):
    """The INVALID result for a document whose DocNumber QuickBooks would refuse, else None."""
    if len(docs.document_number(document)) <= docs.DOC_NUMBER_MAX:
        return None
    return PushResult(document.local_id, PushStatus.INVALID, code="validation",
                      message=f"QuickBooks document numbers can be at most "
                              f"{docs.DOC_NUMBER_MAX} characters. Shorten the number, then "
                              "sync again.")


def _all_failed(documents, error):
    return {d.local_id: PushResult.from_error(d.local_id, error) for d in documents}
