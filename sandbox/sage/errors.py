"""Sage Accounting sandbox: errors and how Sage renders them."""

import json

from flask import Response


class SageError(Exception):
    """An error rendered as Sage's array of {$severity, $dataCode, $message, $source}."""

    def __init__(self, status, data_code, message, source=""):
        super().__init__(message)
        self.status, self.data_code, self.message, self.source = status, data_code, message, source

    def body(self):
        """The JSON body."""
        return [{"$severity": "error", "$dataCode": self.data_code, "$message": self.message,
                 "$source": self.source}]


class Throttled(Exception):
    """Answer 429 with Retry-After."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


class GatewayTimeout(Exception):
    """The write was applied but the reply never came (answer 504)."""


SANDBOX_ERRORS = (SageError, Throttled, GatewayTimeout)


def error_response(exc):
    """Render a guard or handler exception as Sage would."""
    if isinstance(exc, Throttled):
        body = [{"$severity": "error", "$dataCode": "TooManyRequests",
                 "$message": "Too many requests. Please retry later.", "$source": ""}]
        return Response(json.dumps(body), 429, {"Retry-After": str(exc.retry_after)},
                        mimetype="application/json")
    if isinstance(exc, GatewayTimeout):
        return Response("<html><body><h1>504 Gateway Time-out</h1></body></html>", 504,
                        mimetype="text/html")
    return Response(json.dumps(exc.body()), exc.status, mimetype="application/json")
