"""The console's emergency units: their states, recent trails, freshness and SOS alarms, without Qt.

Fed by ``Snapshot.units`` and ``UnitEvent`` (states and fixes). Fixes take their place by the device's
time, so a phone's buffered fixes and a terminal's back-filled ones land inside the trail, never at its
end; a report without a position ("no fix") never moves a unit; freshness (live, stale after 5 minutes,
lost after 30) is judged on the injected clock, the session's, so a replay greys units as it runs. An SOS
stays raised on this console until an operator acknowledges it here, even when the device clears it
first; the acknowledgement belongs to that alarm (unit and start time), so a later SOS sounds again.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec

from console.core import protocol
from console.core.geo import haversine_m
from console.core.units import Fix, Freshness, UnitState, UnitStatus, freshness

TRAIL_S = 30 * 60.0  # a trail shows the last half hour of a unit's movement ...
TRAIL_POINTS = 200  # ... and never more than this many points
SOS = "sos"
OBSERVED_PER_INCIDENT = 200  # duty changes kept per incident for its board

# Ranks a unit for an incident: seconds by road from (lon, lat) to (lon, lat), or None when unknown.
EtaFn = Callable[[tuple[float, float], tuple[float, float]], float | None]


@dataclass
class UnitChange:
    """What one applied message changed in the unit book."""

    snapshot: bool = False
    units: set[str] = field(default_factory=set)  # ids whose duty, assignment, alarms or record changed
    moved: set[str] = field(default_factory=set)  # ids whose newest position or trail changed
    sos: set[str] = field(default_factory=set)  # ids that raised a new SOS

    def merge(self, other: UnitChange) -> None:
        self.snapshot |= other.snapshot
        self.units |= other.units
        self.moved |= other.moved
        self.sos |= other.sos

    def __bool__(self) -> bool:
        return self.snapshot or bool(self.units or self.moved or self.sos)


class UnitMarker(msgspec.Struct, array_like=True, frozen=True):
    """A unit on the map, as the page takes it: ``[id, kind, name, lon, lat, heading, look, note, sos,
    status, trail, add]`` (WGS-84). ``trail`` (``[[lon, lat, ts], ...]``) replaces the page's copy when
    given; else ``add`` holds the points that came at its newest end. ``note`` is the age text of a
    stale or lost unit ("12 min")."""

    id: str
    kind: str
    name: str
    lon: float | None
    lat: float | None
    heading: float
    look: str
    note: str
    sos: bool
    status: str
    trail: list[tuple[float, float, float]] | None = None
    add: list[tuple[float, float, float]] = []


@dataclass(frozen=True)
class Candidate:
    """A unit that could go to an incident: its straight-line distance and, with a road network, ETA."""

    unit: UnitState
    distance_m: float
    eta_s: float | None = None
    freshness: Freshness = Freshness.LIVE


class UnitBook:
    """Units by id with their trails; answers what the map, the tracking view and the board need.

    ``clock`` is the session's clock; ``trail_s`` and ``trail_points`` bound every trail.
    """

    def __init__(
        self, clock: Callable[[], float], *, trail_s: float = TRAIL_S, trail_points: int = TRAIL_POINTS
    ) -> None:
        self.clock = clock
        self.trail_s = trail_s
        self.trail_points = trail_points
        self.units: dict[str, UnitState] = {}
        self.trails: dict[str, list[Fix]] = {}  # fixes with a position, in device-time order
        self.reported: dict[str, float] = {}  # device time of the newest report, fix or not
        self.sos_pending: dict[str, float] = {}  # unit -> start of an SOS not acknowledged here
        self._sos_start: dict[str, float] = {}  # unit -> start of the SOS it reports now
        self._acked: set[tuple[str, float]] = set()
        self._looks: dict[str, Freshness] = {}
        self._reshaped: set[str] = set()  # trails that changed other than at their newest end
        # incident -> (time seen here, unit, status): duty changes this console saw happen live
        self.observed: dict[str, list[tuple[float, str, UnitStatus]]] = {}

    # --- applying messages ----------------------------------------------------------------------------

    def apply(self, message: protocol.HubMessage) -> UnitChange:
        """Apply a snapshot or unit event; anything else changes nothing."""
        if isinstance(message, protocol.Snapshot):
            return self._apply_snapshot(message.units)
        if isinstance(message, protocol.UnitEvent):
            return self._apply_event(message.units, message.fixes)
        return UnitChange()

    def _apply_snapshot(self, states: list[UnitState]) -> UnitChange:
        change = UnitChange(snapshot=True)
        known = {s.info.id for s in states}
        for gone in set(self.units) - known:  # no longer registered at the hub
            del self.units[gone]
            self.trails.pop(gone, None)
            self.reported.pop(gone, None)
            self._sos_start.pop(gone, None)
            self.sos_pending.pop(gone, None)
        for state in states:
            self._put_state(state, change, (), live=False)
        self._reshaped |= known
        change.units |= known
        change.moved |= known
        return change

    def _apply_event(self, states: list[UnitState], fixes: list[Fix]) -> UnitChange:
        change = UnitChange()
        by_unit: dict[str, list[Fix]] = {}
        for fix in fixes:
            by_unit.setdefault(fix.unit, []).append(fix)
        for state in states:
            self._put_state(state, change, by_unit.get(state.info.id, ()))
        stated = {s.info.id for s in states}
        for unit_id, unit_fixes in by_unit.items():
            if unit_id in self.units:
                self._add_fixes(unit_id, unit_fixes, change, alarms_from_fixes=unit_id not in stated)
        return change

    def _put_state(
        self, state: UnitState, change: UnitChange, fixes: Iterable[Fix], *, live: bool = True
    ) -> None:
        unit_id = state.info.id
        old = self.units.get(unit_id)
        # the newest position either side knows: a no-fix or late report never moves the marker back
        last = _newest(old.last if old is not None else None, state.last)
        if old is not None and state.version < old.version:
            state = old  # an older duty than ours: only its position may be news
        if state.last != last:
            state = _with(state, last=last)
        self.units[unit_id] = state
        if (
            live
            and state.incident
            and (old is None or (old.status, old.incident) != (state.status, state.incident))
        ):
            seen = self.observed.setdefault(state.incident, [])
            seen.append((self.clock(), unit_id, state.status))
            del seen[:-OBSERVED_PER_INCIDENT]
        if old is None or (old.info, old.status, old.incident, old.alarms, old.version) != (
            state.info, state.status, state.incident, state.alarms, state.version,
        ):  # fmt: skip
            change.units.add(unit_id)
        if old is None or old.last != state.last:
            change.moved.add(unit_id)
        if state.last is not None:
            self._insert(unit_id, state.last)
        times = [f.ts for f in fixes] + ([state.last.ts] if state.last is not None else [])
        if times:
            self.reported[unit_id] = max(self.reported.get(unit_id, float("-inf")), *times)
        self._note_alarms(unit_id, state.alarms, [f for f in fixes if SOS in f.alarms], change)

    def _add_fixes(
        self, unit_id: str, fixes: list[Fix], change: UnitChange, *, alarms_from_fixes: bool
    ) -> None:
        state = self.units[unit_id]
        newest_report = max(fixes, key=lambda f: f.ts)
        for fix in fixes:
            if fix.fix and self._insert(unit_id, fix):
                change.moved.add(unit_id)
            if fix.fix and _newer(fix, state.last):
                state = _with(state, last=fix)
        if alarms_from_fixes and newest_report.ts >= self.reported.get(unit_id, float("-inf")):
            self.reported[unit_id] = newest_report.ts
            if state.alarms != newest_report.alarms:
                state = _with(state, alarms=newest_report.alarms)
                change.units.add(unit_id)
            self._note_alarms(unit_id, state.alarms, [f for f in fixes if SOS in f.alarms], change)
        self.units[unit_id] = state

    def _insert(self, unit_id: str, fix: Fix) -> bool:
        """Put a fix in the trail at its time (a repeat of a stored moment is ignored); True if added."""
        trail = self.trails.setdefault(unit_id, [])
        if not trail or fix.ts > trail[-1].ts:  # the usual case: the newest report so far
            i = len(trail)
            trail.append(fix)
        else:
            i = bisect.bisect_left(trail, fix.ts, key=_time)
            if trail[i].ts == fix.ts:
                return False
            trail.insert(i, fix)
            self._reshaped.add(unit_id)  # a late fix inside the trail: it is sent whole again
        newest = trail[-1].ts
        if trail[0].ts >= newest - self.trail_s:  # nothing too old: only the count may cut
            cut = len(trail) - self.trail_points
        else:
            cut = max(
                bisect.bisect_left(trail, newest - self.trail_s, key=_time), len(trail) - self.trail_points
            )
        if cut > 0:
            del trail[:cut]  # the page cuts its copy by the same bounds
        return i >= cut

    def _note_alarms(
        self, unit_id: str, alarms: tuple[str, ...], sos_fixes: list[Fix], change: UnitChange
    ) -> None:
        if SOS not in alarms:
            self._sos_start.pop(unit_id, None)  # cleared on the device; a pending one waits for its ack
            return
        if unit_id in self._sos_start:
            return
        state = self.units[unit_id]
        if sos_fixes:
            start = min(f.ts for f in sos_fixes)
        else:
            start = state.last.ts if state.last is not None else self.clock()
        self._sos_start[unit_id] = start
        if (unit_id, start) not in self._acked:
            self.sos_pending[unit_id] = start
            change.sos.add(unit_id)
            change.units.add(unit_id)

    # --- what the views ask -----------------------------------------------------------------------------

    def get(self, unit_id: str) -> UnitState | None:
        return self.units.get(unit_id)

    def trail(self, unit_id: str) -> list[Fix]:
        """The unit's recent positions, oldest first."""
        return list(self.trails.get(unit_id, ()))

    def take_reshaped(self) -> set[str]:
        """Units whose trail changed other than by new points at its end since the last call."""
        reshaped, self._reshaped = self._reshaped, set()
        return reshaped

    def age(self, unit_id: str) -> float | None:
        """Seconds since the unit's newest position, on the session's clock (None: never had one)."""
        state = self.units.get(unit_id)
        if state is None or state.last is None:
            return None
        return max(0.0, self.clock() - state.last.ts)

    def freshness(self, unit_id: str) -> Freshness:
        state = self.units.get(unit_id)
        return freshness(state.last.ts if state and state.last else None, self.clock())

    def refresh(self) -> set[str]:
        """Units whose freshness changed since the last call (the clock moved on, or a fix came)."""
        changed = set()
        for unit_id in self.units:
            look = self.freshness(unit_id)
            if self._looks.get(unit_id) != look:
                self._looks[unit_id] = look
                changed.add(unit_id)
        for gone in set(self._looks) - set(self.units):
            del self._looks[gone]
        return changed

    def sos(self) -> set[str]:
        """Units whose SOS has not been acknowledged on this console."""
        return {u for u in self.sos_pending if u in self.units}

    def acknowledge_sos(self, unit_id: str) -> bool:
        """An operator has seen this unit's SOS: it stops pulsing and sounding here. False if none."""
        start = self.sos_pending.pop(unit_id, None)
        if start is None:
            return False
        self._acked.add((unit_id, start))
        return True

    def assigned_to(self, incident_id: str) -> list[UnitState]:
        """Units the hub shows assigned to an incident, by name."""
        return sorted(
            (u for u in self.units.values() if incident_id and u.incident == incident_id),
            key=lambda u: u.info.name,
        )

    def candidates(
        self, lon: float, lat: float, *, eta: EtaFn | None = None, limit: int = 8
    ) -> list[Candidate]:
        """Available units with a position that is not lost, nearest first: by ETA along the road network
        when ``eta`` answers for every one of them, else by straight-line distance."""
        now = self.clock()
        out = []
        for unit in self.units.values():
            if unit.status != UnitStatus.AVAILABLE or unit.last is None:
                continue
            look = freshness(unit.last.ts, now)
            if look == Freshness.LOST:
                continue
            distance = haversine_m(unit.last.lon, unit.last.lat, lon, lat)
            seconds = eta((unit.last.lon, unit.last.lat), (lon, lat)) if eta is not None else None
            out.append(Candidate(unit, distance, seconds, look))
        by_eta = bool(out) and all(c.eta_s is not None for c in out)
        out.sort(key=lambda c: (c.eta_s if by_eta else c.distance_m, c.unit.info.name))
        if not by_eta:
            out = [Candidate(c.unit, c.distance_m, None, c.freshness) for c in out]
        return out[:limit]


def _newer(fix: Fix | None, than: Fix | None) -> bool:
    return fix is not None and fix.fix and (than is None or fix.ts > than.ts)


def _newest(a: Fix | None, b: Fix | None) -> Fix | None:
    """The newer of two fixes with a position (None when neither has one)."""
    a = a if a is not None and a.fix else None
    return b if _newer(b, a) else a


def _with(state: UnitState, **changes: object) -> UnitState:
    return msgspec.structs.replace(state, **changes)


def track_distance_m(points: Iterable[Fix], start: float | None = None, end: float | None = None) -> float:
    """Metres covered along a track between ``start`` and ``end`` (device time), no-fix points skipped."""
    total = 0.0
    previous: Fix | None = None
    for point in sorted(points, key=lambda p: p.ts):
        if not point.fix or (start is not None and point.ts < start) or (end is not None and point.ts > end):
            continue
        if previous is not None:
            total += haversine_m(previous.lon, previous.lat, point.lon, point.lat)
        previous = point
    return total


def _time(fix: Fix) -> float:
    return fix.ts
