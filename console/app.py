"""Composition root of the console: builds every object once and owns start-up and shutdown order.

Start-up (logged): settings -> Qt application -> session and view-models -> views and windows -> the cached
picture -> hub (embedded child or remote) -> login -> link -> region, roster, map. Shutdown runs backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Coroutine
from typing import Any

from console.core.clock import LiveClock
from console.core.link import LinkState, LinkStatus
from console.core.session import ConsoleSession, SessionChange
from console.login import Login
from console.runtime import collect_garbage_on_gui_thread, create_application, prepare_environment
from console.settings import Settings, parse_settings

log = logging.getLogger("console")
# The embedded hub's first start writes the simulated city's site and its first hours of history: seconds on
# an idle machine, a minute or more on a busy one. After this the wall stays up offline and says why.
EMBEDDED_START_S = 180.0


class ConsoleApp:
    """Builds the session, the view-models, the views and the windows, and wires them together."""

    def __init__(self, settings: Settings) -> None:
        from console.core.briefing import load_config
        from console.viewmodels.briefing import BriefingViewModel
        from console.viewmodels.incidents import IncidentViewModel
        from console.viewmodels.reports import ReportsViewModel
        from console.viewmodels.wall import WallViewModel
        from console.views.dispatch_desk import DispatchDesk
        from console.views.report_desk import ReportDesk

        self.settings = settings
        days = {"raw_days": settings.cache_raw_days, "hourly_days": settings.cache_hourly_days}
        self.session = ConsoleSession(settings.data_dir / "cache.db", clock=LiveClock(), **days)
        self.vm = WallViewModel(self.session.store, clock=self.session.clock)
        self.incidents = IncidentViewModel(self.session.book)
        self.desk = DispatchDesk(self.incidents)
        self.reports = ReportsViewModel()
        self.report_desk = ReportDesk(self.reports)
        self.desk.window_created.append(self.report_desk.attach_dispatch)
        config = load_config(settings.briefing_file)
        self.briefing = BriefingViewModel(
            self.session.store,
            self.session.book,
            config,
            as_of=settings.briefing_as_of,
            clock=self.session.clock,
        )
        self.login = Login(settings, self._on_login_failed)
        self.hub: Any = None
        self.region: dict[str, Any] | None = None
        self.views: dict[str, Any] = {}
        self.windows: Any = None
        self.map_loader: Any = None
        self._done = asyncio.Event()
        self._tasks: list[asyncio.Future[None]] = []

    async def run(self) -> int:
        """Start everything, wait until the operator quits (or the snapshot is taken), stop everything."""
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert app is not None, "create_application() runs before the console"
        app.aboutToQuit.connect(self._done.set)
        collect_garbage_on_gui_thread()
        try:
            log.info("start-up: views and windows")
            self._build_views()
            self._bind_session()
            log.info("start-up: the cached picture")  # the wall is never blank while the hub starts
            self._restore()
            log.info("start-up: hub")
            if await self._start_hub():
                await self.login.login()
                log.info("start-up: link to %s", self.settings.hub_url)
                self._connect()
                self._spawn(self._load_region())
                self._spawn(self.incidents.load_roster())
            if self.settings.briefing and not self.settings.snapshot_dir:
                self.briefing.start()
            if self.settings.snapshot_dir:
                self._spawn(self._snapshot())
            await self._done.wait()
            return 0
        finally:
            await self.shutdown()

    def _build_views(self) -> None:
        from PySide6.QtCore import QSettings

        from console.views.map_loader import MapLoader
        from console.views.screens import ActionView, MapScreenView, SituationView
        from console.views.window import WallWindows
        from console.widgets.map_view import MapView

        map_view = MapView(cache_dir=self.settings.data_dir / "map")
        self.views = {
            "situation": SituationView(self.vm),
            "map": MapScreenView(self.vm, map_view, self.incidents),
            "action": ActionView(self.vm, self.incidents),
        }
        self.views["map"].banner.set_title(self.settings.banner_title())
        settings = self.settings
        self.map_loader = MapLoader(
            map_view,
            self.vm,
            font_px=settings.scale.small_px,
            tile_url=settings.tile_url or None,
            tiles_gcj02=not settings.tiles_wgs84,
        )
        qsettings = QSettings(str(self.settings.data_dir / "console.ini"), QSettings.Format.IniFormat)
        self.windows = WallWindows(self.views, self.settings.layout(), qsettings)
        self.windows.arrange()
        self.desk.add_shortcuts(self.windows.windows)
        self.report_desk.add_shortcuts(self.windows.windows)
        self._build_briefing()
        if self.settings.dispatch:
            self.desk.toggle()

    def _build_briefing(self) -> None:
        from console.views.briefing import BriefingView, WallCover
        from console.widgets.theme import WallScale

        settings = self.settings
        scale = WallScale(settings.tile_diagonal_in, self.briefing.config.viewing_distance_m)
        cover = WallCover(self.windows, self.desk, self.briefing)
        cover.add_shortcuts(self.windows.windows)
        self.briefing_view = BriefingView(self.briefing, scale, hide_wall=cover.hide, show_wall=cover.show)

    def _bind_session(self) -> None:
        session = self.session
        session.changed.subscribe(self._on_changed)
        session.link_changed.subscribe(self.vm.on_link_status)
        session.backfill_changed.subscribe(self.vm.on_backfill)
        session.commands_changed.subscribe(lambda _none: self.incidents.on_commands_changed())
        self.login.watch(session)
        self.vm.selection_changed.connect(session.watch_station)

    def _on_changed(self, change: SessionChange) -> None:
        self.vm.on_changes(change.data)
        self.incidents.on_changes(change.incidents)
        if change.role is not None:
            self.incidents.set_role(change.role)
        if change.data.snapshot:
            self.incidents.set_station_names({s.id: s.name for s in self.session.store.stations.values()})
            self.reports.station_names = {s.id: s.name for s in self.session.store.stations.values()}
            self.map_loader.maybe_load(self.region)

    def _restore(self) -> None:
        self.session.restore()
        region = self.session.local.region()
        if region:
            self._set_region(region)

    async def _start_hub(self) -> bool:
        """The embedded hub, unless --hub names one. False when it could not start: the wall stays up on
        its cached picture, says OFFLINE and shows why, instead of closing."""
        if self.settings.hub_url:
            return True
        from PySide6.QtCore import QCoreApplication

        from console.embedded import EmbeddedHub, EmbeddedHubError

        settings = self.settings
        self.hub = EmbeddedHub(settings.data_dir / "hub", region=settings.region, accel=settings.accel)
        try:
            await self.hub.start(timeout=EMBEDDED_START_S)
        except (EmbeddedHubError, OSError) as exc:
            log.error("the local hub could not start: %s", exc)
            reason = QCoreApplication.translate("Console", "The local hub could not start: {0}").format(exc)
            self.vm.on_link_status(LinkStatus(LinkState.REFUSED, reason, since=self.session.clock.now()))
            self.incidents.message_changed.emit(reason)
            await self.hub.stop()
            self.hub = None
            return False
        settings.hub_url, settings.token = self.hub.url, self.hub.token
        self.login.fallback_password = self.hub.demo_password(settings.user) if settings.user else ""
        return True

    def _connect(self) -> None:
        session, vm = self.session, self.incidents
        session.connect(
            self.settings.hub_url, self.settings.token, client_name=f"wall@{os.uname().nodename}",
            transport=self.settings.transport(),
        )  # fmt: skip
        api = session.api
        assert api is not None  # connect() made it
        vm.commands = session.commands
        vm.fetch_trail, vm.upload = api.incident, api.upload_attachment
        vm.fetch_assessment, vm.fetch_assessment_csv = api.assessment, api.assessment_csv
        vm.fetch_attachment, vm.fetch_roster = api.attachment, api.roster
        self.reports.fetch_report, self.reports.fetch_trail = api.report_figures, api.incident
        self.reports.fetch_attachment = api.attachment
        self.briefing.fetch_report = api.report
        self.briefing.fetch_forecast = api.forecast
        session.watch_station(self.vm.selected)  # a station chosen from the cached picture

    async def _load_region(self) -> None:
        from console.core.region import fetch_region

        api = self.session.api
        assert api is not None, "the region is asked for once connected"
        region = await fetch_region(api)
        self.session.local.remember_region(region)
        self._set_region(region)

    def _set_region(self, region: dict[str, Any]) -> None:
        from console.core.region import township_names

        self.region = region
        self.vm.set_township_names(township_names(region))
        self.incidents.set_township_names(township_names(region))
        self.reports.township_names = township_names(region)
        self.reports.bureau = f"{region['name']}生态环境局" if region.get("name") else ""
        self.briefing.set_township_names(township_names(region))
        self.desk.set_townships()
        self.map_loader.maybe_load(region)

    def _on_login_failed(self, user: str, reason: str) -> None:
        from PySide6.QtCore import QCoreApplication

        text = QCoreApplication.translate("Console", "Login as {0} failed: {1}")
        self.incidents.message_changed.emit(text.format(user, reason))

    async def _snapshot(self) -> None:
        from console.views.snapshot_tool import take_snapshots

        settings = self.settings
        assert settings.snapshot_dir is not None, "only with --snapshot"
        if settings.briefing:
            from console.views.briefing import take_briefing_snapshots

            await take_briefing_snapshots(settings.snapshot_dir, settings.snapshot_after, self.briefing_view)
            self._done.set()
            return
        await take_snapshots(settings.snapshot_dir, settings.snapshot_after, self.vm, self.windows,
                             self.incidents, self.desk.window)  # fmt: skip
        self._done.set()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(work))

    async def shutdown(self) -> None:
        """Backwards: windows and their state, the session (link, outbox, cache), then the child hub."""
        for task in self._tasks:
            task.cancel()
        self.login.cancel()
        self.briefing.stop()
        if self.windows is not None:
            self.windows.save()
            self.windows.close_all()
        self.desk.close()
        self.report_desk.close()
        await self.session.close()
        if self.hub is not None:
            await self.hub.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py``."""
    settings = parse_settings(argv)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_environment(settings.map_gpu)
    import qasync  # type: ignore[import-untyped]  # ships neither stubs nor a py.typed marker

    from console.views.shutdown import close_application

    app = create_application(settings)
    console = ConsoleApp(settings)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            return qasync.run(console.run())
        return 0
    finally:
        close_application(app)  # windows and web pages before the application and its web profile
