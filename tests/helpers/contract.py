"""Helpers for the provider contract test: connect any registered provider through its consent
pages, and build documents from what the ledger lists, using only providers.base."""

import time
from collections import deque
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP
from decimal import Decimal
from urllib.parse import parse_qsl

import requests

from connections.ratelimit import budget
from helpers.oauth_dance import consent
from providers import REGISTRY
from providers.base import AccountType
from providers.base import ApiContext
from providers.base import DocumentKind
from providers.base import NewContact
from providers.base import OutgoingDocument
from providers.base import OutgoingLine
from providers.base import ProviderSettings
from providers.base import RequestGate

REDIRECT_URI = "http://localhost/cb"
CENT = Decimal("0.01")
# A one-page PDF small enough for every ledger's attachment limit.
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


@dataclass
class Connected:
    """A provider connected to one organisation, with the lists a push needs."""

    provider: object
    tokens: object
    organisations: list
    ctx: ApiContext
    customer: object = None
    supplier: object = None
    lists: dict = None  # accounts, tax rates and items, listed once


def _lists(conn):
    """The ledger lists a document is built from, fetched once per connection."""
    if conn.lists is None:
        provider, ctx = conn.provider, conn.ctx
        conn.lists = {"accounts": provider.accounts(ctx), "tax_rates": provider.tax_rates(ctx),
                      "items": provider.items(ctx) if provider.needs_items else []}
    return conn.lists


class PacedGate(RequestGate):
    """Keeps calls within our per-second budget for the provider, as the Redis gate does for
    the workers (the contract leaves pacing to the caller)."""

    def __init__(self, per_second):
        self.per_second, self.calls = per_second, deque()

    def before(self, bucket=""):
        """Wait until the last second holds fewer calls than the budget (any bucket)."""
        if not self.per_second:
            return
        now = time.monotonic()
        while self.calls and self.calls[0] <= now - 1:
            self.calls.popleft()
        if len(self.calls) >= self.per_second:
            time.sleep(self.calls[0] + 1 - now)
        self.calls.append(time.monotonic())


def connect(sandbox, provider_id, timeout=5.0):
    """Run the consent pages over HTTP, exchange the code, pick the first organisation."""
    settings = ProviderSettings(sandbox_url=sandbox.url, redirect_uri=REDIRECT_URI)
    provider = REGISTRY[provider_id](settings)
    auth = provider.authorization_request()
    callback = consent(auth.url, REDIRECT_URI, select_all=True)
    tokens = provider.exchange_code(callback, auth)
    organisations = provider.organisations(tokens)
    chosen = organisations[0]
    ctx = ApiContext(tokens.access_token, chosen.id, extra={**tokens.extra, **chosen.extra},
                     gate=PacedGate(budget(provider_id).get("per_second")), timeout=timeout)
    return Connected(provider, tokens, organisations, ctx)


def set_faults(sandbox, provider_id, **faults):
    """Inject sandbox faults for one provider."""
    requests.post(f"{sandbox.url}/_control/faults", json={"provider": provider_id, **faults},
                  timeout=10).raise_for_status()


def set_organisation(sandbox, provider_id, tenant, **changes):
    """Change an organisation's lock date or currencies in the sandbox."""
    requests.post(f"{sandbox.url}/_control/organisation", timeout=10,
                  json={"provider": provider_id, "tenant": tenant, **changes}).raise_for_status()


def recorded(sandbox, provider_id):
    """The API calls the sandbox has seen for a provider."""
    return requests.get(f"{sandbox.url}/_control/requests", params={"provider": provider_id},
                        timeout=10).json()


def writes_of(calls):
    """(method, path, query, body) of the POST and PUT calls, queries as flat dicts."""
    out = []
    for call in calls:
        if call["method"] not in ("POST", "PUT"):
            continue
        query = call["query"]
        if isinstance(query, str):
            query = dict(parse_qsl(query))
        out.append((call["method"], call["path"], query, call["body"], call["headers"]))
    return out


def read_all(provider, ctx, kind, since):
    """Every page of `list_documents` from a watermark: (documents, watermark, calls)."""
    documents, cursor, pages = [], None, 0
    while True:
        page = provider.list_documents(ctx, kind, modified_since=since, cursor=cursor)
        documents += page.documents
        pages += 1
        if page.next_cursor is None:
            return documents, page.watermark, pages
        cursor = page.next_cursor


def add_contacts(conn):
    """Create the customer and supplier the documents go to."""
    provider, ctx = conn.provider, conn.ctx
    conn.customer = provider.create_contact(ctx, NewContact("Contract Test Customer Ltd",
                                                            "customer", email="ar@ct.example"))
    conn.supplier = provider.create_contact(ctx, NewContact("Contract Test Supplier Ltd",
                                                            "supplier", email="ap@ct.example"))
    return conn


def _line_account(conn, kind):
    """An active income account for sales (one with an item, where lines need items), else an
    active expense or cost-of-sales account; with the item id to use, if any."""
    accounts = [a for a in _lists(conn)["accounts"] if a.active]
    if not kind.is_sales:
        return next(a for a in accounts
                    if a.type in (AccountType.EXPENSE, AccountType.COST_OF_SALES)), None
    income = [a for a in accounts if a.type == AccountType.INCOME]
    if conn.provider.needs_items:
        items = {i.income_account_id: i.id for i in _lists(conn)["items"] if i.active}
        for account in income:
            if account.id in items:
                return account, items[account.id]
    return income[0], None


def _tax_rate(conn, kind):
    """The highest active rate offered for the document's side."""
    rates = [r for r in _lists(conn)["tax_rates"]
             if r.active and (r.for_sales if kind.is_sales else r.for_purchases)]
    return max(rates, key=lambda r: r.rate)


def document(conn, kind, number, local_id=1):
    """A two-line document to our customer or supplier; per-line net and tax rounded half-up."""
    account, item_id = _line_account(conn, kind)
    rate = _tax_rate(conn, kind)
    lines = []
    for description, quantity, price in (("Consulting", "3", "33.35"), ("Travel", "1", "10.05")):
        quantity, price = Decimal(quantity), Decimal(price)
        net = (quantity * price).quantize(CENT, rounding=ROUND_HALF_UP)
        tax = (net * rate.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(OutgoingLine(description, quantity, price, net, tax, account.id,
                                  account.code, rate.id, item_id))
    net_total = sum((line.net for line in lines), Decimal("0.00"))
    tax_total = sum((line.tax for line in lines), Decimal("0.00"))
    contact = conn.customer if kind.is_sales else conn.supplier
    return OutgoingDocument(
        local_id=local_id, kind=kind, number=number, contact_id=contact.id,
        issue_date=date(2026, 3, 2), due_date=date(2026, 4, 1), currency=currency(conn),
        lines=lines, net_total=net_total, tax_total=tax_total, gross_total=net_total + tax_total,
        supplier_reference="" if kind.is_sales else f"SUP-{number}",
        original_number="CT-SI-1001" if kind == DocumentKind.SALES_CREDIT_NOTE else "",
        idempotency_key=f"contract-{local_id}-{number}")


def currency(conn):
    """The organisation's currency where it says, else pounds (the UK demo organisations)."""
    org = next(o for o in conn.organisations if o.id == conn.ctx.organisation_id)
    if org.extra.get("currency"):
        return org.extra["currency"]
    return {"US": "USD"}.get(org.extra.get("country"), "GBP")


def numbers_of(doc):
    """The numbers a document can be found by: ours, and the supplier's for purchases."""
    return [n for n in (doc.number, doc.supplier_reference) if n]
