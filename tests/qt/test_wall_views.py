"""The wall's views and windows: connection banner, window state across restarts, the snapshot mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QRect, QSettings
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWidgets import QLabel

from console.core.link import LinkState, LinkStatus
from console.core.store import Store
from console.viewmodels.wall import WallViewModel
from console.views.layout import crowding, default_layout
from console.views.screens import MapScreenView, SituationView
from console.views.window import WallWindows
from console.widgets import theme
from console.widgets.map_view import MapView, MarkerState
from console.widgets.theme import WallScale

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(__file__).with_name("screens.json")


def test_banner_goes_from_reconnecting_to_offline_with_the_data_age(qtbot) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    vm.data_time_changed.emit(1_763_700_000.0)  # 2025-11-21 12:40 local
    vm.link_changed.emit(LinkStatus(LinkState.LIVE))
    assert view.banner.link_state() == "live"
    vm.link_changed.emit(
        LinkStatus(LinkState.RECONNECTING, "cannot reach the hub", attempt=1, next_retry_s=0.8)
    )
    assert view.banner.link_state() == "reconnecting" and "1" in view.banner.link_text()
    vm.link_changed.emit(
        LinkStatus(LinkState.RECONNECTING, "cannot reach the hub", attempt=5, next_retry_s=8)
    )
    assert view.banner.link_state() == "offline"
    assert "12:40" in view.banner.link_text() and "cannot reach the hub" in view.banner.link_text()
    vm.link_changed.emit(LinkStatus(LinkState.REFUSED, "refused by the hub: wrong token"))
    assert view.banner.link_state() == "offline" and "wrong token" in view.banner.link_text()


def test_a_console_started_without_its_hub_says_offline_at_the_first_failure(qtbot) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    vm.data_time_changed.emit(1_763_700_000.0)  # the cached picture's time, 2025-11-21 12:40 local
    vm.link_changed.emit(LinkStatus(LinkState.CONNECTING, "http://hub/ws", since=1_763_700_600.0))
    vm.link_changed.emit(
        LinkStatus(LinkState.RECONNECTING, "cannot reach the hub", attempt=1, next_retry_s=0.8)
    )
    assert view.banner.link_state() == "offline"
    assert "since 2025-11-21 12:50:00" in view.banner.link_text() and "12:40" in view.banner.link_text()
    # the next attempt starts: the banner keeps saying why the last one failed, not the hub's address
    vm.link_changed.emit(LinkStatus(LinkState.CONNECTING, "http://hub/ws", attempt=1))
    assert view.banner.link_state() == "offline" and "cannot reach the hub" in view.banner.link_text()
    assert "http://hub/ws" not in view.banner.link_text()


def test_window_state_is_restored_from_settings(qtbot, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    views = {name: QLabel(name) for name in ("situation", "map", "action")}
    wall = WallWindows(views, default_layout(3), settings)
    wall.arrange()
    first = wall.windows[0]
    first.toggle_kiosk()  # the operator leaves kiosk mode on the first screen and moves the window
    first.setGeometry(QRect(100, 120, 800, 600))
    size = first.geometry().size()
    wall.save()
    wall.close_all()

    views = {name: QLabel(name) for name in ("situation", "map", "action")}
    again = WallWindows(
        views, default_layout(3), QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    )
    again.arrange()
    restored = again.windows[0]
    assert not restored.kiosk and restored.geometry().size() == size
    assert again.windows[1].kiosk and again.windows[1].isFullScreen()
    screens = sorted(QGuiApplication.screens(), key=lambda s: s.geometry().x())
    assert [w.windowHandle().screen().name() for w in again.windows] == [s.name() for s in screens]
    again.close_all()


def test_closing_the_wall_deletes_the_map_page_first_and_everything_at_once(qtbot) -> None:
    """Quitting deletes the map's web page, then its view and the windows, without waiting for an event
    loop turn that may never come: a page still alive when the application goes crashes the process."""
    vm = WallViewModel(Store())
    map_view = MapView()
    views = {"situation": SituationView(vm), "map": MapScreenView(vm, map_view), "action": QLabel("action")}
    wall = WallWindows(views, default_layout(3))
    wall.arrange()
    gone: list[str] = []
    page_gone = lambda: gone.append("page" if shiboken6.isValid(map_view) else "page after its view")  # noqa: E731
    map_view.page().destroyed.connect(page_gone)
    wall.windows[1].destroyed.connect(lambda: gone.append("map window"))
    wall.close_all()
    assert gone == ["page", "map window"]
    assert not shiboken6.isValid(map_view) and not wall.windows


def test_a_released_map_view_never_makes_another_page(qtbot) -> None:
    """Qt gives a page-less web view a fresh default page on show, hide or close; a released map stays
    empty, and whatever still reaches it is dropped."""
    view = MapView()
    qtbot.addWidget(view)
    view.show()
    view.release()
    view.release()  # twice is harmless
    view.update_markers([MarkerState("S1", "air", "#00e400", "ok")])
    view.select_station("S1")
    view.hide()
    view.show()
    view.close()
    assert view.is_released and not view.findChildren(QWebEnginePage)


@pytest.mark.parametrize("screens", [3, 2, 1])
def test_snapshot_mode_renders_every_wall_window_and_exits(tmp_path, screens) -> None:
    """One window per screen, each exactly its screen's size: on one or two screens the views that share a
    screen get smaller text rather than a window wider than the screen."""
    config = json.loads(SCREENS.read_text())
    config["screens"] = config["screens"][:screens]
    (tmp_path / "screens.json").write_text(json.dumps(config))
    platform = f"offscreen:configfile={tmp_path / 'screens.json'}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": platform}
    out = tmp_path / "shots"
    command = [sys.executable, "main.py", "--snapshot", str(out), "--after", "8", "--accel", "60"]
    command += ["--lang", "en", "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WebEnginePage still not deleted" not in done.stderr  # quitting deleted the page first
    shots = sorted(out.glob("*.png"))
    assert len(shots) == screens  # one per screen
    for shot in shots:
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1920, 1080), shot.name


def test_the_situation_view_fits_its_screen_whatever_the_city_reads(qapp, qtbot) -> None:
    """The longest English category, two primary pollutants and four-digit values still fit 1920 px."""
    font, sheet, previous = qapp.font(), qapp.styleSheet(), theme.current_scale()
    try:
        theme.apply_theme(qapp, WallScale())
        view = SituationView(WallViewModel(Store()))
        qtbot.addWidget(view)
        conc = {"PM2.5": 480.0, "PM10": 1200.0, "SO2": 6.0, "NO2": 27.0, "CO": 10.5, "O3": 260.0}
        iaqi = {"PM2.5": 500, "PM10": 300, "SO2": 3, "NO2": 14, "CO": 6, "O3": 9}
        for aqi in (25, 125, 175, 250, 500):
            view.headline.set_city(aqi, ("PM2.5", "PM10"), iaqi, conc, 0.0)
            view.resize(1920, 1080)
            view.show()
            qapp.processEvents()
            assert view.width() == 1920 and view.headline.width() < 1920, aqi
    finally:  # other tests share the application
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)
        theme._current = previous


def test_views_sharing_a_screen_get_text_in_proportion() -> None:
    wall = WallScale()
    assert crowding(default_layout(3), 3) == 1 and crowding(default_layout(2), 2) == 2
    assert crowding(default_layout(1), 1) == 3 and crowding(default_layout(3), 1) == 3  # folded onto one
    assert wall.shared_by(1) == wall
    assert wall.body_px / 2.3 < wall.shared_by(2).body_px < wall.body_px / 2  # two views on a tile: ~half
    assert wall.shared_by(3) == WallScale.desk()  # three views on one screen: never below desk text


def test_the_hubs_reasons_for_a_station_state_read_in_the_consoles_words() -> None:
    vm = WallViewModel(Store())
    assert vm.reason_text("no data yet") == "no data yet"
    assert vm.reason_text("no data for 45 s") == "no data for 45 s"
    assert vm.reason_text("no data for 1500 s") == "no data for 25 min"
    assert vm.reason_text("no data for 36000 s") == "no data for 10 h"
    assert vm.reason_text("a34004 instrument fault") == "a34004 instrument fault"
    assert vm.reason_text("something new") == "something new"
