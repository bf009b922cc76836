"""In headless Chromium: no screen scrolls sideways at 1280 or 1024 px, and dates never wrap.

The records are deliberately long (names, ids, references, amounts), as a real firm's are.
"""

import os

import pytest
from conftest import PASSWORD
from helpers.browser import chromium_page
from helpers.browser import live_server
from helpers.browser import needs_chromium
from helpers.browser import sign_in_page
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.docs import line
from helpers.links import add_connection
from helpers.links import add_ledger_contact

import models
from services.contact_links import set_link

LONG_NAME = "Harbour View Residential Lettings and Property Management Limited"
XERO_ID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}|\d{1,2} [A-Z][a-z]{2} \d{4}"

# Every text node holding a date: the date must sit on one line (one client rect).
WRAPPED_DATES_JS = """(pattern) => {
  const re = new RegExp(pattern, "g");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const wrapped = [];
  let seen = 0;
  while (walker.nextNode()) {
    const node = walker.currentNode;
    for (const match of node.textContent.matchAll(re)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
      if (tops.size) { seen += 1; }
      if (tops.size > 1) { wrapped.push(match[0]); }
    }
  }
  return {seen, wrapped};
}"""


def seed_long_records(app):
    """A customer with long details and ledger links, a big invoice, a credit note, a supplier."""
    agent = add_contact(app, "A0001", "Clifton Block Managers and Residential Agents LLP")
    customer = add_contact(app, "A0002", LONG_NAME, care_of_number="A0001",
                           email="accounts.payable.department@harbourviewlettings.example.co.uk",
                           address_line1="Flat 7, The Old Tobacco Factory, Raleigh Road",
                           address_line2="Southville", city="Bristol", postcode="BS3 1TF",
                           vat_number="GB123456789")
    add_contact(app, "P0001", "Brass & Copper Supplies (Avonmouth Trading Estate) Ltd",
                kind="supplier")
    xero = add_connection(app, "xero", "org-1", "Harbour View Residential Lettings Limited (UK)")
    old = add_connection(app, "zoho", "org-2", "Demo Consulting Ltd", active=False)
    add_ledger_contact(app, xero, XERO_ID, LONG_NAME + " (Xero)")
    with app.app_context(), models.db.connection_context():
        set_link(xero, customer, XERO_ID)
        set_link(old, customer, "460000000026049-unknown-in-the-cache-for-this-organisation")
    lines = [line("Annual gas safety check, boiler service and carbon monoxide alarm test for "
                  "all flats in the block, including the communal plant room", "12",
                  "98765.4321"),
             line("Thermostatic radiator valve", "144", "12.345", category="materials"),
             line("Call-out", "1", "1250000", tax_rate="0", category="other")]
    invoice = add_document(app, "S-2026-000123", contact_number="A0002", care_of_number="A0001",
                           lines=lines, reference="Job 4411 / PO 99812-B / Flat 7, Quay House",
                           notes="Keys with the concierge; call 30 minutes before arrival.")
    credit = add_document(app, "C-2026-000045", kind="sales_credit_note",
                          contact_number="A0002", original_number="S-2026-000123",
                          lines=[line("Goodwill credit for the delayed second visit", "1", "99")])
    supplier = add_document(app, "PINV-88231-2026", kind="supplier_invoice",
                            contact_number="P0001", lines=[line("Copper pipe", "30", "8.25",
                                                                category="purchase")])
    return {"agent": agent, "customer": customer, "invoice": invoice, "credit": credit,
            "supplier": supplier}


def screens(records):
    """The screens to measure, by name."""
    invoice, customer = records["invoice"], records["customer"]
    return {
        "home": "/",
        "documents": "/documents/",
        "invoice": f"/documents/{invoice.id}",
        "credit note": f"/documents/{records['credit'].id}",
        "supplier invoice": f"/documents/{records['supplier'].id}",
        "new document": "/documents/new",
        "edit invoice": f"/documents/{invoice.id}/edit",
        "import": "/documents/import",
        "contacts": "/contacts/",
        "contact": f"/contacts/{customer.id}",
        "edit contact": f"/contacts/{customer.id}/edit",
        "settings": "/settings/",
        "integrations": "/integrations/",
    }


# Buttons whose label runs onto a second line, and inputs whose placeholder or value is cut.
WRAPPED_BUTTONS_JS = """() => Array.from(document.querySelectorAll("button, [role=button]"))
  .filter(b => b.offsetParent !== null && b.textContent.trim())
  .filter(b => {
    const range = document.createRange();
    range.selectNodeContents(b);
    return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size > 1;
  }).map(b => b.textContent.trim())"""
CUT_TEXT_JS = """(selector) => {
  const context = document.createElement("canvas").getContext("2d");
  return Array.from(document.querySelectorAll(selector)).filter(input => {
    const style = getComputedStyle(input);
    context.font = style.font;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return context.measureText(input.value || input.placeholder).width > room + 1;
  }).map(input => input.name + ": " + (input.value || input.placeholder));
}"""


NUMBER_INPUTS = ".filters input, #lines-table input[inputmode=decimal]"


def measure(page):
    """(scrollWidth, clientWidth, wrapped dates, dates seen) of the page as shown."""
    widths = page.evaluate("[document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    dates = page.evaluate(WRAPPED_DATES_JS, DATE_PATTERN)
    return widths[0], widths[1], dates["wrapped"], dates["seen"]


@needs_chromium
@pytest.mark.parametrize("width", [1280, 1024])
def test_no_screen_scrolls_sideways_and_dates_never_wrap(app, admin, width):
    records = seed_long_records(app)
    problems = []
    with live_server(app) as base, chromium_page() as page:
        sign_in_page(page, base, admin.email, PASSWORD)
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in screens(records).items():
            page.goto(base + path)
            scroll_width, client_width, wrapped, seen = measure(page)
            if scroll_width > client_width:
                problems.append(f"{name}: {scroll_width} px wide in {client_width} px")
            if wrapped:
                problems.append(f"{name}: dates wrap: {wrapped}")
            buttons = page.evaluate(WRAPPED_BUTTONS_JS)
            if buttons:
                problems.append(f"{name}: buttons wrap: {buttons}")
            cut = page.evaluate(CUT_TEXT_JS, NUMBER_INPUTS)
            if cut:
                problems.append(f"{name}: text cut in {cut}")
            if name in ("documents", "invoice", "contact"):
                assert seen, f"{name} shows no dates to check"
            if name in ("documents", "contacts", "new document", "edit invoice"):
                assert page.locator(".filters input, #lines-table input").count()
            if os.environ.get("LEDGERLINK_SHOTS_DIR"):
                page.screenshot(path=os.path.join(os.environ["LEDGERLINK_SHOTS_DIR"],
                                                  f"{width}-{name.replace(' ', '-')}.png"),
                                full_page=True)
        assert not page.js_errors
    assert not problems, "\n".join(problems)
