"""Reading the packages' answers, tolerantly: the one layer every provider parses through.

An answer of a shape Ledgerlink does not expect (not JSON, a list where an object belongs, a
missing field, an id that is not an id) becomes a plain `ProviderError`, never an exception in a
job: `UnexpectedAnswer` (nothing was changed; worth retrying later) or, once a write of the same
call was answered, `UnconfirmedWrite` (it may have been applied: check before sending again).
The raw answer goes to the log through the standard `logging` module, cut short; like every
record, it is scrubbed of secrets by the app's log filter (logs.py), which providers do not
import.

How the providers use it: their API layer reads every body with `json_of`; each public method
that reads answers is decorated with `@tolerant`; the wire modules read fields with `records`,
`ident`, `text`, `money`, `day`, `flag` and `active`; paged lists go through `pages`, or, read
one page a call, `next_page`.
"""

import contextvars
import functools
import logging
from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from providers.base import PushResult
from providers.base import TransientError
from providers.base import UncertainError

log = logging.getLogger("ledgerlink.providers")

MAX_PAGES = 500  # pages of one list before we stop reading (200 records a page: 100,000)
RAW_LIMIT = 2000  # characters of a raw answer kept in the log
# What a wrongly shaped answer raises while a wire function reads it.
SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, InvalidOperation)


class UnexpectedShape(ValueError):
    """An answer, or a field of it, is not of the shape the reader expects."""


class UnexpectedAnswer(TransientError):
    """The package answered in a form we do not understand; nothing was changed."""


class UnconfirmedWrite(UncertainError):
    """A write was answered in a form we do not understand: it may have been applied."""


def unexpected(provider_name, wrote=False):
    """The error for an answer we cannot read: UnconfirmedWrite when a write was answered."""
    if wrote:
        return UnconfirmedWrite(
            "unexpected_answer", f"{provider_name} answered in a form Ledgerlink does not "
            "understand, so it is not known whether the change was saved. Ledgerlink will check "
            "before sending it again.")
    return UnexpectedAnswer("unexpected_answer", f"{provider_name} answered in a form Ledgerlink "
                            "does not understand; nothing was changed.")


# --- the answers of one provider call -----------------------------------------------------------


class _Seen:
    """The answers read during one provider call: the last one (for the log) and whether a
    write was answered successfully."""

    def __init__(self):
        self.last, self.wrote = None, False

    def note(self, response, write):
        """Remember an answer."""
        self.last = response
        self.wrote = self.wrote or (write and response.status_code < 300)


_SEEN = contextvars.ContextVar("provider_answers_seen", default=None)


