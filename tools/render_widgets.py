"""Render the wall widgets with a simulated day into docs/screenshots (offscreen), to look at them.

    .venv/bin/python tools/render_widgets.py [--lang zh|en|both]

Writes left_panels, right_panels, station_trends and status_banner (.png; *_en.png in English) at wall
scale (55" tiles seen from 4 m). Data come from the simulated city (console.sim.citymodel); the
45-minute hole, the invalid points and the back-filled stretch in the selected station's trend are cut
in here to show how the plot draws them. zh_CN comes from a small dict until the real .qm exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QApplication, QGridLayout, QVBoxLayout, QWidget

from console.core import aqi
from console.core.models import FAULT_FLAGS, INVALID_FLAGS
from console.sim.citymodel import CityModel
from console.sim.network import build_network
from console.sim.regions import PRESETS
from console.widgets import theme

HOUR = 3600
START = 1763683200.0  # 2025-11-21 08:00 local: the simulated episode starts two hours later
NOW = START + 13 * HOUR + 17 * 60 + 12  # 2025-11-21 21:17:12 local, as the episode builds up
STEP = 300
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
CODES = {
    "PM2.5": "a34004",
    "PM10": "a34002",
    "SO2": "a21026",
    "NO2": "a21004",
    "CO": "a21005",
    "O3": "a05024",
}
HOURLY_KEYS = {p: p.replace(".", "") + "_1H" for p in CODES}
ZH = {
    "Excellent": "优",
    "Good": "良",
    "Lightly polluted": "轻度污染",
    "Moderately polluted": "中度污染",
    "Heavily polluted": "重度污染",
    "Severely polluted": "严重污染",
    "Light": "轻度",
    "Moderate": "中度",
    "Heavy": "重度",
    "Severe": "严重",
    "no data": "无数据",
    "No data": "无数据",
    "as of {time}": "截至 {time}",
    "{n} s ago": "{n} 秒前",
    "{n} min ago": "{n} 分钟前",
    "{h} h {m} min ago": "{h} 小时 {m} 分前",
    "{n} d ago": "{n} 天前",
    "AQI": "AQI",
    "AQI · {start}–{end}": "AQI · {start}–{end} 时段",
    "Primary pollutant: none": "首要污染物：无",
    "Primary pollutant: {names}": "首要污染物：{names}",
    "Temperature": "气温",
    "Wind speed": "风速",
    "Humidity": "湿度",
    "Pressure": "气压",
    "GB 3095 II {period} {value}": "国标二级 {period} {value}",
    "Network": "网络",
    "Online": "在线",
    "Offline": "离线",
    "Fault": "故障",
    "Alarm": "报警",
    "Online %": "在线率",
    "Air": "空气站",
    "Micro": "微站",
    "Scenic": "景区站",
    "Water": "水质站",
    "Noise": "噪声站",
    "Fume": "油烟",
    "Sources": "污染源",
    "Odour": "恶臭",
    "N": "北",
    "NE": "东北",
    "E": "东",
    "SE": "东南",
    "S": "南",
    "SW": "西南",
    "W": "西",
    "NW": "西北",
    "Calm {speed:.1f} m/s": "静风 {speed:.1f} m/s",
    "{dir} {speed:.1f} m/s": "{dir}风 {speed:.1f} m/s",
    "at {time}": "{time} 实测",
    "arrow: towards": "箭头指向去向",
    "arrow: towards · petals: from": "箭头指向去向 · 花瓣表示来向",
    "● LIVE": "● 实时",
    "⟳ RECONNECTING": "⟳ 正在重连",
    "OFFLINE — showing data as of {time}": "离线 — 显示 {time} 的数据",
    "▶ REPLAY {time} — not live": "▶ 回放 {time} — 非实时",
    "attempt {n} · next retry in {s} s": "第 {n} 次 · {s} 秒后重试",
    "hub {n} of {count}: {address}": "平台 {n}/{count}：{address}",
    "Info": "提示",
    "Warning": "警告",
    "Critical": "紧急",
    "No events": "暂无事件",
    "+ {n} more, all lower": "另有 {n} 个，数值均更低",
    "+ {n} more, lower or without data": "另有 {n} 个，数值更低或无数据",
}


class DictTranslator(QTranslator):
    """zh_CN from a dict, for screenshots until the lead's .qm exists."""

    def translate(self, context, source, disambiguation=None, n=-1):
        return ZH.get(source)

    def isEmpty(self) -> bool:
        return False


