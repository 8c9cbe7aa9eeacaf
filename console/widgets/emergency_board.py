"""The emergency board of one incident: support progress (units assigned, en route, arrived, with times),
scene status and handling progress, and after closure the post-evaluation (response time, arrival times,
distance covered by each unit). Dumb: a BoardFigures in, nothing out."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.emergency_board import BoardFigures
from console.core.incident_book import sla_of
from console.widgets import theme
from console.widgets.incident_words import action_word, sla_text, state_word
from console.widgets.unit_list import dark_view_style
from console.widgets.unit_words import distance_text, duration_text, kind_word, status_word

UNIT_COLUMNS = 8  # unit, kind, duty, assigned, set off, arrived, to the scene, covered


def _clock(ts: float | None) -> str:
    return theme.local_time(ts).strftime("%H:%M:%S") if ts else "—"


def _text(item: QTableWidgetItem | None) -> str:
    return item.text() if item is not None else ""


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setShowGrid(False)
    table.setStyleSheet(dark_view_style())
    return table


class EmergencyBoard(QWidget):
    """Shows a BoardFigures (None: no incident chosen); ``now`` is the session's clock (the deadline)."""

    def __init__(self, *, now: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.figures: BoardFigures | None = None
        self.empty = theme.label(self.tr("Select an incident in the queue"), "secondary")
        self.title = theme.label("", "title")
        self.title.setWordWrap(True)
        self.scene = theme.label("")
        self.scene.setWordWrap(True)
        self.support_title = theme.label(self.tr("Support progress"), "strong")
        self.counts = theme.label("", "strong")
        self.units = _table(
            [self.tr("Unit"), self.tr("Kind"), self.tr("Duty"), self.tr("Assigned"), self.tr("Set off"),
             self.tr("Arrived"), self.tr("To the scene"), self.tr("Covered")]
        )  # fmt: skip
        self.handling_title = theme.label(self.tr("Handling progress"), "strong")
        self.steps = _table([self.tr("Time"), self.tr("Step"), self.tr("By"), self.tr("Comment")])
        self.evaluation_title = theme.label(self.tr("Post-evaluation"), "strong")
        self.evaluation = QGridLayout()
        self.figure_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for n, (key, words) in enumerate(
            (("response", self.tr("Response time (dispatch → first arrival)")),
             ("dispatched", self.tr("Dispatched")), ("first_arrival", self.tr("First unit arrived")),
             ("closed", self.tr("Closed")), ("covered", self.tr("Distance covered by all units")))
        ):  # fmt: skip
            name, value = theme.label(words, "secondary"), theme.label("", "strong")
            self.evaluation.addWidget(name, n, 0)
            self.evaluation.addWidget(value, n, 1)
            self.figure_labels[key] = (name, value)
        self.evaluation.setColumnStretch(2, 1)  # the figures next to their names, not across the page
        body = QWidget()
        layout = QVBoxLayout(body)
        for widget in (self.empty, self.title, self.scene, self.support_title, self.counts, self.units):
            layout.addWidget(widget)
        layout.addWidget(self.evaluation_title)
        layout.addLayout(self.evaluation)
        layout.addWidget(self.handling_title)
        layout.addWidget(self.steps)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.set_figures(None)

    def set_figures(self, figures: BoardFigures | None) -> None:
        self.figures = figures
        shown = figures is not None
        self.empty.setVisible(not shown)
        for widget in (self.title, self.scene, self.support_title, self.counts, self.units,
                       self.handling_title, self.steps):  # fmt: skip
            widget.setVisible(shown)
        closed = figures is not None and figures.closed
        self.evaluation_title.setVisible(bool(closed))
        for name, value in self.figure_labels.values():
            name.setVisible(bool(closed))
            value.setVisible(bool(closed))
        if figures is None:
            return
        incident = figures.incident
        self.title.setText(f"{incident.id} · {incident.title}")
        scene = [state_word(incident.state), sla_text(sla_of(incident, self._now()))[0]]
        if incident.assignee:
            scene.append(self.tr("Assigned to {0}").format(incident.assignee))
        self.scene.setText(" · ".join(p for p in scene if p))
        self.counts.setText(
            self.tr("Assigned {0} · En route {1} · Arrived {2}").format(
                figures.assigned, figures.en_route, figures.arrived
            )
        )
        self._fill_units(figures)
        self._fill_steps(figures)
        if closed:
            self._fill_evaluation(figures)

    def _fill_units(self, figures: BoardFigures) -> None:
        self.units.setRowCount(len(figures.units))
        for n, u in enumerate(figures.units):
            cells = (
                u.name, kind_word(u.kind), status_word(u.status) if u.status else "—", _clock(u.assigned),
                _clock(u.en_route), _clock(u.arrived),
                distance_text(u.to_scene_m) if u.to_scene_m is not None else "—",
                distance_text(u.covered_m) if u.covered_m is not None else "—",
            )  # fmt: skip
            for column, value in enumerate(cells):
                self.units.setItem(n, column, QTableWidgetItem(value))

    def _fill_steps(self, figures: BoardFigures) -> None:
        self.steps.setRowCount(len(figures.steps))
        for n, step in enumerate(figures.steps):
            cells = (_clock(step.ts), action_word(step.action), step.actor, step.comment)
            for column, value in enumerate(cells):
                self.steps.setItem(n, column, QTableWidgetItem(value))

    def _fill_evaluation(self, figures: BoardFigures) -> None:
        response = figures.response_s
        covered = [u.covered_m for u in figures.units if u.covered_m is not None]
        values = {
            "response": duration_text(response) if response is not None else self.tr("no unit arrived"),
            "dispatched": _clock(figures.start),
            "first_arrival": _clock(figures.first_arrival),
            "closed": _clock(figures.incident.closed),
            "covered": distance_text(sum(covered)) if covered else self.tr("tracks not loaded"),
        }
        for key, (_name, value) in self.figure_labels.items():
            value.setText(values[key])

    def figures_text(self) -> dict[str, str]:
        """The post-evaluation figures as shown (tests and tools)."""
        return {key: value.text() for key, (_n, value) in self.figure_labels.items()}

    def units_text(self) -> list[list[str]]:
        return [
            [_text(self.units.item(r, c)) for c in range(UNIT_COLUMNS)] for r in range(self.units.rowCount())
        ]
