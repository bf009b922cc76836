"""Fixed-window failure counters in Redis, shared by every web process and machine."""

import time

from sync.queue import get_redis


class Throttle:
    """Counts failures per key in one-minute windows; blocked once a key reaches the limit."""

    def __init__(self, name, limit, window_seconds=60):
        self.name, self.limit, self.window = name, limit, window_seconds

    def _key(self, subject):
        return f"ledgerlink:throttle:{self.name}:{subject}:{int(time.time() // self.window)}"

    def blocked(self, *subjects):
        """True when any subject has used up its failures for this window."""
        keys = [self._key(s) for s in subjects]
        counts = get_redis().mget(keys)
        return any(int(c or 0) >= self.limit for c in counts)

    def record_failure(self, *subjects):
        """Count one failure against each subject."""
        pipe = get_redis().pipeline()
        for subject in subjects:
            key = self._key(subject)
            pipe.incr(key)
            pipe.expire(key, self.window * 2)
        pipe.execute()
