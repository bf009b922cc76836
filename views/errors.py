"""Friendly error pages with no stack traces; htmx requests get the message in the flash area."""

import logging

from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError
from werkzeug.exceptions import MethodNotAllowed

from views._htmx import htmx
from views._htmx import htmx_response

log = logging.getLogger("ledgerlink.errors")
API_PREFIX = "/api/"

MESSAGES = {
    400: "The request could not be understood.",
    401: "Please sign in.",
    403: "Your role does not allow this. Ask an administrator if you need it.",
    404: "There is nothing at this address.",
    405: "That action is not allowed here.",
    413: "That upload is too large.",
    429: "Too many requests. Wait a moment and try again.",
    500: "Something went wrong on our side. It has been logged; try again shortly.",
}


def _render(code, message=None, exc=None):
    if request.path.startswith(API_PREFIX):
        return _api_error(code, exc)
    message = message or MESSAGES.get(code, "Something went wrong.")
    if htmx:
        body = render_template("errors/_message.html", code=code, message=message)
        return htmx_response(body, code, retarget="#flashes", reswap="innerHTML")
    return render_template("errors/page.html", code=code, message=message), code


def init_app(app):
    """Register the handlers."""

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _render(400, "This form has expired or was not sent from Ledgerlink. "
                            "Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc):
        response = app.make_response(_render(exc.code or 500, exc=exc))
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110: a 405 says which methods the resource does allow.
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        if exc.code == 429 and exc.retry_after:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return _render(InternalServerError.code)


def _api_error(code, exc):
    """Under /api/ every answer is JSON in the documented error shape, whatever went wrong."""
    from views.api.protocol import API_MESSAGES
    from views.api.protocol import error_response

    name = exc.name if isinstance(exc, HTTPException) else InternalServerError().name
    return error_response(code, name.lower().replace(" ", "_"),
                          API_MESSAGES.get(code, MESSAGES.get(code, "Something went wrong.")))
