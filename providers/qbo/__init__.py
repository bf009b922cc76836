"""QuickBooks Online: the provider (provider.py), its HTTP calls (api.py) and its JSON (wire.py)."""

from providers.qbo.provider import QuickBooksOnline

__all__ = ["QuickBooksOnline"]
