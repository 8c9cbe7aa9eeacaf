"""The duty-wall map on a real offscreen QtWebEngine page: offline assets, batched updates, escaping."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QBuffer, QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWebEngineWidgets import QWebEngineView  # noqa: F401 (before the QApplication)

from console.core.geo import wgs84_to_gcj02
from console.core.models import Station, StationKind
from console.sim.network import build_network
from console.sim.regions import PRESETS, boundary_geojson
from console.widgets.map_view import MapView, MarkerState

REGION = PRESETS["yanqing"]
LOAD_TIMEOUT_MS = 30_000
XSS_NAME = "<img src=x onerror=alert(1)>"
SCRIPT_BREAKER = "</script><script>window.__xss = 1</script>"
COLOURS = ["#00e400", "#ffff00", "#ff7e00", "#ff0000", "#99004c", "#7e0023"]
STATES = ["ok", "alarm", "awaiting", "offline", "stale", "fault", "invalid"]


def _evil_station(station_id: str, name: str, lon: float, lat: float) -> Station:
    return Station(
        id=station_id,
        name=name,
        kind=StationKind.AIR,
        township="110119001",
        lon=lon,
        lat=lat,
        mn="X" * 24,
        st="22",
        factors=("a34004",),
    )


@pytest.fixture(scope="module")
def boundary() -> dict:
    return boundary_geojson(REGION)


@pytest.fixture(scope="module")
def stations() -> list[Station]:
    network = [spec.station for spec in build_network(REGION, seed=1, total=300)]
    return [
        *network,
        _evil_station("XSS-1", XSS_NAME, 115.97, 40.47),
        _evil_station("XSS-2", SCRIPT_BREAKER, 115.98, 40.46),
    ]


def evaluate(qtbot, view: MapView, js: str):
    """Value of a JS expression in the page, waited for."""
    box: list = []
    view.evaluate(js, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def dispose(view: MapView) -> None:
    """Delete the page, then the view, now: the default web profile must outlive every page."""
    view.release()
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def make_view(qtbot, tmp_path, boundary):
    """Factory: a shown MapView with a loaded map, deleted again after the test."""
    views: list[MapView] = []

    def make(stations: list[Station], *, wait: bool = True, **kwargs) -> MapView:
        view = MapView(cache_dir=tmp_path / f"map{len(views)}")
        views.append(view)
        view.resize(1400, 850)
        view.show()
        if wait:
            with qtbot.waitSignal(view.ready, timeout=LOAD_TIMEOUT_MS):
                view.load_map(boundary, stations, **kwargs)
        return view

    yield make
    for view in views:
        dispose(view)


@pytest.fixture
def view(make_view, stations) -> MapView:
    return make_view(stations)


def states_for(stations: list[Station]) -> list[MarkerState]:
    return [
        MarkerState(s.id, str(s.kind), COLOURS[i % 6], STATES[i % len(STATES)], str(i), [f"PM2.5 {i} µg/m³"])
        for i, s in enumerate(stations)
    ]


def test_page_is_offline_and_uses_local_leaflet(qtbot, view, stations):
    html = view.page_path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    remote = "document.querySelectorAll('script[src^=http],link[href^=http]').length"
    assert evaluate(qtbot, view, remote) == 0
    assert evaluate(qtbot, view, "L.version") == "1.9.4"
    summary = evaluate(qtbot, view, "ecoMap.state([])")
    assert summary["markers"] == len(stations)
    assert sum(summary["byKind"].values()) == len(stations)
    assert view.blocked_requests == 0


def test_any_internet_request_is_blocked_and_counted(qtbot, view, tile_server):
    # The loopback server stands in for the internet: it must never see a request.
    leak = f"http://127.0.0.1:{tile_server.server_address[1]}/leak"
    evaluate(
        qtbot,
        view,
        f"(fetch('https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js').catch(() => 0),"
        f" fetch('{leak}').catch(() => 0), new Image().src = '{leak}.png', 1)",
    )
    qtbot.waitUntil(lambda: view.blocked_requests >= 3, timeout=5000)
    assert any("cdn.jsdelivr.net" in url for url in view.network_guard.blocked_urls)
    assert _TileHandler.hits == []


def test_update_markers_shows_the_colours_and_states_sent(qtbot, view, stations):
    sent = states_for(stations[:60])
    with qtbot.waitSignal(view.markers_flushed, timeout=5000) as flushed:
        view.update_markers(sent)
    assert flushed.args == [60]
    ids = [s.id for s in sent]
    summary = evaluate(qtbot, view, f"ecoMap.state({ids!r})")
    assert summary["colors"] == {s.id: s.color for s in sent}
    assert summary["states"] == {s.id: s.state for s in sent}
    assert summary["tooltip"][sent[7].id].endswith("PM2.5 7 µg/m³")


def test_updates_before_ready_are_coalesced_into_one_batch(qtbot, make_view, boundary, stations):
    view = make_view(stations, wait=False)
    first = stations[0]
    view.update_markers(states_for(stations[:10]))
    view.update_markers([MarkerState(first.id, str(first.kind), "#7e0023", "alarm", "420", [])])
    with qtbot.waitSignal(view.markers_flushed, timeout=LOAD_TIMEOUT_MS) as flushed:
        view.load_map(boundary, stations)
    assert flushed.args == [10]
    summary = evaluate(qtbot, view, f"ecoMap.state([{first.id!r}])")
    assert summary["colors"][first.id] == "#7e0023"
    assert summary["states"][first.id] == "alarm"


def test_layer_toggle_hides_a_kind_and_the_legend_reports_it(qtbot, view, stations):
    micro = next(s.id for s in stations if s.kind == StationKind.MICRO)
    view.set_layer_visible("micro", False)
    qtbot.waitUntil(lambda: "micro" not in evaluate(qtbot, view, "ecoMap.state([])")["visibleKinds"])
    assert evaluate(qtbot, view, f"ecoMap.state([{micro!r}])")["onMap"][micro] is False
    view.set_layer_visible("micro", True)
    qtbot.waitUntil(lambda: evaluate(qtbot, view, f"ecoMap.state([{micro!r}])")["onMap"][micro] is True)
    with qtbot.waitSignal(view.layer_visibility_changed, timeout=5000) as toggled:
        evaluate(qtbot, view, "document.querySelector('.eco-layer').click()")
    assert toggled.args[1] is False


def test_select_station_marks_and_clears_the_selection(qtbot, view, stations):
    target = stations[5].id
    view.select_station(target)
    qtbot.waitUntil(lambda: evaluate(qtbot, view, "ecoMap.state([])")["selected"] == target)
    view.select_station(None)
    qtbot.waitUntil(lambda: evaluate(qtbot, view, "ecoMap.state([])")["selected"] is None)


def test_names_and_tooltips_are_text_never_html(qtbot, view):
    view.update_markers([MarkerState("XSS-1", "air", "#00e400", "ok", "<b>1</b>", ["<script>x()</script>"])])
    qtbot.waitUntil(lambda: evaluate(qtbot, view, "ecoMap.state(['XSS-1'])")["states"]["XSS-1"] == "ok")
    summary = evaluate(qtbot, view, "ecoMap.state(['XSS-1', 'XSS-2'])")
    assert summary["tooltip"]["XSS-1"].startswith(XSS_NAME)
    assert summary["tooltip"]["XSS-2"].startswith(SCRIPT_BREAKER)
    assert evaluate(qtbot, view, "ecoMap.showTooltip('XSS-1')") == "XSS-1"
    text = evaluate(qtbot, view, "document.querySelector('.eco-tooltip').textContent")
    assert XSS_NAME in text and "<script>x()</script>" in text
    injected = "document.querySelectorAll('.leaflet-container img, .eco-value b').length"
    assert evaluate(qtbot, view, injected) == 0
    assert evaluate(qtbot, view, "window.__xss === undefined") is True
    assert view.page().alerts == 0


def test_clicking_a_marker_emits_station_clicked(qtbot, view, stations):
    air = [s.id for s in stations if s.kind == StationKind.AIR and not s.id.startswith("XSS")]
    points = evaluate(qtbot, view, f"{air!r}.map(id => [id, ecoMap.pointOf(id)])")
    # The station nearest the middle of the view is clear of the legend panels in the corners.
    middle = (view.width() / 2, view.height() / 2)
    station_id, (x, y) = min(points, key=lambda p: (p[1][0] - middle[0]) ** 2 + (p[1][1] - middle[1]) ** 2)
    with qtbot.waitSignal(view.station_clicked, timeout=5000) as clicked:
        QTest.mouseClick(
            view.focusProxy(),
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(round(x), round(y)),
        )
    assert clicked.args == [station_id]


def test_five_thousand_markers_update_in_one_batch(qtbot, make_view):
    big = [spec.station for spec in build_network(REGION, seed=2, total=5000)]
    view = make_view(big)
    with qtbot.waitSignal(view.markers_flushed, timeout=20_000) as flushed:
        view.update_markers(states_for(big))
    assert flushed.args == [5000]
    summary = evaluate(qtbot, view, f"ecoMap.state([{big[-1].id!r}])")
    assert summary["markers"] == 5000
    assert summary["withState"] == 5000
    assert summary["colors"][big[-1].id] == COLOURS[4999 % 6]


class _TileHandler(BaseHTTPRequestHandler):
    png = b""
    hits: list[str] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server():
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("#203040"))
    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    _TileHandler.png = bytes(buffer.data())
    _TileHandler.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TileHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_intranet_tiles_load_and_everything_shifts_to_gcj02(qtbot, make_view, stations, tile_server):
    port = tile_server.server_address[1]
    tile_url = f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"
    view = make_view(stations, tile_url=tile_url, tiles_gcj02=True)
    qtbot.waitUntil(lambda: len(_TileHandler.hits) > 0, timeout=10_000)
    assert view.blocked_requests == 0
    station = stations[0]
    lat, lon = evaluate(qtbot, view, f"ecoMap.state([{station.id!r}])")["positions"][station.id]
    glon, glat = wgs84_to_gcj02(station.lon, station.lat)
    assert (lat, lon) == pytest.approx((glat, glon), abs=2e-6)
    assert abs(lon - station.lon) > 1e-3  # GCJ-02 is hundreds of metres off around Beijing
    evaluate(qtbot, view, "(fetch('http://example.org/').catch(() => 0), 1)")
    qtbot.waitUntil(lambda: view.blocked_requests == 1, timeout=5000)


def test_legend_prints_words_and_counts_in_the_callers_language(qtbot, make_view, stations):
    labels = {"air": "空气站", "aqi_2": "良", "state_offline": "离线"}
    view = make_view(stations, labels=labels, font_px=30)
    layers = evaluate(qtbot, view, "document.querySelector('.eco-layers').textContent")
    air_count = sum(1 for s in stations if s.kind == StationKind.AIR)
    assert f"空气站{air_count}" in layers
    key = evaluate(qtbot, view, "document.querySelector('.eco-key').textContent")
    assert "2良51–100" in key and "离线" in key and "Excellent" in key
    font = evaluate(qtbot, view, "getComputedStyle(document.querySelector('.eco-panel')).fontSize")
    assert font == "30px"


def test_a_station_awaiting_its_first_report_says_so_in_the_interface_language(qtbot, make_view, chinese):
    air = next(s.station for s in build_network(REGION, seed=1, total=40) if s.station.kind == "air")
    view = make_view([air])  # the caller's labels lack the word: the view brings it, translated
    view.update_markers([MarkerState(air.id, "air", "#C9D2DE", "awaiting", "", [air.name])])
    tooltip = f"ecoMap.state([{air.id!r}]).tooltip[{air.id!r}]"
    qtbot.waitUntil(lambda: "等待首次上报" in (evaluate(qtbot, view, tooltip) or ""))
    assert evaluate(qtbot, view, f"ecoMap.state([{air.id!r}]).states[{air.id!r}]") == "awaiting"
    assert "等待首次上报" in evaluate(qtbot, view, "document.querySelector('.eco-key').textContent")


def test_view_changed_reports_the_centre_in_wgs84(qtbot, view):
    with qtbot.waitSignal(view.view_changed, timeout=5000) as moved:
        view.fit_district()
    lat, lon, zoom = moved.args
    assert 40.2 < lat < 40.8 and 115.7 < lon < 116.6 and zoom > 7


def test_hovering_a_station_asks_for_its_latest_values(qtbot, view, stations):
    air = [s.id for s in stations if s.kind == StationKind.AIR and not s.id.startswith("XSS")]
    points = evaluate(qtbot, view, f"{air!r}.map(id => [id, ecoMap.pointOf(id)])")
    middle = (view.width() / 2, view.height() / 2)
    station_id, (x, y) = min(points, key=lambda p: (p[1][0] - middle[0]) ** 2 + (p[1][1] - middle[1]) ** 2)
    with qtbot.waitSignal(view.tooltip_requested, timeout=15000) as asked:  # a loaded machine is slow
        QTest.mouseMove(view.focusProxy(), QPoint(round(x) - 3, round(y)))
        QTest.mouseMove(view.focusProxy(), QPoint(round(x), round(y)))
    assert asked.args == [station_id]
    view.set_tooltip(station_id, ["PM2.5 81 µg/m³", "<b>not bold</b>"])
    tooltip = f"ecoMap.state([{station_id!r}]).tooltip[{station_id!r}]"
    qtbot.waitUntil(lambda: "<b>not bold</b>" in (evaluate(qtbot, view, tooltip) or ""))


def _share_near(image: QImage, colour: QColor, tolerance: int = 12) -> float:
    """Share of the image's pixels within `tolerance` of `colour` in every channel (sampled every 4th)."""
    target = colour.getRgb()[:3]
    near = total = 0
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            rgb = image.pixelColor(x, y).getRgb()[:3]
            total += 1
            near += all(abs(a - b) <= tolerance for a, b in zip(rgb, target, strict=True))
    return near / total


def test_boundaries_are_drawn_without_a_canvas_of_their_own(qtbot, view):
    # Each canvas costs the console three or four frames of its size in shared memory (the compositor in
    # the console's process maps them): the boundaries, drawn once, are SVG; only the live stations are
    # a canvas. The district must still be filled and outlined.
    assert evaluate(qtbot, view, "document.querySelectorAll('canvas').length") == 1
    assert evaluate(qtbot, view, "document.querySelectorAll('.leaflet-overlay-pane svg path').length") >= 3
    district_fill = QColor(19, 36, 60)  # #14263f at 0.9 over the navy ground
    district_line = QColor(138, 160, 191)  # #8fa8c8 at 0.9 over the fill
    # the first frame reaches the widget a little after the page reports ready
    qtbot.waitUntil(lambda: _share_near(view.grab().toImage(), district_fill) > 0.2, timeout=10_000)
    assert _share_near(view.grab().toImage(), district_line, tolerance=20) > 0.002
