"""Composition root of the console: builds every object once and owns start-up and shutdown order.

Start-up (logged): settings -> Qt application (runtime.py) -> session, view-models -> the wall's screens and
windows -> the cached picture, numbers first (first_picture.py) -> map page, desks, briefing (desks.py) -> hub
(hub_start.py) -> login -> link, or a replay's source (replay_start.py) -> region, roster. Shutdown backwards.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, cast

from console.desks import Desks
from console.first_picture import show_cached_picture
from console.hub_feeds import fetch_region, spread_region, wire_api
from console.hub_start import start_hub
from console.login import Login
from console.replay_start import ReplaySwitch, console_session
from console.runtime import collect_garbage_on_gui_thread, run_process
from console.settings import Settings
from console.site_layers import load_site_layers
from console.snapshot_run import take_console_snapshots
from console.wall_build import build_wall

if TYPE_CHECKING:
    from console.core.link import LinkStatus
    from console.core.session import SessionChange

log = logging.getLogger("console")


class ConsoleApp:
    """Builds the session, the view-models, the views and the windows, and wires them together."""

    def __init__(self, settings: Settings) -> None:
        from console.viewmodels.incidents import IncidentViewModel
        from console.viewmodels.playback import PlaybackViewModel
        from console.viewmodels.units import UnitViewModel
        from console.viewmodels.wall import WallViewModel

        self.settings, self.replaying = settings, bool(settings.playback or settings.episode_file)
        self.session = console_session(settings)  # on the replayed clock when replaying
        self.vm = WallViewModel(self.session.store, clock=self.session.clock)
        self.incidents = IncidentViewModel(self.session.book)
        self.playback_vm = PlaybackViewModel()
        self.units = UnitViewModel(self.session.units, self.session.book)
        self.units.fence_crossed.connect(self.vm.note_events)  # geofence crossings on the wall's event list
        self.desks: Desks | None = None  # with the briefing and the reports, built after the cached picture
        self._done = asyncio.Event()
        self.replays = ReplaySwitch(settings, self.session, self.playback_vm, self._say, self._done)
        self.login = Login(settings, self.incidents.message_changed.emit)
        self.region: dict[str, Any] | None = None
        self.views: dict[str, Any] = {}  # run() makes these, their windows, map loader, briefing's view, hub
        self.hub = self.windows = self.map_loader = self.briefing_view = cast(Any, None)
        self._pictured = False  # the cached numbers are up: the map page and the region's layers may load
        self._tasks: list[asyncio.Future[None]] = []

    @property
    def playback(self) -> Any:
        """The replay this console runs (console.core.playback.Playback), or None live."""
        return self.replays.playback

    @property
    def next_settings(self) -> Settings | None:
        """Set when the console is to start again, live or as a replay."""
        return self.replays.next_settings

    async def run(self) -> int:
        """Start everything, wait until the operator quits (or the snapshot is taken), stop everything."""
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        assert app is not None, "create_application() runs before the console"
        app.aboutToQuit.connect(self._done.set)
        collect_garbage_on_gui_thread()
        try:
            log.info("start-up: views and windows")
            self._build_wall()
            if not self.replaying:
                log.info("start-up: the cached picture")  # the wall is never blank while the hub starts
                await show_cached_picture(self.session, self.vm, self._set_region)
            self._pictured = True
            log.info("start-up: the map, the desks and the briefing")
            self._load_region_layers()
            self.desks = desks = Desks(self.settings, self.session, self.incidents, self.playback_vm,
                                       self.units)  # fmt: skip
            self.desk, self.report_desk, self.briefing = desks.desk, desks.report_desk, desks.briefing
            self.briefing_view = desks.attach(self.windows, self.session.store, self.region)
            from console.forecast_start import attach_forecast  # warning banners, forecast panel

            self.forecast_wall = attach_forecast(self)
            if self.replaying:
                await self.replays.start(self._hub_ready, lambda api: self._spawn(self._load_region(api)))
            elif await self._hub_ready():
                log.info("start-up: link to %s", ", ".join(self.settings.hubs()))
                self._connect(desks)
                self.playback_vm.set_replay_available(True)  # the hub keeps the history to replay
                self._spawn(self._load_region(self.session.api))
                self._spawn(self.incidents.load_roster())
                if self.hub is None:  # a remote hub's roads and zones, kept for an offline start
                    from console.core.hub_layers import load_hub_layers

                    layers = self.settings.data_dir / "site-layers"
                    self._spawn(load_hub_layers(self.session.api, layers, self.units))
            if self.settings.briefing and not self.settings.snapshot_dir:
                self.briefing.start()
            if self.settings.snapshot_dir:
                self._spawn(take_console_snapshots(self.settings, self.vm, self.windows, self.incidents,
                                                   desks, self.replays, then=self._done.set))  # fmt: skip
            await self._done.wait()
            return 0
        finally:
            await self.shutdown()

    def _build_wall(self) -> None:
        wall = build_wall(self.settings, self.vm, self.incidents, self.units, self.playback_vm)
        self.views, self.windows, self.map_loader = wall.views, wall.windows, wall.map_loader
        session = self.session
        session.changed.subscribe(self._on_changed)
        session.link_changed.subscribe(self.vm.on_link_status)
        session.backfill_changed.subscribe(self.vm.on_backfill)
        session.commands_changed.subscribe(lambda _none: self.incidents.on_commands_changed())
        session.commands_changed.subscribe(lambda _none: self.units.on_commands_changed())
        self.login.watch(session)
        self.vm.selection_changed.connect(session.watch_station)
        self.replays.bind(self.incidents, self.views)

    def _say(self, status: LinkStatus) -> None:
        """A problem the operator must see: on the wall's banner and in the desk's message line."""
        self.vm.on_link_status(status)
        self.incidents.message_changed.emit(status.detail)

    def _on_changed(self, change: SessionChange) -> None:
        self.vm.on_changes(change.data)
        self.incidents.on_changes(change.incidents)
        self.units.on_changes(change.units)
        self.units.on_incidents(change.incidents)
        if change.role is not None:
            self.incidents.set_role(change.role)
            self.units.set_role(change.role)
        if change.data.snapshot:
            names = {s.id: s.name for s in self.session.store.stations.values()}
            self.incidents.set_station_names(names)
            if self.desks is not None:  # built once the cached picture is up, as the map page may load
                self.desks.set_station_names(names)
                self.map_loader.maybe_load(self.region)

    async def _hub_ready(self) -> bool:
        """The hub started (unless --hub names one) and logged in to; False: the wall says why it is not."""
        log.info("start-up: hub")
        ready, self.hub = await start_hub(self.settings, self.login, self._say, self.session.clock.now)
        if self.hub is not None:  # its site has roads and exclusion zones for the units
            self._spawn(load_site_layers(self.hub.data_dir / "site", self.units))
        return ready

    def _connect(self, desks: Desks) -> None:
        settings, node = self.settings, os.uname().nodename
        self.session.connect(settings.hubs(), settings.token, client_name=f"wall@{node}",
                             transport=settings.transport())  # fmt: skip
        wire_api(self.session, self.incidents, self.units, desks)
        self.session.watch_station(self.vm.selected)  # a station chosen from the cached picture

    async def _load_region(self, api: Any) -> None:
        self._set_region(await fetch_region(api, self.session))

    def _set_region(self, region: dict[str, Any]) -> None:
        self.region = region
        spread_region(region, self.vm, self.incidents, self.desks)
        if self._pictured:
            self._load_region_layers()

    def _load_region_layers(self) -> None:
        if self.region is not None:
            self.units.set_fences(self.region["boundary"])
            self.map_loader.maybe_load(self.region)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(work))

    async def shutdown(self) -> None:
        """Backwards: windows and their state, the session (link, outbox, cache), then the child hub."""
        for task in self._tasks:
            task.cancel()
        self.login.cancel()
        if self.desks is not None:  # and the forecast wall, built with them
            self.forecast_wall.close()
            self.desks.briefing.stop()
        self.replays.detach()  # the replay's frames stop before the windows close
        if self.windows is not None:
            self.windows.save()
            self.windows.close_all()
        if self.desks is not None:
            self.desks.close()
        await self.replays.close()
        await self.session.close()
        if self.hub is not None:
            await self.hub.stop()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py``: the process (console/runtime.py) runs consoles of this class."""
    return run_process(ConsoleApp, argv)