def tolerant(method):
    """Decorate a provider method that reads answers: a shape error while it runs becomes
    `unexpected(...)` for the provider, with the last answer it read in the log.

    Errors raised before any answer was read (a caller's mistake) pass through unchanged.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        outer, seen = _SEEN.get(), _Seen()
        token = _SEEN.set(seen)
        try:
            return method(self, *args, **kwargs)
        except SHAPE_ERRORS as exc:
            if seen.last is None:
                raise
            _log_raw(self.name, seen.last, f"{type(exc).__name__}: {exc}",
                     exc_info=not isinstance(exc, UnexpectedShape))  # where, if it was ours
            raise unexpected(self.name, seen.wrote) from exc
        finally:
            _SEEN.reset(token)
            if outer is not None and seen.last is not None:
                outer.last, outer.wrote = seen.last, outer.wrote or seen.wrote

    return wrapper


def tolerant_push(method):
    """Decorate a provider's `push(ctx, documents)` like `tolerant`, except that an answer it
    cannot read becomes every document's result (uncertain once a write was answered), as a push
    reports failures per document."""
    read = tolerant(method)

    @functools.wraps(method)
    def wrapper(self, ctx, documents):
        try:
            return read(self, ctx, documents)
        except (UnexpectedAnswer, UnconfirmedWrite) as exc:
            return [PushResult.from_error(document.local_id, exc) for document in documents]

    return wrapper


def json_of(provider_name, response, write=False):
    """The JSON object of a successful answer; an answer that is not a JSON object raises
    `unexpected(...)`."""
    return _parsed(provider_name, response, write, "a JSON object",
                   lambda body: isinstance(body, dict))


def json_list_of(provider_name, response):
    """The JSON list of objects of a successful read (Xero's /connections); else
    `unexpected(...)`."""
    return _parsed(provider_name, response, False, "a JSON list of objects",
                   lambda body: isinstance(body, list)
                   and all(isinstance(item, dict) for item in body))


def _parsed(provider_name, response, write, wanted, fits):
    seen = _SEEN.get()
    if seen is not None:
        seen.note(response, write)
    try:
        body = response.json()
    except ValueError:
        body = None
    if fits(body):
        return body
    wrote = (write and response.status_code < 300) or bool(seen and seen.wrote)
    _log_raw(provider_name, response, f"not {wanted}")
    raise unexpected(provider_name, wrote)


def _log_raw(provider_name, response, why, exc_info=False):
    request = getattr(response, "request", None)
    where = f"{getattr(request, 'method', '?')} {_path(getattr(request, 'url', ''))}"
    log.warning("%s answered in an unexpected form (%s; %s, HTTP %s): %s", provider_name, why,
                where, response.status_code, cut(response.text), exc_info=exc_info)


def _path(url):
    """A URL without its query string (which may carry ids and filters, never needed here)."""
    return (url or "").split("?", 1)[0]


def cut(text):
    """A raw answer for the log: at most RAW_LIMIT characters (secrets are masked by the app's
    log filter, as in every record)."""
    return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT] + f"... ({len(text)} characters)"


# --- reading fields -----------------------------------------------------------------------------


def records(body, key, missing_ok=False):
    """The records under `key` of a list answer: a list of objects. One object where the list
    belongs is read as a list of one (an empty object, or null, as none); a missing key is
    an unexpected shape unless `missing_ok` (QuickBooks leaves out an empty list)."""
    if isinstance(body, dict) and key not in body and missing_ok:
        return []
    if not isinstance(body, dict) or key not in body:
        raise UnexpectedShape(f"no {key!r} in the answer")
    value = body[key]
    if value is None or value == {}:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    raise UnexpectedShape(f"{key!r} is not a list of records")


def member(body, key):
    """The object under `key` of an answer."""
    value = body.get(key) if isinstance(body, dict) else None
    if not isinstance(value, dict):
        raise UnexpectedShape(f"no {key!r} object in the answer")
    return value


def ident(value):
    """An id as a string, from the moment it is read (some packages send ids as JSON numbers)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    raise UnexpectedShape(f"{value!r} is not an id")


def optional_ident(value):
    """An id as a string, or None when the answer has none."""
    return None if value in (None, "") else ident(value)


def text(value):
    """A text field as a string ("" when absent; a number, as some send numbers, as text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    raise UnexpectedShape(f"{value!r} is not text")


def money(value):
    """An amount as a Decimal (0 when absent)."""
    if value in (None, ""):
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise UnexpectedShape(f"{value!r} is not an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise UnexpectedShape(f"{value!r} is not an amount")
    return amount


def day(value):
    """The date of ISO 8601 text, a date or a date-time ("2025-03-31T00:00:00Z"); None when
    absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise UnexpectedShape(f"{value!r} is not a date")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise UnexpectedShape(f"{value!r} is not a date") from None


def flag(value, default):
    """A true/false field; `default` when the answer leaves it out."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise UnexpectedShape(f"{value!r} is not true or false")


def active(status, active_values):
    """Whether a record with this status is active: absent means active, unless the package
    says otherwise (the same rule for every package and every list)."""
    if status in (None, ""):
        return True
    return text(status).lower() in {v.lower() for v in active_values}


# --- paging -------------------------------------------------------------------------------------


def pages(provider_name, fetch, max_pages=MAX_PAGES):
    """The records of a paged list, `fetch(page number)` giving (records, more pages follow).

    Stops when a page says nothing follows, comes back empty, or repeats the page before (some
    packages answer "more pages" for ever); past `max_pages` raises UnexpectedAnswer.
    """
    previous = None
    for number in range(1, max_pages + 1):
        page, more = fetch(number)
        if not page or page == previous:
            return
        yield from page
        if not more:
            return
        previous = page
    raise too_many_pages(provider_name, max_pages)


def next_page(provider_name, page, records, more, max_pages=MAX_PAGES):
    """The page to read after `page` of a list read one page a call, or None: none after an
    empty page or once the package says nothing follows; past `max_pages` raises
    UnexpectedAnswer (some packages answer "more pages" for ever)."""
    if not records or not more:
        return None
    check_pages(provider_name, page, more, max_pages)
    return page + 1


def check_pages(provider_name, page, more, max_pages=MAX_PAGES):
    """Raise UnexpectedAnswer when a list still says more pages follow after `max_pages`."""
    if more and page >= max_pages:
        raise too_many_pages(provider_name, max_pages)


def too_many_pages(provider_name, max_pages):
    """The error for a list that still says more pages follow after `max_pages` (logged)."""
    log.warning("%s still said more pages follow after %s pages; stopped reading", provider_name,
                max_pages)
    return UnexpectedAnswer("unexpected_answer", f"{provider_name} kept saying more pages "
                            f"follow after {max_pages} pages, so Ledgerlink stopped reading the "
                            "list; nothing was changed.")


def nested(record, outer, key):
    """record[outer][key] when both are there, else None (an odd shape is not an error here)."""
    inner = record.get(outer) if isinstance(record, dict) else None
    return inner.get(key) if isinstance(inner, dict) else None
