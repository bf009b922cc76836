"""Sage 50 through Zynk: the download Zynk fetches and the success and fail files it posts back.

The same sync records, pre-flight checks, audit rows and lock as the pushed packages, with a pull
in the middle: a document goes in every download until Zynk confirms it ("sending" until then),
so a lost answer or a failed import is simply sent again, and Zynk's Prevent Duplicates skips
what Sage 50 already has. Chaining: a document waits for its customer or supplier to be
confirmed, a credit note for its invoice (the pre-flight check's waits_for_invoice), a receipt
or payment for its invoice (SalesReceipt / PurchasePayment transactions, Ids from 90,000,000).
"""

import datetime
from decimal import Decimal

from peewee import IntegrityError

from models import db
from models.contact import Contact
from models.document import Document
from models.integration import CONNECTED
from models.integration import MAPPING_ROLES
from models.payment import Payment
from models.sync import BLOCKED
from models.sync import EXCLUDED
from models.sync import FAILED
from models.sync import IN_LEDGER
from models.sync import READY
from models.sync import SENDING
from models.sync import UNCERTAIN
from models.sync import WAITING
from models.sync import SyncRecord
from models.zynk import CUSTOMER
from models.zynk import SUPPLIER
from models.zynk import ZynkContact
from models.zynk import ZynkLink
from providers.sage50.provider import INVOICE_TYPES
from providers.sage50.provider import INVOICE_XML
from providers.sage50.provider import PAYMENT_ID_BASE
from providers.sage50.provider import PAYMENT_TAX_CODE
from providers.sage50.provider import TRANSACTION_TYPES
from providers.sage50.provider import Sage50
from providers.sage50.provider import account_reference
from providers.sage50.wire import Export
from providers.sage50.wire import Party
from providers.sage50.wire import Row
from providers.sage50.wire import WireError
from providers.sage50.wire import company_xml
from providers.sage50.wire import confirmations
from providers.sage50.wire import failures
from providers.sage50.wire import read_company
from sync.preflight import AccountFacts
from sync.preflight import LedgerContactFacts
from sync.preflight import Snapshot
from sync.preflight import TaxFacts
from sync.preflight import check
from sync.preflight import role_for
from sync.records import PULL_RECHECKS
from sync.records import approved_ids
from sync.records import audit
from sync.records import mark_in_ledger
from sync.snapshot import CHUNK
from sync.snapshot import document_facts

WAITS_FOR_CONTACT = "waits_for_customer"
REFUSED = "sage50_refused"
DUPLICATE_WORDS = ("duplicate", "already exists", "already imported")
ROLE_TYPES = {"labour_sales": "income", "materials_sales": "income",
              "purchases": "cost_of_sales", "bank": "bank"}


class ZynkError(Exception):
    """A posted file that cannot be applied; nothing was changed. The message says why."""


def _now():
    return datetime.datetime.now()


def link_of(connection):
    """The Zynk link of a connection, or None."""
    return ZynkLink.get_or_none(ZynkLink.connection == connection)


def contact_kind(kind):
    """Sales documents need a Sage customer, supplier documents a supplier."""
    return CUSTOMER if kind.startswith("sales") else SUPPLIER


# --- the snapshot the pre-flight checks read ----------------------------------------------------


