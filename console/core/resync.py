"""Gap-free resync: after a snapshot that replaced a resume, fill the gap from the hub's REST history.

When the hub cannot replay what a console missed (the gap is older than its replay window, or the hub
restarted with a new epoch), it sends a snapshot: latest values and states, but not the readings in
between. :class:`Resync` notices this (a ``welcome`` with ``resumed`` false while the console already held
data), then pages ``/api/readings`` from shortly before the console's newest data time up to the
snapshot's, and applies every reading the console does not already have: not in the cache, and not
received live since the snapshot. The margin before the newest data time catches readings that came a
little late. Readings that came much later (a logger re-sending hours of data after an outage) the hub
records by arrival: a second pass asks for every late arrival since the start of the gap, whatever its
data time. Progress goes to ``on_progress`` (0..1, by station, since pages run in station order); the
filled span is recorded in the store so charts mark it.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from console.core import protocol
from console.core.cache import Cache, CacheWriter
from console.core.hubapi import HubApi, HubApiError
from console.core.models import Reading
from console.core.store import ChangeSet, Store

log = logging.getLogger(__name__)

MARGIN_S = 900.0  # data time fetched before the newest reading held: late arrivals are in the gap too
PAGE = 20_000
PAGE_TRIES = 5


@dataclass
class ResyncResult:
    """What one back-fill did."""

    start: float
    end: float
    fetched: int = 0  # readings the hub returned
    applied: int = 0  # readings the console did not have
    pages: int = 0
    late: int = 0  # of those applied: late arrivals older than the gap
    error: str = ""


class Resync:
    """Watches the messages the console applies and back-fills the gap after a snapshot that was a resync.

    ``on_changes(change, readings)`` is called with what each back-filled batch changed in the store and
    the readings it applied (none when only the filled span is to be redrawn).
    """

    def __init__(
        self,
        store: Store,
        api: HubApi,
        on_changes: Callable[[ChangeSet, Sequence[Reading]], None],
        on_progress: Callable[[float | None], None] = lambda _: None,
        cache: Cache | None = None,
        writer: CacheWriter | None = None,
        margin_s: float = MARGIN_S,
    ) -> None:
        self.store, self.api, self.cache, self.writer = store, api, cache, writer
        self.on_changes, self.on_progress = on_changes, on_progress
        self.margin_s = margin_s
        self.results: list[ResyncResult] = []
        self._gap_from: float | None = None
        self._live: set[tuple[str, str, float]] | None = None  # keys received live while a fill runs
        self._live_until = 0.0
        self._task: asyncio.Task[ResyncResult] | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def before(self, message: protocol.HubMessage) -> None:
        """Call before the store applies a message."""
        if isinstance(message, protocol.Welcome) and not message.resumed and self.store.data_time > 0:
            self._gap_from = self.store.data_time - self.margin_s

    def after(self, message: protocol.HubMessage) -> None:
        """Call after the store applied a message."""
        if isinstance(message, protocol.Readings) and self._live is not None:
            until = self._live_until
            self._live.update((r.station, r.factor, r.ts) for r in message.items if r.ts <= until)
        elif isinstance(message, protocol.Snapshot) and self._gap_from is not None:
            start, self._gap_from = self._gap_from, None
            end = max((r.ts for r in message.latest), default=self.store.data_time)
            if end > start:
                if self._task is not None:
                    self._task.cancel()  # a newer snapshot: fill from the older start to the newer end
                    start = min(start, self.results[-1].start) if self.results else start
                self._live, self._live_until = set(), end
                self._task = asyncio.ensure_future(self.fill(start, end))

    async def wait(self) -> None:
        """Until the running fill (if any) is done."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def fill(self, start: float, end: float) -> ResyncResult:
        """Fetch [start, end] page by page and apply what the console does not have."""
        result = ResyncResult(start, end)
        self.results.append(result)
        loop = asyncio.get_running_loop()
        stations = sorted(self.store.stations)
        self.on_progress(0.0)
        try:
            known: set[tuple[str, str, float]] = set()
            if self.cache is not None and self.writer is not None:
                await loop.run_in_executor(None, self.writer.flush, 30.0)
                known = await loop.run_in_executor(None, self.cache.keys_between, start, end)
            after = None
            while True:
                items, after = await self._page(start, end, after)
                result.pages += 1
                result.fetched += len(items)
                result.applied += self._apply(_missing(items, known, self._live or set()))
                if after is None:
                    break
                self.on_progress(_fraction(stations, after[0]))
            self.store.backfilled.append((start, end))
            # every chart redraws with the span dashed (an earlier, cancelled fill may have drawn its part)
            self.on_changes(ChangeSet(stations=set(self.store.stations)), ())
            await self._fill_late(start, result)
            log.info(
                "back-filled %.0f s of data time: %d readings fetched, %d new (%d late arrivals), %d pages",
                end - start, result.fetched, result.applied, result.late, result.pages,
            )  # fmt: skip
        except HubApiError as exc:
            result.error = str(exc)
            log.warning("back-fill of the gap stopped: %s", exc)
        finally:
            self._live = None
            self.on_progress(None)
        return result

    async def _fill_late(self, since: float, result: ResyncResult) -> None:
        """Apply the late arrivals since the hub's data clock stood at ``since`` that are older than the gap
        (newer ones came with the pass by data time) and that the console does not have."""
        loop = asyncio.get_running_loop()
        after = None
        while True:
            items, after = await self._page(0.0, 0.0, after, arrived_since=since)
            result.pages += 1
            older = [r for r in items if r.ts < since]
            result.fetched += len(older)
            known: set[tuple[str, str, float]] = set()
            if older and self.cache is not None:
                wanted = [(r.station, r.factor, r.ts) for r in older]
                known = await loop.run_in_executor(None, self.cache.stored_keys, wanted)
            applied = self._apply(_missing(older, known, self._live or set()))
            result.applied, result.late = result.applied + applied, result.late + applied
            if after is None:
                return

    def _apply(self, new: list[Reading]) -> int:
        """Apply back-filled readings to the store and the cache; how many."""
        if new:
            self.on_changes(self.store.apply_backfill(new), new)
            if self.writer is not None:
                self.writer.submit_readings(new, backfilled=True)
        return len(new)

    async def _page(
        self,
        start: float,
        end: float,
        after: tuple[str, str, float] | None,
        arrived_since: float | None = None,
    ) -> tuple[list[Reading], tuple[str, str, float] | None]:
        """One page, tried up to PAGE_TRIES times with a doubling pause (a hub just restarted may be busy)."""
        delay, attempt = 0.5, 1
        while True:
            try:
                return await self.api.readings(start, end, after, PAGE, arrived_since)
            except HubApiError as exc:
                if attempt >= PAGE_TRIES:
                    raise
                log.info("back-fill page failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
                delay, attempt = delay * 2, attempt + 1


def _missing(
    items: list[Reading], known: set[tuple[str, str, float]], live: set[tuple[str, str, float]]
) -> list[Reading]:
    """The readings whose key is neither stored nor received live."""
    out = []
    for r in items:
        key = (r.station, r.factor, r.ts)
        if key not in known and key not in live:
            out.append(r)
    return out


def _fraction(stations: list[str], station: str) -> float:
    """How far through the station list a page ending at ``station`` is."""
    return bisect.bisect_right(stations, station) / max(1, len(stations))
