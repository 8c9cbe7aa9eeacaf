"""The forecast and the warnings on every screen: the warning banner at the top of every window (the wall's,
the dispatch desk's, the briefing's), the forecast panel on the situation screen, and the hub (live, or the
replay's) that feeds their view-model.

``ForecastWall.attach(console)`` is the one call the composition root makes, once its windows exist.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QBoxLayout, QWidget

from console.core.link import LinkStatus
from console.viewmodels.forecast import ForecastViewModel
from console.widgets import theme
from console.widgets.playback_banner import PlaybackBanner
from console.widgets.warning_banner import WarningBanner

REDRESS_MS = 300  # after the screens changed: the wall's and the briefing's new windows are built by then


def column_of(window: QWidget) -> QBoxLayout | None:
    """The window's top-to-bottom layout: the wall window's column, the desk's own layout, the briefing
    screen's content column."""
    content = getattr(window, "content", None)
    for layout in (
        getattr(window, "column", None),
        content.layout() if isinstance(content, QWidget) else None,
        window.layout(),
    ):
        if isinstance(layout, QBoxLayout):
            return layout
    return None


class ForecastWall(QObject):
    """Dresses windows with the warning banner (each once) and binds the banners to the view-model."""

    def __init__(self, vm: ForecastViewModel) -> None:
        super().__init__()
        self.vm = vm
        self.banners: dict[QWidget, WarningBanner] = {}
        self.sources: list[Any] = []  # callables giving the windows to dress (wall, briefing)
        self._redress = QTimer(self, singleShot=True, interval=REDRESS_MS)
        self._redress.timeout.connect(self.dress_all)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.screenAdded.connect(self._on_screens_changed)
            app.screenRemoved.connect(self._on_screens_changed)

    def dress(self, window: QWidget) -> WarningBanner | None:
        """A warning banner under the window's replay banner (at its top when it has none)."""
        known = self.banners.get(window)
        if known is not None:
            return known
        column = column_of(window)
        if column is None:
            return None
        scale = getattr(window, "scale", None)
        banner = WarningBanner(scale if isinstance(scale, theme.WallScale) else None)
        item = column.itemAt(0) if column.count() else None
        first = item.widget() if item is not None else None
        column.insertWidget(1 if isinstance(first, PlaybackBanner) else 0, banner)
        vm = self.vm
        vm.warnings_changed.connect(banner.set_warnings)
        vm.can_issue_changed.connect(banner.set_can_issue)
        vm.message_changed.connect(banner.set_message)
        banner.issue_requested.connect(vm.issue)
        banner.reject_requested.connect(vm.reject)
        banner.end_requested.connect(vm.end)
        banner.set_can_issue(vm.can_issue)
        banner.set_warnings(vm.warnings())
        banner.destroyed.connect(lambda _obj=None, w=window: self.banners.pop(w, None))
        self.banners[window] = banner
        return banner

    def dress_all(self) -> None:
        for source in self.sources:
            for window in source():
                self.dress(window)

    def _on_screens_changed(self, *_args: object) -> None:
        self._redress.start()

    def close(self) -> None:
        self._redress.stop()
        self.vm.close()

    @classmethod
    def attach(cls, console: Any) -> ForecastWall:
        """Build the view-model on the console's session, put the forecast panel on the situation view
        and a banner on every window, and feed the view-model from the hub once there is one (the replay's
        hub while replaying)."""
        session = console.session
        vm = ForecastViewModel(session)
        wall = cls(vm)
        wall.sources = [
            lambda: list(console.windows.windows) if console.windows is not None else [],
            lambda: list(getattr(console.briefing_view, "screens", [])),
            lambda: [console.desk.window] if console.desk.window is not None else [],
        ]
        console.desk.window_created.append(wall.dress)
        console.briefing.active_changed.connect(lambda _active: wall.dress_all())
        console.views["situation"].set_forecast(vm)
        wall.dress_all()

        def on_link(_status: LinkStatus) -> None:
            api = session.api
            if api is not None and vm.fetch_forecast is None:
                vm.fetch_forecast, vm.send_command = api.forecast, api.warning_command

        session.link_changed.subscribe(on_link)
        playback = console.playback_vm

        def on_replay_state(state: Any) -> None:
            if vm.fetch_forecast is None and console.playback is not None:
                api = getattr(console.playback.source, "api", None)  # a hub's history (not an episode file)
                if api is not None:
                    vm.fetch_forecast = api.forecast
            vm.set_replay(state.at if playback.active else None)

        playback.state_changed.connect(on_replay_state)
        playback.active_changed.connect(lambda active: None if active else vm.set_replay(None))
        return wall
