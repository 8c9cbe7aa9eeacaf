"""A report's words and tables, shared by the PDF, xlsx and csv writers; no Qt.

The documents speak the bureau's language (Chinese), as the bulletins they stand beside: the kinds' names,
the periods written as a bulletin writes them, the headline lines with last year's figure in parentheses,
and the tables (headline figures, townships, stations, days, the incident loop, progress).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from console.core.report_figures import Change, Figures, Report

KIND_NAMES = {
    "daily": "日报",
    "weekly": "周报",
    "monthly": "月报",
    "annual": "年报",
    "episode": "重污染过程专报",
}
KIND_CODES = {"daily": "D", "weekly": "W", "monthly": "M", "annual": "A", "episode": "E"}
LEVEL_NAMES = {0: "无效", 1: "优", 2: "良", 3: "轻度污染", 4: "中度污染", 5: "重度污染", 6: "严重污染"}
# HJ 633-2012 table 2 colours of the six levels; 0: a day without a valid AQI.
LEVEL_COLOURS = {
    0: (200, 200, 200),
    1: (0, 228, 0),
    2: (255, 255, 0),
    3: (255, 126, 0),
    4: (255, 0, 0),
    5: (153, 0, 76),
    6: (126, 0, 35),
}
POLLUTANT_NAMES = {"PM2.5": "PM2.5", "PM10": "PM10", "SO2": "SO₂", "NO2": "NO₂", "CO": "CO", "O3": "O₃"}
PRIMARY_NAMES = {
    "PM25_24H": "PM2.5", "PM10_24H": "PM10", "SO2_24H": "SO₂", "NO2_24H": "NO₂", "CO_24H": "CO",
    "O3_8H": "O₃", "O3_1H": "O₃",
}  # fmt: skip
# (field, label, unit, decimals): the headline statistics in the bulletin's order.
HEADLINE = (
    ("pm25_mean", "PM2.5 平均浓度", "μg/m³", 0),
    ("pm10_mean", "PM10 平均浓度", "μg/m³", 0),
    ("so2_mean", "SO₂ 平均浓度", "μg/m³", 0),
    ("no2_mean", "NO₂ 平均浓度", "μg/m³", 0),
    ("co_p95", "CO 日均值第95百分位", "mg/m³", 1),
    ("o3_8h_p90", "O₃ 日最大8小时第90百分位", "μg/m³", 0),
    ("composite_index", "综合指数", "", 2),
)
DASH = "—"


@dataclass
class Table:
    """One table of a report: a name (file and sheet), a title, column headers and rows of cells."""

    name: str  # ASCII: the csv file's and the xlsx sheet's name
    title: str
    headers: list[str]
    rows: list[list[str | float | int | None]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)  # columns aligned right
    decimals: dict[int, int] = field(default_factory=dict)  # column -> decimals printed (PDF)


def kind_name(kind: str) -> str:
    """The kind's name in a title: 月报, 年报 ..."""
    return KIND_NAMES.get(kind, kind)


def period_text(report: Report) -> str:
    """The period as a bulletin writes it: 2015年12月, 2015年第49周（12月7日—12月13日）..."""
    start, end = date.fromisoformat(report.start), date.fromisoformat(report.end)
    if report.kind == "monthly":
        return f"{start.year}年{start.month}月"
    if report.kind == "annual":
        return f"{start.year}年"
    if report.kind == "daily":
        return _day(start)
    if report.kind == "weekly":
        year, week, _ = start.isocalendar()
        return f"{year}年第{week}周（{start.month}月{start.day}日—{end.month}月{end.day}日）"
    return f"{_day(start)}—{_day(end) if end.year != start.year else f'{end.month}月{end.day}日'}"


def _day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def issue_number(report: Report, issued: date) -> str:
    """The document number: kind, period and the issue year, e.g. 空气质量月报〔2016〕M-2015-12."""
    return f"〔{issued.year}〕{KIND_CODES.get(report.kind, 'R')}-{report.period.replace('/', '_')}"


