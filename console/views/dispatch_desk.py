"""The dispatch desk's place in the console: its window opened on demand (Ctrl+D, --dispatch), the
responsibility roster and township names it offers."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.playback import PlaybackViewModel
from console.viewmodels.units import UnitViewModel
from console.views.dispatch import DispatchWindow


class DispatchDesk:
    """Creates the coordinator's dispatch window the first time it is asked for and toggles it after."""

    def __init__(
        self,
        incidents: IncidentViewModel,
        playback: PlaybackViewModel | None = None,
        units: UnitViewModel | None = None,
    ) -> None:
        self.incidents = incidents
        self.playback = playback
        self.units = units
        self.window: DispatchWindow | None = None
        self.window_created: list[Callable[[DispatchWindow], None]] = []  # e.g. the reports' shortcuts
        incidents.roster_changed.connect(self._on_roster)

    def add_shortcuts(self, windows: Iterable[QWidget]) -> None:
        """Ctrl+D on every wall window toggles the desk."""
        for window in windows:
            QShortcut(QKeySequence("Ctrl+D"), window).activated.connect(self.toggle)

    def toggle(self) -> None:
        """Open (or close) the dispatch window."""
        if self.window is None:
            self.window = DispatchWindow(self.incidents, playback=self.playback, units=self.units)
            self.window.set_townships(self.incidents.township_names)
            self.window.detail.set_roster(self.incidents.roster)
            for hook in self.window_created:
                hook(self.window)
        window = self.window
        window.setVisible(not window.isVisible())
        if window.isVisible():
            window.raise_()
            window.activateWindow()

    def set_townships(self) -> None:
        """The township names changed (the region came): the desk's filter offers them."""
        if self.window is not None:
            self.window.set_townships(self.incidents.township_names)

    def _on_roster(self, names: list[str]) -> None:
        if self.window is not None:
            self.window.detail.set_roster(names)

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
