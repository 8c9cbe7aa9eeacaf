"""Unit states on the hub: every location report judged, placed in device time, stored and published.

A report is kept out of the trail, with a recorded reason, when its time is in the future (more than
``FUTURE_S`` ahead of the hub's clock), before 2000, its position cannot be a place on Earth, or it jumps
further from its neighbours in time than the unit could travel (``MAX_SPEED_KMH``, with ``SLACK_M`` for
position noise). Such reports are stored and counted and show in the track as rejected, never on the map.
A report without a position (``fix`` False) is stored and published, and never moves the unit. The
unit's newest position is the accepted fix with the greatest device time, not the last to arrive.

No I/O here: the caller hands ``take_rows`` to the storage writer and ``take_event`` to the event log.
"""

from __future__ import annotations

import bisect
import math
import secrets
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec

from console.core.geo import haversine_m
from console.core.units import Fix, UnitInfo, UnitKind, UnitSource, UnitState, UnitStatus
from console.hub.site import device_key

FUTURE_S = 300.0  # device time this far ahead of the hub's clock: rejected ("future")
EARLIEST_TS = 946_684_800.0  # 2000-01-01 UTC: older device times are rejected ("implausible_time")
MAX_SPEED_KMH = {UnitKind.DRONE: 500.0}  # drones fly straight and fast
GROUND_SPEED_KMH = 300.0  # every other kind
SLACK_M = 500.0  # a jump up to this far is position noise, whatever the time between
TRAIL_KEEP = 512  # accepted positions per unit held for the jump check
AGREE_TO_MOVE = 3  # rejected jumps in a row that agree with one another move the trail to them
ARRIVAL_M = 200.0  # an en-route unit's fix this near its incident: on scene
SAME = "="  # a report of a known time and place again: stored again, not published again

_encode_info = msgspec.msgpack.Encoder().encode
_decode_info = msgspec.msgpack.Decoder(UnitInfo).decode

# The rows the storage writer takes (storage.FIX_COLUMNS and storage.UNIT_STATE_COLUMNS).
FixRow = tuple[str, float, float, float, float, float, bool, str, str, float]
StateRow = tuple[str, bytes, str, str, int, str, bool]


@dataclass(slots=True)
class UnitSlot:
    """One unit as the tracker holds it."""

    info: UnitInfo
    status: UnitStatus = UnitStatus.AVAILABLE
    incident: str = ""
    version: int = 0
    auth_code: str = ""  # the JT/T 808 auth code issued to its terminal
    learned: bool = False  # registered on the fly (--accept-unknown-units)
    since: float = 0.0  # hub clock when its status last changed (arrival counts fixes after it)
    last: Fix | None = None
    alarms: tuple[str, ...] = ()
    alarms_ts: float = -math.inf  # device time of the report the alarms are from
    positioned: bool = False  # the newest report had an accepted position
    trail: list[tuple[float, float, float]] = field(default_factory=list)  # (ts, lat, lon), by ts
    jumps: list[tuple[float, float, float]] = field(default_factory=list)  # rejected jumps that agree

    def state(self) -> UnitState:
        return UnitState(
            info=self.info,
            status=self.status,
            incident=self.incident,
            last=self.last,
            alarms=self.alarms,
            version=self.version,
        )

    def row(self) -> StateRow:
        info = _encode_info(self.info)
        return (
            self.info.id,
            info,
            str(self.status),
            self.incident,
            self.version,
            self.auth_code,
            self.learned,
        )


# Called with (unit, fix) when an en-route unit's accepted fix is near its incident's place.
NearIncident = Callable[[UnitSlot, Fix], None]


