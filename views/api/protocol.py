"""How the API speaks: bearer tokens, JSON bodies checked against schemas, JSON errors."""

import datetime
import json
import re
from decimal import Decimal

from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from jsonschema import Draft202012Validator
from jsonschema import validators

from models.api_token import ApiToken
from views.api.messages import field_message

PUBLIC_ENDPOINTS = {"api.openapi"}
MAX_DEPTH = 32
# The query parameters each endpoint documents; any other is refused, as unknown body fields are.
QUERY_PARAMETERS = {"api.list_documents": {"limit", "cursor", "kind"}}
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(rb"[\[\]{}]")
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
    unknown = sorted(set(request.args) - QUERY_PARAMETERS.get(request.endpoint, set()))
    if unknown:
        return error_response(422, "invalid", "The query has errors; see `errors`.",
                              [{"field": name[:100], "message": "Unknown query parameter."}
                               for name in unknown])
    return None


def api_error(exc):
    """An ApiError as its JSON error."""
    return error_response(exc.status, exc.code, exc.message, exc.errors)


API_MESSAGES = {400: "The request could not be understood.", 404: "Not found.",
                405: "Method not allowed; the Allow header lists the methods that are.",
                413: "The body is too large.",
                500: "Something went wrong on our side; it is logged."}
# Unmatched URLs, 405s, 413s and unexpected errors under /api/ are answered as JSON by the app's
# error handlers (views/errors.py), which see requests that never reached this blueprint.


def _is_integer(checker, instance):
    """JSON Schema integers, counting 12.0 (JSON numbers are parsed as exact Decimals here)."""
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return Draft202012Validator.TYPE_CHECKER.is_type(instance, "integer")


Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer))


def _schema_errors(schema, payload):
    """Field errors from JSON Schema validation: one short message per field, in field order."""
    errors, seen = [], set()

    def add(field, message):
        if field not in seen:
            seen.add(field)
            errors.append({"field": field, "message": message})

    validator = Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    for error in sorted(validator.iter_errors(payload),
                        key=lambda e: list(map(str, e.absolute_path))):
        path = ".".join(str(part) for part in error.absolute_path)
        prefix = path + "." if path else ""
        if error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - allowed, key=str):
                add(prefix + str(name)[:100], "Unknown field.")
        elif error.validator == "required":
            missing = next((name for name in error.validator_value
                            if name not in error.instance), "")
            add(prefix + missing, "This field is required.")
        elif isinstance(error.schema, dict) and error.schema.get("x-field"):
            add(prefix + error.schema["x-field"], field_message(
                error, error.schema["x-field"].replace("_", " ")))
        else:
            add(path or "(body)", field_message(error))
    return errors


def _too_deep(raw, limit):
    """True when JSON text nests arrays and objects more than limit deep (checked unparsed)."""
    depth = 0
    for match in _BRACKETS.finditer(_STRINGS.sub(b"", raw)):
        if match.group() in b"[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def read_json(schema, semantic_check=None):
    """The request body parsed (decimals exact) and checked against schema, or an ApiError.

    When the schema finds errors in a body of the right shape, semantic_check(payload) (the
    service's own validation, returning field errors) adds the problems it alone can see, such
    as an unknown contact, so the caller learns of everything at once.
    """
    limit = current_app.config["API_MAX_BODY_KB"] * 1024
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit // 1024} KB.")
    raw = request.get_data(cache=False)
    if len(raw) > limit:
        raise ApiError(413, "too_large", f"The body is larger than {limit // 1024} KB.")
    if not request.mimetype == "application/json":
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    if _too_deep(raw, MAX_DEPTH):
        raise ApiError(422, "invalid_json", "The body is nested too deeply.",
                       [{"field": "(body)", "message": f"Objects and lists may be nested at "
                                                       f"most {MAX_DEPTH} deep."}])
    try:
        payload = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(422, "invalid_json", "The body is not valid JSON.",
                       [{"field": "(body)", "message": _json_problem(exc)}]) from exc
    errors = _schema_errors(schema, payload)
    if errors and semantic_check and _checkable(payload):
        flagged = {error["field"] for error in errors}
        errors += [error for error in semantic_check(payload) if error["field"] not in flagged]
    if errors:
        raise ApiError(422, "invalid", "The input has errors; see `errors`.", errors)
    return payload


def _checkable(payload):
    """A body the services can read despite schema errors: an object, lines a list of objects."""
    if not isinstance(payload, dict):
        return False
    lines = payload.get("lines", [])
    return isinstance(lines, list) and all(isinstance(line, dict) for line in lines)


def _json_problem(exc):
    """Where the JSON went wrong, in words (json's own position, never the body itself)."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno}, column {exc.colno}."
    if isinstance(exc, UnicodeDecodeError):
        return "The body is not UTF-8 text."
    return "The body could not be read as JSON."
