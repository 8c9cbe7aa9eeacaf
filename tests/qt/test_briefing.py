"""Briefing mode on a real hub over loopback: pages, presenter keys, the frozen snapshot and its badge."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLineEdit, QTextEdit

from console.core.briefing import BriefingConfig, ForecastDay
from console.core.clock import ManualClock
from console.core.hubapi import HubApi
from console.core.incident_book import IncidentBook
from console.core.incidents import Incident, IncidentState, Level, Severity, Source
from console.core.store import Store
from console.viewmodels.briefing import REPORTS_EVERY, BriefingViewModel
from console.views.briefing import BriefingView
from console.widgets import theme
from console.widgets.briefing_parts import Message
from tests.net.hubkit import TOKEN, running_hub
from tests.net.test_report import DAY, HOURLY, _store_days
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])
AS_OF = date(2015, 12, 3)
NOW = DAY + 3 * 86400 - 600  # 2015-12-03 23:50 local


def _incident(n: int, *, overdue: bool) -> Incident:
    return Incident(
        id=f"INC-{n}",
        version=1,
        state=IncidentState.HANDLING,
        source=Source.RULE,
        category="air",
        severity=Severity(3),
        title=f"PM2.5 high at station {n}",
        reason="PM2.5 1 h 180 > 150",
        created=NOW - 7200,
        updated=NOW - 3600,
        township="110119001",
        level=Level.TOWNSHIP,
        deadline=NOW - 1800 if overdue else NOW + 3600,
        dispatched=NOW - 7200,
    )


class Briefing:
    """A briefing view-model and its windows over a real hub's /api/report."""

    def __init__(self, hub, config: BriefingConfig | None = None) -> None:
        self.clock = ManualClock(NOW)
        self.book = IncidentBook(self.clock.now)
        self.api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        self.vm = BriefingViewModel(Store(), self.book, config, as_of=AS_OF, clock=self.clock)
        self.vm.fetch_report = self.api.report
        self.vm.set_township_names({"110119001": "Riverside"})
        self.wall_hidden = 0
        self.view = BriefingView(self.vm, theme.WallScale(55, 5.0), self._hide, self._show)

    def _hide(self) -> None:
        self.wall_hidden += 1

    def _show(self) -> None:
        self.wall_hidden -= 1

    async def start(self) -> None:
        self.vm.start()
        await until(
            lambda: self.vm.snapshot is not None and self.vm.snapshot.loaded, 30, "the first snapshot"
        )
        await asyncio.sleep(0)

    def key(self, key: Qt.Key) -> None:
        QTest.keyClick(self.view.screens[0], key)

    def title(self) -> str:
        return self.view.screens[0].bar.title.text()

    def texts(self) -> str:
        """Every text on every screen (labels as shown, elided ones whole)."""
        out = []
        for window in self.view.screens:
            for label in window.findChildren(theme.QLabel):
                if label.isVisibleTo(window):
                    full = getattr(label, "full_text", None)
                    out.append(full() if callable(full) else label.text())
        return "\n".join(out)

    async def close(self) -> None:
        self.vm.stop()
        await self.api.close()


