"""The Sync page's bulk fixes against the Xero sandbox over HTTP: "Link or create N contacts"
(an exact name linked, no close match created through a real RQ worker, a close match left for
a person, a new supplier not created while the mapping warns) and "Mark N invoices sent" (one
confirm, the method kept, another kind's and unknown ids skipped and said)."""

import re

from conftest import csrf_token
from conftest import htmx_headers
from helpers.links import ledger_id
from helpers.sync import Db
from helpers.sync import add_ready
from helpers.sync import ready_world
from helpers.sync import run_in_worker
from test_sync_popup import _contact
from test_sync_popup import _ledger_customer
from test_sync_popup import _record
from test_sync_popup import _unlinked_document

from models.document import Document

WARN = {"send_files": False, "warn_new_supplier": True}


def _get(client, url):
    response = client.get(url, headers=htmx_headers())
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _post(client, url, data):
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, "/sync/")},
                           headers=htmx_headers())
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    return response.get_data(as_text=True)


def _section(html, section_id):
    return re.search(rf'id="{section_id}".*?</ul>', html, re.S).group(0)


def test_link_or_create_the_unlinked_contacts(sandbox_app, admin_web, staff_web):
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero", options=WARN)
    same = _ledger_customer(app, connection)
    linked_doc, same_no = _unlinked_document(app, connection, "S7501", same.name)
    fresh_doc, fresh_no = _unlinked_document(app, connection, "S7502", "Zebedee Quarry Holdings")
    close_doc, close_no = _unlinked_document(app, connection, "S7503", same.name + " Ltd.")
    supplier_doc, supplier_no = _unlinked_document(app, connection, "P7504",
                                                   "Brand New Scaffolding Supplies", "supplier")

    grid = _get(admin_web, "/sync/?kind=sales_invoice")
    assert "Link or create 3 contacts…" in grid and 'id="bulk-sent-open"' not in grid
    dialog = _get(admin_web, "/sync/bulk/contacts?kind=sales_invoice")
    assert f"Link to <strong>{same.name}</strong>" in _section(dialog, "bulk-links")
    assert "Zebedee Quarry Holdings" in _section(dialog, "bulk-creates")
    assert "Create in Xero" in _section(dialog, "bulk-creates")
    decide = _section(dialog, "bulk-decide")
    assert same.name + " Ltd." in decide and "% alike" in decide
    assert f'hx-get="/sync/documents/{close_doc.id}"' in decide  # its popup, for a person
    ids = re.findall(r'name="contact" value="(\d+)"', dialog)
    assert len(ids) == 2 and str(_contact(app, close_no).id) not in ids

    # One confirm (plus an unknown id, which is skipped and said): the job, then its poll.
    started = _post(admin_web, "/sync/bulk/contacts",
                    {"kind": "sales_invoice", "contact": [*ids, "999999", "junk"]})
    poll = re.search(r'hx-get="(/sync/bulk/contacts/[^"]+)"', started).group(1)
    assert 'id="bulk-done">0</span> of 2 done' in started
    run_in_worker(app)
    done = _get(admin_web, poll.replace("&amp;", "&"))
    assert "Linked 1, created 1" in done and "skipped 1" in done and "hx-trigger" not in done
    assert '<section id="sync-grid" class="sync-grid" hx-swap-oob="true">' in done
    assert "<template>" not in done  # the grid's own rows are plain rows, not out of band
    assert 'id="sync-menu"' in done and "Link or create 1 contact…" in done
    assert ledger_id(app, connection, _contact(app, same_no)) == same.remote_id
    assert ledger_id(app, connection, _contact(app, fresh_no)) not in ("", same.remote_id)
    assert ledger_id(app, connection, _contact(app, close_no)) == ""  # left for a person
    assert _record(app, connection, fresh_doc).state == "ready"

    # Already linked now: skipped, nothing started.
    again = _post(admin_web, "/sync/bulk/contacts", {"kind": "sales_invoice", "contact": ids})
    assert "Nothing to link or create: 2 skipped" in again

    # A new supplier while the mapping warns: listed apart, unticked; even sent as a plain
    # contact id (a forged form), the job leaves it alone. Staff may, as in the popup.
    suppliers = _get(staff_web, "/sync/bulk/contacts?kind=supplier_invoice")
    box = re.search(r'<input type="checkbox" name="supplier"[^>]*>', suppliers).group(0)
    assert "checked" not in box and "Brand New Scaffolding Supplies" in suppliers
    supplier_id = str(_contact(app, supplier_no).id)
    assert f'value="{supplier_id}"' in box
    started = _post(staff_web, "/sync/bulk/contacts",
                    {"kind": "supplier_invoice", "contact": supplier_id})
    run_in_worker(app)
    poll = re.search(r'hx-get="(/sync/bulk/contacts/[^"]+)"', started).group(1)
    done = _get(staff_web, poll.replace("&amp;", "&"))
    assert "Linked 0, created 0, left for you 1" in done and "was not created" in done
    assert ledger_id(app, connection, _contact(app, supplier_no)) == ""
    assert _record(app, connection, supplier_doc).code == "contact_not_linked"


def test_mark_the_unsent_invoices_sent(sandbox_app, admin_web, staff_web):
    app = sandbox_app
    connection = ready_world(app, admin_web, "xero")
    first = add_ready(app, connection, "S7601", sent=False)
    second = add_ready(app, connection, "S7602", sent=False)
    other_kind = add_ready(app, connection, "P7603", kind="supplier_invoice")
    with Db(app):
        from sync import records

        records.recheck_documents([first.id, second.id, other_kind.id])

    grid = _get(staff_web, "/sync/?kind=sales_invoice")
    assert "Mark 2 invoices sent…" in grid
    dialog = _get(staff_web, "/sync/bulk/sent?kind=sales_invoice")
    boxes = re.findall(r'<input type="checkbox" name="document" value="(\d+)" checked', dialog)
    assert boxes == [str(first.id), str(second.id)]
    assert "S7601" in dialog and "Sync Test Customer" in dialog
    assert 'id="bulk-sent-method"' in dialog

    nothing = _post(staff_web, "/sync/bulk/sent", {"kind": "sales_invoice"})
    assert "Tick at least one" in nothing
    answer = _post(staff_web, "/sync/bulk/sent", {
        "kind": "sales_invoice", "method": "post",
        "document": [*boxes, str(other_kind.id), "x"]})
    assert 'id="sync-actions"' not in answer  # the dialog closes
    assert "2 marked sent (post); 1 skipped" in answer
    assert 'hx-swap-oob="true"' in answer and 'id="bulk-sent-open"' not in answer
    assert "<template>" not in answer
    with Db(app):
        for doc in (first, second):
            assert Document.get_by_id(doc.id).sent_method == "post"
    assert _record(app, connection, first).state == "ready"
    assert _record(app, connection, second).state == "ready"