def zh(en: str, zh_text: str) -> str:
    """Data text in the language being rendered (event texts come from the hub in real use)."""
    return zh_text if LANG == "zh" else en


LANG = "zh"


class Day:
    """A simulated day of the whole network up to NOW, at STEP seconds."""

    def __init__(self) -> None:
        self.region = PRESETS["yanqing"]
        self.specs = build_network(self.region, 7)
        self.model = CityModel(self.specs, self.region, 7, start=START)
        self.times = np.arange(NOW - 24 * HOUR, NOW + 1, STEP) // STEP * STEP
        self.frames = [self.model.sample_all(t) for t in self.times]
        self.air = [i for i, s in enumerate(self.specs) if s.station.kind == "air"]

    def series(self, index: int, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(times, values, invalid mask) of one factor of one station; offline samples are left out."""
        rows = [(t, f[index][code]) for t, f in zip(self.times, self.frames, strict=True) if f[index]]
        ts = np.array([t for t, _ in rows], float)
        values = np.array([v for _, (v, _f) in rows], float)
        return ts, values, np.array([flag in INVALID_FLAGS for _, (_v, flag) in rows])

    def hour_mean(self, indices: list[int], code: str, hour_end: float) -> float | None:
        """Mean of the valid values of some stations in the hour ending at `hour_end`."""
        picked = [
            f[i][code][0]
            for t, f in zip(self.times, self.frames, strict=True)
            if hour_end - HOUR < t <= hour_end
            for i in indices
            if f[i] and f[i][code][1] not in INVALID_FLAGS
        ]
        return float(np.mean(picked)) if picked else None

    def hourly_aqi(
        self, indices: list[int], hour_end: float
    ) -> tuple[aqi.AqiResult | None, dict[str, float]]:
        """Hourly AQI and concentrations of a group of air stations."""
        conc = {p: self.hour_mean(indices, c, hour_end) for p, c in CODES.items()}
        conc = {p: v for p, v in conc.items() if v is not None}
        return aqi.hourly_aqi({HOURLY_KEYS[p]: v for p, v in conc.items()}), conc


def last_hour() -> float:
    return NOW // HOUR * HOUR


def headline_widget(day: Day) -> QWidget:
    from console.widgets.aqi_headline import AqiHeadline

    result, conc = day.hourly_aqi(day.air, last_hour())
    widget = AqiHeadline()
    widget.set_city(result.aqi, result.primary_pollutants, result.iaqi, conc, last_hour() - HOUR)
    return widget


def ranking_widget(day: Day) -> QWidget:
    from console.widgets.ranking_chart import RankingChart

    rows = []
    for town in day.region.townships:
        members = [i for i in day.air if day.specs[i].station.township == town.code]
        result, _ = day.hourly_aqi(members, last_hour())
        rows.append((town.name, result.aqi if result else None, result.aqi if result else None))
    rows[5] = (rows[5][0], None, None)  # one township without data this hour
    chart = RankingChart()
    chart.set_ranking(
        rows,
        zh("AQI {}–{}", "AQI · {}–{} 时段").format(_hm(last_hour() - HOUR), _hm(last_hour())),
        full_scale=150,
    )
    return chart


def wind_widget(day: Day) -> QWidget:
    from console.widgets.wind_widget import WindWidget

    weather = day.model.weather(NOW)
    widget = WindWidget()
    widget.set_rose([(w.wind_dir_deg, w.wind_speed_ms) for w in map(day.model.weather, day.times)])
    widget.set_wind(weather.wind_dir_deg, weather.wind_speed_ms, NOW - 72)
    return widget


def health_widget(day: Day) -> QWidget:
    from console.widgets.network_health import HealthRow, NetworkHealth

    frame, offline = day.frames[-1], day.model.offline(day.times[-1])
    counts: dict[str, Counter] = {}
    for i, spec in enumerate(day.specs):
        kind = "source" if spec.station.kind.startswith("source") else str(spec.station.kind)
        c = counts.setdefault(kind, Counter())
        c["total"] += 1
        sample = frame[i]
        state = (
            "offline"
            if offline[i]
            else "fault"
            if any(f in FAULT_FLAGS for _, f in sample.values())
            else "online"
        )
        c[state] += 1
        c["alarm"] += bool(sample and sample.get("a34004", (0, ""))[0] > 250)
    order = ("air", "micro", "scenic", "water", "noise", "fume", "source", "odour")
    rows = [
        HealthRow(k, *(counts[k][f] for f in ("total", "online", "offline", "fault", "alarm"))) for k in order
    ]
    widget = NetworkHealth()
    widget.set_rows(rows)
    return widget


def events_widget(day: Day) -> QWidget:
    from console.core.event_log import EventRow
    from console.widgets.event_list import EventList

    worst = max(day.air, key=lambda k: day.hour_mean([k], "a34004", last_hour()) or 0)
    name, pm = day.specs[worst].station.name, day.hour_mean([worst], "a34004", last_hour())
    rows = [
        EventRow(
            NOW - 95,
            "critical",
            zh("Incident 1121-031 overdue, escalated", "事件 1121-031 超时，已升级至区级"),
        ),
        EventRow(
            NOW - 400, "warning", zh(f"{name} PM2.5 {pm:.0f} over 24h limit", f"{name} PM2.5 {pm:.0f} 超标")
        ),
        EventRow(NOW - 1300, "info", zh("Orange heavy-pollution warning issued", "重污染橙色预警已发布")),
        EventRow(NOW - 2600, "critical", zh("Source outlet 07 NOx over limit", "重点源排口07 氮氧化物超标")),
    ]
    offline_now = day.model.offline(day.times[-1])
    for i in np.flatnonzero(offline_now)[:4]:
        spec = day.specs[i].station
        rows.append(
            EventRow(NOW - 600 - 211 * i % 5000, "warning", zh(f"{spec.name} offline", f"{spec.name} 离线"))
        )
    widget = EventList(now=lambda: NOW)
    widget.set_events(rows)
    return widget


def station_trend(day: Day) -> QWidget:
    from console.widgets.trend_plot import TrendPlot, limit_lines

    index = day.air[3]
    ts, values, invalid = day.series(index, "a34004")
    keep = (ts < NOW - 9 * HOUR) | (ts > NOW - 9 * HOUR + 45 * 60)  # a 45-minute hole
    ts, values, invalid = ts[keep], values[keep], invalid[keep]
    invalid[[40, 41, 180]] = True
    backfilled = (ts > NOW - 4 * HOUR) & (ts < NOW - 2.5 * HOUR)
    plot = TrendPlot("µg/m³")
    plot.set_series("pm25", "PM2.5", ts, values, invalid=invalid, backfilled=backfilled)
    for label, value in limit_lines("a34004"):
        plot.set_limit(label, value)
    return plot


def city_trend(day: Day) -> QWidget:
    from console.widgets.trend_plot import TrendPlot, limit_lines

    hours = np.arange(NOW - 24 * HOUR, NOW, HOUR) // HOUR * HOUR + HOUR
    plot = TrendPlot("µg/m³")
    for name in ("PM2.5", "PM10"):
        values = np.array([day.hour_mean(day.air, CODES[name], h) or np.nan for h in hours])
        plot.set_series(name, name, hours - HOUR, values)
        for label, value in limit_lines(CODES[name]):
            plot.set_limit(f"{name} {label}", value)
    return plot


def _hm(ts: float) -> str:
    return theme.local_time(ts).strftime("%H:%M")


def panel(title: str, body: QWidget, data_time: float | None, stale_after_s: float = 300):
    from console.widgets.panel import Panel

    box = Panel(title, stale_after_s=stale_after_s, now=lambda: NOW)
    box.set_body(body)
    box.set_data_time(data_time)
    return box


def screen(cells: list[tuple], columns: tuple[int, ...], rows: tuple[int, ...] = (1,)) -> QWidget:
    """A 1920×1080 tile with panels on a grid: (widget, row, column, row span, column span) and stretches."""
    root = QWidget()
    root.setObjectName("Screen")
    root.setStyleSheet(f"QWidget#Screen {{ background: {theme.BACKGROUND}; }}")
    root.setFixedSize(1920, 1080)
    grid = QGridLayout(root)
    gap = theme.current_scale().gap_px
    grid.setContentsMargins(gap, gap, gap, gap)
    grid.setSpacing(gap)
    for widget, *where in cells:
        grid.addWidget(widget, *where)
    for col, factor in enumerate(columns):
        grid.setColumnStretch(col, factor)
    for row, factor in enumerate(rows):
        grid.setRowStretch(row, factor)
    return root


def left_screen(day: Day) -> QWidget:
    hour = last_hour() - HOUR
    aqi_panel = panel(zh("District AQI now", "全区空气质量"), headline_widget(day), last_hour(), 2 * HOUR)
    ranking = panel(zh("Townships by AQI", "乡镇街道 AQI 排名"), ranking_widget(day), hour + HOUR, 2 * HOUR)
    wind = panel(zh("Wind", "风向风速"), wind_widget(day), NOW - 72)
    return screen([(aqi_panel, 0, 0, 1, 1), (wind, 1, 0, 1, 1), (ranking, 0, 1, 2, 1)], (11, 9), (5, 3))


def right_screen(day: Day) -> QWidget:
    name = day.specs[day.air[3]].station.name
    station = panel(zh(f"{name} · PM2.5, 24 h", f"{name} PM2.5 近 24 小时"), station_trend(day), NOW - 190)
    district = panel(
        zh("District PM2.5 / PM10", "全区 PM2.5 / PM10 小时均值"), city_trend(day), last_hour(), 2 * HOUR
    )
    events = panel(zh("Latest events", "最新事件"), events_widget(day), NOW - 95)
    health = panel(zh("Network", "监测网络运行"), health_widget(day), NOW - 40)
    cells = [(station, 0, 0, 1, 1), (district, 1, 0, 1, 1), (events, 0, 1, 1, 1), (health, 1, 1, 1, 1)]
    return screen(cells, (55, 45), (1, 1))


def trends_screen(day: Day) -> QWidget:
    from console.widgets.trend_plot import AIR_STATION_FACTORS, StationTrends

    index = day.air[3]
    trends = StationTrends()
    trends.set_station(day.specs[index].station.name, list(AIR_STATION_FACTORS))
    for code in AIR_STATION_FACTORS:
        trends.set_factor_series(code, *day.series(index, code))
    title = zh("Station trends, 24 h", "站点趋势 · 近 24 小时")
    return screen([(panel(title, trends, NOW - 190), 0, 0, 1, 1)], (1,))


def banner_states() -> QWidget:
    from console.widgets.status_banner import StatusBanner

    root = QWidget()
    root.setObjectName("Screen")
    root.setStyleSheet(f"QWidget#Screen {{ background: {theme.BACKGROUND}; }}")
    root.setFixedWidth(1920)
    layout = QVBoxLayout(root)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(theme.current_scale().gap_px * 2)
    title = zh("Yanqing Eco-Environment Command Centre", "延庆区生态环境监测指挥中心")
    states = [
        ("live", "", None),
        ("live", StatusBanner.hub_detail(2, 2, "wss://hub-b.example:8765"), None),  # failed over to hub B
        ("reconnecting", StatusBanner.reconnect_detail(3, 8), NOW - 20),
        ("offline", "", NOW - 95),
        ("replay", "", 1705017600.0),
    ]
    for state, detail, data_time in states:
        banner = StatusBanner(title, now=lambda: NOW)
        banner.set_link_state(state, detail, data_time)
        layout.addWidget(banner)
    warned = StatusBanner(title, now=lambda: NOW)
    warned.set_warning(
        zh(
            "Heavy-pollution ORANGE warning in force since 11-21 20:00: measures at level II",
            "重污染天气橙色预警 11-21 20:00 起生效：执行 II 级应急减排措施",
        )
    )
    layout.addWidget(warned)
    return root


def render(lang: str) -> None:
    global LANG
    LANG = lang
    app = QApplication.instance() or QApplication([])
    translator = DictTranslator()
    if lang == "zh":
        app.installTranslator(translator)
    theme.apply_theme(app, theme.WallScale(55, 4.0))
    day = Day()
    suffix = "" if lang == "zh" else "_en"
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in (
        ("left_panels", left_screen),
        ("right_panels", right_screen),
        ("station_trends", trends_screen),
        ("status_banner", lambda _d: banner_states()),
    ):
        widget = build(day)
        widget.show()
        for _ in range(3):  # layouts settle and pyqtgraph sizes its axes to the text on the first paints
            app.processEvents()
            widget.adjustSize()  # the banner stack has no fixed height: wrapped warnings take theirs
            widget.grab()
        widget.grab().save(str(OUT / f"{name}{suffix}.png"))
        print(OUT / f"{name}{suffix}.png")
        widget.close()
    app.removeTranslator(translator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=("zh", "en", "both"), default="both")
    args = parser.parse_args()
    for lang in ("zh", "en") if args.lang == "both" else (args.lang,):
        render(lang)


if __name__ == "__main__":
    main()