def number(value: float | int | None, decimals: int = 0) -> str:
    """A figure as printed: fixed decimals, a dash for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    return f"{value:.{decimals}f}"


def percent(value: float | None, decimals: int = 1) -> str:
    """A ratio (0…1) as a percentage."""
    return DASH if value is None else f"{value * 100:.{decimals}f}%"


def change_text(change: Change | None, points: bool = False) -> str:
    """A 同比/环比 change: "-14.8%" (relative), or percentage points for a ratio ("+3.2个百分点")."""
    if change is None:
        return DASH
    if points:
        return DASH if change.delta is None else f"{change.delta * 100:+.1f}个百分点"
    return DASH if change.ratio is None else f"{change.ratio * 100:+.1f}%"


def headline_lines(report: Report) -> list[str]:
    """The headline figures with last year's in parentheses, one line each."""
    yoy = report.yoy
    ratio_then = yoy.get("good_day_ratio")
    good_then = yoy.get("good_days")
    heavy_then = yoy.get("heavy_days")
    lines = [
        f"有效监测天数 {report.valid_days} 天，优良天数 {report.good_days} 天"
        f"（去年同期 {number(good_then.previous if good_then else None)}），"
        f"优良天数比例 {percent(report.good_day_ratio)}"
        f"（去年同期 {percent(ratio_then.previous if ratio_then else None)}），"
        f"重污染天数 {report.heavy_days} 天"
        f"（去年同期 {number(heavy_then.previous if heavy_then else None)}）。"
    ]
    for fieldname, label, unit, decimals in HEADLINE:
        value = getattr(report, fieldname)
        then = yoy.get(fieldname)
        text = f"{label} {number(value, decimals)}{' ' + unit if unit else ''}"
        text += f"（去年同期 {number(then.previous if then else None, decimals)}）"
        if then is not None and then.ratio is not None:
            text += f"，同比{'上升' if then.ratio > 0 else '下降'} {abs(then.ratio) * 100:.1f}%"
        lines.append(text + "。")
    return lines


def progress_lines(report: Report) -> list[str]:
    """Year to date against the annual targets: the mean so far, the target, the allowed rest-of-year mean."""
    lines = []
    for item in report.progress:
        name = POLLUTANT_NAMES.get(item.pollutant, item.pollutant)
        text = (
            f"{name} 年初至今累计平均浓度 {number(item.ytd_mean)} μg/m³（{item.days_counted} 个有效天），"
            f"年度目标 {number(item.target)} μg/m³"
        )
        if item.allowed_mean is None:
            text += "；全年已结束" if item.days_remaining == 0 else ""
        elif item.allowed_mean < 0:
            text += f"；剩余 {item.days_remaining} 天，年度目标已无法完成"
        else:
            text += f"；年剩余日控制值 {number(item.allowed_mean)} μg/m³（剩余 {item.days_remaining} 天）"
        if item.on_track is not None:
            text += "，目前达到目标" if item.on_track else "，目前未达到目标"
        lines.append(text + "。")
    return lines


def incident_lines(report: Report) -> list[str]:
    """The incident loop of the period in one sentence."""
    i = report.incidents
    return [
        f"本期发现问题 {i.raised} 件，办结 {i.closed} 件，其中按时办结 {i.closed_on_time} 件，"
        f"超期未反馈 {i.overdue} 件。"
    ]


