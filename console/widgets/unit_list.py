"""The coordinator's units: the tracking list grouped by duty with the age of each last fix, and the nearest
available units of the chosen incident with an Assign button each. Dumb: rows in, requests out."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.widgets import theme
from console.widgets.unit_words import distance_text, duration_text, kind_word, look_word, status_word

STATUSES = ("available", "en_route", "on_scene", "off_duty")
KINDS = ("inspector", "grid_member", "monitoring_van", "sprinkler", "enforcement", "drone", "instrument")
LIST_COLUMNS = 5  # callsign, kind, team, incident, last fix


def fix_text(look: str, age_s: float | None, sos: bool = False) -> tuple[str, str]:
    """The "last fix" cell: words and a state ("alert", "stale", "offline" or "")."""
    if age_s is None:
        return look_word("never"), "offline"
    age = duration_text(age_s)
    if sos:
        return f"SOS · {age}", "alert"
    if look in ("stale", "lost"):
        return f"{look_word(look)} · {age}", "stale" if look == "stale" else "offline"
    return age, ""


def _detach(item: QTreeWidgetItem) -> None:
    parent = item.parent()
    if parent is not None:
        parent.removeChild(item)


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""


def dark_view_style() -> str:
    """Tables and trees on the desk's navy: no white boxes, quiet headers."""
    return (
        f"QTableWidget, QTreeWidget {{ background: {theme.PANEL}; alternate-background-color: #16223A;"
        f" color: {theme.TEXT}; border: 1px solid {theme.PANEL_EDGE}; gridline-color: {theme.PANEL_EDGE}; }}"
        f" QHeaderView::section {{ background: {theme.PANEL}; color: {theme.TEXT_SECONDARY}; border: none;"
        f" border-bottom: 1px solid {theme.PANEL_EDGE}; }}"
        f" QTreeWidget::item:selected {{ background: #12394a; }}"
    )


_STATE_COLOURS = {"alert": theme.ALERT, "stale": theme.AMBER, "offline": theme.OFFLINE, "": theme.TEXT}


class UnitList(QWidget):
    """Units by duty (available, en route, on scene, off duty), each with kind, team, incident and the age of
    its last fix; filters by kind and team.

    Signals:
        filter_changed(str, str): kind and team chosen ('' for any).
        unit_selected(str): the operator picked a unit.
    """

    filter_changed = Signal(str, str)
    unit_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("All kinds"), "")
        for kind in KINDS:
            self.kind.addItem(kind_word(kind), kind)
        self.team = QComboBox()
        self.team.addItem(self.tr("All teams"), "")
        for combo in (self.kind, self.team):
            combo.currentIndexChanged.connect(self._on_filter)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(LIST_COLUMNS)
        self.tree.setHeaderLabels(
            [self.tr("Callsign"), self.tr("Kind"), self.tr("Team"), self.tr("Incident"), self.tr("Last fix")]
        )
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemClicked.connect(self._on_clicked)
        self.tree.setStyleSheet(dark_view_style())
        self.groups: dict[str, QTreeWidgetItem] = {}
        for status in STATUSES:
            group = QTreeWidgetItem(self.tree)
            group.setFirstColumnSpanned(True)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = QFont(group.font(0))
            font.setBold(True)
            group.setFont(0, font)
            group.setExpanded(True)
            self.groups[status] = group
        self.items: dict[str, QTreeWidgetItem] = {}
        top = QHBoxLayout()
        top.addWidget(self.kind)
        top.addWidget(self.team)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree, 1)
        self.set_rows([])

    def set_teams(self, teams: list[str]) -> None:
        current = self.team.currentData()
        self.team.blockSignals(True)
        self.team.clear()
        self.team.addItem(self.tr("All teams"), "")
        for team in teams:
            self.team.addItem(team, team)
        self.team.setCurrentIndex(max(0, self.team.findData(current)))
        self.team.blockSignals(False)

    def set_rows(self, rows: list) -> None:
        """UnitRow-like objects (id, name, kind, team, status, incident, look, age_s, sos, pending); items
        are updated in place and move between groups only when their duty changes."""
        seen = set()
        for row in rows:
            seen.add(row.id)
            status = row.status if row.status in self.groups else "available"
            item = self.items.get(row.id)
            if item is None or item.parent() is not self.groups[status]:
                if item is not None:
                    _detach(item)
                item = self.items[row.id] = QTreeWidgetItem(self.groups[status])
                item.setData(0, Qt.ItemDataRole.UserRole, row.id)
            self._fill(item, row)
        for gone in set(self.items) - seen:
            _detach(self.items.pop(gone))
        for status, group in self.groups.items():
            group.setText(0, f"{status_word(status)} ({group.childCount()})")
            group.sortChildren(0, Qt.SortOrder.AscendingOrder)

    def _fill(self, item: QTreeWidgetItem, row) -> None:
        name = f"{row.name} …" if row.pending else row.name
        text, state = fix_text(row.look, row.age_s, row.sos)
        cells = (name, kind_word(row.kind), row.team, row.incident or "—", text)
        for column, value in enumerate(cells):
            if item.text(column) != value:
                item.setText(column, value)
        colour = QBrush(QColor(_STATE_COLOURS[state]))
        if item.foreground(4) != colour:
            item.setForeground(4, colour)
            item.setForeground(0, QBrush(QColor(theme.ALERT if row.sos else theme.TEXT)))

    def group_counts(self) -> dict[str, int]:
        """Units shown per duty (for tests and tools)."""
        return {status: group.childCount() for status, group in self.groups.items()}

    def rows_text(self, status: str) -> list[list[str]]:
        """The cells of one duty's group, as shown."""
        group = self.groups[status]
        children = [group.child(i) for i in range(group.childCount())]
        return [[child.text(c) for c in range(LIST_COLUMNS)] for child in children if child is not None]

    def _on_filter(self) -> None:
        self.filter_changed.emit(self.kind.currentData() or "", self.team.currentData() or "")

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        unit = item.data(0, Qt.ItemDataRole.UserRole)
        if unit:
            self.unit_selected.emit(str(unit))


