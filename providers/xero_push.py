"""Push helpers for Xero: the duplicate check for supplier documents, failure results."""

from providers.base import AuthError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.xero_payloads import KINDS
from providers.xero_payloads import pushed_number
from providers.xero_payloads import remote_from
from providers.xero_payloads import where_quote


def failure_result(doc, exc):
    """The PushResult for a document whose request failed as a whole."""
    status = PushStatus.INVALID
    if isinstance(exc, AuthError):
        status = PushStatus.AUTH
    elif isinstance(exc, RateLimited):
        status = PushStatus.RATE_LIMITED
    elif isinstance(exc, UncertainError):
        status = PushStatus.UNCERTAIN
    elif isinstance(exc, TransientError):
        status = PushStatus.TRANSIENT
    return PushResult(doc.local_id, status, code=exc.code, message=exc.message,
                      retry_after=getattr(exc, "retry_after", None),
                      remote_number=pushed_number(doc))


def existing_purchases(provider, ctx, endpoint, indexed_docs):
    """(index, RemoteDocument) for bills / supplier credits already in Xero with the same
    contact and number: Xero does not stop a second one, so we look first (one GET)."""
    wanted = {}
    for i, doc in indexed_docs:
        if not doc.kind.is_sales:
            wanted[(doc.contact_id, pushed_number(doc))] = (i, doc)
    if not wanted:
        return []
    kind = next(doc.kind for _, doc in wanted.values())
    _, xero_type, id_field, number_field, _ = KINDS[kind]
    if endpoint == "Invoices":
        params = {"InvoiceNumbers": ",".join(sorted({n for _, n in wanted})),
                  "ContactIDs": ",".join(sorted({c for c, _ in wanted})),
                  "Statuses": "DRAFT,SUBMITTED,AUTHORISED,PAID"}
    else:
        params = {"where": " OR ".join(
            f'Type=="{xero_type}" AND {number_field}=={where_quote(n)}'
            for n in sorted({n for _, n in wanted}))}
    body = provider._get(ctx, f"/{endpoint}", params=params)
    found = []
    for raw in body.get(endpoint, []):
        if raw.get("Type") != xero_type or raw.get("Status") in ("DELETED", "VOIDED"):
            continue
        key = ((raw.get("Contact") or {}).get("ContactID"), raw.get(number_field))
        if key in wanted:
            i, doc = wanted.pop(key)
            found.append((i, remote_from(raw, provider.link(doc.kind, raw[id_field]))))
    return found
