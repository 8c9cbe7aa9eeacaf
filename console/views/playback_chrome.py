"""A window's replay dress: the PLAYBACK banner across its top, the magenta frame around it, the replay
bar along its bottom (on the windows that carry one) and the replay keys, all bound to the replay's
view-model and shown only while replaying."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QBoxLayout, QWidget

from console.viewmodels.playback import PlaybackViewModel
from console.widgets import theme
from console.widgets.playback_banner import PlaybackBanner, PlaybackFrame
from console.widgets.playback_bar import PlaybackBar, PlaybackKeys


class PlaybackChrome(QObject):
    """Puts the banner first and the bar last in ``layout`` (a window's top-to-bottom layout), the frame
    over ``window``'s edges and the keys on it. ``escape``: Esc goes back to live (False when the window's
    Esc does something else first and calls ``vm.go_live`` itself)."""

    def __init__(
        self,
        vm: PlaybackViewModel,
        window: QWidget,
        layout: QBoxLayout,
        *,
        scale: theme.WallScale | None = None,
        bar: bool = True,
        escape: bool = True,
    ) -> None:
        super().__init__(window)
        self.vm = vm
        self.window = window
        self.banner = PlaybackBanner(scale)
        self.frame = PlaybackFrame(window)
        self.bar: PlaybackBar | None = PlaybackBar(scale) if bar else None
        self.wants_bar = bar
        self.keys = PlaybackKeys(window, escape=escape)
        self._margins = layout.contentsMargins()
        self._layout = layout
        layout.insertWidget(0, self.banner)
        if self.bar is not None:
            layout.addWidget(self.bar)
            self._bind_bar(self.bar)
        self.keys.toggle_requested.connect(vm.toggle)
        self.keys.step_requested.connect(vm.step)
        self.keys.jump_requested.connect(vm.jump)
        self.keys.edge_requested.connect(vm.seek_edge)
        self.keys.speed_step_requested.connect(vm.change_speed)
        self.keys.live_requested.connect(vm.go_live)
        vm.active_changed.connect(self._on_active)
        vm.state_changed.connect(self._on_state)
        vm.timeline_changed.connect(self._on_timeline)
        vm.message_changed.connect(self._on_message)
        self._on_active(vm.active)
        if vm.state() is not None:
            self._on_state(vm.state())
        if vm.timeline() is not None:
            self._on_timeline(vm.timeline())

    def _bind_bar(self, bar: PlaybackBar) -> None:
        vm = self.vm
        bar.toggle_requested.connect(vm.toggle)
        bar.speed_requested.connect(vm.set_speed)
        bar.step_requested.connect(vm.step)
        bar.jump_requested.connect(vm.jump)
        bar.seek_requested.connect(vm.seek)
        bar.live_requested.connect(vm.go_live)

    def set_bar_shown(self, shown: bool) -> None:
        """Whether this window carries the bar (the one with the situation view does)."""
        self.wants_bar = shown
        if self.bar is not None:
            self.bar.setVisible(shown and self.vm.active)

    def _on_active(self, active: bool) -> None:
        self.banner.setVisible(active)
        self.frame.set_shown(active)
        self.keys.set_enabled(active)
        if self.bar is not None:
            self.bar.setVisible(active and self.wants_bar)
        if active:  # the content stays inside the frame
            edge = self.frame.width_px
            self._layout.setContentsMargins(edge, edge, edge, edge)
        else:
            self._layout.setContentsMargins(self._margins)

    def _on_state(self, s: Any) -> None:  # a PlaybackState
        self.banner.set_state(s.at, s.speed, s.playing, s.loading)
        if self.bar is not None:
            self.bar.set_state(s.at, s.start, s.end, s.speed, s.playing, s.step_s, s.loading)

    def _on_timeline(self, t: Any) -> None:  # a Timeline
        if self.bar is not None:
            self.bar.set_timeline(t.coverage, t.episodes, t.incidents)

    def _on_message(self, text: str) -> None:
        if self.bar is not None:
            self.bar.show_message(text, error=bool(text))

    def shown(self) -> bool:
        """Whether the window is dressed for a replay (banner and frame visible)."""
        return self.banner.isVisibleTo(self.window) and self.frame.isVisibleTo(self.window)
