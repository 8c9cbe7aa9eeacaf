"""The duty-wall map widget: a QtWebEngine view of the Leaflet page, fed with batched marker states."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import msgspec
import numpy as np
import shiboken6
from PySide6.QtCore import (
    QCoreApplication,
    QObject,
    QProcess,
    QProcessEnvironment,
    QStandardPaths,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QWidget

from console.core.geo import gcj02_to_wgs84, wgs84_to_gcj02, wgs84_to_gcj02_arrays
from console.core.grading import MarkerState
from console.core.models import Station
from console.core.unit_book import TRAIL_POINTS, TRAIL_S, UnitMarker
from console.entry import child_command
from console.widgets.map_build import BuildJob

log = logging.getLogger(__name__)
_ROOT = Path(__file__).resolve().parents[2]  # the package root, for the page-building child process

FLUSH_INTERVAL_MS = 40  # at most ~25 batches a second reach the page (callers usually coalesce already)
_REMOTE_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


class _TileOrigin(NamedTuple):
    scheme: str
    host: re.Pattern[str]
    port: int


def tile_origin(tile_url: str | None) -> _TileOrigin | None:
    """Scheme, host pattern ({s} = any subdomain) and port of a tile URL template; None when unusable."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "subdomain-placeholder"))
    if parts.scheme not in _REMOTE_SCHEMES or not parts.hostname:
        return None
    host = re.escape(parts.hostname).replace("subdomain\\-placeholder", "[a-z0-9-]+")
    return _TileOrigin(parts.scheme, re.compile(host), parts.port or _DEFAULT_PORTS[parts.scheme])


