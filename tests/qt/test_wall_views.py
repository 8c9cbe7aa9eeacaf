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

from console.core.clock import ManualClock
from console.core.link import LinkState, LinkStatus
from console.core.store import Store
from console.viewmodels.wall import WallViewModel
from console.views.layout import crowding, default_layout
from console.views.screens import MapScreenView, SituationView
from console.views.window import WallWindows
from console.widgets import theme
from console.widgets.map_view import MapView, MarkerState
from console.widgets.theme import WallScale
from tests.qt.waiting import HUB_START_S, WHOLE_CONSOLE

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


def test_data_ages_and_the_banner_clock_follow_the_consoles_clock(qtbot) -> None:
    clock = ManualClock(1_600_000_000.0)  # 2020-09-13 20:26:40 local: long past by the wall clock
    vm = WallViewModel(Store(), clock=clock)
    situation, centre = SituationView(vm), MapScreenView(vm, MapView())
    qtbot.addWidget(situation)
    qtbot.addWidget(centre)
    panel = situation.city_panel
    panel.set_data_time(clock.now() - 60)
    assert panel.age_text().endswith("1 min ago") and not panel.is_stale()
    clock.advance(600)
    panel.refresh_age()
    centre.banner.refresh_clock()
    assert panel.age_text().endswith("11 min ago") and panel.is_stale()
    assert centre.banner.clock_text() == "2020-09-13 20:36:40"
    vm.on_backfill(0.5)  # a gap being filled reaches the banner through the view-model
    assert "50 %" in centre.banner.backfill_text()
    vm.on_backfill(None)
    assert centre.banner.backfill_text() == ""


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


@pytest.fixture
def wall_theme(qapp):
    """The wall's fonts and sizes (55" tiles at 4 m) for one test; the suite's own again after it."""
    font, sheet, previous = qapp.font(), qapp.styleSheet(), theme.current_scale()
    theme.apply_theme(qapp, WallScale())
    yield
    qapp.setFont(font)
    qapp.setStyleSheet(sheet)
    theme._current = previous


def test_a_long_link_state_takes_a_line_of_its_own_and_the_banner_keeps_its_width(qtbot, wall_theme) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    view.banner.set_title("Environmental Monitoring and Emergency Command Centre of the Development Zone")
    view.resize(1920, 1080)
    view.show()
    qtbot.waitExposed(view)
    vm.link_changed.emit(LinkStatus(LinkState.LIVE))
    assert not view.banner.link_on_its_own_line()  # "● LIVE" beside the title and the clock
    reason = "refused by the hub: the session token expired, log in again at the duty desk"
    vm.link_changed.emit(LinkStatus(LinkState.REFUSED, reason))
    qtbot.waitUntil(view.banner.link_on_its_own_line)
    assert view.width() == 1920 and view.minimumSizeHint().width() <= 1920
    assert reason in view.banner.link_text()  # whole: it wraps, nothing is cut


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


@WHOLE_CONSOLE
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
    limit = HUB_START_S + 60  # the embedded hub's first start, then eight seconds of wall
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=limit)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "WebEnginePage still not deleted" not in done.stderr  # quitting deleted the page first
    shots = sorted(out.glob("*.png"))
    assert len(shots) == screens  # one per screen
    for shot in shots:
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1920, 1080), shot.name


FIT_CHILD = Path(__file__).with_name("fit_child.py")
# The fonts a machine without fonts-noto-cjk has: Qt falls back to another family (DejaVu Sans here).
WITHOUT_CJK = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont>
    <glob>*NotoSansCJK*</glob><glob>*NotoSerifCJK*</glob><glob>*NotoSansMonoCJK*</glob>
    <glob>*wqy*</glob><glob>*WenQuanYi*</glob>
  </rejectfont></selectfont>