async def test_the_briefing_covers_every_screen_and_the_keys_turn_its_pages(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        briefing = Briefing(hub)
        try:
            await briefing.start()
            assert len(briefing.view.screens) == len(QGuiApplication.screens()) == 3
            assert briefing.wall_hidden == 1
            assert briefing.title() == "Air quality overview"
            assert "Good-day ratio" in briefing.texts() and "100.0%" in briefing.texts()  # 3 good days of 3
            assert "1 / 6" in briefing.view.screens[2].bar.indicator.text()

            briefing.key(Qt.Key.Key_Right)
            assert briefing.title() == "Ranking by composite index"
            briefing.key(Qt.Key.Key_PageDown)
            assert briefing.title() == "Against last year"
            briefing.key(Qt.Key.Key_PageUp)
            briefing.key(Qt.Key.Key_Left)
            assert briefing.title() == "Air quality overview"
            briefing.key(Qt.Key.Key_Left)  # from the first page round to the last
            assert briefing.title() == "Topic: heavy pollution"

            briefing.key(Qt.Key.Key_B)  # blank: every screen black
            assert all(w._stack.currentWidget() is w.blank for w in briefing.view.screens)
            briefing.key(Qt.Key.Key_Period)
            assert all(w._stack.currentWidget() is w.content for w in briefing.view.screens)

            briefing.key(Qt.Key.Key_F)  # freeze: the picture holds, the page keys do nothing
            assert briefing.view.screens[0].bar.state.text() == "FROZEN"
            briefing.key(Qt.Key.Key_Right)
            assert briefing.title() == "Topic: heavy pollution"
            assert briefing.vm.seconds_left() is None
            briefing.key(Qt.Key.Key_F)
            briefing.key(Qt.Key.Key_Right)
            assert briefing.title() == "Air quality overview"

            assert briefing.vm.seconds_left() is not None  # the rotation runs ...
            briefing.key(Qt.Key.Key_Space)  # ... until paused
            assert briefing.vm.seconds_left() is None
            assert briefing.view.screens[1].bar.state.text() == "PAUSED"
            briefing.key(Qt.Key.Key_Space)
            assert (
                briefing.vm.seconds_left() is not None and not briefing.view.screens[1].bar.state.isVisible()
            )

            briefing.key(Qt.Key.Key_Escape)  # back to the duty wall
            assert not briefing.vm.active and briefing.wall_hidden == 0
            await until(lambda: not briefing.view.screens, 5, "the briefing windows gone")
        finally:
            await briefing.close()


async def test_the_rotation_turns_the_page_after_its_duration(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 1)
        config = BriefingConfig(pages=("overview", "forecast"), durations={"overview": 5.0})
        briefing = Briefing(hub, config)
        try:
            await briefing.start()
            assert briefing.vm.seconds_left() == pytest.approx(5.0, abs=1.0)
            briefing.vm._rotation.setInterval(50)  # let the 5 s go by quicker
            briefing.vm._rotation.start()
            await until(lambda: briefing.title() == "Forecast and warnings", 10, "the second page")
            assert "2 / 2" in briefing.view.screens[0].bar.indicator.text()
        finally:
            await briefing.close()


async def test_the_snapshot_holds_while_live_data_moves_and_r_refreshes(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 2)  # 1 and 2 December; the 3rd is not in yet
        briefing = Briefing(hub)
        try:
            await briefing.start()
            briefing.key(Qt.Key.Key_Space)  # paused: the page stays put
            assert "2 good days of 2 valid" in briefing.texts()
            assert briefing.view.screens[0].bar.badge() == ""

            # the 3rd December arrives at the hub; the pages keep the snapshot, the badge says so
            _store_days_from(hub.storage, 2)
            for _ in range(REPORTS_EVERY):
                briefing.vm.look_at_live()
            await until(lambda: briefing.view.screens[0].bar.badge() != "", 20, "the badge")
            assert briefing.view.screens[0].bar.badge() == "Live data has changed since 23:50 · R refreshes"
            assert "2 good days of 2 valid" in briefing.texts()

            briefing.clock.advance(120)
            briefing.key(Qt.Key.Key_R)
            await until(lambda: "3 good days of 3 valid" in briefing.texts(), 20, "the new snapshot")
            assert briefing.view.screens[0].bar.badge() == ""
            assert "snapshot 23:52" in briefing.view.screens[0].bar.when.full_text()
        finally:
            await briefing.close()


def _store_days_from(storage, first: int) -> None:
    """The days after ``first`` of _store_days' three (the same values)."""
    from tests.net.test_report import _o3

    uploads = []
    for n, st in enumerate(HOURLY[:2]):
        for hour in range(24 * first, 24 * 3):
            values = {"a34004": 30.0 + 20 * n, "a34002": 60.0, "a21026": 8.0, "a21004": 30.0, "a21005": 0.8}
            values["a05024"] = _o3(hour % 24)
            uploads.append((st.id, DAY + hour * 3600 + 60, {c: (v, "N") for c, v in values.items()}))
    storage.write([], uploads)


async def test_a_new_overdue_problem_shows_the_badge_and_the_refresh_lists_it_first(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        briefing = Briefing(hub)
        try:
            briefing.book.put(_incident(1, overdue=False))
            await briefing.start()
            briefing.vm.go_to(briefing.vm.presenter.pages.index("problems"))
            assert "PM2.5 high at station 1" in briefing.texts()
            briefing.book.put(_incident(2, overdue=True))
            briefing.vm.look_at_live()
            assert briefing.view.screens[0].bar.badge().startswith("Live data has changed since")
            assert "PM2.5 high at station 2" not in briefing.texts()  # the snapshot holds

            briefing.key(Qt.Key.Key_R)
            await until(lambda: "PM2.5 high at station 2" in briefing.texts(), 20, "the refreshed problems")
            table = briefing.view.screens[0].parts[0]
            first_row = [
                cell.full_text() if hasattr(cell, "full_text") else cell.text() for cell in table.cells[0]
            ]
            assert first_row[0] == "PM2.5 high at station 2" and first_row[2] == "30 min late"
            assert "1 overdue of 2 open." in briefing.texts()
        finally:
            await briefing.close()


async def test_the_forecast_page_says_plainly_that_none_is_imported(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 1)
        briefing = Briefing(hub)
        try:
            await briefing.start()
            briefing.vm.go_to(briefing.vm.presenter.pages.index("forecast"))
            messages = [m.text.text() for w in briefing.view.screens for m in w.findChildren(Message)]
            assert "No forecast imported." in messages and "No warning imported." in messages
        finally:
            await briefing.close()
        forecast = (ForecastDay(date(2015, 12, 4), 5, "PM2.5", "orange warning from 20:00"),)
        briefing = Briefing(hub, BriefingConfig(forecast=forecast))
        try:
            await briefing.start()
            briefing.vm.go_to(briefing.vm.presenter.pages.index("forecast"))
            assert "Heavily polluted" in briefing.texts() and "No forecast imported." not in briefing.texts()
        finally:
            await briefing.close()


async def test_no_command_can_be_issued_from_the_briefing(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        briefing = Briefing(hub)
        briefing.book.put(_incident(1, overdue=True))
        try:
            await briefing.start()
            for n in range(len(briefing.vm.presenter.pages)):
                briefing.vm.go_to(n)
                for window in briefing.view.screens:
                    for kind in (QAbstractButton, QLineEdit, QComboBox, QTextEdit):
                        assert not window.findChildren(kind), f"{kind.__name__} on page {n}"
            shown = {w for w in QApplication.topLevelWidgets() if w.isVisible()}
            for key in ("Ctrl+D", "Return", "Delete", "A", "Ctrl+P"):
                QTest.keySequence(briefing.view.screens[0], key)
            await asyncio.sleep(0.1)
            assert {w for w in QApplication.topLevelWidgets() if w.isVisible()} == shown  # nothing opened
            assert briefing.vm.active and briefing.book.get("INC-1").version == 1
        finally:
            await briefing.close()


async def test_a_hub_that_does_not_answer_is_said_in_words(tmp_path) -> None:
    briefing_vm = BriefingViewModel(Store(), IncidentBook(lambda: NOW), as_of=AS_OF, clock=ManualClock(NOW))
    api = HubApi("http://127.0.0.1:9", TOKEN, timeout_s=2)  # nothing listens on the discard port
    briefing_vm.fetch_report = api.report
    view = BriefingView(briefing_vm, theme.WallScale(55, 5.0))
    try:
        briefing_vm.start()
        await until(lambda: briefing_vm.snapshot is not None and briefing_vm.snapshot.loaded, 20, "snapshot")
        texts = [m.text.text() for w in view.screens for m in w.findChildren(Message)]
        assert "The hub gave no figures." in texts
    finally:
        briefing_vm.stop()
        await api.close()


async def test_a_change_of_screens_rebuilds_the_briefing_on_the_same_page(tmp_path) -> None:
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 1)
        briefing = Briefing(hub)
        try:
            await briefing.start()
            briefing.vm.go_to(2)
            before = list(briefing.view.screens)
            briefing.view._on_screens_changed()  # what a monitor plugged in or out sends
            await until(
                lambda: briefing.view.screens and briefing.view.screens[0] is not before[0], 5, "rebuilt"
            )
            assert len(briefing.view.screens) == 3 and all(w.isVisible() for w in briefing.view.screens)
            assert briefing.title() == "Against last year" and briefing.vm.active
            assert briefing.wall_hidden >= 1  # the wall, re-arranged meanwhile, is put away again
        finally:
            await briefing.close()
