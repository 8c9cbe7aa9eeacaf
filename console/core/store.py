"""The console's live state: stations, latest values, link states and recent series; apply(msg) -> ChangeSet.

Live and playback feed the same store, so every view works in both. No Qt here: view-models listen to
change sets and coalesce them at frame rate.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any, cast, overload

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


_FLAGS: list[str] = []  # a series keeps its flags as codes into this list (a handful: N F M S D C T B)
_CODES: dict[str, int] = {}


def _code(flag: str) -> int:
    code = _CODES.get(flag)
    if code is None:
        code = _CODES[flag] = len(_FLAGS)
        _FLAGS.append(flag)
    return code


class Points[T](Sequence[T]):
    """One column of a series, from its oldest kept point: ``len``, indexing and iteration (what a chart
    reads). A view: read it at once, as the series changes with the next message applied."""

    __slots__ = ("_column", "_decode", "_head")

    def __init__(self, column: array[Any], head: int, decode: Callable[[Any], T] | None = None) -> None:
        self._column = column
        self._head = head
        self._decode = decode

    def __len__(self) -> int:
        return len(self._column) - self._head

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("series index out of range")
        found = self._column[self._head + index]
        return self._decode(found) if self._decode is not None else cast(T, found)

    def __iter__(self) -> Iterator[T]:
        points = islice(self._column, self._head, None)
        return map(self._decode, points) if self._decode is not None else cast(Iterator[T], points)

    def __repr__(self) -> str:
        return f"Points({list(self)!r})"


class Series:
    """A bounded time series of (ts, value, flag), kept in time order.

    ``times``, ``values`` and ``flags`` are read-only views (len, index, iterate). The points are kept in
    typed arrays, so the garbage collector never walks them (26 h of one-minute data at 6,000 series are
    nine million points: as Python floats in deques, every full collection visited each, for hundreds of
    milliseconds a frame), and take a quarter of the memory."""

    __slots__ = ("_f", "_head", "_t", "_v")

    def __init__(self) -> None:
        self._t = array("d")  # data times; points before _head are trimmed, compacted now and then
        self._v = array("d")
        self._f = array("I")  # flag codes
        self._head = 0

    @property
    def times(self) -> Points[float]:
        return Points(self._t, self._head)

    @property
    def values(self) -> Points[float]:
        return Points(self._v, self._head)

    @property
    def flags(self) -> Points[str]:
        return Points(self._f, self._head, _FLAGS.__getitem__)

    def reset(self) -> None:
        """Forget every point (the arrays stay, to be filled again)."""
        del self._t[:], self._v[:], self._f[:]
        self._head = 0

    def add(self, ts: float, value: float, flag: str) -> None:
        times = self._t
        if times and ts < times[-1] + MIN_SPACING_S:  # (the newest point is never trimmed)
            if ts >= times[-1]:  # re-sent, or denser than a trend needs: the newest value stands
                self._v[-1], self._f[-1] = value, _code(flag)
            return  # late arrivals older than the newest point are kept by the cache, not here
        times.append(ts)
        self._v.append(value)
        self._f.append(_code(flag))
        if times[self._head] < ts - HISTORY_S:
            self._trim(ts - HISTORY_S)

    def _trim(self, oldest: float) -> None:
        """Forget the points before ``oldest``: moved past, and dropped once they are half the arrays."""
        head = self._head = bisect_left(self._t, oldest, lo=self._head)
        if head > 1024 and 2 * head > len(self._t):
            del self._t[:head], self._v[:head], self._f[:head]
            self._head = 0

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
        flags: list[int] = []
        previous = None
        for ts, value, flag in union:
            if ts == previous:
                continue  # a duplicate: the first stands
            previous = ts
            if times and ts < times[-1] + MIN_SPACING_S:
                values[-1], flags[-1] = value, _code(flag)
                continue
            times.append(ts)
            values.append(value)
            flags.append(_code(flag))
        first = bisect_left(times, times[-1] - HISTORY_S)
        self._t, self._v, self._f = (
            array("d", times[first:]),
            array("d", values[first:]),
            array("I", flags[first:]),
        )
        self._head = 0

    def __len__(self) -> int:
        return len(self._t) - self._head


class Store:
    """Applies hub messages; the single source of truth for what the console shows."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Forget everything applied (a replay seeking elsewhere); the tracked stations stay tracked."""
        self.stations: dict[str, Station] = {}
        self.latest: dict[str, dict[str, Value]] = {}
        self.status: dict[str, protocol.StatusEntry] = {}
        # emptied series, made again for the same keys after a replay's seek: a seek makes no new objects
        # for its 6,000 series (each would count towards the garbage collector's next full collection)
        spare: dict[tuple[str, str], Series] = getattr(self, "series", {})
        for emptied in spare.values():
            emptied.reset()
        self._spare = spare
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
        codes = _CODES
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
                    points = series[key] = self._new_series(key)
                times = points._t
                if times and ts < times[-1] + MIN_SPACING_S:
                    points.add(ts, r.value, r.flag)  # a value replaced or one kept by the cache: rare
                else:  # Series.add inlined: one point a minute at each of 6,000 series at 3600x
                    times.append(ts)
                    points._v.append(r.value)
                    code = codes.get(r.flag)
                    points._f.append(code if code is not None else _code(r.flag))
                    if times[points._head] < ts - HISTORY_S:
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
                series = self.series[key] = self._new_series(key)
            series.merge(new)
        if span is not None:
            self.backfilled.append(span)
        self.readings_applied += change.readings
        return change

    def _new_series(self, key: tuple[str, str]) -> Series:
        """A series for ``key``: the one emptied by the last ``clear`` when there is one."""
        spare = self._spare.pop(key, None)
        return spare if spare is not None else Series()

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
            series = self.series[(station, factor)] = self._new_series((station, factor))
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
