"""A local stand-in for the accounting providers' APIs, for tests, the demo and benchmarks.

The shared core (`app`, `core`, `pages`, `server`) lives here; each provider is a package
`sandbox/<id>/` of the same shape. REGISTRY maps each provider id to its sandbox class,
explicitly.
"""

from sandbox.qbo import QboSandbox
from sandbox.sage import SageSandbox
from sandbox.xero import XeroSandbox
from sandbox.zoho import ZohoSandbox

REGISTRY = {
    "xero": XeroSandbox,
    "qbo": QboSandbox,
    "sage": SageSandbox,
    "zoho": ZohoSandbox,
}
