"""Pushing documents to QuickBooks Online: one POST for one document, `/batch` for several."""

from providers import qbo_documents as docs
from providers.base import AuthError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TransientError
from providers.base import UncertainError
from providers.errors import message_for
from providers.qbo_errors import translate

ITEM_CACHE = "qbo_items"


def push_documents(provider, ctx, documents):
    """One PushResult per document, in order."""
    if len(documents) > provider.batch_size:
        raise ValueError(f"QuickBooks takes at most {provider.batch_size} documents per batch")
    results, ready = {}, []
    for document in documents:
        if len(docs.document_number(document)) > docs.DOC_NUMBER_MAX:
            results[document.local_id] = _result(
                document, PushStatus.INVALID, code="validation",
                message=f"QuickBooks document numbers can be at most {docs.DOC_NUMBER_MAX} "
                        "characters. Shorten the number, then sync again.")
        else:
            ready.append(document)
    if ready:
        try:
            bodies = _prepare(provider, ctx, ready)
        except (TransientError, UncertainError) as error:
            # Nothing of the documents was sent yet, so a retry cannot duplicate them.
            results.update(_all(ready, PushStatus.TRANSIENT, "transient", error))
        except Exception as error:  # noqa: BLE001 - classified by _failed
            results.update(_failed(ready, error))
        else:
            results.update(_send(provider, ctx, ready, bodies))
    return [results[d.local_id] for d in documents]


def _prepare(provider, ctx, documents):
    sales = [d for d in documents if d.kind.is_sales]
    send_number = provider.custom_numbers(ctx) if sales else True
    items = ctx.extra.setdefault(ITEM_CACHE, {})
    for document in sales:
        for line in document.lines:
            if not line.item_id and line.account_id not in items:
                name = f"Ledgerlink sales {line.account_code or line.account_id}"
                items[line.account_id] = provider.ensure_item(ctx, line.account_id, name).id
    return {d.local_id: docs.body(d, send_number, items) for d in documents}


def _send(provider, ctx, documents, bodies):
    request_id = docs.request_id(documents)
    try:
        if len(documents) == 1:
            document = documents[0]
            entity = docs.ENTITIES[document.kind]
            answer = provider.api(ctx, "POST", f"/{entity.lower()}", write=True,
                                  json=bodies[document.local_id],
                                  params={"requestid": request_id})
            return {document.local_id: _created(provider, ctx, document, answer[entity])}
        items = [{"bId": str(d.local_id), "operation": "create",
                  docs.ENTITIES[d.kind]: bodies[d.local_id]} for d in documents]
        answer = provider.api(ctx, "POST", "/batch", write=True,
                              json={"BatchItemRequest": items}, params={"requestid": request_id})
    except Exception as error:  # noqa: BLE001 - classified by _failed
        return _failed(documents, error)
    by_bid = {item.get("bId"): item for item in answer.get("BatchItemResponse", [])}
    out = {}
    for document in documents:
        item = by_bid.get(str(document.local_id))
        entity = docs.ENTITIES[document.kind]
        if item is None:
            out[document.local_id] = _result(document, PushStatus.UNCERTAIN, code="uncertain",
                                             message=message_for("uncertain"))
        elif "Fault" in item:
            out.update(_failed([document], translate(item["Fault"])))
        else:
            out[document.local_id] = _created(provider, ctx, document, item[entity])
    return out


def _created(provider, ctx, document, record):
    entity = docs.ENTITIES[document.kind]
    return _result(document, PushStatus.CREATED, remote_id=record["Id"],
                   remote_number=record.get("DocNumber", ""),
                   url=provider.link(ctx, entity, record["Id"]))


def _failed(documents, error):
    if isinstance(error, RateLimited):
        return _all(documents, PushStatus.RATE_LIMITED, "rate_limited", error,
                    retry_after=error.retry_after)
    if isinstance(error, UncertainError):
        return _all(documents, PushStatus.UNCERTAIN, "uncertain", error)
    if isinstance(error, TransientError):
        return _all(documents, PushStatus.TRANSIENT, "transient", error)
    if isinstance(error, AuthError):
        return _all(documents, PushStatus.AUTH, error.code, error)
    code = getattr(error, "code", None)
    if code is None:
        raise error
    status = PushStatus.DUPLICATE if code == "duplicate_number" else PushStatus.INVALID
    return _all(documents, status, code, error)


def _all(documents, status, code, error, retry_after=None):
    return {d.local_id: _result(d, status, code=code, message=error.message,
                                retry_after=retry_after) for d in documents}


def _result(document, status, **fields):
    return PushResult(local_id=document.local_id, status=status, **fields)
