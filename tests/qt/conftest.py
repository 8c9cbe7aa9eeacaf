"""Qt test setup: offscreen platform with three 1080p screens, QtWebEngine usable as root, qasync loops."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest

SCREENS = Path(__file__).with_name("screens.json")

# Three offscreen screens (a duty wall): windows can be placed per screen. Headless runs only: a real
# display (xcb, wayland) is left alone.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREENS}"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to run as root otherwise

from console.runtime import prepare_environment  # noqa: E402

prepare_environment()  # the map's Chromium switches, as in the console (no GPU compositor)

# Qt wants QtWebEngine loaded (or AA_ShareOpenGLContexts set) before the QApplication exists; on the
# offscreen platform a later import happens to work, on a GL display it warns. Import it ahead of qapp.
from PySide6 import QtWebEngineWidgets  # noqa: E402, F401
from PySide6.QtCore import QCoreApplication, Qt, qInstallMessageHandler  # noqa: E402

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)


def _qt_message_to_stderr(_mode, _context, message: str) -> None:
    """Qt's messages outside pytest-qt's capture, written as Qt itself would."""
    sys.stderr.write(f"{message}\n")


# pytest-qt captures Qt's messages with its own handler during each test and puts the previous one back
# after it. With no Python handler before it, that means None, and PySide then clears its handler while a
# Chromium thread (the in-process GPU thread logs at start-up) may already be inside it waiting for the
# GIL: the thread calls a NULL handler and the interpreter dies with a segmentation fault during the
# teardown. A handler that is always there makes the swap safe.
qInstallMessageHandler(_qt_message_to_stderr)


def _qasync_loop():
    """An asyncio loop running on the Qt event loop (what the console uses)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    return qasync.QEventLoop(app)


def pytest_asyncio_loop_factories(config, item):
    """Async tests under tests/qt run on qasync, like the console."""
    return {"qasync": _qasync_loop}


@pytest.fixture(autouse=True, scope="session")
def _keep_running_when_windows_close(qapp):
    """Windows that earlier tests close must not quit the application under a later test's event loop."""
    qapp.setQuitOnLastWindowClosed(False)


@pytest.fixture(autouse=True, scope="session")
def _collect_garbage_on_the_gui_thread(qapp):
    """As in the console: one test's Qt objects must never be collected on a later test's worker thread."""
    from console.runtime import collect_garbage_on_gui_thread

    collect_garbage_on_gui_thread()


@pytest.fixture(autouse=True, scope="session")
def _close_the_application_last(qapp):
    """As the console does on quitting: every window and web page goes before the application and its web
    profile, which Python destroys at exit."""
    yield
    from console.views.shutdown import close_application

    close_application(qapp)


@pytest.fixture(autouse=True)
def _delete_each_tests_widgets_after_it(qapp):
    """What a test leaves goes when it ends, web pages first: pytest-qt closes the widgets a test registered
    and calls deleteLater, which runs only in some later test's event loop (or never), so a page could
    outlive the web profile. Reference cycles of Qt objects are collected here too, on the GUI thread."""
    yield
    from PySide6.QtCore import QEvent

    from console.views.shutdown import release_web_views

    release_web_views()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def chinese(qapp):
    """The zh_CN interface for one test; English again for the tests that follow."""
    from PySide6.QtCore import QTranslator

    from console.i18n import install_translator

    assert install_translator(qapp, "zh_CN") == "zh_CN"
    yield
    install_translator(qapp, "en")
    for translator in qapp.findChildren(QTranslator):
        qapp.removeTranslator(translator)
        translator.deleteLater()
