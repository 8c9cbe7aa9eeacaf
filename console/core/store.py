"""The console's live state: stations, latest values, link states and recent series; apply(msg) -> ChangeSet.

Live and playback feed the same store, so every view works in both. No Qt here: view-models listen to
change sets and coalesce them at frame rate.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter

import msgspec

from console.core import protocol
from console.core.models import Reading, Station, StationKind, StationStatus

HISTORY_S = 26 * 3600  # recent series kept in memory for trends (a little more than the 24 h shown)
MIN_SPACING_S = 30.0  # at most one point per 30 s per series (a day's trend needs no more): bounded memory
# Kinds whose every factor keeps a recent series; other kinds keep only their AQI and fetch on demand.
SERIES_KINDS = frozenset({StationKind.AIR, StationKind.WATER, StationKind.SCENIC})
SERIES_FACTORS = frozenset({"AQI_H", "AQI_D"})
_first = itemgetter(0)


@dataclass
class ChangeSet:
    """What one applied message changed; merged by view-models between two redraws."""

    snapshot: bool = False  # everything changed (first contact or resync)
    stations: set[str] = field(default_factory=set)  # stations with new values or status
    factors: set[tuple[str, str]] = field(default_factory=set)  # (station, factor) with new values
    status: set[str] = field(default_factory=set)  # stations whose link state changed
    readings: int = 0

    def merge(self, other: ChangeSet) -> None:
        self.snapshot |= other.snapshot
        self.stations |= other.stations
        self.factors |= other.factors
        self.status |= other.status
        self.readings += other.readings

    def __bool__(self) -> bool:
        return self.snapshot or bool(self.stations or self.status)


class Value(msgspec.Struct, frozen=True, gc=False):
    """The latest value of one factor at one station (a struct: made for every reading applied, cheaply)."""

    ts: float
    value: float
    flag: str


class Series:
    """A bounded time series of (ts, value, flag), kept in time order."""

    __slots__ = ("flags", "times", "values")

    def __init__(self) -> None:
        self.times: deque[float] = deque()
        self.values: deque[float] = deque()
        self.flags: deque[str] = deque()

    def add(self, ts: float, value: float, flag: str) -> None:
        times = self.times
        if times and ts < times[-1] + MIN_SPACING_S:
            if ts >= times[-1]:  # re-sent, or denser than a trend needs: the newest value stands
                self.values[-1], self.flags[-1] = value, flag
            return  # late arrivals older than the newest point are kept by the cache, not here
        times.append(ts)
        self.values.append(value)
        self.flags.append(flag)
        if times[0] < ts - HISTORY_S:
            self._trim(ts - HISTORY_S)

    def _trim(self, oldest: float) -> None:
        times, values, flags = self.times, self.values, self.flags
        while times and times[0] < oldest:
            times.popleft()
            values.popleft()
            flags.popleft()

    def merge(self, points: Iterable[tuple[float, float, str]]) -> None:
        """Merge older points (history fetched from the hub) with what is here; time order, no duplicates
        (a point already here stands). The same as adding the union in time order, in one pass."""
        new = sorted(points, key=_first)  # stable: of equal times, the first given stands
        if not new:
            return
        here = list(zip(self.times, self.values, self.flags, strict=True))
        if here and new[0][0] > here[-1][0]:
            union = here + new  # all newer: the common case of a frame played after the history
        elif here and new[-1][0] < here[0][0]:
            union = new + here  # all older: history fetched before what was applied
        else:
            union = sorted(here + new, key=_first)  # here first: of equal times, the point here stands
        times: list[float] = []
        values: list[float] = []
        flags: list[str] = []
        previous = None
        for ts, value, flag in union:
            if ts == previous:
                continue  # a duplicate: the first stands
            previous = ts
            if times and ts < times[-1] + MIN_SPACING_S:
                values[-1], flags[-1] = value, flag
                continue
            times.append(ts)
            values.append(value)
            flags.append(flag)
        first = bisect_left(times, times[-1] - HISTORY_S)
        self.times.clear()  # the same deques: whoever holds one sees the merge
        self.times.extend(times[first:])
        self.values.clear()
        self.values.extend(values[first:])
        self.flags.clear()
        self.flags.extend(flags[first:])

    def __len__(self) -> int:
        return len(self.times)


class Store:
    """Applies hub messages; the single source of truth for what the console shows."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything applied (a replay seeking elsewhere); the tracked stations stay tracked."""
        self.stations: dict[str, Station] = {}
        self.latest: dict[str, dict[str, Value]] = {}
        self.status: dict[str, protocol.StatusEntry] = {}
        self.series: dict[tuple[str, str], Series] = {}
        self.tracked: set[str] = getattr(self, "tracked", set())  # stations whose every factor keeps a series
        self.epoch = ""
        self.seq = 0
        self.data_time = 0.0  # newest data time applied
        self.readings_applied = 0
        self.backfilled: list[tuple[float, float]] = []  # data-time spans filled from the hub's history

    def apply(self, message: protocol.HubMessage) -> ChangeSet:
        """Apply one message; returns what changed (empty for messages that change no state)."""
        if isinstance(message, protocol.Readings):
            change = self.apply_readings(message.items)
        elif isinstance(message, protocol.StationEvent):
            change = self._apply_status([message.entry])
        elif isinstance(message, protocol.Snapshot):
            change = self._apply_snapshot(message)
        else:
            return ChangeSet()
        if isinstance(message, (protocol.Readings, protocol.StationEvent, protocol.Snapshot)):
            self.epoch, self.seq = message.epoch, message.seq
        return change

    def apply_readings(self, items: Iterable[Reading]) -> ChangeSet:
        """Apply readings (live or played back); older values never overwrite newer ones.

        One pass with what belongs to a station looked up once for its run of readings (a frame of data
        comes station by station): a minute of a 1,000-station network is 6,000 readings a GUI frame."""
        changed_stations: set[str] = set()
        changed_factors: set[tuple[str, str]] = set()
        latest, stations, series, tracked = self.latest, self.stations, self.series, self.tracked
        count = 0
        newest = self.data_time
        current: str | None = None
        per_station: dict[str, Value] | None = None
        every_factor = False
        for r in items:
            sid = r.station
            if sid != current:
                current = sid
                station = stations.get(sid)
                if station is None:
                    per_station = None  # a station we do not know (yet): the snapshot will bring it
                    continue
                per_station = latest.get(sid)
                if per_station is None:
                    per_station = latest[sid] = {}
                every_factor = station.kind in SERIES_KINDS or sid in tracked
            elif per_station is None:
                continue
            factor, ts = r.factor, r.ts
            key = (sid, factor)
            old = per_station.get(factor)
            if old is None or ts >= old.ts:
                per_station[factor] = Value(ts, r.value, r.flag)
                changed_stations.add(sid)
                changed_factors.add(key)
            if every_factor or factor in SERIES_FACTORS:
                points = series.get(key)
                if points is None:
                    points = series[key] = Series()
                times = points.times
                if times and ts < times[-1] + MIN_SPACING_S:
                    points.add(ts, r.value, r.flag)  # a value replaced or one kept by the cache: rare
                else:  # Series.add inlined: one point a minute at each of 6,000 series at 3600x
                    times.append(ts)
                    points.values.append(r.value)
                    points.flags.append(r.flag)
                    if times[0] < ts - HISTORY_S:
                        points._trim(ts - HISTORY_S)
            if ts > newest:
                newest = ts
            count += 1
        self.data_time = newest
        self.readings_applied += count
        return ChangeSet(stations=changed_stations, factors=changed_factors, readings=count)

    def _apply_status(self, entries: Iterable[protocol.StatusEntry]) -> ChangeSet:
        change = ChangeSet()
        for entry in entries:
            self.status[entry.station] = entry
            change.status.add(entry.station)
            change.stations.add(entry.station)
        return change

    def _apply_snapshot(self, snapshot: protocol.Snapshot) -> ChangeSet:
        self.stations = {s.id: s for s in snapshot.stations}
        self.latest = {sid: v for sid, v in self.latest.items() if sid in self.stations}
        self.status = {}
        change = self.apply_readings(snapshot.latest)
        change.merge(self._apply_status(snapshot.status))
        change.snapshot = True
        return change

    def apply_backfill(self, items: Iterable[Reading], span: tuple[float, float] | None = None) -> ChangeSet:
        """Apply readings fetched from the hub's history to fill a gap: merged into the series in time order
        (live points stay), latest values only where newer. ``span`` is recorded as back-filled for charts."""
        changed_stations: set[str] = set()
        changed_factors: set[tuple[str, str]] = set()
        latest, stations, tracked = self.latest, self.stations, self.tracked
        points: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        count = 0
        current: str | None = None
        per_station: dict[str, Value] | None = None
        every_factor = False
        for r in items:
            sid = r.station
            if sid != current:
                current = sid
                station = stations.get(sid)
                if station is None:
                    per_station = None
                    continue
                per_station = latest.setdefault(sid, {})
                every_factor = station.kind in SERIES_KINDS or sid in tracked
                changed_stations.add(sid)  # its history changed: a chart showing it redraws
            elif per_station is None:
                continue
            factor, ts = r.factor, r.ts
            key = (sid, factor)
            old = per_station.get(factor)
            if old is None or ts > old.ts:
                per_station[factor] = Value(ts, r.value, r.flag)
            if every_factor or factor in SERIES_FACTORS:
                found = points.get(key)
                if found is None:
                    found = points[key] = []
                found.append((ts, r.value, r.flag))
            changed_factors.add(key)
            count += 1
        change = ChangeSet(stations=changed_stations, factors=changed_factors, readings=count)
        for key, new in points.items():
            series = self.series.get(key)
            if series is None:
                series = self.series[key] = Series()
            series.merge(new)
        if span is not None:
            self.backfilled.append(span)
        self.readings_applied += change.readings
        return change

    def _keeps_series(self, station: Station, factor: str) -> bool:
        """Whether a recent series is kept for this factor at this station (trends draw from it)."""
        return factor in SERIES_FACTORS or station.kind in SERIES_KINDS or station.id in self.tracked

    def track(self, station: str) -> bool:
        """Keep series of every factor of a station from now on; True when it was not tracked before."""
        if station in self.tracked or self.stations.get(station) is None:
            return False
        if self.stations[station].kind in SERIES_KINDS:
            return False  # already kept
        self.tracked.add(station)
        return True

    def merge_history(
        self, station: str, factor: str, points: Iterable[tuple[float, float, str]]
    ) -> ChangeSet:
        """Add history fetched from the hub to a station's series (for trends)."""
        series = self.series.get((station, factor))
        if series is None:
            series = self.series[(station, factor)] = Series()
        series.merge(points)
        return ChangeSet(stations={station}, factors={(station, factor)})

    def value(self, station: str, factor: str) -> Value | None:
        """The latest value of a factor at a station, or None."""
        return self.latest.get(station, {}).get(factor)

    def station_status(self, station: str) -> StationStatus:
        entry = self.status.get(station)
        return entry.status if entry else StationStatus.OFFLINE

    def stations_of(self, kind: StationKind) -> list[Station]:
        return [s for s in self.stations.values() if s.kind == kind]
