"""The demo firm's customers and suppliers as its ledger already holds them.

`flask seed-demo` makes the Ledgerlink side (cli_demo.py); with `python -m sandbox --demo-firm`
(as `python3 ledgerlink.py run` starts it) every default organisation of every package also holds
these, so the Sync page's contact suggestions have something to find: some have exactly our
names ("Link this"), some are close ("Harbour View Lettings Limited": a person confirms), and
the rest of the firm's contacts are not in the ledger yet ("Create new").
"""

DEMO_FIRM_CONTACTS = [
    # Exactly as Ledgerlink holds them.
    {"name": "Quayside Dental Practice", "kind": "customer",
     "email": "accounts@quaysidedental.example"},
    {"name": "Bishopston Vets", "kind": "customer", "email": "office@bishopstonvets.example"},
    {"name": "Kingsdown Pharmacy", "kind": "customer", "email": "manager@kingsdown.example"},
    {"name": "Brass & Copper Supplies Ltd", "kind": "supplier",
     "email": "sales@brasscopper.example"},
    # Close to ours, not equal (cli_demo.LEDGER_NAME_VARIANTS): sync must ask, not guess.
    {"name": "Harbour View Lettings Limited", "kind": "customer",
     "email": "accounts@harbourview.example"},
    {"name": "St. Marys Primary School", "kind": "customer", "email": "bursar@stmarys.example"},
    {"name": "Old Bakery Café", "kind": "customer", "email": "hello@oldbakery.example"},
    {"name": "T and S Evans", "kind": "customer", "email": "tevans@example.com"},
]
KINDS = ("customer", "supplier")


def checked_contacts(contacts):
    """The contacts to add, each {"name", "kind", "email"}; ValueError says what is wrong."""
    if not isinstance(contacts, list) or not contacts:
        raise ValueError("contacts must be a list of {name, kind, email}")
    out = []
    for item in contacts:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ValueError("every contact needs a name")
        kind = item.get("kind", "customer")
        if kind not in KINDS:
            raise ValueError("a contact's kind is customer or supplier")
        out.append({"name": name.strip(), "kind": kind, "email": str(item.get("email") or "")})
    return out
