"""The Sync page: menu counts, connection panel, each filter and state, search, keyset pages,
the progress poll (polling while active, no trigger once ended) and rows changed in place."""

import datetime
import re

import pytest
from conftest import csrf_token
from conftest import htmx_headers
from helpers.docs import add_contact
from helpers.docs import add_document
from helpers.links import add_connection

import models
from models.integration import Connection
from models.sync import SyncRecord
from models.sync import SyncRun
from sync import grid

STATES = ("blocked", "ready", "sending", "uncertain", "synced", "synced_with_variance",
          "failed", "waiting", "excluded")
CODES = {"blocked": "contact_not_linked", "ready": "ready", "sending": "ready",
         "uncertain": "uncertain", "synced": "synced", "synced_with_variance": "variance",
         "failed": "validation", "waiting": "retry_waiting", "excluded": "excluded"}


def _db(app):
    class _Ctx:
        def __enter__(self):
            self.a = app.app_context()
            self.a.__enter__()
            self.c = models.db.connection_context()
            self.c.__enter__()

        def __exit__(self, *exc):
            self.c.__exit__(*exc)
            self.a.__exit__(*exc)

    return _Ctx()


def add_record(app, connection, document, state, **fields):
    """A sync record as the engine leaves it (replacing the one the document's checks made)."""
    with _db(app):
        SyncRecord.delete().where(SyncRecord.document == document.id,
                                  SyncRecord.connection == connection.id).execute()
        return SyncRecord.create(document=document.id, connection=connection.id,
                                 kind=document.kind, state=state, code=CODES[state],
                                 **fields)


@pytest.fixture
def world(app):
    """A connection and one sales invoice in each state (S1.. in date order)."""
    add_contact(app)
    add_contact(app, "A0002", "Quay Trading")
    connection = add_connection(app, "xero", "org-1", "Harbour Lettings Ltd")
    records = {}
    for n, state in enumerate(STATES, start=1):
        document = add_document(app, f"S{n}", issue_date=f"2026-03-{n:02d}",
                                contact_number="A0002" if state == "failed" else "A0001")
        extra = {}
        if state in ("synced", "synced_with_variance"):
            extra = {"ledger_number": f"INV-{n}", "remote_id": f"r-{n}",
                     "ledger_url": f"https://ledger.example/inv/{n}"}
        records[state] = add_record(app, connection, document, state, **extra)
    return connection, records


def _ids(html):
    return [int(x) for x in re.findall(r'id="sync-row-(\d+)"', html)]


def test_the_page_shows_menu_counts_panel_and_grid(app, staff_client, world):
    connection, records = world
    html = staff_client.get("/sync/").get_data(as_text=True)
    assert '<a href="/sync/" aria-current="page">Sync</a>' in html  # in the sidebar
    waiting = [s for s in STATES if s in grid.WAITING_STATES]
    assert re.search(r'id="count-sales_invoice"[^>]*>(\d+)<', html).group(1) == str(len(waiting))
    assert re.search(r'id="count-supplier_invoice"[^>]*>(\d+)<', html).group(1) == "0"
    assert "Connected" in html and "Harbour Lettings Ltd" in html and "Xero" in html
    assert "Sandbox" not in html.split('id="sync-connection"')[1].split("</article>")[0]
    assert sorted(_ids(html)) == sorted(records[s].id for s in waiting)
    assert 'id="sync-now"' in html and 'id="sync-auto"' in html
    assert "No run yet." in html
    # Staff see no Disconnect; the panel's connection actions are for admins.
    assert 'id="sync-disconnect"' not in html


def test_admins_get_disconnect_and_reconnect(app, admin_client, world):
    connection, _records = world
    with _db(app):
        Connection.update(status="needs_reconnect", status_reason="The sign-in was revoked.").where(
            Connection.id == connection.id).execute()
    html = admin_client.get("/sync/").get_data(as_text=True)
    panel = html.split('id="sync-connection"')[1].split("</article>")[0]
    assert "Needs reconnect" in panel and "The sign-in was revoked." in panel
    assert 'id="sync-reconnect"' in panel and 'id="sync-disconnect"' in panel
    assert 'id="sync-now" disabled' in html  # nothing starts on a connection needing reconnect


def test_not_connected(app, staff_client):
    html = staff_client.get("/sync/").get_data(as_text=True)
    assert "Not connected" in html and "badge-bad" in html
    assert "An administrator connects one on Integrations." in html
    assert 'id="sync-now" disabled' in html


