"""`flask --app app seed-demo`: a realistic demo set, including what the sync checks must catch.

3 suppliers, 30 customers (some sites billed care of a managing agent), about 200 documents of
the four kinds, and payments: receipts against some approved, sent sales invoices and payments
against some supplier invoices, a few of them part-paid. Deliberate problems: unsent invoices, a
blank line, a labour line with no tax, customer names that differ slightly from the ledger's
(LEDGER_NAME_VARIANTS), and a number that looks like a duplicate (S-10045 beside S10045).
Running it again changes nothing.

`flask --app app connect-sage50-demo`: connect Sage 50 (through Zynk) with the usual nominal and
tax codes in one step, print the URLs and credentials once, and write them (owner-only) where
the run command's stand-in Zynk picks them up.
"""

import datetime
import random
from decimal import Decimal
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

import models
from models.document import Document
from models.payment import Payment
from services.contacts import clean_contact
from services.contacts import upsert_contact
from services.documents import clean_document
from services.documents import upsert_document
from services.payments import add_payment
from services.payments import owed

SUPPLIERS = [("P0001", "Brass & Copper Supplies Ltd", "Avonmouth", "BS11 9YA"),
             ("P0002", "Westway Plumbers Merchants", "Bristol", "BS2 0XJ"),
             ("P0003", "Severnside Van Hire", "Patchway", "BS34 5TA")]
AGENTS = [("A0001", "Harbour Property Management Ltd"), ("A0002", "Clifton Block Managers"),
          ("A0003", "Redcliffe Estates LLP")]
CUSTOMERS = ["Harbour View Lettings Ltd", "Quayside Dental Practice", "The Old Bakery Cafe",
             "St Mary's Primary School", "Bishopston Vets", "Mr J Okafor", "Mrs P Lindqvist",
             "Gloucester Road Books", "Nine Tree Hill Nursery", "Kingsdown Pharmacy",
             "Avon Rowing Club", "Dr A Hussain", "Cotham Hill Deli", "Montpelier Print Works",
             "Ms R Kowalczyk", "Southville Community Hall", "Totterdown Yoga Studio",
             "Mr & Mrs T Evans", "Windmill Hill City Farm", "Bedminster Barbers"]
SITES = [("Flat 2, Quay House", "A0001"), ("Flat 7, Quay House", "A0001"),
         ("12 Royal York Crescent", "A0002"), ("Basement, 4 Caledonia Place", "A0002"),
         ("Unit 3, Temple Quay", "A0003"), ("Unit 9, Temple Quay", "A0003"),
         ("Flat 1, Redcliffe Parade", "A0003")]
# Names as the ledger is likely to hold them: close to ours, not equal (sync must ask, not guess).
LEDGER_NAME_VARIANTS = {"Harbour View Lettings Ltd": "Harbour View Lettings Limited",
                        "St Mary's Primary School": "St. Marys Primary School",
                        "The Old Bakery Cafe": "Old Bakery Café",
                        "Mr & Mrs T Evans": "T and S Evans"}
LABOUR = ["Boiler service", "Call-out and first hour", "Labour (per hour)",
          "Annual gas safety check", "Radiator replacement labour", "Powerflush"]
MATERIALS = ["Thermostatic radiator valve", "Pressure relief valve", "Magnetic filter",
             "15mm copper pipe (3m)", "Inhibitor 1L", "Expansion vessel"]


def _contact(number, name, kind="customer", **extra):
    cleaned, errors = clean_contact({"kind": kind, "name": name, **extra}, number)
    if errors:
        raise click.ClickException(f"demo contact {number}: {errors}")
    return upsert_contact(cleaned)


def _contacts(rng):
    outcomes = []
    for number, name, city, postcode in SUPPLIERS:
        outcomes.append(_contact(number, name, "supplier", city=city, postcode=postcode,
                                 vat_number=f"GB{rng.randint(100000000, 999999999)}"))
    for number, name in AGENTS:
        outcomes.append(_contact(number, name, city="Bristol", email="accounts@example.com"))
    for index, name in enumerate(CUSTOMERS, start=4):
        outcomes.append(_contact(f"A{index:04d}", name, city="Bristol",
                                 postcode=f"BS{rng.randint(1, 16)} {rng.randint(1, 9)}AB"))
    for index, (name, parent) in enumerate(SITES, start=4 + len(CUSTOMERS)):
        outcomes.append(_contact(f"A{index:04d}", name, city="Bristol", care_of_number=parent))
    return [c for c, _ in outcomes], [o for _, o in outcomes]


