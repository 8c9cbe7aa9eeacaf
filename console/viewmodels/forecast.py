"""The forecast and the heavy-pollution warnings for every screen: the warnings the session keeps (from the
hub's snapshot and ``warning`` events), the forecast fetched from ``/api/forecast`` when the console
connects and whenever the hub announces a new one (a ``forecast`` event), never on the GUI thread.

While replaying, both come from ``/api/forecast?as_of=T``: the forecast as issued before the replayed
moment and the warnings as they stood then, fetched again as the replay moves on by the hour.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.core import protocol
from console.core.clock import LIVE_CLOCK, Clock
from console.core.report_figures import local_date
from console.core.session import ConsoleSession, SessionChange

log = logging.getLogger(__name__)

FetchForecast = Callable[[float | None], Awaitable[dict[str, Any]]]
SendCommand = Callable[[int, str, str], Awaitable[dict[str, Any]]]
ISSUERS = frozenset({"leader", "admin"})  # the roles the hub lets issue, reject and end (its own check rules)
LEVELS = ("yellow", "orange", "red")
DAYS_SHOWN = 5  # today and the four days after it (days 4 and 5 only when an official forecast has them)
REPLAY_STEP_S = 3600.0  # a replay fetches the forecast of its moment again after moving on this far
LOOK_EVERY_MS = 60_000  # how often an issued warning's end by time is looked for


@dataclass(frozen=True)
class WarningView:
    """A warning as the banner shows it: level, state, first and last day, measures."""

    id: int
    level: str
    state: str
    start: date
    end: date
    ends_at: float
    measures: str = ""
    issued_at: float | None = None
    by: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class LocalDay:
    """The local model's forecast of a day with its verified skill at that lead (None: not verified)."""

    lead: int
    aqi: int
    level: int
    pm25: float
    level_accuracy: float | None = None
    rmse: float | None = None
    persistence_rmse: float | None = None


@dataclass(frozen=True)
class OfficialDay:
    """An imported official forecast of a day (the highest of its areas)."""

    aqi_low: int
    aqi_high: int
    level: int
    primary: str
    source: str


@dataclass(frozen=True)
class ForecastRow:
    day: date
    local: LocalDay | None = None
    official: OfficialDay | None = None


@dataclass(frozen=True)
class ForecastPicture:
    """What the forecast panel shows: a row per day from ``today`` on, with the local and the official
    forecast side by side; ``note`` why the local forecast is missing; ``verified`` the held-back days its
    skill was measured on; ``hindcast`` when the model learnt the days it forecasts (a replay of them)."""

    today: date
    rows: tuple[ForecastRow, ...] = ()
    issued_for: date | None = None
    note: str = ""
    verified: tuple[str, str] | None = None
    hindcast: bool = False
    as_of: float | None = None
    loaded: bool = False

    @property
    def empty(self) -> bool:
        return not self.rows


