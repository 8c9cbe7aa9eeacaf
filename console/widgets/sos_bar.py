"""The SOS button: shown, and sounding, while a unit's SOS waits for acknowledgement on this console."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from console.widgets import theme
from console.widgets.incident_queue import AlarmSound

SOS_TONES = (1175.0, 1568.0)  # higher than the incident alarm: an operator tells the two apart by ear


class SosBar(theme.ElidedButton):
    """One red button naming the units in SOS; clicking it acknowledges them all. Hidden when none.

    Signals:
        acknowledge_requested(): the operator has seen every SOS shown.
    """

    acknowledge_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__()
        if parent is not None:
            self.setParent(parent)
        self.setStyleSheet(
            f"QPushButton {{ color: {theme.ALERT}; border: 2px solid {theme.ALERT}; font-weight: bold; }}"
        )
        self.alarm = AlarmSound(self, tones=SOS_TONES, name="sos")
        self.clicked.connect(self.acknowledge_requested)
        self.names: list[str] = []
        self.hide()

    def set_sos(self, names: list[str]) -> None:
        """Callsigns of the units in SOS (none: hidden and silent)."""
        self.names = sorted(names)
        if names:
            self.set_full_text("◆ " + self.tr("SOS: {0} · acknowledge").format(", ".join(self.names)))
        self.setVisible(bool(names))
        self.alarm.set_active(bool(names))