@pytest.fixture(params=["sorted", "walked"])
def plan(request, monkeypatch):
    """Both ways the grid reads a page: few matches sorted, or documents walked in order."""
    if request.param == "walked":
        monkeypatch.setattr(grid, "FEW", 0)
    return request.param


@pytest.mark.parametrize("state_filter", list(grid.FILTERS))
def test_each_filter_shows_its_states(app, staff_client, world, state_filter, plan):
    _connection, records = world
    response = staff_client.get(f"/sync/?filter={state_filter}", headers=htmx_headers())
    html = response.get_data(as_text=True)
    assert html.startswith('<section id="sync-grid"')  # the grid alone for htmx
    states = grid.FILTERS[state_filter][1] or STATES
    assert _ids(html) == [records[s].id for s in STATES if s in states]  # oldest first
    for state in states:
        row = re.search(rf'id="sync-row-{records[state].id}".*?</tr>', html, re.S).group(0)
        assert f"state-{state}" in row and CODES[state] in row


def test_synced_rows_show_the_ledger_number_and_link(app, staff_client, world):
    _connection, records = world
    html = staff_client.get("/sync/?filter=synced", headers=htmx_headers()).get_data(as_text=True)
    row = re.search(rf'id="sync-row-{records["synced"].id}".*?</tr>', html, re.S).group(0)
    assert "INV-5" in row and 'href="https://ledger.example/inv/5"' in row
    assert "open in the package" in row
    nav = re.search(r'<td class="nav-cell">.*?</td>', row, re.S).group(0)
    assert "/documents/" in nav and "/contacts/" in nav and "S5" in nav and "A0001" in nav


def test_search_by_number_or_contact(app, staff_client, world, plan):
    _connection, records = world
    by_number = staff_client.get("/sync/?filter=all&q=S3", headers=htmx_headers())
    assert _ids(by_number.get_data(as_text=True)) == [records[STATES[2]].id]
    by_contact = staff_client.get("/sync/?filter=all&q=quay", headers=htmx_headers())
    assert _ids(by_contact.get_data(as_text=True)) == [records["failed"].id]
    none = staff_client.get("/sync/?filter=all&q=zzz", headers=htmx_headers())
    assert "Nothing matches" in none.get_data(as_text=True)


