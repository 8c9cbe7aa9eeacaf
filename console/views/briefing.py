"""Briefing mode: read-only pages for leaders across every screen, driven by presenter keys and a rotation.

One frameless fullscreen window per screen covers the duty wall while the briefing runs; a page's parts
go one per screen, left to right (fewer screens fold them side by side, at smaller sizes). Keys, on any
briefing window: Right/PageDown next, Left/PageUp previous, B or . blank, F freeze, Space pause or resume
the rotation, R refresh the snapshot, Home first page, Esc or F5 back to the duty wall. Nothing here can
issue a command: there are no buttons, and the duty wall's shortcuts are out of reach while it is hidden.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QStackedLayout, QVBoxLayout, QWidget

from console.viewmodels.briefing import BriefingViewModel, Presenter, Snapshot
from console.views.briefing_pages import BriefingPages
from console.views.dispatch_desk import DispatchDesk
from console.views.window import WallWindow, WallWindows
from console.widgets import briefing_parts, theme
from console.widgets.briefing_parts import PageBar

PARTS_PER_PAGE = 3
log = logging.getLogger(__name__)


class BriefingScreen(QWidget):
    """One screen of the briefing: header, the page's parts side by side, footer; or all black (blank)."""

    def __init__(self, vm: BriefingViewModel, scale: theme.WallScale) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.vm = vm
        self.setObjectName("briefingScreen")
        self.setWindowTitle(self.tr("Briefing"))
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._stack = QStackedLayout(self)
        self.content = QWidget()
        self.blank = QWidget()
        self.blank.setObjectName("briefingBlank")
        self.blank.setStyleSheet("QWidget#briefingBlank { background: black; }")
        self._stack.addWidget(self.content)
        self._stack.addWidget(self.blank)
        self.set_scale(scale)
        gap = scale.gap_px
        column = QVBoxLayout(self.content)
        column.setContentsMargins(gap * 2, gap, gap * 2, gap)
        column.setSpacing(gap)
        self.parts_row = QHBoxLayout()
        self.parts_row.setSpacing(gap * 2)
        self.bar = PageBar()
        column.addLayout(self.parts_row, 1)
        column.addWidget(self.bar)
        self.parts: list[QWidget] = []

    def set_scale(self, scale: theme.WallScale) -> None:
        """The leaders' text sizes on this screen (roles of the console's stylesheet at this scale)."""
        self.scale = scale
        self.setFont(theme.font_px(scale.body_px))
        # every label at the leaders' body size unless its role says otherwise
        body = f"QLabel {{ font-size: {scale.body_px}px; }}"
        screen = f"QWidget#briefingScreen {{ background: {theme.BACKGROUND}; }}"
        self.setStyleSheet(body + theme.stylesheet(scale) + screen)
        self.setAutoFillBackground(True)

    def set_parts(self, parts: list[QWidget]) -> None:
        for old in self.parts:
            old.hide()
            old.deleteLater()
        self.parts = parts
        for part in parts:
            # a part takes the room it is given: a screen never grows past its monitor
            part.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
            part.setParent(self.content)
            self.parts_row.addWidget(part, 1)
            part.show()

    def set_blank(self, blank: bool) -> None:
        self._stack.setCurrentWidget(self.blank if blank else self.content)

    def place_on(self, screen: QScreen) -> None:
        self.winId()
        self.windowHandle().setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Presenter keys (clickers send PageDown/PageUp, B or ., F5 and Esc)."""
        action = self.key_actions().get(Qt.Key(event.key()))
        if action is None:
            super().keyPressEvent(event)
            return
        action()

    def key_actions(self) -> dict[Qt.Key, Callable[[], None]]:
        vm, key = self.vm, Qt.Key
        return {
            key.Key_Right: vm.next_page, key.Key_PageDown: vm.next_page, key.Key_Down: vm.next_page,
            key.Key_Left: vm.previous_page, key.Key_PageUp: vm.previous_page, key.Key_Up: vm.previous_page,
            key.Key_Home: lambda: vm.go_to(0),
            key.Key_B: vm.toggle_blank, key.Key_Period: vm.toggle_blank,
            key.Key_F: vm.toggle_freeze, key.Key_Space: vm.toggle_pause, key.Key_R: vm.refresh,
            key.Key_Escape: vm.stop, key.Key_F5: vm.stop,
        }  # fmt: skip

    def closeEvent(self, event) -> None:
        """Closing a briefing window ends the briefing (back to the duty wall), never the console."""
        if self.vm.active:
            self.vm.stop()
        super().closeEvent(event)


class BriefingView(QObject):
    """Shows the briefing's windows over the wall while the view-model is active, and fills them.

    ``hide_wall`` and ``show_wall`` put the duty wall away and back (the wall's windows); ``dress`` is
    given each new set of briefing windows (the report desk's Ctrl+P).
    """

    def __init__(
        self,
        vm: BriefingViewModel,
        base_scale: theme.WallScale,
        hide_wall: Callable[[], None] = lambda: None,
        show_wall: Callable[[], None] = lambda: None,
        dress: Callable[[list[QWidget]], None] = lambda _windows: None,
    ) -> None:
        super().__init__()
        self.vm = vm
        self._dress = dress  # what every new set of briefing windows gets (Ctrl+P for a report)
        self.base_scale = base_scale
        self._hide_wall, self._show_wall = hide_wall, show_wall
        self.screens: list[BriefingScreen] = []
        self._shown: tuple[str, int] | None = None  # (page, snapshot id) on the screens now
        vm.active_changed.connect(self._on_vm_active_changed)
        vm.snapshot_changed.connect(self._on_vm_snapshot_changed)
        vm.presenter_changed.connect(self._on_vm_presenter_changed)
        # Screens come and go in bursts; once the wall has re-arranged (50 ms), the briefing is rebuilt on
        # the screens there are now and the wall put away again.
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(200)
        self._settle.timeout.connect(self._on_settle_timeout)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._on_screens_changed)
            app.screenRemoved.connect(self._on_screens_changed)

    def scale(self) -> theme.WallScale:
        """The leaders' sizes on one screen when it holds its share of a page's parts."""
        share = math.ceil(PARTS_PER_PAGE / max(1, len(self.screens) or len(QGuiApplication.screens())))
        return self.base_scale.shared_by(share)

    def rows(self) -> int:
        """How many table rows a part holds at the leaders' size: the screen less its margins and bar, the
        part's margins, caption, column header and one line of note."""
        s = self.scale()
        height = self.screens[0].height() if self.screens else 1080
        line = s.body_px * 1.45
        screen = s.gap_px * 3 + line  # margins, the bar and the gap above it
        part = s.gap_px * 7 + s.title_px * 1.45 + line * 2  # margins, spacings, caption, header, note
        return int((height - screen - part) // line)

    def _on_vm_active_changed(self, active: bool) -> None:
        if active:
            self._open()
        else:
            self._close()

    def _open(self) -> None:
        if self.screens:
            return
        screens = sorted(QGuiApplication.screens(), key=lambda s: (s.geometry().x(), s.geometry().y()))
        self.screens = [BriefingScreen(self.vm, self.base_scale) for _ in screens]
        scale = self.scale()
        for window, screen in zip(self.screens, screens, strict=True):
            window.set_scale(scale)
            window.place_on(screen)
        self._dress(list(self.screens))
        self._hide_wall()
        self.screens[0].activateWindow()
        self.screens[0].setFocus()

    def _close(self) -> None:
        self._drop_windows()
        self._show_wall()

    def _drop_windows(self) -> None:
        screens, self.screens = self.screens, []
        self._shown = None
        for window in screens:
            window.hide()  # not close(): closing a briefing window ends the briefing
            window.deleteLater()

    def _on_screens_changed(self, *_args: object) -> None:
        if self.screens:
            self._settle.start()

    def _on_settle_timeout(self) -> None:
        if not self.vm.active:
            return
        self._drop_windows()
        self._open()
        self._on_vm_presenter_changed(self.vm.presenter)

    def _on_vm_snapshot_changed(self, _snapshot: Snapshot) -> None:
        self._shown = None
        self._render()

    def _on_vm_presenter_changed(self, presenter: Presenter) -> None:
        for window in self.screens:
            window.set_blank(presenter.blank)
        self._render()

    def _render(self) -> None:
        vm, snapshot = self.vm, self.vm.snapshot
        if not self.screens or snapshot is None:
            return
        presenter = vm.presenter
        if (presenter.page, id(snapshot)) != self._shown and not presenter.frozen:
            self._fill(presenter.page, snapshot)
            self._shown = (presenter.page, id(snapshot))
        self._decorate(presenter, snapshot)

    def _fill(self, page: str, snapshot: Snapshot) -> None:
        pages = BriefingPages(self.rows())
        briefing_parts.use_scale(self.scale())
        try:
            parts = pages.build(page, snapshot)
        finally:
            briefing_parts.use_scale(None)
        share = math.ceil(len(parts) / len(self.screens))
        title = pages.titles()[page]
        for n, window in enumerate(self.screens):
            window.set_parts(parts[n * share : (n + 1) * share])
            window.bar.set_title(title, self._when(snapshot))

    def _when(self, snapshot: Snapshot) -> str:
        taken = theme.local_time(snapshot.taken_at).strftime("%H:%M")
        return self.tr("As of {d} · snapshot {t}").format(d=snapshot.as_of.isoformat(), t=taken)

    def _decorate(self, presenter: Presenter, snapshot: Snapshot) -> None:
        badge = ""
        if presenter.stale_since is not None:
            since = theme.local_time(presenter.stale_since).strftime("%H:%M")
            badge = self.tr("Live data has changed since {t} · R refreshes").format(t=since)
        words = []
        if presenter.frozen:
            words.append(self.tr("FROZEN"))
        elif presenter.paused:
            words.append(self.tr("PAUSED"))
        indicator = f"{presenter.index + 1} / {len(presenter.pages)}"
        for window in self.screens:
            window.bar.set_badge(badge)
            window.bar.set_state(" · ".join(words), indicator)


class WallCover:
    """Puts the duty wall (and an open dispatch desk) away while the briefing runs, and back after; F5 on
    every wall window starts the briefing."""

    def __init__(self, windows: WallWindows, desk: DispatchDesk, vm: BriefingViewModel) -> None:
        self.windows, self.desk, self.vm = windows, desk, vm
        self._desk_was_open = False

    def add_shortcuts(self, windows: list[WallWindow]) -> None:
        for window in windows:
            QShortcut(QKeySequence(Qt.Key.Key_F5), window).activated.connect(self.vm.start)

    def hide(self) -> None:
        desk = self.desk.window
        self._desk_was_open = desk is not None and desk.isVisible()
        if desk is not None:
            desk.hide()
        for window in self.windows.windows:
            window.hide()

    def show(self) -> None:
        self.windows.arrange()
        if self._desk_was_open and self.desk.window is not None:
            self.desk.window.show()


async def take_briefing_snapshots(out: Path, after_s: float, view: BriefingView) -> None:
    """Wait ``after_s`` for the figures, then save every page on every screen as
    ``briefing-<n>-<page>-<screen>.png``."""
    vm = view.vm
    vm.start()
    await asyncio.sleep(after_s)
    for _ in range(120):  # the reports may take a while on a long history
        if vm.snapshot is not None and vm.snapshot.loaded:
            break
        await asyncio.sleep(0.5)
    out.mkdir(parents=True, exist_ok=True)
    for n, page in enumerate(vm.presenter.pages):
        vm.go_to(n)
        await asyncio.sleep(0.5)
        for k, window in enumerate(view.screens, 1):
            path = out / f"briefing-{n + 1}-{page}-{k}.png"
            window.grab().save(str(path))
            log.info("snapshot written: %s", path)
