"""Xero: OAuth 2.0 with tenants chosen at consent, the Accounting API, batch pushes of up to 50.

Facts: ../shared/reference/providers-xero-qbo.md. Every API call goes through providers.http.
"""

import hashlib
import json
from urllib.parse import quote

from requests.auth import HTTPBasicAuth

from providers import http
from providers import oauth as oauth_flow
from providers.base import ApiContext
from providers.base import AttachResult
from providers.base import ContactPage
from providers.base import Organisation
from providers.base import Provider
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import Quota
from providers.base import with_refresh_expiry
from providers.errors import message_for
from providers.xero.api import XeroApi
from providers.xero.wire import KINDS
from providers.xero.wire import account_from
from providers.xero.wire import contact_from
from providers.xero.wire import contact_payload
from providers.xero.wire import document_payload
from providers.xero.wire import idempotency_key
from providers.xero.wire import messages_of
from providers.xero.wire import needs_unitdp4
from providers.xero.wire import pushed_number
from providers.xero.wire import remote_from
from providers.xero.wire import tax_rate_from
from providers.xero.wire import translated
from providers.xero.wire import where_quote

GRANULAR_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts",
                   "accounting.invoices", "accounting.attachments")
BROAD_SCOPES = ("offline_access", "accounting.settings.read", "accounting.contacts",
                "accounting.transactions", "accounting.attachments")
# A granted scope that covers a requested one (Xero scopes are additive; never fewer).
COVERED_BY = {"accounting.settings.read": {"accounting.settings"},
              "accounting.invoices": {"accounting.transactions"},
              "accounting.transactions": {"accounting.invoices"}}
MAX_ATTACHMENT = 10 * 1024 * 1024


