"""Accounting providers behind one contract (see providers.base).

REGISTRY maps each provider id to its class, explicitly.
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
