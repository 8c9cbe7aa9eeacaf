"""Health of the monitoring network per station kind: online, awaiting first report, offline, fault, alarm."""

from __future__ import annotations

from typing import NamedTuple, cast

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from console.widgets import theme


class HealthRow(NamedTuple):
    """Counts of one kind of station (kind = a StationKind value, or any display name)."""

    kind: str
    total: int
    online: int
    offline: int
    fault: int
    alarm: int
    awaiting: int = 0  # no report since the hub started, not yet overdue: neither online nor offline


def kind_name(kind: str) -> str:
    """Translated display name of a station kind (unknown kinds are shown as given)."""
    names = {
        "air": QCoreApplication.translate("StationKind", "Air"),
        "micro": QCoreApplication.translate("StationKind", "Micro"),
        "scenic": QCoreApplication.translate("StationKind", "Scenic"),
        "water": QCoreApplication.translate("StationKind", "Water"),
        "noise": QCoreApplication.translate("StationKind", "Noise"),
        "fume": QCoreApplication.translate("StationKind", "Fume"),
        "source": QCoreApplication.translate("StationKind", "Sources"),
        "odour": QCoreApplication.translate("StationKind", "Odour"),
    }
    return names.get(kind, kind)


# Column -> (icon shown before a non-zero count, style state of a non-zero count).
_MARKS = {"offline": ("○", "offline"), "fault": ("▲", "stale"), "alarm": ("◆", "alert")}