def test_keyset_pages_cover_every_row_once(app, staff_client, world, monkeypatch, plan):
    monkeypatch.setattr(grid, "PAGE_SIZE", 2)
    _connection, records = world
    seen, url = [], "/sync/?filter=all"
    while url:
        html = staff_client.get(url, headers=htmx_headers()).get_data(as_text=True)
        seen += _ids(html)
        match = re.search(r'id="next-page" hx-get="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert seen == [records[s].id for s in STATES]


def test_junk_arguments_never_fail(app, staff_client, world):
    for query in ("kind=zzz&filter=zzz", "cursor=%00%ff", "cursor=AAAAAAAAAAAAAAAAAAAAAA",
                  "q=%00", "q=" + "x" * 5000):
        assert staff_client.get(f"/sync/?{query}").status_code == 200, query
        assert staff_client.get(f"/sync/?{query}", headers=htmx_headers()).status_code == 200


def _run(app, connection, state="running", **fields):
    now = datetime.datetime.now()
    with _db(app):
        return SyncRun.create(connection=connection.id, kind="sales_invoice", mode="auto",
                              started_at=now - datetime.timedelta(seconds=30),
                              deadline=now + datetime.timedelta(minutes=20), state=state,
                              active_connection=connection.id if state == "running" else None,
                              **fields)


def test_the_progress_poll_repeats_while_running_and_stops_when_ended(app, staff_client, world):
    connection, records = world
    run = _run(app, connection, total=10, sent=4, synced=3, failed=1, left=6)
    page = staff_client.get("/sync/").get_data(as_text=True)
    widget = re.search(r'<section id="sync-progress".*?>', page, re.S).group(0)
    assert 'hx-trigger="load delay:1s"' in widget and f"/sync/runs/{run.id}" in widget
    assert '<progress id="sync-progress-bar" value="4" max="10">' in page
    assert 'id="run-sent">4<' in page and 'id="run-left">6<' in page
    assert 'id="sync-stop"' in page and 'id="sync-now" disabled' in page
    poll = staff_client.get(f"/sync/runs/{run.id}?kind=sales_invoice", headers=htmx_headers())
    fragment = poll.get_data(as_text=True)
    assert fragment.startswith('<section id="sync-progress"') and "hx-trigger" in fragment
    assert "sync-menu" not in fragment  # counts come only with the final state
    with _db(app):
        SyncRun.update(state="finished", active_connection=None, sent=10, synced=10, left=0,
                       finished_at=datetime.datetime.now()).where(SyncRun.id == run.id).execute()
    final = staff_client.get(f"/sync/runs/{run.id}", headers=htmx_headers()).get_data(as_text=True)
    assert "hx-trigger" not in final and "hx-get" not in final.split("</section>")[0].split(
        'class="sync-toolbar"')[0]
    assert "finished" in final and 'id="run-synced">10<' in final
    assert ('id="sync-menu" class="sync-menu" aria-label="Document kinds" hx-swap-oob="true"'
            in final)


def test_the_poll_swaps_in_visible_rows_the_run_changed(app, staff_client, world):
    connection, records = world
    run = _run(app, connection, total=1, left=1)
    since = datetime.datetime.now()
    ready, blocked = records["ready"], records["blocked"]
    with _db(app):
        SyncRecord.update(updated_at=since - datetime.timedelta(minutes=5)).execute()
        SyncRecord.update(state="synced", code="synced", ledger_number="INV-99",
                          updated_at=since + datetime.timedelta(seconds=5)).where(
            SyncRecord.id == ready.id).execute()
    poll = staff_client.get(f"/sync/runs/{run.id}", headers=htmx_headers(), query_string={
        "visible": f"{ready.id},{blocked.id},junk", "since": since.isoformat()})
    html = poll.get_data(as_text=True)
    assert f'<template>\n<tr id="sync-row-{ready.id}"' in html
    assert 'hx-swap-oob="true"' in html and "INV-99" in html
    assert f'id="sync-row-{blocked.id}"' not in html  # unchanged since the last poll
    for junk in ("since=yesterday", "visible=%00,,-1,99999999999999999999999"):
        assert staff_client.get(f"/sync/runs/{run.id}?{junk}").status_code == 200


def test_staff_can_sync_but_cannot_connect(app, staff_client, world):
    connection, _records = world
    token = csrf_token(staff_client, "/sync/")
    started = staff_client.post("/sync/runs", headers=htmx_headers(),
                                data={"csrf_token": token, "kind": "sales_invoice",
                                      "mode": "sync"})
    html = started.get_data(as_text=True)
    assert started.status_code == 200 and 'id="sync-stop"' in html
    with _db(app):
        run = SyncRun.get(SyncRun.connection == connection.id)
        assert run.mode == "sync" and run.state == "queued" and run.limit == 5
    again = staff_client.post("/sync/runs", headers=htmx_headers(),
                              data={"csrf_token": token, "kind": "sales_invoice",
                                    "mode": "auto"})
    assert "A run is already going" in again.get_data(as_text=True)
    with _db(app):
        assert SyncRun.select().count() == 1
    stopped = staff_client.post(f"/sync/runs/{run.id}/stop", headers=htmx_headers(),
                                data={"csrf_token": token})
    assert "Stopping after the documents in flight" in stopped.get_data(as_text=True)
    with _db(app):
        assert SyncRun.get_by_id(run.id).stop_requested
    refused = staff_client.post("/integrations/xero/connect", data={"csrf_token": token})
    assert refused.status_code == 403
    refused = staff_client.post(f"/integrations/{connection.id}/disconnect",
                                data={"csrf_token": token})
    assert refused.status_code == 403


def test_a_second_person_sees_the_same_run(app, staff_client, admin_client, world):
    connection, _records = world
    run = _run(app, connection, total=3, left=3)
    for client in (staff_client, admin_client):
        html = client.get("/sync/").get_data(as_text=True)
        assert f'data-run-id="{run.id}"' in html


def test_the_invoice_screen_shows_its_sync_state(app, staff_client, world):
    _connection, records = world
    synced = records["synced"]
    html = staff_client.get(f"/documents/{synced.document_id}").get_data(as_text=True)
    state = html.split('id="sync-state"')[1].split("</p>")[0]
    assert "Synced" in state and "INV-5" in state and "https://ledger.example/inv/5" in state
    assert 'id="go-to-sync"' in html and "show it on Sync" in state


def test_the_menu_counts_up_to_a_cap(app, staff_client, world, monkeypatch):
    monkeypatch.setattr(grid, "COUNT_CAP", 3)
    monkeypatch.setitem(app.jinja_env.globals, "count_cap", 3)
    html = staff_client.get("/sync/").get_data(as_text=True)
    assert re.search(r'id="count-sales_invoice"[^>]*>([^<]+)<', html).group(1) == "3+"
    assert re.search(r'id="count-supplier_invoice"[^>]*>([^<]+)<', html).group(1) == "0"
