"""Xero: the provider (provider.py), its HTTP calls (api.py) and its JSON (wire.py)."""

from providers.xero.provider import XeroProvider

__all__ = ["XeroProvider"]
