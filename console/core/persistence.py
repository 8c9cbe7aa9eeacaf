"""The console's local state on disk: the cache it paints from when the hub is away.

Closing order matters: the cache's engine is disposed of only once its writer thread has stopped. A writer
still inside SQLite when its connections are closed under it can take the whole process down, so when the
writer does not stop in time the engine is left open (and logged) rather than closed under it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.core import protocol
from console.core.cache import HOURLY_DAYS, RAW_DAYS, Cache, CacheWriter
from console.core.clock import LIVE_CLOCK

log = logging.getLogger(__name__)


def open_cache(path: Path) -> Cache:
    """Open the cache; an unreadable file is set aside (renamed, never deleted) and a fresh one started."""
    try:
        return Cache(path)
    except Exception as exc:  # a damaged or foreign file must not stop the wall
        aside = path.with_name(f"{path.name}.unreadable-{int(time.time())}")
        log.error("cache %s unusable (%s); moved aside to %s", path, exc, aside)
        path.rename(aside)
        return Cache(path)


class LocalState:
    """Cache + its writer thread, fed with every message the store applied.

    ``clock`` decides which cached data have expired (``raw_days``, ``hourly_days``)."""

    def __init__(
        self,
        path: Path,
        *,
        raw_days: float = RAW_DAYS,
        hourly_days: float = HOURLY_DAYS,
        clock: Callable[[], float] = LIVE_CLOCK.now,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the console's data: this user's only
        self.cache = open_cache(path)
        self.writer = CacheWriter(self.cache, raw_days=raw_days, hourly_days=hourly_days, clock=clock)

    def snapshot(self) -> protocol.Snapshot | None:
        """What the wall showed last time (stations, values, states): painted before the hub answers."""
        try:
            return self.cache.load_snapshot()
        except Exception:  # an unreadable cache costs the offline picture, never the start
            log.exception("cannot read the cache; starting empty")
            return None

    def position(self) -> tuple[str, int] | None:
        return self.cache.position()

    def region(self) -> dict[str, Any] | None:
        """The region (townships, boundary) the hub gave last time, or None."""
        region: dict[str, Any] | None = self.cache.meta("region")
        return region

    def remember_region(self, region: dict[str, Any]) -> None:
        self.writer.submit_meta("region", region)

    def record(self, message: protocol.HubMessage) -> None:
        """Called after the store applied a message: the same message goes to disk, in order."""
        if isinstance(message, (protocol.Snapshot, *protocol.EVENT_TYPES)):
            self.writer.submit_event(message)

    def close(self, timeout: float = 30.0) -> bool:
        """Write what is queued, stop the writer, then release the file; False when the writer hung."""
        if not self.writer.close(timeout):
            log.error("cache writer still busy after %.0f s; the cache file is left open", timeout)
            _unclosed.append(self)  # keep the engine referenced: never finalised under a running writer
            return False
        self.cache.close()
        return True


_unclosed: list[LocalState] = []