def snapshot(connection, link, facts=()):
    """The pre-flight Snapshot for a Sage 50 connection: nominal codes typed in, tax rates
    mapped to T-codes, Sage's length limits, GBP only; every contact counts as linked (Ledgerlink
    makes the Sage account itself, and chaining waits for it)."""
    codes = link.nominal_codes or {}
    roles = {role: AccountFacts(code, code, ROLE_TYPES[role], True)
             for role, code in codes.items() if role in ROLE_TYPES and code}
    empty = tuple(label for role, (label, _types) in MAPPING_ROLES.items()
                  if not codes.get(role) or not connection.mappings_confirmed)
    by_code = {}
    for fact in facts:
        for line in fact.lines:
            code = line.nominal_code
            if code and Sage50.valid_nominal_code(code):
                by_code[code] = AccountFacts(code, code, Sage50.account_type(code), True)
    taxes = tuple(TaxFacts(str(code), Decimal(rate), True, True, True)
                  for rate, code in (link.tax_codes or {}).items())
    contact_ids = {f.contact_id for f in facts}
    originals = [f.original_id for f in facts if f.original_id]
    in_ledger = set()
    for start in range(0, len(originals), CHUNK):
        in_ledger.update(r.document_id for r in SyncRecord.select(SyncRecord.document).where(
            SyncRecord.connection == connection, SyncRecord.state.in_(IN_LEDGER),
            SyncRecord.document.in_(originals[start:start + CHUNK])))
    return Snapshot(
        provider_id=Sage50.id, connection_id=connection.id,
        connected=connection.status == CONNECTED and connection.active,
        empty_roles=empty, role_accounts=roles, accounts_by_code=by_code, tax_rates=taxes,
        links={cid: f"zynk-{cid}" for cid in contact_ids},
        ledger_contacts={f"zynk-{cid}": LedgerContactFacts(True, True, True)
                         for cid in contact_ids},
        in_ledger=frozenset(in_ledger),
        ledger_numbers_sales=not (link.invoice_format == INVOICE_XML and link.manual_numbers),
        field_limits=Sage50.field_limits(link.invoice_format, link.manual_numbers),
        currencies=frozenset({"GBP"}))


def _accounts(connection, facts):
    """{(contact id, kind): ZynkContact} for the contacts of these documents."""
    wanted = {f.contact_id for f in facts}
    found = {}
    ids = list(wanted)
    for start in range(0, len(ids), CHUNK):
        for row in ZynkContact.select().where(ZynkContact.connection == connection,
                                              ZynkContact.contact.in_(ids[start:start + CHUNK])):
            found[(row.contact_id, row.kind)] = row
    return found


def _chained(verdict_code, verdict_message, fact, accounts):
    """A ready document whose customer or supplier is not confirmed yet waits for it."""
    if verdict_code != "ready":
        return verdict_code, verdict_message
    account = accounts.get((fact.contact_id, contact_kind(fact.kind)))
    if account is not None and account.confirmed_at is not None:
        return "ready", verdict_message
    who = contact_kind(fact.kind)
    message = (f"Waiting for Sage 50 to confirm the {who}; it goes in the download after "
               "Zynk's confirmation.")
    if account is not None and account.failed_reason:
        message = f"Sage 50 refused the {who}: {account.failed_reason}"
    return WAITS_FOR_CONTACT, message


def refresh(connection, link, document_ids=None, changed=False, counts=None):
    """Recompute the checks (and chaining) of approved documents on a Sage 50 connection; return
    {document id: (record, DocumentFacts)} of those ready to go or waiting only for their
    customer or supplier. A refused ("failed") document is reconsidered only when `changed`,
    with a new generation, as sync.records.recheck does; `counts` gathers {state: n}."""
    ids = approved_ids(connection) if document_ids is None else list(document_ids)
    pending = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        facts = [f for f in document_facts(chunk).values() if f.status == "approved"]
        shot = snapshot(connection, link, facts)
        accounts = _accounts(connection, facts)
        records = {r.document_id: r for r in SyncRecord.select().where(
            SyncRecord.connection == connection, SyncRecord.document.in_(chunk))}
        with db.atomic():
            for fact in facts:
                verdict = check(fact, shot)
                code, message = _chained(verdict.code, verdict.message, fact, accounts)
                record = _write(connection, records.get(fact.id), fact, code, message, changed)
                if counts is not None:
                    counts[record.state] = counts.get(record.state, 0) + 1
                if record.state == SENDING or code in ("ready", WAITS_FOR_CONTACT) \
                        and record.state in (READY, WAITING):
                    pending[fact.id] = (record, fact)
    return pending


def _state_for(code):
    if code == "ready":
        return READY
    return WAITING if code in ("waits_for_invoice", WAITS_FOR_CONTACT) else BLOCKED


