"""Accounting providers behind one contract (see providers.base).

Each provider is a package `providers/<id>/` of the same three modules: `provider.py` (the
class: OAuth, lists, push), `api.py` (HTTP, headers, quota, errors into our stable codes) and
`wire.py` (the provider's JSON in and out). REGISTRY maps each provider id to its class,
explicitly.
"""

from providers.qbo import QuickBooksOnline
from providers.sage import SageProvider
from providers.xero import XeroProvider
from providers.zoho import ZohoBooks

REGISTRY = {
    "xero": XeroProvider,
    "qbo": QuickBooksOnline,
    "sage": SageProvider,
    "zoho": ZohoBooks,
}


def get_provider(provider_id, settings):
    """An instance of the provider with these settings."""
    return REGISTRY[provider_id](settings)
