"""The small dialog that asks which report to write: kind, period, format and file. It checks its fields and
emits a request; writing is the view-model's."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

KINDS = ("daily", "weekly", "monthly", "annual", "episode")
FORMATS = ("pdf", "xlsx", "csv")


def default_period(kind: str, today: date) -> str:
    """The last finished period of a kind: yesterday, last week, last month, last year, the last 7 days."""
    yesterday = today - timedelta(days=1)
    if kind == "daily":
        return yesterday.isoformat()
    if kind == "weekly":
        year, week, _ = (today - timedelta(days=7)).isocalendar()
        return f"{year:04d}-W{week:02d}"
    if kind == "monthly":
        last = today.replace(day=1) - timedelta(days=1)
        return f"{last.year:04d}-{last.month:02d}"
    if kind == "annual":
        return str(today.year - 1)
    return f"{yesterday - timedelta(days=6)}/{yesterday}"


class ReportExportDialog(QDialog):
    """Kind, period, format and file of a report.

    Signals:
        write_requested(str, str, str, str): kind, period, format, file path.
    """

    write_requested = Signal(str, str, str, str)

    def __init__(self, folder: Path, today: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Write a report"))
        self._folder, self._today = folder, today
        self.kind = QComboBox()
        for kind in KINDS:
            self.kind.addItem(self._kind_word(kind), kind)
        self.period = QLineEdit()
        self.format = QComboBox()
        for fmt in FORMATS:
            self.format.addItem(fmt.upper(), fmt)
        self.path = QLineEdit()
        browse = QPushButton(self.tr("Choose…"))
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path, 1)
        file_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("Period"), self.period)
        form.addRow(self.tr("Format"), self.format)
        form.addRow(self.tr("File"), file_row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.write_button = self.buttons.addButton(self.tr("Write"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.format.currentIndexChanged.connect(lambda _i: self._suggest_path())
        self.period.textEdited.connect(lambda _t: self._suggest_path())
        self.kind.setCurrentIndex(KINDS.index("monthly"))
        self._kind_changed()

    def _kind_word(self, kind: str) -> str:
        words = {
            "daily": self.tr("Daily"), "weekly": self.tr("Weekly"), "monthly": self.tr("Monthly"),
            "annual": self.tr("Annual"), "episode": self.tr("Pollution episode"),
        }  # fmt: skip
        return words[kind]

    def _kind_changed(self, _index: int = 0) -> None:
        kind = self.kind.currentData()
        self.period.setText(default_period(kind, self._today))
        hints = {
            "daily": "2015-12-01", "weekly": "2015-W49", "monthly": "2015-12", "annual": "2015",
            "episode": "2015-11-26/2015-12-03",
        }  # fmt: skip
        self.period.setPlaceholderText(hints[kind])
        self._suggest_path()

    def _suggest_path(self) -> None:
        kind, fmt = self.kind.currentData(), self.format.currentData()
        suffix = "zip" if fmt == "csv" else fmt
        name = f"report-{kind}-{self.period.text().strip().replace('/', '_') or 'period'}.{suffix}"
        self.path.setText(str(self._folder / name))

    def _browse(self) -> None:
        chosen, _filter = QFileDialog.getSaveFileName(self, self.tr("Write the report to"), self.path.text())
        if chosen:
            self.path.setText(chosen)

    def _submit(self) -> None:
        period, path = self.period.text().strip(), self.path.text().strip()
        if not period or not path:
            self.set_status(self.tr("Give a period and a file."))
            return
        self.write_requested.emit(self.kind.currentData(), period, self.format.currentData(), path)

    def set_busy(self, busy: bool) -> None:
        """While a report is written the dialog waits (its fields stay, the button is off)."""
        self.write_button.setEnabled(not busy)
        if busy:
            self.set_status(self.tr("Writing the report…"))

    def set_status(self, text: str) -> None:
        self.status.setText(text)
