"""A station's last 24 hours from the hub, fetched once when it is first chosen, merged into its series."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from console.core.clock import Clock
from console.core.hubapi import HubApi, HubApiError
from console.core.store import ChangeSet, Store

log = logging.getLogger(__name__)
DAY_S = 86400.0


class StationHistory:
    """Trends need the last day: a chosen station's series are filled from the hub's history, once each.

    Live data continue the merged series; ``on_changes`` gets what each merge changed in the store.
    """

    def __init__(
        self, store: Store, api: HubApi, clock: Clock, on_changes: Callable[[ChangeSet], None]
    ) -> None:
        self.store, self.api, self.clock, self.on_changes = store, api, clock, on_changes
        self._fetched: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def watch(self, station_id: str) -> None:
        """Keep every factor of the station from now on and fetch its last day, unless done before."""
        if not station_id or station_id not in self.store.stations:
            return
        self.store.track(station_id)
        if station_id in self._fetched:
            return
        self._fetched.add(station_id)
        task = asyncio.ensure_future(self.fetch(station_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def fetch(self, station_id: str) -> None:
        """The last 24 h of each factor of a station (up to its newest data, else now), merged."""
        station = self.store.stations[station_id]
        end = self.store.data_time or self.clock.now()
        for code in station.factors:
            try:
                points = await self.api.history(station_id, code, end - DAY_S, end + 60)
            except HubApiError as exc:
                log.warning("history of %s %s unavailable: %s", station_id, code, exc)
                continue
            self.on_changes(self.store.merge_history(station_id, code, points))

    async def stop(self) -> None:
        """Cancel the fetches in progress."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