def _write(connection, record, fact, code, message, changed=False):
    state = _state_for(code)
    if record is None:
        return SyncRecord.create(document=fact.id, connection=connection, kind=fact.kind,
                                 state=state, code=code, message=message)
    if record.state in (SENDING, UNCERTAIN, EXCLUDED) or record.state in IN_LEDGER \
            or (record.state == FAILED and not changed):
        return record  # a send in progress, a person's decision, a refusal: left as they are
    update = {"state": state, "code": code, "message": message, "kind": fact.kind,
              "updated_at": _now()}
    if record.state == FAILED:
        update.update(generation=record.generation + 1, attempts=0)
    if (record.state, record.code, record.message) != (state, code, message):
        SyncRecord.update(**update).where(SyncRecord.id == record.id).execute()
        record.state, record.code, record.message = state, code, message
    return record


def recheck(connection, document_ids=None, changed=True):
    """sync.records.recheck for a Sage 50 connection (its checks need this module's snapshot):
    {state: count}. The hook the engine's recheck can hand pull connections to."""
    link = link_of(connection)
    if link is None:
        return {}
    counts = {}
    refresh(connection, link, document_ids, changed=changed, counts=counts)
    return counts


# --- the download -------------------------------------------------------------------------------


def _taken(connection, kind):
    return {row.account_reference for row in ZynkContact.select(
        ZynkContact.account_reference).where(ZynkContact.connection == connection,
                                             ZynkContact.kind == kind)}


def _ensure_accounts(connection, needed):
    """The ZynkContact of each (contact id, kind) needed, made with a new reference if none."""
    accounts = {}
    for kind in (CUSTOMER, SUPPLIER):
        ids = sorted(cid for cid, k in needed if k == kind)
        if not ids:
            continue
        rows = {r.contact_id: r for r in ZynkContact.select().where(
            ZynkContact.connection == connection, ZynkContact.kind == kind,
            ZynkContact.contact.in_(ids))}
        taken = _taken(connection, kind)
        for contact in Contact.select().where(Contact.id.in_(ids)).order_by(Contact.id):
            row = rows.get(contact.id) or _new_account(connection, contact, kind, taken)
            accounts[(contact.id, kind)] = (row, contact)
    return accounts


def _new_account(connection, contact, kind, taken):
    """A ZynkContact with a new unique reference. Two downloads at once (Zynk retrying after a
    timeout) may race: the loser takes the winner's row, or the next free reference."""
    for _attempt in range(5):
        reference = account_reference(contact.name, taken, existing=contact.number)
        try:
            with db.atomic():
                return ZynkContact.create(connection=connection, contact=contact, kind=kind,
                                          account_reference=reference)
        except IntegrityError:
            row = ZynkContact.get_or_none(ZynkContact.connection == connection,
                                          ZynkContact.contact == contact,
                                          ZynkContact.kind == kind)
            if row is not None:
                return row
            taken |= _taken(connection, kind) | {reference}
    raise ZynkError("Could not give the contact a free Sage account reference; try again.")


def _party(row, contact):
    return Party(id=contact.id, account_reference=row.account_reference,
                 name=contact.name[:60], vat_number=contact.vat_number[:30],
                 address1=contact.address_line1[:60], address2=contact.address_line2[:60],
                 town=contact.city[:60], postcode=contact.postcode[:10],
                 country=contact.country, telephone=contact.phone[:30],
                 email=contact.email[:255])


def _rows(fact, link):
    """One Row per line, with its nominal code and T-code; None when a code is missing now (the
    mapping changed after the document was first sent: it waits for the mapping)."""
    codes, taxes = link.nominal_codes or {}, link.tax_codes or {}
    rows = []
    for line in fact.lines:
        nominal = line.nominal_code or codes.get(role_for(line, fact), "")
        tax_code = Sage50.tax_code_for(line.tax_rate, taxes)
        if not nominal or tax_code is None:
            return None
        rows.append(Row(details=line.description, quantity=line.quantity,
                        unit_price=line.unit_price, net=line.net, tax=line.tax,
                        nominal_code=nominal, tax_code=tax_code))
    return rows


