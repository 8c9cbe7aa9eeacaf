"""Wall windows: one frameless fullscreen window per screen, re-homed when screens come and go."""

from __future__ import annotations

import logging
from typing import cast

import shiboken6
from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from console.viewmodels.playback import PlaybackViewModel
from console.views.layout import ScreenPlan, fit_to_screens
from console.views.playback_chrome import PlaybackChrome
from console.views.shutdown import delete_widgets

log = logging.getLogger(__name__)
# the window showing the map carries the replay bar: the map gives up the bar's height, the numbers
# beside it cannot without being cut (and on one screen the bar spans the whole wall)
BAR_VIEW = "map"


class HelpOverlay(QLabel):
    """The keyboard shortcuts, over the window's content until F1 or Esc."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("helpOverlay")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setStyleSheet("QLabel#helpOverlay { background: rgba(11, 18, 32, 230); }")
        rows = "".join(
            f"<tr><td><b>{key}</b>&nbsp;&nbsp;</td><td>{text}</td></tr>" for key, text in self.shortcuts()
        )
        title = self.tr("Keyboard shortcuts")
        self.setText(f"<h2>{title}</h2><table>{rows}</table>")
        self.hide()

    def shortcuts(self) -> list[tuple[str, str]]:
        """Every keyboard shortcut of the wall, with what it does."""
        return [
            ("F11", self.tr("Toggle kiosk (fullscreen) mode")),
            ("F1", self.tr("Show or hide this help")),
            ("F5", self.tr("Briefing mode for leaders (Esc returns)")),
            ("Esc", self.tr("Close this help")),
            ("Ctrl+Q", self.tr("Quit the console")),
            ("Space", self.tr("Replaying: play or pause")),
            ("← →", self.tr("Replaying: one reporting interval back or forward")),
            ("Shift / Ctrl + ← →", self.tr("Replaying: one hour / one day back or forward")),
            ("Home End + −", self.tr("Replaying: the start, the end, faster, slower")),
            ("Esc, L", self.tr("Replaying: back to live")),
        ]

    def toggle(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.setVisible(not self.isVisible())
        self.raise_()


class WallWindow(QWidget):
    """A frameless window holding some of the wall's views side by side (under the replay banner and above
    the replay bar while replaying: ``column`` holds them top to bottom).

    Signals:
        quit_requested(): the operator pressed Ctrl+Q.
        escape_pressed(): Esc with no help shown (back to live while replaying).
    """

    quit_requested = Signal()
    escape_pressed = Signal()

    def __init__(self, name: str) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.setObjectName(f"wall-{name}")
        self.setWindowTitle(self.tr("Environmental command centre"))
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(6, 6, 6, 6)
        self.column.setSpacing(6)
        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self.column.addLayout(self._row, 1)
        self.kiosk = True
        self.help = HelpOverlay(self)
        QShortcut(QKeySequence(Qt.Key.Key_F11), self, self.toggle_kiosk)
        QShortcut(QKeySequence(Qt.Key.Key_F1), self, self.help.toggle)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._on_escape)
        QShortcut(QKeySequence("Ctrl+Q"), self, self.quit_requested.emit)

    def _on_escape(self) -> None:
        if self.help.isVisible():
            self.help.hide()
        else:
            self.escape_pressed.emit()

    def set_views(self, views: list[QWidget], stretch: list[int]) -> None:
        while self._row.count():
            self._row.takeAt(0)
        for view, factor in zip(views, stretch, strict=True):
            self._row.addWidget(view, factor)
            view.show()

    def place_on(self, screen: QScreen) -> None:
        """Put the window on a screen: fullscreen in kiosk mode, else where it was last left there."""
        self.winId()
        self.windowHandle().setScreen(screen)
        if self.kiosk:
            self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            if not screen.geometry().intersects(self.geometry()):
                self.setGeometry(screen.availableGeometry().adjusted(40, 40, -40, -40))
            self.showNormal()

    def toggle_kiosk(self) -> None:
        self.kiosk = not self.kiosk
        if self.kiosk:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.showFullScreen()
        else:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, False)
            self.showNormal()
            self.resize(self.screen().geometry().size() * 0.8)

    def closeEvent(self, event) -> None:
        """Closing a wall window (window manager, Alt+F4) quits the console, like Ctrl+Q."""
        if not self.property("rehoming"):
            self.quit_requested.emit()
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:
        if self.help.isVisible():
            self.help.setGeometry(self.rect())
        super().resizeEvent(event)


class WallWindows:
    """Builds windows from a plan and re-homes the views when the set of screens changes."""

    def __init__(
        self,
        views: dict[str, QWidget],
        plan: list[ScreenPlan],
        settings: QSettings | None = None,
        playback: PlaybackViewModel | None = None,
    ) -> None:
        self.views = views
        self.playback = playback
        self.chromes: dict[WallWindow, PlaybackChrome] = {}  # each window's replay banner, frame and bar
        self.plan = plan
        self.settings = settings
        self.windows: list[WallWindow] = []
        self._parking = QWidget()  # holds views between two arrangements
        # Screens change in bursts (removed, then the others move): re-arrange once the burst is over.
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(50)
        self._settle.timeout.connect(self.arrange)
        app = QGuiApplication.instance()
        assert isinstance(app, QGuiApplication), "wall windows need a GUI application"
        app.screenAdded.connect(self._on_screen_added)
        app.screenRemoved.connect(self._on_screens_changed)
        self._watched: list[QScreen] = []
        self._closed = False
        for screen in app.screens():
            self._watch(screen)

    def arrange(self) -> None:
        """Create or reuse one window per screen in use and put each view in its place."""
        screens = sorted(QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y()))
        plan = fit_to_screens(self.plan, len(screens))
        for view in self.views.values():
            view.setParent(self._parking)
        while len(self.windows) > len(plan):
            window = self.windows.pop()
            self.chromes.pop(window, None)
            window.setProperty("rehoming", True)
            window.close()
            window.deleteLater()
        while len(self.windows) < len(plan):
            window = WallWindow(str(len(self.windows) + 1))
            window.quit_requested.connect(QCoreApplication.quit)
            self._dress(window)
            self.windows.append(window)
        for window, screen_plan, screen in zip(self.windows, plan, screens, strict=False):
            window.set_views([self.views[v] for v in screen_plan.views], screen_plan.stretch)
            if window in self.chromes:
                self.chromes[window].set_bar_shown(BAR_VIEW in screen_plan.views)
            self._restore(window, screen)
            window.place_on(screen)
        log.info("wall arranged on %d screen(s): %s", len(plan), [p.views for p in plan])

    def _dress(self, window: WallWindow) -> None:
        if self.playback is None:
            return
        self.chromes[window] = PlaybackChrome(self.playback, window, window.column, escape=False)
        window.escape_pressed.connect(self.playback.go_live)

    def _watch(self, screen: QScreen) -> None:
        screen.geometryChanged.connect(self._on_screens_changed)
        self._watched.append(screen)

    def _on_screen_added(self, screen: QScreen) -> None:
        self._watch(screen)
        self._on_screens_changed()

    def _on_screens_changed(self, *_args: object) -> None:
        log.info("screens changed: now %d", len(QGuiApplication.screens()))
        self._settle.start()

    def _restore(self, window: WallWindow, screen: QScreen) -> None:
        if self.settings is None:
            return
        kiosk = self.settings.value(f"windows/{screen.name()}/kiosk", True)
        window.kiosk = kiosk not in (False, "false", "0", 0)
        geometry = self.settings.value(f"windows/{screen.name()}/geometry")
        if geometry is not None and not window.kiosk:
            window.restoreGeometry(geometry)

    def close_all(self) -> None:
        """Close every window and delete it now with its views, each web page ahead of its view (a
        `deleteLater` may never run once the console is quitting, and a page left then outlives the web
        profile). The views must not be used after this."""
        if self._closed:
            return
        self._closed = True
        app = cast(QGuiApplication, QGuiApplication.instance())
        app.screenAdded.disconnect(self._on_screen_added)  # screens may still change while quitting
        app.screenRemoved.disconnect(self._on_screens_changed)
        for screen in self._watched:
            if shiboken6.isValid(screen):
                screen.geometryChanged.disconnect(self._on_screens_changed)
        self._settle.stop()
        for window in self.windows:
            window.setProperty("rehoming", True)  # closing it must not quit the console
            window.close()
        delete_widgets([*self.windows, *self.views.values(), self._parking])
        self.windows.clear()

    def save(self) -> None:
        """Remember each screen's kiosk state."""
        if self.settings is None:
            return
        for window in self.windows:
            handle = window.windowHandle()
            if handle is not None and handle.screen() is not None:
                name = handle.screen().name()
                self.settings.setValue(f"windows/{name}/kiosk", window.kiosk)
                self.settings.setValue(f"windows/{name}/geometry", window.saveGeometry())
        self.settings.sync()
