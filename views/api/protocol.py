"""How the API speaks: bearer tokens, JSON bodies checked against schemas, JSON errors."""

import datetime
import json
import logging
from decimal import Decimal

from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from jsonschema import Draft202012Validator

from models.api_token import ApiToken

log = logging.getLogger("ledgerlink.api")
PUBLIC_ENDPOINTS = {"api.openapi"}
TOUCH_EVERY = datetime.timedelta(minutes=1)


class ApiError(Exception):
    """An error answered as JSON: status, a short code, a message and optional field errors."""

    def __init__(self, status, code, message, errors=None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors


def error_response(status, code, message, errors=None):
    """A JSON error body."""
    body = {"error": code, "message": message}
    if errors is not None:
        body["errors"] = errors
    return jsonify(body), status


def authenticate():
    """Let a request through only with an active bearer token (the spec itself is public)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    record = ApiToken.find_active(token.strip()) if scheme.lower() == "bearer" else None
    if record is None:
        response = error_response(401, "unauthorized",
                                  "Send a valid API token: Authorization: Bearer <token>.")
        response[0].headers["WWW-Authenticate"] = 'Bearer realm="ledgerlink"'
        return response
    now = datetime.datetime.now()
    if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY:
        ApiToken.update(last_used_at=now).where(ApiToken.id == record.id).execute()
    g.api_token = record
    return None


def api_error(exc):
    """An ApiError as its JSON error."""
    return error_response(exc.status, exc.code, exc.message, exc.errors)


def http_error(exc):
    """Flask's own errors (404, 405, 413, ...) as JSON."""
    messages = {404: "Not found.", 405: "Method not allowed.",
                413: "The body is too large."}
    return error_response(exc.code, exc.name.lower().replace(" ", "_"),
                          messages.get(exc.code, exc.description or exc.name))


def unexpected_error(exc):
    """Anything else: logged, and a JSON 500 that gives nothing away."""
    log.exception("unhandled API error")
    return error_response(500, "server_error", "Something went wrong on our side; it is logged.")


def _schema_errors(schema, payload):
    """Field errors from JSON Schema validation, unknown fields named one by one."""
    errors = []
    for error in sorted(Draft202012Validator(schema).iter_errors(payload),
                        key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(part) for part in error.absolute_path)
        prefix = path + "." if path else ""
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - allowed):
                errors.append({"field": prefix + name, "message": "Unknown field."})
        elif error.validator == "required":
            missing = error.message.split("'")[1]
            errors.append({"field": prefix + missing, "message": "This field is required."})
        else:
            errors.append({"field": path or "(body)", "message": error.message})
    return errors


def read_json(schema):
    """The request body parsed (decimals exact) and checked against schema, or an ApiError."""
    limit = current_app.config["API_MAX_BODY_KB"] * 1024
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit // 1024} KB.")
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit // 1024} KB.")
    if not request.mimetype == "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        payload = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(422, "invalid_json", "The body is not valid JSON.",
                       [{"field": "(body)", "message": str(exc)[:200]}]) from exc
    errors = _schema_errors(schema, payload)
    if errors:
        raise ApiError(422, "invalid", "The input has errors; see `errors`.", errors)
    return payload
