"""The contract every accounting provider implements, with plain dataclasses in and out.

Providers never import Flask, peewee or RQ. The caller (the sync layer) owns token storage,
refresh locking and the shared rate budget, and hands each call an `ApiContext`.
"""

import abc
import dataclasses
import enum
import time
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from decimal import Decimal

# --- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSettings:
    """Credentials and endpoints for one provider, read from app settings.

    `sandbox_url`, when set, points every endpoint of the provider at the local sandbox.
    """

    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    sandbox_url: str = ""
    options: dict = field(default_factory=dict)  # provider-specific (e.g. Xero broad scopes)


class NotConfigured(Exception):
    """The provider lacks settings; `missing` names them."""

    def __init__(self, missing):
        super().__init__("missing settings: " + ", ".join(missing))
        self.missing = missing


# --- OAuth --------------------------------------------------------------------------------------


@dataclass
class AuthorizationRequest:
    """Where to send the admin, and what to keep in the session to finish the dance."""

    url: str
    state: str
    code_verifier: str | None = None


@dataclass
class TokenSet:
    """An OAuth token pair. Times are epoch seconds. `extra` holds provider data that must be
    kept with the tokens (Zoho's api_domain and accounts server, QuickBooks' realmId, ...)."""

    access_token: str
    refresh_token: str
    expires_at: float
    refresh_expires_at: float | None = None
    scope: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Organisation:
    """A company file / tenant / business the grant reaches."""

    id: str
    name: str
    extra: dict = field(default_factory=dict)  # e.g. Xero connection id, country, currency


# --- ledger lists -------------------------------------------------------------------------------


class AccountType(enum.StrEnum):
    """Our coarse account types, enough to fill the mapping form's dropdowns."""

    INCOME = "income"
    EXPENSE = "expense"
    COST_OF_SALES = "cost_of_sales"
    BANK = "bank"
    OTHER = "other"


@dataclass
class Account:
    """A ledger account (nominal code)."""

    id: str
    code: str
    name: str
    type: AccountType
    active: bool = True
    provider_type: str = ""  # the provider's own type name, shown to admins
    tax_rate_id: str | None = None  # the account's default tax, where the ledger has one


@dataclass
class TaxRate:
    """A ledger tax rate or tax code."""

    id: str
    name: str
    rate: Decimal
    active: bool = True
    for_sales: bool = True
    for_purchases: bool = True


@dataclass
class Contact:
    """A ledger contact (customer, supplier or both)."""

    id: str
    name: str
    is_customer: bool = False
    is_supplier: bool = False
    email: str = ""
    account_number: str = ""
    active: bool = True
    postcode: str = ""  # where the ledger says (for matching our contacts to ledger ones)
    vat_number: str = ""


@dataclass
class ContactPage:
    """One page of contacts; `next_cursor` is None on the last page."""

    contacts: list
    next_cursor: str | None = None


@dataclass
class NewContact:
    """A contact to create in the ledger."""

    name: str
    kind: str  # "customer" or "supplier"
    email: str = ""
    phone: str = ""
    address_lines: list = field(default_factory=list)
    city: str = ""
    postcode: str = ""
    country: str = ""  # ISO 3166-1 alpha-2
    vat_number: str = ""
    account_number: str = ""


@dataclass
class Item:
    """A product/service item (QuickBooks, Zoho) tied to an income account."""

    id: str
    name: str
    income_account_id: str | None = None
    active: bool = True


# --- documents ----------------------------------------------------------------------------------


class DocumentKind(enum.StrEnum):
    """The four document kinds Ledgerlink sends."""

    SALES_INVOICE = "sales_invoice"
    SALES_CREDIT_NOTE = "sales_credit_note"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_CREDIT_NOTE = "supplier_credit_note"

    @property
    def is_sales(self):
        """Customer-side documents."""
        return self in (DocumentKind.SALES_INVOICE, DocumentKind.SALES_CREDIT_NOTE)


