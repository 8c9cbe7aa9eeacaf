"""The latest events (station offline, exceedance, incident escalated) as a static list, newest first."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QSize, Signal
from PySide6.QtGui import QMouseEvent, QResizeEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from console.core.event_log import SEVERITIES, EventRow
from console.widgets import theme


def severity_mark(severity: str) -> tuple[str, str, str]:
    """(shape, translated word, style state) of a severity: colour is never the only cue."""
    marks = {
        "info": ("○", QCoreApplication.translate("EventList", "Info"), "dim"),
        "warning": ("▲", QCoreApplication.translate("EventList", "Warning"), "stale"),
        "critical": ("◆", QCoreApplication.translate("EventList", "Critical"), "alert"),
    }
    if severity not in marks:
        raise ValueError(f"unknown severity {severity!r}; expected one of {', '.join(SEVERITIES)}")
    return marks[severity]


class _EventLine(QFrame):
    """One line of the list: local time, severity shape and word, and the text (elided, full in tooltip)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("EventLine")
        self.setStyleSheet(f"QFrame#EventLine {{ border-bottom: 1px solid {theme.PANEL_EDGE}; }}")
        self.time, self.mark, self.text = theme.label("", "secondary"), theme.label(""), theme.ElidedLabel()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(theme.current_scale().gap_px * 2)
        layout.addWidget(self.time)
        layout.addWidget(self.mark)
        layout.addWidget(self.text, 1)
        self.setFixedHeight(round(theme.current_scale().body_px * 1.6))


class EventList(QWidget):
    """The newest events, newest first, one line each; as many as fit (at most `max_rows`), never
    scrolling by itself. A line shows the local time (with the date when not today), a shape and a word
    for the severity, and the text.

    Signals:
        event_requested(object): the user clicked an event's line (the EventRow).
    """

    event_requested = Signal(object)

    def __init__(
        self, parent: QWidget | None = None, *, max_rows: int = 12, now: Callable[[], float] = time.time
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._rows: list[EventRow] = []
        self._lines = [_EventLine() for _ in range(max_rows)]
        self._empty = theme.label(self.tr("No events"), "secondary")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._empty)
        for line in self._lines:
            layout.addWidget(line)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, self._lines[0].height() if self._lines else 0)

    def set_events(self, rows: list[EventRow]) -> None:
        """Show the newest events, newest first (as many as fit)."""
        self._rows = sorted(rows, key=lambda r: r.ts, reverse=True)[: len(self._lines)]
        self._empty.setVisible(not self._rows)
        for row, line in zip(self._rows, self._lines, strict=False):
            self._fill(row, line)
        self._fit()

    def _fill(self, row: EventRow, line: _EventLine) -> None:
        shape, word, state = severity_mark(row.severity)
        local, today = theme.local_time(row.ts), theme.local_time(self._now()).date()
        line.time.setText(local.strftime("%H:%M" if local.date() == today else "%m-%d %H:%M"))
        line.mark.setText(f"{shape} {word}")
        theme.set_role(line.mark, "state", state)
        line.text.set_full_text(row.text)

    def _fit(self) -> None:
        # Whole lines only: the lines that do not fit the height are hidden, oldest first.
        height = self._lines[0].height() if self._lines else 1
        fits = max(1, self.height() // height)
        for i, line in enumerate(self._lines):
            line.setVisible(i < min(len(self._rows), fits))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def shown_rows(self) -> list[tuple[str, str, str]]:
        """(time, severity mark, full text) of each line on display, top first."""
        lines = [line for line in self._lines[: len(self._rows)] if not line.isHidden()]
        return [(line.time.text(), line.mark.text(), line.text.full_text()) for line in lines]

    def mousePressEvent(self, event: QMouseEvent) -> None:
        child = self.childAt(event.position().toPoint())
        while child is not None and not isinstance(child, _EventLine):
            child = child.parentWidget()
        if child is not None and child in self._lines:
            self.event_requested.emit(self._rows[self._lines.index(child)])
