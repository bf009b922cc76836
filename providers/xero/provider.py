"""Xero: OAuth 2.0 with tenants chosen at consent, the Accounting API, batch pushes of up to 50.

Facts: ../shared/reference/providers-xero-qbo.md. Every API call goes through providers.http.
"""

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote
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
from providers.base import Quota
from providers.base import after_ordered_page
from providers.base import later_date
from providers.base import read_cursor
from providers.base import utc_text
from providers.base import with_refresh_expiry
from providers.errors import message_for
from providers.xero.api import XeroApi
from providers.xero.wire import KINDS
from providers.xero.wire import account_from
from providers.xero.wire import contact_from
from providers.xero.wire import contact_payload
from providers.xero.wire import day_of
from providers.xero.wire import document_payload
from providers.xero.wire import from_ms_date
from providers.xero.wire import idempotency_key
from providers.xero.wire import messages_of
from providers.xero.wire import needs_unitdp4
from providers.xero.wire import payment_payload
from providers.xero.wire import pushed_number
from providers.xero.wire import remote_from
from providers.xero.wire import remote_payment_from
from providers.xero.wire import tax_rate_from
from providers.xero.wire import translated
from providers.xero.wire import where_quote

GRANULAR_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts",
                   "accounting.invoices", "accounting.payments", "accounting.attachments")
BROAD_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts",
                "accounting.transactions", "accounting.attachments")
# A granted scope that covers a requested one (Xero scopes are additive; never fewer).
COVERED_BY = {"accounting.settings.read": {"accounting.settings"},
              "accounting.invoices": {"accounting.transactions"},
              "accounting.payments": {"accounting.transactions"},
              "accounting.transactions": {"accounting.invoices"}}
MAX_ATTACHMENT = 10 * 1024 * 1024


@dataclass
class _Group:
    """One PUT of a push: the endpoint, which of the documents it carries, and what it sends."""

    endpoint: str
    indexes: list
    payload: dict
    params: dict
    key: str


