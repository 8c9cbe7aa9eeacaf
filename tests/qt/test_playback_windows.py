"""Replaying, every window says so: the PLAYBACK banner and the magenta frame on each wall window and the
desk (never live), the replay bar where it belongs, every command path greyed with its reason and refused
by the view-model too, "Replay" from an incident, and every window still exactly its screen's size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from console.core.incident_book import IncidentBook
from console.core.incidents import Action
from console.core.link import LinkState, LinkStatus
from console.core.store import Store
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.playback import PlaybackViewModel
from console.viewmodels.wall import WallViewModel
from console.views.dispatch import DispatchWindow
from console.views.layout import default_layout
from console.views.screens import ActionView, MapScreenView, SituationView
from console.views.window import WallWindows
from console.widgets import theme
from console.widgets.map_view import MapView
from tests.qt import fit_child
from tests.qt.playback_fake import MemoryPlayback, replay_window_of
from tests.qt.test_wall_views import WITHOUT_CJK

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(__file__).with_name("screens.json")
CHILD = Path(__file__).with_name("playback_child.py")
NOW = fit_child.NOW
DISABLED = "playback: commands are disabled"


class RecordingCommands:
    """A command centre that only notes what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def issue(self, action, incident_id, args=None) -> None:
        self.sent.append((action, incident_id, args))

    def on_incidents_changed(self) -> None:
        pass

    def pending_targets(self) -> set[str]:
        return set()

    def problems(self) -> list:
        return []

    def pending_for(self, _incident_id):
        return []

    def problems_for(self, _incident_id):
        return []


@pytest.fixture
def console(qtbot):
    """The wall's three windows and the desk, on one incident book, with the replay's view-model."""
    book = IncidentBook(lambda: NOW)
    incidents = IncidentViewModel(book)
    incidents.commands = RecordingCommands()
    found = fit_child.incidents_of(fit_child.NAMES["en"])
    incidents.on_changes(book.replace_all(found))
    vm = WallViewModel(Store())
    playback_vm = PlaybackViewModel()
    playback_vm.active_changed.connect(lambda active: incidents.set_commands_enabled(not active))
    playback_vm.window_of = lambda incident_id: replay_window_of(book.get(incident_id))
    views = {
        "situation": SituationView(vm),
        "map": MapScreenView(vm, MapView(), incidents),
        "action": ActionView(vm, incidents),
    }
    wall = WallWindows(views, default_layout(3), playback=playback_vm)
    wall.arrange()
    wall.vm = vm  # the wall's view-model, for tests that feed it
    desk = DispatchWindow(incidents, playback=playback_vm)
    desk.show()
    qtbot.addWidget(desk)
    incidents.select(found[0].id)
    incidents.flush()
    yield wall, desk, incidents, playback_vm, found
    wall.close_all()


def chromes(wall: WallWindows, desk: DispatchWindow) -> list:
    return [wall.chromes[w] for w in wall.windows] + [desk.chrome]