def download(connection, link):
    """The <Company> XML Zynk fetches: the customers and suppliers pending documents need and
    Sage 50 has not confirmed, then every ready or unconfirmed document whose customer or
    supplier is confirmed. Outside test mode, documents sent become "sending" (audited once); in
    test mode nothing is marked, and since nothing is ever confirmed there, documents (and their
    payments) come in the same file as their new customers, which Zynk imports first."""
    pending = refresh(connection, link)
    needed = {(fact.contact_id, contact_kind(fact.kind)) for _record, fact in pending.values()}
    with db.atomic():
        accounts = _ensure_accounts(connection, needed)
        customers = [_party(row, contact) for (_cid, kind), (row, contact) in
                     sorted(accounts.items()) if kind == CUSTOMER and row.confirmed_at is None]
        suppliers = [_party(row, contact) for (_cid, kind), (row, contact) in
                     sorted(accounts.items()) if kind == SUPPLIER and row.confirmed_at is None]
        invoices, transactions, sent = [], [], []
        for doc_id in sorted(pending):
            record, fact = pending[doc_id]
            row, _contact = accounts[(fact.contact_id, contact_kind(fact.kind))]
            if row.confirmed_at is None and not link.test_mode:
                continue  # chaining: the document goes after its customer is confirmed
            rows = _rows(fact, link)
            if rows is None:
                continue
            export = Export(id=fact.id, kind=fact.kind, account_reference=row.account_reference,
                            contact_id=fact.contact_id, number=fact.number, date=fact.issue_date,
                            due_date=fact.due_date, reference=fact.reference, rows=rows)
            if fact.kind in INVOICE_TYPES and link.invoice_format == INVOICE_XML:
                if link.manual_numbers:
                    export.invoice_number = fact.number
                invoices.append(export)
            else:
                transactions.append(export)
            sent.append(record)
        payments = _payments(connection, link, {record.document_id for record in sent})
        body = company_xml(customers, suppliers, invoices, transactions, INVOICE_TYPES,
                           TRANSACTION_TYPES, [export for export, _payment in payments])
        if not link.test_mode:
            _mark_sending(sent)
            _mark_exported(connection, [payment for _export, payment in payments])
        ZynkLink.update(last_download_at=_now()).where(ZynkLink.id == link.id).execute()
    return body


def _payments(connection, link, in_file=()):
    """[(Export, Payment)] for every unconfirmed payment whose invoice Sage 50 has confirmed
    (chaining: no payment before its invoice), allocated by the invoice's reference in Sage. In
    test mode, where nothing is ever confirmed, also those whose invoice is in the same file."""
    confirmed = SyncRecord.select(SyncRecord.document).where(
        SyncRecord.connection == connection, SyncRecord.state.in_(IN_LEDGER))
    wanted = Payment.document.in_(confirmed)
    if link.test_mode and in_file:
        wanted = wanted | Payment.document.in_(list(in_file))
    found = []
    for payment in (Payment.select(Payment, Document).join(Document)
                    .where(wanted, Payment.confirmed_at.is_null())
                    .order_by(Payment.id)):
        document = payment.document
        account = ZynkContact.get_or_none(ZynkContact.connection == connection,
                                          ZynkContact.contact == document.contact_id,
                                          ZynkContact.kind == contact_kind(document.kind))
        bank = payment.bank_code or (link.nominal_codes or {}).get("bank", "")
        if account is None or not bank or (account.confirmed_at is None and not link.test_mode):
            continue
        record = SyncRecord.get_or_none(SyncRecord.connection == connection,
                                        SyncRecord.document == document.id)
        # Sage's reference of the invoice: our number, or the number Sage gave an invoice sent
        # as Invoice XML without manual numbers.
        reference = document.number
        if document.kind in INVOICE_TYPES and record is not None and record.ledger_number \
                and not record.ledger_number.startswith("zynk-") \
                and link.invoice_format == INVOICE_XML and not link.manual_numbers:
            reference = record.ledger_number
        kind = "sales_receipt" if document.kind.startswith("sales") else "supplier_payment"
        row = Row(details=f"Payment for {document.number}"[:60], quantity=Decimal("1"),
                  unit_price=Decimal(payment.amount), net=Decimal(payment.amount),
                  tax=Decimal("0"), nominal_code=bank, tax_code=PAYMENT_TAX_CODE)
        found.append((Export(id=PAYMENT_ID_BASE + payment.id, kind=kind,
                             account_reference=account.account_reference,
                             contact_id=document.contact_id, number=reference,
                             date=payment.paid_on, due_date=None, reference=payment.reference,
                             rows=[row], bank_reference=bank), payment))
    return found


