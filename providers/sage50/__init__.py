"""Sage 50 (desktop) through Zynk Workflow: the provider (provider.py) and its XML (wire.py).

A pull provider: nothing calls Sage 50. Zynk fetches our XML and posts back its success and fail
files, so there is no OAuth, no push and no api.py; the sync layer (sync/zynk.py) serves them.
"""

from providers.sage50.provider import Sage50

__all__ = ["Sage50"]