class NetworkHealth(QWidget):
    """A compact table: kind, online / total, offline (grey ○), fault (amber ▲), alarm (red ◆), online %.

    Text is at the minimum readable size (the table has a line per kind).

    Zero counts stay plain, so only what is wrong draws the eye. Stations awaiting their first report since
    the hub started follow the online count (◌ N, dotted like their markers; a note under the table says
    what ◌ means while there are any) and stay out of the online rate, which counts the stations that could
    have reported; it turns amber with ▼ below `rate_warn`.
    """

    COLUMNS = ("kind", "online", "offline", "fault", "alarm", "rate")

    def __init__(self, parent: QWidget | None = None, *, rate_warn: float = 0.9) -> None:
        super().__init__(parent)
        self._rate_warn = rate_warn
        self._cells: list[list[QLabel]] = []
        outer = QVBoxLayout(self)  # the table sits at the top; spare height stays below it
        outer.setContentsMargins(0, 0, 0, 0)
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(self._grid)
        self._note = QLabel(self.tr("◌ awaiting first report since the hub started"))
        theme.set_role(self._note, "role", "small")
        theme.set_role(self._note, "state", "dim")
        self._note.hide()
        outer.addWidget(self._note)
        outer.addStretch(1)
        gap = theme.current_scale().gap_px
        self._grid.setHorizontalSpacing(gap * 2)
        self._grid.setVerticalSpacing(round(gap * 0.4))
        self._grid.setColumnStretch(0, 1)
        self._grid.setColumnMinimumWidth(0, theme.current_scale().small_px * 4)  # kinds end in …, not vanish
        self._add_header()
        self._shown = 0  # data rows set
        self._more = theme.label("", "small")  # "+ n more" when the height does not hold every kind
        self._more.hide()

    def _add_header(self) -> None:
        titles = (
            self.tr("Network"),
            self.tr("Online"),
            self.tr("Offline"),
            self.tr("Fault"),
            self.tr("Alarm"),
            self.tr("Online %"),
        )
        self._headers: list[QLabel] = []
        for col, title in enumerate(titles):
            label = theme.ElidedLabel(title, "small")  # words end in … before the counts lose room
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)  # whole if room
            label.setAlignment(_align(col) | Qt.AlignmentFlag.AlignBottom)
            self._grid.addWidget(label, 0, col)
            self._headers.append(label)

    def set_rows(self, rows: list[HealthRow]) -> None:
        """Show one line per kind, in the order given."""
        while len(self._cells) < len(rows):
            self._add_row()
        self._shown = len(rows)
        for i, cells in enumerate(self._cells):
            if i < len(rows):
                self._fill(cells, rows[i])
        self._note.setVisible(any(row.awaiting for row in rows))
        self._fit_rows()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_rows()

    def _row_heights(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(line, spacing) as roomy as the table likes, then compact (lines just taller than the text)."""
        scale = theme.current_scale()
        return (round(scale.small_px * 1.3), round(scale.gap_px * 0.4)), (round(scale.small_px * 1.12), 0)

    def needed_height(self) -> int:
        """The least height that shows every kind's line whole (compact lines), with the note if shown."""
        line = self._row_heights()[1][0]
        note = 0 if self._note.isHidden() else self._note.sizeHint().height()
        return line * (self._shown + 1) + note

    def shown_rows(self) -> int:
        """Kinds whose line shows (the rest are summed up in "+ n more")."""
        return sum(1 for cells in self._cells[: self._shown] if not cells[0].isHidden())

    def _fit_rows(self) -> None:
        # Whole lines only: roomy lines, then closer ones, then compact ones; when even those do not hold
        # every kind, the last ones give way to "+ n more".
        room = self.height()
        if not self._note.isHidden():  # the awaiting note under the table takes its line
            room -= self._note.sizeHint().height()
        (roomy, roomy_gap), (compact, _none) = self._row_heights()
        for row, spacing in ((roomy, roomy_gap), (roomy, 0), (compact, 0)):
            if (self._shown + 1) * (row + spacing) <= room:
                break
        for label in (*self._headers, *(label for cells in self._cells for label in cells)):
            label.setFixedHeight(row)
        self._grid.setVerticalSpacing(spacing)
        fits = max(1, room // (row + spacing) - 1)  # lines under the header
        shown = self._shown if fits >= self._shown else fits - 1
        for i, cells in enumerate(self._cells):
            for label in cells:
                label.setVisible(i < shown)
        self._grid.removeWidget(self._more)
        self._more.setVisible(shown < self._shown)
        if shown < self._shown:
            self._more.setText(self.tr("+ {n} more").format(n=self._shown - shown))
            self._grid.addWidget(self._more, shown + 1, 0, 1, len(self.COLUMNS))

    def _add_row(self) -> None:
        row = len(self._cells) + 1
        cells = []
        for col in range(len(self.COLUMNS)):
            label = theme.ElidedLabel() if col == 0 else QLabel()  # long kind names end in …
            label.setAlignment(_align(col) | Qt.AlignmentFlag.AlignVCenter)
            theme.set_role(label, "role", "compact_strong" if col == len(self.COLUMNS) - 1 else "compact")
            theme.tight_height(label, theme.current_scale().small_px)
            self._grid.addWidget(label, row, col)
            cells.append(label)
        self._cells.append(cells)

    def _fill(self, cells: list[QLabel], row: HealthRow) -> None:
        cast(theme.ElidedLabel, cells[0]).set_full_text(kind_name(row.kind))  # see _add_row
        awaiting = f" ◌{row.awaiting}" if row.awaiting else ""
        cells[1].setText(f"{row.online} / {row.total}{awaiting}")
        for col, count in ((2, row.offline), (3, row.fault), (4, row.alarm)):
            icon, state = _MARKS[self.COLUMNS[col]]
            cells[col].setText(f"{icon} {count}" if count else "0")
            theme.set_role(cells[col], "state", state if count else "dim")
        self._fill_rate(cells[5], row)

    def _fill_rate(self, cell: QLabel, row: HealthRow) -> None:
        could_report = row.total - row.awaiting
        if could_report <= 0:
            cell.setText("—")
            theme.set_role(cell, "state", "dim" if row.total else "offline")
            return
        rate = row.online / could_report
        low = rate < self._rate_warn
        cell.setText("{}{:.1f}%".format("▼ " if low else "", rate * 100))
        theme.set_role(cell, "state", "stale" if low else "ok")

    def row_count(self) -> int:
        """Data rows shown (one per station kind with stations)."""
        return len(self._cells)

    def note_text(self) -> str:
        """The note under the table ('' while hidden)."""
        return self._note.text() if not self._note.isHidden() else ""

    def cell_text(self, row: int, column: str) -> str:
        """Text shown in a data row (0-based) and column name (see COLUMNS)."""
        return self._cells[row][self.COLUMNS.index(column)].text()

    def cell_state(self, row: int, column: str) -> str:
        """Style state of a cell: 'offline', 'stale' (amber), 'alert', 'dim' or 'ok'."""
        return str(self._cells[row][self.COLUMNS.index(column)].property("state") or "")


def _align(col: int) -> Qt.AlignmentFlag:
    return Qt.AlignmentFlag.AlignLeft if col == 0 else Qt.AlignmentFlag.AlignRight