@dataclass
class OutgoingLine:
    """One line as the ledger should receive it; amounts already computed and rounded."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    tax: Decimal
    account_id: str  # the ledger account's id (providers that want codes look them up)
    account_code: str = ""
    tax_rate_id: str | None = None
    item_id: str | None = None  # QuickBooks/Zoho item for sales lines


@dataclass
class OutgoingDocument:
    """A document to create in the ledger."""

    local_id: int
    kind: DocumentKind
    number: str  # our number (the "S number")
    contact_id: str  # the ledger contact
    issue_date: date
    due_date: date | None
    currency: str
    lines: list
    net_total: Decimal
    tax_total: Decimal
    gross_total: Decimal
    reference: str = ""
    supplier_reference: str = ""  # the supplier's own invoice number (supplier documents)
    use_our_number: bool = True  # False: let the ledger number it (sales documents)
    original_number: str = ""  # a credit note's invoice
    idempotency_key: str = ""  # stable per push attempt generation; see the sync engine
    # The customer the work was done for, billed to `contact_id` (a QuickBooks sub-customer:
    # the invoice is raised on it). Only where the provider `supports_care_of`.
    care_of_contact_id: str = ""


@dataclass
class OutgoingPayment:
    """Money received against a synced sales invoice, or paid against a synced supplier invoice,
    to record in the ledger against that document."""

    local_id: int  # our payment's id
    kind: DocumentKind  # the paid document's kind: SALES_INVOICE or SUPPLIER_INVOICE
    document_remote_id: str  # the ledger's id of the paid document
    document_number: str  # our number of the paid document (for messages and references)
    contact_id: str  # the ledger contact of the paid document
    paid_on: date
    amount: Decimal
    currency: str
    bank_account_id: str  # the mapped bank account's ledger id
    bank_account_code: str = ""
    reference: str = ""
    idempotency_key: str = ""  # committed before the request, as for documents


@dataclass
class RemotePayment:
    """A payment read back from the ledger, against one document."""

    remote_id: str
    document_remote_id: str
    amount: Decimal
    paid_on: date | None = None
    reference: str = ""
    note: str = ""  # where the provider keeps a memo, the idempotency key we wrote there


class PushStatus(enum.StrEnum):
    """What happened to one pushed document."""

    CREATED = "created"
    DUPLICATE = "duplicate"  # the number is already in the ledger
    INVALID = "invalid"  # the ledger rejected the content; message says what to fix
    TRANSIENT = "transient"  # try again later (5xx, network failure before sending)
    RATE_LIMITED = "rate_limited"  # retry after `retry_after` seconds
    UNCERTAIN = "uncertain"  # the request may have landed (timeout after sending)
    AUTH = "auth"  # the connection needs reconnecting


@dataclass
class PushResult:
    """The outcome for one document of a push."""

    local_id: int
    status: PushStatus
    remote_id: str = ""
    remote_number: str = ""
    url: str = ""  # where to open it in the ledger
    code: str = ""  # our stable error code (see providers.errors)
    message: str = ""  # plain English, saying what to do
    retry_after: float | None = None
    remote_total: Decimal | None = None  # the ledger's gross total from the create answer

    @classmethod
    def from_error(cls, local_id, exc, **fields):
        """The result for a document whose push failed with a ProviderError: the status by the
        error's class, else DUPLICATE for a number already in the ledger, else INVALID."""
        status = next((s for kind, s in _FAILURE_STATUSES if isinstance(exc, kind)), None)
        if status is None:
            status = PushStatus.DUPLICATE if exc.code == "duplicate_number" else PushStatus.INVALID
        return cls(local_id, status, code=exc.code, message=exc.message,
                   retry_after=exc.retry_after, **fields)


@dataclass
class RemoteDocument:
    """A document read back from the ledger."""

    remote_id: str
    number: str
    reference: str
    kind: DocumentKind
    contact_id: str
    total: Decimal
    tax_total: Decimal
    status: str
    amount_paid: Decimal = Decimal("0")
    url: str = ""
    issue_date: date | None = None


@dataclass
class LedgerDocumentPage:
    """One page of documents created or changed in the ledger since a watermark.

    Pass `next_cursor` back (with the same `modified_since`) until it is None; then keep
    `watermark` and pass it as `modified_since` next time. A document may come back on two
    pages, or again next time (the reads are inclusive): key it by its remote id.
    """

    documents: list  # RemoteDocument
    next_cursor: str | None = None
    watermark: str = ""  # opaque: the provider's own time of the latest change seen


