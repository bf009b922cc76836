"""Our side of the providers' rate limits: one budget per tenant in Redis, shared by all workers.

Budgets are the published limits less some headroom. A 429's Retry-After pauses every worker on
that tenant; the remaining-quota headers are kept for the Integrations page. Besides the per-second,
per-minute and per-day windows, a call may name a bucket with a window of its own: QuickBooks
counts its /batch calls separately ("batch_per_minute"), so a batch call takes a slot in both.
RATE_BUDGET off (only for benchmarks against the sandbox with its limits off) lets every call go.
"""

import time
import uuid

from flask import current_app
from flask import has_app_context

from providers import REGISTRY
from providers.base import Provider
from providers.base import RateLimited
from providers.errors import message_for

HEADROOM = 0.9
MAX_WAIT_SECONDS = 20.0  # wait this long for budget in-process; beyond, the job reschedules
# When the provider says a window is used up, pause the tenant this long (its windows reset at
# times we cannot see; a 429's Retry-After, when one comes, is more exact and wins).
EXHAUSTED_PAUSE = {"minute_remaining": 60, "day_remaining": 3600}

QUOTA_HEADERS = {
    "X-DayLimit-Remaining": "day_remaining",
    "X-MinLimit-Remaining": "minute_remaining",
    "X-Rate-Limit-Remaining": "minute_remaining",
    "X-RateLimit-Remaining": "minute_remaining",
}


def budget(provider_id):
    """Our budget for a provider: its published limits (`rate_limits`) with headroom."""
    published = REGISTRY.get(provider_id, Provider).rate_limits  # Provider: a default
    return {k: max(1, int(v * HEADROOM)) if k != "concurrent" else v for k, v in published.items()}


class RedisGate:
    """A RequestGate backed by Redis: sliding windows, a concurrency count, pauses, quota."""

    def __init__(self, redis, provider_id, tenant_id, sleep=time.sleep, max_wait=MAX_WAIT_SECONDS):
        self.redis, self.limits = redis, budget(provider_id)
        self.key = f"ledgerlink:rate:{provider_id}:{tenant_id}"
        self.sleep, self.max_wait = sleep, max_wait
        self.slot = None
        self.enforce = not has_app_context() or bool(current_app.config.get("RATE_BUDGET", True))

    def _windows(self, bucket):
        """(name, limit, seconds) of every window a call in `bucket` counts in."""
        windows = [("second", self.limits.get("per_second"), 1),
                   ("minute", self.limits.get("per_minute"), 60),
                   ("day", self.limits.get("per_day"), 86400)]
        if bucket:
            windows.append((f"{bucket}_minute", self.limits.get(f"{bucket}_per_minute"), 60))
        return [w for w in windows if w[1]]

    def _wait_needed(self, bucket=""):
        """Seconds until a call is allowed (0 means a slot was taken)."""
        now = time.time()
        paused = float(self.redis.get(self.key + ":pause") or 0)
        if paused > now:
            return paused - now
        windows = self._windows(bucket)
        pipe = self.redis.pipeline()
        for name, _limit, span in windows:
            pipe.zremrangebyscore(f"{self.key}:{name}", 0, now - span)
            pipe.zcard(f"{self.key}:{name}")
            pipe.zrange(f"{self.key}:{name}", 0, 0, withscores=True)
        results = pipe.execute()
        index = 0
        for _name, limit, span in windows:
            count, oldest = results[index + 1], results[index + 2]
            index += 3
            if count >= limit:
                return max(0.01, oldest[0][1] + span - now)
        return 0.0

    def before(self, bucket=""):
        """Take a slot in every window (and the bucket's), waiting up to max_wait; else raise
        RateLimited."""
        if not self.enforce:
            return
        waited = 0.0
        while True:
            wait = self._wait_needed(bucket)
            if wait == 0.0 and self._take(bucket):
                return
            wait = wait or 0.05
            if waited + wait > self.max_wait:
                raise RateLimited("rate_limited", message_for("rate_limited"), retry_after=wait)
            self.sleep(wait)
            waited += wait

    def _take(self, bucket=""):
        """Record the call unless the concurrency limit is reached.

        The window check and the add are not one atomic step, so a few workers racing may
        overshoot by a call or two; the headroom below the published limit absorbs that.
        """
        now = time.time()
        member = f"{now}:{uuid.uuid4().hex[:8]}"
        concurrent = self.limits.get("concurrent")
        if concurrent:
            if self.redis.incr(self.key + ":inflight") > concurrent:
                self.redis.decr(self.key + ":inflight")
                return False
            self.redis.expire(self.key + ":inflight", 120)
        with self.redis.pipeline() as pipe:
            for name, _limit, span in self._windows(bucket):
                pipe.zadd(f"{self.key}:{name}", {member: now})
                pipe.expire(f"{self.key}:{name}", span + 60)
            pipe.execute()
        self.slot = bool(concurrent)
        return True

    def after(self, status_code, headers):
        """Release the concurrency slot; honour Retry-After; keep the quota headers."""
        if self.slot:
            self.redis.decr(self.key + ":inflight")
            self.slot = False
        quota = {field: headers[name] for name, field in QUOTA_HEADERS.items() if name in headers}
        if quota:
            self.redis.hset(self.key + ":quota", mapping={**quota, "at": int(time.time())})
        waits = [EXHAUSTED_PAUSE[field] for field, value in quota.items()
                 if str(value).strip() == "0"]
        if status_code == 429:
            try:
                waits = [float(headers.get("Retry-After", 60))]
            except ValueError:
                waits = [60.0]
        if waits:
            self.pause(max(waits))

    def pause(self, seconds):
        """Hold every worker's calls to this tenant for `seconds` (never shortening a pause)."""
        until = time.time() + seconds
        current = float(self.redis.get(self.key + ":pause") or 0)
        if until > current:
            self.redis.set(self.key + ":pause", until, ex=max(1, int(seconds) + 1))

    def quota(self):
        """The last remaining-quota figures the provider reported, as ints."""
        raw = self.redis.hgetall(self.key + ":quota")
        return {k.decode(): int(v) for k, v in raw.items()}
