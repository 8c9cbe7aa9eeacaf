"""Child process of test_playback_windows.py: the wall (three screens) and the dispatch desk (a fourth)
replaying the Beijing episode of 2015-11-26 … 12-03, filled with the longest texts of fit_child.py.

Run as ``python tests/qt/playback_child.py '<json>'`` with QT_QPA_PLATFORM pointing to an offscreen screen
configuration. The JSON argument holds ``lang`` (zh_CN or en), ``stretch`` (the font's stretch in percent)
and ``shots`` (a folder for PNGs, or ""). Prints one JSON document: each window's geometry against its
screen, its minimum size, whether its banner, frame and bar show, and the bar's minimum width, live and
in playback.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for `console` and `tests`

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from console.i18n import install_translator
from console.viewmodels.playback import PlaybackViewModel
from console.views.dispatch import DispatchWindow
from console.views.layout import default_layout
from console.views.screens import ActionView, MapScreenView, SituationView
from console.views.window import WallWindows
from console.widgets import theme
from console.widgets.map_view import MapView
from tests.qt import fit_child
from tests.qt.playback_fake import MemoryPlayback, Timeline

errors: list[str] = []


def local(*parts: int) -> float:
    return datetime(*parts, tzinfo=theme.LOCAL_TZ).timestamp()  # type: ignore[misc]


START, END = local(2015, 11, 26), local(2015, 12, 3, 23)
AT = local(2015, 12, 1, 8)
# the 12-station mean PM2.5 over 150 µg/m³ (AQI > 200) in the UCI Beijing data, and its incidents
EPISODES = [(local(2015, 11, 27, 16), local(2015, 12, 1, 22)), (local(2015, 12, 3, 4), END)]
INCIDENTS = [(local(2015, 11, 27, 18), "a"), (local(2015, 11, 30, 9), "b"), (local(2015, 12, 1, 2), "c")]
COVERAGE = [(START, local(2015, 11, 29, 3)), (local(2015, 11, 29, 9), END)]


class ReplayWall(fit_child.Wall):
    """fit_child's wall and desk, with the replay's banner, frame and bar on every window."""

    def __init__(self, lang: str) -> None:
        from console.core.incident_book import IncidentBook
        from console.core.store import Store
        from console.viewmodels.incidents import IncidentViewModel
        from console.viewmodels.wall import WallViewModel

        self.names = fit_child.NAMES[lang]
        self.store = Store()
        self.vm = WallViewModel(self.store)
        self.book = IncidentBook(lambda: fit_child.NOW)
        self.incidents = IncidentViewModel(self.book)
        self.playback_vm = PlaybackViewModel()
        self.playback_vm.active_changed.connect(lambda a: self.incidents.set_commands_enabled(not a))
        self.views = {
            "situation": SituationView(self.vm),
            "map": MapScreenView(self.vm, MapView(), self.incidents),
            "action": ActionView(self.vm, self.incidents),
        }
        self.wall = WallWindows(self.views, default_layout(3), playback=self.playback_vm)
        self.wall.arrange()
        self.desk = DispatchWindow(self.incidents, playback=self.playback_vm)
        self._fill_once()
        self._place_desk()
        self._add_forecast()  # the warning banners under the PLAYBACK banner, the forecast strip
        self.forecast.set_replay(AT)  # a replay offers no leader's button

    def replay(self) -> MemoryPlayback:
        playback = MemoryPlayback(START, END, at=AT, speed=3600)
        playback.set_timeline(Timeline(COVERAGE, EPISODES, INCIDENTS))
        self.playback_vm.attach(playback)  # paused: the moment shown stays the one asserted
        self.playback_vm.flush()
        self.views["map"].set_replay(AT)  # as the console does when a replay starts
        return playback


def windows_of(wall: ReplayWall) -> list[dict]:
    out = fit_child.windows_of(wall)
    chromes = [wall.wall.chromes[w] for w in wall.wall.windows] + [wall.desk.chrome]
    for entry, chrome in zip(out, chromes, strict=True):
        bar = chrome.bar
        entry["banner"] = chrome.banner.isVisibleTo(chrome.window)
        entry["frame"] = chrome.frame.isVisibleTo(chrome.window)
        entry["bar"] = bar is not None and bar.isVisibleTo(chrome.window)
        entry["bar_fits"] = bar is None or bar.minimumSizeHint().width() <= chrome.window.width()
        entry["banner_fits"] = chrome.banner.shows_whole()
        entry["banner_text"] = chrome.banner.text()
    return out


def main() -> int:
    options = json.loads(sys.argv[1])
    sys.excepthook = lambda kind, value, tb: errors.append(
        "".join(traceback.format_exception(kind, value, tb))
    )
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    install_translator(app, options["lang"])
    theme.apply_theme(app, theme.WallScale())
    fit_child.widen_font(app, options["stretch"])
    shots = Path(options["shots"]) if options.get("shots") else None
    result: dict = {}
    try:
        wall = ReplayWall(options["lang"])
        wall.show_level(6)
        fit_child.spin()
        result["live"] = windows_of(wall)
        wall.replay()
        fit_child.spin()
        result["playback"] = windows_of(wall)
        if shots is not None:
            save(wall, shots, options["lang"])
    except Exception:
        errors.append(traceback.format_exc())
    result["errors"] = errors
    print(json.dumps(result), flush=True)
    return 1 if errors else 0


def save(wall: ReplayWall, shots: Path, lang: str) -> None:
    shots.mkdir(parents=True, exist_ok=True)
    for n, window in enumerate([*wall.wall.windows, wall.desk], 1):
        name = "dispatch" if window is wall.desk else f"wall-{n}"
        window.grab().save(str(shots / f"playback-{name}-{lang}.png"))


if __name__ == "__main__":
    sys.exit(main())
