"""Warnings on every screen and the forecast on the wall, from a real hub on loopback: the hub proposes a
warning, every window (wall, dispatch desk, briefing) shows it; a leader's console offers Issue and Reject
where a duty officer's does not; the leader's click issues it and every window shows it in force; the
forecast strip shows the hub's forecast, and a replay shows the forecast issued before its moment."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtWidgets import QLabel

from console.core.briefing import BriefingConfig
from console.core.clock import ManualClock
from console.core.hubapi import HubApi
from console.core.incident_book import IncidentBook
from console.core.session import ConsoleSession
from console.core.store import Store
from console.hub.forecast import schedule
from console.viewmodels.briefing import BriefingViewModel
from console.viewmodels.forecast import ForecastViewModel
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.wall import WallViewModel
from console.views.briefing import BriefingScreen
from console.views.dispatch import DispatchWindow
from console.views.forecast_wall import ForecastWall
from console.views.screens import SituationView
from console.views.window import WallWindow
from console.widgets import theme
from tests.net.hubkit import TOKEN, login, running_hub, station
from tests.net.test_forecast_events import _csv, _store
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])
TZ = timezone(timedelta(hours=8))
STATIONS = [station(n, interval_s=3600) for n in (1, 2)]


class Screens:
    """A console's windows as the wall, the desk and the briefing build them, dressed by ForecastWall, on
    a session linked to the hub."""

    def __init__(self, hub, tmp_path, name: str, token: str) -> None:
        self.session = ConsoleSession(tmp_path / f"{name}.db")
        self.vm = ForecastViewModel(self.session)
        self.dress = ForecastWall(self.vm)
        wall_vm = WallViewModel(self.session.store)
        self.situation = SituationView(wall_vm)
        self.situation.set_forecast(self.vm)
        self.wall = WallWindow("1")
        self.wall.set_views([self.situation], [1])
        self.desk = DispatchWindow(IncidentViewModel(IncidentBook(self.session.clock.now)))
        briefing = BriefingViewModel(
            Store(), IncidentBook(lambda: 0.0), BriefingConfig(), clock=ManualClock(0)
        )
        self.briefing = BriefingScreen(briefing, theme.WallScale())
        self.windows = [self.wall, self.desk, self.briefing]
        self.dress.sources = [lambda: self.windows]
        self.dress.dress_all()
        for window in self.windows:
            window.resize(1920, 1080)
            window.show()
        self.session.connect(f"ws://127.0.0.1:{hub.http_port}/ws", token, client_name=name)
        api = self.session.api
        assert api is not None
        self.vm.fetch_forecast, self.vm.send_command = api.forecast, api.warning_command

    def banners(self):
        return [self.dress.banners[w] for w in self.windows]

    def shown(self) -> list[list[str]]:
        """What each window's banner says (nothing when it is hidden)."""
        return [
            b.texts() if b.isVisibleTo(w) else [] for w, b in zip(self.windows, self.banners(), strict=True)
        ]

    async def close(self) -> None:
        self.dress.close()
        for window in self.windows:
            window.setProperty("rehoming", True)
            window.close()
            window.deleteLater()
        await self.session.close()


async def test_a_warning_reaches_every_window_and_a_leader_issues_it_from_the_wall(tmp_path) -> None:
    today = datetime.now(TZ).date()
    async with running_hub(tmp_path, STATIONS, forecast_dir=tmp_path / "forecast") as hub:
        duty = Screens(hub, tmp_path, "duty", TOKEN)
        leader = Screens(hub, tmp_path, "leader", await login(hub, "leader"))
        try:
            await until(lambda: duty.vm.role == "duty" and leader.vm.role == "leader", 30, "roles")
            assert duty.shown() == [[], [], []]  # no warning: no banner
            _store(hub, tmp_path, _csv(datetime.now(TZ) - timedelta(hours=1), today, [320, 330, 340, 350]))
            await schedule.announce(hub, hub.config.forecast_dir)

            for screens in (duty, leader):  # the proposal on every window of both consoles
                await until(lambda s=screens: all(s.shown()), 30, "the proposal on every window")
                for lines in screens.shown():
                    assert lines == [f"◇ Red warning · Proposed · {today:%m-%d} 00:00 – "
                                     f"{today + timedelta(days=3):%m-%d} 24:00 · 4 days"]  # fmt: skip
            for banner in duty.banners():  # a duty officer sees it, without the leader's buttons
                line = banner.lines[0]
                assert not line.issue.isVisibleTo(banner) and not line.reject.isVisibleTo(banner)
            for banner in leader.banners():
                line = banner.lines[0]
                assert line.issue.isVisibleTo(banner) and line.reject.isVisibleTo(banner)

            leader.banners()[0].lines[0].issue.click()  # on the wall

            def issued(screens: Screens) -> bool:
                shown = screens.shown()
                return all(lines and lines[0].startswith("▲ Red warning · In force") for lines in shown)

            for screens in (duty, leader):
                await until(lambda s=screens: issued(s), 30, "issued on every window")
            assert leader.banners()[1].lines[0].end.isVisibleTo(leader.banners()[1])
            assert not duty.banners()[1].lines[0].end.isVisibleTo(duty.banners()[1])
            assert [w.state for w in hub.warnings.states()] == ["issued"]

            leader.banners()[2].lines[0].end.click()  # from the briefing
            for screens in (duty, leader):
                await until(lambda s=screens: s.shown() == [[], [], []], 30, "ended: banners gone")
        finally:
            await duty.close()
            await leader.close()


