"""Linking a contact to a ledger contact, checked against the ledger: typed ids, ranked
suggestions from the cached ledger contacts, creating the contact in the ledger, Sage search.

Every save here reads the ledger first (get_contact through connections.tokens) and saves
nothing when the id is wrong, of the wrong kind, or the ledger cannot be asked.
"""

import re
from dataclasses import dataclass

from peewee import fn
from rapidfuzz import fuzz
from rapidfuzz import utils

from connections.mapping import DEFAULT_OPTIONS
from connections.tokens import call_with_refresh
from models.integration import LedgerContact
from providers import REGISTRY
from providers.base import NewContact
from providers.base import ProviderError
from services.contact_links import REMOTE_ID_MAX
from services.contact_links import link_in
from services.contact_links import package_name
from services.contact_links import set_link
from services.validation import has_control_characters

CLOSE_MATCH = 85  # a suggestion scoring this or more is "a close match" worth a warning
SUGGESTIONS = 5
# Errors that mean "the ledger does not know this id" rather than "the ledger could not answer".
NOT_FOUND_CODES = {"validation", "not_found", "contact_missing"}


@dataclass
class Suggestion:
    """A cached ledger contact ranked against one of our contacts."""

    ledger: LedgerContact
    score: float
    reasons: list  # what matched besides the name: "email", "postcode", "VAT number"
    exact_name: bool


class LinkRefused(Exception):
    """A link that was not saved; the message says why in plain words."""


class NeedsConfirmation(LinkRefused):
    """Creating the contact needs a person's yes first (a close match, a new supplier)."""


def _needed_kind(contact):
    return "supplier" if contact.kind == "supplier" else "customer"


def _has_kind(remote, kind):
    return remote.is_supplier if kind == "supplier" else remote.is_customer


def _candidates(provider_id, typed, kind):
    """The ids to try for what was typed (QuickBooks ids name their entity: "vendor:41")."""
    if provider_id == "qbo" and ":" not in typed:
        first, second = ("vendor", "customer") if kind == "supplier" else ("customer", "vendor")
        return [f"{first}:{typed}", f"{second}:{typed}"]
    return [typed]


def _shown_id(provider_id, remote_id):
    """The id as a person knows it (QuickBooks' number without the entity)."""
    return remote_id.rpartition(":")[2] if provider_id == "qbo" else remote_id


def _clean_typed(typed):
    typed = (typed or "").strip()
    if not typed:
        raise LinkRefused("Type the ledger's contact id.")
    if has_control_characters(typed) or len(typed) > REMOTE_ID_MAX or "/" in typed:
        raise LinkRefused(f"That is not a contact id: at most {REMOTE_ID_MAX} characters, "
                          "no slashes or control characters.")
    return typed


def _read(connection, operation):
    """operation(provider, ctx) on the connection; a failure becomes LinkRefused."""
    name = package_name(connection)
    if not connection.tokens:
        raise LinkRefused(f"{name} could not be asked: the connection holds no sign-in. "
                          "Reconnect it on Integrations. Nothing was saved.")
    try:
        return call_with_refresh(connection, operation)
    except ProviderError as exc:
        raise LinkRefused(f"{name} could not be asked ({exc.message}). Nothing was saved.") \
            from exc


def find_remote_contact(connection, typed, kind):
    """The ledger contact with the typed id, checked to be a `kind`; raises LinkRefused."""
    typed = _clean_typed(typed)
    name = package_name(connection)

    def lookup(provider, ctx):
        for candidate in _candidates(connection.provider, typed, kind):
            try:
                found = provider.get_contact(ctx, candidate)
            except ProviderError as exc:
                if exc.code not in NOT_FOUND_CODES:
                    raise
                found = None
            if found is not None:
                return found
        return None

    remote = _read(connection, lookup)
    if remote is None:
        raise LinkRefused(f"That is not a {name} contact id.")
    if not remote.active:
        raise LinkRefused(f"{name} contact {typed} ({remote.name}) is archived or inactive in "
                          "the ledger: restore it there, or link another contact.")
    strict = REGISTRY[connection.provider].contact_kinds_strict
    if strict and not _has_kind(remote, kind):
        other = "supplier" if kind == "customer" else "customer"
        raise LinkRefused(f"{name} contact {_shown_id(connection.provider, remote.id)} is a "
                          f"{other}, this document needs a {kind}.")
    return remote


def link_checked(connection, contact, typed, kind=None):
    """Check the typed id in the ledger, then link the contact to it; raises LinkRefused."""
    if connection is None:
        raise LinkRefused("Connect an accounting package first.")
    remote = find_remote_contact(connection, typed, kind or _needed_kind(contact))
    return set_link(connection, contact, remote.id), remote  # set_link rechecks its documents


