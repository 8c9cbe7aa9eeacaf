"""Lockout of password guessing: refused logins counted per key (an MN, a source address), with back-off."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Record:
    failures: int = 0  # refusals in the current window
    window_start: float = 0.0
    locks: int = 0  # lockouts in a row: the next one lasts base * 2**locks
    until: float = 0.0  # locked until this moment


class Lockout:
    """After ``limit`` refusals of one key within ``window_s``, the key is locked for ``base_s``; each
    further lockout that follows before the key has been clean for ``cap_s`` lasts twice as long, up to
    ``cap_s``. A success forgets the key. The state lives in the hub, so reconnecting does not reset it.

    At most ``max_keys`` keys are remembered (unknown MNs cost memory too): beyond it the unlocked ones are
    forgotten first, then the oldest.
    """

    def __init__(
        self,
        limit: int = 5,
        *,
        window_s: float = 900.0,
        base_s: float = 1.0,
        cap_s: float = 300.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s, self.base_s, self.cap_s = window_s, base_s, cap_s
        self.max_keys = max_keys
        self.clock = clock
        self._records: dict[str, _Record] = {}

    def locked(self, key: str) -> bool:
        """True while ``key`` is locked out (one dict lookup for a key never refused)."""
        record = self._records.get(key)
        return record is not None and self.clock() < record.until

    def failed(self, key: str) -> bool:
        """Count a refusal of ``key``; True when it locks the key now."""
        now = self.clock()
        record = self._records.get(key)
        if record is None:
            self._make_room()
            record = self._records[key] = _Record(window_start=now)
        if record.locks and now - record.until > self.cap_s:
            record.locks = 0  # clean for long enough: the back-off starts over
        if now - record.window_start > self.window_s:
            record.failures, record.window_start = 0, now
        record.failures += 1
        if record.failures < self.limit:
            return False
        record.until = now + min(self.cap_s, self.base_s * 2**record.locks)
        record.locks += 1
        record.failures, record.window_start = 0, now
        return True

    def succeeded(self, key: str) -> None:
        """``key`` logged in: its refusals are forgotten."""
        if self._records:  # the usual case is one emptiness test on the hot path
            self._records.pop(key, None)

    def _make_room(self) -> None:
        if len(self._records) < self.max_keys:
            return
        now = self.clock()
        self._records = {k: r for k, r in self._records.items() if now < r.until}
        if len(self._records) >= self.max_keys:  # mostly locked: forget the older half
            self._records = dict(list(self._records.items())[self.max_keys // 2 :])
