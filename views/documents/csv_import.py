"""Documents: CSV import, with a template, a preview with row errors, an all-or-nothing commit."""

from flask import Response
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from models.document import KINDS
from models.firm import FirmProfile
from services.csv_import import COLUMNS
from services.csv_import import REQUIRED
from services.csv_import import commit_import
from services.csv_import import forget_upload
from services.csv_import import keep_upload
from services.csv_import import kept_upload
from services.csv_import import plan_import
from services.csv_import import template_contact
from services.csv_import import template_csv
from views._access import login_required


def _limits():
    config = current_app.config
    return config["CSV_MAX_KB"], config["CSV_MAX_ROWS"], config["API_MAX_LINES"]


def _page(status=200, **context):
    return render_template("documents/import.html", columns=COLUMNS, required=REQUIRED,
                           max_kb=current_app.config["CSV_MAX_KB"], kinds=KINDS,
                           date_order=FirmProfile.current().csv_date_order,
                           example_contact=template_contact(), **context), status


@login_required
def import_form():
    """The upload form and the column layout."""
    return _page()


@login_required
def import_template():
    """The CSV template with example rows (for an existing customer when there is one)."""
    return Response(template_csv(template_contact()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=documents-template.csv"})


@login_required
def import_preview():
    """Check the uploaded file and show what it would do; nothing is written yet."""
    upload = request.files.get("file")
    max_kb = current_app.config["CSV_MAX_KB"]
    raw = upload.stream.read(max_kb * 1024 + 1) if upload and upload.filename else b""
    date_order = FirmProfile.current().csv_date_order
    plan = plan_import(raw, *_limits(), date_order=date_order)
    token = None
    if plan.ok and plan.documents and not plan.changes_nothing:
        token = keep_upload(raw, date_order, current_user.id)
    return _page(200 if plan.ok else 422, plan=plan, token=token,
                 filename=upload.filename if upload else "")


@login_required
def import_commit(token):
    """Write the previewed file in one transaction (all or nothing)."""
    kept = kept_upload(token, current_user.id)
    if kept is None:
        flash("That preview has expired. Upload the file again.", "error")
        return redirect(url_for("documents.import_form"))
    # The commit reads dates as the preview did, whatever Settings say by now.
    raw, date_order = kept
    plan = commit_import(raw, *_limits(), date_order=date_order)
    if not plan.ok:
        return _page(422, plan=plan, token=None, filename="")
    forget_upload(token, current_user.id)
    counts = plan.counts()
    flash(f"Imported: {counts.get('created', 0)} created, {counts.get('updated', 0)} updated, "
          f"{counts.get('unchanged', 0)} unchanged.", "success")
    return redirect(url_for("documents.index"))