class NetworkGuard(QWebEngineUrlRequestInterceptor):
    """Blocks every network request of the map page except those to the configured tile server."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.blocked = 0
        self.blocked_urls: list[str] = []  # the last few, for the log and for tests
        self._tiles: _TileOrigin | None = None

    def allow_tiles(self, tile_url: str | None) -> None:
        """Let requests to the host of this tile URL template through (None: block all network)."""
        self._tiles = tile_origin(tile_url)

    def allows(self, url: QUrl) -> bool:
        """True for local resources (file, qrc, data) and for the tile server."""
        scheme = url.scheme().lower()
        if scheme not in _REMOTE_SCHEMES:
            return True
        tiles = self._tiles
        return bool(
            tiles
            and scheme == tiles.scheme
            and tiles.host.fullmatch(url.host().lower())
            and url.port(_DEFAULT_PORTS[scheme]) == tiles.port
        )

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        """Block and count what must not leave the machine."""
        url = info.requestUrl()
        if self.allows(url):
            return
        info.block(True)
        self.blocked += 1
        self.blocked_urls = [*self.blocked_urls[-19:], url.toString()]
        log.warning("map page: blocked network request to %s", url.toString())


class MapBridge(QObject):
    """The object the page reaches through QWebChannel; its slots re-emit what the JavaScript reports.

    Signals:
        page_reported(): ecoMap.init finished and the channel is connected.
        click_reported(str): a station marker was clicked.
        view_reported(float, float, float): centre latitude, longitude (page coordinates) and zoom.
        layer_reported(str, bool): a layer was toggled in the legend.
    """

    page_reported = Signal()
    click_reported = Signal(str)
    view_reported = Signal(float, float, float)
    layer_reported = Signal(str, bool)
    tooltip_reported = Signal(str)
    incident_reported = Signal(str)
    unit_reported = Signal(str)

    @Slot()
    def page_ready(self) -> None:
        """Called once by the page after ecoMap.init."""
        self.page_reported.emit()

    @Slot(str)
    def station_clicked(self, station_id: str) -> None:
        """Called by the page when a marker is clicked."""
        self.click_reported.emit(station_id)

    @Slot(float, float, float)
    def view_changed(self, lat: float, lon: float, zoom: float) -> None:
        """Called by the page after every pan or zoom."""
        self.view_reported.emit(lat, lon, zoom)

    @Slot(str)
    def tooltip_needed(self, station_id: str) -> None:
        self.tooltip_reported.emit(station_id)

    @Slot(str)
    def incident_clicked(self, incident_id: str) -> None:
        """Called by the page when an incident is clicked."""
        self.incident_reported.emit(incident_id)

    @Slot(str)
    def unit_clicked(self, unit_id: str) -> None:
        """Called by the page when a unit is clicked."""
        self.unit_reported.emit(unit_id)

    @Slot(str, bool)
    def layer_toggled(self, kind: str, visible: bool) -> None:
        """Called by the page when the operator toggles a layer in the legend."""
        self.layer_reported.emit(kind, visible)


class UnitBatch:
    """Unit states waiting for the page: the latest per unit, points added meanwhile kept in order."""

    def __init__(self) -> None:
        self._rows: dict[str, UnitMarker] = {}
        self.now = 0.0

    def __bool__(self) -> bool:
        return bool(self._rows)

    def clear(self) -> None:
        self._rows.clear()

    def add(self, markers: Iterable[UnitMarker], now: float) -> None:
        self.now = now
        for marker in markers:
            queued = self._rows.get(marker.id)
            if queued is not None and marker.trail is None:  # keep what the queued one carried
                if queued.trail is not None:
                    marker = msgspec.structs.replace(marker, trail=queued.trail + marker.add, add=[])
                else:
                    marker = msgspec.structs.replace(marker, add=queued.add + marker.add)
            self._rows[marker.id] = marker

    def script(self, shifted: bool) -> str:
        """The page call that applies the batch (in GCJ-02 when the basemap needs it); empties the batch."""
        rows = list(self._rows.values())
        self._rows.clear()
        if shifted:
            rows = [_shift_marker(r) for r in rows]
        payload = msgspec.json.encode(rows).decode()
        return f"ecoUnits.update({payload}, {self.now!r}, [{TRAIL_S!r}, {TRAIL_POINTS}])"


def _shift_marker(marker: UnitMarker) -> UnitMarker:
    def shift(points: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
        if not points:
            return points
        lon, lat = wgs84_to_gcj02_arrays(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        return [
            (round(float(x), 6), round(float(y), 6), p[2]) for x, y, p in zip(lon, lat, points, strict=True)
        ]

    lon, lat = marker.lon, marker.lat
    if lon is not None and lat is not None:
        lon, lat = wgs84_to_gcj02(lon, lat)
    trail = shift(marker.trail) if marker.trail is not None else None
    return msgspec.structs.replace(marker, lon=lon, lat=lat, trail=trail, add=shift(marker.add))


class MapPage(QWebEnginePage):
    """The map's web page: JS console to the log, no dialogs, no navigation away from the map file."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.alerts = 0  # alert() calls: a map never raises one, so any count is a red flag
        settings = self.settings()
        # One rule for the network: the NetworkGuard (blocks, counts and logs all but the tile server).
        # Chromium's file:// policy would also stop intranet tiles, so remote access is let through to
        # the guard; file access must then be set explicitly, or the page's own scripts stop loading.
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        settings.setAttribute(QWebEngineSettings.WebAttribute.JavascriptCanOpenWindows, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.ShowScrollBars, False)

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str, line: int, source: str
    ) -> None:
        """Route the page's console to the Python log (errors as warnings)."""
        error = level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel
        log.log(logging.WARNING if error else logging.DEBUG, "map js %s:%d: %s", source, line, message)

    def javaScriptAlert(self, origin: QUrl | str, message: str) -> None:
        """Never show a dialog on the wall; count and log instead."""
        self.alerts += 1
        log.warning("map page: alert() suppressed: %r", message)

    def acceptNavigationRequest(
        self, url: QUrl | str, kind: QWebEnginePage.NavigationType, is_main_frame: bool
    ) -> bool:
        """Only the generated map file may be shown in the view."""
        url = QUrl(url)
        allowed = url.isLocalFile() and url.toLocalFile().endswith(".html")
        if not allowed:
            log.warning("map page: navigation to %s refused", url.toString())
        return allowed