def test_the_banner_and_frame_show_on_every_window_while_replaying_and_never_live(qtbot, console) -> None:
    wall, desk, _incidents, playback_vm, _found = console
    assert len(wall.windows) == 3
    assert not any(c.banner.isVisible() or c.frame.isVisible() for c in chromes(wall, desk))
    at = 1_448_928_000.0  # 2015-12-01 08:00 in Beijing
    playback = MemoryPlayback(at - 86400, at + 86400, at=at, speed=3600)
    playback_vm.attach(playback)
    playback.play()
    playback_vm.flush()
    for chrome in chromes(wall, desk):
        assert chrome.shown(), chrome.window.objectName()
        assert chrome.banner.text().startswith("▶ PLAYBACK · 2015-12-01 Tue 08:00:00 · 3600×")
        assert "UTC+8" in chrome.banner.text() and "not live" in chrome.banner.text()
        frame = chrome.frame.grab().toImage()  # the frame is painted around the whole window
        assert frame.pixelColor(2, frame.height() // 2).name() == theme.PLAYBACK.lower()
    bars = [w.objectName() for w, c in wall.chromes.items() if c.bar.isVisible()]
    assert bars == ["wall-2"]  # the map's window carries the bar on the wall; the desk has its own
    assert desk.chrome.bar.isVisible()
    playback_vm.detach()
    assert not any(c.banner.isVisible() or c.frame.isVisible() for c in chromes(wall, desk))
    assert not any(c.bar.isVisible() for c in chromes(wall, desk))


def test_replaying_every_command_path_is_greyed_with_its_reason_and_refused(qtbot, console) -> None:
    wall, desk, incidents, playback_vm, found = console
    detail = desk.detail
    assert detail.action_buttons and all(b.isEnabled() for b in detail.action_buttons.values())
    assert desk.report_button.isEnabled()
    playback_vm.attach(MemoryPlayback(NOW - 86400, NOW))
    for button in [*detail.action_buttons.values(), detail.acknowledge_button, desk.report_button]:
        assert not button.isEnabled() and button.toolTip() == DISABLED, button.text()
    acknowledge = wall.views["action"].board.acknowledge
    assert not acknowledge.isEnabled() and acknowledge.toolTip() == DISABLED
    assert wall.views["action"].board.alarm.muted  # a replayed critical incident does not ring now
    with qtbot.waitSignal(incidents.message_changed) as said:
        incidents.act(Action.DISPATCH, found[0].id, {"assignee": "x"})
    assert said.args == [DISABLED]
    incidents.acknowledge([found[0].id])
    assert incidents.commands.sent == []  # nothing left this console
    assert found[0].id in incidents.pulsing()  # and nothing changed here
    playback_vm.detach()
    assert all(b.isEnabled() for b in detail.action_buttons.values()) and desk.report_button.isEnabled()
    incidents.act(Action.COMMENT, found[0].id, {"comment": "live again"})
    assert incidents.commands.sent == [(Action.COMMENT, found[0].id, {"comment": "live again"})]


def test_replay_from_an_incident_asks_for_its_window_with_a_hub_that_has_history(qtbot, console) -> None:
    _wall, desk, _incidents, playback_vm, found = console
    assert desk.detail.replay_button is not None and not desk.detail.replay_button.isVisibleTo(desk)
    playback_vm.set_replay_available(True)
    assert desk.detail.replay_button.isVisibleTo(desk)
    with qtbot.waitSignal(playback_vm.replay_requested) as asked:
        qtbot.mouseClick(desk.detail.replay_button, Qt.MouseButton.LeftButton)
    assert asked.args == [found[0].created - 1800, found[0].updated]
    playback = MemoryPlayback(found[0].created - 86400, NOW)
    playback_vm.attach(playback)  # within a replay, "Replay" goes to the incident's start
    qtbot.mouseClick(desk.detail.replay_button, Qt.MouseButton.LeftButton)
    assert playback.state().at == found[0].created - 1800


@pytest.mark.parametrize("font", ["suite", "wide"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_every_window_fits_its_screen_live_and_replaying(tmp_path, lang, font) -> None:
    """The wall (three screens) and the desk (a fourth) with the longest texts: exactly their screen's size
    live and replaying; the banner and frame on all four only while replaying; the bar on the map's window
    and the desk, never wider than its window. ``font`` "wide": no CJK font, and 20 % wider still."""
    config = json.loads(SCREENS.read_text())
    config["screens"].append({"name": "4-desk", "x": 5760, "y": 0, "width": 1920, "height": 1080,
                              "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1})  # fmt: skip
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
        [sys.executable, str(CHILD), json.dumps(options)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    assert lines, f"the wall process printed nothing (exit {done.returncode}):\n{done.stderr[-3000:]}"
    result = json.loads(lines[-1])
    assert done.returncode == 0 and not result["errors"], result["errors"] or done.stderr[-3000:]
    for mode in ("live", "playback"):
        windows = result[mode]
        assert [w["name"] for w in windows] == ["wall-1", "wall-2", "wall-3", "dispatch"]
        for window in windows:
            assert window["geometry"] == window["screen"], (mode, window)
            assert window["minimum"][0] <= window["screen"][2], (mode, window)
            assert window["minimum"][1] <= window["screen"][3], (mode, window)
            replaying = mode == "playback"
            assert window["banner"] is replaying and window["frame"] is replaying, (mode, window)
            assert window["bar"] is (replaying and window["name"] in ("wall-2", "dispatch")), (mode, window)
            if replaying:  # hidden live, they take no room then
                assert window["bar_fits"] and window["banner_fits"], (mode, window)
    weekday = "周二" if lang == "zh_CN" else "Tue"
    assert f"2015-12-01 {weekday} 08:00:00" in result["playback"][0]["banner_text"]


def test_replaying_the_maps_status_bar_gives_way_and_ignores_the_link(qtbot, console) -> None:
    """The PLAYBACK banner says what the status bar would (replay, the moment, not live): the bar hides and
    the map gets its height; a link state cannot bring it back while replaying."""
    wall, _desk, _incidents, _playback_vm, _found = console
    view = wall.views["map"]
    view.set_replay(1_448_928_000.0)
    assert not view.banner.isVisible() and view.banner.link_state() == "replay"
    wall.vm.link_changed.emit(LinkStatus(LinkState.CONNECTING, "ws://hub", attempt=5))
    assert not view.banner.isVisible() and view.banner.link_state() == "replay"
    view.set_replay(None)
    assert view.banner.isVisible() and view.banner.link_state() == "live"