async def test_the_forecast_strip_shows_the_hubs_forecast_side_by_side(tmp_path) -> None:
    today = datetime.now(TZ).date()
    async with running_hub(tmp_path, STATIONS, forecast_dir=tmp_path / "forecast") as hub:
        screens = Screens(hub, tmp_path, "duty", TOKEN)
        try:
            table = screens.situation.forecast
            await until(lambda: screens.vm.picture.loaded, 30, "the first forecast")
            assert table.texts() == ["No forecast imported."]
            _store(hub, tmp_path, _csv(datetime.now(TZ) - timedelta(hours=1), today, [120, 180]))
            await schedule.announce(hub, hub.config.forecast_dir)  # a ``forecast`` event: fetched again
            await until(lambda: len(table.texts()) == 2, 30, "the official forecast")
            assert table.texts()[0] == "Today | — | Light 70–120 · PM2.5"
            assert table.texts()[1] == "Tomorrow | — | Moderate 130–180 · PM2.5"
            screens.wall.grab()  # painted without error at the wall's size
        finally:
            await screens.close()


async def test_a_replay_shows_the_forecast_issued_before_its_moment(tmp_path) -> None:
    first, second = datetime(2015, 11, 27, 16, tzinfo=TZ), datetime(2015, 11, 29, 16, tzinfo=TZ)
    async with running_hub(tmp_path, STATIONS, forecast_dir=tmp_path / "forecast") as hub:
        _store(hub, tmp_path, _csv(first, date(2015, 11, 28), [150, 180, 190, 160]))
        _store(hub, tmp_path, _csv(second, date(2015, 11, 30), [320, 380]))
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        clock = ManualClock(datetime(2015, 11, 29, 12, tzinfo=TZ).timestamp())
        vm = ForecastViewModel(clock=clock)
        vm.fetch_forecast = api.forecast
        situation = SituationView(WallViewModel(Store(), clock=clock))
        situation.set_forecast(vm)
        situation.resize(1920, 1080)
        table = situation.forecast
        try:
            vm.set_replay(clock.now())  # 11-29 12:00: the issue of 11-29 16:00 is not out yet
            await until(lambda: vm.picture.as_of == clock.now(), 30, "the forecast of the moment")
            assert table.texts()[:2] == ["Today | — | Moderate 130–180 · PM2.5",
                                         "Tomorrow | — | Moderate 140–190 · PM2.5"]  # fmt: skip
            assert not vm.can_issue  # a replay offers no command
            clock.set(datetime(2015, 11, 30, 9, tzinfo=TZ).timestamp())
            vm.set_replay(clock.now())  # a day on: the revised issue
            await until(lambda: vm.picture.as_of == clock.now(), 30, "the later moment")
            assert table.texts()[:2] == ["Today | — | Severe 270–320 · PM2.5",
                                         "Tomorrow | — | Severe 330–380 · PM2.5"]  # fmt: skip
            vm.set_replay(clock.now() + 600)  # ten minutes on: the same forecast, not fetched again
            assert vm._fetch.task is None or vm._fetch.task.done()
        finally:
            vm.close()
            await api.close()
            situation.deleteLater()


async def test_banner_lines_have_the_level_word_and_measures_whatever_the_level(qapp) -> None:
    from console.core import protocol
    from console.widgets.warning_banner import WarningBanner

    vm = ForecastViewModel(clock=ManualClock(0.0))
    banner = WarningBanner()
    vm.warnings_changed.connect(banner.set_warnings)
    states = [protocol.WarningState(n, level, "issued", "1970-01-02", "1970-01-03", 3 * 86400.0, f"m-{level}")
              for n, level in enumerate(("yellow", "orange", "red"))]  # fmt: skip
    vm.set_warnings(states)
    words = [t.split(" · ")[0] for t in banner.texts()]
    assert words == ["▲ Red warning", "▲ Orange warning", "▲ Yellow warning"]
    assert [ln.measures.full_text() for ln in banner.lines] == ["m-red", "m-orange", "m-yellow"]
    assert all(isinstance(ln.chip, QLabel) for ln in banner.lines)


async def test_an_issued_warning_leaves_the_screens_when_its_last_day_ends(qapp) -> None:
    from console.core import protocol

    clock = ManualClock(1000.0)
    vm = ForecastViewModel(clock=clock)
    shown: list[list] = []
    vm.warnings_changed.connect(shown.append)
    vm.set_warnings([
        protocol.WarningState(1, "red", "issued", "1970-01-01", "1970-01-01", 2000.0),
        protocol.WarningState(2, "yellow", "proposed", "1970-01-02", "1970-01-03", 2000.0),
    ])  # fmt: skip
    assert [(w.id, w.state) for w in shown[-1]] == [(1, "issued"), (2, "proposed")]
    clock.set(2000.0)  # its last day ended: gone, before the hub's hourly check says so
    vm._timer.timeout.emit()
    assert [(w.id, w.state) for w in shown[-1]] == [(2, "proposed")]  # a proposal waits for a leader
    vm.close()
