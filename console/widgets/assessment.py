"""考核: how the closed loop went per township or per person — handled, on time, handling time, returns;
exported as CSV where the operator chooses."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.widgets import theme

COLUMNS = ("name", "handled", "on_time_rate", "mean_handling_h", "returns", "escalations")


def _figure(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key == "on_time_rate":
        return f"{float(value) * 100:.0f} %"
    if key == "mean_handling_h":
        return f"{float(value):.1f} h"
    return str(value)


class _FigureItem(QTableWidgetItem):
    """A cell that sorts by its number (no figure sorts last), not by its text."""

    def __lt__(self, other: QTableWidgetItem) -> bool:
        mine, theirs = self.data(Qt.ItemDataRole.UserRole), other.data(Qt.ItemDataRole.UserRole)
        if mine is None or theirs is None:
            return theirs is None and mine is not None
        return float(mine) < float(theirs)


class AssessmentView(QWidget):
    """A table of assessment rows; dumb: rows in, requests out.

    Signals:
        refresh_requested(str): fetch the rows again, "township" or "person".
        export_requested(str, str): write the CSV of "township"/"person" to this path.
    """

    refresh_requested = Signal(str)
    export_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.by = QComboBox()
        self.by.addItem(self.tr("By township"), "township")
        self.by.addItem(self.tr("By person"), "person")
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.export_button = QPushButton(self.tr("Export CSV …"))
        self.note = theme.label(
            self.tr("Incidents closed in the last 30 days after a passing assessment"), "small"
        )
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(
            [self.tr("Name"), self.tr("Handled"), self.tr("On-time rate"), self.tr("Mean handling time"),
             self.tr("Returns"), self.tr("Escalations")]
        )  # fmt: skip
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.setShowGrid(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)  # figures stay near the names
        self.table.setStyleSheet(
            f"QTableWidget {{ background: {theme.PANEL}; border: 1px solid {theme.PANEL_EDGE}; }}"
            f" QHeaderView::section {{ background: {theme.PANEL}; color: {theme.TEXT_SECONDARY};"
            " border: none; }"
        )
        bar = QHBoxLayout()
        for widget in (self.by, self.refresh_button, self.export_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        self.by.currentIndexChanged.connect(lambda _n: self.refresh_requested.emit(self.current_by()))
        self.refresh_button.clicked.connect(lambda: self.refresh_requested.emit(self.current_by()))
        self.export_button.clicked.connect(self._choose_file)

    def current_by(self) -> str:
        return self.by.currentData()

    def set_rows(self, by: str, rows: list[dict]) -> None:
        """Rows from the hub (keys as in its CSV); rows for the other grouping are ignored."""
        if by != self.current_by():
            return
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            for column, key in enumerate(COLUMNS):
                value = row.get(key)
                if key == "name":
                    item = QTableWidgetItem(str(value or row.get("key") or "—"))
                else:
                    item = _FigureItem(_figure(key, value))
                    item.setData(Qt.ItemDataRole.UserRole, value)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(n, column, item)
        self.table.setSortingEnabled(True)

    def shown_rows(self) -> list[list[str]]:
        return [
            [item.text() if (item := self.table.item(r, c)) else "" for c in range(len(COLUMNS))]
            for r in range(self.table.rowCount())
        ]

    def _choose_file(self) -> None:
        picker = QFileDialog(self, self.tr("Export assessment"))
        picker.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        picker.setNameFilter(self.tr("CSV files (*.csv)"))
        picker.setDefaultSuffix("csv")
        picker.selectFile(f"assessment-{self.current_by()}.csv")
        picker.fileSelected.connect(lambda path: self.export_to(Path(path)))
        picker.open()

    def export_to(self, path: Path) -> None:
        """Ask for the CSV of the current grouping to be written to ``path``."""
        self.export_requested.emit(self.current_by(), str(path))
