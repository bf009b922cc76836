"""The Sync page: menu of kinds with waiting counts, connection panel, toolbar, grid."""

import datetime

from flask import g
from flask import render_template
from flask import request
from flask import url_for

from connections.ratelimit import RedisGate
from connections.tokens import provider_for
from models.integration import Connection
from providers import PULL_REGISTRY
from providers import REGISTRY
from sync import grid
from sync import zynk
from sync.runs import active_run
from sync.runs import latest_run
from views._access import login_required
from views._htmx import is_partial
from views.sync.runs import progress_context
from worker.queue import get_redis


def row_urls():
    """URL prefixes for the grid's links, built once per request rather than once per row."""
    if "sync_row_urls" not in g:
        g.sync_row_urls = {
            "document": url_for("documents.detail", document_id=0)[:-1],
            "contact": url_for("contacts.detail", contact_id=0)[:-1],
            "actions": url_for("sync.actions", document_id=0)[:-1]}
    return g.sync_row_urls


def _renew_by(connection, provider_class):
    """When the grant must next be renewed (its refresh token lapses), or None."""
    if connection.refresh_expires_at:
        return datetime.datetime.fromtimestamp(connection.refresh_expires_at)
    if provider_class.refresh_token_days and connection.refreshed_at:
        return datetime.datetime.fromtimestamp(
            connection.refreshed_at + provider_class.refresh_token_days * 86400)
    return None


def connection_panel(connection):
    """What the connection panel shows (None fields where there is nothing to say)."""
    if connection is None:
        return {"connection": None}
    if connection.provider in PULL_REGISTRY:
        return pull_panel(connection)
    provider_class = REGISTRY.get(connection.provider)
    if provider_class is None:
        return {"connection": None}
    provider = provider_for(connection.provider)
    quota = {}
    if connection.organisation_id:
        quota = RedisGate(get_redis(), connection.provider, connection.organisation_id).quota()
    return {"connection": connection, "package": provider_class.name,
            "sandbox": provider.is_sandbox, "quota": quota,
            "renew_by": _renew_by(connection, provider_class)}


def pull_panel(connection):
    """The panel for a package that fetches from us (Sage 50 through Zynk): its last download
    and confirmation instead of call allowances and renewals."""
    link = zynk.link_of(connection)
    return {"connection": connection, "package": PULL_REGISTRY[connection.provider].name,
            "pull": True, "test_mode": bool(link and link.test_mode),
            "last_download": link.last_download_at if link else None,
            "last_confirmation": link.last_confirmation_at if link else None}


def grid_context(connection, args):
    """The grid's rows, filters and next page link from request arguments."""
    kind = grid.chosen_kind(args.get("kind"))
    state_filter = grid.chosen_filter(args.get("filter"))
    q = (args.get("q") or "").strip()[:100]
    rows, next_cursor = grid.grid_page(connection, kind, state_filter, q, args.get("cursor"))
    filters = {"kind": kind, "filter": state_filter, "q": q}
    next_url = url_for("sync.index", cursor=next_cursor, **filters) if next_cursor else None
    return {"rows": rows, "kind": kind, "state_filter": state_filter, "q": q,
            "filters": filters, "filter_labels": grid.FILTERS, "next_url": next_url,
            "paged": bool(args.get("cursor")), "connection": connection,
            "bulk": grid.bulk_counts(connection, kind)}


@login_required
def index():
    """The page; for htmx, the grid of the chosen kind, filter, search and page."""
    connection = Connection.active_connection()
    context = grid_context(connection, request.args)
    if is_partial():
        return render_template("sync/_grid.html", **context)
    run = active_run(connection) or latest_run(connection, context["kind"])
    return render_template(
        "sync/index.html", **{**progress_context(run, context["kind"], connection), **context},
        counts=grid.waiting_counts(connection), panel=connection_panel(connection))
