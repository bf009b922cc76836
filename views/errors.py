"""Friendly error pages with no stack traces; htmx requests get the message in the flash area."""

import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.exceptions import InternalServerError

from views._htmx import htmx
from views._htmx import htmx_response

log = logging.getLogger("ledgerlink.errors")

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


def _render(code, message=None):
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
        if exc.code and exc.code >= 500:
            return _render(exc.code)
        return _render(exc.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(exc):
        log.exception("unhandled error")
        return _render(InternalServerError.code)
