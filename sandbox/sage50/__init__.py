"""A stand-in for Zynk Workflow and Sage 50 (desktop), for tests and the demo.

Zynk runs only on Windows beside Sage 50, so this side is a client, not a server: `zynk.py` does
what Zynk's workflow does (download over HTTP with Basic auth, import customers and suppliers,
then invoices and transactions, with Prevent Duplicates, then post the success and fail files)
into `ledger.py`, one Sage 50 company in memory that checks each record against Zynk's
documented element names, types and length limits and assigns Sage's numbers and references.
"""

from sandbox.sage50.ledger import Sage50Company
from sandbox.sage50.zynk import ZynkWorkflow

__all__ = ["Sage50Company", "ZynkWorkflow"]
