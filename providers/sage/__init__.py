"""Sage Business Cloud Accounting: the provider (provider.py), its HTTP calls (api.py) and its
JSON (wire.py)."""

from providers.sage.provider import SageProvider

__all__ = ["SageProvider"]