class XeroProvider(XeroApi, Provider):
    """Xero Accounting API."""

    id = "xero"
    name = "Xero"
    description = "Xero Accounting: one sign-in can connect several organisations."
    multi_organisation = True
    supports_pkce = True
    batch_size = 50  # Xero's recommended most elements per request
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

    def organisations(self, tokens):
        """Organisations from GET /connections; the connection id is kept for disconnecting."""
        ctx = ApiContext(access_token=tokens.access_token, organisation_id="")
        response = self._call(ctx, "GET", "api:/connections", tenant=False)
        return [Organisation(id=c["tenantId"], name=c.get("tenantName") or "",
                             extra={"connection_id": c["id"], "tenant_type": c.get("tenantType"),
                                    "auth_event_id": c.get("authEventId")})
                for c in response.json()]

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

    def accounts(self, ctx):
        """The chart of accounts, archived ones flagged inactive."""
        return [account_from(a) for a in self._get(ctx, "/Accounts")["Accounts"]]

    def tax_rates(self, ctx):
        """Tax rates; the TaxType code is the id lines carry."""
        return [tax_rate_from(r) for r in self._get(ctx, "/TaxRates")["TaxRates"]]

    def contacts(self, ctx, cursor=None):
        """One page (100) of contacts, archived included."""
        page = int(cursor or 1)
        body = self._get(ctx, "/Contacts", params={"page": page, "pageSize": 100,
                                                    "includeArchived": "true"})
        pages = (body.get("pagination") or {}).get("pageCount", page)
        return ContactPage([contact_from(c) for c in body["Contacts"]],
                           next_cursor=str(page + 1) if page < pages else None)

    def search_contacts(self, ctx, name):
        """Active contacts whose name, email or number contains `name` (Xero's searchTerm)."""
        body = self._get(ctx, "/Contacts", params={"searchTerm": name, "summaryOnly": "true",
                                                    "page": 1, "pageSize": 100})
        return [contact_from(c) for c in body["Contacts"]]

    def get_contact(self, ctx, contact_id):
        """One contact, or None."""
        body = self._get(ctx, f"/Contacts/{quote(contact_id)}", missing_ok=True)
        return contact_from(body["Contacts"][0]) if body and body["Contacts"] else None

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

    # --- documents ---------------------------------------------------------------------------

    def find_documents(self, ctx, kind, numbers):
        """{number: RemoteDocument} for documents whose number (or, for sales, Reference) is
        among `numbers`; one call per 20 numbers."""
        endpoint, xero_type, _, number_field, _ = KINDS[kind]
        wanted, found = list(dict.fromkeys(n for n in numbers if n)), {}
        for start in range(0, len(wanted), 20):
            clauses = []
            for number in wanted[start:start + 20]:
                fields = [number_field] + (["Reference"] if kind.is_sales else [])
                clauses += [f'Type=="{xero_type}" AND {f}=={where_quote(number)}' for f in fields]
            body = self._get(ctx, f"/{endpoint}", params={"where": " OR ".join(clauses)})
            for raw in body[endpoint]:
                remote = remote_from(raw, self.link(kind, raw[KINDS[kind][2]]))
                for key in (remote.reference, remote.number):  # the number wins
                    if key in wanted:
                        found[key] = remote
        return found

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

    def push(self, ctx, documents):
        """PUT up to 50 documents per endpoint with summarizeErrors=false; one result each.

        Bills and supplier credits are checked first (one GET per endpoint), because Xero
        lets the same supplier number be used twice.
        """
        if len(documents) > self.batch_size:
            raise ValueError(f"at most {self.batch_size} documents per push")
        results = [None] * len(documents)
        for endpoint in ("Invoices", "CreditNotes"):
            indexes = [i for i, d in enumerate(documents) if KINDS[d.kind][0] == endpoint]
            if indexes:
                self._push_group(ctx, endpoint, documents, indexes, results)
        return results

    def _push_group(self, ctx, endpoint, documents, indexes, results):
        try:
            for i, remote in self._existing_purchases(ctx, endpoint,
                                                      [(i, documents[i]) for i in indexes]):
                results[i] = PushResult(documents[i].local_id, PushStatus.DUPLICATE,
                                        remote_id=remote.remote_id, remote_number=remote.number,
                                        url=remote.url, code="duplicate_number",
                                        message=message_for("duplicate_number",
                                                            "a bill with this supplier and "
                                                            "number is already in Xero"))
            todo = [i for i in indexes if results[i] is None]
            if not todo:
                return
            docs = [documents[i] for i in todo]
            payload = {endpoint: [document_payload(d) for d in docs]}
            params = {"summarizeErrors": "false"}
            if needs_unitdp4(docs):
                params["unitdp"] = 4
            key = idempotency_key(endpoint, docs, json.dumps(payload, sort_keys=True))
            body = self._write(ctx, "PUT", f"/{endpoint}", payload, key, params=params)
        except ProviderError as exc:
            for i in indexes:
                results[i] = results[i] or PushResult.from_error(
                    documents[i].local_id, exc, remote_number=pushed_number(documents[i]))
            return
        for i, element in zip(todo, body.get(endpoint, []), strict=False):
            results[i] = self._element_result(documents[i], element)
        for i in todo:
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
        remote_id = element[id_field]
        return PushResult(doc.local_id, PushStatus.CREATED, remote_id=remote_id,
                          remote_number=element.get(number_field, ""),
                          url=self.link(doc.kind, remote_id))

    def _existing_purchases(self, ctx, endpoint, indexed_docs):
        """(index, RemoteDocument) for bills / supplier credits already in Xero with the same
        contact and number: Xero does not stop a second one, so we look first (one GET)."""
        wanted = {}
        for i, doc in indexed_docs:
            if not doc.kind.is_sales:
                wanted[(doc.contact_id, pushed_number(doc))] = (i, doc)
        if not wanted:
            return []
        kind = next(doc.kind for _, doc in wanted.values())
        _, xero_type, id_field, number_field, _ = KINDS[kind]
        if endpoint == "Invoices":
            params = {"InvoiceNumbers": ",".join(sorted({n for _, n in wanted})),
                      "ContactIDs": ",".join(sorted({c for c, _ in wanted})),
                      "Statuses": "DRAFT,SUBMITTED,AUTHORISED,PAID"}
        else:
            params = {"where": " OR ".join(
                f'Type=="{xero_type}" AND {number_field}=={where_quote(n)}'
                for n in sorted({n for _, n in wanted}))}
        body = self._get(ctx, f"/{endpoint}", params=params)
        found = []
        for raw in body.get(endpoint, []):
            if raw.get("Type") != xero_type or raw.get("Status") in ("DELETED", "VOIDED"):
                continue
            key = ((raw.get("Contact") or {}).get("ContactID"), raw.get(number_field))
            if key in wanted:
                i, doc = wanted.pop(key)
                found.append((i, remote_from(raw, self.link(doc.kind, raw[id_field]))))
        return found

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