class Tracker:
    """The hub's units: registry lookups by device, reports in, rows to store and events out.

    ``place_of(incident)`` gives an incident's (lat, lon) for the arrival check, None when it has none;
    ``arrived(slot, fix)`` is called when an en-route unit's fix comes within ``ARRIVAL_M`` of it.
    """

    def __init__(
        self,
        units: Iterable[UnitInfo],
        clock: Callable[[], float],
        *,
        place_of: Callable[[str], tuple[float, float] | None] = lambda _: None,
        arrived: NearIncident | None = None,
    ) -> None:
        self.clock = clock
        self.place_of = place_of
        self.arrived = arrived
        self.units: dict[str, UnitSlot] = {}
        self._by_device: dict[tuple[str, str], str] = {}
        for info in units:
            self._add(UnitSlot(info))
        self._rows: list[FixRow] = []
        self._state_rows: dict[str, StateRow] = {}
        self._fixes: list[Fix] = []
        self._changed: set[str] = set()
        self.reports = 0  # reports taken
        self.rejected: Counter[str] = Counter()  # reports kept out of the trail, by reason
        self.no_fix = 0  # reports without a position

    # --- registry ------------------------------------------------------------------------------------------

    def _add(self, slot: UnitSlot) -> None:
        self.units[slot.info.id] = slot
        if slot.info.device:
            self._by_device[(str(slot.info.source), device_key(slot.info.source, slot.info.device))] = (
                slot.info.id
            )

    def by_device(self, source: UnitSource, device: str) -> UnitSlot | None:
        """The unit whose device this is (a JT/T 808 phone number with or without padding zeros)."""
        ident = self._by_device.get((str(source), device_key(source, device)))
        return self.units.get(ident) if ident is not None else None

    def learn(self, source: UnitSource, device: str, name: str = "") -> UnitSlot:
        """Register an unknown device as a unit on the fly: a phone is taken for an inspector, a vehicle
        terminal for a law-enforcement car; the id is the source and the device."""
        kind = UnitKind.INSPECTOR if source == UnitSource.OSMAND else UnitKind.ENFORCEMENT
        key = device_key(source, device)
        ident = f"{source}-{key}"
        while ident in self.units:  # an id of units.csv taken already: stay unique
            ident = f"{source}-{key}-{secrets.token_hex(2)}"
        info = UnitInfo(id=ident, name=name or key, kind=kind, source=source, device=device)
        slot = UnitSlot(info, learned=True)
        self._add(slot)
        self.changed(slot)
        return slot

    def adopt(self, info: UnitInfo) -> UnitSlot:
        """A unit another process registered on the fly (a cluster's ingest node): stored and published
        as a unit learned here would be."""
        slot = UnitSlot(info, learned=True)
        self._add(slot)
        self.changed(slot)
        return slot

    def restore(self, rows: Iterable[tuple[str, bytes, str, str, int, str, bool]]) -> None:
        """Take up stored unit states (duty, auth codes, units learned on the fly)."""
        for ident, info, status, incident, version, auth_code, learned in rows:
            slot = self.units.get(ident)
            if slot is None:
                if not learned:
                    continue  # taken out of units.csv: gone
                slot = UnitSlot(_decode_info(info), learned=True)
                self._add(slot)
            slot.status, slot.incident = UnitStatus(status), incident
            slot.version, slot.auth_code = version, auth_code

    def restore_trail(self, ident: str, fixes: list[Fix]) -> None:
        """Take up a unit's newest stored positions (newest first, as storage gives them)."""
        slot = self.units[ident]
        slot.trail = [(f.ts, f.lat, f.lon) for f in reversed(fixes)]
        if fixes:
            slot.last = fixes[0]
            slot.alarms, slot.alarms_ts, slot.positioned = fixes[0].alarms, fixes[0].ts, True

    def states(self) -> list[UnitState]:
        return [slot.state() for slot in self.units.values()]

    def changed(self, slot: UnitSlot, *, store: bool = True) -> None:
        """A unit's duty or record changed: publish it, and store it when ``store``."""
        self._changed.add(slot.info.id)
        if store:
            self._state_rows[slot.info.id] = slot.row()

    # --- reports -------------------------------------------------------------------------------------------

    def report(self, slot: UnitSlot, fixes: Iterable[Fix]) -> None:
        """Judge, store and publish location reports of one unit (any order, any age)."""
        now = self.clock()
        for fix in fixes:
            self.reports += 1
            reason = self._judge(slot, fix, now)
            alarms = ",".join(fix.alarms)
            stored = "" if reason == SAME else reason
            self._rows.append(
                (
                    slot.info.id,
                    fix.ts,
                    fix.lat,
                    fix.lon,
                    fix.speed_kmh,
                    fix.heading,
                    fix.fix,
                    alarms,
                    stored,
                    now,
                )
            )
            if reason == SAME:
                continue
            if reason:
                self.rejected[reason] += 1
                if reason in ("future", "implausible_time"):
                    continue
            if fix.ts >= slot.alarms_ts:  # the newest report: its alarms and whether it had a position
                if fix.alarms != slot.alarms:
                    self._changed.add(slot.info.id)
                slot.alarms, slot.alarms_ts, slot.positioned = fix.alarms, fix.ts, fix.fix and not reason
            if reason:
                continue
            self._fixes.append(fix)
            if not fix.fix:
                self.no_fix += 1
                continue
            if slot.last is None or fix.ts >= slot.last.ts:
                slot.last = fix
                self._changed.add(slot.info.id)
            self._check_arrival(slot, fix)

    def _judge(self, slot: UnitSlot, fix: Fix, now: float) -> str:
        """Why a report is kept out of the trail, or "" (an accepted fix joins the trail here)."""
        if not math.isfinite(fix.ts) or fix.ts > now + FUTURE_S:
            return "future"
        if fix.ts < EARLIEST_TS:
            return "implausible_time"
        if not fix.fix:
            return ""
        lat, lon = fix.lat, fix.lon
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
            return "bad_position"
        point = (fix.ts, lat, lon)
        trail = slot.trail
        limit = MAX_SPEED_KMH.get(slot.info.kind, GROUND_SPEED_KMH) / 3.6
        if not trail or fix.ts > trail[-1][0]:  # the usual case: the newest report so far
            if trail and _jump(point, trail[-1], limit):
                return "" if self._moved(slot, point, len(trail), limit) else "teleport"
            trail.append(point)
            if len(trail) > TRAIL_KEEP:
                del trail[0]
            if slot.jumps:
                slot.jumps.clear()
            return ""
        at = bisect.bisect_left(trail, point)
        if at < len(trail) and trail[at][0] == fix.ts and trail[at][1:] == (lat, lon):
            return SAME  # the same report again (a terminal re-sending what it was not answered for)
        near = [trail[i] for i in (at - 1, at) if 0 <= i < len(trail)]
        if any(_jump(point, other, limit) for other in near):
            return "" if self._moved(slot, point, at, limit) else "teleport"
        trail.insert(at, point)
        if len(trail) > TRAIL_KEEP:
            del trail[0]
        if at == len(trail) - 1:
            slot.jumps.clear()
        return ""

    def _moved(self, slot: UnitSlot, point: tuple[float, float, float], at: int, limit: float) -> bool:
        """A rejected jump past the newest position: after ``AGREE_TO_MOVE`` such jumps in a row that agree
        with one another (a first fix far off, a unit carried while switched off), the trail moves to them
        and this one is accepted."""
        if at < len(slot.trail):
            return False
        jumps = slot.jumps
        if jumps and _jump(point, jumps[-1], limit):
            jumps.clear()
        jumps.append(point)
        if len(jumps) < AGREE_TO_MOVE:
            return False
        slot.trail, slot.jumps = list(jumps), []
        return True

    def _check_arrival(self, slot: UnitSlot, fix: Fix) -> None:
        if slot.status != UnitStatus.EN_ROUTE or self.arrived is None or fix.ts < slot.since:
            return
        place = self.place_of(slot.incident)
        if place is not None and haversine_m(fix.lon, fix.lat, place[1], place[0]) <= ARRIVAL_M:
            self.arrived(slot, fix)

    # --- out -----------------------------------------------------------------------------------------------

    def take_rows(self) -> tuple[list[FixRow], list[StateRow]]:
        """The reports and unit states to store since the last call."""
        rows, self._rows = self._rows, []
        states, self._state_rows = list(self._state_rows.values()), {}
        return rows, states

    def take_event(self) -> tuple[list[UnitState], list[Fix]]:
        """The units that changed and the reports to publish since the last call (device-time order per
        unit)."""
        fixes, self._fixes = self._fixes, []
        changed, self._changed = self._changed, set()
        fixes.sort(key=_unit_time)
        return [self.units[ident].state() for ident in sorted(changed)], fixes

    @property
    def pending(self) -> int:
        """Reports taken but not yet handed to storage."""
        return len(self._rows)


def _unit_time(fix: Fix) -> tuple[str, float]:
    return fix.unit, fix.ts


def _jump(a: tuple[float, float, float], b: tuple[float, float, float], limit_mps: float) -> bool:
    """True when going from ``a`` to ``b`` (ts, lat, lon) would be faster than ``limit_mps``."""
    return haversine_m(a[2], a[1], b[2], b[1]) > limit_mps * abs(a[0] - b[0]) + SLACK_M