@dataclass
class OrganisationSettings:
    """What the ledger says about posting to the organisation, read once per run.

    The engine may keep it (`as_dict`) and hand it back through `ctx.extra[SETTINGS_KEY]`, so
    that later calls on another context need not read it again.
    """

    lock_date: date | None = None  # nothing dated on or before it can be posted
    lock_date_label: str = ""  # e.g. "Xero period lock date"
    base_currency: str = ""
    currencies: frozenset = frozenset()  # enabled codes incl. base; empty = unknown (no check)
    # Whether sales documents keep our number (Provider.keeps_our_numbers), where the answer
    # depends on the organisation's settings (QuickBooks' custom transaction numbers); None
    # where it does not.
    keeps_our_numbers: bool | None = None

    def as_dict(self):
        """A JSON-ready dict (dates as ISO text, currencies sorted)."""
        return {"lock_date": self.lock_date.isoformat() if self.lock_date else None,
                "lock_date_label": self.lock_date_label, "base_currency": self.base_currency,
                "currencies": sorted(self.currencies),
                "keeps_our_numbers": self.keeps_our_numbers}

    @classmethod
    def from_dict(cls, data):
        """The settings `as_dict` gave."""
        lock = data.get("lock_date")
        return cls(lock_date=date.fromisoformat(lock) if lock else None,
                   lock_date_label=data.get("lock_date_label") or "",
                   base_currency=data.get("base_currency") or "",
                   currencies=frozenset(data.get("currencies") or ()),
                   keeps_our_numbers=data.get("keeps_our_numbers"))


# Where an ApiContext carries organisation settings already read (OrganisationSettings or its
# dict); `organisation_settings` puts what it reads there too.
SETTINGS_KEY = "organisation_settings"


def known_settings(ctx):
    """The organisation settings `ctx` carries, or None."""
    value = ctx.extra.get(SETTINGS_KEY) if ctx is not None else None
    if isinstance(value, dict):
        value = OrganisationSettings.from_dict(value)
    return value if isinstance(value, OrganisationSettings) else None


@dataclass
class PreparedRequest:
    """One request exactly as a push would send it (Authorization left out)."""

    method: str
    url: str
    content_type: str
    body: object  # the JSON body as a dict, or None
    headers: dict = field(default_factory=dict)


