"""The small dialogs behind the detail pane's buttons: dispatch, record handling, feedback with photos,
assess, dismiss and comment. Each checks its own fields and says what is missing; it never sends."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from console.core.incidents import Action, Incident, Severity, deadline_hours
from console.widgets import theme
from console.widgets.incident_words import action_word, severity_word, span

PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")  # what the hub accepts
MAX_PHOTO_BYTES = 10 * 2**20
MAX_PHOTOS = 9
WITH_PHOTOS = (Action.HANDLE, Action.FEEDBACK)


class ActionDialog(QDialog):
    """One action on one incident: the fields it needs, checked before it is accepted.

    Signals:
        submitted(str, str, dict, list): action, incident id, args, photo paths (the dialog then closes).
    """

    submitted = Signal(str, str, dict, list)

    def __init__(
        self,
        action: Action,
        incident: Incident,
        *,
        roster: list[str] | None = None,
        now: float,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.action, self.incident, self._now = Action(action), incident, now
        self.setWindowTitle(f"{action_word(action)} · {incident.id}")
        self.setMinimumWidth(theme.current_scale().body_px * 28)
        self.photos: list[Path] = []
        layout = QVBoxLayout(self)
        head = theme.label(incident.title, "strong")  # plain text: a title is what someone typed
        head.setWordWrap(True)
        layout.addWidget(head)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self._build_fields(roster or [])
        self.error, self.ok_button = add_footer(self, layout, action_word(action), self.problem, self._submit)

    # --- fields ------------------------------------------------------------------------------------------

    def _build_fields(self, roster: list[str]) -> None:
        action = self.action
        if action == Action.DISPATCH:
            self.assignee = QComboBox()
            self.assignee.setEditable(True)
            names = [self.incident.responsible] if self.incident.responsible else []
            self.assignee.addItems(list(dict.fromkeys(names + roster)))
            self.assignee.setCurrentText(self.incident.assignee or self.incident.responsible)
            self.form.addRow(self.tr("Assignee"), self.assignee)
            hours = deadline_hours(self.incident.severity, self.incident.category)
            self.own_deadline = QCheckBox(
                self.tr("Own deadline (default: {0} for {1})").format(
                    span(hours * 3600), severity_word(self.incident.severity)
                )
            )
            local = QTimeZone(int(theme.LOCAL_TZ.utcoffset(None).total_seconds()))  # the centre's time
            self.deadline = QDateTimeEdit()
            self.deadline.setTimeZone(local)
            self.deadline.setDateTime(QDateTime.fromSecsSinceEpoch(int(self._now + hours * 3600), local))
            self.deadline.setDisplayFormat("yyyy-MM-dd HH:mm")
            self.deadline.setEnabled(False)
            self.own_deadline.toggled.connect(self.deadline.setEnabled)
            self.form.addRow(self.own_deadline)
            self.form.addRow(self.tr("Deadline"), self.deadline)
        if action == Action.ASSESS:
            row = QWidget()
            box = QHBoxLayout(row)
            box.setContentsMargins(0, 0, 0, 0)
            self.passed = QRadioButton(self.tr("Pass: close the incident"))
            self.returned = QRadioButton(self.tr("Return for more handling"))
            self.passed.setChecked(True)
            box.addWidget(self.passed)
            box.addWidget(self.returned)
            self.form.addRow(self.tr("Result"), row)
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(self._comment_hint())
        self.comment.setFixedHeight(theme.current_scale().body_px * 5)
        self.form.addRow(self.tr("Comment"), self.comment)
        if action in WITH_PHOTOS:
            self.photo_list = QListWidget()
            self.photo_list.setFixedHeight(theme.current_scale().body_px * 4)
            self.add_photo_button = QPushButton(self.tr("Add photos …"))
            self.add_photo_button.clicked.connect(self._pick_photos)
            self.form.addRow(self.tr("Photos"), self.photo_list)
            self.form.addRow("", self.add_photo_button)

    def _comment_hint(self) -> str:
        hints = {
            Action.DISPATCH: self.tr("Instructions for the assignee (optional)"),
            Action.HANDLE: self.tr("What was done on site"),
            Action.FEEDBACK: self.tr("The result of the handling (required)"),
            Action.ASSESS: self.tr("Required when returning: what is still missing"),
            Action.DISMISS: self.tr("Why no action is needed (required)"),
            Action.COMMENT: self.tr("Your note (required)"),
        }
        return hints.get(self.action, "")

    def _pick_photos(self) -> None:
        picker = QFileDialog(self, self.tr("Choose photos"))
        picker.setFileMode(QFileDialog.FileMode.ExistingFiles)
        picker.setNameFilter(self.tr("Photos (*.jpg *.jpeg *.png)"))
        picker.filesSelected.connect(lambda files: self.add_photos([Path(f) for f in files]))
        picker.open()  # not exec(): the event loop (and the network) keep running

    def add_photos(self, paths: list[Path]) -> None:
        """Add photos to send; a file that is not a JPEG/PNG photo, or too large, is refused with a reason."""
        problems = []
        for path in paths:
            path = Path(path)
            if path.suffix.lower() not in PHOTO_SUFFIXES:
                problems.append(self.tr("{0}: only JPEG and PNG photos").format(path.name))
            elif not path.is_file():
                problems.append(self.tr("{0}: file not found").format(path.name))
            elif path.stat().st_size > MAX_PHOTO_BYTES:
                problems.append(self.tr("{0}: larger than 10 MB").format(path.name))
            elif len(self.photos) >= MAX_PHOTOS:
                problems.append(self.tr("at most {0} photos").format(MAX_PHOTOS))
                break
            elif path not in self.photos:
                self.photos.append(path)
                self.photo_list.addItem(path.name)
        self.error.setText("; ".join(problems))

    # --- checking ----------------------------------------------------------------------------------------

    def args(self) -> dict[str, Any]:
        """The command's arguments as the fields stand."""
        args: dict[str, Any] = {"comment": self.comment.toPlainText().strip()}
        if self.action == Action.DISPATCH:
            args["assignee"] = self.assignee.currentText().strip()
            if self.own_deadline.isChecked():
                args["deadline"] = float(self.deadline.dateTime().toSecsSinceEpoch())
        if self.action == Action.ASSESS:
            args["result"] = "pass" if self.passed.isChecked() else "return"
        return args

    def problem(self) -> str:
        """What is missing or wrong, in words; '' when the dialog may be sent."""
        args = self.args()
        comment = args["comment"]
        if self.action == Action.DISPATCH:
            if not args["assignee"]:
                return self.tr("Choose who is to handle it.")
            if "deadline" in args and args["deadline"] <= self._now:
                return self.tr("The deadline must be in the future.")
        needs_comment = {
            Action.FEEDBACK: self.tr("Describe the result before submitting feedback."),
            Action.DISMISS: self.tr("Say why the incident needs no action."),
            Action.COMMENT: self.tr("Write the comment."),
        }
        if self.action in needs_comment and not comment:
            return needs_comment[self.action]
        if self.action == Action.ASSESS and args["result"] == "return" and not comment:
            return self.tr("Say what is still missing before returning it.")
        return ""

    def _submit(self) -> None:
        self.submitted.emit(self.action.value, self.incident.id, self.args(), list(self.photos))