class XeroProvider(XeroApi, Provider):
    """Xero Accounting API."""

    id = "xero"
    name = "Xero"
    description = "Xero Accounting: one sign-in can connect several organisations."
    multi_organisation = True
    supports_pkce = True
    batch_size = 50  # Xero's recommended most elements per request
    list_page_size = 1000  # pageSize: Xero's most per page
    contact_kinds_strict = False  # IsCustomer / IsSupplier follow from a contact's documents
    field_limits = {"number": 255}  # InvoiceNumber (the spec gives no other limit)
    refresh_token_days = 60  # counted from issue; every refresh rotates it
    rate_limits = {"per_minute": 60, "concurrent": 5, "per_day": 5000}
    bases = {"login": "https://login.xero.com", "identity": "https://identity.xero.com",
             "api": "https://api.xero.com", "accounting": "https://api.xero.com/api.xro/2.0",
             "go": "https://go.xero.com"}
    oauth = oauth_flow.OAuthEndpoints(authorize="login:/identity/connect/authorize",
                                      token="identity:/connect/token",  # noqa: S106
                                      revoke="identity:/connect/revocation",
                                      client_auth="basic", pkce=True)

    def __init__(self, settings):
        super().__init__(settings)
        self._quota = Quota()

    def scopes(self):
        """Granular scopes (apps since March 2026), or the broad ones when configured."""
        return list(BROAD_SCOPES if self.settings.options.get("broad_scopes")
                    else GRANULAR_SCOPES)

    def quota(self):
        """Remaining calls Xero last reported (X-DayLimit-Remaining, X-MinLimit-Remaining)."""
        return self._quota

    # --- OAuth -------------------------------------------------------------------------------

    def authorization_request(self, state=None):
        """The Xero consent URL (state and PKCE S256)."""
        return oauth_flow.authorization_request(self, state=state)

    def exchange_code(self, callback_url, auth_request):
        """Trade the callback's code for tokens; more scopes than asked is fine, fewer is not."""
        tokens = self._with_refresh_expiry(oauth_flow.exchange_code(self, callback_url,
                                                                    auth_request))
        granted = set(tokens.scope.split())
        missing = [s for s in self.scopes() if tokens.scope and s not in granted
                   and not COVERED_BY.get(s, set()) & granted]
        if missing:
            raise ProviderError("forbidden", "Xero did not grant the access Ledgerlink needs ("
                                + ", ".join(missing) + "). Connect again and allow all of it.")
        return tokens

    def refresh(self, tokens):
        """Rotate the token pair (the new refresh token must be saved before use)."""
        return self._with_refresh_expiry(oauth_flow.refresh(self, tokens))

    def _with_refresh_expiry(self, tokens):
        return with_refresh_expiry(tokens, self.refresh_token_days * 86400)

    @answers.tolerant
    def organisations(self, tokens):
        """Organisations from GET /connections; the connection id is kept for disconnecting."""
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="")
        response = self._call(ctx, "GET", "api:/connections", tenant=False)
        connections = answers.json_list_of(self.name, response)
        return [Organisation(id=answers.ident(c["tenantId"]),
                             name=answers.text(c.get("tenantName")),
                             extra={"connection_id": answers.ident(c["id"]),
                                    "tenant_type": c.get("tenantType"),
                                    "auth_event_id": c.get("authEventId")})
                for c in connections]

    def revoke(self, tokens, organisation_id=None):
        """Disconnect one organisation (by its connection id), or revoke the whole grant."""
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="")
        if organisation_id:
            for org in self.organisations(tokens):
                if org.id == organisation_id:
                    self._call(ctx, "DELETE", f"api:/connections/{org.extra['connection_id']}",
                               tenant=False, write=True)
            return
        http.call(ctx, "POST", self.endpoint(self.oauth.revoke), write=True,
                  data={"token": tokens.refresh_token},
                  auth=HTTPBasicAuth(self.settings.client_id, self.settings.client_secret))

    # --- lists -------------------------------------------------------------------------------

    @answers.tolerant
    def accounts(self, ctx):
        """The chart of accounts, archived ones flagged inactive."""
        return [account_from(a) for a in answers.records(self._get(ctx, "/Accounts"), "Accounts")]

    @answers.tolerant
    def tax_rates(self, ctx):
        """Tax rates; the TaxType code is the id lines carry."""
        return [tax_rate_from(r) for r in answers.records(self._get(ctx, "/TaxRates"),
                                                          "TaxRates")]

    @answers.tolerant
    def contacts(self, ctx, cursor=None):
        """One page (100) of contacts, archived included."""
        page = int(cursor or 1)
        body = self._get(ctx, "/Contacts", params={"page": page, "pageSize": 100,
                                                    "includeArchived": "true"})
        rows = answers.records(body, "Contacts")
        following = answers.next_page(self.name, page, rows, page < int(
            (body.get("pagination") or {}).get("pageCount", page)))
        return ContactPage([contact_from(c) for c in rows],
                           next_cursor=str(following) if following else None)

    @answers.tolerant
    def search_contacts(self, ctx, name):
        """Active contacts whose name, email or number contains `name` (Xero's searchTerm)."""
        body = self._get(ctx, "/Contacts", params={"searchTerm": name, "summaryOnly": "true",
                                                    "page": 1, "pageSize": 100})
        return [contact_from(c) for c in answers.records(body, "Contacts")]

    @answers.tolerant
    def get_contact(self, ctx, contact_id):
        """One contact, or None."""
        body = self._get(ctx, f"/Contacts/{quote(contact_id)}", missing_ok=True)
        return contact_from(body["Contacts"][0]) if body and body["Contacts"] else None

    @answers.tolerant
    def create_contact(self, ctx, new_contact):
        """PUT /Contacts; a name already used by an active contact is `duplicate_contact_name`."""
        payload = {"Contacts": [contact_payload(new_contact)]}
        text = json.dumps(payload, sort_keys=True)
        key = "ledgerlink-contact-" + hashlib.sha256(text.encode()).hexdigest()
        body = self._write(ctx, "PUT", "/Contacts", payload, key,
                           params={"summarizeErrors": "false"})
        element = body["Contacts"][0]
        if element.get("HasValidationErrors") or element.get("StatusAttributeString") == "ERROR":
            code, message = translated(messages_of(element))
            raise ProviderError(code, message)
        # Xero derives IsCustomer/IsSupplier from transactions, so a new contact has neither:
        # report it as the kind we created it for.
        contact = contact_from(element)
        contact.is_customer = contact.is_customer or new_contact.kind == "customer"
        contact.is_supplier = contact.is_supplier or new_contact.kind == "supplier"
        return contact

    # --- organisation ------------------------------------------------------------------------

    @answers.tolerant
    def organisation_settings(self, ctx):
        """GET /Organisation (lock dates, base currency) and /Currencies (enabled ones).

        Xero has two lock dates: the period lock date (everyone but advisers) and the end of
        year lock date (everyone); the later one is the lock date here.
        """
        org = answers.records(self._get(ctx, "/Organisation"), "Organisations")[0]
        period, year_end = (day_of(org.get(name)) for name in ("PeriodLockDate",
                                                              "EndOfYearLockDate"))
        lock = later_date(period, year_end)
        label = ("Xero end of year lock date" if lock and lock == year_end
                 else "Xero period lock date" if lock else "")
        base = answers.text(org.get("BaseCurrency"))
        codes = {answers.text(c["Code"])
                 for c in answers.records(self._get(ctx, "/Currencies"), "Currencies")}
        settings = OrganisationSettings(lock_date=lock, lock_date_label=label,
                                        base_currency=base,
                                        currencies=frozenset(codes | ({base} if base else set())))
        ctx.extra[SETTINGS_KEY] = settings
        return settings

    # --- documents ---------------------------------------------------------------------------

    @answers.tolerant
    def list_documents(self, ctx, kind, modified_since=None, cursor=None):
        """Invoices or credit notes of the kind's type changed since the watermark, oldest
        first: Xero's If-Modified-Since (UpdatedDateUTC, inclusive), pages of 1,000."""
        endpoint, xero_type, id_field, _, _ = KINDS[kind]
        page, since, _ = read_cursor(cursor, modified_since)
        params = {"where": f'Type=="{xero_type}"', "order": "UpdatedDateUTC ASC",
                  "page": page, "pageSize": self.list_page_size}
        if endpoint == "Invoices":
            params["summaryOnly"] = "true"
        body = self._get(ctx, f"/{endpoint}", params=params,
                         headers={"If-Modified-Since": since} if since else None)
        rows = answers.records(body, endpoint)
        stamps = [utc_text(from_ms_date(r["UpdatedDateUTC"]), millis=True) for r in rows
                  if from_ms_date(r.get("UpdatedDateUTC"))]
        next_cursor, watermark = after_ordered_page(stamps, since, page,
                                                    len(rows) >= self.list_page_size)
        answers.check_pages(self.name, page, bool(next_cursor))
        documents = [remote_from(r, self.link(kind, answers.ident(r[id_field]))) for r in rows]
        return LedgerDocumentPage(documents, next_cursor, watermark)

    @answers.tolerant
    def find_documents(self, ctx, kind, numbers, sent=()):
        """{number: RemoteDocument} for documents whose number (or, for sales, Reference) is
        among `numbers`: invoices by InvoiceNumbers (one call per 50 numbers), then for sales
        the numbers not found by Reference, and credit notes by `where` (40 clauses a call)."""
        endpoint, xero_type, id_field, number_field, _ = KINDS[kind]
        wanted, found = list(dict.fromkeys(n for n in numbers if n)), {}

        def keep(body):
            for raw in answers.records(body, endpoint):
                if raw.get("Type") != xero_type:
                    continue
                remote = remote_from(raw, self.link(kind, answers.ident(raw[id_field])))
                for key in (remote.reference, remote.number):  # the number wins
                    if key in wanted:
                        found[key] = remote

        listed = [n for n in wanted if "," not in n] if endpoint == "Invoices" else []
        for start in range(0, len(listed), 50):
            keep(self._get(ctx, "/Invoices", params={
                "where": f'Type=="{xero_type}"',
                "InvoiceNumbers": ",".join(listed[start:start + 50])}))
        clauses = [f'Type=="{xero_type}" AND {f}=={where_quote(number)}'
                   for number in wanted if number not in found
                   for f in ([] if number in listed else [number_field])
                   + (["Reference"] if kind.is_sales else [])]
        for start in range(0, len(clauses), 40):
            keep(self._get(ctx, f"/{endpoint}",
                           params={"where": " OR ".join(clauses[start:start + 40])}))
        return found

    @answers.tolerant
    def get_document(self, ctx, kind, remote_id):
        """Totals, status and amount paid of one document, or None."""
        endpoint, _, id_field, _, _ = KINDS[kind]
        body = self._get(ctx, f"/{endpoint}/{quote(remote_id)}", missing_ok=True)
        if not body or not body.get(endpoint):
            return None
        raw = body[endpoint][0]
        return remote_from(raw, self.link(kind, raw[id_field]))

    def link(self, kind, remote_id):
        """Where to open a document in Xero."""
        return self.endpoint("go:" + KINDS[kind][4] + remote_id)

    @answers.tolerant_push
    def push(self, ctx, documents):
        """PUT up to 50 documents per endpoint with summarizeErrors=false; one result each.

        Nothing is read first: a repeat of the same push replays Xero's answer through the
        Idempotency-Key, and the sync engine's number index keeps other repeats from being sent.
        """
        if len(documents) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} documents per push")
        results = [None] * len(documents)
        for group in self._groups(documents):
            self._push_group(ctx, documents, group, results)
        return results

    def prepare_requests(self, documents, ctx=None):
        """The PUTs `push` would send (one per endpoint), headers included."""
        tenant = ctx.organisation_id if ctx is not None else "<xero-tenant-id>"
        return [PreparedRequest("PUT", self.endpoint(f"accounting:/{group.endpoint}") + "?"
                                + urlencode(group.params), "application/json", group.payload,
                                {"xero-tenant-id": tenant, "Idempotency-Key": group.key})
                for group in self._groups(documents)]

    @staticmethod
    def _groups(documents):
        """What a push sends: one _Group per endpoint its documents go to."""
        groups = []
        for endpoint in ("Invoices", "CreditNotes"):
            indexes = [i for i, d in enumerate(documents) if KINDS[d.kind][0] == endpoint]
            if not indexes:
                continue
            docs = [documents[i] for i in indexes]
            payload = {endpoint: [document_payload(d) for d in docs]}
            params = {"summarizeErrors": "false"}
            if needs_unitdp4(docs):
                params["unitdp"] = 4
            key = idempotency_key(endpoint, docs, json.dumps(payload, sort_keys=True))
            groups.append(_Group(endpoint, indexes, payload, params, key))
        return groups

    def _push_group(self, ctx, documents, group, results):
        try:
            body = self._write(ctx, "PUT", f"/{group.endpoint}", group.payload, group.key,
                               params=group.params)
        except ProviderError as exc:
            for i in group.indexes:
                results[i] = PushResult.from_error(documents[i].local_id, exc,
                                                   remote_number=pushed_number(documents[i]))
            return
        for i, element in zip(group.indexes, answers.records(body, group.endpoint), strict=False):
            results[i] = self._element_result(documents[i], element)
        for i in group.indexes:
            results[i] = results[i] or PushResult(
                documents[i].local_id, PushStatus.UNCERTAIN, code="uncertain",
                message=message_for("uncertain", "Xero's reply did not list this document"))

    def _element_result(self, doc, element):
        _, _, id_field, number_field, _ = KINDS[doc.kind]
        if element.get("HasErrors") or element.get("StatusAttributeString") == "ERROR":
            code, message = translated(messages_of(element))
            status = PushStatus.DUPLICATE if code == "duplicate_number" else PushStatus.INVALID
            return PushResult(doc.local_id, status, code=code, message=message,
                              remote_number=pushed_number(doc))
        remote_id = answers.ident(element[id_field])
        return PushResult(doc.local_id, PushStatus.CREATED, remote_id=remote_id,
                          remote_number=answers.text(element.get(number_field)),
                          url=self.link(doc.kind, remote_id),
                          remote_total=answers.money(element.get("Total")))

    # --- payments ----------------------------------------------------------------------------

    supports_payments = True

    @answers.tolerant
    def push_payment(self, ctx, payment):
        """PUT /Payments: one payment against the invoice or bill, from the bank account, with
        the payment's Idempotency-Key (a repeat replays Xero's first answer)."""
        try:
            body = self._write(ctx, "PUT", "/Payments", {"Payments": [payment_payload(payment)]},
                               payment.idempotency_key, params={"summarizeErrors": "false"})
        except AuthError as exc:
            if "scope" not in exc.detail.lower():
                raise
            # A grant from before payments were asked for: only payments need the reconnect.
            return PushResult(payment.local_id, PushStatus.INVALID, code="forbidden",
                              message="Xero has not given Ledgerlink access to payments. An "
                              "administrator reconnects Xero on the Integrations page and "
                              "allows it; then press Retry.")
        element = answers.records(body, "Payments")[0]
        if element.get("HasValidationErrors") or element.get("StatusAttributeString") == "ERROR":
            code, message = translated(messages_of(element))
            return PushResult(payment.local_id, PushStatus.INVALID, code=code, message=message)
        return PushResult(payment.local_id, PushStatus.CREATED,
                          remote_id=answers.ident(element["PaymentID"]),
                          url=self.link(payment.kind, payment.document_remote_id))

    @answers.tolerant
    def find_payments(self, ctx, kind, document_remote_id):
        """The payments on one invoice or bill, as GET /Invoices/{id} lists them."""
        body = self._get(ctx, f"/Invoices/{quote(document_remote_id)}", missing_ok=True)
        invoices = answers.records(body, "Invoices") if body else []
        if not invoices:
            return []
        return [remote_payment_from(raw, document_remote_id)
                for raw in invoices[0].get("Payments") or []]

    def attach_pdf(self, ctx, kind, remote_id, filename, content):
        """PUT the PDF's bytes to the document's Attachments (shown online for sales).

        Rate limits, auth and transport failures raise, so the caller can retry.
        """
        if len(content) > MAX_ATTACHMENT:
            return AttachResult(ok=False, message=message_for("attachment_too_large",
                                                              "Xero's limit is 10 MB"))
        endpoint = KINDS[kind][0]
        key = "ledgerlink-file-" + hashlib.sha256(
            remote_id.encode() + filename.encode() + content).hexdigest()
        response = self._call(
            ctx, "PUT", f"accounting:/{endpoint}/{quote(remote_id)}/Attachments/"
            f"{quote(filename)}", write=True,
            params={"IncludeOnline": "true"} if kind.is_sales else None, data=content,
            headers={"Content-Type": "application/pdf", "Idempotency-Key": key})
        if response.status_code == 200:
            return AttachResult(ok=True)
        if response.status_code == 413:
            return AttachResult(ok=False, message=message_for("attachment_too_large"))
        if response.status_code == 404:
            return AttachResult(ok=False, message=message_for("not_found"))
        return AttachResult(ok=False, message=self._error_message(response)[1])
