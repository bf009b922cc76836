"""Settings: API tokens for the systems that send documents (shown once, revocable)."""

from flask import flash
from flask import request
from flask_login import current_user

from models import db
from models.api_token import ApiToken
from services.validation import has_control_characters
from views._access import admin_required
from views._htmx import render_page_or_fragment
from views._lookup import get_or_404
from views._security import no_store
from views.settings.page import settings_context

NAME_NEEDED = "Give the token a name, such as the system that will use it."


def _tokens_section(**extra):
    return render_page_or_fragment("settings/index.html", "settings/_api_tokens.html",
                                   **settings_context(**extra))


@admin_required
@no_store
def create_token():
    """Create an API token and show it once."""
    name = (request.form.get("name") or "").strip()[:100]
    if not name or has_control_characters(name):
        error = NAME_NEEDED if not name else "The name may not contain control characters."
        return _tokens_section(token_error=error), 422
    with db.atomic():
        record, plain = ApiToken.issue(name, current_user._get_current_object())
    return _tokens_section(new_token=plain, new_token_name=record.name)


@admin_required
def revoke_token(token_id):
    """Revoke a token; requests using it are refused from now on."""
    record = get_or_404(ApiToken, token_id)
    if record.revoked_at is None:
        record.revoke()
    flash(f"Token \u201c{record.name}\u201d revoked.", "success")
    return _tokens_section()
