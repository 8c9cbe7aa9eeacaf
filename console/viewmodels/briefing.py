"""The leaders' briefing: a frozen snapshot of the figures, the pages' rotation and the presenter's state.

While presenting, the pages show one snapshot (reports from ``/api/report``, the city AQI from the store,
open problems from the incident book). The live figures are looked at again on a timer; when they differ
from the snapshot, ``stale_changed`` carries the time they were first seen to differ, and ``refresh()``
takes a new snapshot. Nothing here sends a command: the briefing only reads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from console.core import summary
from console.core.briefing import (
    BriefingConfig,
    Fingerprint,
    ForecastDay,
    GoodDayProgress,
    Periods,
    Problems,
    WarningInForce,
    fingerprint,
    good_day_progress,
    hub_forecast,
    open_problems,
    periods_as_of,
)
from console.core.clock import LIVE_CLOCK, Clock
from console.core.incident_book import IncidentBook
from console.core.report_figures import local_date
from console.core.store import Store

log = logging.getLogger(__name__)

FetchReport = Callable[[str, str], Awaitable[dict[str, Any]]]
FetchForecast = Callable[[], Awaitable[dict[str, Any]]]
LOOK_EVERY_MS = 15_000  # how often the live store and book are compared with the snapshot
REPORTS_EVERY = 20  # ... and every twentieth (5 min), the hub's reports too: a year of them takes seconds


@dataclass(frozen=True)
class Snapshot:
    """The figures every page shows, taken at one moment."""

    taken_at: float
    as_of: date
    periods: Periods
    reports: dict[str, dict[str, Any] | None]  # "day", "month", "year" -> /api/report answer or None
    errors: dict[str, str]  # the same keys -> why a report is missing
    city: summary.CitySummary
    problems: Problems
    township_names: dict[str, str]
    forecast: tuple[ForecastDay, ...] = ()
    warnings: tuple[WarningInForce, ...] = ()  # issued heavy-pollution warnings (from the hub)
    good_days: GoodDayProgress | None = None
    loaded: bool = True  # False until the first reports came (or failed)

    def report(self, key: str) -> dict[str, Any] | None:
        return self.reports.get(key)

    def fingerprint(self) -> Fingerprint:
        return fingerprint(self.reports, self.city.aqi, self.problems)


@dataclass
class Presenter:
    """Where the presenter is: the page, and whether the rotation is paused, the picture frozen or blank."""

    pages: tuple[str, ...]
    index: int = 0
    paused: bool = False
    frozen: bool = False
    blank: bool = False
    stale_since: float | None = None  # when the live figures were first seen to differ from the snapshot

    @property
    def page(self) -> str:
        return self.pages[self.index]


class BriefingViewModel(QObject):
    """Snapshot, live comparison, rotation and presenter keys of the briefing.

    Signals:
        active_changed(bool): briefing mode switched on or off.
        snapshot_changed(object): a new Snapshot for the pages.
        presenter_changed(object): the Presenter (page, paused, frozen, blank, stale since).
    """

    active_changed = Signal(bool)
    snapshot_changed = Signal(object)
    presenter_changed = Signal(object)

    def __init__(
        self,
        store: Store,
        book: IncidentBook,
        config: BriefingConfig | None = None,
        *,
        as_of: date | None = None,
        clock: Clock = LIVE_CLOCK,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.book, self.clock = store, book, clock
        self.config = config or BriefingConfig()
        self.as_of_fixed = as_of
        self.fetch_report: FetchReport | None = None  # the hub's /api/report (set once connected)
        self.fetch_forecast: FetchForecast | None = None  # the hub's /api/forecast (set once connected)
        self._hub_forecast: tuple[tuple[ForecastDay, ...], tuple[WarningInForce, ...]] = ((), ())
        self.township_names: dict[str, str] = {}
        self.active = False
        self.presenter = Presenter(self.config.pages)
        self.snapshot: Snapshot | None = None
        self._live_reports: dict[str, dict[str, Any] | None] | None = None
        self._looks = 0
        self._tasks: set[asyncio.Future[None]] = set()
        self._rotation = QTimer(self)
        self._rotation.setSingleShot(True)
        self._rotation.timeout.connect(self._on_rotation_timeout)
        self._look = QTimer(self)
        self._look.setInterval(LOOK_EVERY_MS)
        self._look.timeout.connect(self.look_at_live)

    # --- switching -----------------------------------------------------------------------------------------

    def set_township_names(self, names: dict[str, str]) -> None:
        self.township_names = dict(names)

    def as_of(self) -> date:
        """The day the briefing speaks of: the one given on the command line, else today (local)."""
        return self.as_of_fixed or local_date(self.clock.now())

    def toggle(self) -> None:
        self.stop() if self.active else self.start()

    def start(self) -> None:
        """Enter briefing mode on the first page with a fresh snapshot."""
        if self.active:
            return
        self.active = True
        self.presenter = Presenter(self.config.pages)
        self.snapshot = self._local_snapshot(None, {}, loaded=False)
        self.active_changed.emit(True)
        self.snapshot_changed.emit(self.snapshot)
        self._emit_presenter()
        self._look.start()
        self.refresh()

    def stop(self) -> None:
        """Back to the duty wall."""
        if not self.active:
            return
        self.active = False
        self._rotation.stop()
        self._look.stop()
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.active_changed.emit(False)

    # --- presenter keys ------------------------------------------------------------------------------------

    def next_page(self) -> None:
        self._go(self.presenter.index + 1)

    def previous_page(self) -> None:
        self._go(self.presenter.index - 1)

    def go_to(self, index: int) -> None:
        self._go(index)

    def toggle_blank(self) -> None:
        self.presenter.blank = not self.presenter.blank
        self._emit_presenter()

    def toggle_freeze(self) -> None:
        """Hold the picture: no page turns, no refresh, until pressed again."""
        self.presenter.frozen = not self.presenter.frozen
        self._arm()
        self._emit_presenter()

    def toggle_pause(self) -> None:
        """Stop or resume the rotation (the pages still turn by hand)."""
        self.presenter.paused = not self.presenter.paused
        self._arm()
        self._emit_presenter()

    def refresh(self) -> None:
        """Take a new snapshot of the live figures (the reports are fetched again)."""
        if not self.active or self.presenter.frozen:
            return
        self._spawn(self._take_snapshot())

    def seconds_left(self) -> float | None:
        """Seconds before the rotation turns the page (None when it does not run)."""
        return self._rotation.remainingTime() / 1000 if self._rotation.isActive() else None

    def _go(self, index: int) -> None:
        if not self.active or self.presenter.frozen:
            return
        self.presenter.index = index % len(self.presenter.pages)
        self._arm()
        self._emit_presenter()

    def _arm(self) -> None:
        self._rotation.stop()
        if self.active and not self.presenter.paused and not self.presenter.frozen:
            self._rotation.start(round(self.config.duration(self.presenter.page) * 1000))

    def _on_rotation_timeout(self) -> None:
        self.next_page()

    def _emit_presenter(self) -> None:
        self.presenter_changed.emit(self.presenter)

    # --- snapshot and live ---------------------------------------------------------------------------------

    async def _take_snapshot(self) -> None:
        reports, errors = await self._fetch_reports()
        await self._fetch_forecast()
        if not self.active or self.presenter.frozen:
            return
        if self.snapshot is not None:  # a report the hub could not give now: the one shown stays
            for key, answer in reports.items():
                kept = self.snapshot.reports.get(key)
                if answer is None and kept is not None:
                    reports[key] = kept
                    errors.pop(key, None)
        self._live_reports = reports
        self.snapshot = self._local_snapshot(reports, errors)
        self.presenter.stale_since = None
        self.snapshot_changed.emit(self.snapshot)
        self._emit_presenter()
        self._arm()

    def look_at_live(self) -> None:
        """Compare the live figures with the snapshot now (the timer calls this; tests may too)."""
        if not self.active or self.snapshot is None or not self.snapshot.loaded:
            return
        self._looks += 1
        if self._looks % REPORTS_EVERY == 0:
            self._spawn(self._refetch_live())
        self._compare()

    async def _refetch_live(self) -> None:
        self._live_reports, _errors = await self._fetch_reports()
        self._compare()

    def _compare(self) -> None:
        if self.snapshot is None or self.presenter.stale_since is not None or self.presenter.frozen:
            return
        live = self._local_snapshot(self._live_reports, {})
        if live.fingerprint() != self.snapshot.fingerprint():
            self.presenter.stale_since = self.clock.now()
            self._emit_presenter()

    async def _fetch_forecast(self) -> None:
        """The hub's forecast and warnings; on failure the briefing file's forecast shows (and the last
        fetched stays)."""
        if self.fetch_forecast is None:
            return
        try:
            body = await self.fetch_forecast()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("briefing: forecast failed: %s", exc)
            return
        self._hub_forecast = hub_forecast(body, self.as_of())

    async def _fetch_reports(self) -> tuple[dict[str, dict[str, Any] | None], dict[str, str]]:
        periods = periods_as_of(self.as_of())
        wanted = {"day": periods.day, "month": periods.month, "year": periods.year}
        reports: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
        errors: dict[str, str] = {}
        if self.fetch_report is None:
            return reports, dict.fromkeys(wanted, self.tr("not connected to the hub"))
        answers = await asyncio.gather(
            *(self.fetch_report(*p) for p in wanted.values()), return_exceptions=True
        )
        for key, answer in zip(wanted, answers, strict=True):
            if isinstance(answer, BaseException):
                if isinstance(answer, asyncio.CancelledError):
                    raise answer
                log.warning("briefing: %s report failed: %s", key, answer)
                errors[key] = str(answer)
            else:
                reports[key] = answer
        return reports, errors

    def _local_snapshot(
        self, reports: dict[str, dict[str, Any] | None] | None, errors: dict[str, str], *, loaded: bool = True
    ) -> Snapshot:
        as_of = self.as_of()
        reports = reports if reports is not None else {"day": None, "month": None, "year": None}
        year = reports.get("year")
        good = good_day_progress(self.config.good_day_target, int(year["good_days"]), as_of) if year else None
        now = self.clock.now()
        return Snapshot(
            taken_at=now,
            as_of=as_of,
            periods=periods_as_of(as_of),
            reports=dict(reports),
            errors=dict(errors),
            city=self._city_now(),
            problems=open_problems(self.book.incidents.values(), now),
            township_names=dict(self.township_names),
            forecast=self._hub_forecast[0] or tuple(f for f in self.config.forecast if f.day >= as_of),
            warnings=self._hub_forecast[1],
            good_days=good,
            loaded=loaded,
        )

    def _city_now(self) -> summary.CitySummary:
        if self.as_of_fixed is not None and self.as_of_fixed != local_date(self.clock.now()):
            return summary.CitySummary(None)  # a briefing of a past day has no "now"
        return summary.city_summary(self.store)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("briefing: %s", task.exception())
