"""Connecting Sage 50 through Zynk: credentials for Zynk's HTTP tasks, checking them, and the
mapping (nominal codes, tax codes, which XML). One package is active at a time, as for the others.

The secret is 256 random bits shown once; only its SHA-256 is kept (as for API tokens), so
regenerating it stops the old one at once.
"""

import datetime
import hmac
import secrets

from models import db
from models.api_token import hash_token
from models.integration import CONNECTED
from models.integration import MAPPING_ROLES
from models.integration import Connection
from models.zynk import ZynkLink
from providers import PULL_REGISTRY
from providers import REGISTRY
from providers.sage50.provider import DEFAULT_TAX_CODES
from providers.sage50.provider import FORMATS
from providers.sage50.provider import INVOICE_XML
from providers.sage50.provider import TAX_CODE_NAMES
from providers.sage50.provider import Sage50
from providers.sage50.provider import rate_key

PROVIDER_ID = Sage50.id
# A dummy hash to compare against when the user is unknown, so both paths take the same time.
_NO_SUCH_USER = hash_token("no such user")


class ZynkSetupError(Exception):
    """Connecting cannot go ahead; the message is for the admin."""


def provider_name(provider_id):
    """The display name of any package, pushed or pulled."""
    cls = REGISTRY.get(provider_id) or PULL_REGISTRY.get(provider_id)
    return cls.name if cls is not None else "A ledger"


def _new_secret():
    # Never starting with "-": pasted after an option on a command line (Zynk's task runner, the
    # stand-in's --secret) it would be read as another option.
    secret = secrets.token_urlsafe(32)
    while secret.startswith("-"):
        secret = secrets.token_urlsafe(32)
    return secret


def connect(company_name):
    """Connect Sage 50 (or reconnect it): new credentials, the connection made active.

    Returns (connection, link, username, secret); the secret is never stored in plain text.
    """
    company_name = (company_name or "").strip()[:100] or "Sage 50 company"
    with db.atomic():
        other = Connection.active_connection()
        if other is not None and other.provider != PROVIDER_ID:
            raise ZynkSetupError(f"{provider_name(other.provider)} ({other.organisation_name}) "
                                 "is still connected. Disconnect it first.")
        connection = other or Connection.select().where(
            Connection.provider == PROVIDER_ID).order_by(Connection.id.desc()).first()
        username = f"zynk-{secrets.token_hex(6)}"
        secret = _new_secret()
        if connection is None:
            connection = Connection(provider=PROVIDER_ID)
        connection.organisation_id = username
        connection.organisation_name = company_name
        connection.status, connection.status_reason, connection.active = CONNECTED, None, True
        connection.last_error = None
        connection.mappings_confirmed = False
        connection.connected_at = datetime.datetime.now()
        connection.save()
        link = ZynkLink.get_or_none(ZynkLink.connection == connection)
        if link is None:
            link = ZynkLink(connection=connection, tax_codes=dict(DEFAULT_TAX_CODES))
        link.username, link.secret_hash = username, hash_token(secret)
        link.secret_set_at = datetime.datetime.now()
        link.save()
    return connection, link, username, secret


def regenerate_secret(link):
    """A new secret for the link; the old one stops working at once. Returns the new one."""
    secret = _new_secret()
    ZynkLink.update(secret_hash=hash_token(secret), secret_set_at=datetime.datetime.now()).where(
        ZynkLink.id == link.id).execute()
    return secret


def authenticate(username, secret):
    """(connection, link) for Basic-auth credentials of an active Sage 50 connection, or None."""
    link = ZynkLink.get_or_none(ZynkLink.username == (username or "")[:40])
    given = hash_token(secret or "")
    if not hmac.compare_digest(given, link.secret_hash if link else _NO_SUCH_USER) \
            or link is None:
        return None
    connection = Connection.get_by_id(link.connection_id)
    if not connection.active or connection.status != CONNECTED:
        return None
    return connection, link


def settings_values(link):
    """The settings form's values from the saved link."""
    return {"nominal": dict(link.nominal_codes or {}),
            "tax": {rate: f"T{code}" for rate, code in (link.tax_codes or {}).items()},
            "invoice_format": link.invoice_format, "manual_numbers": link.manual_numbers,
            "test_mode": link.test_mode}


def validate_settings(form):
    """(values, errors) from the settings form: nominal codes of digits up to 8 for every role,
    a T-code for each rate row, the XML chosen."""
    values = {"nominal": {}, "tax": {}, "invoice_format": form.get("invoice_format", ""),
              "manual_numbers": form.get("manual_numbers") == "on",
              "test_mode": form.get("test_mode") == "on"}
    errors = {}
    for role, (label, _types) in MAPPING_ROLES.items():
        code = (form.get(f"nominal_{role}") or "").strip()
        values["nominal"][role] = code
        if not Sage50.valid_nominal_code(code):
            errors[f"nominal_{role}"] = (f"{label}: a Sage 50 nominal code is digits only, up to "
                                         "8 (e.g. 4000).")
    rates, codes = form.getlist("tax_rate"), form.getlist("tax_code")
    for index, (rate, code) in enumerate(zip(rates, codes, strict=False)):
        rate, code = (rate or "").strip(), (code or "").strip()
        if not rate and not code:
            continue
        try:
            key = rate_key(rate)
            if not 0 <= float(key) <= 100:
                raise ValueError(rate)
        except (ArithmeticError, ValueError):
            errors[f"tax_{index}"] = f"Rate {rate!r} is not a percentage between 0 and 100."
            values["tax"][rate] = code
            continue
        number = code[1:] if code[:1] in ("T", "t") else code  # "T1" as Sage writes it, or "1"
        if not number.isdigit() or int(number) > 99:
            errors[f"tax_{index}"] = f"{key}%: the Sage tax code is T0 to T99 (e.g. T1)."
            values["tax"][key] = code
            continue
        values["tax"][key] = f"T{int(number)}"
    if not values["tax"]:
        errors["tax"] = "Map at least one tax rate to a Sage tax code."
    if values["invoice_format"] not in FORMATS:
        errors["invoice_format"] = "Choose Invoice XML or Transaction XML."
    if values["manual_numbers"] and values["invoice_format"] != INVOICE_XML:
        errors["manual_numbers"] = ("Manual invoice numbers apply to Invoice XML only; "
                                    "Transaction XML keeps our number as the reference.")
    return values, errors


def save_settings(connection, link, values):
    """Save the mapping; the connection's mapping counts as confirmed from now on."""
    with db.atomic():
        ZynkLink.update(nominal_codes=values["nominal"],
                        tax_codes={rate: int(code[1:]) for rate, code in values["tax"].items()},
                        invoice_format=values["invoice_format"],
                        manual_numbers=values["manual_numbers"],
                        test_mode=values["test_mode"]).where(ZynkLink.id == link.id).execute()
        Connection.update(mappings_confirmed=True).where(
            Connection.id == connection.id).execute()


TAX_CODE_CHOICES = TAX_CODE_NAMES
