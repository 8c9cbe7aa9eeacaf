"""The units' view-model: coalesces unit-book changes into map batches (20 Hz), the tracking list and the
nearest units of an incident (1 Hz), SOS alarms, unit commands and the emergency board."""

from __future__ import annotations

import asyncio
import bisect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from console.core.emergency_board import BoardFigures, board_figures
from console.core.event_log import EventRow
from console.core.geo import haversine_m
from console.core.incident_book import BookChange, IncidentBook
from console.core.incidents import Action, Refusal, Role, allowed
from console.core.unit_book import EtaFn, UnitBook, UnitChange, UnitMarker
from console.core.units import Fix, Freshness, UnitStatus

if TYPE_CHECKING:  # shapely and scipy load only when fences or roads are set: the console's memory
    from console.core.commands import CommandCenter  # with the outbox's SQLAlchemy: after the cached picture
    from console.core.geofence import FenceEvent, FenceWatch
    from console.core.roads import RoadNetwork

log = logging.getLogger(__name__)
TICK_MS = 50  # map batches at most twenty times a second
SECOND_MS = 1000  # ages, stale and lost, the list and the nearest units once a second

TrackFetcher = Callable[[str, float, float], Awaitable[list[Fix]]]


@dataclass(frozen=True)
class UnitRow:
    """One line of the tracking list."""

    id: str
    name: str
    kind: str
    team: str
    status: str
    incident: str
    look: str  # Freshness value
    age_s: float | None  # since the newest position (None: never had one)
    sos: bool
    pending: bool  # a command of this console on this unit is not settled yet


@dataclass(frozen=True)
class CandidateRow:
    """An available unit for the selected incident, nearest first."""

    id: str
    name: str
    kind: str
    team: str
    distance_m: float
    eta_s: float | None  # along the road network; None while it is not loaded
    look: str
    age_s: float | None


@dataclass(frozen=True)
class Candidates:
    """The nearest available units of one incident ('' and none when no incident with a place is chosen)."""

    incident: str
    rows: list[CandidateRow]
    by_eta: bool


