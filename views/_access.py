"""Who may do what: login for every screen, admin role for administration."""

import functools

from flask import abort
from flask_login import current_user
from flask_login import login_required


def admin_required(view):
    """Allow only signed-in administrators; others get 403."""

    @functools.wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


__all__ = ["admin_required", "login_required"]
