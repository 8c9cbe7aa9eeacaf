"""Child process of test_screens.py: the wall on a real X display whose monitors come and go.

Run as ``python tests/qt/screens_child.py '<json>'`` with QT_QPA_PLATFORM=xcb and DISPLAY set. The JSON
argument holds two commands (argument lists): ``remove`` unplugs a monitor, ``add`` plugs it back (``{}``:
only arrange, for the offscreen platform). The script builds three plain views, arranges the wall, runs the
commands one after the other, waits for Qt's screenRemoved / screenAdded and for the wall to settle, and
prints one JSON document on stdout:
``{"snapshots": {"start": ..., "removed": ..., "added": ...}, "signals": [...], "errors": [...]}``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for `console`

from PySide6.QtCore import QEvent, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from console.views.layout import default_layout
from console.views.window import WallWindow, WallWindows

SETTLE_TIMEOUT_S = 10.0
errors: list[str] = []
warnings: list[str] = []
signals: list[dict] = []


def _excepthook(kind, value, tb) -> None:  # exceptions raised in slots end up here
    errors.append("".join(traceback.format_exception(kind, value, tb)))
    sys.__excepthook__(kind, value, tb)


def _messages(kind: QtMsgType, _context, text: str) -> None:
    if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        errors.append(f"Qt: {text}")
    elif kind == QtMsgType.QtWarningMsg:
        warnings.append(text)


def spin(seconds: float) -> None:
    """Run the event loop (deferred deletes included) for a while."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.01)


def wait_until(condition, what: str) -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > SETTLE_TIMEOUT_S:
            raise TimeoutError(f"timed out after {SETTLE_TIMEOUT_S} s waiting for {what}")
        spin(0.02)
    return time.monotonic() - start


def wall_windows() -> list[WallWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, WallWindow) and w.isVisible()]


def settled(screens: int) -> bool:
    windows = wall_windows()
    return (
        len(QGuiApplication.screens()) == screens
        and len(windows) == min(screens, 3)
        and all(w.windowHandle() is not None and w.windowHandle().isExposed() for w in windows)
    )


def snapshot(views: dict[str, QWidget]) -> dict:
    def rect(r) -> list[int]:
        return [r.x(), r.y(), r.width(), r.height()]

    windows = []
    for w in wall_windows():
        handle = w.windowHandle()
        at_centre = QGuiApplication.screenAt(w.geometry().center())
        windows.append(
            {
                "name": w.objectName(),
                "screen": handle.screen().name() if handle and handle.screen() else None,
                "screen_at_centre": at_centre.name() if at_centre else None,
                "geometry": rect(w.geometry()),
                "exposed": bool(handle and handle.isExposed()),
            }
        )
    placed = {}
    for name, view in views.items():
        top = view.window()
        handle = top.windowHandle()
        placed[name] = {
            "visible": view.isVisible(),
            "window": top.objectName() if isinstance(top, WallWindow) else None,
            "screen": handle.screen().name() if handle and handle.screen() else None,
        }
    return {
        "screens": [{"name": s.name(), "geometry": rect(s.geometry())} for s in QGuiApplication.screens()],
        "windows": windows,
        "views": placed,
    }


def main() -> int:
    commands = json.loads(sys.argv[1])
    sys.excepthook = _excepthook
    qInstallMessageHandler(_messages)
    app = QApplication([])
    app.screenRemoved.connect(
        lambda s: signals.append({"signal": "screenRemoved", "screen": s.name(), "t": time.monotonic()})
    )
    app.screenAdded.connect(
        lambda s: signals.append({"signal": "screenAdded", "screen": s.name(), "t": time.monotonic()})
    )
    views = {"situation": QWidget(), "map": QWidget(), "action": QWidget()}
    for name, view in views.items():
        view.setObjectName(name)
    snapshots, timings = {}, {}
    try:
        wall = WallWindows(views, default_layout(3))  # connects screenAdded/screenRemoved itself
        wall.arrange()
        wait_until(lambda: settled(3), "three exposed windows")
        spin(0.2)
        snapshots["start"] = snapshot(views)

        steps = (("removed", 2), ("added", 3)) if commands else ()
        for step, screens in steps:
            before = len(signals)
            t0 = time.monotonic()
            subprocess.run(commands["remove" if step == "removed" else "add"], check=True, timeout=10)
            wait_until(lambda n=before: len(signals) > n, f"Qt's screen signal after the monitor was {step}")
            timings[f"{step}_signal_s"] = round(signals[-1]["t"] - t0, 3)
            wait_until(lambda n=screens: settled(n), f"the wall to settle on {screens} screens")
            spin(0.3)  # let late events (window moves, deferred deletes) arrive before looking
            timings[f"{step}_settled_s"] = round(time.monotonic() - t0, 3)
            snapshots[step] = snapshot(views)
    except Exception:
        errors.append(traceback.format_exc())
        snapshots["failed_at"] = snapshot(views)
    print(
        json.dumps(
            {
                "snapshots": snapshots,
                "signals": signals,
                "timings": timings,
                "errors": errors,
                "warnings": warnings,
            }
        ),
        flush=True,
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
