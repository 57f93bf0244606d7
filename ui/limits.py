"""A per-session sliding-window rate limit."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from threading import Lock

WINDOW_SECONDS = 60.0


class RateLimiter:
    """Allow at most `per_minute` actions per key (a browser session) in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = Lock()

    def allow(self, key: str) -> bool:
        """Record an action for a key and say whether it is within the limit."""
        now = self.clock()
        with self._lock:
            stamps = self._seen.setdefault(key, deque())
            while stamps and now - stamps[0] >= WINDOW_SECONDS:
                stamps.popleft()
            if len(stamps) >= self.per_minute:
                return False
            stamps.append(now)
            if len(self._seen) > 10_000:  # forget idle sessions so memory stays bounded
                for stale in [k for k, v in self._seen.items() if not v or now - v[-1] >= WINDOW_SECONDS]:
                    del self._seen[stale]
            return True

    def wait_seconds(self, key: str) -> int:
        """Whole seconds until a key may act again (0 when it may now)."""
        now = self.clock()
        with self._lock:
            stamps = self._seen.get(key)
            if not stamps or len(stamps) < self.per_minute:
                return 0
            return max(1, int(WINDOW_SECONDS - (now - stamps[0]) + 0.999))
