"""The process around the console: switches that precede Qt, the Qt application, garbage collection."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from typing import Any, Protocol, cast

from console.assets import FONTS
from console.entry import frozen
from console.settings import Settings, parse_settings

_collector = None


def prepare_environment(map_gpu: bool = False) -> None:
    """Process-wide switches that must precede the first Qt import.

    The map is a 2D canvas: Chromium's GPU compositor (a thread in our process) costs ~60 MB of memory and
    buys nothing for it, so it is off unless ``--map-gpu`` asks for it.
    """
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to run as root otherwise
    flags = ["--disable-background-networking"]
    if not map_gpu:
        flags += ["--disable-gpu", "--disable-gpu-compositing"]
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", " ".join(flags))
    if frozen() and (FONTS / "fonts.conf").is_file():  # the map page (Chromium) asks fontconfig only
        os.environ.setdefault("FONTCONFIG_FILE", str(FONTS / "fonts.conf"))
    from console.memory import forget_sources_pyside_reads

    forget_sources_pyside_reads()  # ~20 MB of source lines linecache would keep (console/memory.py)


def create_application(settings: Settings) -> Any:
    """The QApplication with the console's name, language and theme (QtWebEngine loaded before it)."""
    from PySide6 import QtWebEngineWidgets  # noqa: F401  (must be imported before QApplication exists)
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.i18n import install_translator
    from console.widgets.theme import apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = cast(QApplication | None, QApplication.instance()) or QApplication(sys.argv[:1])
    app.setApplicationName("ecoconsole")
    app.setQuitOnLastWindowClosed(False)  # windows come and go with monitors; Ctrl+Q or closing one quits
    install_translator(app, settings.lang)
    add_cjk_font()
    apply_theme(app, settings.scale)
    return app


def add_cjk_font() -> None:
    """Give Qt the bundled CJK font (build, or system without one): else Chinese renders as boxes."""
    from PySide6.QtGui import QFontDatabase

    has_cjk = bool(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    if has_cjk and not frozen():
        return
    for path in sorted(FONTS.glob("*.tt[cf]")) + sorted(FONTS.glob("*.otf")):
        QFontDatabase.addApplicationFont(str(path))


def collect_garbage_on_gui_thread() -> None:
    """Python collects reference cycles on whichever thread happens to allocate: a worker thread (the cache
    writer, an executor) could then destroy Qt objects, whose timers Qt cannot stop from there, and a
    freed timer fires later and crashes the process. So automatic collection is switched off and a timer
    on the GUI thread collects instead (pyqtgraph's GarbageCollector)."""
    global _collector
    if _collector is None:
        from pyqtgraph.util.garbage_collector import GarbageCollector

        _collector = GarbageCollector(interval=0.5)


class Console(Protocol):
    """What the process runs: a console built from settings; after its run, the settings of the next one
    (going live from a replay, or replaying an incident) or None to end."""

    @property
    def next_settings(self) -> Settings | None: ...

    def __init__(self, settings: Settings) -> None: ...

    async def run(self) -> int: ...


async def run_consoles(console_type: type[Console], settings: Settings) -> int:
    """Run consoles one after another in the same process and windows' places, as long as each asks for a
    next one."""
    while True:
        console = console_type(settings)
        code = await console.run()
        if console.next_settings is None:
            return code
        settings = console.next_settings


def run_process(console_type: type[Console], argv: list[str] | None = None) -> int:
    """The process: settings, logging, the switches before Qt, the Qt application, the consoles on the
    qasync loop; at the end windows and web pages close before the application and its web profile."""
    settings = parse_settings(argv)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    prepare_environment(settings.map_gpu)
    import qasync  # type: ignore[import-untyped]  # ships neither stubs nor a py.typed marker

    from console.views.shutdown import close_application

    app = create_application(settings)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            return int(qasync.run(run_consoles(console_type, settings)))
        return 0
    finally:
        close_application(app)
