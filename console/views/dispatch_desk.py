"""The dispatch desk's place in the console: its window opened on demand (Ctrl+D, --dispatch), the
responsibility roster and township names it offers."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from console.core.hubapi import HubApi, HubApiError
from console.viewmodels.incidents import IncidentViewModel
from console.views.dispatch import DispatchWindow

log = logging.getLogger(__name__)


class DispatchDesk:
    """Creates the coordinator's dispatch window the first time it is asked for and toggles it after."""

    def __init__(self, incidents: IncidentViewModel) -> None:
        self.incidents = incidents
        self.window: DispatchWindow | None = None
        self.roster: list[str] = []

    def add_shortcuts(self, windows: Iterable[QWidget]) -> None:
        """Ctrl+D on every wall window toggles the desk."""
        for window in windows:
            QShortcut(QKeySequence("Ctrl+D"), window).activated.connect(self.toggle)

    def toggle(self) -> None:
        """Open (or close) the dispatch window."""
        if self.window is None:
            self.window = DispatchWindow(self.incidents)
            self.window.set_townships(self.incidents.township_names)
            self.window.detail.set_roster(self.roster)
        window = self.window
        window.setVisible(not window.isVisible())
        if window.isVisible():
            window.raise_()
            window.activateWindow()

    def set_townships(self) -> None:
        """The township names changed (the region came): the desk's filter offers them."""
        if self.window is not None:
            self.window.set_townships(self.incidents.township_names)

    async def load_roster(self, api: HubApi) -> None:
        """The people an incident can be assigned to, from the hub's responsibility roster."""
        try:
            people = await api.roster()
        except HubApiError as exc:
            log.warning("responsibility roster not available: %s", exc)
            return
        self.roster = [p["name"] for p in people if p.get("name")]
        if self.window is not None:
            self.window.detail.set_roster(self.roster)

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
