"""Refresh lists: re-read the ledger's accounts, tax rates and contacts into the local cache.

Rows are upserted by remote id and never deleted: a row the ledger no longer returns is marked
inactive, so mappings and contact links that point at it survive and can be flagged.
"""

import datetime

from connections.tokens import call_with_refresh
from models import db
from models.integration import Connection
from models.integration import LedgerAccount
from models.integration import LedgerContact
from models.integration import LedgerItem
from models.integration import LedgerTaxRate

MAX_CONTACT_PAGES = 500


def _upsert(model, connection, rows):
    """Insert or update cached rows by remote id; mark the ones no longer listed inactive."""
    existing = {row.remote_id: row.id for row in
                model.select(model.id, model.remote_id).where(model.connection == connection)}
    listed = {values["remote_id"] for values in rows}
    with db.atomic():
        fresh = [{**values, "connection": connection.id} for values in rows
                 if values["remote_id"] not in existing]
        for start in range(0, len(fresh), 200):
            model.insert_many(fresh[start:start + 200]).execute()
        for values in rows:
            if values["remote_id"] in existing:
                model.update(**values).where(model.id == existing[values["remote_id"]]).execute()
        gone = [remote_id for remote_id in existing if remote_id not in listed]
        if gone:
            model.update(active=False).where(model.connection == connection,
                                             model.remote_id.in_(gone)).execute()
    return len(listed)


def _account_rows(accounts):
    return [{"remote_id": a.id, "code": a.code or "", "name": a.name, "type": str(a.type),
             "provider_type": a.provider_type or "", "active": a.active,
             "tax_rate_id": a.tax_rate_id} for a in accounts]


def _tax_rows(rates):
    return [{"remote_id": r.id, "name": r.name, "rate": str(r.rate), "active": r.active,
             "for_sales": r.for_sales, "for_purchases": r.for_purchases} for r in rates]


def _item_rows(items):
    return [{"remote_id": i.id, "name": i.name, "income_account_id": i.income_account_id,
             "active": i.active} for i in items]


def _contact_rows(contacts):
    return [{"remote_id": c.id, "name": c.name, "is_customer": c.is_customer,
             "is_supplier": c.is_supplier, "email": c.email or "",
             "account_number": c.account_number or "", "active": c.active,
             "postcode": (c.postcode or "")[:20], "vat_number": (c.vat_number or "")[:40]}
            for c in contacts]


def _all_contacts(provider, ctx):
    contacts, cursor = [], None
    for _ in range(MAX_CONTACT_PAGES):
        page = provider.contacts(ctx, cursor)
        contacts.extend(page.contacts)
        cursor = page.next_cursor
        if not cursor:
            break
    return contacts


def fetch_lists(provider, ctx, contacts=True):
    """Read accounts, tax rates, items (where the ledger needs them) and contacts."""
    lists = {"accounts": provider.accounts(ctx), "tax_rates": provider.tax_rates(ctx)}
    if provider.needs_items:
        lists["items"] = provider.items(ctx)
    if contacts:
        lists["contacts"] = _all_contacts(provider, ctx)
    return lists


def store_lists(connection, lists):
    """Upsert fetched lists into the connection's cache; return the counts."""
    rows = {
        "accounts": (LedgerAccount, _account_rows),
        "tax_rates": (LedgerTaxRate, _tax_rows),
        "items": (LedgerItem, _item_rows),
        "contacts": (LedgerContact, _contact_rows),
    }
    counts = {name: _upsert(model, connection, to_rows(lists[name]))
              for name, (model, to_rows) in rows.items() if name in lists}
    Connection.update(lists_refreshed_at=datetime.datetime.now()).where(
        Connection.id == connection.id).execute()
    return counts


def refresh_lists_now(connection_id, contacts=True):
    """Read the ledger's lists through the connection and cache them; return the counts."""
    connection = Connection.get_by_id(connection_id)
    lists = call_with_refresh(connection, lambda p, ctx: fetch_lists(p, ctx, contacts))
    return store_lists(connection, lists)
