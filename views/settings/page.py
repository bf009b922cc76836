"""Settings: the page itself, with the system's status."""

from flask import render_template

from models.api_token import ApiToken
from models.countries import country_choices
from models.firm import DATE_ORDERS
from models.firm import FirmProfile
from services.system_status import system_status
from views._access import admin_required


def settings_context(**extra):
    """What the settings page shows: system checks, firm details and API tokens."""
    tokens = ApiToken.select().order_by(ApiToken.revoked_at.is_null(False),
                                        ApiToken.created_at.desc())
    return {"checks": system_status(), "firm": FirmProfile.current(), "tokens": tokens,
            "countries": country_choices(), "date_orders": DATE_ORDERS,
            "worker_check": None, "worker_check_state": "idle", **extra}


@admin_required
def index():
    """The settings page."""
    return render_template("settings/index.html", **settings_context())
