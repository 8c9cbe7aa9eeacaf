"""Refresh the zh_CN translation: extract strings (pyside6-lupdate), fill them from ZH, compile (lrelease).

Run after changing any user-visible string: ``.venv/bin/python tools/i18n.py``. Strings missing from ZH
are left "unfinished" and listed; tests/qt/test_i18n.py fails until they are translated.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "i18n" / "console_zh_CN.ts"
BIN = Path(sys.executable).parent

ZH = {
    # AQI categories (HJ 633)
    "Excellent": "优", "Good": "良", "Lightly polluted": "轻度污染", "Moderately polluted": "中度污染",
    "Heavily polluted": "重度污染", "Severely polluted": "严重污染",
    "Light": "轻度", "Moderate": "中度", "Heavy": "重度", "Severe": "严重",
    # panels and ages
    "no data": "无数据", "No data": "无数据", "as of {time}": "截至 {time}", "{n} s ago": "{n} 秒前",
    "{n} min ago": "{n} 分钟前", "{h} h {m} min ago": "{h} 小时 {m} 分前", "{n} d ago": "{n} 天前",
    "AQI": "AQI", "AQI · {start}–{end}": "AQI · {start}–{end}",
    "Primary pollutant: none": "首要污染物：无", "Primary pollutant: {names}": "首要污染物：{names}",
    # factors and limits
    "Temperature": "气温", "Wind speed": "风速", "Humidity": "湿度", "Pressure": "气压", "PM2.5": "PM2.5",
    "TSP": "TSP", "Noise Leq": "噪声 Leq", "Dissolved oxygen": "溶解氧", "Ammonia nitrogen": "氨氮",
    "Total phosphorus": "总磷", "GB 3095 II {period} {value}": "GB 3095 二级 {period} {value}",
    "GB 3096 zone {zone} {period} {value}": "GB 3096 {zone}类区 {period} {value}",
    "GB 3838 {cls} {value}": "GB 3838 {cls}类 {value}", "GB 3095 II 24 h": "GB 3095 二级 24 小时",
    "day": "昼间", "night": "夜间",
    # network health
    "Network": "监测网络", "Online": "在线", "Offline": "离线", "Fault": "故障", "Alarm": "报警",
    "Online %": "在线率", "Air": "空气站", "Micro": "微站", "Scenic": "景区站", "Water": "水质站",
    "Noise": "噪声", "Fume": "餐饮油烟", "Sources": "污染源", "Odour": "恶臭",
    # compass and wind
    "N": "北", "NE": "东北", "E": "东", "SE": "东南", "S": "南", "SW": "西南", "W": "西", "NW": "西北",
    "Calm {speed:.1f} m/s": "静风 {speed:.1f} m/s", "{dir} {speed:.1f} m/s": "{dir}风 {speed:.1f} m/s",
    "at {time}": "{time} 实测", "arrow: towards": "箭头指向去向",
    "arrow: towards · petals: from": "箭头指向去向 · 花瓣表示来向",
    # banner
    "● LIVE": "● 实时", "⟳ RECONNECTING": "⟳ 正在重连",
    "OFFLINE — showing data as of {time}": "离线 — 显示 {time} 的数据",
    "▶ REPLAY {time} — not live": "▶ 回放 {time} — 非实时",
    "attempt {n} · next retry in {s} s": "第 {n} 次 · {s} 秒后重试",
    "Environmental command centre": "生态环境指挥中心",
    # events
    "Info": "提示", "Warning": "警告", "Critical": "紧急", "No events": "暂无事件",
    "{0} offline: {1}": "{0} 离线：{1}", "{0} instrument fault: {1}": "{0} 仪器故障：{1}",
    "{0} exceeds its limit ({1})": "{0} 超标（{1}）", "{0}: AQI {1}, heavily polluted air": "{0}：AQI {1}，重污染",
    "Data time {0}": "数据时间 {0}",
    # ranking
    "+ {n} more, all lower": "另有 {n} 个，数值均更低", "+ {n} more, lower or without data": "另有 {n} 个，数值更低或无数据",
    "PM2.5 µg/m³": "PM2.5 µg/m³",
    # wall views
    "City air quality now": "全市空气质量（实时）", "Township ranking · PM2.5": "乡镇排名 · PM2.5",
    "Network health": "监测网络运行", "Wind": "风", "Latest events": "最新事件",
    "Selected station · 24 h": "选中站点 · 24 小时", "Selected station · 24 h · {0}": "选中站点 · 24 小时 · {0}",
    "City PM2.5 and AQI · hourly, 24 h": "全市 PM2.5 与 AQI · 小时值 · 24 小时", "AQI (hourly)": "AQI（小时）",
    # window and help
    "Keyboard shortcuts": "快捷键", "Toggle kiosk (fullscreen) mode": "切换全屏（值守）模式",
    "Show or hide this help": "显示或隐藏本帮助", "Close this help": "关闭帮助", "Quit the console": "退出控制台",
    # map legend
    "Layers": "图层", "Status": "状态", "Air stations": "空气站", "Micro stations": "微站",
    "Scenic areas": "景区站", "Water quality": "水质站", "Catering fume": "餐饮油烟", "Pollution sources": "污染源",
    "Normal": "正常", "Exceedance": "超标", "Stale data": "数据陈旧", "Instrument fault": "仪器故障",
    "Invalid data": "无效数据", "Selected": "选中", "Township outlines approximate": "乡镇边界为近似范围",
    "Intranet basemap": "内网底图",
}  # fmt: skip


def extract() -> None:
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "console").rglob("*.py"))
    subprocess.run(
        [str(BIN / "pyside6-lupdate"), *sources, "-no-obsolete", "-ts", str(TS)], cwd=ROOT, check=True
    )


def fill() -> list[str]:
    tree = ET.parse(TS)
    missing = []
    for message in tree.iter("message"):
        source = message.findtext("source")
        translation = message.find("translation")
        if source in ZH:
            translation.text = ZH[source]
            translation.attrib.pop("type", None)
        else:
            missing.append(source)
    tree.write(TS, encoding="utf-8", xml_declaration=True)
    return missing


def main() -> int:
    TS.parent.mkdir(parents=True, exist_ok=True)
    extract()
    missing = fill()
    subprocess.run([str(BIN / "pyside6-lrelease"), str(TS)], cwd=ROOT, check=True)
    for source in missing:
        print(f"untranslated: {source!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
