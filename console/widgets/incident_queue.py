"""The incident queue: a sortable, filterable table with deadline countdowns, counts by stage, and the
pulse and sound of a new critical incident that stop when someone acknowledges it."""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from console.core.incident_book import STAGES, IncidentFilter, SortKey, sla_of
from console.core.incidents import IncidentState, Severity
from console.widgets import theme
from console.widgets.incident_words import incident_title, severity_mark, severity_word, sla_text, state_word

if TYPE_CHECKING:  # imported when the alarm first sounds: a PC without audio libraries still starts
    from PySide6.QtMultimedia import QSoundEffect

log = logging.getLogger(__name__)
PULSE_MS = 700  # half a period of the pulse of a new critical incident
ALARM_EVERY_MS = 5000  # the alarm sounds again this often while a new critical incident waits
PULSE_COLOUR = "#6B1D1D"  # the bright phase of a pulsing row (dark red under off-white text, 9:1)
_STATE_COLOURS = {"alert": theme.ALERT, "stale": theme.AMBER, "dim": theme.TEXT_SECONDARY, "": theme.TEXT}

# column key -> (header, sort key or None)
COLUMNS: dict[str, tuple[str, SortKey | None]] = {
    "severity": ("Severity", SortKey.SEVERITY),
    "state": ("Stage", SortKey.STATE),
    "title": ("Incident", None),
    "township": ("Township", SortKey.TOWNSHIP),
    "deadline": ("Deadline", SortKey.DEADLINE),
    "assignee": ("Assignee", None),
    "created": ("Raised at", SortKey.CREATED),
    "badge": ("", None),
}
WALL_COLUMNS = ("severity", "state", "title", "township", "deadline", "badge")
DESK_COLUMNS = ("severity", "state", "title", "township", "deadline", "assignee", "created", "badge")


def column_title(key: str) -> str:
    words = {
        "severity": QApplication.translate("IncidentQueue", "Severity"),
        "state": QApplication.translate("IncidentQueue", "Stage"),
        "title": QApplication.translate("IncidentQueue", "Incident"),
        "township": QApplication.translate("IncidentQueue", "Township"),
        "deadline": QApplication.translate("IncidentQueue", "Deadline"),
        "assignee": QApplication.translate("IncidentQueue", "Assignee"),
        "created": QApplication.translate("IncidentQueue", "Raised at"),
        "badge": "",
    }
    return words[key]


