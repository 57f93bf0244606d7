"""Sliding-window rate limits (per session, per client address) and a lock-out for failed logins."""

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


class LoginThrottle:
    """Failed logins per key (a client address): a few free, then a lock-out that doubles with each one.

    An attempt counts as failed from the moment it starts and is forgiven only when it succeeds, so a
    burst of parallel guesses cannot all slip in before the first of them is known to be wrong.
    """

    def __init__(
        self,
        free: int = 5,
        first_lock: float = 1.0,
        max_lock: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.first_lock = first_lock
        self.max_lock = max_lock
        self.clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # key: (failed attempts, locked until)
        self._lock = Lock()

    def attempt(self, key: str) -> int:
        """Whole seconds the key must wait (0: go ahead; the attempt counts as failed until it succeeds)."""
        now = self.clock()
        with self._lock:
            count, until = self._failures.get(key, (0, now))
            if now < until:
                return max(1, int(until - now + 0.999))
            if now - until >= self.max_lock:  # quiet for a long lock-out: start afresh
                count = 0
            count += 1
            doublings = min(count - self.free - 1, 30)  # 2**30 s is far past any max_lock
            lock = min(self.first_lock * 2**doublings, self.max_lock) if count > self.free else 0.0
            self._failures[key] = (count, now + lock)
            if len(self._failures) > 10_000:  # forget long-quiet keys so memory stays bounded
                for stale in [k for k, (_, u) in self._failures.items() if now - u >= self.max_lock]:
                    del self._failures[stale]
            return 0

    def succeeded(self, key: str) -> None:
        """Forget a key's failures after a correct login."""
        with self._lock:
            self._failures.pop(key, None)
