"""Linking a contact to a ledger contact, checked against the sandbox's ledgers over HTTP."""

import pytest
from helpers.docs import add_contact
from helpers.links import add_connection
from helpers.links import add_ledger_contact
from helpers.links import cached_contact
from helpers.links import connect_sandbox
from helpers.links import ledger_id

import models
from connections.tokens import call_with_refresh
from models.contact import Contact
from models.integration import Connection
from models.integration import LedgerContact
from services.ledger_links import LinkRefused
from services.ledger_links import create_in_ledger
from services.ledger_links import link_checked
from services.ledger_links import search_ledger
from services.ledger_links import suggestions
from services.ledger_links import unlink

PROVIDERS = ("xero", "qbo", "sage", "zoho")
NAMES = {"xero": "Xero", "qbo": "QuickBooks Online", "sage": "Sage Business Cloud Accounting",
         "zoho": "Zoho Books"}


def _in(app, fn):
    with app.app_context(), models.db.connection_context():
        return fn()


def _fresh(app, connection_id):
    return _in(app, lambda: Connection.get_by_id(connection_id))


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_typed_id_is_checked_against_the_ledger(sandbox_app, admin_web, provider):
    app = sandbox_app
    contact = add_contact(app)
    connection = connect_sandbox(app, admin_web, provider)
    real = cached_contact(app, connection)
    with pytest.raises(LinkRefused, match=f"That is not a {NAMES[provider]} contact id"):
        _in(app, lambda: link_checked(_fresh(app, connection.id), contact, "no-such-contact-7"))
    assert ledger_id(app, connection, contact) == ""
    typed = real.remote_id.rpartition(":")[2] if provider == "qbo" else real.remote_id
    _in(app, lambda: link_checked(_fresh(app, connection.id), contact, typed))
    assert ledger_id(app, connection, contact) == real.remote_id  # QuickBooks: "customer:16"
    _in(app, lambda: unlink(_fresh(app, connection.id), contact))
    assert ledger_id(app, connection, contact) == ""


@pytest.mark.parametrize("provider", ("qbo", "sage", "zoho"))
def test_a_supplier_id_is_refused_for_a_customer(sandbox_app, admin_web, provider):
    app = sandbox_app
    contact = add_contact(app)
    connection = connect_sandbox(app, admin_web, provider)
    supplier = cached_contact(app, connection, "supplier")
    shown = supplier.remote_id.rpartition(":")[2] if provider == "qbo" else supplier.remote_id
    with pytest.raises(LinkRefused) as refused:
        _in(app, lambda: link_checked(_fresh(app, connection.id), contact, shown))
    assert str(refused.value) == (f"{NAMES[provider]} contact {shown} is a supplier, this "
                                  "document needs a customer.")
    assert ledger_id(app, connection, contact) == ""


def test_xero_takes_any_contact_for_either_kind(sandbox_app, admin_web):
    app = sandbox_app
    supplier = add_contact(app, "A0002", "Coastal Timber", kind="supplier")
    connection = connect_sandbox(app, admin_web, "xero")
    real = cached_contact(app, connection)
    _in(app, lambda: link_checked(_fresh(app, connection.id), supplier, real.remote_id))
    assert ledger_id(app, connection, supplier) == real.remote_id


@pytest.mark.parametrize("provider", PROVIDERS)
def test_exact_name_comes_first_and_create_new_asks_when_close(sandbox_app, admin_web,
                                                               provider):
    app = sandbox_app
    connection = connect_sandbox(app, admin_web, provider)
    real = cached_contact(app, connection)
    same = add_contact(app, "A0003", real.name)
    ranked = _in(app, lambda: suggestions(_fresh(app, connection.id), same))
    assert ranked[0].ledger.remote_id == real.remote_id and ranked[0].exact_name
    # A close match: creating needs a confirmation, and nothing is created without it.
    before = _in(app, lambda: LedgerContact.select().count())
    close = add_contact(app, "A0004", real.name + " Ltd.")
    with pytest.raises(LinkRefused, match="already has a close match"):
        _in(app, lambda: create_in_ledger(_fresh(app, connection.id), close))
    assert _in(app, lambda: LedgerContact.select().count()) == before
    assert ledger_id(app, connection, close) == ""
    _link, created = _in(app, lambda: create_in_ledger(_fresh(app, connection.id), close,
                                                       confirmed=True))
    assert ledger_id(app, connection, close) == created.id
    in_ledger = _in(app, lambda: call_with_refresh(
        _fresh(app, connection.id), lambda p, ctx: p.get_contact(ctx, created.id)))
    assert in_ledger is not None and in_ledger.name == real.name + " Ltd."