class UnitViewModel(QObject):
    """Adapts the unit book (and the incident book, for assignments and the board) to the map and the desk.

    Signals:
        markers_changed(list): UnitMarker of units whose place, look, duty or trail changed.
        rows_changed(list): UnitRow of every unit that passes the filter.
        teams_changed(list): the teams units belong to, sorted (the filter offers them).
        sos_changed(object): set of ids of units whose SOS nobody acknowledged here.
        sos_raised(str): a unit raised a new SOS (sound the alarm).
        candidates_changed(object): Candidates of the selected incident.
        board_changed(object): BoardFigures of the selected incident, or None.
        role_changed(str): the role the hub gave this console.
        message_changed(str): a message for the operator about the last request ('' clears it).
        fence_crossed(list): EventRow of units that entered or left a township or an exclusion zone.

    ``now()`` is the session's clock: ages, stale and lost follow it, live or replayed.
    """

    markers_changed = Signal(list)
    rows_changed = Signal(list)
    teams_changed = Signal(list)
    sos_changed = Signal(object)
    sos_raised = Signal(str)
    candidates_changed = Signal(object)
    board_changed = Signal(object)
    role_changed = Signal(str)
    message_changed = Signal(str)
    fence_crossed = Signal(list)

    def __init__(
        self,
        units: UnitBook,
        incidents: IncidentBook,
        commands: CommandCenter | None = None,
        role: str = Role.DUTY,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.book = units
        self.incidents = incidents
        self.commands = commands
        self.role = role
        self.eta: EtaFn | None = None  # straight ETA (tests, tools); the road network ranks by itself
        self.roads: RoadNetwork | None = None
        self.fences: FenceWatch | None = None
        self.fetch_track: TrackFetcher | None = None
        self.kind_filter = ""
        self.team_filter = ""
        self.incident = ""  # the incident whose nearest units and board are shown
        self.tracks: dict[tuple[str, str], list[Fix]] = {}  # (incident, unit) -> track, once closed
        self._pending = UnitChange()
        self._notes: dict[str, str] = {}
        self._sent_end: dict[str, float] = {}  # unit -> time of the newest trail point the page has
        self._teams: list[str] = []
        self.zone_names: dict[str, str] = {}
        self._fence_sources: dict[str, dict[str, Any]] = {}
        self._sos: set[str] = set()
        self._pending_units: set[str] = set()  # units with a command of this console not yet settled
        self._board_due = False
        self._tasks: set[asyncio.Future[Any]] = set()
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        self._tick.start()
        self._second = QTimer(self, interval=SECOND_MS)
        self._second.timeout.connect(self._on_second)
        self._second.start()

    # --- inputs ------------------------------------------------------------------------------------------

    def on_changes(self, change: UnitChange) -> None:
        """Called for every applied message: only marks what is dirty; the timers redraw."""
        if change:
            self._pending.merge(change)

    def on_incidents(self, change: BookChange) -> None:
        """The incident book changed: the board of the chosen incident may have to follow."""
        if change.snapshot or self.incident in change.incidents or self.incident in change.audit:
            self._board_due = True

    def on_commands_changed(self) -> None:
        """The command centre's list changed: which units have a command on the way is read again."""
        self._board_due = True
        self._pending_units = self._read_pending_units()

    def now(self) -> float:
        return self.book.clock()

    def set_role(self, role: str) -> None:
        if role != self.role:
            self.role = role
            self.role_changed.emit(role)

    def set_roads(self, roads: RoadNetwork | None) -> None:
        """The road network (console/core/roads.py): the nearest units are then ranked by ETA."""
        self.roads = roads
        self._emit_candidates()

    def set_fences(self, boundary: dict[str, Any] | None = None, zones: dict[str, Any] | None = None) -> None:
        """Townships (the region's boundary GeoJSON) and exclusion zones (a FeatureCollection) to watch
        crossings of; either may come first, each call adds what it gives."""
        from console.core.geofence import FenceWatch, Geofences, ZoneKind

        if boundary is not None:
            features = boundary.get("features", [])
            kept = [f for f in features if f.get("properties", {}).get("kind") == "township"]
            self._fence_sources["township"] = {"type": "FeatureCollection", "features": kept}
        if zones is not None:
            self._fence_sources["exclusion"] = zones
        try:
            parts = [
                Geofences.from_geojson(collection, ZoneKind(kind))
                for kind, collection in self._fence_sources.items()
            ]
        except ValueError as exc:
            log.warning("geofences not usable: %s", exc)
            return
        if parts:
            fences = parts[0]
            for part in parts[1:]:
                fences = fences + part
            self.zone_names = {z.id: z.name for z in fences.zones}
            self.fences = FenceWatch(fences)
            for state in self.book.units.values():  # where each unit stands now: no crossing yet
                if state.last is not None:
                    self.fences.update(state.last)

    def may_assign(self) -> bool:
        """Whether this console's role may send units (the hub enforces it too)."""
        return allowed(self.role, Action.DISPATCH)

    def set_filter(self, kind: str, team: str) -> None:
        """Show only units of a kind and of a team ('' for any)."""
        self.kind_filter, self.team_filter = kind, team
        self.rows_changed.emit(self.rows())

    def select_incident(self, incident_id: str) -> None:
        """The coordinator picked an incident: its nearest available units and its board."""
        self.incident = incident_id
        self._emit_candidates()
        self._emit_board()

    def flush(self) -> None:
        """Redraw everything now (tests, snapshots); normally the timers do this."""
        self._on_tick()
        self._on_second()

    # --- operator requests --------------------------------------------------------------------------------

    def assign(self, unit_id: str, incident_id: str = "") -> None:
        """Send a unit to an incident (default: the chosen one) through the command centre."""
        incident_id = incident_id or self.incident
        if not self.may_assign():
            self.message_changed.emit(self.tr("Your role may not send units"))
            return
        if self.commands is None:
            self.message_changed.emit(self.tr("Commands are not available: no connection to the hub"))
            return
        try:
            self.commands.issue_unit("assign_unit", incident_id, {"unit": unit_id})
        except Refusal as exc:
            self.message_changed.emit(self.tr("Not sent: {0}").format(str(exc)))
            return
        self._pending_units = self._read_pending_units()
        state = self.book.get(unit_id)
        name = state.info.name if state else unit_id
        self.message_changed.emit(self.tr("{0}: assignment sent").format(name))
        self.rows_changed.emit(self.rows())

    def acknowledge_sos(self, unit_id: str = "") -> None:
        """An operator has seen the SOS of this unit (default: of every unit): pulse and sound stop here."""
        for unit in [unit_id] if unit_id else sorted(self.book.sos()):
            self.book.acknowledge_sos(unit)
        self._pending.units |= {unit_id} if unit_id else set(self._sos)
        self._on_tick()

    # --- the ticks ------------------------------------------------------------------------------------------

    def _on_tick(self) -> None:
        change, self._pending = self._pending, UnitChange()
        if change.snapshot:
            self._sent_end.clear()
        dirty = change.units | change.moved
        for unit_id in sorted(change.sos & self.book.sos()):
            self.sos_raised.emit(unit_id)
        sos = self.book.sos()
        if sos != self._sos:
            dirty |= sos ^ self._sos
            self._sos = sos
            self.sos_changed.emit(set(sos))
        if dirty:
            self.markers_changed.emit(self.markers(dirty, full=self.book.take_reshaped()))
        if self.fences is not None and change.moved:
            self._watch_fences(change.moved, placing=change.snapshot)
        if change.units or change.snapshot:
            self._board_due = True
            self._emit_teams()

    def _on_second(self) -> None:
        looks = self.book.refresh()  # stale and lost as the session's clock runs, without any message
        notes = {u: self._note(u) for u in self.book.units}
        changed = looks | {u for u, text in notes.items() if self._notes.get(u) != text}
        self._notes = notes
        if changed:
            self.markers_changed.emit(self.markers(changed))
        self.rows_changed.emit(self.rows())
        self._emit_candidates()
        if self._board_due:
            self._emit_board()

    # --- what the views show --------------------------------------------------------------------------------

    def markers(self, ids: set[str] | None = None, *, full: set[str] | None = None) -> list[UnitMarker]:
        """Map rows of these units (default: all); ``full`` units send their whole trail."""
        out = []
        sos = self.book.sos()
        for unit_id in sorted(self.book.units if ids is None else ids):
            state = self.book.get(unit_id)
            if state is None:
                continue
            trail = self.book.trails.get(unit_id, [])
            end = self._sent_end.get(unit_id)
            whole = ids is None or end is None or (full is not None and unit_id in full)
            if whole:
                fresh = trail
            else:  # only the points after the newest one the page has (a late one inside makes it whole)
                fresh = trail[bisect.bisect_right(trail, end, key=_fix_time) :] if end is not None else trail
            points = [(round(f.lon, 6), round(f.lat, 6), f.ts) for f in fresh]
            if trail:
                self._sent_end[unit_id] = trail[-1].ts
            last = state.last
            look = self.book.freshness(unit_id)
            out.append(
                UnitMarker(
                    unit_id,
                    str(state.info.kind),
                    state.info.name,
                    last.lon if last else None,
                    last.lat if last else None,
                    last.heading if last else 0.0,
                    look.value,
                    "" if look == Freshness.LIVE else self._note(unit_id),
                    unit_id in sos,
                    str(state.status),
                    points if whole else None,
                    [] if whole else points,
                )
            )
        return out

    def _note(self, unit_id: str) -> str:
        look = self.book.freshness(unit_id)
        age = self.book.age(unit_id)
        if look not in (Freshness.STALE, Freshness.LOST) or age is None:
            return ""
        return age_text(age)

    def sos(self) -> set[str]:
        """Units whose SOS nobody acknowledged here, as of the last tick."""
        return set(self._sos)

    def callsigns(self, unit_ids: set[str]) -> list[str]:
        """The names of these units, sorted (unknown ids as they are)."""
        return sorted((s.info.name if (s := self.book.get(u)) else u) for u in unit_ids)

    def rows(self) -> list[UnitRow]:
        pending = self._pending_units
        sos = self.book.sos()
        out = []
        for state in self.book.units.values():
            info = state.info
            if (self.kind_filter and info.kind != self.kind_filter) or (
                self.team_filter and info.team != self.team_filter
            ):
                continue
            out.append(
                UnitRow(
                    info.id,
                    info.name,
                    str(info.kind),
                    info.team,
                    str(state.status),
                    state.incident,
                    self.book.freshness(info.id).value,
                    self.book.age(info.id),
                    info.id in sos,
                    info.id in pending,
                )
            )
        return sorted(out, key=lambda r: r.name)

    def _read_pending_units(self) -> set[str]:
        if self.commands is None:
            return set()
        out = set()
        for p in self.commands.pending():
            if p.command.action == "assign_unit":
                out.add(str(p.command.args.get("unit", "")))
            elif p.command.action == "unit_status":
                out.add(p.command.target)
        return out

    def candidates(self) -> Candidates:
        incident = self.incidents.get(self.incident) if self.incident else None
        if incident is None or incident.lon is None or incident.lat is None:
            return Candidates(self.incident, [], False)
        if self.roads is not None:
            return Candidates(incident.id, self._by_road(incident.lon, incident.lat), True)
        ranked = self.book.candidates(incident.lon, incident.lat, eta=self.eta)
        rows = [
            CandidateRow(
                c.unit.info.id,
                c.unit.info.name,
                str(c.unit.info.kind),
                c.unit.info.team,
                c.distance_m,
                c.eta_s,
                c.freshness.value,
                self.book.age(c.unit.info.id),
            )
            for c in ranked
        ]
        return Candidates(incident.id, rows, bool(rows) and rows[0].eta_s is not None)

    def _by_road(self, lon: float, lat: float, k: int = 8) -> list[CandidateRow]:
        """Available units with a live fix, by ETA along the roads (those no road reaches are left out)."""
        assert self.roads is not None
        try:
            ranked = self.roads.nearest_units(self.book.units.values(), (lon, lat), k, now=self.now())
        except ValueError as exc:  # the incident is off every road, or outside the map
            log.info("no road ranking: %s", exc)
            return []
        rows = []
        for candidate in ranked:
            state = self.book.get(candidate.unit)
            if state is None or state.last is None:
                continue
            info = state.info
            distance = haversine_m(state.last.lon, state.last.lat, lon, lat)
            rows.append(
                CandidateRow(
                    info.id,
                    info.name,
                    str(info.kind),
                    info.team,
                    distance,
                    candidate.eta_s,
                    self.book.freshness(info.id).value,
                    self.book.age(info.id),
                )
            )
        return rows

    def _emit_candidates(self) -> None:
        self.candidates_changed.emit(self.candidates())

    def board(self) -> BoardFigures | None:
        incident = self.incidents.get(self.incident) if self.incident else None
        if incident is None:
            return None
        tracks = {u: t for (i, u), t in self.tracks.items() if i == incident.id}
        return board_figures(
            incident,
            self.incidents.trail(incident.id),
            self.book.assigned_to(incident.id),
            self.book.observed.get(incident.id, ()),
            tracks if tracks else None,
            self.book.units,
            now=self.now(),
        )

    def _emit_board(self) -> None:
        self._board_due = False
        figures = self.board()
        self.board_changed.emit(figures)
        if figures is not None and figures.closed:
            self._fetch_tracks(figures)

    def _watch_fences(self, moved: set[str], *, placing: bool) -> None:
        """Crossings shown by the units' newest fixes (a snapshot only places them)."""
        assert self.fences is not None
        events: list[FenceEvent] = []
        for unit_id in sorted(moved):
            state = self.book.get(unit_id)
            if state is not None and state.last is not None:
                events += self.fences.update(state.last)
        if events and not placing:
            self.fence_crossed.emit([self._fence_row(e) for e in events])

    def _fence_row(self, event: FenceEvent) -> EventRow:
        from console.core.geofence import ZoneKind

        state = self.book.get(event.unit)
        unit = state.info.name if state else event.unit
        zone = self.zone_names.get(event.zone, event.zone)
        exclusion = event.zone_kind == ZoneKind.EXCLUSION
        if event.kind == "enter":
            text = (
                self.tr("{0} entered the exclusion zone {1}") if exclusion else self.tr("{0} entered {1}")
            ).format(unit, zone)
        else:
            text = (
                self.tr("{0} left the exclusion zone {1}") if exclusion else self.tr("{0} left {1}")
            ).format(unit, zone)
        return EventRow(event.ts, "warning" if exclusion and event.kind == "enter" else "info", text)

    def _emit_teams(self) -> None:
        teams = sorted({s.info.team for s in self.book.units.values() if s.info.team})
        if teams != self._teams:
            self._teams = teams
            self.teams_changed.emit(list(teams))

    # --- tracks for the post-evaluation -------------------------------------------------------------------

    def _fetch_tracks(self, figures: BoardFigures) -> None:
        if self.fetch_track is None:
            return
        incident = figures.incident
        for row in figures.units:
            key = (incident.id, row.unit)
            start = row.assigned or figures.start
            if key in self.tracks or start is None:
                continue
            self.tracks[key] = []  # asked once; filled when the hub answers
            end = incident.closed if incident.closed is not None else self.now()
            self._spawn(self._fetch_track(key, start, end))

    async def _fetch_track(self, key: tuple[str, str], start: float, end: float) -> None:
        if self.fetch_track is None:
            return
        try:
            self.tracks[key] = await self.fetch_track(key[1], start, end)
        except Exception as exc:  # the hub or the network: say so on the board, try again next time
            del self.tracks[key]
            log.warning("track of %s not available: %s", key[1], exc)
            self.message_changed.emit(self.tr("Track of {0} not available: {1}").format(key[1], str(exc)))
            return
        if key[0] == self.incident:
            self._emit_board()

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop running (a test without one): nothing to ask the hub
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _fix_time(fix: Fix) -> float:
    return fix.ts


def age_text(seconds: float) -> str:
    """How old a position is, in words that fit beside a callsign."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return QCoreApplication.translate("Units", "{0} s").format(int(seconds))
    if minutes < 120:
        return QCoreApplication.translate("Units", "{0} min").format(minutes)
    if minutes < 48 * 60:
        return QCoreApplication.translate("Units", "{0} h").format(minutes // 60)
    return QCoreApplication.translate("Units", "{0} d").format(minutes // 1440)


STATUS_ORDER = (UnitStatus.AVAILABLE, UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.OFF_DUTY)
