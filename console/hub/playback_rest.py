"""REST routes of replay: the state at a moment, a stretch of history in time order, and the timeline.

``GET /api/playback/at?t=T`` -> StateAt; ``GET /api/playback/range?start=A&end=B`` -> Stretch (readings
and incident changes of (A, B] in time order, at most STRETCH_LIMIT readings: ask again from
``complete_to``); ``GET /api/playback/timeline`` -> TimelineData. Token-checked like every other route.
The answers are built by console.core.replay.HistoryReader over the hub's tables, as an episode file's are.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from aiohttp import web

from console.core.models import Station
from console.core.replay import (
    STRETCH_LIMIT,
    HistoryReader,
    StateAt,
    Stretch,
    TimelineData,
    timeline_from_hours,
)
from console.hub import incident_store
from console.hub.rest import MISSING_TOKEN, BadNumber, _error, _json, number, session_of

if TYPE_CHECKING:
    from console.hub.server import Hub

MAX_RANGE_S = 31 * 86400.0  # one stretch request looks at most a month ahead
TIMELINE_TTL_S = 60.0  # the timeline is computed at most once a minute (a scan of the hourly roll-up)


def add_playback_routes(app: web.Application, hub: Hub) -> None:
    """Register the replay routes on ``app``."""
    history = HubHistory(hub.storage.engine, lambda: hub.registry.stations, hub.config.tz_hours)
    for path, handler in (
        ("/api/playback/at", state_at),
        ("/api/playback/range", stretch),
        ("/api/playback/timeline", timeline),
    ):
        app.router.add_get(path, functools.partial(handler, hub, history))


class HubHistory:
    """The replay questions over the hub's database (any thread: one connection per question)."""

    def __init__(self, engine: sa.Engine, stations: Any, tz_hours: float = 8) -> None:
        self._engine = engine
        incident_store.metadata.create_all(engine)  # a database of imported history only has none yet
        self._stations = stations  # () -> the hub's stations
        self._tz_hours = tz_hours
        self._timeline: tuple[float, TimelineData] | None = None
        self._derived: tuple[float, set[str]] | None = None  # stations with derived AQI, and when asked
        self._unit_ids: tuple[float, list[str]] | None = None  # the units on record, and when asked

    @contextmanager
    def reader(self) -> Iterator[HistoryReader]:
        with self._engine.connect() as conn:
            raw = conn.connection.driver_connection if self._engine.dialect.name == "sqlite" else None

            def rows(sql: str, params: dict[str, Any]) -> Sequence[Any]:
                if (
                    raw is not None
                ):  # SQLite takes the :named SQL as it is, without SQLAlchemy's work per query
                    return raw.execute(sql, params).fetchall()  # type: ignore[no-any-return]
                return conn.execute(sa.text(sql), params).all()

            yield HistoryReader(rows, tz_hours=self._tz_hours)

    def stations(self) -> list[Station]:
        return list(self._stations())

    def state_at(self, t: float) -> StateAt:
        with self.reader() as reader:
            if self._derived is None or time.monotonic() - self._derived[0] > TIMELINE_TTL_S:
                self._derived = (time.monotonic(), reader.derived_stations())
            # no lookup of hourly and daily AQI labels at stations that never had any
            return reader.state_at(t, self.stations(), derived=self._derived[1])

    def stretch(self, start: float, end: float, limit: int = STRETCH_LIMIT) -> Stretch:
        stations = self.stations()
        frames_per_s = sum(1.0 / max(s.interval_s, 1) for s in stations) or 1.0
        # what the limit can hold, twice over: a request never makes the database sort far more than it sends
        end = min(end, start + max(2.0 * limit / frames_per_s, 60.0), start + MAX_RANGE_S)
        with self.reader() as reader:
            if self._unit_ids is None or time.monotonic() - self._unit_ids[0] > TIMELINE_TTL_S:
                self._unit_ids = (time.monotonic(), [u.id for u in reader.units()])
            return reader.stretch(start, end, [s.id for s in stations], limit, self._unit_ids[1])

    def timeline(self) -> TimelineData:
        cached = self._timeline
        if cached is not None and time.monotonic() - cached[0] < TIMELINE_TTL_S:
            return cached[1]
        stations = self.stations()
        with self.reader() as reader:
            span = reader.span() or (0.0, 0.0)
            found = timeline_from_hours(reader.city_hours(), reader.first_findings(), span, stations)
        self._timeline = (time.monotonic(), found)
        return found


async def state_at(hub: Hub, history: HubHistory, request: web.Request) -> web.Response:
    """``/api/playback/at?t=T``: stations, the newest value of each at or before T, incidents as of T."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    try:
        t = number(request.query, "t")
    except BadNumber as exc:
        return _error(400, f"t must be Unix seconds: {exc}")
    found = await asyncio.get_running_loop().run_in_executor(None, history.state_at, t)
    return _json(found)


async def stretch(hub: Hub, history: HubHistory, request: web.Request) -> web.Response:
    """``/api/playback/range?start=A&end=B``: readings and incident changes of (A, B], time ordered."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    try:
        start, end = number(request.query, "start"), number(request.query, "end")
    except BadNumber as exc:
        return _error(400, f"start and end must be Unix seconds: {exc}")
    if not (math.isfinite(start) and start <= end):
        return _error(400, "start is after end")
    found = await asyncio.get_running_loop().run_in_executor(None, history.stretch, start, end)
    return _json(found)


async def timeline(hub: Hub, history: HubHistory, request: web.Request) -> web.Response:
    """``/api/playback/timeline``: coverage, pollution episodes (city AQI > 200), incident markers."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    found = await asyncio.get_running_loop().run_in_executor(None, history.timeline)
    return _json(found)