def unlink(connection, contact):
    """Remove the contact's link in the connection (its documents are rechecked)."""
    set_link(connection, contact, "")


def _normal(text):
    return re.sub(r"[^0-9a-z]", "", (text or "").lower())


def _matches(contact, ledger):
    reasons = []
    if contact.email and ledger.email and contact.email.strip().lower() == \
            ledger.email.strip().lower():
        reasons.append("email")
    if _normal(contact.postcode) and _normal(contact.postcode) == _normal(ledger.postcode):
        reasons.append("postcode")
    if _normal(contact.vat_number) and _normal(contact.vat_number) == _normal(ledger.vat_number):
        reasons.append("VAT number")
    return reasons


BONUS = {"email": 25, "postcode": 10, "VAT number": 40}


def suggestions(connection, contact, kind=None, limit=SUGGESTIONS):
    """Cached ledger contacts ranked by name, email, postcode and VAT number, best first."""
    if connection is None:
        return []
    kind = kind or _needed_kind(contact)
    query = LedgerContact.select().where(LedgerContact.connection == connection,
                                         LedgerContact.active == True)  # noqa: E712
    if REGISTRY[connection.provider].contact_kinds_strict:
        query = query.where(LedgerContact.is_supplier == True if kind == "supplier"  # noqa: E712
                            else LedgerContact.is_customer == True)  # noqa: E712
    wanted = utils.default_process(contact.name)
    ranked = []
    for ledger in query.limit(20000):
        name_score = fuzz.WRatio(wanted, utils.default_process(ledger.name))
        reasons = _matches(contact, ledger)
        score = min(100.0, name_score + sum(BONUS[r] for r in reasons))
        if score < 50:
            continue
        exact = ledger.name.strip().casefold() == contact.name.strip().casefold()
        ranked.append(Suggestion(ledger, round(score, 1), reasons, exact))
    ranked.sort(key=lambda s: (not s.exact_name, -s.score, s.ledger.name))
    return ranked[:limit]


def new_contact_warning(connection, contact, ranked=None):
    """Why creating the contact in the ledger needs a confirmation, or None."""
    ranked = suggestions(connection, contact) if ranked is None else ranked
    close = [s for s in ranked if s.score >= CLOSE_MATCH]
    if close:
        best = close[0]
        why = f"{best.score:.0f}% alike" + (f", same {' and '.join(best.reasons)}"
                                              if best.reasons else "")
        email = f", {best.ledger.email}" if best.ledger.email else ""
        who = "supplier" if contact.kind == "supplier" else "customer"
        return (f"{package_name(connection)} already has a close match: {best.ledger.name} "
                f"({why}{email}). If that is the same {who}, press its Link this instead; "
                f"otherwise create {contact.name} anyway?")
    options = {**DEFAULT_OPTIONS, **(connection.options or {})}
    if contact.kind == "supplier" and options.get("warn_new_supplier"):
        return (f"This creates a new supplier, {contact.name}, in {package_name(connection)}. "
                "Create it?")
    return None


def create_in_ledger(connection, contact, confirmed=False):
    """Create the contact in the ledger and link it; raises LinkRefused when a confirmation is
    needed and not given, or the ledger refuses."""
    if connection is None:
        raise LinkRefused("Connect an accounting package first.")
    if link_in(connection, contact) is not None:
        raise LinkRefused(f"{contact.name} is already linked; unlink it first.")
    if not confirmed:
        warning = new_contact_warning(connection, contact)
        if warning:
            raise NeedsConfirmation(warning)
    new = NewContact(name=contact.name, kind=_needed_kind(contact), email=contact.email,
                     phone=contact.phone,
                     address_lines=[x for x in (contact.address_line1, contact.address_line2) if x],
                     city=contact.city, postcode=contact.postcode, country=contact.country,
                     vat_number=contact.vat_number, account_number=contact.number)
    created = _read(connection, lambda provider, ctx: provider.create_contact(ctx, new))
    LedgerContact.insert(connection=connection, remote_id=created.id, name=created.name,
                         is_customer=created.is_customer, is_supplier=created.is_supplier,
                         email=created.email or "", account_number=created.account_number or "",
                         active=created.active).on_conflict_ignore().execute()
    return set_link(connection, contact, created.id), created


def search_ledger(connection, text, kind):
    """Ledger contacts whose name or reference matches, read from the ledger (Sage's search)."""
    text = (text or "").strip()[:100]
    if not text or has_control_characters(text):
        return []
    found = _read(connection, lambda provider, ctx: provider.search_contacts(ctx, text))
    strict = REGISTRY[connection.provider].contact_kinds_strict
    return [c for c in found if c.active and (not strict or _has_kind(c, kind))][:20]