def _mark_exported(connection, payments):
    ids = [p.id for p in payments if p.exported_at is None]
    if ids:
        Payment.update(exported_at=_now(), connection=connection).where(
            Payment.id.in_(ids)).execute()


def _mark_sending(records):
    for record in records:
        if record.state == SENDING:
            SyncRecord.update(attempts=SyncRecord.attempts + 1).where(
                SyncRecord.id == record.id).execute()
            continue
        changed = SyncRecord.update(
            state=SENDING, code="sent_to_zynk", attempts=SyncRecord.attempts + 1,
            message="In Zynk's download; waiting for Sage 50's confirmation.",
            updated_at=_now()).where(SyncRecord.id == record.id,
                                     SyncRecord.state.in_((READY, WAITING))).execute()
        if changed:
            audit(record, "downloaded", "sent_to_zynk", "Fetched by Zynk for Sage 50.")


# --- the success and fail files -----------------------------------------------------------------


def _entries(body, reader):
    """What a posted file lists ({record: [(Id, value)]}), or ZynkError saying why not."""
    try:
        return reader(read_company(body))
    except WireError as exc:
        raise ZynkError(str(exc)) from exc


def _known(connection, entries):
    """(accounts {(id, kind): ZynkContact}, records {id: SyncRecord}) named by a file, or
    ZynkError naming the ids this connection does not know or did not send."""
    accounts, records, unknown = {}, {}, []
    for record_name, pairs in entries.items():
        ids = sorted({entry_id for entry_id, _value in pairs})
        if record_name in ("Customer", "Supplier"):
            kind = CUSTOMER if record_name == "Customer" else SUPPLIER
            rows = {r.contact_id: r for r in ZynkContact.select().where(
                ZynkContact.connection == connection, ZynkContact.kind == kind,
                ZynkContact.contact.in_(ids))}
            unknown += [f"{record_name} {i}" for i in ids if i not in rows]
            accounts.update({(i, kind): rows[i] for i in ids if i in rows})
        else:
            payment_ids = [i - PAYMENT_ID_BASE for i in ids if i > PAYMENT_ID_BASE]
            ids = [i for i in ids if i < PAYMENT_ID_BASE]
            rows = {r.document_id: r for r in SyncRecord.select().where(
                SyncRecord.connection == connection, SyncRecord.document.in_(ids),
                SyncRecord.state.in_((SENDING, *IN_LEDGER)))}
            unknown += [f"{record_name} {i}" for i in ids if i not in rows]
            records.update(rows)
            paid = {p.id: p for p in Payment.select().where(
                Payment.id.in_(payment_ids), Payment.connection == connection,
                Payment.exported_at.is_null(False))}
            unknown += [f"{record_name} {i + PAYMENT_ID_BASE}" for i in payment_ids
                        if i not in paid]
            records.update({i + PAYMENT_ID_BASE: p for i, p in paid.items()})
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5
                                          else "")
        raise ZynkError(f"The file names records this connection did not send: {shown}. "
                        "Nothing was recorded. Is Zynk posting another company's file?")
    return accounts, records


def confirm(connection, link, body):
    """Apply a success file: each customer or supplier confirmed with Sage's account reference,
    each document synced with Sage's invoice or transaction number, and locked. A second post of
    the same file changes nothing. Returns {"confirmed": n, "already": m}."""
    entries = _entries(body, confirmations)
    if link.test_mode:
        return {"confirmed": 0, "already": 0, "test_mode": True}
    accounts, records = _known(connection, entries)
    counts = {"confirmed": 0, "already": 0}
    now = _now()
    with db.atomic():
        for record_name in ("Customer", "Supplier"):
            kind = CUSTOMER if record_name == "Customer" else SUPPLIER
            for entry_id, reference in entries.get(record_name, ()):
                row = accounts[(entry_id, kind)]
                counts[_confirm_account(row, reference, now)] += 1
        for record_name in ("Invoice", "Transaction"):
            seen = set()
            for entry_id, number in entries.get(record_name, ()):
                if entry_id in seen:
                    continue  # a transaction's splits repeat its Id
                seen.add(entry_id)
                record = records[entry_id]
                if isinstance(record, Payment):
                    counts[_confirm_payment(record, number, now)] += 1
                    continue
                if record.state in IN_LEDGER:
                    counts["already"] += 1
                    continue
                mark_in_ledger(record, number or f"zynk-{entry_id}", number,
                               ledger_total=Document.get_by_id(entry_id).gross_total,
                               message=f"In Sage 50 as {number}." if number else "In Sage 50.")
                audit(record, "confirmed", "synced",
                      f"Zynk confirmed it; Sage 50 number {number or '(not given)'}.")
                counts["confirmed"] += 1
        ZynkLink.update(last_confirmation_at=now).where(ZynkLink.id == link.id).execute()
    return counts


