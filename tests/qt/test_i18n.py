"""Translations: every interface string has a zh_CN translation, and the console switches language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from PySide6.QtCore import QTranslator

from console.i18n import I18N_DIR, choose_language, install_translator
from console.views.window import HelpOverlay, WallWindow


def test_every_string_is_translated_to_chinese() -> None:
    tree = ET.parse(I18N_DIR / "console_zh_CN.ts")
    messages = list(tree.iter("message"))
    assert len(messages) > 100
    unfinished = [m.findtext("source") for m in messages if m.find("translation").get("type") == "unfinished"]
    assert unfinished == []
    assert (I18N_DIR / "console_zh_CN.qm").stat().st_size > 1000


def test_chinese_and_english_interfaces(qapp, qtbot) -> None:
    assert choose_language("en") == "en" and choose_language("zh_CN") == "zh_CN"
    window = WallWindow("1")
    qtbot.addWidget(window)
    assert dict(HelpOverlay(window).shortcuts())["F11"] == "Toggle kiosk (fullscreen) mode"
    assert install_translator(qapp, "zh_CN") == "zh_CN"
    try:
        overlay = HelpOverlay(window)
        assert dict(overlay.shortcuts())["F11"] == "切换全屏（值守）模式"
        assert "快捷键" in overlay.text()
    finally:  # back to English for the tests that follow
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)
            translator.deleteLater()