class IncidentTableModel(QAbstractTableModel):
    """Rows (IncidentRow) as table cells; the countdown column is recomputed from ``now`` when painted."""

    def __init__(self, columns: tuple[str, ...], now: Callable[[], float], parent: QObject | None = None):
        super().__init__(parent)
        self.columns = columns
        self._now = now
        self.rows: list[Any] = []
        self.pulse_on = False
        self._cells: dict[tuple[int, str], tuple[str, str]] = {}  # computed once per row set (and per tick)
        self._brushes: dict[str, QBrush] = {}

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._cells.clear()
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return column_title(self.columns[section])
        return None

    def cell(self, row: int, key: str) -> tuple[str, str]:
        """(text, style state) of one cell."""
        cached = self._cells.get((row, key))
        if cached is None:
            cached = self._cells[(row, key)] = self._cell(row, key)
        return cached

    def _brush(self, colour: str) -> QBrush:
        brush = self._brushes.get(colour)
        if brush is None:
            brush = self._brushes[colour] = QBrush(QColor(colour))
        return brush

    def _cell(self, row: int, key: str) -> tuple[str, str]:
        item = self.rows[row]
        incident = item.incident
        if key == "severity":
            shape, state = severity_mark(incident.severity)
            return f"{shape} {severity_word(incident.severity)}", state
        if key == "state":
            return state_word(incident.state), ""
        if key == "title":
            title = incident_title(incident.title, incident.rule, incident.why)
            return (f"{item.station} · {title}" if item.station else title), ""
        if key == "township":
            return item.township, ""
        if key == "deadline":
            return sla_text(sla_of(incident, self._now()))
        if key == "assignee":
            return incident.assignee or "—", "" if incident.assignee else "dim"
        if key == "created":
            return theme.local_time(incident.created).strftime("%m-%d %H:%M"), "dim"
        if key == "badge":
            if item.problem:
                return "✖ " + QApplication.translate("IncidentQueue", "refused"), "alert"
            if item.pending:
                return "⟳ " + QApplication.translate("IncidentQueue", "pending"), "stale"
            if item.pulsing:
                return "◆ " + QApplication.translate("IncidentQueue", "NEW"), "alert"
        return "", ""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = self.columns[index.column()]
        item = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(index.row(), key)[0]
        if role == Qt.ItemDataRole.ForegroundRole:
            if item.pulsing and self.pulse_on:  # off-white on the dark red phase (9:1), never red on red
                return self._brush(theme.TEXT)
            return self._brush(_STATE_COLOURS[self.cell(index.row(), key)[1]])
        if role == Qt.ItemDataRole.BackgroundRole and item.pulsing and self.pulse_on:
            return self._brush(PULSE_COLOUR)
        if role == Qt.ItemDataRole.FontRole and (
            key == "severity" and item.incident.severity >= Severity.HIGH
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return theme.plain_tip(self.cell(index.row(), "title")[0]) if key == "title" else None
        if role == Qt.ItemDataRole.UserRole:
            return item.incident.id
        return None

    def refresh_column(self, key: str) -> None:
        if key in self.columns and self.rows:
            for row in range(len(self.rows)):
                self._cells.pop((row, key), None)
            column = self.columns.index(key)
            self.dataChanged.emit(self.index(0, column), self.index(len(self.rows) - 1, column))

    def refresh_pulsing(self) -> None:
        for n, item in enumerate(self.rows):
            if item.pulsing:
                self._cells.pop((n, "badge"), None)
                self.dataChanged.emit(self.index(n, 0), self.index(n, len(self.columns) - 1))


def alarm_wav(path: Path, tones: tuple[float, float] = (880.0, 660.0)) -> Path:
    """Write a short two-tone alarm (880 / 660 Hz, 0.6 s, 16-bit mono) as a WAV file; returns its path."""
    rate = 22050
    frames = bytearray()
    for n in range(int(rate * 0.6)):
        tone = tones[0] if (n // int(rate * 0.15)) % 2 == 0 else tones[1]
        fade = min(1.0, n / 200, (int(rate * 0.6) - n) / 200)
        frames += struct.pack("<h", int(12000 * fade * math.sin(2 * math.pi * tone * n / rate)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


class AlarmSound(QObject):
    """Sounds while a new critical incident waits for acknowledgement: a generated two-tone WAV through
    QtMultimedia where the machine has an audio stack, else the system beep.

    Signals:
        sounded(): the alarm sounded once.
    """

    sounded = Signal()

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        tones: tuple[float, float] = (880.0, 660.0),
        name: str = "alarm",
    ) -> None:
        super().__init__(parent)
        self.count = 0
        self.muted = False
        self.tones, self.name = tones, name  # another alarm (a unit's SOS) sounds different
        self._timer = QTimer(self, interval=ALARM_EVERY_MS)
        self._timer.timeout.connect(self._sound)
        # made on first use when QtMultimedia loads; False when it cannot
        self._effect: QSoundEffect | Literal[False] | None = None

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def set_active(self, active: bool) -> None:
        if active and not self._timer.isActive():
            self._timer.start()
            self._sound()
        elif not active:
            self._timer.stop()

    def _sound(self) -> None:
        if self.muted:
            return
        effect = self._sound_effect()
        if effect is not None:
            effect.play()
        else:
            QApplication.beep()
        self.count += 1
        self.sounded.emit()

    def _sound_effect(self) -> QSoundEffect | None:
        if self._effect is None:
            try:  # QtMultimedia needs the system's audio libraries; a wall PC without them still beeps
                from PySide6.QtMultimedia import QSoundEffect
            except ImportError as exc:
                log.info("alarm sound: no QtMultimedia (%s); using the system beep", exc)
                self._effect = False
                return None
            wav = alarm_wav(Path(tempfile.gettempdir()) / f"ecoconsole-{self.name}.wav", self.tones)
            effect = self._effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(wav)))
        return self._effect or None


class StageCounts(QWidget):
    """How many incidents are in each stage of the loop, and how many are overdue (red only when > 0).

    Signals:
        stage_requested(str): the operator clicked a stage ('overdue' for the overdue count).
    """

    stage_requested = Signal(str)

    def __init__(self, scale: theme.WallScale | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        scale = scale or theme.current_scale()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(scale.gap_px)
        self.tiles: dict[str, theme.ElidedButton] = {}
        for key in [*(s.value for s in STAGES), "overdue"]:
            tile = theme.ElidedButton()  # a stage's word ends in … before its count loses room
            tile.setFlat(True)
            tile.setFont(theme.font_px(scale.body_px, bold=True))
            tile.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            tile.setMinimumHeight(round(scale.body_px * 1.6))
            tile.clicked.connect(lambda _=False, k=key: self.stage_requested.emit(k))
            layout.addWidget(tile, 1)
            self.tiles[key] = tile
        self.set_counts({})

    def set_counts(self, counts: dict) -> None:
        """{IncidentState: n, 'overdue': n}."""
        for key, tile in self.tiles.items():
            n = counts.get(IncidentState(key) if key != "overdue" else key, 0)
            word = QApplication.translate("IncidentQueue", "Overdue") if key == "overdue" else state_word(key)
            tile.set_full_text(word, f" {n}")
            alert = key == "overdue" and n > 0
            colour = theme.ALERT if alert else (theme.TEXT if n else theme.TEXT_SECONDARY)
            edge = theme.ALERT if alert else theme.PANEL_EDGE
            tile.setStyleSheet(
                f"QPushButton {{ color: {colour}; border: 2px solid {edge}; border-radius: 4px;"
                " padding: 2px 6px; }"
            )

    def texts(self) -> dict[str, str]:
        return {key: tile.full_text() for key, tile in self.tiles.items()}


class IncidentQueue(QWidget):
    """The queue: filters (desk only), a table sorted by urgency unless a header is clicked.

    Signals:
        incident_selected(str): the operator picked an incident.
        filter_changed(object): an IncidentFilter.
        sort_requested(str, bool): a SortKey value and whether descending.
    """

    incident_selected = Signal(str)
    filter_changed = Signal(object)
    sort_requested = Signal(str, bool)

    def __init__(
        self,
        *,
        wall: bool = True,
        scale: theme.WallScale | None = None,
        now: Callable[[], float] = time.time,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.scale = scale or theme.current_scale()
        self.wall = wall
        self.model = IncidentTableModel(WALL_COLUMNS if wall else DESK_COLUMNS, now, self)
        self.table = self._build_table()
        self._sorted_by: tuple[SortKey, bool] = (SortKey.URGENCY, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(self.scale.gap_px)
        self.filters = None if wall else self._build_filters()
        if self.filters is not None:
            layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        self._pulse = QTimer(self, interval=PULSE_MS)
        self._pulse.timeout.connect(self._on_pulse)
        self._countdown = QTimer(self, interval=1000)
        self._countdown.timeout.connect(lambda: self.model.refresh_column("deadline"))
        self._countdown.start()

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus if self.wall else Qt.FocusPolicy.StrongFocus)
        table.verticalHeader().hide()
        row_px = round(self.scale.body_px * (1.35 if self.wall else 1.9))
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setMinimumSectionSize(row_px)  # else the (hidden) header's font decides
        table.verticalHeader().setDefaultSectionSize(row_px)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for words in ("title", "township", "assignee"):  # names share the room and end in …: never a scroll
            if words in self.model.columns:
                header.setSectionResizeMode(self.model.columns.index(words), QHeaderView.ResizeMode.Stretch)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.sectionClicked.connect(self._on_header_clicked)
        header.setVisible(not self.wall)  # on the wall every cell says what it is (shape + word): rows win
        font = theme.font_px(self.scale.body_px)
        table.setFont(font)
        header.setFont(theme.font_px(self.scale.small_px, bold=True))
        gap = self.scale.gap_px
        # no ::item rules: they would paint over the model's background (the pulse of a new critical row)
        table.setAlternatingRowColors(True)
        table.setStyleSheet(
            f"QTableView {{ background: {theme.PANEL}; alternate-background-color: #16223A; border: none;"
            f" selection-background-color: #12394a; selection-color: {theme.TEXT}; }}"
            f" QHeaderView::section {{ background: {theme.PANEL}; color: {theme.TEXT_SECONDARY};"
            f" border: none; border-bottom: 1px solid {theme.PANEL_EDGE}; padding: 0 {gap}px; }}"
        )
        table.clicked.connect(self._on_row_clicked)
        table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        return table

    def _build_filters(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.state_filter = QComboBox()
        self.state_filter.addItem(self.tr("Open stages"), "open")
        self.state_filter.addItem(self.tr("All stages"), "")
        for state in STAGES:
            self.state_filter.addItem(state_word(state), state.value)
        self.severity_filter = QComboBox()
        self.severity_filter.addItem(self.tr("All severities"), 0)
        for severity in sorted(Severity, reverse=True):
            self.severity_filter.addItem(severity_word(severity), int(severity))
        self.township_filter = QComboBox()
        # as wide as a short name: long township names do not widen the desk
        self.township_filter.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.township_filter.setMinimumContentsLength(12)
        self.township_filter.addItem(self.tr("All townships"), "")
        self.overdue_filter = QCheckBox(self.tr("Overdue only"))
        for widget in (self.state_filter, self.severity_filter, self.township_filter):
            widget.currentIndexChanged.connect(self._emit_filter)
            row.addWidget(widget)
        self.overdue_filter.toggled.connect(self._emit_filter)
        row.addWidget(self.overdue_filter)
        row.addStretch(1)
        return box

    # --- setters -----------------------------------------------------------------------------------------

    def set_rows(self, rows: list) -> None:
        """Show IncidentRow items in the order given; the selection stays on the same incident."""
        selected = self.selected_id()
        self.model.set_rows(rows)
        if selected:
            self.select(selected)
        pulsing = any(r.pulsing for r in rows)
        if pulsing and not self._pulse.isActive():
            self._pulse.start()
        elif not pulsing and self._pulse.isActive():
            self._pulse.stop()
            self.model.pulse_on = False

    def set_townships(self, townships: dict[str, str]) -> None:
        """Township codes -> names for the filter (desk only)."""
        if self.filters is None:
            return
        combo = self.township_filter
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("All townships"), "")
        for code, name in sorted(townships.items(), key=lambda kv: kv[1]):
            combo.addItem(name, code)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        combo.blockSignals(False)

    def select(self, incident_id: str) -> None:
        """Highlight an incident's row (no signal)."""
        for n, row in enumerate(self.model.rows):
            if row.incident.id == incident_id:
                self.table.selectRow(n)
                self.table.scrollTo(self.model.index(n, 0))
                return
        self.table.clearSelection()

    # --- questions (tests, snapshots) -------------------------------------------------------------------

    def selected_id(self) -> str:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].incident.id if rows else ""

    def shown_ids(self) -> list[str]:
        return [r.incident.id for r in self.model.rows]

    def is_pulsing(self) -> bool:
        return self._pulse.isActive()

    def row_texts(self, n: int) -> dict[str, str]:
        return {key: self.model.cell(n, key)[0] for key in self.model.columns}

    # --- internals ---------------------------------------------------------------------------------------

    def resizeEvent(self, event) -> None:
        """On the wall, rows share the height exactly: whole rows only, never half a row at the bottom."""
        super().resizeEvent(event)
        if self.wall:
            base = round(self.scale.body_px * 1.35)
            room = self.height() - 2 * self.table.frameWidth()  # the table fills the queue on the wall
            rows = max(1, room // base)
            size = max(base, room // rows)
            header = self.table.verticalHeader()
            header.setMinimumSectionSize(base)
            header.setDefaultSectionSize(size)

    def _on_pulse(self) -> None:
        self.model.pulse_on = not self.model.pulse_on
        self.model.refresh_pulsing()

    def _on_row_clicked(self, index: QModelIndex) -> None:
        self.incident_selected.emit(self.model.rows[index.row()].incident.id)

    def _on_header_clicked(self, section: int) -> None:
        sort = COLUMNS[self.model.columns[section]][1]
        header = self.table.horizontalHeader()
        if sort is None:  # back to urgency
            self._sorted_by = (SortKey.URGENCY, False)
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        else:
            descending = self._sorted_by == (sort, False)
            self._sorted_by = (sort, descending)
            order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(section, order)
        self.sort_requested.emit(self._sorted_by[0].value, self._sorted_by[1])

    def current_filter(self) -> IncidentFilter:
        if self.filters is None:
            return IncidentFilter()
        state = self.state_filter.currentData()
        severity = self.severity_filter.currentData()
        return IncidentFilter(
            states=frozenset({IncidentState(state)}) if state not in ("", "open") else frozenset(),
            severities=frozenset({Severity(severity)}) if severity else frozenset(),
            township=self.township_filter.currentData() or "",
            overdue_only=self.overdue_filter.isChecked(),
            open_only=state == "open",
        )

    def _emit_filter(self) -> None:
        self.filter_changed.emit(self.current_filter())