CATEGORIES = ("air", "water", "noise", "fume", "source", "odour", "device", "other")


def add_footer(
    dialog: QDialog, layout: QVBoxLayout, ok_text: str, problem: Callable[[], str], submit: Callable[[], None]
) -> tuple[QLabel, QPushButton]:
    """The foot of a command dialog: the line that says what is wrong, then OK (named for the action) and
    Cancel. OK shows ``problem()`` while the input is incomplete; once it is "", it calls ``submit`` and
    closes the dialog."""
    error = theme.label("")  # the problems may quote what was typed
    error.setWordWrap(True)
    theme.set_role(error, "state", "alert")
    layout.addWidget(error)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok_button.setText(ok_text)
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(
        QCoreApplication.translate("ActionDialog", "Cancel")
    )

    def on_ok() -> None:
        text = problem()
        error.setText(text)
        if not text:
            submit()
            dialog.accept()

    buttons.accepted.connect(on_ok)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return error, ok_button


def category_word(category: str) -> str:
    words = {
        "air": QCoreApplication.translate("Incident", "Air quality"),
        "water": QCoreApplication.translate("Incident", "Water environment"),
        "noise": QCoreApplication.translate("Incident", "Noise"),
        "fume": QCoreApplication.translate("Incident", "Catering fume"),
        "source": QCoreApplication.translate("Incident", "Pollution source"),
        "odour": QCoreApplication.translate("Incident", "Odour"),
        "device": QCoreApplication.translate("Incident", "Monitoring device"),
        "other": QCoreApplication.translate("Incident", "Other"),
    }
    return words.get(category, category)


