"""Zoho Books: the provider (provider.py), its HTTP calls (api.py) and its JSON (wire.py)."""

from providers.zoho.provider import ZohoBooks

__all__ = ["ZohoBooks"]
