"""Documents: CSV import, with a template, a preview with row errors, an all-or-nothing commit."""

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from services.csv_import import COLUMNS
from services.csv_import import REQUIRED
from services.csv_import import commit_import
from services.csv_import import forget_upload
from services.csv_import import keep_upload
from services.csv_import import kept_upload
from services.csv_import import plan_import
from services.csv_import import template_csv
from views._access import login_required


def _limits():
    config = current_app.config
    return config["CSV_MAX_KB"], config["CSV_MAX_ROWS"], config["API_MAX_LINES"]


@login_required
def import_form():
    """The upload form and the column layout."""
    return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                           max_kb=current_app.config["CSV_MAX_KB"])


@login_required
def import_template():
    """The CSV template with example rows."""
    return Response(template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=documents-template.csv"})


@login_required
def import_preview():
    """Check the uploaded file and show what it would do; nothing is written yet."""
    upload = request.files.get("file")
    max_kb = current_app.config["CSV_MAX_KB"]
    raw = upload.stream.read(max_kb * 1024 + 1) if upload and upload.filename else b""
    plan = plan_import(raw, *_limits())
    token = keep_upload(raw) if plan.ok and plan.documents else None
    status = 200 if plan.ok else 422
    return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                           max_kb=max_kb, plan=plan, token=token,
                           filename=upload.filename if upload else ""), status


@login_required
def import_commit(token):
    """Write the previewed file in one transaction (all or nothing)."""
    raw = kept_upload(token)
    if raw is None:
        flash("That preview has expired. Upload the file again.", "error")
        return redirect(url_for("documents.import_form"))
    plan = commit_import(raw, *_limits())
    if not plan.ok:
        return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                               max_kb=current_app.config["CSV_MAX_KB"], plan=plan,
                               token=None, filename=""), 422
    forget_upload(token)
    counts = plan.counts()
    flash(f"Imported: {counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
          f"{counts.get('unchanged', 0)} unchanged.", "success")
    return redirect(url_for("documents.index"))
