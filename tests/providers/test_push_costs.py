"""API calls per pushed document in steady state, per provider and kind, counted with the
sandbox's request recorder (the sync engine's targets, issue 10: Xero 0.03, QuickBooks 0.05,
Sage 1.05, Zoho 2.05 for sales invoices and 1.05 for the rest).

Steady state: the organisation settings and items are known (read once per run), documents
carry our numbers, and each push is a full batch of the provider's size."""

import pytest
from helpers.contract import add_contacts
from helpers.contract import connect
from helpers.contract import document
from helpers.contract import recorded

from providers import REGISTRY
from providers.base import DocumentKind
from providers.base import PushStatus

TARGETS = {"xero": 0.03, "qbo": 0.05, "sage": 1.05, "zoho": 1.05}
ZOHO_SALES_INVOICE = 2.05  # create, then mark sent (a draft posts nothing)
DOCUMENTS = {"xero": 100, "qbo": 60, "sage": 20, "zoho": 20}  # whole batches


@pytest.mark.parametrize("kind", list(DocumentKind))
@pytest.mark.parametrize("provider_id", list(REGISTRY))
def test_calls_per_document_in_steady_state(sandbox, provider_id, kind):
    conn = add_contacts(connect(sandbox, provider_id))
    provider, ctx = conn.provider, conn.ctx
    provider.organisation_settings(ctx)  # once per run, before any push
    [warm] = provider.push(ctx, [document(conn, kind, "WARM-1", local_id=1)])
    assert warm.status == PushStatus.CREATED, warm
    count = DOCUMENTS[provider_id]
    docs = [document(conn, kind, f"PC-{i:04d}", local_id=i + 2) for i in range(count)]
    before = len(recorded(sandbox, provider_id))
    for start in range(0, count, provider.batch_size):
        results = provider.push(ctx, docs[start:start + provider.batch_size])
        assert {r.status for r in results} == {PushStatus.CREATED}, results
    per_document = (len(recorded(sandbox, provider_id)) - before) / count
    target = ZOHO_SALES_INVOICE if (provider_id, kind) == ("zoho", "sales_invoice") \
        else TARGETS[provider_id]
    print(f"\n{provider_id}.{kind}.calls_per_doc: {per_document:.3f} (target {target})")
    assert per_document <= target
