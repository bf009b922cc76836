"""Accounting providers behind one contract (see providers.base).

Each provider is a package `providers/<id>/` of the same three modules: `provider.py` (the
class: OAuth, lists, push), `api.py` (HTTP, headers, quota, errors into our stable codes) and
`wire.py` (the provider's JSON in and out). Every answer is read through one tolerant layer,
`providers.answers`: an answer of a shape we do not expect becomes a plain ProviderError.
REGISTRY maps each provider id to its class, explicitly. PULL_REGISTRY holds the packages that
fetch from us instead (Sage 50 through Zynk): no OAuth and no push, so not in REGISTRY.
"""

from providers.qbo import QuickBooksOnline
from providers.sage import SageProvider
from providers.sage50 import Sage50
from providers.xero import XeroProvider
from providers.zoho import ZohoBooks

REGISTRY = {
    "xero": XeroProvider,
    "qbo": QuickBooksOnline,
    "sage": SageProvider,
    "zoho": ZohoBooks,
}
PULL_REGISTRY = {
    "sage50": Sage50,
}


def get_provider(provider_id, settings):
    """An instance of the provider with these settings."""
    return REGISTRY[provider_id](settings)
