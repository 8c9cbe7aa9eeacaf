"""Emergency units on the hub: the tracker, its listeners (JT/T 808, OsmAnd), storage, events, commands.

Positions are answered only once stored, as HJ 212 uploads are: a JT/T 808 terminal's 0x8001 and an
OsmAnd client's 200 wait for the commit of the publish cycle that took their reports (the hub's publish
loop calls ``publish`` every tick: reports to the writer, then a commit notice for the cycle, then one
``unit`` event with what changed).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.incidents import OPEN_STATES, Action, allowed
from console.core.protocol import Ack, Command
from console.core.units import Fix, UnitInfo, UnitState, UnitStatus
from console.hub.events import EventLog
from console.hub.incidents import IncidentService
from console.hub.logtext import printable
from console.hub.metrics import Metrics
from console.hub.storage import Storage, StorageWriter
from console.hub.units.tracker import FUTURE_S, Tracker, UnitSlot

if TYPE_CHECKING:
    from console.hub.units.jt808_listener import JT808Listener
    from console.hub.units.osmand import OsmAndServer

log = logging.getLogger(__name__)

UNIT_ACTIONS = frozenset({"assign_unit", "unit_status"})
MAX_EVENT_FIXES = 5000  # reports per unit event; more are cut into several events
MAX_PENDING = 50_000  # reports waiting for storage before the listeners stop reading
SYSTEM = "system"


@dataclass
class UnitConfig:
    """Where units report from and who may (see ``python -m console.hub --help``)."""

    host: str = "127.0.0.1"
    jt808_port: int | None = None  # None: no JT/T 808 listener; 0: a free port
    osmand_port: int | None = None  # None: no OsmAnd listener; 0: a free port
    accept_unknown: bool = False  # register unknown terminals and phones as units on the fly
    idle_s: float = 600.0  # a terminal connection without a complete frame this long is closed
    max_connections: int | None = None  # terminal connections in all; None: from the descriptor limit
    max_per_address: int | None = None  # ... from one source address; None: half of that


class AnswerCycles:
    """Answers that wait until the reports taken before them are kept (stored, or published by an ingest
    node): an answer given now holds the current cycle; ``next_cycle`` closes it when its reports go to be
    kept; ``release`` once they are kept answers the phones waiting on it (and the terminals, by the caller).
    """

    def __init__(self) -> None:
        self.answer_cycle = 1
        self._held = False
        self._waiters: list[tuple[int, asyncio.Future[bool]]] = []

    def hold(self) -> int:
        """The answer cycle an answer given now waits for (its reports are kept with that cycle's)."""
        self._held = True
        return self.answer_cycle

    def stored_later(self) -> asyncio.Future[bool]:
        """A future set once the reports taken until now are kept (True) or given up (False)."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append((self.hold(), future))
        return future

    def next_cycle(self) -> int | None:
        """The cycle whose answers wait on the reports going to be kept now; None when no answer waits."""
        if not self._held:
            return None
        cycle, self.answer_cycle, self._held = self.answer_cycle, self.answer_cycle + 1, False
        return cycle

    def release(self, cycle: int, ok: bool) -> None:
        """Set the futures held for cycles up to ``cycle`` to ``ok``; those of later cycles keep waiting."""
        waiting = []
        for held, future in self._waiters:
            if held > cycle:
                waiting.append((held, future))
            elif not future.done():
                future.set_result(ok)
        self._waiters = waiting


class UnitService(AnswerCycles):
    """The hub's units. Runs on the event loop; storage on the hub's writer thread."""

    def __init__(
        self,
        units: Iterable[UnitInfo],
        storage: Storage,
        writer: StorageWriter,
        events: EventLog,
        broadcast: Callable[[bytes], None],
        incidents: IncidentService,
        metrics: Metrics,
        config: UnitConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.storage, self.writer, self.events = storage, writer, events
        self._broadcast = broadcast
        self.incidents = incidents
        self.metrics = metrics
        self.clock = clock
        self.tracker = Tracker(units, clock, place_of=self._place_of, arrived=self._arrived)
        self.tracker.restore(storage.unit_states())
        for ident in self.tracker.units:
            rows = storage.unit_newest(ident, clock() + FUTURE_S)
            self.tracker.restore_trail(ident, [_fix_of(row) for row in rows])
        self.jt808: JT808Listener | None = None
        self.osmand: OsmAndServer | None = None
        self.jt808_port = self.osmand_port = 0
        super().__init__()
        self._acks: dict[str, Ack] = {}
        self.frames_rejected: dict[str, int] = {}
        self._refused_logged: set[str] = set()  # units whose refused reports were logged (once each)
        metrics.sections.append(self._metric_lines)

    async def start(self) -> None:
        """Open the listeners that are configured."""
        from console.hub.units.jt808_listener import JT808Listener
        from console.hub.units.osmand import OsmAndServer

        config = self.config
        if config.jt808_port is not None:
            self.jt808 = JT808Listener(self, config.idle_s, config.max_connections, config.max_per_address)
            self.jt808_port = await self.jt808.start(config.host, config.jt808_port)
        if config.osmand_port is not None:
            self.osmand = OsmAndServer(self)
            self.osmand_port = await self.osmand.start(config.host, config.osmand_port)

    def pause(self) -> None:
        """Stop taking reports (the hub is stopping); what came is still stored and answered."""
        if self.jt808 is not None:
            self.jt808.pause_all()

    async def close(self) -> None:
        if self.jt808 is not None:
            await self.jt808.close()
        if self.osmand is not None:
            await self.osmand.close()

    # --- reports in, answers once stored -------------------------------------------------------------------

    @property
    def over_budget(self) -> bool:
        return self.tracker.pending > MAX_PENDING or self.writer.queue_depth > MAX_PENDING * 4

    def reject(self, reason: str) -> None:
        """Count a refused frame or request."""
        self.frames_rejected[reason] = self.frames_rejected.get(reason, 0) + 1

    def accept_fixes(self, fixes: list[Fix], learnt: Sequence[UnitInfo] = ()) -> None:
        """Reports an ingest node took (a cluster's leader): each to its unit. A unit that is not known here
        is made from ``learnt`` (the units the node took on the fly) when this hub accepts unknown units
        too; else its reports are refused, and the log says why."""
        tracker = self.tracker
        by_unit: dict[str, list[Fix]] = {}
        for fix in fixes:
            by_unit.setdefault(fix.unit, []).append(fix)
        described = {info.id: info for info in learnt}
        for unit, reports in by_unit.items():
            slot = tracker.units.get(unit)
            if slot is None and unit in described and self.config.accept_unknown:
                slot = tracker.adopt(described[unit])
                log.info(
                    "unit %s (%s %s) taken on the fly", unit, described[unit].source, described[unit].device
                )
            if slot is None:
                self.reject("cluster_unknown_unit")
                self._refused_unit(unit, unit in described, len(reports))
                continue
            tracker.report(slot, reports)

    def _refused_unit(self, unit: str, described: bool, count: int) -> None:
        if unit in self._refused_logged:
            return
        if len(self._refused_logged) < 1000:
            self._refused_logged.add(unit)
        if described:
            why = "an ingest node took it on the fly: start the hub nodes with --accept-unknown-units as well"
        else:
            why = "its ingest node sent no description of it (start that node with --accept-unknown-units)"
        log.warning("%d reports of unit %s refused: not in units.csv; %s", count, printable(unit, 64), why)

    def publish(self) -> None:
        """One publish cycle: reports to the writer, a commit notice for the cycle's answers, one event.
        A failure here is logged and leaves the hub's readings flowing."""
        try:
            self._publish()
        except Exception:
            log.exception("publishing units failed")

    def _publish(self) -> None:
        rows, states = self.tracker.take_rows()
        if rows or states:
            self.writer.submit_units(rows, states)
        cycle = self.next_cycle()
        if cycle is not None:
            loop = asyncio.get_running_loop()

            def committed(ok: bool) -> None:  # on the writer thread: hand over to the loop
                loop.call_soon_threadsafe(self._stored, cycle, ok)

            self.writer.notify(committed)
        units, fixes = self.tracker.take_event()
        if units or fixes:
            for start in range(0, max(1, len(fixes)), MAX_EVENT_FIXES):
                self._broadcast(
                    self.events.units(units if start == 0 else [], fixes[start : start + MAX_EVENT_FIXES])
                )
        if self.jt808 is not None and not self.over_budget:
            self.jt808.resume_all()

    def _stored(self, cycle: int, ok: bool) -> None:
        if self.jt808 is not None:
            self.jt808.stored(cycle, ok)
        self.release(cycle, ok)

    def states(self) -> list[UnitState]:
        """Every unit (what a snapshot carries)."""
        return self.tracker.states()

    # --- commands ------------------------------------------------------------------------------------------

    async def command(self, user: str, role: str, command: Command) -> Ack:
        """``assign_unit`` (target: an incident, args ``unit``) or ``unit_status`` (target: a unit, args
        ``status``); answered once the audit entry is stored. A known command id gets its first answer."""
        known = self._acks.get(command.id)
        if known is not None:
            return known
        try:
            slot, done = self._apply(user, role, command)
        except _Refused as refused:
            return Ack(id=command.id, ok=False, error=str(refused), target=command.target)
        for future in done:
            try:
                await asyncio.wrap_future(future)
            except Exception:
                log.exception("command %s applied but its audit entry not stored", command.id)
        ack = Ack(id=command.id, ok=True, target=command.target, version=slot.version)
        if len(self._acks) > 10_000:
            self._acks.clear()
        self._acks[command.id] = ack
        return ack

    def _apply(
        self, user: str, role: str, command: Command
    ) -> tuple[UnitSlot, list[concurrent.futures.Future[None]]]:
        if not allowed(role, Action.DISPATCH):
            raise _Refused("forbidden", f"role {role!r} may not {command.action}")
        if command.action == "assign_unit":
            return self._assign(user, role, command)
        return self._set_status(user, role, command)

    def _unit(self, ident: object, expected_version: int | None) -> UnitSlot:
        slot = self.tracker.units.get(ident) if isinstance(ident, str) else None
        if slot is None:
            raise _Refused("invalid", f"no such unit {str(ident)[:64]!r}")
        if expected_version is not None and expected_version != slot.version:
            raise _Refused(
                "conflict",
                f"unit {slot.info.id} is at version {slot.version}, not {expected_version}: "
                "someone else changed it; look again before acting",
            )
        return slot

    def _assign(
        self, user: str, role: str, command: Command
    ) -> tuple[UnitSlot, list[concurrent.futures.Future[None]]]:
        incident = self.incidents.incidents.get(command.target)
        if incident is None:
            raise _Refused("invalid", f"no such incident {command.target[:64]!r}")
        if incident.state not in OPEN_STATES:
            raise _Refused("illegal", f"incident {incident.id} is closed")
        slot = self._unit(command.args.get("unit"), command.expected_version)
        if slot.status == UnitStatus.OFF_DUTY:
            raise _Refused("illegal", f"unit {slot.info.id} is off duty")
        if slot.incident == incident.id:
            return slot, []  # assigned already: nothing changes
        done = []
        previous = slot.incident
        if previous:
            done += self._note(
                previous, user, role, "release_unit", slot, f"unit {slot.info.name} sent to {incident.id}"
            )
        self._duty(slot, UnitStatus.EN_ROUTE, incident.id)
        details = {"unit": slot.info.id, "from_incident": previous}
        done += self._note(
            incident.id, user, role, "assign_unit", slot, f"unit {slot.info.name} assigned", details
        )
        return slot, done

    def _set_status(
        self, user: str, role: str, command: Command
    ) -> tuple[UnitSlot, list[concurrent.futures.Future[None]]]:
        slot = self._unit(command.target, command.expected_version)
        try:
            status = UnitStatus(str(command.args.get("status")))
        except ValueError:
            raise _Refused(
                "invalid", "status must be one of " + ", ".join(s.value for s in UnitStatus)
            ) from None
        if status == slot.status:
            return slot, []
        incident = slot.incident
        if status in (UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE):
            if not incident:
                raise _Refused(
                    "invalid", f"unit {slot.info.id} is not assigned to an incident: assign it first"
                )
            self._duty(slot, status, incident)
            action = "unit_status"
        else:
            self._duty(slot, status, "")
            action = "release_unit"
        details = {"unit": slot.info.id, "status": str(status)}
        comment = f"unit {slot.info.name}: {status}"
        return slot, self._note(incident, user, role, action, slot, comment, details) if incident else []

    def _duty(self, slot: UnitSlot, status: UnitStatus, incident: str) -> None:
        slot.status, slot.incident, slot.version, slot.since = (
            status,
            incident,
            slot.version + 1,
            self.clock(),
        )
        self.tracker.changed(slot)

    def _note(
        self,
        incident: str,
        user: str,
        role: str,
        action: str,
        slot: UnitSlot,
        comment: str,
        details: dict[str, Any] | None = None,
    ) -> list[concurrent.futures.Future[None]]:
        details = details if details is not None else {"unit": slot.info.id}
        done = self.incidents.note(incident, user, role, action, comment, details)
        return [done] if done is not None else []

    def _place_of(self, incident_id: str) -> tuple[float, float] | None:
        incident = self.incidents.incidents.get(incident_id)
        if incident is None or incident.lat is None or incident.lon is None:
            return None
        return incident.lat, incident.lon

    def _arrived(self, slot: UnitSlot, fix: Fix) -> None:
        """An en-route unit's fix near its incident: on scene, in the incident's audit trail."""
        incident = slot.incident
        self._duty(slot, UnitStatus.ON_SCENE, incident)
        details = {"unit": slot.info.id, "status": "on_scene", "ts": fix.ts, "lat": fix.lat, "lon": fix.lon}
        self._note(incident, SYSTEM, SYSTEM, "unit_arrived", slot, f"unit {slot.info.name} arrived", details)

    def _metric_lines(self) -> list[str]:
        tracker = self.tracker
        lines = [
            "# HELP hub_unit_reports_total Unit location reports taken",
            "# TYPE hub_unit_reports_total counter",
            f"hub_unit_reports_total {tracker.reports}",
            "# HELP hub_unit_reports_no_fix_total Unit reports without a position",
            "# TYPE hub_unit_reports_no_fix_total counter",
            f"hub_unit_reports_no_fix_total {tracker.no_fix}",
            "# HELP hub_unit_reports_rejected_total Unit reports kept out of the trail, by reason",
            "# TYPE hub_unit_reports_rejected_total counter",
        ]
        lines += [
            f'hub_unit_reports_rejected_total{{reason="{r}"}} {n}'
            for r, n in sorted(tracker.rejected.items())
        ]
        lines += [
            "# HELP hub_unit_frames_rejected_total Unit frames, requests and connections refused, by reason",
            "# TYPE hub_unit_frames_rejected_total counter",
        ]
        lines += [
            f'hub_unit_frames_rejected_total{{reason="{r}"}} {n}'
            for r, n in sorted(self.frames_rejected.items())
        ]
        connected = self.jt808.connected if self.jt808 is not None else 0
        lines += [
            "# HELP hub_unit_terminals_connected JT/T 808 terminal connections",
            "# TYPE hub_unit_terminals_connected gauge",
            f"hub_unit_terminals_connected {connected}",
        ]
        return lines


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")


def _fix_of(row: Any) -> Fix:
    unit, ts, lat, lon, speed, heading, fix, alarms, _rejected, _arrived = row
    return Fix(unit, ts, lat, lon, speed, heading, bool(fix), tuple(a for a in alarms.split(",") if a))


def fix_record(row: Any) -> dict[str, Any]:
    """A stored report as a track point of ``/api/units/{id}/track``."""
    _unit, ts, lat, lon, speed, heading, fix, alarms, rejected, _arrived = row
    point: dict[str, Any] = {"ts": ts, "lat": lat, "lon": lon, "speed_kmh": speed, "heading": heading}
    point |= {"fix": bool(fix), "alarms": [a for a in alarms.split(",") if a]}
    if rejected:
        point["rejected"] = rejected
    return point
