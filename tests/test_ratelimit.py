"""Our shared rate budget in Redis: windows, concurrency, Retry-After pauses, quota headers."""

import pytest

from connections.ratelimit import RedisGate
from connections.ratelimit import budget
from providers.base import RateLimited
from worker.queue import get_redis


class FakeSleep:
    """Records waits instead of sleeping, advancing nothing (the gate re-checks Redis)."""

    def __init__(self):
        self.waits = []

    def __call__(self, seconds):
        self.waits.append(seconds)


def test_budget_keeps_headroom_below_the_published_limits():
    assert budget("xero") == {"per_minute": 54, "concurrent": 5, "per_day": 4500}
    assert budget("qbo")["per_second"] == 9


def test_minute_window_is_shared_between_gates(redis_url):
    redis = get_redis(redis_url)
    first = RedisGate(redis, "zoho", "org1", sleep=FakeSleep(), max_wait=0.5)
    second = RedisGate(redis, "zoho", "org1", sleep=FakeSleep(), max_wait=0.5)
    for _ in range(45):
        first.before()
        first.after(200, {})
    for _ in range(45):
        second.before()
        second.after(200, {})
    with pytest.raises(RateLimited) as caught:
        second.before()
    assert caught.value.retry_after > 0
    other_tenant = RedisGate(redis, "zoho", "org2", sleep=FakeSleep(), max_wait=0.5)
    other_tenant.before()  # budgets are per tenant


def test_concurrency_slots_are_released_after_each_call(redis_url):
    redis = get_redis(redis_url)
    gates = [RedisGate(redis, "xero", "t", sleep=FakeSleep(), max_wait=0.2) for _ in range(6)]
    for gate in gates[:5]:
        gate.before()
    with pytest.raises(RateLimited):
        gates[5].before()
    gates[0].after(200, {})
    gates[5].before()


def test_retry_after_pauses_every_worker_on_the_tenant(redis_url):
    redis = get_redis(redis_url)
    gate = RedisGate(redis, "sage", "b1", sleep=FakeSleep(), max_wait=5)
    gate.before()
    gate.after(429, {"Retry-After": "30"})
    other = RedisGate(redis, "sage", "b1", sleep=FakeSleep(), max_wait=5)
    with pytest.raises(RateLimited) as caught:
        other.before()
    assert 25 < caught.value.retry_after <= 30


def test_quota_headers_are_kept_for_the_ui(redis_url):
    redis = get_redis(redis_url)
    gate = RedisGate(redis, "xero", "t2")
    gate.before()
    gate.after(200, {"X-DayLimit-Remaining": "4321", "X-MinLimit-Remaining": "59"})
    assert RedisGate(redis, "xero", "t2").quota()["day_remaining"] == 4321


def test_a_used_up_window_in_the_quota_headers_pauses_the_tenant(redis_url):
    redis = get_redis(redis_url)
    gate = RedisGate(redis, "xero", "t3", sleep=FakeSleep(), max_wait=5)
    gate.before()
    gate.after(200, {"X-MinLimit-Remaining": "0", "X-DayLimit-Remaining": "100"})
    with pytest.raises(RateLimited) as caught:
        RedisGate(redis, "xero", "t3", sleep=FakeSleep(), max_wait=5).before()
    assert 55 < caught.value.retry_after <= 60
    day = RedisGate(redis, "xero", "t4", sleep=FakeSleep(), max_wait=5)
    day.before()
    day.after(200, {"X-DayLimit-Remaining": "0"})
    with pytest.raises(RateLimited) as caught:
        RedisGate(redis, "xero", "t4", sleep=FakeSleep(), max_wait=5).before()
    assert caught.value.retry_after > 3000


def test_quickbooks_batch_calls_have_a_per_minute_window_of_their_own(redis_url):
    redis = get_redis(redis_url)
    gate = RedisGate(redis, "qbo", "realm", sleep=FakeSleep(), max_wait=0.5)
    assert gate.limits["batch_per_minute"] == 36
    gate.limits["per_second"] = None  # this test is about the batch window alone
    for _ in range(36):
        gate.before("batch")
        gate.after(200, {})
    with pytest.raises(RateLimited) as caught:
        gate.before("batch")
    assert 55 < caught.value.retry_after <= 60
    gate.before()  # other calls still go: the realm's own window has room
    gate.after(200, {})


def test_the_per_day_window_is_kept(redis_url):
    redis = get_redis(redis_url)
    gate = RedisGate(redis, "zoho", "org-day", sleep=FakeSleep(), max_wait=0.5)
    assert gate.limits["per_day"] == 900
    gate.limits["per_day"] = 3
    for _ in range(3):
        gate.before()
        gate.after(200, {})
    with pytest.raises(RateLimited) as caught:
        gate.before()
    assert caught.value.retry_after > 86000


def test_rate_budget_off_lets_every_call_go(app, redis_url):
    app.config["RATE_BUDGET"] = False
    with app.app_context():
        gate = RedisGate(get_redis(redis_url), "xero", "t5", sleep=FakeSleep(), max_wait=0.1)
        for _ in range(100):
            gate.before()
            gate.after(200, {})
    with pytest.raises(RateLimited):  # outside the switch, the budget holds
        for _ in range(100):
            RedisGate(get_redis(redis_url), "xero", "t6", sleep=FakeSleep(), max_wait=0.1).before()