def _lines(rng, supplier=False):
    if supplier:
        return [{"description": rng.choice(MATERIALS), "quantity": str(rng.randint(1, 20)),
                 "unit_price": f"{rng.randint(150, 9000) / 100:.2f}", "category": "purchase",
                 "tax_rate": "20"} for _ in range(rng.randint(1, 4))]
    lines = [{"description": rng.choice(LABOUR), "quantity": str(rng.choice([1, 1, 2, 3])),
              "unit_price": rng.choice(["65.00", "85.00", "95.00", "120.00"]),
              "category": "labour", "tax_rate": "20"}]
    for _ in range(rng.randint(0, 3)):
        lines.append({"description": rng.choice(MATERIALS), "quantity": str(rng.randint(1, 4)),
                      "unit_price": f"{rng.randint(250, 6000) / 100:.2f}",
                      "category": "materials", "tax_rate": "20"})
    return lines


def _plan(rng, customers, suppliers, today):
    """(number, payload, sent method or None) for every demo document."""
    plan = []
    for n in range(160):
        issued = today - datetime.timedelta(days=rng.randint(1, 150))
        contact = rng.choice(customers)
        payload = {"kind": "sales_invoice", "contact_number": contact.number,
                   "care_of_number": contact.care_of.number if contact.care_of_id else "",
                   "issue_date": issued.isoformat(),
                   "due_date": (issued + datetime.timedelta(days=30)).isoformat(),
                   "status": "approved" if n % 9 else "draft", "reference": f"Job {4000 + n}",
                   "lines": _lines(rng)}
        sent = None if n % 7 == 3 else rng.choice(["email", "email", "post"])
        plan.append((f"S{10001 + n}", payload, sent))
    # The deliberate problems.
    plan[10][1]["lines"].append({"description": "", "quantity": "1", "unit_price": "0.00",
                                 "category": "other", "tax_rate": "20"})
    plan[11][1]["lines"][0]["tax_rate"] = "0"
    dup = dict(plan[44][1])
    plan.append(("S-10045", {**dup, "reference": dup["reference"] + " (copy)"}, None))
    for n in range(20):
        number, original, _ = plan[n * 7]
        plan.append((f"C{5001 + n}", {**original, "kind": "sales_credit_note",
                                      "original_number": number, "reference": f"Cr {number}",
                                      "lines": original["lines"][:1]}, "email"))
    for n in range(22):
        issued = today - datetime.timedelta(days=rng.randint(1, 150))
        supplier = suppliers[n % len(suppliers)]
        plan.append((f"P{70001 + n}", {"kind": "supplier_invoice", "issue_date": issued.isoformat(),
                                       "contact_number": supplier.number, "status": "approved",
                                       "reference": f"INV-{2200 + n}",
                                       "lines": _lines(rng, supplier=True)}, None))
    for n in range(4):
        number, original, _ = plan[-22 + n]
        plan.append((f"PC{8001 + n}", {**original, "kind": "supplier_credit_note",
                                       "original_number": number,
                                       "reference": f"CN-{300 + n}",
                                       "lines": original["lines"][:1]}, None))
    return plan


# Which demo invoices get paid (by plan index): sales ones among the approved and sent, skipping
# the deliberate problems; every third is part-paid, as are two supplier invoices.
PAID_SALES = [n for n in range(2, 160, 8) if n not in (10, 11, 44)]
PAID_SUPPLIERS = (0, 2, 5, 9, 13)
PART_PAID_SUPPLIERS = (2, 9)