@pytest.mark.parametrize("provider", PROVIDERS)
def test_create_new_without_a_close_match(sandbox_app, admin_web, provider):
    app = sandbox_app
    connection = connect_sandbox(app, admin_web, provider)
    contact = add_contact(app, "A0005", "Zebedee Quarry Holdings", email="zq@example.com")
    assert _in(app, lambda: [s for s in suggestions(_fresh(app, connection.id), contact)
                             if s.score >= 85]) == []
    _link, created = _in(app, lambda: create_in_ledger(_fresh(app, connection.id), contact))
    assert ledger_id(app, connection, contact) == created.id
    assert created.is_customer


@pytest.mark.parametrize("warn", (True, False))
def test_a_new_supplier_warns_when_the_option_says_so(sandbox_app, admin_web, warn):
    app = sandbox_app
    connection = connect_sandbox(app, admin_web, "sage")
    _in(app, lambda: Connection.update(options={"warn_new_supplier": warn}).where(
        Connection.id == connection.id).execute())
    supplier = add_contact(app, "A0006", "Yarrow Fencing Supplies", kind="supplier")
    if warn:
        with pytest.raises(LinkRefused, match="This creates a new supplier"):
            _in(app, lambda: create_in_ledger(_fresh(app, connection.id), supplier))
        assert ledger_id(app, connection, supplier) == ""
    else:
        _in(app, lambda: create_in_ledger(_fresh(app, connection.id), supplier))
        assert ledger_id(app, connection, supplier) != ""


def test_sage_search_by_reference_or_name(sandbox_app, admin_web):
    app = sandbox_app
    connection = connect_sandbox(app, admin_web, "sage")
    real = cached_contact(app, connection)
    by_reference = _in(app, lambda: search_ledger(_fresh(app, connection.id),
                                                  real.account_number, "customer"))
    assert [c.id for c in by_reference] == [real.remote_id]
    by_name = _in(app, lambda: search_ledger(_fresh(app, connection.id), real.name[:5],
                                             "customer"))
    assert real.remote_id in [c.id for c in by_name]
    suppliers_only = _in(app, lambda: search_ledger(_fresh(app, connection.id),
                                                    real.account_number, "supplier"))
    assert suppliers_only == []


def test_suggestions_rank_by_email_postcode_and_vat(app):
    connection = add_connection(app, "qbo", "realm-1", "Harbour (QBO)")
    contact = add_contact(app, "A0007", "Harbour View Lettings", email="ops@harbour.example",
                          postcode="BS1 4RN", vat_number="GB123456789")
    add_ledger_contact(app, connection, "customer:1", "Harbour View Lettings Ltd")
    add_ledger_contact(app, connection, "customer:2", "Harbor Vue Letting")
    add_ledger_contact(app, connection, "customer:3", "Quay Trading")

    def with_vat():
        LedgerContact.update(vat_number="gb 123 456 789", postcode="bs14rn").where(
            LedgerContact.remote_id == "customer:2").execute()

    plain = _in(app, lambda: suggestions(Connection.get_by_id(connection.id),
                                         Contact.get_by_id(contact.id)))
    assert [s.ledger.remote_id for s in plain][:2] == ["customer:1", "customer:2"]
    assert "customer:3" not in [s.ledger.remote_id for s in plain]
    _in(app, with_vat)
    ranked = _in(app, lambda: suggestions(Connection.get_by_id(connection.id),
                                          Contact.get_by_id(contact.id)))
    assert ranked[0].ledger.remote_id == "customer:2"
    assert ranked[0].reasons == ["postcode", "VAT number"]


def test_the_contact_screen_picker_searches_cached_ledger_contacts(app, staff_client):
    connection = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")
    add_ledger_contact(app, connection, "x-1", "Harbour View Lettings")
    add_ledger_contact(app, connection, "x-2", "Quay Trading")
    add_ledger_contact(app, connection, "x-3", "Harbour Old", active=False)
    contact = add_contact(app)
    form = staff_client.get(f"/contacts/{contact.id}/edit").get_data(as_text=True)
    assert 'id="ledger-picker-q"' in form and 'id="ledger-picker"' in form
    html = staff_client.get("/contacts/ledger-contacts?q=harb").get_data(as_text=True)
    assert 'data-pick-ledger-id="x-1"' in html
    assert "x-2" not in html and "x-3" not in html  # other names; inactive ones are not offered
    none = staff_client.get("/contacts/ledger-contacts?q=zzz").get_data(as_text=True)
    assert "No ledger contact last read from the package" in none
    for junk in ("%00", "%25", "_" * 500):
        assert staff_client.get(f"/contacts/ledger-contacts?q={junk}").status_code == 200
