"""What a hub node serves consoles from: the live state built from the event stream, and the newest events.

Every node, the leader too, follows the event stream and applies each event here, so a hello at any node gets
a snapshot consistent with that node's applied ``seq``, and a resuming console gets the same bytes the leader
published. No hub-side logic runs here: the state is what the events say, nothing more.
"""

from __future__ import annotations

import time
from collections import deque

import msgspec

from console.core import protocol
from console.core.incidents import OPEN_STATES, Incident
from console.core.models import Reading, Station
from console.core.units import UnitState
from console.hub.forecast.live import OPEN

RECENT_S = 24 * 3600.0  # closed incidents a snapshot still carries (as the single hub's does)


class ServingState:
    """Latest values, station status, incidents, units and warnings as of ``seq`` of ``epoch``."""

    def __init__(self, stations: list[Station], epoch: str = "", seq: int = 0) -> None:
        self.stations = stations
        self.epoch, self.seq = epoch, seq
        self.latest: dict[tuple[str, str], Reading] = {}
        self.status: dict[str, protocol.StatusEntry] = {}
        self.incidents: dict[str, Incident] = {}
        self.units: dict[str, UnitState] = {}
        self.warnings: dict[int, protocol.WarningState] = {}
        self._newest_fix: dict[str, tuple[float, bool]] = {}  # unit -> (time, had a position) of its newest
        self._encoded: tuple[int, bytes] | None = None

    def load(self, snapshot: protocol.Snapshot) -> None:
        """Start from a saved snapshot (its stations stay those of this node's site)."""
        self.epoch, self.seq = snapshot.epoch, snapshot.seq
        self.latest = {(r.station, r.factor): r for r in snapshot.latest}
        self.status = {e.station: e for e in snapshot.status}
        self.incidents = {i.id: i for i in snapshot.incidents}
        self.units = {u.info.id: u for u in snapshot.units}
        self.warnings = {w.id: w for w in snapshot.warnings}
        self._newest_fix = {u.info.id: (u.last.ts, True) for u in snapshot.units if u.last is not None}
        self._encoded = None

    def apply(self, message: protocol.HubMessage) -> None:
        """Apply one event (its seq becomes this state's seq); other messages are ignored."""
        if isinstance(message, protocol.Readings):
            latest = self.latest
            for r in message.items:
                key = (r.station, r.factor)
                old = latest.get(key)
                if old is None or r.ts >= old.ts:
                    latest[key] = r
        elif isinstance(message, protocol.StationEvent):
            self.status[message.entry.station] = message.entry
        elif isinstance(message, protocol.IncidentEvent):
            self.incidents[message.incident.id] = message.incident
        elif isinstance(message, protocol.UnitEvent):
            for unit in message.units:
                self.units[unit.info.id] = unit
            for fix in message.fixes:  # a unit's newest position moves with its fixes
                newest = self._newest_fix.get(fix.unit)
                if newest is None or fix.ts >= newest[0]:
                    self._newest_fix[fix.unit] = (fix.ts, fix.fix)
                held = self.units.get(fix.unit)
                if held is not None and fix.fix and (held.last is None or fix.ts >= held.last.ts):
                    self.units[fix.unit] = msgspec.structs.replace(held, last=fix)
        elif isinstance(message, protocol.WarningEvent):
            self.warnings[message.warning.id] = message.warning
        else:
            return
        self.seq = message.seq

    def positioned(self, unit: str) -> bool:
        """Whether the unit's newest report had a position (``/api/units``' ``fix``)."""
        newest = self._newest_fix.get(unit)
        return newest[1] if newest is not None else False

    def snapshot(self) -> bytes:
        """The encoded snapshot at ``seq`` (built once per seq and shared by every hello at it)."""
        if self._encoded is not None and self._encoded[0] == self.seq:
            return self._encoded[1]
        self._encoded = None
        since = time.time() - RECENT_S
        incidents = [i for i in self.incidents.values() if i.state in OPEN_STATES or (i.closed or 0) >= since]
        data = protocol.encode(
            protocol.Snapshot(
                epoch=self.epoch,
                seq=self.seq,
                stations=self.stations,
                latest=list(self.latest.values()),
                status=list(self.status.values()),
                incidents=sorted(incidents, key=lambda i: i.created),
                units=list(self.units.values()),
                warnings=[w for _, w in sorted(self.warnings.items()) if w.state in OPEN],
            )
        )
        self._encoded = (self.seq, data)
        return data


class Window:
    """The newest events' bytes by seq (at most ``limit`` events and about ``max_bytes``), for resumes."""

    def __init__(self, limit: int, max_bytes: int = 256 * 2**20) -> None:
        self._events: deque[tuple[int, bytes]] = deque()
        self._limit = max(1, limit)
        self._max_bytes = max_bytes
        self._bytes = 0

    def add(self, seq: int, data: bytes) -> None:
        if self._events and self._events[-1][0] != seq - 1:
            self.clear()  # a jump in the stream: what was kept no longer runs into it
        self._events.append((seq, data))
        self._bytes += len(data)
        while len(self._events) > self._limit or (self._bytes > self._max_bytes and len(self._events) > 1):
            self._bytes -= len(self._events.popleft()[1])

    def clear(self) -> None:
        self._events.clear()
        self._bytes = 0

    @property
    def first(self) -> int:
        """The oldest seq held (0 when empty)."""
        return self._events[0][0] if self._events else 0

    def after(self, seq: int) -> list[bytes] | None:
        """The events after ``seq`` up to the newest, or None when some of them are no longer held."""
        if not self._events:
            return None
        first = self._events[0][0]
        if seq + 1 < first:
            return None
        return [data for _, data in list(self._events)[seq + 1 - first :]]
