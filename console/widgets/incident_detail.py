"""The detail pane of one incident: its fields, why it was raised, the audit trail, what this console has
pending or had refused, and buttons for exactly the actions the operator's role may take now."""

from __future__ import annotations

import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.core.incident_book import sla_of
from console.core.incidents import Action
from console.widgets import theme
from console.widgets.incident_dialogs import ActionDialog
from console.widgets.incident_words import (
    action_word,
    incident_title,
    level_word,
    role_word,
    rule_word,
    severity_mark,
    severity_word,
    sla_text,
    source_word,
    state_word,
    why_text,
)

TRAIL_COLUMNS = 6


def _clear(layout) -> None:
    """Take every item out of a layout; widgets are hidden at once and deleted later."""
    while layout.count():
        widget = layout.takeAt(0).widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()


def _clock(ts: float | None) -> str:
    return theme.local_time(ts).strftime("%m-%d %H:%M") if ts else "—"


class IncidentDetailPane(QWidget):
    """Shows an IncidentDetailData (None: nothing selected); dumb: setters in, requests out.

    Signals:
        action_requested(str, str, dict, list): action, incident id, args, photo paths from a dialog.
        acknowledge_requested(str): the operator acknowledged a new critical incident.
        reload_requested(str): fetch the incident again (after a conflict).
        photos_requested(list): show these attachment ids (a click on a trail line's photo count).
        dismiss_problem_requested(str): the operator has read a refused command (its id).
        replay_requested(str): replay this incident from before its first finding to its closure.
        special_report_requested(str): write this incident's special report (its id).
    """

    action_requested = Signal(str, str, dict, list)
    acknowledge_requested = Signal(str)
    reload_requested = Signal(str)
    photos_requested = Signal(list)
    dismiss_problem_requested = Signal(str)
    replay_requested = Signal(str)
    special_report_requested = Signal(str)

    def __init__(self, *, now: Callable[[], float] = time.time, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = now
        self.detail = None
        self.roster: list[str] = []
        self.dialog: ActionDialog | None = None
        self.action_buttons: dict[Action, QPushButton] = {}
        self.problem_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}
        self._buttons_for: tuple | None = ()
        self.commands_enabled = True
        self.replay_available = False
        self.replay_button: QPushButton | None = None
        self.acknowledge_button: QPushButton | None = None
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self._layout = QVBoxLayout(body)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self._build(body)
        self.set_detail(None)

    def _build(self, body: QWidget) -> None:
        layout = self._layout
        self.empty = theme.label(self.tr("Select an incident in the queue"), "secondary")
        self.head = theme.label("", "strong")
        self.title = theme.label("", "title")
        self.title.setWordWrap(True)
        self.message = theme.label("")
        self.message.setWordWrap(True)
        theme.set_role(self.message, "state", "alert")
        self.problems = QVBoxLayout()
        self.pending = theme.label("")
        self.pending.setWordWrap(True)
        theme.set_role(self.pending, "state", "stale")
        self.buttons = QHBoxLayout()
        self.fields = QFormLayout()
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.why = theme.label("")
        self.why.setWordWrap(True)
        self.trail = self._build_trail()
        self.trail.cellClicked.connect(self._on_trail_clicked)
        self.trail_note = theme.label("", "small")
        for widget in (self.empty, self.head, self.title, self.message):
            layout.addWidget(widget)
        layout.addLayout(self.problems)
        layout.addWidget(self.pending)
        layout.addLayout(self.buttons)
        layout.addLayout(self.fields)
        self.why_title = theme.label(self.tr("Why it was raised"), "strong")
        self.trail_title = theme.label(self.tr("Audit trail"), "strong")
        for part in (self.why_title, self.why, self.trail_title, self.trail_note, self.trail):
            layout.addWidget(part)
        layout.addStretch(1)

    def _build_trail(self) -> QTableWidget:
        table = QTableWidget(0, TRAIL_COLUMNS)
        table.setHorizontalHeaderLabels(
            [self.tr("Time"), self.tr("Who"), self.tr("Action"), self.tr("Stage"), self.tr("Comment"),
             self.tr("Photos")]
        )  # fmt: skip
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setWordWrap(True)
        table.setShowGrid(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        table.setStyleSheet(
            f"QTableWidget {{ background: {theme.PANEL}; border: 1px solid {theme.PANEL_EDGE}; }}"
            f" QHeaderView::section {{ background: {theme.PANEL}; color: {theme.TEXT_SECONDARY};"
            " border: none; }"
        )
        table.setMinimumHeight(theme.current_scale().body_px * 8)
        return table

    # --- setters -----------------------------------------------------------------------------------------

    def set_roster(self, names: list[str]) -> None:
        """People the dispatch dialog offers (the responsible person of the incident comes first)."""
        self.roster = list(names)

    def set_commands_enabled(self, enabled: bool) -> None:
        """False while replaying: the action buttons stay in sight, greyed, and say why."""
        self.commands_enabled = enabled
        self._apply_enabled()

    def set_replay_available(self, available: bool) -> None:
        """Whether the pane offers "Replay" (a hub with history is there)."""
        self.replay_available = available
        if self.replay_button is not None:
            self.replay_button.setVisible(available)

    def _apply_enabled(self) -> None:
        tip = "" if self.commands_enabled else self.tr("playback: commands are disabled")
        buttons = list(self.action_buttons.values())
        if self.acknowledge_button is not None:
            buttons.append(self.acknowledge_button)
        for button in buttons:
            if shiboken6.isValid(button):
                button.setEnabled(self.commands_enabled)
                button.setToolTip(tip)
        if self.dialog is not None and not self.commands_enabled:
            self.dialog.close()

    def set_message(self, text: str) -> None:
        """A message about the operator's last request ('' hides it)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_detail(self, detail) -> None:
        """Show an IncidentDetailData, or the empty state for None."""
        self.detail = detail
        shown = detail is not None
        self.empty.setVisible(not shown)
        for widget in (self.head, self.title, self.why_title, self.why, self.trail_title, self.trail):
            widget.setVisible(shown)
        self.trail_note.setVisible(shown and not detail.trail_complete)
        self.pending.setVisible(shown and bool(detail.pending))
        self._fill_buttons(detail)
        self._fill_problems(detail)
        if not shown:
            self._clear_form()
            return
        i = detail.incident
        shape, _state = severity_mark(i.severity)
        self.head.setText(f"{shape} {severity_word(i.severity)} · {state_word(i.state)} · {i.id}")
        theme.set_role(self.head, "state", "alert" if i.severity >= 4 else "")
        self.title.setText(incident_title(i.title, i.rule, i.why))
        self.why.setText(self._why(i))
        self.trail_note.setText(self.tr("Loading the whole trail from the hub …"))
        self._fill_pending(detail)
        self._fill_fields(detail)
        self._fill_trail(detail)

    def _why(self, i) -> str:
        parts = [why_text(i.why, i.reason) or "—"]
        if i.clear_suggested:
            parts.append(self.tr("The condition has cleared: closing is suggested."))
        return "\n".join(parts)

    def _fill_pending(self, detail) -> None:
        stages = {
            "queued": self.tr("queued, not yet sent (no link)"),
            "sent": self.tr("sent, waiting for the hub"),
            "echo": self.tr("accepted, waiting for the hub's update"),
        }
        lines = [f"⟳ {action_word(p.command.action)}: {stages[p.stage]}" for p in detail.pending]
        self.pending.setText("\n".join(lines))

    def _clear_form(self) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        self.trail.setRowCount(0)

    def _fill_fields(self, detail) -> None:
        self._clear_form()
        i = detail.incident
        sla_words, sla_state = sla_text(sla_of(i, self._now()))
        place = " · ".join(p for p in (detail.township, i.grid) if p) or "—"
        station = i.station if detail.station in ("", i.station) else f"{detail.station} ({i.station})"
        source = " · ".join(p for p in (source_word(i.source), rule_word(i.rule), station) if p)
        rows = [
            (self.tr("Deadline"), f"{_clock(i.deadline)}  {sla_words}", sla_state),
            (self.tr("Assignee"), i.assignee or "—", ""),
            (self.tr("Responsible"), f"{i.responsible or '—'} ({level_word(i.level)})", ""),
            (self.tr("Place"), place, ""),
            (self.tr("Source"), source, ""),
            (self.tr("Raised at"), _clock(i.created), ""),
            (self.tr("Dispatched at"), _clock(i.dispatched), ""),
            (self.tr("Escalations / returns"), f"{i.escalations} / {i.returns}", ""),
        ]
        for name, value, state in rows:
            label = theme.label(value)
            label.setWordWrap(True)
            theme.set_role(label, "state", state)
            self.fields.addRow(theme.label(name, "secondary"), label)

    def _fill_trail(self, detail) -> None:
        self.trail.setRowCount(len(detail.trail))
        for n, e in enumerate(reversed(detail.trail)):  # newest first
            stage = state_word(e.to_state)
            if e.from_state and e.from_state != e.to_state:
                stage = f"{state_word(e.from_state)} → {stage}"
            extra = e.details.get("assignee") or e.details.get("result") or ""
            who = role_word(e.role) if e.role == "system" else f"{e.actor} ({role_word(e.role)})"
            said = why_text(e.details.get("why"), e.comment)  # a rule's entry: its reason, translated
            comment = " · ".join(str(p) for p in (extra, said) if p)
            cells = [_clock(e.ts), who, action_word(e.action), stage, comment,
                     self.tr("{0} · view").format(len(e.attachments)) if e.attachments else ""]  # fmt: skip
            for column, text in enumerate(cells):
                self.trail.setItem(n, column, QTableWidgetItem(text))
        self.trail.resizeRowsToContents()

    def _fill_buttons(self, detail) -> None:
        key = None if detail is None else (detail.incident.id, tuple(detail.actions), detail.pulsing)
        if key == self._buttons_for:
            return  # the same buttons: keep them (and the keyboard focus on them)
        self._buttons_for = key
        _clear(self.buttons)
        self.action_buttons = {}
        self.acknowledge_button = None
        self.replay_button = None
        if detail is None:
            return
        if detail.pulsing:
            ack = QPushButton("◆ " + self.tr("Acknowledge"))
            ack.setStyleSheet(
                f"QPushButton {{ color: {theme.ALERT}; font-weight: bold; }}"
                f" QPushButton:disabled {{ color: {theme.OFFLINE}; }}"
            )
            ack.clicked.connect(lambda: self.acknowledge_requested.emit(detail.incident.id))
            self.buttons.addWidget(ack)
            self.acknowledge_button = ack
        for action in detail.actions:
            button = QPushButton(action_word(action))
            button.clicked.connect(lambda _=False, a=action: self.open_dialog(a))
            self.buttons.addWidget(button)
            self.action_buttons[action] = button
        self.buttons.addStretch(1)
        replay = QPushButton("⟲ " + self.tr("Replay"))
        replay.setToolTip(self.tr("Replay from 30 minutes before the first finding to the closure"))
        replay.clicked.connect(lambda: self.replay_requested.emit(detail.incident.id))
        replay.setVisible(self.replay_available)
        self.buttons.addWidget(replay)
        self.replay_button = replay
        self._apply_enabled()
        self.special_button = QPushButton(self.tr("Special report…"))
        self.special_button.clicked.connect(lambda: self.special_report_requested.emit(detail.incident.id))
        self.buttons.addWidget(self.special_button)

    def _fill_problems(self, detail) -> None:
        _clear(self.problems)
        self.problem_buttons = {}
        for entry in detail.problems if detail else []:
            self.problems.addWidget(self._problem_row(entry, detail.incident.id))

    def _problem_row(self, entry, incident_id: str) -> QWidget:
        row = QFrame()
        row.setStyleSheet(f"QFrame {{ border: 2px solid {theme.ALERT}; border-radius: 4px; }}")
        box = QHBoxLayout(row)
        kind = self.tr("Conflict") if entry.state == "conflict" else self.tr("Refused")
        text = theme.label(f"✖ {kind} · {action_word(entry.command.action)}: {entry.error}")
        text.setWordWrap(True)
        text.setStyleSheet("border: none;")
        reload = QPushButton(self.tr("Reload"))
        dismiss = QPushButton(self.tr("Got it"))
        reload.clicked.connect(lambda: self.reload_requested.emit(incident_id))
        dismiss.clicked.connect(lambda: self.dismiss_problem_requested.emit(entry.command.id))
        box.addWidget(text, 1)
        box.addWidget(reload)
        box.addWidget(dismiss)
        self.problem_buttons[entry.command.id] = (reload, dismiss)
        return row

    def _on_trail_clicked(self, row: int, column: int) -> None:
        if self.detail is None or column != TRAIL_COLUMNS - 1:
            return
        entries = list(reversed(self.detail.trail))
        if 0 <= row < len(entries) and entries[row].attachments:
            self.photos_requested.emit(list(entries[row].attachments))

    # --- dialogs -----------------------------------------------------------------------------------------

    def open_dialog(self, action: Action) -> ActionDialog | None:
        """Open the dialog of an action on the shown incident (non-modal: the wall keeps updating)."""
        if self.detail is None:
            return None
        if self.dialog is not None:
            self.dialog.close()
        dialog = ActionDialog(action, self.detail.incident, roster=self.roster, now=self._now(), parent=self)
        dialog.submitted.connect(self.action_requested)
        dialog.finished.connect(
            lambda _code: setattr(self, "dialog", None) if self.dialog is dialog else None
        )
        self.dialog = dialog
        dialog.open()
        return dialog

    # --- questions (tests) -------------------------------------------------------------------------------

    def trail_rows(self) -> list[list[str]]:
        """The audit trail as shown, newest first."""
        return [
            [item.text() if (item := self.trail.item(r, c)) else "" for c in range(TRAIL_COLUMNS)]
            for r in range(self.trail.rowCount())
        ]
