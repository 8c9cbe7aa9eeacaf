"""What operators and the network send shows as typed on the dispatch desk: markup in a title, a reason, an
assignee or a station name is never rendered (no link, no image), in the queue, its tooltip, the detail
pane and the dialogs."""

from __future__ import annotations

import pytest
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel

from console.core.commands import CommandCenter
from console.core.incident_book import IncidentBook
from console.core.incidents import Action, Incident, IncidentState, Severity, Source
from console.core.outbox import Outbox
from console.viewmodels.incidents import IncidentViewModel
from console.views.dispatch import DispatchWindow
from console.widgets import theme
from console.widgets.incident_dialogs import PhotoDialog

T0 = 1_763_700_000.0
HOSTILE = '<a href="x">link</a><img src="y">'


async def _never(_command) -> bool:
    return False


def rendered(tip: str) -> QTextDocument:
    """The document Qt makes of a tooltip (tooltips that look like markup are rendered as such)."""
    document = QTextDocument()
    if QtGui.Qt.mightBeRichText(tip):  # Qt's own guess, as a tooltip makes it
        document.setHtml(tip)
    else:
        document.setPlainText(tip)
    return document


def anchors_and_images(document: QTextDocument) -> list[str]:
    """Links and images a rendered document holds."""
    found, block = [], document.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor() or fmt.isImageFormat():
                found.append(it.fragment().text())
            it += 1
        block = block.next()
    return found


def shows_plainly(label: QLabel) -> bool:
    return label.textFormat() == Qt.TextFormat.PlainText and label.text() == HOSTILE


@pytest.fixture
def desk(tmp_path, qtbot):
    book = IncidentBook(lambda: T0 + 3600)
    outbox = Outbox(tmp_path / "cache.db")
    vm = IncidentViewModel(book)
    vm.commands = CommandCenter(outbox, _never, book, on_change=vm.on_commands_changed)
    hostile = Incident(
        id="INC-1", version=1, state=IncidentState.DISPATCHED, source=Source.INSPECTOR, category="air",
        severity=Severity.MEDIUM, title=HOSTILE, reason=HOSTILE, created=T0, updated=T0, township="T01",
        responsible=HOSTILE, assignee=HOSTILE, dispatched=T0, deadline=T0 + 7200, lon=116.0, lat=40.4,
    )  # fmt: skip
    book.put(hostile)
    window = DispatchWindow(vm)
    qtbot.addWidget(window)
    vm.flush()
    yield vm, window
    outbox.close()


def test_a_hostile_title_shows_as_typed_in_the_queue_and_its_tooltip(desk):
    _vm, window = desk
    queue = window.queue
    row = queue.shown_ids().index("INC-1")
    assert queue.row_texts(row)["title"] == HOSTILE
    column = queue.model.columns.index("title")
    tip = queue.model.data(queue.model.index(row, column), Qt.ItemDataRole.ToolTipRole)
    document = rendered(tip)
    assert document.toPlainText() == HOSTILE
    assert anchors_and_images(document) == []


def test_a_hostile_title_reason_and_assignee_show_as_typed_in_the_detail_pane(desk):
    vm, window = desk
    vm.select("INC-1")
    vm.flush()
    detail = window.detail
    assert shows_plainly(detail.title)
    assert detail.why.textFormat() == Qt.TextFormat.PlainText and detail.why.text().startswith(HOSTILE)
    plain = [label for label in detail.findChildren(QLabel) if shows_plainly(label)]
    assert len(plain) >= 2  # the title and the assignee at least
    for label in detail.findChildren(QLabel):
        if "<a " in label.text() or "<img" in label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_a_hostile_title_shows_as_typed_in_the_action_dialogs(desk, qtbot):
    vm, window = desk
    vm.select("INC-1")
    vm.flush()
    for action in (Action.HANDLE, Action.COMMENT):
        dialog = window.detail.open_dialog(action)
        assert dialog is not None
        heads = [label for label in dialog.findChildren(QLabel) if label.text() == HOSTILE]
        assert heads and all(shows_plainly(label) for label in heads)
        if action == Action.COMMENT:
            dialog.ok_button.click()  # no comment: the problem line is plain text too
            assert dialog.error.textFormat() == Qt.TextFormat.PlainText and dialog.error.text()
        dialog.close()
    photos = PhotoDialog([(HOSTILE, b"not an image")])
    qtbot.addWidget(photos)
    (label,) = [label for label in photos.findChildren(QLabel) if HOSTILE in label.text()]
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert rendered(label.toolTip()).toPlainText() == HOSTILE


def test_elided_labels_show_station_names_as_typed_and_their_tooltip_too(qtbot):
    name = HOSTILE + "\nsecond line & more"
    elided = theme.ElidedLabel(name)
    qtbot.addWidget(elided)
    elided.resize(2000, 40)
    assert elided.textFormat() == Qt.TextFormat.PlainText and elided.full_text() == name
    document = rendered(elided.toolTip())
    assert document.toPlainText() == name and anchors_and_images(document) == []
    assert theme.label(HOSTILE).textFormat() == Qt.TextFormat.PlainText
    wrapped = theme.WrappedLabel(HOSTILE)
    qtbot.addWidget(wrapped)
    assert shows_plainly(wrapped)
    assert theme.plain_tip("") == ""