def _default_cache_dir() -> Path:
    location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(location or tempfile.gettempdir()) / "map"


class MapView(QWebEngineView):
    """The Leaflet map of districts, townships and stations; a dumb widget: setters in, signals out.

    The page is generated once by `load_map`; after that only batched JSON goes in (`update_markers`,
    `set_layer_visible`, `select_station`). Calls made before the page is ready are kept and replayed.
    Clicking a marker does not select it: the owner decides and calls `select_station` on every view.

    Signals:
        ready(): the page has loaded and window.ecoMap answers through the web channel.
        station_clicked(str): the operator clicked the station with this id.
        view_changed(float, float, float): centre latitude, longitude (WGS-84) and zoom after a move.
        layer_visibility_changed(str, bool): the operator toggled a layer in the legend.
        markers_flushed(int): a batch of marker states reached the page (how many stations it matched).
        tooltip_requested(str): the pointer reached a station: answer with ``set_tooltip`` (fresh values).
        incident_clicked(str): the operator clicked the incident with this id.
        unit_clicked(str): the operator clicked the unit with this id.
        units_requested(): the page (re)loaded: send every unit again with its whole trail.
        units_flushed(int): a batch of unit states reached the page (how many units it held).
    """

    ready = Signal()
    station_clicked = Signal(str)
    view_changed = Signal(float, float, float)
    layer_visibility_changed = Signal(str, bool)
    markers_flushed = Signal(int)
    tooltip_requested = Signal(str)
    incident_clicked = Signal(str)
    unit_clicked = Signal(str)
    units_requested = Signal()
    units_flushed = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, cache_dir: Path | None = None) -> None:
        super().__init__(parent)
        self._page: MapPage | None = None  # None once released: the view then never touches a page again
        self._cache_dir = Path(cache_dir) if cache_dir else _default_cache_dir()
        self._guard = NetworkGuard(self)
        self._bridge = MapBridge(self)
        self._pending: dict[str, MarkerState] = {}
        self._units = UnitBatch()
        self._hidden: set[str] = set()
        self._selected: str | None = None
        self._incidents: str = "[]"  # the last incident batch (JSON), sent again when the page reloads
        self._focused_incident: str | None = None
        self._station_ids: frozenset[str] = frozenset()
        self._page_path: Path | None = None
        self._builder: QProcess | None = None
        self._shifted = False
        self._ready = False
        self._timer = QTimer(self, singleShot=True, interval=FLUSH_INTERVAL_MS)
        self._last_flush = 0.0
        self._timer.timeout.connect(self._flush)
        self._install_page()
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)

    def _install_page(self) -> None:
        page = MapPage(self)
        page.setUrlRequestInterceptor(self._guard)
        channel = QWebChannel(page)
        channel.registerObject("bridge", self._bridge)
        page.setWebChannel(channel)
        self.setPage(page)
        self._bridge.page_reported.connect(self._on_bridge_page_ready)
        self._bridge.click_reported.connect(self._on_bridge_click)
        self._bridge.tooltip_reported.connect(self._on_bridge_tooltip)
        self._bridge.view_reported.connect(self._on_bridge_view)
        self._bridge.layer_reported.connect(self._on_bridge_layer)
        self._bridge.incident_reported.connect(self.incident_clicked)
        self._bridge.unit_reported.connect(self.unit_clicked)
        page.loadFinished.connect(self._on_page_load_finished)
        self._page = page

    def release(self) -> None:
        """Delete the page now, ahead of this view: QtWebEngine wants every page gone before its view and
        before the web profile, which Qt destroys with the application. Call it before the view goes.

        The view stays an empty widget that never builds another page (Qt would quietly make a default one
        on its next show, hide or close); setters still keep state, but nothing reaches a page. Safe to
        call twice.
        """
        page, self._page = self._page, None
        if page is None:
            return
        self._ready = False
        self._timer.stop()
        self._stop_builder()
        self.setPage(None)  # type: ignore[arg-type]  # Qt takes None: the view lets go of its page
        if shiboken6.isValid(page):
            shiboken6.delete(page)

    @property
    def is_released(self) -> bool:
        """True once `release` deleted the page."""
        return self._page is None

    # Qt's show, hide and close handlers ask for page(), which makes a new default page when there is
    # none: after `release` they must stop at the plain widget.
    def showEvent(self, event) -> None:
        if self._page is None:
            QWidget.showEvent(self, event)
        else:
            super().showEvent(event)

    def hideEvent(self, event) -> None:
        if self._page is None:
            QWidget.hideEvent(self, event)
        else:
            super().hideEvent(event)

    def closeEvent(self, event) -> None:
        if self._page is None:
            QWidget.closeEvent(self, event)
        else:
            super().closeEvent(event)

    # -- properties -------------------------------------------------------------------------------------

    @property
    def is_ready(self) -> bool:
        """True once the page has loaded and the JS API has reported in."""
        return self._ready

    @property
    def blocked_requests(self) -> int:
        """How many network requests of the page were blocked (anything but the tile server)."""
        return self._guard.blocked

    @property
    def network_guard(self) -> NetworkGuard:
        """The request interceptor of this view's page."""
        return self._guard

    @property
    def page_path(self) -> Path | None:
        """The generated HTML file currently shown."""
        return self._page_path

    # -- setters ----------------------------------------------------------------------------------------

    def load_map(
        self,
        boundary: dict,
        stations: Iterable[Station],
        *,
        center: tuple[float, float] | None = None,
        zoom: int | None = None,
        tile_url: str | None = None,
        tiles_gcj02: bool = True,
        font_px: int = 24,
        labels: dict[str, str] | None = None,
        label_kinds: tuple[str, ...] = ("air", "water"),
        name_key: str = "name",
    ) -> Path:
        """Build the page once (boundaries: WGS-84 GeoJSON; center: (lat, lon) WGS-84) and load it.

        With `tile_url` and `tiles_gcj02`, boundaries and stations are shifted to GCJ-02 to sit on the
        Chinese tiles. `labels` overrides legend words (see map_page.DEFAULT_LABELS); `font_px` sizes
        the legend, tooltips and labels for the wall.
        """
        stations = list(stations)
        # A word callers' label sets may lack (a later state), in the interface language.
        words = {"state_awaiting": QCoreApplication.translate("Map", "Awaiting first report")}
        options = {
            "center": center, "zoom": zoom, "tile_url": tile_url, "tiles_gcj02": tiles_gcj02,
            "font_px": font_px, "labels": words | dict(labels or {}), "label_kinds": list(label_kinds),
            "name_key": name_key,
        }  # fmt: skip
        self._ready = False
        self._shifted = bool(tile_url) and tiles_gcj02
        self._station_ids = frozenset(s.id for s in stations)
        self._guard.allow_tiles(tile_url)
        page = self._page_path = self._new_page_path()
        job = BuildJob(str(page), boundary, stations, options)
        self._start_build(job, page)
        return page

    def _start_build(self, job: BuildJob, page: Path) -> None:
        """Build the page in a child process; load it when the child is done (the GUI thread never waits)."""
        job_path = page.with_suffix(".json")
        job_path.write_bytes(msgspec.json.encode(job))
        self._stop_builder()
        builder = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        env.insert("PYTHONPATH", os.pathsep.join(filter(None, [str(_ROOT), env.value("PYTHONPATH")])))
        builder.setProcessEnvironment(env)
        builder.finished.connect(lambda code, _status: self._on_built(builder, code, page))
        program, *arguments = child_command("console.widgets.map_build", [str(job_path)])
        builder.start(program, arguments)
        self._builder = builder

    def _stop_builder(self) -> None:
        """Kill a page build still running: its page is no longer wanted."""
        builder, self._builder = self._builder, None
        if builder is None:
            return
        builder.finished.disconnect()
        builder.kill()
        builder.waitForFinished(2000)  # reaped now: Qt warns about a QProcess deleted with a live child
        builder.deleteLater()

    def _on_built(self, builder: QProcess, code: int, page: Path) -> None:
        if not (shiboken6.isValid(self) and shiboken6.isValid(builder)):
            return  # the view is being destroyed: its builder was killed with it
        self._builder = None
        builder.deleteLater()
        page.with_suffix(".json").unlink(missing_ok=True)
        if code != 0 or page != self._page_path:
            error = bytes(builder.readAllStandardError().data()).decode(errors="replace")[-2000:]
            if code != 0:
                log.error("building the map page failed (exit %d): %s", code, error)
            return
        if self._page is not None:
            self._page.load(QUrl.fromLocalFile(str(page)))

    def update_markers(self, states: Iterable[MarkerState]) -> None:
        """Queue marker states; the latest per station goes to the page in the next batch (≤ 10 Hz)."""
        for state in states:
            self._pending[state.id] = state
        self._schedule_flush()

    def update_units(self, markers: Iterable[UnitMarker], now: float) -> None:
        """Queue unit states at the session's time ``now``; they go to the page with the next batch."""
        self._units.add(markers, now)
        self._schedule_flush()

    def select_unit(self, unit_id: str | None) -> None:
        """Ring a unit in cyan and bring it into view (None clears)."""
        self._run(f"ecoUnits.select({json.dumps(unit_id)})")

    def set_layer_visible(self, kind: str, visible: bool) -> None:
        """Show or hide every station of one kind (and its legend row)."""
        (self._hidden.discard if visible else self._hidden.add)(kind)
        self._run(f"ecoMap.setLayerVisible({json.dumps(kind)}, {json.dumps(bool(visible))})")

    def select_station(self, station_id: str | None, *, details: bool = False) -> None:
        """Ring the station in cyan, pan to it if off screen; ``details`` keeps its values open."""
        self._selected = station_id
        self._run(f"ecoMap.select({json.dumps(station_id)}, {json.dumps(details)})")

    def set_incidents(self, markers: Iterable[Any]) -> None:
        """Every open incident to draw (objects with id, lon, lat in WGS-84, severity, lateness, used, title,
        pulsing); one batch replaces the last."""
        rows = []
        for m in markers:
            lon, lat = wgs84_to_gcj02(m.lon, m.lat) if self._shifted else (m.lon, m.lat)
            rows.append(
                [m.id, round(lon, 6), round(lat, 6), m.severity, m.lateness, m.used, m.title, m.pulsing]
            )
        encoded = json.dumps(rows, ensure_ascii=False)
        if encoded == self._incidents:
            return  # nothing the map shows has changed: the page is not disturbed
        self._incidents = encoded
        self._run(f"ecoMap.setIncidents({self._incidents})")

    def focus_incident(self, incident_id: str | None) -> None:
        """Centre the map on an incident and ring it (None: no ring)."""
        self._focused_incident = incident_id or None
        self._run(f"ecoMap.focusIncident({json.dumps(self._focused_incident)})")

    def _on_bridge_tooltip(self, station_id: str) -> None:
        if station_id in self._station_ids:
            self.tooltip_requested.emit(station_id)

    def set_tooltip(self, station_id: str, lines: list[str]) -> None:
        """Plain-text lines shown when the pointer is on a station (escaped by the page, never HTML)."""
        self._run(f"ecoMap.setTooltip({json.dumps(station_id)}, {json.dumps(lines, ensure_ascii=False)})")

    def fit_district(self) -> None:
        """Zoom so that the whole district fills the view."""
        self._run("ecoMap.fitDistrict()")

    def evaluate(self, js: str, callback: Callable[[Any], None]) -> None:
        """Evaluate a JS expression in the page; `callback` gets its value decoded from JSON (or None)."""

        def decode(result: object) -> None:
            callback(json.loads(result) if isinstance(result, str) and result else None)

        if self._page is not None:
            self._page.runJavaScript(f"JSON.stringify(({js}))", 0, decode)

    # -- internals --------------------------------------------------------------------------------------

    def _new_page_path(self) -> Path:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        if self._page_path is not None:
            self._page_path.unlink(missing_ok=True)
        handle, name = tempfile.mkstemp(prefix="map-", suffix=".html", dir=self._cache_dir)
        os.close(handle)
        return Path(name)

    def _run(self, js: str) -> None:
        if self._ready and self._page is not None:
            self._page.runJavaScript(js, 0)

    def _schedule_flush(self) -> None:
        """Send at the next turn of the event loop, at most one batch per FLUSH_INTERVAL_MS."""
        if self._ready and (self._pending or self._units) and not self._timer.isActive():
            since_last = (time.monotonic() - self._last_flush) * 1000
            self._timer.start(max(0, int(FLUSH_INTERVAL_MS - since_last)))

    def _flush(self) -> None:
        """One page call for everything queued (units and stations): the page applies it in one task, so
        it costs one redraw of the map, and the GUI thread one call into the page."""
        if not self._ready or self._page is None or not (self._units or self._pending):
            return
        calls = [self._units.script(self._shifted) if self._units else ""]
        if self._pending:
            payload = msgspec.json.encode(list(self._pending.values())).decode()
            self._pending.clear()
            calls.append(f"ecoMap.update({payload})")
        else:
            calls.append("")
        self._last_flush = time.monotonic()
        # each part on its own: a failing one (logged by the page) leaves the other applied
        parts = "".join(
            f"try {{ r[{n}] = {call}; }} catch (e) {{ r[{n}] = 0; console.error(String(e)); }}"
            for n, call in enumerate(calls)
            if call
        )
        script = f"(function () {{ var r = [null, null]; {parts} return JSON.stringify(r); }})()"
        self._page.runJavaScript(script, 0, self._on_flush_applied)

    def _on_flush_applied(self, result: object) -> None:
        try:
            units, stations = json.loads(result) if isinstance(result, str) and result else (None, None)
        except (ValueError, TypeError):
            units = stations = None
        if units is not None:
            self.units_flushed.emit(int(units) if isinstance(units, int | float) else 0)
        if stations is not None:
            self.markers_flushed.emit(int(stations) if isinstance(stations, int | float) else 0)

    def _on_page_load_finished(self, ok: bool) -> None:
        if not ok:
            log.error("map page failed to load: %s", self._page_path)

    def _on_bridge_page_ready(self) -> None:
        self._ready = True
        for kind in sorted(self._hidden):
            self._run(f"ecoMap.setLayerVisible({json.dumps(kind)}, false)")
        if self._selected is not None:
            self._run(f"ecoMap.select({json.dumps(self._selected)})")
        self._run(f"ecoMap.setIncidents({self._incidents})")
        if self._focused_incident:
            self._run(f"ecoMap.focusIncident({json.dumps(self._focused_incident)})")
        self._units.clear()  # a new page has no units: the owner sends them all again, trails whole
        self.units_requested.emit()
        self._flush()
        log.info("map page ready: %s (%d stations)", self._page_path, len(self._station_ids))
        self.ready.emit()

    def _on_bridge_click(self, station_id: str) -> None:
        if station_id in self._station_ids:
            self.station_clicked.emit(station_id)

    def _on_bridge_view(self, lat: float, lon: float, zoom: float) -> None:
        if self._shifted:
            lon, lat = gcj02_to_wgs84(lon, lat)
        self.view_changed.emit(lat, lon, zoom)

    def _on_bridge_layer(self, kind: str, visible: bool) -> None:
        (self._hidden.discard if visible else self._hidden.add)(kind)
        self.layer_visibility_changed.emit(kind, visible)
