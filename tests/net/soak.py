"""A headless console for resilience tests and the resume benchmark: link, store, local cache and resync.

It is the console's data path without Qt (console.app wires the same objects): every hub message goes
through ``Resync.before`` -> ``Store.apply`` -> the cache writer -> ``Resync.after``. ``applied`` counts
every reading the console applied, live or back-filled, by (station, factor, ts), so a test can prove
that nothing was lost and nothing applied twice.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from console.core import protocol
from console.core.cache import Cache, CacheWriter
from console.core.hubapi import HubApi
from console.core.link import Backoff, HubLink
from console.core.models import Reading
from console.core.resync import Resync
from console.core.store import Store


class CountingWriter(CacheWriter):
    """The real cache writer; it also counts every reading handed to it (each one the console applied)."""

    def __init__(self, cache: Cache, applied: Counter) -> None:
        super().__init__(cache)
        self.applied = applied

    def submit_event(self, message: protocol.HubMessage) -> None:
        if isinstance(message, protocol.Readings):
            self.applied.update((r.station, r.factor, r.ts) for r in message.items)
        elif isinstance(message, protocol.Snapshot):  # latest values restated: new to the console or not
            for r in message.latest:
                key = (r.station, r.factor, r.ts)
                if key not in self.applied:
                    self.applied[key] = 1
        super().submit_event(message)

    def submit_readings(self, items, backfilled: bool = False) -> None:
        items = list(items)
        self.applied.update((r.station, r.factor, r.ts) for r in items)
        super().submit_readings(items, backfilled)


class HeadlessConsole:
    """Link + store + cache + resync against a hub URL (e.g. through a fault proxy)."""

    def __init__(self, url: str, token: str, cache_path: Path, margin_s: float = 900.0) -> None:
        self.applied: Counter = Counter()
        self.store = Store()
        self.cache = Cache(cache_path)
        self.writer = CountingWriter(self.cache, self.applied)
        self.api = HubApi(url, token)
        self.progress: list[float | None] = []
        self.resync = Resync(
            self.store, self.api, lambda change: None, self.progress.append,
            cache=self.cache, writer=self.writer, margin_s=margin_s,
        )  # fmt: skip
        snapshot = self.cache.load_snapshot()
        if snapshot is not None:
            self.store.apply(snapshot)
        self.link = HubLink(url, token, self._on_message, lambda status: None,
                            backoff=Backoff(base=0.05, cap=0.3), position=self.cache.position())  # fmt: skip
        self.snapshots = 0

    def _on_message(self, message: protocol.HubMessage) -> None:
        self.resync.before(message)
        self.store.apply(message)
        self.writer.submit_event(message)
        self.resync.after(message)
        if isinstance(message, protocol.Snapshot):
            self.snapshots += 1

    def start(self) -> HeadlessConsole:
        self.link.start()
        return self

    async def caught_up(self, epoch: str, seq: int, timeout: float = 60.0) -> None:
        """Until the link has applied (epoch, seq) and no back-fill runs."""
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._reached(epoch, seq) or self.resync.running:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"not caught up: at {self.link.position}, hub at {(epoch, seq)}")
            await asyncio.sleep(0.02)
        await self.resync.wait()

    def _reached(self, epoch: str, seq: int) -> bool:
        position = self.link.position
        return position is not None and position[0] == epoch and position[1] >= seq

    def duplicates(self) -> int:
        return sum(n - 1 for n in self.applied.values() if n > 1)

    async def close(self) -> None:
        await self.resync.stop()
        await self.link.stop()
        await self.api.close()
        loop = asyncio.get_running_loop()
        if await loop.run_in_executor(None, self.writer.close, 30.0):
            self.cache.close()


def keys(items: list[Reading]) -> set[tuple[str, str, float]]:
    return {(r.station, r.factor, r.ts) for r in items}
