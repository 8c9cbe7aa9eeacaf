"""The coordinator's dispatch window: counts by stage, the queue with filters beside the detail pane, and
考核 in a second tab. Desk-screen sizes (it sits on a desk, not on the wall); opens with Ctrl+D or
``--dispatch`` and can be closed without touching the wall."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSplitter, QTabWidget, QVBoxLayout, QWidget

from console.core.incidents import Action, allowed
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.playback import PlaybackViewModel
from console.viewmodels.units import UnitViewModel
from console.views.playback_chrome import PlaybackChrome
from console.widgets import theme
from console.widgets.assessment import AssessmentView
from console.widgets.emergency_board import EmergencyBoard
from console.widgets.incident_detail import IncidentDetailPane
from console.widgets.incident_dialogs import PhotoDialog, ReportDialog
from console.widgets.incident_queue import IncidentQueue, StageCounts
from console.widgets.incident_style import controls_stylesheet
from console.widgets.incident_words import action_word, role_word
from console.widgets.sos_bar import SosBar
from console.widgets.unit_list import NearestUnits, UnitList


def bind_queue(vm: IncidentViewModel, queue: IncidentQueue, counts: StageCounts | None = None) -> None:
    """Connect a queue (and stage counts) to the view-model, both ways."""
    vm.rows_changed.connect(queue.set_rows)
    vm.selection_changed.connect(queue.select)
    queue.incident_selected.connect(vm.select)
    queue.filter_changed.connect(vm.set_filter)
    queue.sort_requested.connect(vm.set_sort)
    if counts is not None:
        vm.counts_changed.connect(counts.set_counts)


class DispatchWindow(QWidget):
    """Queue + detail and assessment in tabs, bound to an IncidentViewModel."""

    def __init__(
        self,
        vm: IncidentViewModel,
        scale: theme.WallScale | None = None,
        parent=None,
        playback: PlaybackViewModel | None = None,
        *,
        units: UnitViewModel | None = None,
    ) -> None:
        super().__init__(parent)
        self.vm = vm
        self.units_vm = units
        self.scale = scale or theme.WallScale.desk()
        self.setObjectName("dispatch")
        self.setWindowTitle(self.tr("Dispatch desk"))
        self.setStyleSheet(
            f"QWidget#dispatch {{ background: {theme.BACKGROUND}; }}"
            + theme.stylesheet(self.scale)
            + controls_stylesheet(self.scale)
        )
        self.setFont(theme.font_px(self.scale.body_px))
        self.counts = StageCounts(self.scale)
        self.role = theme.label("", "secondary")
        self.queue = IncidentQueue(wall=False, scale=self.scale, now=vm.now)
        self.detail = IncidentDetailPane(now=vm.now)
        self.assessment = AssessmentView()
        self.tabs = QTabWidget()
        self.nearest = NearestUnits()
        self.units = UnitList()
        self.board = EmergencyBoard(now=vm.now)
        self.sos = SosBar()
        side = QSplitter(Qt.Orientation.Vertical)  # the incident, and the units that could go to it
        side.addWidget(self.detail)
        side.addWidget(self.nearest)
        side.setSizes([600, 300])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.queue)
        split.addWidget(side if units is not None else self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.tabs.addTab(split, self.tr("Incidents"))
        if units is not None:
            self.tabs.addTab(self.units, self.tr("Units"))
            self.tabs.addTab(self.board, self.tr("Emergency board"))
        self.tabs.addTab(self.assessment, self.tr("Assessment"))
        self.report_button = QPushButton(action_word(Action.REPORT) + " …")
        self.report_button.clicked.connect(self.open_report)
        self.report_dialog: ReportDialog | None = None
        top = QHBoxLayout()
        top.addWidget(self.counts, 1)
        top.addWidget(self.report_button)
        top.addWidget(self.role)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.sos)
        layout.addWidget(self.tabs, 1)
        self.playback = playback
        self.chrome: PlaybackChrome | None = None
        if playback is not None:  # the replay's banner, frame, bar and keys, shown while replaying
            self.chrome = PlaybackChrome(playback, self, layout, scale=self.scale)
            self.detail.replay_requested.connect(playback.replay_incident)
            playback.replay_available_changed.connect(self.detail.set_replay_available)
            self.detail.set_replay_available(playback.replay_available)
        self._bind(vm)
        if units is not None:
            self._bind_units(units)
        QShortcut(QKeySequence("Ctrl+D"), self).activated.connect(self.close)
        self.resize(1600, 900)

    def _bind(self, vm: IncidentViewModel) -> None:
        bind_queue(vm, self.queue, self.counts)
        vm.detail_changed.connect(self.detail.set_detail)
        vm.message_changed.connect(self.detail.set_message)
        vm.role_changed.connect(self._on_role)
        vm.commands_enabled_changed.connect(self._on_commands_enabled)
        self.detail.action_requested.connect(
            lambda action, incident, args, photos: vm.act(action, incident, args, [Path(p) for p in photos])
        )
        self.detail.acknowledge_requested.connect(lambda incident: vm.acknowledge([incident]))
        self.detail.reload_requested.connect(vm.reload)
        self.detail.dismiss_problem_requested.connect(vm.dismiss_problem)
        self.detail.photos_requested.connect(vm.show_photos)
        vm.photos_fetched.connect(self._on_photos)
        self.assessment.refresh_requested.connect(vm.request_assessment)
        self.assessment.export_requested.connect(lambda by, path: vm.export_assessment(by, Path(path)))
        vm.assessment_changed.connect(self.assessment.set_rows)
        self.tabs.currentChanged.connect(self._on_tab)
        self._on_role(vm.role)
        self._on_commands_enabled(vm.commands_enabled)
        self.queue.set_rows(vm.rows())
        self.detail.set_detail(vm.detail())

    def _bind_units(self, units: UnitViewModel) -> None:
        self.vm.selection_changed.connect(units.select_incident)
        units.candidates_changed.connect(self.nearest.set_candidates)
        units.message_changed.connect(self.nearest.set_message)
        units.rows_changed.connect(self.units.set_rows)
        units.teams_changed.connect(self.units.set_teams)
        units.board_changed.connect(self.board.set_figures)
        units.sos_changed.connect(self._on_sos)
        units.role_changed.connect(self._on_unit_role)
        self.units.filter_changed.connect(units.set_filter)
        self.nearest.assign_requested.connect(units.assign)
        self.sos.acknowledge_requested.connect(units.acknowledge_sos)
        units.select_incident(self.vm.selected)
        self._on_unit_role(units.role)
        self.units.set_rows(units.rows())
        self._on_sos(units.sos())

    def _on_unit_role(self, role: str) -> None:
        if self.units_vm is None:
            return
        refusal = self.tr("The role {0} may not send units").format(role_word(role))
        self.nearest.set_permission(self.units_vm.may_assign(), refusal)

    def _on_sos(self, unit_ids: set[str]) -> None:
        if self.units_vm is not None:
            self.sos.set_sos(self.units_vm.callsigns(unit_ids))

    def _on_role(self, role: str) -> None:
        self.role.setText(self.tr("Role: {0}").format(role_word(role)))
        self.report_button.setVisible(allowed(role, Action.REPORT))

    def _on_commands_enabled(self, enabled: bool) -> None:
        """While replaying: reporting and every action greyed out, saying why."""
        self.detail.set_commands_enabled(enabled)
        self.report_button.setEnabled(enabled)
        self.report_button.setToolTip("" if enabled else self.tr("playback: commands are disabled"))
        if not enabled and self.report_dialog is not None:
            self.report_dialog.close()

    def closeEvent(self, event) -> None:
        """Closing the desk closes its dialogs too: none is left floating over the wall."""
        for dialog in (self.detail.dialog, self.report_dialog, getattr(self, "photo_dialog", None)):
            if dialog is not None:
                dialog.close()
        super().closeEvent(event)

    def _on_photos(self, photos: list) -> None:
        self.photo_dialog = PhotoDialog(photos, parent=self)
        self.photo_dialog.open()

    def open_report(self) -> ReportDialog:
        """The dialog to report a problem by hand (non-modal)."""
        dialog = ReportDialog(self.vm.station_names, parent=self)
        dialog.submitted.connect(lambda action, target, args, _photos: self.vm.act(action, target, args))
        self.report_dialog = dialog
        dialog.open()
        return dialog

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.assessment:
            self.vm.request_assessment(self.assessment.current_by())

    def set_townships(self, names: dict[str, str]) -> None:
        self.queue.set_townships(names)
