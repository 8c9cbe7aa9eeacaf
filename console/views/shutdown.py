"""The Qt side's last steps, in QtWebEngine's order: web pages, then their views and windows, then the
application, which takes the web profile with it.

QtWebEngine wants every page deleted before its profile; the default profile goes when the application
is destroyed. A page still alive then ("Release of profile requested but WebEnginePage still not deleted")
crashes the process now and then, in one of Chromium's threads. `deleteLater` alone does not keep the
order: the deletion waits for an event loop turn that may never come once the console is quitting.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from typing import cast

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication, QWidget

from console.widgets.map_view import MapView


def release_web_views(roots: Iterable[QWidget] | None = None) -> int:
    """Delete now the page of every map view in `roots` (and their children), or in the whole application
    when None; each view stays, empty. Returns how many pages were deleted."""
    if roots is None:
        candidates = QApplication.allWidgets()
    else:
        candidates = []
        for root in roots:
            if shiboken6.isValid(root):
                candidates += [root, *root.findChildren(MapView)]
    released = 0
    for widget in candidates:
        if isinstance(widget, MapView) and not widget.is_released:
            widget.release()
            released += 1
    return released


def delete_widgets(widgets: Iterable[QWidget]) -> None:
    """Delete these widgets (and their children) now, their web pages first; already deleted ones are
    skipped."""
    widgets = [w for w in widgets if shiboken6.isValid(w)]
    release_web_views(widgets)
    for widget in widgets:
        if shiboken6.isValid(widget):  # a widget listed after its parent went with it
            widget.hide()
            shiboken6.delete(widget)


def close_application(app: QApplication | None = None) -> None:
    """Once the event loop has stopped: delete every window now, web pages first, and collect what is left
    in reference cycles on this thread. The application (and the web profile with it) then goes last, at
    Python's exit, with no page left to outlive the profile."""
    app = app or cast(QApplication | None, QApplication.instance())
    if app is None or not shiboken6.isValid(app):
        return
    release_web_views()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # the pages' own helper widgets
    # only the console's own windows: QtWebEngine's internal widgets belong to Chromium's side
    delete_widgets(w for w in app.topLevelWidgets() if shiboken6.createdByPython(w))
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()  # Qt objects in reference cycles go now, on the GUI thread, not during interpreter exit
