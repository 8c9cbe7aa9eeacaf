"""The heavy-pollution warning banner across the top of every window: a line per open warning with its
level's colour and word, its days and measures; a proposed one outlined, with Issue and Reject for a
leader (and End on an issued one). Hidden when no warning is open."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QCoreApplication, QSize, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from console.widgets import theme

# The warning levels' own colours (yellow, orange, red: the emergency plan's, not the AQI's), each with
# the text colour that reads on it; the level's word is always printed beside the colour.
LEVEL_COLOURS = {
    "yellow": ("#FFD60A", "#0B1220"),
    "orange": ("#FF8C1A", "#0B1220"),
    "red": ("#D21F1F", "#FFFFFF"),
}


def level_word(level: str) -> str:
    words = {
        "yellow": QCoreApplication.translate("Warning", "Yellow warning"),
        "orange": QCoreApplication.translate("Warning", "Orange warning"),
        "red": QCoreApplication.translate("Warning", "Red warning"),
    }
    return words.get(level, level)


def days_text(start: date, end: date) -> str:
    """``12-08 00:00 – 12-10 24:00 · 3 days``: a warning runs from its first day's start to its last's end."""
    days = (end - start).days + 1
    length = (
        QCoreApplication.translate("Warning", "1 day")
        if days == 1
        else QCoreApplication.translate("Warning", "{0} days").format(days)
    )
    return f"{start:%m-%d} 00:00 – {end:%m-%d} 24:00 · {length}"


class WarningLine(QFrame):
    """One warning: level chip, state and days, measures, and the leader's buttons."""

    def __init__(self, ident: int, scale: theme.WallScale, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ident = ident
        self.setObjectName("WarningLine")
        self.chip = theme.label("", "figure")
        self.chip.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.when = theme.ElidedLabel("", "strong")
        self.when.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.measures = theme.ElidedLabel("", "body")
        self.issue = QPushButton(self.tr("Issue"))
        self.reject = QPushButton(self.tr("Reject"))
        self.end = QPushButton(self.tr("End"))
        row = QHBoxLayout(self)
        row.setContentsMargins(scale.gap_px, 0, scale.gap_px, 0)
        row.setSpacing(scale.gap_px * 2)
        row.addWidget(self.chip)
        row.addWidget(self.when)
        row.addWidget(self.measures, 1)  # the measures give way first: elided, whole in the tooltip
        for button in (self.issue, self.reject, self.end):
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
            row.addWidget(button)

    def show_warning(self, level: str, state: str, start: date, end: date, measures: str,
                     can_issue: bool) -> None:  # fmt: skip
        fill, ink = LEVEL_COLOURS.get(level, (theme.AMBER, theme.BACKGROUND))
        proposed = state == "proposed"
        self.chip.setText(("◇ " if proposed else "▲ ") + level_word(level))
        # issued: the level's colour fills the line; proposed: outlined, not yet in force
        self.setStyleSheet(
            f"QFrame#WarningLine {{ background: {theme.PANEL if proposed else fill};"
            f" border: 3px {'dashed' if proposed else 'solid'} {fill}; }}"
            f" QFrame#WarningLine QLabel {{ color: {theme.TEXT if proposed else ink};"
            " background: transparent; }"
            f" QFrame#WarningLine QLabel[role='figure'] {{ color: {fill if proposed else ink}; }}"
        )
        head = self.tr("Proposed") if proposed else self.tr("In force")
        self.when.set_full_text(f"{head} · {days_text(start, end)}")
        self.measures.set_full_text(measures or self.tr("Measures: see the emergency plan"))
        self.measures.setToolTip(theme.plain_tip(measures))
        self.issue.setVisible(proposed and can_issue)
        self.reject.setVisible(proposed and can_issue)
        self.end.setVisible(not proposed and can_issue)


class WarningBanner(QFrame):
    """Every open warning, issued first, one line each; a line for a refused command. Hidden with none.

    Signals:
        issue_requested(int), reject_requested(int), end_requested(int): a leader's step on a warning.
    """

    issue_requested = Signal(int)
    reject_requested = Signal(int)
    end_requested = Signal(int)

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WarningBanner")
        self._scale = scale or theme.current_scale()
        s = self._scale
        self.setStyleSheet(
            f"QFrame#WarningBanner QLabel[role='figure'] {{ font-size: {s.figure_px}px; font-weight: bold; }}"
            f" QFrame#WarningBanner QLabel[role='strong'] {{ font-size: {s.body_px}px; font-weight: bold; }}"
            f" QFrame#WarningBanner QLabel[role='body'] {{ font-size: {s.body_px}px; }}"
            f" QFrame#WarningBanner QPushButton {{ font-size: {s.body_px}px; font-weight: bold;"
            f" color: {theme.BACKGROUND}; background: {theme.TEXT}; border-radius: 4px;"
            f" padding: 2px {s.gap_px}px; }}"
        )
        # as tall as its lines, but it gives way before a window outgrows its screen (a replay's banner
        # and bar arriving at once with the views still at their live sizes)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(2)
        self.message = theme.ElidedLabel("", "strong")
        self.message.setStyleSheet(f"color: {theme.ALERT};")
        self.message.hide()
        self._column.addWidget(self.message)
        self.lines: list[WarningLine] = []
        self._can_issue = False
        self._shown: list = []
        self.hide()

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), 0)

    def set_warnings(self, warnings: list) -> None:
        """WarningViews (console/viewmodels/forecast.py), in the order to show them."""
        self._shown = list(warnings)
        while len(self.lines) > len(self._shown):
            line = self.lines.pop()
            self._column.removeWidget(line)
            line.deleteLater()
        while len(self.lines) < len(self._shown):
            line = WarningLine(0, self._scale, self)
            line.issue.clicked.connect(lambda _c=False, ln=line: self.issue_requested.emit(ln.ident))
            line.reject.clicked.connect(lambda _c=False, ln=line: self.reject_requested.emit(ln.ident))
            line.end.clicked.connect(lambda _c=False, ln=line: self.end_requested.emit(ln.ident))
            self._column.insertWidget(len(self.lines), line)
            self.lines.append(line)
        self._fill()

    def set_can_issue(self, can_issue: bool) -> None:
        self._can_issue = can_issue
        self._fill()

    def set_message(self, text: str) -> None:
        """Why a leader's step was refused ('' hides it)."""
        self.message.set_full_text(text)
        self.message.setVisible(bool(text))
        self.setVisible(bool(self._shown) or bool(text))

    def _fill(self) -> None:
        for line, w in zip(self.lines, self._shown, strict=True):
            line.ident = w.id
            line.show_warning(w.level, w.state, w.start, w.end, w.measures, self._can_issue)
        self.setVisible(bool(self._shown) or self.message.isVisibleTo(self))

    def texts(self) -> list[str]:
        """What each line says (the chip, then the days), for tests and the log."""
        return [f"{ln.chip.text()} · {ln.when.full_text()}" for ln in self.lines]
