"""Zoho Books errors in the sandbox: the codes it answers with and the {"code", "message"} body.

Codes the public documents do not give are the sandbox's best guess (see sandbox/README.md).
"""

import json

INVALID_VALUE = 4
DUPLICATE_NUMBER = 1001
DUPLICATE_ITEM = 1001
NOT_FOUND = 1002
DUPLICATE_CONTACT = 3062

# (HTTP status, code, message) of the answers the guard gives.
NOT_AUTHORISED = (401, 57, "You are not authorized to perform this operation")
INVALID_TOKEN = (401, 14, "Invalid OAuth token.")
NO_ORGANISATION = (400, 6024, "organization_id is required.")
WRONG_ORGANISATION = (403, 6041, "This user is not associated with this organization.")
SUBSCRIPTION = (403, 1040, "Your Zoho Books subscription has expired. Please renew it.")
PER_MINUTE = (429, 44, "You have made too many requests continuously. Please try again after "
              "some time.")
PER_DAY = (429, 45, "You have exceeded the maximum number of API calls allowed per day.")
INTERNAL = (500, 1000, "Internal error")
TIMEOUT = (504, 1000, "Gateway timeout")


class ZohoError(Exception):
    """An API error to answer as {"code": N, "message": "..."} with an HTTP status."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def error_response(status, code, message, headers=None):
    """Zoho's error answer: {"code", "message"} as JSON with the HTTP status."""
    return json.dumps({"code": code, "message": message}), status, {
        "Content-Type": "application/json;charset=UTF-8", **(headers or {})}