def _confirm_account(row, reference, now):
    if row.confirmed_at is not None:
        return "already"
    update = {"confirmed_at": now, "failed_reason": ""}
    reference = (reference or "").strip().upper()
    if reference and reference != row.account_reference and len(reference) <= 8:
        clash = ZynkContact.get_or_none(ZynkContact.connection == row.connection_id,
                                        ZynkContact.kind == row.kind,
                                        ZynkContact.account_reference == reference)
        if clash is None:
            update["account_reference"] = reference  # Sage's own reference wins
    ZynkContact.update(**update).where(ZynkContact.id == row.id).execute()
    return "confirmed"


def _confirm_payment(payment, number, now):
    if payment.confirmed_at is not None:
        return "already"
    Payment.update(confirmed_at=now, ledger_number=number or "", failed_reason="").where(
        Payment.id == payment.id).execute()
    return "confirmed"


def _is_duplicate(reason):
    lowered = reason.lower()
    return any(word in lowered for word in DUPLICATE_WORDS)


def record_failures(connection, link, body):
    """Apply a fail file: Sage 50's reason on each refused document (failed, with the reason,
    until someone retries or changes it) or customer (its documents keep waiting, saying why).
    A record refused as a duplicate (Prevent Duplicates: Sage 50 has it already) counts as
    confirmed. Returns {"failed": n, "duplicates": m, "already": k}."""
    entries = _entries(body, failures)
    if link.test_mode:
        return {"failed": 0, "duplicates": 0, "already": 0, "test_mode": True}
    accounts, records = _known(connection, entries)
    counts = {"failed": 0, "duplicates": 0, "already": 0}
    now = _now()
    with db.atomic():
        for record_name in ("Customer", "Supplier"):
            kind = CUSTOMER if record_name == "Customer" else SUPPLIER
            for entry_id, reason in entries.get(record_name, ()):
                row = accounts[(entry_id, kind)]
                if row.confirmed_at is not None:
                    counts["already"] += 1
                elif _is_duplicate(reason):
                    _confirm_account(row, "", now)
                    counts["duplicates"] += 1
                else:
                    ZynkContact.update(failed_reason=reason).where(
                        ZynkContact.id == row.id).execute()
                    counts["failed"] += 1
        seen = set()
        for record_name in ("Invoice", "Transaction"):
            for entry_id, reason in entries.get(record_name, ()):
                if entry_id in seen:
                    continue
                seen.add(entry_id)
                counts[_fail_document(records[entry_id], entry_id, reason)] += 1
        ZynkLink.update(last_fail_file_at=now).where(ZynkLink.id == link.id).execute()
    return counts


def _fail_document(record, entry_id, reason):
    if isinstance(record, Payment):
        if record.confirmed_at is not None:
            return "already"
        if _is_duplicate(reason):
            _confirm_payment(record, "", _now())
            return "duplicates"
        Payment.update(failed_reason=f"Sage 50 refused: {reason}").where(
            Payment.id == record.id).execute()
        return "failed"
    if record.state in IN_LEDGER:
        return "already"
    if _is_duplicate(reason):
        mark_in_ledger(record, f"zynk-{entry_id}", "",
                       ledger_total=Document.get_by_id(entry_id).gross_total,
                       message="Sage 50 already had it (Zynk's Prevent Duplicates).")
        audit(record, "confirmed", "synced", f"Zynk: {reason}")
        return "duplicates"
    message = f"Sage 50 refused: {reason}"
    SyncRecord.update(state=FAILED, code=REFUSED, message=message, updated_at=_now()).where(
        SyncRecord.id == record.id).execute()
    audit(record, "refused", REFUSED, message)
    return "failed"


PULL_RECHECKS["sage50"] = recheck
