"""The mapping: which ledger accounts, items and taxes Ledgerlink posts to, and the sync options.

Choices come from the cached lists (see connections.lists); a mapping that points at an account
the ledger has archived stays stored and is flagged, and cannot be chosen again.
"""

import datetime

from models import db
from models.integration import MAPPING_ROLES
from models.integration import AccountMapping
from models.integration import Connection
from models.integration import LedgerAccount
from models.integration import LedgerItem
from models.integration import LedgerTaxRate
from providers import REGISTRY

OPTION_FLAGS = {
    "use_package_numbering": "Use the package's invoice numbering",
    "send_files": "Send files (invoice PDFs)",
    "warn_new_supplier": "Warn me before a new supplier is created",
}
ITEM_ROLES = ("labour_sales", "materials_sales")  # income roles whose lines go through items
DEFAULT_OPTIONS = {"use_package_numbering": False, "send_files": True, "warn_new_supplier": True,
                   "sales_tax_id": "", "purchase_tax_id": "", "schedule_minutes": 0}
MAX_SCHEDULE_MINUTES = 1440


def mapping_choices(connection):
    """The connection's cached accounts, active taxes and items, and the current mapping."""
    accounts = list(LedgerAccount.select().where(LedgerAccount.connection == connection)
                    .order_by(LedgerAccount.code, LedgerAccount.name))
    rates = list(LedgerTaxRate.select().where(LedgerTaxRate.connection == connection,
                                              LedgerTaxRate.active == True)  # noqa: E712
                 .order_by(LedgerTaxRate.name))
    mappings = list(connection.mappings)
    current = {m.role: m.account_remote_id for m in mappings}
    current.update({f"{m.role}_item": m.item_remote_id or "" for m in mappings})
    provider = REGISTRY[connection.provider]
    items = list(LedgerItem.select().where(LedgerItem.connection == connection,
                                           LedgerItem.active == True)  # noqa: E712
                 .order_by(LedgerItem.name)) if provider.needs_items else []
    by_id = {a.remote_id: a for a in accounts}
    choices = {role: [a for a in accounts if a.active and a.type in types]
               for role, (_label, types) in MAPPING_ROLES.items()}
    archived = {role: by_id.get(remote_id) for role, remote_id in current.items()
                if remote_id not in by_id or not by_id[remote_id].active}
    return {
        "provider": provider, "items": items,
        "item_roles": ITEM_ROLES if provider.needs_items else (), "accounts_by_id": by_id,
        "choices": choices, "archived": archived, "current": current, "rates": rates,
        "options": {**DEFAULT_OPTIONS, **(connection.options or {})},
        "empty_chart": not any(a.active for a in accounts),
    }


def validate_mapping(connection, submitted):
    """Check a submitted mapping (a dict of form fields); return (values, errors)."""
    choices = mapping_choices(connection)
    values, errors = {}, {}
    for role, (label, _types) in MAPPING_ROLES.items():
        chosen = submitted.get(role, "")
        allowed = {a.remote_id for a in choices["choices"][role]}
        if not chosen:
            errors[role] = f"Choose the account for {label.lower()}."
        elif chosen not in allowed:
            errors[role] = "That account is archived or not of the right type. Choose another."
        values[role] = chosen
    items = {i.remote_id: i for i in choices["items"]}
    for role in choices["item_roles"]:
        chosen = submitted.get(f"{role}_item", "")
        values[f"{role}_item"] = chosen
        if chosen and (chosen not in items or items[chosen].income_account_id != values[role]):
            errors[f"{role}_item"] = ("That item posts to another income account. Choose an item "
                                      "for the account above, or let Ledgerlink create one.")
    rate_ids = {r.remote_id for r in choices["rates"]}
    options = {flag: submitted.get(flag) == "on" for flag in OPTION_FLAGS}
    for key in ("sales_tax_id", "purchase_tax_id"):
        options[key] = submitted.get(key, "")
        if options[key] and options[key] not in rate_ids:
            errors[key] = "That tax rate is not active in the ledger."
    raw = (submitted.get("schedule_minutes") or "0").strip()
    options["schedule_minutes"] = raw
    if raw.isdigit() and int(raw) <= MAX_SCHEDULE_MINUTES:
        options["schedule_minutes"] = int(raw)
    else:
        errors["schedule_minutes"] = (f"Give whole minutes from 0 (off) to "
                                      f"{MAX_SCHEDULE_MINUTES}.")
    values["_options"] = options
    return values, errors


def save_mapping(connection, values):
    """Store a validated mapping and its options, and mark the mapping confirmed."""
    with db.atomic():
        for role in MAPPING_ROLES:
            item = values.get(f"{role}_item") or None
            AccountMapping.insert(connection=connection, role=role,
                                  account_remote_id=values[role], item_remote_id=item).on_conflict(
                conflict_target=[AccountMapping.connection, AccountMapping.role],
                update={AccountMapping.account_remote_id: values[role],
                        AccountMapping.item_remote_id: item,
                        AccountMapping.updated_at: datetime.datetime.now()}).execute()
        Connection.update(options=values["_options"], mappings_confirmed=True).where(
            Connection.id == connection.id).execute()
