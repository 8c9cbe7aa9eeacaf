"""The incident loop's view-model: coalesces book changes and command states into narrow signals.

Views ask (select, filter, act); the view-model answers through the incident book, the command centre and
the hub's REST API (fetching trails, uploading photos, assessment), never blocking the GUI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.core.hubapi import HubApiError
from console.core.incident_book import BookChange, IncidentBook, IncidentFilter, SortKey, sla_of
from console.core.incidents import (
    Action,
    AuditEntry,
    Incident,
    IncidentState,
    Refusal,
    Role,
    allowed,
    available,
)
from console.core.reasons import Why

if TYPE_CHECKING:  # commands and the outbox bring SQLAlchemy: imported after the cached picture
    from console.core.commands import CommandCenter, PendingCommand
    from console.core.outbox import OutboxEntry

log = logging.getLogger(__name__)
TICK_MS = 100  # the queue redraws at most ten times a second, however fast events come


@dataclass(frozen=True)
class IncidentRow:
    """One line of the queue: the incident and what this console adds to it."""

    incident: Incident
    township: str  # the township's name
    station: str = ""  # the station's name, when a station raised it
    pending: bool = False  # a command of this console is not yet echoed by the hub
    problem: bool = False  # a command of this console was refused (conflict or failure)
    pulsing: bool = False  # new critical, not acknowledged


@dataclass(frozen=True)
class IncidentDetailData:
    """Everything the detail pane shows about the selected incident."""

    incident: Incident
    township: str
    trail: list[AuditEntry]
    trail_complete: bool  # the whole trail came from the hub (else: only entries seen live)
    actions: list[Action]
    pending: list[PendingCommand] = field(default_factory=list)
    problems: list[OutboxEntry] = field(default_factory=list)
    pulsing: bool = False
    station: str = ""  # the station's name ("" when the incident has none)


@dataclass(frozen=True)
class IncidentMarker:
    """An incident on the map: position (WGS-84), severity, deadline standing and halo size.

    ``title`` is the incident's own; with ``rule`` and ``why`` a view words it in the operator's language
    (incident_title) before the map shows it.
    """

    id: str
    lon: float
    lat: float
    severity: int
    lateness: str
    used: float  # fraction of the allowed time gone (0 without a deadline)
    title: str
    pulsing: bool
    rule: str = ""
    why: Why | None = None


Uploader = Callable[[str, Path], Awaitable[str]]
TrailFetcher = Callable[[str], Awaitable[tuple[Incident, list[AuditEntry]]]]
AssessmentFetcher = Callable[[str], Awaitable[list[dict[str, Any]]]]
CsvFetcher = Callable[[str], Awaitable[bytes]]
RosterFetcher = Callable[[], Awaitable[list[dict[str, str]]]]


class IncidentViewModel(QObject):
    """Adapts the incident book and the command centre to the queue, the detail pane, the map and 考核.

    Signals:
        rows_changed(list): IncidentRow of the queue, filtered and sorted.
        counts_changed(object): {IncidentState: count} and "overdue": count.
        pulsing_changed(object): set of ids of new critical incidents not yet acknowledged.
        critical_raised(str): a new critical incident arrived (sound the alarm).
        detail_changed(object): IncidentDetailData of the selection, or None.
        selection_changed(str): the selected incident id ('' for none).
        markers_changed(list): IncidentMarker of every open incident with a position.
        role_changed(str): the role the hub gave this console.
        message_changed(str): a message for the operator about the last request ('' clears it).
        assessment_changed(str, list): rows of 考核 by "township" or "person".
        busy_changed(bool): a request to the hub (upload, assessment) is running.
        photos_fetched(list): (attachment id, bytes) of the photos asked for with ``show_photos``.
        roster_changed(list): names of the people an incident can be assigned to (``load_roster``).
        commands_enabled_changed(bool): False while replaying: no action, report or acknowledgement.

    ``now()`` is the console's clock, the one the incident book judges deadlines by.
    """

    rows_changed = Signal(list)
    counts_changed = Signal(object)
    pulsing_changed = Signal(object)
    critical_raised = Signal(str)
    detail_changed = Signal(object)
    selection_changed = Signal(str)
    markers_changed = Signal(list)
    role_changed = Signal(str)
    message_changed = Signal(str)
    assessment_changed = Signal(str, list)
    busy_changed = Signal(bool)
    photos_fetched = Signal(list)
    roster_changed = Signal(list)
    commands_enabled_changed = Signal(bool)

    def __init__(
        self,
        book: IncidentBook,
        commands: CommandCenter | None = None,
        role: str = Role.DUTY,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.book = book
        self.commands = commands
        self.role = role
        self.township_names: dict[str, str] = {}
        self.station_names: dict[str, str] = {}
        self.selected = ""
        self.where = IncidentFilter()
        self.sort = SortKey.URGENCY
        self.descending = False
        self.fetch_trail: TrailFetcher | None = None
        self.upload: Uploader | None = None
        self.fetch_assessment: AssessmentFetcher | None = None
        self.fetch_assessment_csv: CsvFetcher | None = None
        self.fetch_attachment: Callable[[str], Awaitable[bytes]] | None = None
        self.fetch_roster: RosterFetcher | None = None
        self.roster: list[str] = []
        self.commands_enabled = True
        self._pending = BookChange()
        self._dirty = False
        self._tasks: set[asyncio.Future] = set()
        self._pulsing: set[str] = set()
        self._timer = QTimer(self, interval=TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()
        self._minute = QTimer(self, interval=30_000)  # halos grow with time
        self._minute.timeout.connect(self._refresh_markers)
        self._minute.start()

    # --- inputs ------------------------------------------------------------------------------------------

    def on_changes(self, change: BookChange) -> None:
        """Called for every applied message: only marks what is dirty; the timer redraws."""
        if change:
            self._pending.merge(change)
            if self.commands is not None and change.incidents:
                self.commands.on_incidents_changed()

    def now(self) -> float:
        """The console's time (Unix seconds) that deadlines and ages are judged by."""
        return self.book.clock()

    def on_commands_changed(self) -> None:
        """The command centre's pending list or problems changed."""
        self._dirty = True

    def set_role(self, role: str) -> None:
        """The role from the hub's welcome decides which actions are offered (the hub enforces them)."""
        if role != self.role:
            self.role = role
            self.role_changed.emit(role)
            self._dirty = True

    def set_commands_enabled(self, enabled: bool) -> None:
        """False while replaying the past: actions, reports and acknowledgements are refused here too, not
        only greyed out in the windows."""
        if enabled != self.commands_enabled:
            self.commands_enabled = enabled
            self.commands_enabled_changed.emit(enabled)

    def set_township_names(self, names: dict[str, str]) -> None:
        self.township_names = dict(names)
        self._dirty = True

    def set_station_names(self, names: dict[str, str]) -> None:
        """Station ids -> names: the queue names the station an incident came from."""
        self.station_names = dict(names)
        self._dirty = True

    def set_filter(self, where: IncidentFilter) -> None:
        self.where = where
        self._emit_rows()

    def set_sort(self, sort: SortKey | str, descending: bool = False) -> None:
        self.sort, self.descending = SortKey(sort), descending
        self._emit_rows()

    def select(self, incident_id: str) -> None:
        """Show an incident in the detail pane and on the map; fetch its whole audit trail."""
        if incident_id and self.book.get(incident_id) is None:
            return
        changed = incident_id != self.selected
        self.selected = incident_id
        if changed:
            self.selection_changed.emit(incident_id)
        self._emit_detail()
        if incident_id and incident_id not in self.book.audit_fetched and self.fetch_trail is not None:
            self._spawn(self._fetch_trail(incident_id))

    def reload(self, incident_id: str) -> None:
        """Fetch the incident again from the hub (after a conflict), then show it."""
        self.book.audit_fetched.discard(incident_id)
        self._spawn(self._fetch_trail(incident_id))

    def acknowledge(self, incident_ids: list[str] | None = None) -> None:
        """An operator has seen these (default: every) new critical incidents: they stop pulsing."""
        if not self.commands_enabled:
            return
        for incident_id in incident_ids if incident_ids is not None else list(self._pulsing):
            self.book.acknowledge(incident_id)  # stops here at once; the hub tells every other console
            if self.commands is not None and allowed(self.role, Action.ACKNOWLEDGE):
                with contextlib.suppress(Refusal):
                    self.commands.issue(Action.ACKNOWLEDGE, incident_id)
        self._dirty = True
        self._on_tick()

    def act(
        self, action: Action | str, incident_id: str, args: dict[str, Any], photos: list[Path] | None = None
    ) -> None:
        """An operator's command from a dialog; photos are uploaded first, then named in the args."""
        if not self.commands_enabled:
            self.message_changed.emit(self.tr("playback: commands are disabled"))
            return
        if photos:
            self._spawn(self._upload_then_act(Action(action), incident_id, dict(args), list(photos)))
            return
        self._issue(Action(action), incident_id, args)

    def show_photos(self, attachment_ids: list[str]) -> None:
        """Fetch photos from the hub; ``photos_fetched`` brings them."""
        if self.fetch_attachment is not None and attachment_ids:
            self._spawn(self._fetch_photos(list(attachment_ids)))

    async def _fetch_photos(self, ids: list[str]) -> None:
        fetch = self.fetch_attachment
        if fetch is None:
            return
        try:
            photos = [(i, await fetch(i)) for i in ids]
        except Exception as exc:
            self.message_changed.emit(self.tr("Photos not available: {0}").format(str(exc)))
            return
        self.photos_fetched.emit(photos)

    def dismiss_problem(self, command_id: str) -> None:
        if self.commands is not None:
            self.commands.dismiss(command_id)

    def request_assessment(self, by: str) -> None:
        if self.fetch_assessment is not None:
            self._spawn(self._fetch_assessment(by))

    def export_assessment(self, by: str, path: Path) -> None:
        """Write the hub's CSV of the assessment to a file the operator chose."""
        if self.fetch_assessment_csv is not None:
            self._spawn(self._export(by, Path(path)))

    def flush(self) -> None:
        """Redraw now (tests and snapshots); normally the timer does this."""
        self._dirty = True
        self._on_tick()

    # --- the tick -----------------------------------------------------------------------------------------

    def _on_tick(self) -> None:
        change, self._pending = self._pending, BookChange()
        if not change and not self._dirty:
            return
        self._dirty = False
        pulsing = self.book.unacknowledged_critical()
        for incident_id in sorted(change.raised & pulsing):
            self.critical_raised.emit(incident_id)
        if pulsing != self._pulsing:
            self._pulsing = pulsing
            self.pulsing_changed.emit(set(pulsing))
        self._emit_rows()
        counts: dict[Any, int] = dict(self.book.counts_by_stage())
        counts["overdue"] = self.book.overdue_count()
        self.counts_changed.emit(counts)
        self._refresh_markers()
        if self.selected and self.book.get(self.selected) is None:
            self.selected = ""
            self.selection_changed.emit("")
        self._emit_detail()

    def pulsing(self) -> set[str]:
        """New critical incidents not yet acknowledged, as of the last redraw."""
        return set(self._pulsing)

    def rows(self) -> list[IncidentRow]:
        """The queue as it is shown now."""
        pending = self.commands.pending_targets() if self.commands else set()
        problems = {e.command.target for e in self.commands.problems()} if self.commands else set()
        names = self.township_names
        return [
            IncidentRow(
                incident=i,
                township=names.get(i.township, i.township),
                station=self.station_names.get(i.station, i.station),
                pending=i.id in pending,
                problem=i.id in problems,
                pulsing=i.id in self._pulsing,
            )
            for i in self.book.select(self.where, self.sort, self.descending, names)
        ]

    def _emit_rows(self) -> None:
        self.rows_changed.emit(self.rows())

    def detail(self) -> IncidentDetailData | None:
        incident = self.book.get(self.selected) if self.selected else None
        if incident is None:
            return None
        commands = self.commands
        return IncidentDetailData(
            incident=incident,
            township=self.township_names.get(incident.township, incident.township),
            trail=self.book.trail(incident.id),
            trail_complete=incident.id in self.book.audit_fetched,
            actions=[a for a in available(self.role, incident) if a != Action.ACKNOWLEDGE],  # its own button
            pending=commands.pending_for(incident.id) if commands else [],
            problems=commands.problems_for(incident.id) if commands else [],
            pulsing=incident.id in self._pulsing,
            station=self.station_names.get(incident.station, incident.station),
        )

    def _emit_detail(self) -> None:
        self.detail_changed.emit(self.detail())

    def markers(self) -> list[IncidentMarker]:
        now = self.book.clock()
        out = []
        for i in self.book.incidents.values():
            if i.lon is None or i.lat is None or i.state == IncidentState.CLOSED:
                continue
            sla = sla_of(i, now)
            used = sla.used or 0.0
            out.append(
                IncidentMarker(
                    i.id,
                    i.lon,
                    i.lat,
                    int(i.severity),
                    sla.lateness.value,
                    round(used, 3),
                    i.title,
                    i.id in self._pulsing,
                    i.rule,
                    i.why,
                )
            )
        return out

    def _refresh_markers(self) -> None:
        self.markers_changed.emit(self.markers())

    # --- requests to the hub ----------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            task = asyncio.get_running_loop().create_task(coro)
        except RuntimeError:  # no loop running (a test without one): nothing to ask the hub
            coro.close()
            return
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _issue(self, action: Action, incident_id: str, args: dict[str, Any]) -> None:
        if self.commands is None:
            self.message_changed.emit(self.tr("Commands are not available: no connection to the hub"))
            return
        try:
            self.commands.issue(action, incident_id, args)
        except Refusal as exc:
            self.message_changed.emit(self.tr("Not sent: {0}").format(str(exc)))
            return
        report = action == Action.REPORT
        self.message_changed.emit(
            self.tr("Report sent: it joins the queue once the hub has it") if report else ""
        )
        self._dirty = True

    async def _upload_then_act(
        self, action: Action, incident_id: str, args: dict, photos: list[Path]
    ) -> None:
        if self.upload is None:
            self.message_changed.emit(self.tr("Photos cannot be uploaded: no connection to the hub"))
            return
        self.busy_changed.emit(True)
        ids = []
        try:
            for photo in photos:
                self.message_changed.emit(self.tr("Uploading {0} …").format(photo.name))
                ids.append(await self.upload(incident_id, photo))
        except Exception as exc:  # the hub or the file: say which, keep the dialog's work
            self.message_changed.emit(self.tr("Upload failed, nothing was sent: {0}").format(str(exc)))
            return
        finally:
            self.busy_changed.emit(False)
        self._issue(action, incident_id, {**args, "attachments": ids})

    async def _fetch_trail(self, incident_id: str) -> None:
        if self.fetch_trail is None:
            return
        try:
            incident, trail = await self.fetch_trail(incident_id)
        except Exception as exc:
            log.warning("audit trail of %s unavailable: %s", incident_id, exc)
            self.message_changed.emit(self.tr("Audit trail not available: {0}").format(str(exc)))
            return
        change = BookChange(incidents={incident.id} if self.book.put(incident) else set())
        change.merge(self.book.set_audit(incident_id, trail))
        self.on_changes(change)

    async def load_roster(self) -> None:
        """The people an incident can be assigned to, from the hub's responsibility roster."""
        if self.fetch_roster is None:
            return
        try:
            people = await self.fetch_roster()
        except HubApiError as exc:
            log.warning("responsibility roster not available: %s", exc)
            return
        self.roster = [p["name"] for p in people if p.get("name")]
        self.roster_changed.emit(list(self.roster))

    async def _fetch_assessment(self, by: str) -> None:
        fetch = self.fetch_assessment
        if fetch is None:
            return
        self.busy_changed.emit(True)
        try:
            rows = await fetch(by)
        except Exception as exc:
            self.message_changed.emit(self.tr("Assessment not available: {0}").format(str(exc)))
            return
        finally:
            self.busy_changed.emit(False)
        self.assessment_changed.emit(by, rows)

    async def _export(self, by: str, path: Path) -> None:
        fetch = self.fetch_assessment_csv
        if fetch is None:
            return
        try:
            data = await fetch(by)
            await asyncio.get_running_loop().run_in_executor(None, path.write_bytes, data)
        except Exception as exc:
            self.message_changed.emit(self.tr("Export failed: {0}").format(str(exc)))
            return
        self.message_changed.emit(self.tr("Exported to {0}").format(str(path)))
