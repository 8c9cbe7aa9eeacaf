"""Reports from any window: Ctrl+P (or "Report…" in a window's context menu) opens the report dialog; the
incident detail's "Special report…" writes that incident's special report. The writing is the
view-model's, off the GUI thread."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QWidget

from console.viewmodels.reports import ReportsViewModel
from console.widgets.report_export import ReportExportDialog


def documents_folder() -> Path:
    """Where reports go unless the operator chooses: the user's documents folder."""
    found = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(found) if found else Path.home()


class ReportDesk:
    """Opens the report dialog on demand and shows what became of the last document."""

    def __init__(self, vm: ReportsViewModel, folder: Path | None = None) -> None:
        self.vm = vm
        self.folder = folder or documents_folder()
        self.dialog: ReportExportDialog | None = None
        self.detail: object | None = None  # the incident detail pane, once the dispatch desk exists
        self.message = ""
        vm.busy_changed.connect(self._on_busy)
        vm.written.connect(self._on_written)
        vm.failed.connect(self._on_failed)

    def add_shortcuts(self, windows: Iterable[QWidget]) -> None:
        """Ctrl+P and a "Report…" context-menu entry on every window."""
        for window in windows:
            action = QAction(QCoreApplication.translate("ReportDesk", "Report…"), window)
            action.setShortcut(QKeySequence("Ctrl+P"))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, w=window: self.open(w))
            window.addAction(action)
            window.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def attach_dispatch(self, window: QWidget) -> None:
        """The dispatch window: Ctrl+P there too, and its incident detail's "Special report…"."""
        self.add_shortcuts([window])
        detail = getattr(window, "detail", None)
        if detail is not None:
            self.detail = detail
            detail.special_report_requested.connect(lambda incident: self.special(incident, parent=window))

    def open(self, parent: QWidget | None = None) -> ReportExportDialog:
        """The report dialog (non-modal), created once."""
        if self.dialog is None:
            self.dialog = ReportExportDialog(self.folder, date.today(), parent=parent)
            self.dialog.write_requested.connect(self.vm.write_report)
            # it goes with the window it was opened from (a briefing's, a closed desk's): made again next time
            self.dialog.destroyed.connect(self._on_dialog_destroyed)
        self.dialog.set_busy(self.vm.busy)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog

    def special(self, incident_id: str, path: str | None = None, parent: QWidget | None = None) -> None:
        """Write an incident's special report; asks for the file unless given."""
        if path is None:
            suggested = str(self.folder / f"special-{incident_id}.pdf")
            title = QCoreApplication.translate("ReportDesk", "Write the special report to")
            path, _filter = QFileDialog.getSaveFileName(parent, title, suggested, "PDF (*.pdf)")
            if not path:
                return
        self.vm.write_special(incident_id, path)

    def _on_dialog_destroyed(self) -> None:
        self.dialog = None

    def _show(self, text: str) -> None:
        self.message = text
        if self.dialog is not None:
            self.dialog.set_status(text)
        if self.detail is not None:
            self.detail.set_message(text)  # type: ignore[attr-defined]

    def _on_busy(self, busy: bool) -> None:
        if self.dialog is not None:
            self.dialog.set_busy(busy)
        if busy:
            self._show(QCoreApplication.translate("ReportDesk", "Writing the report…"))

    def _on_written(self, path: str, what: str) -> None:
        self._show(QCoreApplication.translate("ReportDesk", "Written: {0} ({1})").format(path, what))

    def _on_failed(self, reason: str) -> None:
        self._show(QCoreApplication.translate("ReportDesk", "The report was not written: {0}").format(reason))

    def close(self) -> None:
        if self.dialog is not None:
            self.dialog.close()
