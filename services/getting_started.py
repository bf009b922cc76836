"""The home page's getting-started list: what is set up, and the next step, read from the data."""

from dataclasses import dataclass

from models.document import Document
from models.firm import FirmProfile
from models.integration import Connection
from providers import PULL_REGISTRY
from providers import REGISTRY


@dataclass
class Step:
    """One step: done or not, what it says, and where a person does it (None: nothing to open)."""

    key: str
    title: str
    done: bool
    detail: str
    endpoint: str | None = None
    args: dict | None = None
    admin_only: bool = False


def package_name(connection):
    """The connected package's name."""
    provider = REGISTRY.get(connection.provider) or PULL_REGISTRY.get(connection.provider)
    return provider.name if provider else connection.provider


def getting_started():
    """The set-up steps in order (a few small queries, whatever the size of the data)."""
    connection = Connection.active_connection()
    firm_missing = FirmProfile.current().missing_for_documents()
    has_documents = Document.select(Document.id).limit(1).exists()
    steps = [Step("connect", "Connect the accounting package", connection is not None,
                  f"{package_name(connection)} is connected ({connection.organisation_name})."
                  if connection else "Xero, QuickBooks Online, Sage, Zoho Books or Sage 50, "
                  "one at a time, on Integrations.", "integrations.index", admin_only=True)]
    mapped = connection is not None and connection.mappings_confirmed
    if connection is not None and connection.provider in PULL_REGISTRY:
        mapping = ("sage50.settings_form", {})
    else:
        mapping = ("mapping.form", {"connection_id": connection.id} if connection else None)
    steps.append(Step("map", "Map the accounts and taxes", mapped,
                      "Saved: documents are checked against the ledger's accounts." if mapped
                      else "Which ledger accounts labour, materials, purchases and the bank "
                      "post to, and the default taxes.",
                      mapping[0] if connection else None, mapping[1], admin_only=True))
    steps.append(Step("firm", "Fill in the firm's details", not firm_missing,
                      "Name and address are on every invoice PDF." if not firm_missing
                      else f"The invoice PDFs still lack {' and '.join(firm_missing)}.",
                      "settings.index", admin_only=True))
    steps.append(Step("documents", "Add or import documents", has_documents,
                      "Documents are in." if has_documents else "Type them in, import a CSV, "
                      "or send them through the JSON API.", "documents.index"))
    return steps