def notes(report: Report) -> list[str]:
    """The notes section: where the figures come from and the rules they follow."""
    out = [
        "数据来源：本市环境空气质量自动监测站点的实时监测数据，未经人工审核，以正式发布数据为准。",
        "日均值有效性按 GB 3095-2012 第7条执行：日均值需至少20个有效小时值，"
        "O₃ 日最大8小时平均需至少14个有效8小时值；"
        "城市（乡镇）日均值为各站点有效日均值的算术平均。",
        "评价按 HJ 633-2012 计算空气质量指数（AQI），AQI ≤ 100 为优良天，AQI > 200 为重污染天；"
        "CO 取日均值第95百分位数，O₃ 取日最大8小时平均第90百分位数（HJ 663-2013）。",
        "综合指数 = Σ Cᵢ/Sᵢ，Sᵢ 为 GB 3095-2012 二级年均标准（SO₂ 60、NO₂ 40、PM10 70、PM2.5 35 μg/m³，"
        "CO 4 mg/m³，O₃ 160 μg/m³），数值越小空气质量越好；乡镇排名按综合指数由低到高。",
        "月统计需至少27个有效日（2月25个），年统计需至少324个有效日；不满足时该项以“—”表示。",
    ]
    if report.dust_days:
        out.append(f"沙尘天气日（{', '.join(report.dust_days)}）计入优良天数统计，已从浓度和综合指数中扣除。")
    else:
        out.append("本期浓度和综合指数未扣除沙尘天气影响。")
    if not report.complete:
        out.append("本期部分污染物有效天数不足，相关统计值以“—”表示。")
    return out


UNPLACED = "未划分乡镇（街道）"


def place_name(place: Figures) -> str:
    """A township's or station's name as printed; stations outside any township are grouped as unplaced."""
    return place.name or place.key or UNPLACED


def _figure_row(place: Figures, rank: int | None, township: bool) -> list[str | float | int | None]:
    yoy = place.yoy.get("composite_index")
    head: list[str | float | int | None] = [rank, place_name(place)]
    if township:
        head += [
            place.stations or None,
            _rounded(place.composite_index, 2),
            change_text(yoy) if place.yoy else DASH,
        ]
    else:
        head += [_rounded(place.composite_index, 2)]
    return [
        *head,
        _rounded(place.pm25_mean, 0), _rounded(place.pm10_mean, 0), _rounded(place.so2_mean, 0),
        _rounded(place.no2_mean, 0), _rounded(place.co_p95, 1), _rounded(place.o3_8h_p90, 0),
        percent(place.good_day_ratio), place.heavy_days, place.valid_days,
    ]  # fmt: skip


def _rounded(value: float | None, decimals: int) -> float | None:
    return None if value is None else round(value, decimals)


_STATISTIC_HEADERS = ["PM2.5", "PM10", "SO₂", "NO₂", "CO", "O₃", "优良天数比例", "重污染天数", "有效天数"]
TOWNSHIP_HEADERS = ["排名", "乡镇（街道）", "站点数", "综合指数", "综合指数同比", *_STATISTIC_HEADERS]
STATION_HEADERS = ["排名", "站点", "综合指数", *_STATISTIC_HEADERS]


def townships_table(report: Report) -> Table:
    """The townships ranked by composite index (best first), with their statistics."""
    table = Table(
        "townships", "乡镇（街道）综合指数排名", list(TOWNSHIP_HEADERS), numeric={0, 2, 3, *range(5, 14)},
        decimals={3: 2, 9: 1},
    )  # fmt: skip
    for n, place in enumerate(report.townships, 1):
        table.rows.append(_figure_row(place, n if place.composite_index is not None else None, True))
    return table


def stations_table(report: Report) -> Table:
    """The stations ranked by composite index (best first), with their statistics."""
    table = Table(
        "stations",
        "站点综合指数排名",
        list(STATION_HEADERS),
        numeric={0, *range(2, 12)},
        decimals={2: 2, 7: 1},
    )
    for n, place in enumerate(report.station_figures, 1):
        table.rows.append(_figure_row(place, n if place.composite_index is not None else None, False))
    return table


def ranked_places(report: Report) -> tuple[str, list[Figures]]:
    """What the ranking chart ranks: the townships, or the stations when they are not in two or more."""
    if len([t for t in report.townships if t.key]) >= 2:
        return "乡镇（街道）", report.townships
    return "站点", report.station_figures


def tables(report: Report) -> list[Table]:
    """Every table of the report, in the document's order."""
    out = [headline_table(report)]
    if report.progress:
        out.append(progress_table(report))
    out += [townships_table(report), stations_table(report), days_table(report), incidents_table(report)]
    return out