def _payments(today):
    """Record the demo payments on invoices that have none yet; (recorded, already there)."""
    wanted = [(f"S{10001 + n}", n % 3 == 1, f"BACS {n:03d}") for n in PAID_SALES]
    wanted += [(f"P{70001 + n}", n in PART_PAID_SUPPLIERS, f"CHQ {100 + n}")
               for n in PAID_SUPPLIERS]
    recorded = already = 0
    for number, part, reference in wanted:
        document = Document.get_or_none(Document.number == number)
        if document is None or document.status != "approved" \
                or document.kind == "sales_invoice" and not document.sent:
            continue
        if Payment.select().where(Payment.document == document).exists():
            already += 1
            continue
        due = owed(document)
        amount = (due / 2).quantize(Decimal("0.01")) if part else due
        if amount <= 0:
            continue
        paid_on = min(document.issue_date + datetime.timedelta(days=14), today)
        _payment, errors = add_payment(document, {"paid_on": paid_on.isoformat(),
                                                  "amount": str(amount),
                                                  "reference": reference})
        if errors:
            raise click.ClickException(f"demo payment on {number}: {errors}")
        recorded += 1
    return recorded, already


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Fill the database with the demo contacts and documents (safe to run again)."""
    rng = random.Random(20260301)
    today = datetime.date.today()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with models.db.connection_context(), models.db.atomic():
        contacts, outcomes = _contacts(rng)
        customers = [c for c in contacts if c.kind == "customer"]
        suppliers = [c for c in contacts if c.kind == "supplier"]
        for number, payload, sent in _plan(rng, customers, suppliers, today):
            cleaned, errors = clean_document(payload, number, 200)
            if errors:
                raise click.ClickException(f"demo document {number}: {errors}")
            document, outcome = upsert_document(cleaned)
            counts[outcome] += 1
            if sent and not document.sent:
                document.set_sent(True, sent)
        recorded, already = _payments(today)
        total = Document.select().count()
    click.echo(f"Contacts: {outcomes.count('created')} created, "
               f"{len(outcomes) - outcomes.count('created')} already there. Documents: "
               f"{counts['created']} created, {counts['updated']} updated, "
               f"{counts['unchanged']} unchanged ({total} in all). Payments: {recorded} "
               f"recorded, {already} already there.")


# Our rates' usual Sage 50 T-codes (the nominal codes: Sage 50's default chart).
DEMO_TAX_CODES = {"20": "1", "5": "5", "0": "0"}
ZYNK_CREDENTIALS_FILE = "zynk-demo.json"


def zynk_credentials_path(app):
    """Where connect-sage50-demo leaves the credentials for the run command's stand-in Zynk."""
    return Path(app.instance_path) / ZYNK_CREDENTIALS_FILE


def _ledgerlink_address(config):
    """Ledgerlink's address as Zynk would call it: PUBLIC_URL, else the run command's own on
    this machine (the demo's Zynk runs beside it)."""
    return config["PUBLIC_URL"].rstrip("/") or f"http://127.0.0.1:{config['PORT']}"


@click.command("connect-sage50-demo")
@click.option("--company", default="Demo plumbing (Sage 50)", help="The Sage 50 company name.")
@click.option("--format", "invoice_format", type=click.Choice(["transaction", "invoice"]),
              default="transaction", help="How customer invoices go (default Transaction XML).")
@with_appcontext
def connect_sage50_demo_command(company, invoice_format):
    """Connect Sage 50 (through Zynk) with the usual nominal and tax codes, for the demo."""
    from connections.zynk import ZynkSetupError
    from connections.zynk import connect
    from connections.zynk import save_settings
    from connections.zynk import validate_settings
    from sandbox.sage50.schedule import write_credentials
    from views.sage50 import NOMINAL_EXAMPLES
    from views.sage50 import zynk_urls

    form = MultiDict({f"nominal_{role}": code for role, code in NOMINAL_EXAMPLES.items()})
    form.setlist("tax_rate", list(DEMO_TAX_CODES))
    form.setlist("tax_code", list(DEMO_TAX_CODES.values()))
    form["invoice_format"] = invoice_format
    values, errors = validate_settings(form)
    if errors:
        raise click.ClickException(f"demo mapping: {errors}")
    with models.db.connection_context():
        try:
            connection, link, username, secret = connect(company)
        except ZynkSetupError as exc:
            raise click.ClickException(str(exc)) from None
        save_settings(connection, link, values)
    with current_app.test_request_context(base_url=_ledgerlink_address(current_app.config)):
        urls = zynk_urls()
    path = zynk_credentials_path(current_app)
    write_credentials(path, username, secret)
    click.echo(f"Sage 50 (through Zynk) is connected for {company!r}: nominal codes 4000 labour, "
               "4010 materials, 5000 purchases, 1200 bank; tax 20% T1, 5% T5, 0% T0 "
               f"({'Invoice' if invoice_format == 'invoice' else 'Transaction'} XML).\n"
               "Zynk's HTTP tasks, shown this once (a new secret: run this again, or New "
               "secret on the Integrations page):\n"
               f"  User name         {username}\n  Secret            {secret}\n"
               f"  Download URL      {urls['download']}\n"
               f"  Confirmation URL  {urls['confirm']}\n  Fail-file URL     {urls['failed']}\n"
               f"Written (owner-only) to {path}: the stand-in Zynk that `python3 ledgerlink.py "
               "run` starts picks them up at its next cycle (SANDBOX_ZYNK_EVERY), or run it "
               f"yourself: python -m sandbox.sage50 --credentials {path} --once")


def init_app(app):
    """Register the commands."""
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(connect_sage50_demo_command)
