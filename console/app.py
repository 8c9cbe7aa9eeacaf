"""Composition root of the console: builds every object once and owns start-up and shutdown order.

Start-up (logged): settings -> Qt application -> session and view-models -> views and windows -> the cached
picture -> hub (embedded child or remote) -> login -> link -> region, roster, map. Shutdown runs backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
from collections.abc import Coroutine
from pathlib import Path
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
        from console.viewmodels.playback import PlaybackViewModel
        from console.viewmodels.reports import ReportsViewModel
        from console.viewmodels.units import UnitViewModel
        from console.viewmodels.wall import WallViewModel
        from console.views.dispatch_desk import DispatchDesk
        from console.views.report_desk import ReportDesk

        self.settings = settings
        self._given_hub = (settings.hub_url, settings.token)  # before an embedded hub fills them in
        days: dict[str, Any] = {
            "raw_days": settings.cache_raw_days,
            "hourly_days": settings.cache_hourly_days,
        }
        self.replaying = bool(settings.playback or settings.episode_file)
        if self.replaying:  # the replayed clock, and a cache of its own that nothing is written to
            from console.core.playback import PlaybackClock

            clock = PlaybackClock(settings.playback_at or 0.0)  # the replay turns the cache's recording off
            self.session = ConsoleSession(settings.data_dir / "playback-cache.db", clock=clock, **days)
        else:
            self.session = ConsoleSession(settings.data_dir / "cache.db", clock=LiveClock(), **days)
        self.vm = WallViewModel(self.session.store, clock=self.session.clock)
        self.incidents = IncidentViewModel(self.session.book)
        self.playback_vm = PlaybackViewModel()
        self.playback: Any = None
        self.next_settings: Settings | None = None  # set when the console restarts live or as a replay
        self.units = UnitViewModel(self.session.units, self.session.book)
        self.units.fence_crossed.connect(self.vm.note_events)  # geofence crossings on the wall's event list
        self.desk = DispatchDesk(self.incidents, self.playback_vm, self.units)
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
            self._bind_playback()
            from console.views.forecast_wall import ForecastWall  # warning banners, forecast panel

            self.forecast_wall = ForecastWall.attach(self)
            if self.replaying:
                await self._start_playback()
            else:
                log.info("start-up: the cached picture")  # the wall is never blank while the hub starts
                self._restore()
                log.info("start-up: hub")
                if await self._start_hub():
                    await self.login.login()
                    log.info("start-up: link to %s", self.settings.hub_url)
                    self._connect()
                    self.playback_vm.set_replay_available(True)  # the hub keeps the history to replay
                    self._spawn(self._load_region(self.session.api))
                    self._spawn(self.incidents.load_roster())
                    if self.hub is None:  # a remote hub's roads and zones, kept for an offline start
                        from console.core.site_layers import load_site_layers

                        layers = self.settings.data_dir / "site-layers"
                        self._spawn(load_site_layers(self.session.api, layers, self.units))
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
            "map": MapScreenView(self.vm, map_view, self.incidents, units=self.units),
            "action": ActionView(self.vm, self.incidents, units=self.units),
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
        self.windows = WallWindows(self.views, self.settings.layout(), qsettings, playback=self.playback_vm)
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
        dress = self.report_desk.add_shortcuts  # Ctrl+P on the briefing's windows too
        self.briefing_view = BriefingView(
            self.briefing, scale, hide_wall=cover.hide, show_wall=cover.show, dress=dress
        )

    def _bind_session(self) -> None:
        session = self.session
        session.changed.subscribe(self._on_changed)
        session.link_changed.subscribe(self.vm.on_link_status)
        session.backfill_changed.subscribe(self.vm.on_backfill)
        session.commands_changed.subscribe(lambda _none: self.incidents.on_commands_changed())
        session.commands_changed.subscribe(lambda _none: self.units.on_commands_changed())
        self.login.watch(session)
        self.vm.selection_changed.connect(session.watch_station)

    def _bind_playback(self) -> None:
        vm = self.playback_vm
        vm.active_changed.connect(self._on_replaying)
        vm.live_requested.connect(self._go_live)
        vm.replay_requested.connect(self._replay)
        vm.window_of = self._replay_window

    def _on_replaying(self, active: bool) -> None:
        self.incidents.set_commands_enabled(not active)
        at = self.playback_vm.state().at if active else None
        self.views["map"].set_replay(at)
        self.views["situation"].set_replay(at)

    def _replay_window(self, incident_id: str) -> tuple[float, float] | None:
        from console.core.playback import replay_window_of

        incident = self.session.book.get(incident_id)
        return None if incident is None else replay_window_of(incident)

    async def _start_playback(self) -> None:
        """Replay the hub's history (--playback) or an episode file (--open-episode): no link, no outbox,
        no commands; the same session, store and views as live, on the replayed clock."""
        from console.core import playback as engine
        from console.core.episode import EpisodeSource

        settings = self.settings
        source: engine.PlaybackSource
        if settings.episode_file:
            source = EpisodeSource(settings.episode_file)
        else:
            if not await self._start_hub():
                return  # the wall says OFFLINE and why
            await self.login.login()
            source = engine.HubSource(settings.hub_url, settings.token, transport=settings.transport())
            self._spawn(self._load_region(source.api))  # the map's boundary and the township names
        at, speed = settings.playback_at, settings.playback_speed
        self.playback = engine.Playback(self.session, source, at=at, speed=speed)
        log.info("start-up: replay of %s at %s", source.name, settings.playback_at)
        if not await self._open_playback():
            return
        self.playback_vm.attach(self.playback)
        self.playback_vm.set_replay_available(True)  # an incident's Replay goes to its window here

    async def _open_playback(self) -> bool:
        """Open the replay; a hub that is busy or away (starting, migrating its database) is asked again
        with backoff while the wall says why. False for an episode file that cannot be read."""
        from PySide6.QtCore import QCoreApplication

        from console.core.episode import EpisodeError
        from console.core.hubapi import HubApiError
        from console.core.link import Backoff

        backoff = Backoff(base=1.0, cap=15.0)
        while True:
            try:
                await self.playback.open()
                return True
            except EpisodeError as exc:
                log.error("cannot replay: %s", exc)
                text = QCoreApplication.translate("Console", "Cannot replay: {0}").format(exc)
                self._say(LinkStatus(LinkState.REFUSED, text, since=self.session.clock.now()), text)
                return False
            except (HubApiError, OSError) as exc:
                delay = backoff.next_delay()
                log.warning("replay: the hub's history did not come (%s); again in %.0f s", exc, delay)
                text = QCoreApplication.translate(
                    "Console", "Replay: the hub's history did not come ({0}); trying again in {1} s"
                ).format(exc, round(delay))
                since = self.session.clock.now()
                self._say(LinkStatus(LinkState.RECONNECTING, text, backoff.attempt, delay, since), text)
                with contextlib.suppress(TimeoutError):  # quitting while waiting ends the wait
                    await asyncio.wait_for(self._done.wait(), delay)
                if self._done.is_set():
                    return False

    def _say(self, status: LinkStatus, text: str) -> None:
        """A problem the operator must see: on the wall's banner and in the desk's message line."""
        self.vm.on_link_status(status)
        self.incidents.message_changed.emit(text)

    def _go_live(self) -> None:
        """Back to live: the console starts again on the live clock, linked to the hub."""
        self._restart(dataclasses.replace(self.settings, playback=False, episode_file=None, playback_at=None))

    def _replay(self, start: float, _end: float) -> None:
        """Replay a stretch (an incident's): the console starts again as a replay at its start."""
        self._restart(dataclasses.replace(self.settings, playback=True, playback_at=start))

    def _restart(self, settings: Settings) -> None:
        # the hub given on the command line again: an embedded hub stops with this console and the next
        # one starts its own
        hub_url, token = self._given_hub
        self.next_settings = dataclasses.replace(settings, hub_url=hub_url, token=token)
        self._done.set()

    def _on_changed(self, change: SessionChange) -> None:
        self.vm.on_changes(change.data)
        self.incidents.on_changes(change.incidents)
        self.units.on_changes(change.units)
        self.units.on_incidents(change.incidents)
        if change.role is not None:
            self.incidents.set_role(change.role)
            self.units.set_role(change.role)
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
            self._say(LinkStatus(LinkState.REFUSED, reason, since=self.session.clock.now()), reason)
            await self.hub.stop()
            self.hub = None
            return False
        settings.hub_url, settings.token = self.hub.url, self.hub.token
        self._spawn(self._load_roads(settings.data_dir / "hub" / "site"))
        self.login.fallback_password = self.hub.demo_password(settings.user) if settings.user else ""
        return True

    async def _load_roads(self, site: Path) -> None:
        """The embedded hub's site has roads (and exclusion zones): the nearest units by ETA along them."""
        from console.core.roads import RoadError, RoadNetwork

        roads = site / "roads.geojson"
        if not roads.exists():
            return
        loop = asyncio.get_running_loop()
        try:
            network = await loop.run_in_executor(None, RoadNetwork.load, roads)
        except (RoadError, OSError) as exc:
            log.warning("road network %s not usable: %s", roads, exc)
            return
        log.info("road network: %d nodes, %d segments", network.nodes, network.edges)
        self.units.set_roads(network)
        zones = site / "zones.geojson"
        if zones.exists():
            try:
                self.units.set_fences(zones=json.loads(zones.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                log.warning("exclusion zones %s not usable: %s", zones, exc)

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
        self.units.commands, self.units.fetch_track = session.commands, api.track
        self.reports.fetch_report, self.reports.fetch_trail = api.report_figures, api.incident
        self.reports.fetch_attachment = api.attachment
        self.briefing.fetch_report = api.report
        self.briefing.fetch_forecast = api.forecast
        session.watch_station(self.vm.selected)  # a station chosen from the cached picture

    async def _load_region(self, api: Any) -> None:
        from console.core.region import fetch_region

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
        self.units.set_fences(region["boundary"])
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
        if self.playback is not None:
            await self.playback.settled()  # every screen at the replayed moment, not half-way there
        await take_snapshots(settings.snapshot_dir, settings.snapshot_after, self.vm, self.windows,
                             self.incidents, self.desk.window, self.playback_vm)  # fmt: skip
        self._done.set()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(work))

    async def shutdown(self) -> None:
        """Backwards: windows and their state, the session (link, outbox, cache), then the child hub."""
        for task in self._tasks:
            task.cancel()
        self.login.cancel()
        if getattr(self, "forecast_wall", None) is not None:
            self.forecast_wall.close()
        self.briefing.stop()
        with contextlib.suppress(RuntimeError, TypeError):  # not connected when start-up failed early
            self.playback_vm.active_changed.disconnect(self._on_replaying)  # the views are about to go
        self.playback_vm.detach()  # the replay's frames stop before the windows close
        if self.windows is not None:
            self.windows.save()
            self.windows.close_all()
        self.desk.close()
        self.report_desk.close()
        if self.playback is not None:
            await self.playback.close()
        await self.session.close()
        if self.hub is not None:
            await self.hub.stop()


async def _run_consoles(settings: Settings) -> int:
    """Run the console; going back to live from a replay (or replaying an incident) starts it again with
    the new settings, in the same process and windows' places."""
    while True:
        console = ConsoleApp(settings)
        code = await console.run()
        if console.next_settings is None:
            return code
        settings = console.next_settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py``."""
    settings = parse_settings(argv)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_environment(settings.map_gpu)
    import qasync  # type: ignore[import-untyped]  # ships neither stubs nor a py.typed marker

    from console.views.shutdown import close_application

    app = create_application(settings)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            return qasync.run(_run_consoles(settings))
        return 0
    finally:
        close_application(app)  # windows and web pages before the application and its web profile
