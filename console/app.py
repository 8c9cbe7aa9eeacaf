"""Composition root of the console: builds every object once and owns start-up and shutdown order.

Start-up: settings -> Qt application and translations -> asyncio on the Qt loop -> hub (embedded child
or remote) -> store, view-model, link -> region and map -> views and windows. Shutdown runs backwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from console.core.hubapi import HubApi, HubApiError
from console.settings import Settings, parse_settings

log = logging.getLogger("console")
ROOT = Path(__file__).resolve().parents[1]


def prepare_environment(map_gpu: bool = False) -> None:
    """Process-wide switches that must precede the first Qt import.

    The map is a 2D canvas: Chromium's GPU compositor (a thread in our process) costs ~60 MB of memory and
    buys nothing for it, so it is off unless ``--map-gpu`` asks for it.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to run as root otherwise
    flags = ["--disable-background-networking"]
    if not map_gpu:
        flags += ["--disable-gpu", "--disable-gpu-compositing"]
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", " ".join(flags))


_collector = None


def collect_garbage_on_gui_thread() -> None:
    """Python collects reference cycles on whichever thread happens to allocate: a worker thread (the cache
    writer, an executor) could then destroy Qt objects, whose timers Qt cannot stop from there, and a
    freed timer fires later and crashes the process. So automatic collection is switched off and a timer
    on the GUI thread collects instead (pyqtgraph's GarbageCollector)."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=0.5)


class ConsoleApp:
    """Owns the hub connection, the store, the view-model, the views and the windows."""

    def __init__(self, settings: Settings) -> None:
        from console.core.store import Store
        from console.viewmodels.wall import WallViewModel

        self.settings = settings
        self.store = Store()
        self.vm = WallViewModel(self.store)
        self.hub = None
        self.link = None
        self.region: dict | None = None
        self.api: HubApi | None = None
        self.views: dict = {}
        self.windows = None
        self._map_loaded_for: frozenset[str] = frozenset()
        self._done = asyncio.Event()
        self._tasks: list[asyncio.Future] = []
        self._history_fetched: set[str] = set()
        self.local = None
        self._build_incidents()
        self.resync = None

    async def run(self) -> int:
        """Start everything, wait until the operator quits (or the snapshot is taken), stop everything."""
        from PySide6.QtWidgets import QApplication

        QApplication.instance().aboutToQuit.connect(self._done.set)
        collect_garbage_on_gui_thread()
        try:
            self._build_views()
            self._paint_from_cache()  # before the hub: the wall is never blank while it starts or is away
            await self._start_hub()
            await self._login()
            self._start_link()
            self._start_incidents()
            self._tasks.append(asyncio.ensure_future(self._load_region()))
            if self.settings.snapshot_dir:
                self._tasks.append(asyncio.ensure_future(self._snapshot_later()))
            await self._done.wait()
            return 0
        finally:
            await self.shutdown()

    def _paint_from_cache(self) -> None:
        from console.persistence import LocalState

        settings = self.settings
        self.local = LocalState(settings.data_dir, raw_days=settings.cache_raw_days,
                                hourly_days=settings.cache_hourly_days,
                                clock=lambda: max(time.time(), self.store.data_time))  # fmt: skip
        snapshot = self.local.snapshot()
        if snapshot is not None:
            self.vm.on_changes(self.store.apply(snapshot))
            self.incidents.on_changes(self.book.apply(snapshot))
            self.incidents.set_station_names({s.id: s.name for s in self.store.stations.values()})
        self.region = self.local.region()
        if self.region:
            self.incidents.set_township_names({t["code"]: t["name"] for t in self.region["townships"]})
        self._maybe_load_map()

    async def _start_hub(self) -> None:
        if self.settings.hub_url:
            return
        from console.embedded import EmbeddedHub

        self.hub = EmbeddedHub(
            self.settings.data_dir / "hub", region=self.settings.region, accel=self.settings.accel
        )
        await self.hub.start()
        self.settings.hub_url, self.settings.token = self.hub.url, self.hub.token

    def _start_link(self) -> None:
        from console.core.link import HubLink
        from console.core.resync import Resync

        self.api = HubApi(self.settings.hub_url, self.settings.token)
        local = self.local
        self.resync = Resync(
            self.store,
            self.api,
            self.vm.on_changes,
            self.views["map"].banner.set_backfill,
            cache=local.cache if local else None,
            writer=local.writer if local else None,
        )
        self.vm.selection_changed.connect(self._on_selection)
        self._on_selection(self.vm.selected)  # a station chosen from the cached picture
        settings = self.settings
        name = f"wall@{os.uname().nodename}"
        self.link = HubLink(
            settings.hub_url,
            settings.token,
            self._on_message,
            self._on_link_status,
            client_name=name,
            position=self.local.position() if self.local else None,
        )
        self.link.start()

    def _on_message(self, message) -> None:
        self.resync.before(message)
        change = self.store.apply(message)
        self.vm.on_changes(change)
        self._on_incident_message(message, change.snapshot)
        if self.local is not None:
            self.local.record(message)
        self.resync.after(message)
        if change.snapshot:
            self._maybe_load_map()

    # --- the incident loop: book, commands through the outbox, view-model, dispatch window ---------------

    def _build_incidents(self) -> None:
        from console.core.incident_book import IncidentBook
        from console.viewmodels.incidents import IncidentViewModel

        self.book = IncidentBook()
        self.incidents = IncidentViewModel(self.book)
        self.commands = None
        self.outbox = None
        self.session = None
        self._relogging = False
        self.dispatch_window = None

    async def _login(self) -> None:
        """With --user: log in over REST and use the session's token on the link (its role rules the UI).
        A refused login is reported and the console goes on with the shared token, if there is one."""
        settings = self.settings
        if not settings.user:
            return
        password = settings.password or (self.hub.token if self.hub is not None else "")
        api = HubApi(settings.hub_url, settings.token)
        try:
            self.session = await api.login(settings.user, password)
        except HubApiError as exc:
            log.error("login as %s failed: %s", settings.user, exc)
            from PySide6.QtCore import QCoreApplication

            text = QCoreApplication.translate("Console", "Login as {0} failed: {1}")
            self.incidents.message_changed.emit(text.format(settings.user, exc))
            return
        finally:
            await api.close()
        settings.token = self.session.token
        log.info("logged in as %s (%s)", self.session.user, self.session.role)

    def _start_incidents(self) -> None:
        """Commands go through the durable outbox in the cache file and are sent on the link."""
        from console.commands import CommandCenter
        from console.core.outbox import Outbox

        self.outbox = Outbox(self.local.cache if self.local else self.settings.data_dir / "outbox.db")
        vm, api = self.incidents, self.api
        self.commands = CommandCenter(self.outbox, self.link.send, self.book, vm.on_commands_changed)
        vm.commands = self.commands
        vm.fetch_trail, vm.upload = api.incident, api.upload_attachment
        vm.fetch_assessment, vm.fetch_assessment_csv = api.assessment, api.assessment_csv
        vm.fetch_attachment = api.attachment
        self.outbox.purge(time.time() - 7 * 86400)  # settled commands are kept a week, then dropped
        vm.on_commands_changed()
        self._tasks.append(asyncio.ensure_future(self._load_roster()))

    async def _load_roster(self) -> None:
        try:
            people = await self.api.roster()
        except HubApiError as exc:
            log.warning("responsibility roster not available: %s", exc)
            return
        if self.dispatch_window is not None:
            self.dispatch_window.detail.set_roster([p["name"] for p in people if p.get("name")])
        self._roster = [p["name"] for p in people if p.get("name")]

    def _on_link_status(self, status) -> None:
        from console.core.link import LinkState

        self.vm.on_link_status(status)
        if status.state == LinkState.LIVE and self.commands is not None:
            self.commands.on_link_live()  # replay the outbox in order (ids make repeats harmless)
        if status.state == LinkState.REFUSED and self.settings.user and not self._relogging:
            self._relogging = True  # a session ends with the hub run: log in again, then reconnect
            self._tasks.append(asyncio.ensure_future(self._relogin()))

    async def _relogin(self) -> None:
        try:
            await self._login()
            if self.session is not None and self.link is not None:
                self.link.token = self.settings.token
                self.api.set_token(self.settings.token)
        finally:
            self._relogging = False

    def _on_incident_message(self, message, snapshot: bool) -> None:
        from console.core import protocol

        if isinstance(message, protocol.Ack) and self.commands is not None:
            self.commands.on_ack(message)
        elif isinstance(message, protocol.Welcome):
            self.incidents.set_role(message.role)
        self.incidents.on_changes(self.book.apply(message))
        if snapshot:
            self.incidents.set_station_names({s.id: s.name for s in self.store.stations.values()})

    def toggle_dispatch(self) -> None:
        """Open (or close) the coordinator's dispatch window."""
        from console.views.dispatch import DispatchWindow

        if self.dispatch_window is None:
            self.dispatch_window = DispatchWindow(self.incidents)
            self.dispatch_window.set_townships(self.incidents.township_names)
            self.dispatch_window.detail.set_roster(getattr(self, "_roster", []))
        window = self.dispatch_window
        window.setVisible(not window.isVisible())
        if window.isVisible():
            window.raise_()
            window.activateWindow()

    def _add_dispatch_shortcuts(self) -> None:
        from PySide6.QtGui import QKeySequence, QShortcut

        for window in self.windows.windows:
            QShortcut(QKeySequence("Ctrl+D"), window, activated=self.toggle_dispatch)
        if self.settings.dispatch:
            self.toggle_dispatch()

    async def _load_region(self) -> None:
        """Fetch the region (townships, boundary) from the hub, retrying until it answers."""
        delay = 0.5
        fresh = None
        while fresh is None:
            try:
                fresh = await self.api.region()
            except HubApiError as exc:
                log.warning("region not available yet (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
        self.region = fresh
        if self.local is not None:
            self.local.remember_region(fresh)
        self.vm.set_township_names({t["code"]: t["name"] for t in self.region["townships"]})
        self.incidents.set_township_names({t["code"]: t["name"] for t in self.region["townships"]})
        if self.dispatch_window is not None:
            self.dispatch_window.set_townships(self.incidents.township_names)
        self._maybe_load_map()

    def _on_selection(self, station_id: str) -> None:
        """Trends need the last 24 h: fetch them unless this station's series already reach back that far."""
        if not station_id or self.api is None:
            return
        self.store.track(station_id)
        if station_id not in self._history_fetched:
            self._history_fetched.add(station_id)
            self._tasks.append(asyncio.ensure_future(self._fetch_history(station_id)))

    async def _fetch_history(self, station_id: str) -> None:
        """The last 24 h of a station from the hub, merged into its series (live data continue them)."""
        station = self.store.stations[station_id]
        end = self.store.data_time or time.time()
        for code in station.factors:
            try:
                points = await self.api.history(station_id, code, end - 86400, end + 60)
            except HubApiError as exc:
                log.warning("history of %s %s unavailable: %s", station_id, code, exc)
                continue
            self.vm.on_changes(self.store.merge_history(station_id, code, points))

    def _maybe_load_map(self) -> None:
        stations = frozenset(self.store.stations)
        if self.region is None or not stations or stations == self._map_loaded_for:
            return
        self._map_loaded_for = stations
        map_view = self.views["map"].map
        settings = self.settings
        tiles = {"tile_url": settings.tile_url or None, "tiles_gcj02": not settings.tiles_wgs84}
        stations = list(self.store.stations.values())
        map_view.load_map(
            self.region["boundary"], stations, font_px=settings.scale.small_px, labels=map_labels(), **tiles
        )

    def _build_views(self) -> None:
        from PySide6.QtCore import QSettings

        from console.views.screens import ActionView, MapScreenView, SituationView
        from console.views.window import WallWindows
        from console.widgets.map_view import MapView

        map_view = MapView(cache_dir=self.settings.data_dir / "map")
        self.views = {
            "situation": SituationView(self.vm),
            "map": MapScreenView(self.vm, map_view, self.incidents),
            "action": ActionView(self.vm, self.incidents),
        }
        self.views["map"].banner.set_title(self.settings.title)
        qsettings = QSettings(str(self.settings.data_dir / "console.ini"), QSettings.Format.IniFormat)
        self.windows = WallWindows(self.views, self.settings.layout(), qsettings)
        self.windows.arrange()
        self._add_dispatch_shortcuts()

    async def _snapshot_later(self) -> None:
        await asyncio.sleep(self.settings.snapshot_after)
        self.vm.flush()
        await asyncio.sleep(0.5)
        out = self.settings.snapshot_dir
        out.mkdir(parents=True, exist_ok=True)
        for n, window in enumerate(self.windows.windows, 1):
            screen = window.windowHandle().screen().name() if window.windowHandle() else str(n)
            path = out / f"wall-{n}-{screen}.png"
            window.grab().save(str(path))
            log.info("snapshot written: %s", path)
        if self.dispatch_window is not None and self.dispatch_window.isVisible():
            shown = self.dispatch_window.queue.shown_ids()
            if shown and not self.incidents.selected:  # show the most urgent one's detail pane too
                self.incidents.select(shown[0])
                self.incidents.flush()
                await asyncio.sleep(0.3)
            self.dispatch_window.grab().save(str(out / "dispatch.png"))
        self._done.set()

    async def shutdown(self) -> None:
        """Backwards: windows state, link, then the child hub."""
        for task in self._tasks:
            task.cancel()
        if self.windows is not None:
            self.windows.save()
            self.windows.close_all()
        if self.dispatch_window is not None:
            self.dispatch_window.close()
        if self.link is not None:
            await self.link.stop()
        if self.commands is not None:
            await self.commands.drain()
        if self.outbox is not None:
            self.outbox.close()
        if self.resync is not None:
            await self.resync.stop()
        if self.api is not None:
            await self.api.close()
        if self.local is not None:  # off the GUI thread: the writer finishes its last batch first
            await asyncio.get_running_loop().run_in_executor(None, self.local.close)
        if self.hub is not None:
            await self.hub.stop()


def map_labels() -> dict[str, str]:
    """Words of the map's legend and layers, translated (keys as in map_page.DEFAULT_LABELS)."""
    from PySide6.QtCore import QCoreApplication

    from console.widgets.theme import category_word

    labels = {
        "layers": QCoreApplication.translate("Map", "Layers"),
        "status": QCoreApplication.translate("Map", "Status"),
        "air": QCoreApplication.translate("Map", "Air stations"),
        "micro": QCoreApplication.translate("Map", "Micro stations"),
        "scenic": QCoreApplication.translate("Map", "Scenic areas"),
        "water": QCoreApplication.translate("Map", "Water quality"),
        "noise": QCoreApplication.translate("Map", "Noise"),
        "fume": QCoreApplication.translate("Map", "Catering fume"),
        "source": QCoreApplication.translate("Map", "Pollution sources"),
        "odour": QCoreApplication.translate("Map", "Odour"),
        "state_ok": QCoreApplication.translate("Map", "Normal"),
        "state_alarm": QCoreApplication.translate("Map", "Exceedance"),
        "state_offline": QCoreApplication.translate("Map", "Offline"),
        "state_stale": QCoreApplication.translate("Map", "Stale data"),
        "state_fault": QCoreApplication.translate("Map", "Instrument fault"),
        "state_invalid": QCoreApplication.translate("Map", "Invalid data"),
        "state_selected": QCoreApplication.translate("Map", "Selected"),
        "approximate": QCoreApplication.translate("Map", "Township outlines approximate"),
        "tile_attribution": QCoreApplication.translate("Map", "Intranet basemap"),
    }
    from console.widgets.incident_words import incident_map_labels

    return labels | {f"aqi_{level}": category_word(level) for level in range(1, 7)} | incident_map_labels()


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python main.py``."""
    settings = parse_settings(argv)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_environment(settings.map_gpu)
    import qasync
    from PySide6 import QtWebEngineWidgets  # noqa: F401  (must be imported before QApplication exists)
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.i18n import install_translator
    from console.views.shutdown import close_application
    from console.widgets.theme import apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ecoconsole")
    app.setQuitOnLastWindowClosed(False)  # windows come and go with monitors; Ctrl+Q or closing one quits
    install_translator(app, settings.lang)
    apply_theme(app, settings.scale)
    console = ConsoleApp(settings)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            return qasync.run(console.run())
        return 0
    finally:
        close_application(app)  # windows and web pages before the application and its web profile