class ReportDialog(QDialog):
    """Report a problem by hand (an inspector's finding, a citizen's call): what, where, how serious.

    Signals:
        submitted(str, str, dict, list): "report", "", args, [] (the same shape as ActionDialog's).
    """

    submitted = Signal(str, str, dict, list)

    def __init__(self, stations: dict[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(action_word(Action.REPORT))
        self.setMinimumWidth(theme.current_scale().body_px * 24)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("What is wrong, in a few words (required)"))
        self.station = QComboBox()
        self.station.setEditable(True)
        self.station.addItem("", "")
        for station_id, name in sorted(stations.items(), key=lambda kv: kv[1]):
            self.station.addItem(name, station_id)
        completer = self.station.completer()  # an editable combo box always has one
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.severity = QComboBox()
        for severity in Severity:
            self.severity.addItem(severity_word(severity), int(severity))
        self.severity.setCurrentIndex(1)
        self.category = QComboBox()
        for category in CATEGORIES:
            self.category.addItem(category_word(category), category)
        self.source = QComboBox()
        self.source.addItem(self.tr("Duty officer"), "duty")
        self.source.addItem(self.tr("Citizen report"), "citizen")
        self.source.addItem(self.tr("Inspector"), "inspector")
        self.comment = QPlainTextEdit()
        self.comment.setPlaceholderText(self.tr("What was seen, where exactly, who reported it"))
        self.comment.setFixedHeight(theme.current_scale().body_px * 5)
        for name, widget in (
            (self.tr("Title"), self.title),
            (self.tr("Station nearby"), self.station),
            (self.tr("Severity"), self.severity),
            (self.tr("Category"), self.category),
            (self.tr("Source"), self.source),
            (self.tr("Description"), self.comment),
        ):
            form.addRow(name, widget)
        self.error, self.ok_button = add_footer(
            self, layout, action_word(Action.REPORT), self.problem, self._submit
        )

    def args(self) -> dict[str, Any]:
        station = self.station.currentData() if self.station.currentText() else ""
        if self.station.currentText() and self.station.findText(self.station.currentText()) < 0:
            station = None  # typed, but no such station
        return {
            "title": self.title.text().strip(),
            "station": station,
            "severity": self.severity.currentData(),
            "category": self.category.currentData(),
            "source": self.source.currentData(),
            "comment": self.comment.toPlainText().strip(),
        }

    def problem(self) -> str:
        args = self.args()
        if not args["title"]:
            return self.tr("Give the problem a title.")
        if args["station"] is None:
            return self.tr("No station is called {0}.").format(self.station.currentText())
        if not args["station"]:
            return self.tr("Choose the station nearest to the problem.")
        return ""

    def _submit(self) -> None:
        self.submitted.emit(Action.REPORT.value, "", self.args(), [])


class PhotoDialog(QDialog):
    """The photos of one audit entry, side by side, scaled to fit; a file that is no image says so."""

    def __init__(self, photos: list[tuple[str, bytes]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Photos"))
        row = QHBoxLayout(self)
        self.shown = 0
        for attachment_id, data in photos:
            image = QPixmap()
            label = theme.label("")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            if image.loadFromData(data):
                label.setPixmap(image.scaled(640, 480, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))  # fmt: skip
                self.shown += 1
            else:
                label.setText(self.tr("{0}: not an image").format(attachment_id))
            label.setToolTip(theme.plain_tip(attachment_id))
            row.addWidget(label)
