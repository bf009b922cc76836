"""Accounting providers behind one contract (see providers.base).

REGISTRY maps each provider id to its class. Each provider module adds itself here explicitly.
"""

from providers.qbo import QuickBooksOnline

REGISTRY = {}
REGISTRY["qbo"] = QuickBooksOnline


def get_provider(provider_id, settings):
    """An instance of the provider with these settings."""
    return REGISTRY[provider_id](settings)