def picture_of(body: Mapping[str, Any], today: date, as_of: float | None = None) -> ForecastPicture:
    """The ``/api/forecast`` answer as rows of days from ``today`` on; malformed entries are left out."""
    rows: dict[date, dict[str, Any]] = {}
    for f in body.get("official") or []:
        try:
            day = date.fromisoformat(str(f["valid_date"]))
            primary, source = str(f.get("primary_pollutant") or ""), str(f.get("source") or "")
            entry = OfficialDay(int(f["aqi_low"]), int(f["aqi_high"]), int(f["level"]), primary, source)
        except (KeyError, TypeError, ValueError):
            continue
        kept = rows.setdefault(day, {}).get("official")
        if kept is None or entry.aqi_high > kept.aqi_high:  # the highest of the areas
            rows[day]["official"] = entry
    local = body.get("local") if isinstance(body.get("local"), Mapping) else None
    for e in (local or {}).get("city") or []:
        try:
            day = date.fromisoformat(str(e["valid_date"]))
            skill = e.get("skill") if isinstance(e.get("skill"), Mapping) else {}
            model, persistence = skill.get("model") or {}, skill.get("persistence") or {}
            rows.setdefault(day, {})["local"] = LocalDay(
                int(e["lead"]), round(float(e["aqi"])), int(e["level"]), float(e["pm25"]),
                _number(model.get("level_accuracy")), _number(model.get("rmse")),
                _number(persistence.get("rmse")),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            continue
    shown = [today + timedelta(days=n) for n in range(DAYS_SHOWN)]
    verified = ((local or {}).get("model") or {}).get("verified") or None
    issued = (local or {}).get("issued_for_day")
    return ForecastPicture(
        today,
        tuple(ForecastRow(d, rows[d].get("local"), rows[d].get("official")) for d in shown if d in rows),
        date.fromisoformat(issued) if isinstance(issued, str) else None,
        "" if local else str(body.get("local_error") or ""),
        (str(verified["from"]), str(verified["to"])) if isinstance(verified, Mapping) else None,
        bool((local or {}).get("hindcast")),
        as_of,
        loaded=True,
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def warning_view(w: protocol.WarningState) -> WarningView | None:
    try:
        return WarningView(w.id, w.level, w.state, date.fromisoformat(w.start), date.fromisoformat(w.end),
                           w.ends_at, w.measures, w.issued_at, w.by)  # fmt: skip
    except ValueError:
        return None


def warnings_of(rows: Iterable[Mapping[str, Any]], tz_hours: float = 8) -> list[protocol.WarningState]:
    """The ``warnings`` of an ``/api/forecast`` answer as the wire's states (a replay's)."""
    out = []
    for row in rows:
        try:
            end = date.fromisoformat(str(row["end"]))
            ends_at = ((end - date(1970, 1, 1)).days + 1) * 86400.0 - tz_hours * 3600
            issued = [float(e["ts"]) for e in row.get("audit") or [] if e.get("to_state") == "issued"]
            out.append(protocol.WarningState(
                int(row["id"]), str(row["level"]), str(row["state"]), str(row["start"]), str(row["end"]),
                ends_at, str(row.get("measures") or ""), issued[-1] if issued else None,
            ))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            continue
    return out


@dataclass
class _Fetch:
    """One fetch at a time; the newest wish is fetched after it (``wanted``: the moment, None live)."""

    task: asyncio.Future[None] | None = None
    wanted: tuple[float | None] | None = None
    done_for: tuple[float | None] | None = None
    errors: list[str] = field(default_factory=list)


class ForecastViewModel(QObject):
    """Warnings and forecast for the wall, the desk and the briefing.

    Signals:
        warnings_changed(list): the warnings to show (WarningView), issued first, then proposed.
        forecast_changed(object): a new ForecastPicture.
        can_issue_changed(bool): whether this console may issue, reject and end warnings (its role, live).
        message_changed(str): why the last command failed ('' clears it).
    """

    warnings_changed = Signal(list)
    forecast_changed = Signal(object)
    can_issue_changed = Signal(bool)
    message_changed = Signal(str)

    def __init__(self, session: ConsoleSession | None = None, *, clock: Clock | None = None,
                 tz_hours: float = 8) -> None:  # fmt: skip
        super().__init__()
        self.session = session
        self.clock = clock or (session.clock if session is not None else LIVE_CLOCK)
        self.tz_hours = tz_hours
        self.fetch_forecast: FetchForecast | None = None  # the hub's /api/forecast (set once connected)
        self.send_command: SendCommand | None = None  # POST /api/warnings/{id}
        self.role = ""
        self.replay_at: float | None = None
        self._states: dict[int, protocol.WarningState] = {}
        self._shown: list[WarningView] = []
        self.picture = ForecastPicture(self.today())
        self._fetch = _Fetch()
        self._commands: set[asyncio.Future[None]] = set()
        self._timer = QTimer(self, interval=LOOK_EVERY_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()
        if session is not None:
            session.changed.subscribe(self.on_session_change)
            self._states = dict(session.warnings)

    # --- state in ---------------------------------------------------------------------------------------

    def today(self) -> date:
        return local_date(self.clock.now(), self.tz_hours)

    def on_session_change(self, change: SessionChange) -> None:
        """A turn of the session: the warnings it keeps, the role, and a forecast announced or due."""
        if change.role is not None:
            self.set_role(change.role)
        if self.replay_at is not None:
            return  # a replay's warnings and forecast are those of its moment
        if change.warnings and self.session is not None:
            self.set_warnings(self.session.warnings.values())
        if change.forecast or isinstance(change.message, protocol.Welcome):
            self.refresh()

    def set_role(self, role: str) -> None:
        before = self.can_issue
        self.role = role
        if self.can_issue != before:
            self.can_issue_changed.emit(self.can_issue)

    @property
    def can_issue(self) -> bool:
        """Issue, reject and end are offered to leaders and admins, live (the hub checks the role too)."""
        return self.role in ISSUERS and self.replay_at is None

    def set_warnings(self, states: Iterable[protocol.WarningState]) -> None:
        self._states = {w.id: w for w in states}
        self._publish_warnings()

    def warnings(self) -> list[WarningView]:
        """Open warnings: issued ones until their last day ends, then proposed ones; highest level first."""
        now = self.clock.now()
        views = [v for w in self._states.values() if (v := warning_view(w)) is not None]
        shown = [v for v in views if v.state == "proposed" or (v.state == "issued" and v.ends_at > now)]
        rank = {name: n for n, name in enumerate(LEVELS)}
        return sorted(shown, key=lambda v: (v.state != "issued", -rank.get(v.level, -1), v.start, v.id))

    def _publish_warnings(self) -> None:
        shown = self.warnings()
        if shown != self._shown:
            self._shown = shown
            self.warnings_changed.emit(shown)

    def _on_timer_timeout(self) -> None:
        self._publish_warnings()  # an issued warning ends when its last day does
        if self.picture.loaded and self.picture.today != self.today() and self.replay_at is None:
            self.refresh()  # a new day: the forecast issued at the end of yesterday

    # --- replay -----------------------------------------------------------------------------------------

    def set_replay(self, at: float | None) -> None:
        """Replaying at ``at`` (None: live again): the forecast and warnings of that moment."""
        was, self.replay_at = self.replay_at, at
        if (was is None) != (at is None):
            self.can_issue_changed.emit(self.can_issue)
        if at is None:
            if was is not None and self.session is not None:
                self.set_warnings(self.session.warnings.values())
                self.refresh()
            return
        done = self._fetch.done_for[0] if self._fetch.done_for is not None else None
        if done is None or at < done or at - done >= REPLAY_STEP_S:
            self.refresh()

    # --- fetching ---------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Fetch the forecast (of the replayed moment while replaying) off the GUI thread; one at a time."""
        self._fetch.wanted = (self.replay_at,)
        if self.fetch_forecast is None or (self._fetch.task is not None and not self._fetch.task.done()):
            return
        self._fetch.task = asyncio.ensure_future(self._run_fetch())

    async def _run_fetch(self) -> None:
        while self._fetch.wanted is not None and self.fetch_forecast is not None:
            wanted, self._fetch.wanted = self._fetch.wanted, None
            at = wanted[0]
            try:
                body = await self.fetch_forecast(at)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the last forecast shown stays; the log says why
                log.warning("forecast: not fetched: %s", exc)
                continue
            if at != self.replay_at and self._fetch.wanted is not None:
                continue  # the replay moved on meanwhile: the newer moment is fetched next
            self._fetch.done_for = wanted
            today = local_date(at, self.tz_hours) if at is not None else self.today()
            self.picture = picture_of(body, today, at)
            self.forecast_changed.emit(self.picture)
            if at is not None and self.replay_at is not None:
                self.set_warnings(warnings_of(body.get("warnings") or [], self.tz_hours))

    # --- commands ---------------------------------------------------------------------------------------

    def issue(self, ident: int) -> None:
        self._command(ident, "issue")

    def reject(self, ident: int) -> None:
        self._command(ident, "reject")

    def end(self, ident: int) -> None:
        self._command(ident, "end")

    def _command(self, ident: int, action: str) -> None:
        """Send a leader's step to the hub; the banner changes when the hub's event comes back."""
        if not self.can_issue or self.send_command is None:
            self.message_changed.emit(self.tr("Only a leader can issue, reject or end a warning, live."))
            return
        task = asyncio.ensure_future(self._send(ident, action))
        self._commands.add(task)
        task.add_done_callback(self._commands.discard)

    async def _send(self, ident: int, action: str) -> None:
        assert self.send_command is not None
        self.message_changed.emit("")
        try:
            await self.send_command(ident, action, "")
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("warning %d: %s refused: %s", ident, action, exc)
            self.message_changed.emit(self.tr("The hub refused it: {0}").format(exc))

    def close(self) -> None:
        """Stop the timer and every fetch and command in flight (shutdown)."""
        self._timer.stop()
        for task in [self._fetch.task, *self._commands]:
            if task is not None and not task.done():
                task.cancel()
