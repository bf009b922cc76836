"""The behaviour every provider shares through providers.base: a failed push's result, pushing
one at a time, and when a refresh token lapses."""

import time

import pytest

from providers.base import AuthError
from providers.base import ProviderError
from providers.base import PushResult
from providers.base import PushStatus
from providers.base import RateLimited
from providers.base import TokenSet
from providers.base import TransientError
from providers.base import UncertainError
from providers.base import push_each
from providers.base import with_refresh_expiry


@pytest.mark.parametrize(("error", "status"), [
    (RateLimited("rate_limited", "slow down", retry_after=30), PushStatus.RATE_LIMITED),
    (RateLimited("daily_limit", "tomorrow", retry_after=3600), PushStatus.RATE_LIMITED),
    (AuthError("reconnect", "reconnect"), PushStatus.AUTH),
    (UncertainError("uncertain", "may have landed"), PushStatus.UNCERTAIN),
    (TransientError("transient", "try later"), PushStatus.TRANSIENT),
    (ProviderError("duplicate_number", "already there"), PushStatus.DUPLICATE),
    (ProviderError("account_invalid", "bad account"), PushStatus.INVALID),
    (ProviderError("validation", "rejected"), PushStatus.INVALID),
])
def test_a_failed_push_gets_its_status_code_and_message_from_the_error(error, status):
    result = PushResult.from_error(7, error, remote_number="S-7")
    assert result.status == status and result.local_id == 7
    assert (result.code, result.message) == (error.code, error.message)
    assert result.retry_after == error.retry_after and result.remote_number == "S-7"
    assert result.remote_id == "" and result.url == ""


class _Doc:
    def __init__(self, local_id):
        self.local_id = local_id


@pytest.mark.parametrize("error", [RateLimited("rate_limited", "slow down", retry_after=5),
                                   AuthError("reconnect", "reconnect")])
def test_push_each_stops_sending_after_a_rate_limit_or_lost_grant(error):
    sent = []

    def push_one(doc):
        sent.append(doc.local_id)
        if doc.local_id == 2:
            raise error
        return PushResult(doc.local_id, PushStatus.CREATED, remote_id=f"r{doc.local_id}")

    results = push_each([_Doc(i) for i in (1, 2, 3, 4)], push_one)
    assert sent == [1, 2]
    assert [r.local_id for r in results] == [1, 2, 3, 4]
    assert results[0].status == PushStatus.CREATED
    expected = PushResult.from_error(2, error)
    for result in results[1:]:
        assert (result.status, result.code, result.message, result.retry_after) == (
            expected.status, expected.code, expected.message, expected.retry_after)


def test_push_each_carries_on_after_other_failures():
    def push_one(doc):
        if doc.local_id == 1:
            raise ProviderError("contact_missing", "no such contact")
        if doc.local_id == 2:
            raise TransientError("transient", "try later")
        return PushResult(doc.local_id, PushStatus.CREATED)

    results = push_each([_Doc(i) for i in (1, 2, 3)], push_one)
    assert [r.status for r in results] == [PushStatus.INVALID, PushStatus.TRANSIENT,
                                           PushStatus.CREATED]
    assert results[0].code == "contact_missing"


def test_push_each_lets_a_programming_error_through():
    def push_one(doc):
        raise KeyError("Id")

    with pytest.raises(KeyError):
        push_each([_Doc(1)], push_one)


def test_refresh_expiry_is_set_from_seconds_or_left_alone():
    tokens = TokenSet("a", "r", expires_at=0)
    before = time.time()
    assert with_refresh_expiry(tokens, "86400") is tokens
    assert before + 86400 <= tokens.refresh_expires_at <= time.time() + 86400
    unchanged = TokenSet("a", "r", expires_at=0, refresh_expires_at=123.0)
    assert with_refresh_expiry(unchanged, None).refresh_expires_at == 123.0
