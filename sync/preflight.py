"""Pre-flight checks: can this document go to the ledger now, or what must be fixed first.

Pure: a document's facts and a snapshot of the connection's setup in, a Verdict out. No Flask,
database, Redis or network here, so a batch of thousands is checked in milliseconds and the
same answer is given by the grid, the CLI, the API and the engine just before each send.
"""

import datetime
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from sync.codes import describe

SALES_KINDS = ("sales_invoice", "sales_credit_note")
CREDIT_NOTE_OF = {"sales_credit_note": "sales_invoice", "supplier_credit_note": "supplier_invoice"}
# Which mapping role a line's category posts to, for sales documents; supplier lines all post
# to purchases.
SALES_ROLE_OF = {"labour": "labour_sales", "materials": "materials_sales", "other": "labour_sales",
                 "": "labour_sales", "purchase": "labour_sales"}
ACCOUNT_TYPES = {"sales": ("income",), "purchases": ("expense", "cost_of_sales")}
TOTAL_TOLERANCE = Decimal("0.01")


@dataclass(frozen=True)
class LineFacts:
    """What the checks need of one line."""

    description: str
    category: str
    nominal_code: str
    tax_rate: Decimal
    quantity: Decimal = Decimal("1")
    unit_price: Decimal = Decimal("0")
    net: Decimal = Decimal("0")
    tax: Decimal = Decimal("0")


@dataclass(frozen=True)
class DocumentFacts:
    """What the checks need of one document (built from our rows by sync.snapshot)."""

    id: int
    kind: str
    number: str
    status: str
    sent: bool
    contact_id: int
    care_of_id: int | None
    issue_date: datetime.date
    currency: str
    gross_total: Decimal
    original_id: int | None
    reference: str
    lines: tuple
    due_date: datetime.date | None = None
    net_total: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    original_number: str = ""

    @property
    def is_sales(self):
        """Customer-side documents (our own, which must be sent first)."""
        return self.kind in SALES_KINDS


@dataclass(frozen=True)
class AccountFacts:
    """A cached ledger account."""

    remote_id: str
    code: str
    type: str
    active: bool


@dataclass(frozen=True)
class TaxFacts:
    """A cached ledger tax rate."""

    remote_id: str
    rate: Decimal
    active: bool
    for_sales: bool
    for_purchases: bool


@dataclass(frozen=True)
class LedgerContactFacts:
    """A cached ledger contact."""

    active: bool
    is_customer: bool
    is_supplier: bool


@dataclass(frozen=True)
class LedgerDocumentFacts:
    """A document already in the ledger (the number index)."""

    remote_id: str
    number: str
    contact_id: str
    total: Decimal | None


@dataclass
class Snapshot:
    """The connection's setup as the checks see it; built once per batch by sync.snapshot."""

    provider_id: str = ""
    connection_id: int = 0
    connected: bool = False
    needs_reconnect: bool = False
    reconnect_reason: str = ""
    empty_roles: tuple = ()  # mapping roles with no account (labels)
    role_accounts: dict = field(default_factory=dict)  # role -> AccountFacts or None
    role_items: dict = field(default_factory=dict)  # income role -> item id (QuickBooks, Zoho)
    accounts_by_code: dict = field(default_factory=dict)  # code -> AccountFacts
    tax_rates: tuple = ()  # TaxFacts
    default_sales_tax: str = ""
    default_purchase_tax: str = ""
    links: dict = field(default_factory=dict)  # our contact id -> ledger contact id
    ledger_contacts: dict = field(default_factory=dict)  # ledger id -> LedgerContactFacts
    numbers: dict = field(default_factory=dict)  # (kind, number) -> [LedgerDocumentFacts]
    in_ledger: frozenset = frozenset()  # our document ids already in this ledger
    ledger_numbers_sales: bool = False  # the package numbers our sales documents
    supports_care_of: bool = False
    contact_kinds_strict: bool = True
    field_limits: dict = field(default_factory=dict)
    lock_date: datetime.date | None = None
    lock_date_label: str = ""
    currencies: frozenset = frozenset()  # empty: unknown, not checked


@dataclass(frozen=True)
class Verdict:
    """The answer for one document: ready (code "ready") or the first problem found."""

    code: str
    message: str
    line: int | None = None  # 1-based line the problem is on
    remote_id: str = ""  # for duplicate_matches: the ledger document to link to

    @property
    def ready(self):
        """True when nothing stops the document going now."""
        return self.code == "ready"


def _verdict(code, detail="", line=None, remote_id=""):
    message = describe(code).message
    if detail:
        message = f"{message} {detail}"
    return Verdict(code, message, line, remote_id)


def tax_rate_for(line, document, snapshot):
    """The ledger tax rate a line posts with, or None."""
    usable = [t for t in snapshot.tax_rates if t.active and t.rate == line.tax_rate
              and (t.for_sales if document.is_sales else t.for_purchases)]
    default = snapshot.default_sales_tax if document.is_sales else snapshot.default_purchase_tax
    for rate in usable:
        if rate.remote_id == default:
            return rate
    return usable[0] if usable else None


