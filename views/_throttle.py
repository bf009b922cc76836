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