def utc_text(moment, millis=False):
    """An aware datetime as UTC ISO 8601 text ending in "Z", so watermarks compare as text."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds" if millis else "seconds")
    return text.replace("+00:00", "Z")


def later_date(*dates):
    """The latest of the dates given (None when none is set)."""
    present = [d for d in dates if d]
    return max(present) if present else None


def read_cursor(cursor, modified_since):
    """(page, since, latest) from a listing cursor, or the first page from `modified_since`."""
    if not cursor:
        return 1, modified_since or "", ""
    page, _, rest = cursor.partition("|")
    since, _, latest = rest.partition("|")
    return int(page), since, latest


def make_cursor(page, since, latest=""):
    """A listing cursor: the page to read, the `since` to read it with, the latest seen."""
    return f"{page}|{since}|{latest}"


def after_ordered_page(stamps, since, page, full):
    """(next_cursor, watermark) after a page of a listing ordered by modified time, oldest
    first, whose filter includes `since` itself: the next page starts from the page's latest
    time (keyset paging, so a change meanwhile cannot make us skip a document), or moves on a
    page while a whole page shares one time."""
    latest = max(stamps) if stamps else ""
    watermark = max(latest, since) if latest else since
    if not full:
        return None, watermark
    if latest == since:
        return make_cursor(page + 1, since), watermark
    return make_cursor(1, latest), watermark


@dataclass
class AttachResult:
    """The outcome of attaching a PDF; `supported` False when the ledger takes none there."""

    ok: bool
    supported: bool = True
    message: str = ""


@dataclass
class Quota:
    """What the provider last said about remaining calls (None when it does not say)."""

    day_remaining: int | None = None
    minute_remaining: int | None = None


# --- calling the API ----------------------------------------------------------------------------


class RequestGate:
    """Hooks the caller supplies around every API request (shared rate budget, recording).

    The default does nothing; the sync layer passes one backed by Redis.
    """

    def before(self, bucket=""):
        """Block until a call may be made (or raise RateLimited); `bucket` names a limit of its
        own the call also counts against (QuickBooks' "batch")."""

    def after(self, status_code, headers):
        """Learn from a response (remaining quota, Retry-After)."""


@dataclass
class ApiContext:
    """Everything one API call needs: a fresh access token, the organisation, the gate."""

    access_token: str
    organisation_id: str
    extra: dict = field(default_factory=dict)
    gate: RequestGate = field(default_factory=RequestGate)
    timeout: float = 30.0


class ProviderError(Exception):
    """A failure with our stable code and a plain-English message for the user."""

    def __init__(self, code, message, retry_after=None, detail=""):
        super().__init__(message)
        self.code, self.message, self.retry_after, self.detail = code, message, retry_after, detail


class AuthError(ProviderError):
    """The grant is gone (invalid_grant, revoked, organisation disconnected): reconnect."""


class RateLimited(ProviderError):
    """The provider (or our own budget) says wait `retry_after` seconds."""


class TransientError(ProviderError):
    """Worth retrying later: 5xx, connection failure before the request was sent."""


class UncertainError(ProviderError):
    """The request may have been applied (timeout after sending)."""


# A failed push's status by the error's class (PushResult.from_error).
_FAILURE_STATUSES = ((RateLimited, PushStatus.RATE_LIMITED), (AuthError, PushStatus.AUTH),
                     (UncertainError, PushStatus.UNCERTAIN), (TransientError, PushStatus.TRANSIENT))
STOPS_THE_REST = (PushStatus.RATE_LIMITED, PushStatus.AUTH)


def push_each(documents, push_one):
    """Push documents one at a time with `push_one(document) -> PushResult`, a ProviderError
    becoming the document's result. After RATE_LIMITED or AUTH the rest are not sent: they get
    the same result, since they would fail the same way and only spend calls."""
    results, stop = [], None
    for document in documents:
        if stop is not None:
            results.append(dataclasses.replace(stop, local_id=document.local_id))
            continue
        try:
            result = push_one(document)
        except ProviderError as exc:
            result = PushResult.from_error(document.local_id, exc)
        if result.status in STOPS_THE_REST:
            stop = result
        results.append(result)
    return results


def with_refresh_expiry(tokens, seconds):
    """Set when the refresh token lapses, `seconds` from now (left as it is when None)."""
    if seconds is not None:
        tokens.refresh_expires_at = time.time() + float(seconds)
    return tokens


class Provider(abc.ABC):
    """Base class: one subclass per accounting package, registered in `providers.REGISTRY`."""

    id = ""
    name = ""
    description = ""
    multi_organisation = False  # the grant can reach several organisations
    connect_note = ""  # shown to the admin before connecting (e.g. a provider's token caps)
    # Where the authorization callback carries the package's own reason for an error.
    callback_reason_params = ("error_description",)
    needs_items = False  # sales lines go through items (QuickBooks, Zoho), one per income account
    supports_care_of = False  # documents may name a care-of customer (QuickBooks sub-customers)
    # The ledger says which contacts are customers and which suppliers, and refuses the other
    # kind (False for Xero, whose flags only follow from a contact's documents).
    contact_kinds_strict = True
    exposes_lock_date = True  # the API reads the organisation's lock date (not Zoho Books')
    # Longest text the ledger takes, by "number", "reference" and "line_description" (a key is
    # left out where the provider's spec gives no limit).
    field_limits = {}
    supports_pkce = False
    batch_size = 1  # documents per push call
    # How long an unused refresh token lives, in days (None: until revoked).
    refresh_token_days = None
    # Published limits per organisation: calls "per_second", "per_minute", "per_day", requests
    # at once ("concurrent"), and any the provider adds; the rate budget is built from these.
    rate_limits = {"per_minute": 60}
    required_settings = ("client_id", "client_secret", "redirect_uri")
    # Real base URLs by service name; endpoints are written "service:/path". With a sandbox URL,
    # "service:/path" becomes "<sandbox_url>/<provider id>/<service>/path".
    bases = {}
    oauth = None  # providers.oauth.OAuthEndpoints

    def __init__(self, settings):
        if settings.sandbox_url and not settings.client_id:
            # With only a sandbox URL, use the sandbox's built-in client for this provider.
            settings = dataclasses.replace(settings, client_id=f"sandbox-{self.id}-client",
                                           client_secret=f"sandbox-{self.id}-secret")
        self.settings = settings

    def endpoint(self, spec):
        """Absolute URL for "service:/path" (real, or under the sandbox)."""
        service, _, path = spec.partition(":")
        if self.settings.sandbox_url:
            return f"{self.settings.sandbox_url.rstrip('/')}/{self.id}/{service}{path}"
        return self.bases[service].rstrip("/") + path

    def scopes(self):
        """OAuth scopes to request."""
        return []

    # configuration
    def missing_settings(self):
        """Names of the settings this provider still needs (empty when configured)."""
        if self.settings.sandbox_url:
            return []
        return [f"{self.id.upper()}_{name.upper()}" for name in self.required_settings
                if not getattr(self.settings, name)]

    @property
    def is_sandbox(self):
        """True when every endpoint points at the local sandbox."""
        return bool(self.settings.sandbox_url)

    # OAuth
    @abc.abstractmethod
    def authorization_request(self, state=None):
        """Build the URL to send the admin to, with `state` (and PKCE where supported)."""

    @abc.abstractmethod
    def exchange_code(self, callback_url, auth_request):
        """Finish the dance from the full callback URL; return a TokenSet (checks state)."""

    @abc.abstractmethod
    def organisations(self, tokens):
        """The organisations this grant reaches."""

    @abc.abstractmethod
    def refresh(self, tokens):
        """Use the refresh token; return the new TokenSet (raises AuthError on invalid_grant)."""

    @abc.abstractmethod
    def revoke(self, tokens, organisation_id=None):
        """Revoke the grant / disconnect the organisation at the provider."""

    # lists
    @abc.abstractmethod
    def accounts(self, ctx):
        """Chart of accounts, archived ones included (flagged inactive)."""

    @abc.abstractmethod
    def tax_rates(self, ctx):
        """Tax rates / codes."""

    @abc.abstractmethod
    def contacts(self, ctx, cursor=None):
        """One page of contacts."""

    def items(self, ctx):
        """Service items and the income account each posts to (providers with needs_items)."""
        return []

    @abc.abstractmethod
    def search_contacts(self, ctx, name):
        """Contacts whose name matches."""

    @abc.abstractmethod
    def get_contact(self, ctx, contact_id):
        """One contact by ledger id, or None."""

    @abc.abstractmethod
    def create_contact(self, ctx, new_contact):
        """Create a customer or supplier; return the Contact."""

    # organisation
    @abc.abstractmethod
    def organisation_settings(self, ctx):
        """Lock date, base and enabled currencies (OrganisationSettings), read from the ledger;
        also left in `ctx.extra[SETTINGS_KEY]` for later calls on the same context."""

    # documents
    def keeps_our_numbers(self, ctx):
        """Whether sales documents pushed to this organisation keep our number (as the ledger's
        number or its reference), so a second document with it comes back DUPLICATE.

        False when the ledger numbers them itself and drops ours (QuickBooks without custom
        transaction numbers): a repeated number is then no duplicate there, and the number the
        ledger gave (PushResult.remote_number) is the one to find the document by.
        """
        return True

    @abc.abstractmethod
    def find_documents(self, ctx, kind, numbers, sent=()):
        """Documents of a kind whose number or reference is among `numbers`: {number: Remote}.

        For supplier documents pass our number and the supplier's reference: some ledgers keep
        the supplier's as the document number and have nowhere searchable for ours (Xero,
        QuickBooks), others file ours as the reference (Sage, Zoho).

        `sent`: the OutgoingDocuments as they were pushed, when known. Where our number lives
        only in a field the ledger cannot search (QuickBooks numbering the documents itself
        keeps it in the private note), their contacts and dates let one query find them.
        """

    @abc.abstractmethod
    def list_documents(self, ctx, kind, modified_since=None, cursor=None):
        """Documents of a kind created or changed since the watermark `modified_since` (all
        when None): a LedgerDocumentPage. One call when nothing changed."""

    @abc.abstractmethod
    def prepare_requests(self, documents, ctx=None):
        """The requests `push` would send for these documents (PreparedRequest each), built by
        the same code, calling nothing. With `ctx`, its organisation and what it carries
        (settings, items) fill in what push would otherwise look up; else placeholders."""

    @abc.abstractmethod
    def push(self, ctx, documents):
        """Create documents (at most `batch_size`); one PushResult per document, in order."""

    @abc.abstractmethod
    def attach_pdf(self, ctx, kind, remote_id, filename, content):
        """Attach a PDF to a created document."""

    @abc.abstractmethod
    def get_document(self, ctx, kind, remote_id):
        """Read a document back (totals, status, amount paid), or None."""

    # payments
    supports_payments = False  # push_payment and find_payments are implemented

    def push_payment(self, ctx, payment):
        """Record an OutgoingPayment against its synced document; a PushResult (local_id is the
        payment's, remote_id the ledger's payment id), a ProviderError becoming its status as
        for documents. Sent with `payment.idempotency_key` where the ledger takes one."""
        raise NotImplementedError(f"{self.name} payments are not supported")

    def find_payments(self, ctx, kind, document_remote_id):
        """The payments the ledger holds against one document (RemotePayment each), to settle
        an uncertain push by reading."""
        raise NotImplementedError(f"{self.name} payments are not supported")

    def quota(self):
        """The last remaining-quota figures the provider reported."""
        return Quota()