</fontconfig>
"""
DESK_SCREEN = {"name": "4-desk", "x": 5760, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96,
               "logicalBaseDpi": 96, "dpr": 1}  # fmt: skip


def run_fit_child(tmp_path: Path, lang: str, font: str) -> dict:
    """The wall (three screens) and the dispatch desk (a fourth) with the longest texts at AQI levels 1..6,
    in a process of its own: ``font`` "suite" is what Qt finds here, "wide" the fallback of a machine
    without the CJK font, set 20 % wider still."""
    config = json.loads(SCREENS.read_text())
    config["screens"].append(DESK_SCREEN)
    (tmp_path / "screens.json").write_text(json.dumps(config))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QTWEBENGINE_DISABLE_SANDBOX": "1"}
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={tmp_path / 'screens.json'}"
    stretch = 100
    if font == "wide":
        (tmp_path / "fonts.conf").write_text(WITHOUT_CJK)
        env["FONTCONFIG_FILE"] = str(tmp_path / "fonts.conf")
        stretch = 120
    options = {"lang": lang, "stretch": stretch, "shots": ""}
    done = subprocess.run(
        [sys.executable, str(FIT_CHILD), json.dumps(options)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, f"the wall process printed nothing (exit {done.returncode}):\n{done.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert done.returncode == 0 and not result["errors"], result["errors"] or done.stderr[-3000:]
    return result


@pytest.mark.parametrize("font", ["suite", "wide"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_window_fits_its_screen_whatever_the_font_and_the_city_reads(tmp_path, lang, font) -> None:
    """Each wall window and the desk are exactly their screen's size at every AQI level, with the longest
    category words, four primary pollutants, four-digit values and long township, station and event texts;
    the headline number, every figure and every stage count show whole (words give way instead); under two
    warnings with the forecast the left screen keeps the ranking's top rows and every health line."""
    result = run_fit_child(tmp_path, lang, font)
    if font == "wide":  # the fallback really happened: no CJK family, and wider still
        assert "CJK" not in result["font"]["family"] and result["font"]["stretch"] == 120, result["font"]
    assert [level["aqi"] for level in result["levels"]] == [50, 100, 150, 200, 300, 500]
    for level in result["levels"]:
        aqi = level["aqi"]
        assert [w["name"] for w in level["windows"]] == ["wall-1", "wall-2", "wall-3", "dispatch"]
        for window in level["windows"]:
            screen = window["screen"]
            assert window["geometry"] == screen, (aqi, window)
            assert window["minimum"][0] <= screen[2] and window["minimum"][1] <= screen[3], (aqi, window)
        headline, *figures = level["numbers"]
        assert headline["text"] == str(aqi), headline  # the number itself, never elided
        for number in (headline, *figures):
            assert number["need"] <= number["width"] and number["need"] <= number["visible_width"], (
                aqi,
                number,
            )
        for count in level["counts"]:
            assert count["shown"].endswith(" " + count["count"]), (aqi, count)
        # the left screen under a red warning in force (and an orange one proposed) with the forecast: the
        # ranking keeps its top three townships, the health table every kind's line, nothing overlaps
        situation = level["situation"]
        shown, total = situation["ranking_rows"]
        assert total == 18 and shown >= 3, (aqi, situation)
        assert situation["ranking_height"][0] >= situation["ranking_height"][1], (aqi, situation)
        if font == "suite":  # every kind's line; the 20 %-wider fallback font may sum the last ones up
            assert situation["health_rows"] == [8, 8], (aqi, situation)
            assert situation["health_height"][0] >= situation["health_height"][1], (aqi, situation)
        else:
            assert situation["health_rows"][0] >= 3, (aqi, situation)
        (_city_top, city_bottom), (ranking_top, ranking_bottom), (health_top, _), *strip = situation["panels"]
        assert city_bottom < ranking_top and ranking_top == health_top, (aqi, situation)
        if strip:  # the strip (whole or one line) under them, else it gave way
            assert strip[0][0] > ranking_bottom, (aqi, situation)


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
