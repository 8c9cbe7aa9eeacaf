"""Translations: every interface string has a zh_CN translation, and the console switches language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import msgspec
from PySide6.QtCore import QCoreApplication, QTranslator

from console.core.reasons import CONTEXT as REASON_CONTEXT
from console.core.reasons import TEMPLATES, Why, placeholders
from console.i18n import I18N_DIR, choose_language, install_translator
from console.views.window import HelpOverlay, WallWindow
from console.widgets.incident_words import incident_title, why_text
from console.widgets.trend_plot import factor_title


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
        install_translator(qapp, "en")
        for translator in qapp.findChildren(QTranslator):
            qapp.removeTranslator(translator)
            translator.deleteLater()


def test_rule_reasons_read_in_chinese_with_the_same_facts(chinese) -> None:
    for key, english in TEMPLATES.items():
        chinese_text = QCoreApplication.translate(REASON_CONTEXT, english)
        assert placeholders(chinese_text) == placeholders(english), key
        assert chinese_text != english or key == "water_part", key
    part = {"value": "1.300 mg/L", "target": "III", "limit": "1.0"}
    parts = (
        Why("water_part_limit", part | {"factor": "w21003"}),
        Why("water_part_minimum", part | {"factor": "w01009"}),
    )
    water = Why("water_class", {"grade": "IV", "time": "01:00", "target": "III", "since": "00:00"}, parts)
    text = why_text(msgspec.to_builtins(water), "English")  # as an audit entry's details carry it
    assert (
        text.startswith("水质类别规则")
        and "氨氮 1.300 mg/L（III 类限值 1.0）、溶解氧 1.300 mg/L（III 类下限" in text
    )
    rise = Why("clear", {"rule": "sudden_rise", "since": "01:00", "hold": "30", "time": "01:40"})
    assert why_text(rise, "").startswith("“浓度突升”条件自 01:00 起已消失")
    assert why_text(None, "reported by a citizen") == "reported by a citizen"
    assert why_text({"key": 3}, "the hub's words") == "the hub's words"  # a malformed why: the English stays


def test_names_from_the_factor_table_follow_the_interface_language(chinese) -> None:
    assert factor_title("a99002") == "臭气浓度" and factor_title("a34004") == "PM2.5"
    odour = Why("odour", {"factor": "a99002"})
    assert incident_title("Odour over limit", "odour", odour) == "恶臭超标 · 臭气浓度"
