"""Interface language: Qt translators for zh_CN (the default on a Chinese system) and English sources."""

from __future__ import annotations

import logging

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from console.assets import RESOURCES

log = logging.getLogger(__name__)
I18N_DIR = RESOURCES / "i18n"
language = "en"  # the interface language installed last: what names from data tables (not Qt) follow


def choose_language(requested: str) -> str:
    """``zh_CN`` or ``en``: the request, else the system locale (Chinese locales get zh_CN)."""
    if requested:
        return requested
    return "zh_CN" if QLocale.system().language() == QLocale.Language.Chinese else "en"


def install_translator(app: QApplication, requested: str = "") -> str:
    """Install the console's and Qt's own translators; returns the language in use."""
    global language
    lang = language = choose_language(requested)
    if lang == "en":
        return lang
    for name, folder in (
        ("console", I18N_DIR),
        ("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
    ):
        translator = QTranslator(app)
        if translator.load(f"{name}_{lang}", str(folder)):
            app.installTranslator(translator)
        else:
            log.warning("no %s translation for %s in %s", name, lang, folder)
    return lang