def search_cached(connection, text, limit=20):
    """Cached ledger contacts whose name contains the text (the contact screen's picker)."""
    from services.document_list import name_contains

    text = (text or "").strip()[:100]
    if connection is None or not text:
        return []
    return list(LedgerContact.select().where(
        LedgerContact.connection == connection, LedgerContact.active == True,  # noqa: E712
        name_contains(LedgerContact.name, text)).order_by(LedgerContact.name).limit(limit))


# Bulk: what `flask sync link-contacts` and the Sync page's "Link or create N contacts" do.
LINK, CREATE, DECIDE = "link", "create", "decide"


@dataclass
class ContactStep:
    """What a bulk fix would do for one unlinked contact, and one document of it to open."""

    contact: object
    action: str  # LINK (same name in the ledger), CREATE (no close match) or DECIDE
    match: Suggestion | None
    document_id: int
    asks_first: bool = False  # a new supplier while "warn before a new supplier" is on


def plan_step(connection, contact, document_id=0):
    """The step for one contact: the popup's rules (Link this on an exact name; Create new
    without a question when nothing is a close match; otherwise a person decides)."""
    ranked = suggestions(connection, contact)
    if ranked and ranked[0].exact_name:
        return ContactStep(contact, LINK, ranked[0], document_id)
    close = [s for s in ranked if s.score >= CLOSE_MATCH]
    if close:
        return ContactStep(contact, DECIDE, close[0], document_id)
    options = {**DEFAULT_OPTIONS, **(connection.options or {})}
    warn = contact.kind == "supplier" and bool(options.get("warn_new_supplier"))
    return ContactStep(contact, CREATE, None, document_id, asks_first=warn)


def unlinked_contacts(connection, kind=None, limit=500):
    """[(contact, one of its document ids)] whose documents (of a kind) are blocked by
    contact_not_linked, by name."""
    from models.contact import Contact
    from models.document import Document
    from models.sync import SyncRecord

    query = (Contact.select(Contact, fn.MIN(Document.id).alias("document_id"))
             .join(Document, on=(Document.contact == Contact.id))
             .join(SyncRecord, on=(SyncRecord.document == Document.id))
             .where(SyncRecord.connection == connection,
                    SyncRecord.code == "contact_not_linked"))
    if kind:
        query = query.where(SyncRecord.kind == kind)
    query = query.group_by(Contact.id).order_by(Contact.name, Contact.id).limit(limit)
    return [(contact, contact.document_id) for contact in query]


def plan_unlinked(connection, kind=None):
    """The steps for every unlinked contact with documents waiting (of a kind)."""
    if connection is None:
        return []
    return [plan_step(connection, contact, document_id)
            for contact, document_id in unlinked_contacts(connection, kind)]


def apply_step(connection, contact, create=True, create_supplier=False):
    """Do one contact's step, planned afresh (a contact created a moment ago can make another a
    close match); (outcome, what to say): linked, created, asked (left for a person), skipped
    or failed."""
    if link_in(connection, contact) is not None:
        return "skipped", f"{contact.name} is already linked."
    step = plan_step(connection, contact)
    if step.action == LINK:
        try:
            link_checked(connection, contact, step.match.ledger.remote_id)
        except LinkRefused as exc:
            return "failed", f"{contact.name}: {exc}"
        return "linked", f"{contact.name} is linked to {step.match.ledger.name}."
    if step.action == DECIDE:
        return "asked", (f"{contact.name}: {package_name(connection)} has a close match, "
                         f"{step.match.ledger.name}; decide yourself in its popup.")
    if not create or (step.asks_first and not create_supplier):
        return "asked", f"{contact.name} was not created."
    try:
        _link, created = create_in_ledger(connection, contact, confirmed=True)
    except LinkRefused as exc:
        return "failed", f"{contact.name}: {exc}"
    return "created", f"{created.name} is created in {package_name(connection)} and linked."


def fix_contacts(connection, contacts, create=True, create_suppliers=(), progress=None):
    """apply_step for each contact (suppliers in `create_suppliers`, by id, are created even
    when the warning is on); {outcome: count} and [(outcome, sentence)] in order.
    progress(done) is called after each."""
    counts = dict.fromkeys(("linked", "created", "asked", "skipped", "failed"), 0)
    said, allowed = [], set(create_suppliers)
    for done, contact in enumerate(contacts, 1):
        outcome, sentence = apply_step(connection, contact, create,
                                       create_supplier=contact.id in allowed)
        counts[outcome] += 1
        said.append((outcome, sentence))
        if progress is not None:
            progress(done)
    return counts, said