class NearestUnits(QWidget):
    """The available units nearest to the chosen incident, by ETA along the roads or by straight-line
    distance until the road network is loaded, each with an Assign button.

    Signals:
        assign_requested(str, str): unit id, incident id.
    """

    assign_requested = Signal(str, str)
    COLUMNS = 6  # assign, callsign, kind, distance, ETA, last fix

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.incident = ""
        self._shown_for: str | None = None
        self.may_assign = True
        self.refusal = ""
        self.title = theme.label(self.tr("Nearest available units"), "strong")
        self.note = theme.label("", "small")
        self.note.setWordWrap(True)
        self.message = theme.label("")
        self.message.setWordWrap(True)
        theme.set_role(self.message, "state", "alert")
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setHorizontalHeaderLabels(
            [
                "",
                self.tr("Callsign"),
                self.tr("Kind"),
                self.tr("Distance"),
                self.tr("ETA"),
                self.tr("Last fix"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setShowGrid(False)
        self.table.setStyleSheet(dark_view_style())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.buttons: dict[str, QPushButton] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.title, self.note, self.message):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        self.set_candidates(None)

    def set_permission(self, allowed: bool, refusal: str) -> None:
        """Whether the operator's role may send units; ``refusal`` says why not (the buttons' tooltip)."""
        self.may_assign, self.refusal = allowed, refusal
        for button in self.buttons.values():
            self._permit(button)

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_candidates(self, candidates) -> None:
        """A Candidates-like object (incident, rows, by_eta), or None."""
        incident = candidates.incident if candidates is not None else ""
        rows = list(candidates.rows) if candidates is not None else []
        self.incident = incident
        if not incident:
            self.note.setText(self.tr("Select an incident with a place to see the nearest available units"))
        elif not rows:
            self.note.setText(self.tr("No available unit with a recent position"))
        elif candidates.by_eta:
            self.note.setText(self.tr("Ranked by ETA along the road network"))
        elif getattr(candidates, "note", ""):
            self.note.setText(self.tr("Ranked by straight-line distance; {0}").format(candidates.note))
        else:
            self.note.setText(
                self.tr("Ranked by straight-line distance; ETA when the road network is loaded")
            )
        same = incident == self._shown_for and [r.id for r in rows] == list(self.buttons)
        self._shown_for = incident
        if not same:  # buttons are made again only when the ranking changes: a click never lands on a gap
            self.table.setRowCount(len(rows))
            self.buttons = {}
        for n, row in enumerate(rows):
            fix, state = fix_text(row.look, row.age_s)
            eta = duration_text(row.eta_s) if row.eta_s is not None else "—"
            cells = (row.name, kind_word(row.kind), distance_text(row.distance_m), eta, fix)
            for column, value in enumerate(cells, start=1):
                item = QTableWidgetItem(value)
                if column == 5 and state:
                    item.setForeground(QBrush(QColor(_STATE_COLOURS[state])))
                self.table.setItem(n, column, item)
            if same:
                continue
            button = QPushButton(self.tr("Assign"))
            button.clicked.connect(lambda _=False, u=row.id: self.assign_requested.emit(u, self.incident))
            self._permit(button)
            self.table.setCellWidget(n, 0, button)
            self.buttons[row.id] = button

    def _permit(self, button: QPushButton) -> None:
        button.setEnabled(self.may_assign)
        button.setToolTip("" if self.may_assign else self.refusal)

    def rows_text(self) -> list[list[str]]:
        return [
            [_text(self.table.item(r, c)) for c in range(1, self.COLUMNS)]
            for r in range(self.table.rowCount())
        ]
