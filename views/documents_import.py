"""CSV import on the Documents screen: template, preview with row errors, all-or-nothing commit."""

import uuid

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from services.csv_import import COLUMNS
from services.csv_import import REQUIRED
from services.csv_import import commit_import
from services.csv_import import plan_import
from services.csv_import import template_csv
from sync.queue import get_redis
from views._access import login_required
from views.documents import bp

PENDING_SECONDS = 3600
_KEY = "ledgerlink:csv-import:{}"


def _limits():
    config = current_app.config
    return config["CSV_MAX_KB"], config["CSV_MAX_ROWS"], config["API_MAX_LINES"]


@bp.get("/import")
@login_required
def import_form():
    """The upload form and the column layout."""
    return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                           max_kb=current_app.config["CSV_MAX_KB"])


@bp.get("/import/template.csv")
@login_required
def import_template():
    """The CSV template with example rows."""
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=documents-template.csv"})


@bp.post("/import")
@login_required
def import_preview():
    """Check the uploaded file and show what it would do; nothing is written yet."""
    upload = request.files.get("file")
    max_kb = current_app.config["CSV_MAX_KB"]
    raw = upload.stream.read(max_kb * 1024 + 1) if upload and upload.filename else b""
    plan = plan_import(raw, *_limits())
    token = None
    if plan.ok and plan.documents:
        token = uuid.uuid4().hex
        get_redis().set(_KEY.format(f"{current_user.id}:{token}"), raw, ex=PENDING_SECONDS)
    status = 200 if plan.ok else 422
    return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                           max_kb=max_kb, plan=plan, token=token,
                           filename=upload.filename if upload else ""), status


@bp.post("/import/<token>")
@login_required
def import_commit(token):
    """Write the previewed file in one transaction (all or nothing)."""
    # A preview belongs to whoever made it: another user's token finds nothing.
    key = _KEY.format(f"{current_user.id}:{token if token.isalnum() else '-'}")
    raw = get_redis().get(key)
    if raw is None:
        flash("That preview has expired. Upload the file again.", "error")
        return redirect(url_for("documents.import_form"))
    plan = commit_import(raw, *_limits())
    if not plan.ok:
        return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                               max_kb=current_app.config["CSV_MAX_KB"], plan=plan,
                               token=None, filename=""), 422
    get_redis().delete(key)
    counts = plan.counts()
    flash(f"Imported: {counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
          f"{counts.get('unchanged', 0)} unchanged.", "success")
    return redirect(url_for("documents.index"))
