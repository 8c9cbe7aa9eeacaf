"""Quotas of the hub per user and per address: report rates, upload bytes and failed logins."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

DAY_S = 86400.0
MAX_KEYS = 100_000  # tracked users or addresses; beyond it the idle ones are forgotten first


class TokenBuckets:
    """One token bucket per key: ``burst`` at once, refilled at ``per_hour`` an hour."""

    def __init__(self, per_hour: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_hour / 3600
        self.burst = float(max(1, burst))
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)

    def take(self, key: str) -> float:
        """Take a token for ``key``: 0 when it was there, else the seconds until one is."""
        now = self._clock()
        tokens, then = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            _bound(self._buckets)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / self.rate if self.rate > 0 else DAY_S


class DailyBytes:
    """Bytes per key over the last 24 hours (a rolling day), against a limit."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self._clock = clock
        self._spent: dict[str, deque[tuple[float, int]]] = {}

    def used(self, key: str) -> int:
        """Bytes ``key`` spent in the last 24 hours."""
        spent = self._spent.get(key)
        if spent is None:
            return 0
        since = self._clock() - DAY_S
        while spent and spent[0][0] < since:
            spent.popleft()
        return sum(size for _, size in spent)

    def retry_after(self, key: str, size: int) -> float:
        """0 when ``size`` more bytes fit today; else the seconds until they will (a day at most)."""
        used = self.used(key)
        if used + size <= self.limit:
            return 0.0
        spent, freed = self._spent.get(key, deque()), 0
        for when, amount in spent:
            freed += amount
            if used - freed + size <= self.limit:
                return max(1.0, when + DAY_S - self._clock())
        return DAY_S

    def spend(self, key: str, size: int) -> None:
        """Count ``size`` bytes against ``key`` now."""
        self._spent.setdefault(key, deque()).append((self._clock(), size))
        _bound(self._spent)


class FailureThrottle:
    """Failed attempts per key with back-off: after ``free`` failures in a row a key waits ``base_s``, and
    twice as long after each further failure (at most ``max_s``). A success or ``forget_s`` of quiet
    clears the key."""

    def __init__(
        self,
        free: int,
        base_s: float = 30.0,
        max_s: float = 900.0,
        forget_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base_s, self.max_s, self.forget_s = free, base_s, max_s, forget_s
        self._clock = clock
        self._failures: dict[str, tuple[int, float]] = {}  # key -> (failures in a row, last one)

    def wait(self, key: str) -> float:
        """Seconds ``key`` must wait before its next attempt (0: it may try now)."""
        count, last = self._failures.get(key, (0, 0.0))
        now = self._clock()
        if count and now - last > max(self.forget_s, self._lock(count)):
            del self._failures[key]
            return 0.0
        return max(0.0, last + self._lock(count) - now) if count >= self.free else 0.0

    def failed(self, key: str) -> None:
        """Count a failed attempt of ``key``."""
        count, _ = self._failures.get(key, (0, 0.0))
        self._failures[key] = (count + 1, self._clock())
        _bound(self._failures)

    def succeeded(self, key: str) -> None:
        """Clear ``key``'s failures."""
        self._failures.pop(key, None)

    def _lock(self, count: int) -> float:
        return min(self.max_s, self.base_s * 2 ** min(count - self.free, 30)) if count >= self.free else 0.0


def _bound[V](table: dict[str, V]) -> None:
    """Forget the oldest-inserted keys of a table that grew past MAX_KEYS (many addresses or names)."""
    if len(table) > MAX_KEYS:
        for key in list(table)[: len(table) - MAX_KEYS]:
            del table[key]
