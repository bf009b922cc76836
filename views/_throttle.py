"""Sliding-window failure counters in Redis, shared by every web process and machine."""

import time
import uuid

from worker.queue import get_redis


class Throttle:
    """Counts failures per subject over the last `window_seconds`; blocked at the limit.

    A sliding window (a sorted set of failure times) rather than fixed minutes, so a burst
    cannot get twice the limit by straddling a minute boundary.
    """

    def __init__(self, name, limit, window_seconds=60):
        self.name, self.limit, self.window = name, limit, window_seconds

    def _key(self, subject):
        return f"ledgerlink:throttle:{self.name}:{subject}"

    def blocked(self, *subjects):
        """True when any subject has used up its failures in the window."""
        cutoff = time.time() - self.window
        pipe = get_redis().pipeline()
        for subject in subjects:
            pipe.zremrangebyscore(self._key(subject), 0, cutoff)
            pipe.zcard(self._key(subject))
        counts = pipe.execute()[1::2]
        return any(count >= self.limit for count in counts)

    def record_failure(self, *subjects):
        """Count one failure against each subject."""
        now = time.time()
        pipe = get_redis().pipeline()
        for subject in subjects:
            key = self._key(subject)
            pipe.zadd(key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.expire(key, self.window + 5)
        pipe.execute()

    def failures(self, subject):
        """How many failures a subject has in the window."""
        client = get_redis()
        client.zremrangebyscore(self._key(subject), 0, time.time() - self.window)
        return client.zcard(self._key(subject))

    def retry_after(self, *subjects):
        """Whole seconds until every blocked subject is below its limit again (at least 1)."""
        now, wait = time.time(), 1
        client = get_redis()
        for subject in subjects:
            times = [score for _member, score in
                     client.zrange(self._key(subject), 0, -1, withscores=True)]
            if len(times) >= self.limit:
                # Below the limit once enough of the oldest failures have left the window.
                oldest_kept = sorted(times)[len(times) - self.limit]
                wait = max(wait, int(oldest_kept + self.window - now) + 1)
        return wait

    def clear(self, subject):
        """Forget a subject's failures (an administrator unlocking an account)."""
        get_redis().delete(self._key(subject))
