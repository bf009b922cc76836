"""Constants and small request helpers shared by the Xero sandbox's API modules."""

from flask import request

SETTINGS_READ = ("accounting.settings", "accounting.settings.read")
CONTACTS_READ = ("accounting.contacts", "accounting.contacts.read")
CONTACTS_WRITE = ("accounting.contacts",)
DOCS_READ = ("accounting.invoices", "accounting.invoices.read", "accounting.transactions",
             "accounting.transactions.read")
DOCS_WRITE = ("accounting.invoices", "accounting.transactions")
FILES_READ = ("accounting.attachments", "accounting.attachments.read")
FILES_WRITE = ("accounting.attachments",)
MAX_POST_BYTES = 3_500_000
NOT_FOUND = (404, "The resource you're looking for cannot be found", {"Content-Type": "text/plain"})
A = "/accounting"


def flag(name):
    """A boolean query parameter ("true" in any case)."""
    return request.args.get(name, "").lower() == "true"