def role_for(line, document):
    """The mapping role a line posts to by its category."""
    return SALES_ROLE_OF.get(line.category, "labour_sales") if document.is_sales else "purchases"


def account_for(line, document, snapshot):
    """(AccountFacts or None, what it was looked up by) for a line."""
    if line.nominal_code:
        return snapshot.accounts_by_code.get(line.nominal_code), f"nominal code {line.nominal_code}"
    role = role_for(line, document)
    return snapshot.role_accounts.get(role), f"category {line.category or 'none'}"


def _connection_problem(snapshot):
    if snapshot.needs_reconnect:
        return _verdict("needs_reconnect", snapshot.reconnect_reason)
    if not snapshot.connected:
        return _verdict("not_connected")
    if snapshot.empty_roles:
        return _verdict("mapping_incomplete", "Empty: " + ", ".join(snapshot.empty_roles) + ".")
    return None


def _contact_problem(document, snapshot):
    remote = snapshot.links.get(document.contact_id)
    if not remote:
        return _verdict("contact_not_linked")
    facts = snapshot.ledger_contacts.get(remote)
    if facts is None or not facts.active:
        return _verdict("contact_archived")
    if snapshot.contact_kinds_strict:
        right = facts.is_customer if document.is_sales else facts.is_supplier
        if not right:
            return _verdict("contact_wrong_kind")
    if document.care_of_id and snapshot.supports_care_of \
            and not snapshot.links.get(document.care_of_id):
        return _verdict("care_of_not_linked")
    return None


def _duplicate_problem(document, snapshot):
    if document.is_sales and snapshot.ledger_numbers_sales:
        return None
    found = snapshot.numbers.get((document.kind, document.number), ())
    contact = snapshot.links.get(document.contact_id, "")
    if not document.is_sales:
        # Supplier numbers are only unique per supplier.
        found = [f for f in found if f.contact_id == contact]
    for remote in found:
        if remote.contact_id == contact and remote.total is not None \
                and abs(remote.total - document.gross_total) <= TOTAL_TOLERANCE:
            return _verdict("duplicate_matches", remote_id=remote.remote_id)
    if found:
        return _verdict("duplicate_number")
    return None


def _line_problem(document, snapshot):
    kind_types = ACCOUNT_TYPES["sales" if document.is_sales else "purchases"]
    limit = snapshot.field_limits.get("line_description")
    for index, line in enumerate(document.lines, start=1):
        if not line.description.strip():
            return _verdict("blank_line", f"Line {index}.", line=index)
        if limit and len(line.description) > limit:
            return _verdict("too_long", f"Line {index}'s text is {len(line.description)} "
                            f"characters; the package takes {limit}.", line=index)
        account, looked_up = account_for(line, document, snapshot)
        if account is None:
            return _verdict("account_unmapped", f"Line {index}, {looked_up}.", line=index)
        if not account.active or account.type not in kind_types:
            return _verdict("account_inactive", f"Line {index}, {looked_up}.", line=index)
        if tax_rate_for(line, document, snapshot) is None:
            use = "sales" if document.is_sales else "purchases"
            return _verdict("tax_unmapped", f"Line {index}: {line.tax_rate.normalize():f}% for "
                            f"{use}.", line=index)
    return None


def _field_problem(document, snapshot):
    for name, value in (("number", document.number), ("reference", document.reference)):
        limit = snapshot.field_limits.get(name)
        if limit and len(value) > limit:
            return _verdict("too_long", f"The {name} is {len(value)} characters; the package "
                            f"takes {limit}.")
    return None


def check(document, snapshot):
    """The Verdict for one document, checks in the documented order (first problem wins)."""
    problem = _connection_problem(snapshot)
    if problem:
        return problem
    if document.status != "approved":
        return _verdict("not_approved")
    if document.is_sales and not document.sent:
        return _verdict("not_sent")
    problem = (_contact_problem(document, snapshot) or _duplicate_problem(document, snapshot)
               or _line_problem(document, snapshot) or _field_problem(document, snapshot))
    if problem:
        return problem
    if document.kind in CREDIT_NOTE_OF and document.original_id \
            and document.original_id not in snapshot.in_ledger:
        return _verdict("waits_for_invoice")
    if snapshot.currencies and document.currency not in snapshot.currencies:
        return _verdict("currency_disabled", f"({document.currency})")
    if snapshot.lock_date and document.issue_date <= snapshot.lock_date:
        label = snapshot.lock_date_label or "The ledger's lock date"
        return _verdict("period_locked", f"{label}: {snapshot.lock_date.isoformat()}.")
    return _verdict("ready")


def check_all(documents, snapshot):
    """{document id: Verdict} for a batch."""
    return {document.id: check(document, snapshot) for document in documents}