def headline_table(report: Report) -> Table:
    """The city's headline figures: this period, the same period last year, 同比, the previous period and
    环比."""
    table = Table(
        "headline",
        "全市主要指标",
        ["指标", "本期", "去年同期", "同比", "上期", "环比"],
        numeric={1, 2, 3, 4, 5},
    )
    rows: list[tuple[str, str, int, bool]] = [
        ("优良天数（天）", "good_days", 0, False),
        ("优良天数比例", "good_day_ratio", 1, True),
        ("重污染天数（天）", "heavy_days", 0, False),
    ]
    for fieldname, label, unit, decimals in HEADLINE:
        rows.append((f"{label}{f'（{unit}）' if unit else ''}", fieldname, decimals, False))
    for label, fieldname, decimals, is_ratio in rows:
        value = getattr(report, fieldname)
        yoy, mom = report.yoy.get(fieldname), report.mom.get(fieldname)
        shown = percent if is_ratio else (lambda v, d=decimals: number(v, d))
        table.rows.append([
            label, shown(value), shown(yoy.previous if yoy else None), change_text(yoy, points=is_ratio),
            shown(mom.previous if mom else None), change_text(mom, points=is_ratio),
        ])  # fmt: skip
    return table


def progress_table(report: Report) -> Table:
    """Progress against the annual targets."""
    table = Table(
        "targets", "年度目标进度",
        ["污染物", "年度目标", "累计均值", "有效天数", "剩余天数", "年剩余日控制值", "状态"],
        numeric={1, 2, 3, 4, 5},
    )  # fmt: skip
    for item in report.progress:
        state = DASH if item.on_track is None else ("达标" if item.on_track else "超标")
        allowed: str | float | None = _rounded(item.allowed_mean, 1)
        if item.allowed_mean is not None and item.allowed_mean < 0:
            allowed = "已无法完成"
        table.rows.append([
            POLLUTANT_NAMES.get(item.pollutant, item.pollutant), item.target, _rounded(item.ytd_mean, 1),
            item.days_counted, item.days_remaining, allowed, state,
        ])  # fmt: skip
    return table


def days_table(report: Report) -> Table:
    """The city's days: AQI, level, primary pollutant, PM2.5."""
    table = Table(
        "days", "逐日空气质量", ["日期", "AQI", "级别", "首要污染物", "PM2.5（μg/m³）"], numeric={1, 4}
    )
    for day in report.days:
        primary = "、".join(dict.fromkeys(PRIMARY_NAMES.get(p, p) for p in day.primary)) or DASH
        table.rows.append(
            [day.day, day.aqi, LEVEL_NAMES.get(day.level, DASH), primary, _rounded(day.pm25, 0)]
        )
    return table


def incidents_table(report: Report) -> Table:
    """The incident loop by township, with a total row."""
    table = Table(
        "incidents",
        "问题闭环情况",
        ["乡镇（街道）", "发现", "办结", "按时办结", "超期"],
        numeric={1, 2, 3, 4},
    )
    names = {t.key: t.name for t in report.townships}
    for code, counts in sorted(report.incidents.by_township.items()):
        table.rows.append([names.get(code) or code or UNPLACED, counts.raised, counts.closed,
                           counts.closed_on_time, counts.overdue])  # fmt: skip
    i = report.incidents
    table.rows.append(["合计", i.raised, i.closed, i.closed_on_time, i.overdue])
    return table


def cell_text(value: str | float | int | None, decimals: int | None = None) -> str:
    """A cell as printed in the PDF: a dash for none, floats as they were rounded (or with ``decimals``)."""
    if value is None:
        return DASH
    if isinstance(value, float) and decimals is not None:
        return f"{value:.{decimals}f}"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def month_days(days: Sequence[date]) -> list[tuple[date, list[date]]]:
    """The days grouped by calendar month, in order: (first of the month, its days)."""
    out: list[tuple[date, list[date]]] = []
    for day in days:
        first = day.replace(day=1)
        if not out or out[-1][0] != first:
            out.append((first, []))
        out[-1][1].append(day)
    return out


def last_day(report: Report) -> date:
    """The period's last day."""
    return date.fromisoformat(report.end)


def day_after(day: date) -> date:
    return day + timedelta(days=1)
