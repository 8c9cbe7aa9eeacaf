"""The console's live state: stations, latest values, link states and recent series; apply(msg) -> ChangeSet.

Live and playback feed the same store, so every view works in both. No Qt here: view-models listen to
change sets and coalesce them at frame rate.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from console.core import protocol
from console.core.models import Reading, Station, StationKind, StationStatus

HISTORY_S = 26 * 3600  # recent series kept in memory for trends (a little more than the 24 h shown)
MIN_SPACING_S = 30.0  # at most one point per 30 s per series (a day's trend needs no more): bounded memory
# Kinds whose every factor keeps a recent series; other kinds keep only their AQI and fetch on demand.
SERIES_KINDS = frozenset({StationKind.AIR, StationKind.WATER, StationKind.SCENIC})
SERIES_FACTORS = frozenset({"AQI_H", "AQI_D"})


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


@dataclass(frozen=True, slots=True)
class Value:
    """The latest value of one factor at one station."""

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
        if self.times and ts < self.times[-1] + MIN_SPACING_S:
            if ts >= self.times[-1]:  # re-sent, or denser than a trend needs: the newest value stands
                self.values[-1], self.flags[-1] = value, flag
            return  # late arrivals older than the newest point are kept by the cache, not here
        self.times.append(ts)
        self.values.append(value)
        self.flags.append(flag)
        while self.times and self.times[0] < ts - HISTORY_S:
            self.times.popleft()
            self.values.popleft()
            self.flags.popleft()

    def merge(self, points: Iterable[tuple[float, float, str]]) -> None:
        """Merge older points (history fetched from the hub) with what is here; time order, no duplicates."""
        merged = dict(zip(self.times, zip(self.values, self.flags, strict=True), strict=True))
        for ts, value, flag in points:
            merged.setdefault(ts, (value, flag))
        self.times.clear()
        self.values.clear()
        self.flags.clear()
        for ts in sorted(merged):
            value, flag = merged[ts]
            self.add(ts, value, flag)

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
        """Apply readings (live or played back); older values never overwrite newer ones."""
        change = ChangeSet()
        latest, stations, series = self.latest, self.stations, self.series
        for r in items:
            per_station = latest.get(r.station)
            if per_station is None:
                if r.station not in stations:
                    continue  # a reading for a station we do not know (yet): the snapshot will bring it
                per_station = latest[r.station] = {}
            old = per_station.get(r.factor)
            if old is None or r.ts >= old.ts:
                per_station[r.factor] = Value(r.ts, r.value, r.flag)
                change.stations.add(r.station)
                change.factors.add((r.station, r.factor))
            if self._keeps_series(stations[r.station], r.factor):
                key = (r.station, r.factor)
                s = series.get(key)
                if s is None:
                    s = series[key] = Series()
                s.add(r.ts, r.value, r.flag)
            if r.ts > self.data_time:
                self.data_time = r.ts
            change.readings += 1
        self.readings_applied += change.readings
        return change

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
        change = ChangeSet()
        latest, stations = self.latest, self.stations
        points: dict[tuple[str, str], list[tuple[float, float, str]]] = {}
        for r in items:
            station = stations.get(r.station)
            if station is None:
                continue
            per_station = latest.setdefault(r.station, {})
            old = per_station.get(r.factor)
            if old is None or r.ts > old.ts:
                per_station[r.factor] = Value(r.ts, r.value, r.flag)
            change.stations.add(r.station)  # its history changed: a chart showing it redraws
            if self._keeps_series(station, r.factor):
                points.setdefault((r.station, r.factor), []).append((r.ts, r.value, r.flag))
            change.factors.add((r.station, r.factor))
            change.readings += 1
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
