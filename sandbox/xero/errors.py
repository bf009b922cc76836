"""Xero's error answers in the sandbox: the problem body, ValidationException and plain 404s."""

from sandbox.xero.seed import new_id

SERVER_ERROR = {"Title": "An error occurred", "Status": 500,
                "Detail": "An error occurred in Xero. Check the API Status page "
                          "http://status.developer.xero.com for current service status."}
NOT_FOUND = (404, "The resource you're looking for cannot be found", {"Content-Type": "text/plain"})


def problem(status, title, detail):
    """Xero's problem body for 401/403/404/500 (Type, Title, Status, Detail, Instance)."""
    return status, {"Type": None, "Title": title, "Status": status, "Detail": detail,
                    "Instance": new_id()}


def validation_error(elements, message="A validation exception occurred"):
    """Xero's 400 ValidationException body."""
    return 400, {"ErrorNumber": 10, "Type": "ValidationException", "Message": message,
                 "Elements": elements}
