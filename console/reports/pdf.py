"""The bureau's air-quality report as an A4 portrait PDF: title block, headline figures with last year's in
parentheses, the AQI calendar, PM2.5 against the annual target, the township ranking, tables of townships
and stations, the incident loop, notes; every kind (daily, weekly, monthly, annual, episode)."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen

from console.core.report_figures import Progress, Report
from console.reports import charts
from console.reports.layout import BUREAU_RED, INK, MUTED, Document
from console.reports.tables import (
    LEVEL_COLOURS,
    LEVEL_NAMES,
    PRIMARY_NAMES,
    days_table,
    headline_lines,
    headline_table,
    incident_lines,
    incidents_table,
    issue_number,
    kind_name,
    notes,
    number,
    percent,
    period_text,
    progress_lines,
    progress_table,
    ranked_places,
    stations_table,
    townships_table,
)

DEFAULT_BUREAU = "生态环境局"
SECTION_NUMBERS = "一二三四五六七八九十"
MAX_BARS = 30  # places in the ranking chart (about half a page)


def report_title(report: Report) -> str:
    """The document's title: 环境空气质量月报 …"""
    if report.kind == "episode":
        return "重污染天气过程专报"
    return f"环境空气质量{kind_name(report.kind)}"


def write_pdf(report: Report, out: Path, *, bureau: str = "", issued: date | None = None) -> int:
    """Write the report's PDF at ``out``; returns its page count."""
    issued = issued or date.today()
    bureau = bureau or DEFAULT_BUREAU
    title = report_title(report)
    doc = Document(out, f"{bureau} {title} {period_text(report)}", footer=f"{bureau} · {title}")
    _title_block(doc, report, bureau, title, issued)
    sections = _Sections(doc)
    sections.next("总体情况")
    _key_figures(doc, report)
    for line in headline_lines(report):
        doc.paragraph(line, indent_mm=0)
    if report.kind != "daily":
        for line in progress_lines(report):
            doc.paragraph(line)
    doc.space(1)
    doc.table(headline_table(report), size=8.5, widths=[34, 14, 14, 14, 14, 14])
    if report.kind == "daily":
        _daily_box(doc, report)
    else:
        rows = charts.calendar_rows(report)
        columns = charts.calendar_columns(len({d.day[:7] for d in report.days}))
        height = (95 if columns == 1 else 70) if rows == 1 else 62 * rows
        sections.next("空气质量日历", min(height, 200))
        doc.block(min(height, 200), lambda p, r: charts.draw_calendar(p, r, report, _font_of(doc), doc.mm))
    for item in report.progress:
        sections.next(f"{item.pollutant} 累计浓度与年度目标", 62)
        doc.block(62, functools.partial(_cumulative, item=item, report=report, doc=doc))
        doc.table(progress_table(report), size=8.5)
    what, places = ranked_places(report)
    sections.next(f"{what}综合指数排名", min(charts.ranking_height_mm(places[:MAX_BARS]), 120))
    if places:
        chart_h = charts.ranking_height_mm(places[:MAX_BARS])
        doc.block(chart_h, lambda p, r: charts.draw_ranking(p, r, places[:MAX_BARS], _font_of(doc), doc.mm))
        if len(places) > MAX_BARS:
            doc.paragraph(f"图中列出前 {MAX_BARS} 名，完整排名见下表。", size=8, colour=MUTED)
    if what == "站点":
        doc.paragraph("本市站点未划分乡镇（街道），按站点排名。", size=8.5, colour=MUTED)
    else:
        doc.table(townships_table(report), size=7.2)
        sections.next("站点综合指数排名")
    doc.table(stations_table(report), size=7.2)
    sections.next("问题闭环情况")
    for line in incident_lines(report):
        doc.paragraph(line)
    doc.table(incidents_table(report), size=8.5, widths=[40, 15, 15, 15, 15])
    sections.next("说明")
    for n, line in enumerate(notes(report), 1):
        doc.paragraph(f"{n}. {line}", size=8.5, colour=MUTED)
    if report.kind != "annual" and len(report.days) > 1:
        doc.heading("附表 逐日空气质量")
        doc.table(days_table(report), size=8, widths=[24, 12, 18, 24, 18])
    return doc.save()


class _Sections:
    """Numbered section headings: 一、二、三 …"""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.n = 0

    def next(self, title: str, keep_mm: float = 30.0) -> None:
        self.doc.heading(f"{SECTION_NUMBERS[self.n]}、{title}", keep_mm)
        self.n += 1


def _cumulative(p: QPainter, rect: QRectF, *, item: Progress, report: Report, doc: Document) -> None:
    charts.draw_cumulative(p, rect, item, report, _font_of(doc), doc.mm)


def _font_of(doc: Document) -> charts.FontOf:
    def font(size: float, bold: bool) -> QFont:
        return doc.font(size, bold=bold)

    return font


def _title_block(doc: Document, report: Report, bureau: str, title: str, issued: date) -> None:
    """The bulletin's head: the bureau in red, a red rule, the title and period, number and issue date."""
    doc.paragraph(bureau, 22, bold=True, colour=BUREAU_RED, align=Qt.AlignmentFlag.AlignHCenter, after_mm=2)
    top, left, width = doc.y, doc.left, doc.width

    def rule(p: QPainter) -> None:
        p.setPen(QPen(BUREAU_RED, doc.mm(0.8)))
        p.drawLine(int(left), int(top), int(left + width), int(top))
        p.setPen(QPen(BUREAU_RED, doc.mm(0.25)))
        p.drawLine(int(left), int(top + doc.mm(1.2)), int(left + width), int(top + doc.mm(1.2)))

    doc.add(rule)
    doc.space(5)
    doc.paragraph(title, doc.style.title, bold=True, align=Qt.AlignmentFlag.AlignHCenter, after_mm=1)
    doc.paragraph(period_text(report), 13, align=Qt.AlignmentFlag.AlignHCenter, after_mm=3)
    font = doc.font(9)
    height = doc.metrics(font).height()
    y = doc.y
    number_text = f"编号：{issue_number(report, issued)}"
    date_text = f"签发日期：{issued.year}年{issued.month}月{issued.day}日"

    def meta(p: QPainter) -> None:
        p.setFont(font)
        p.setPen(MUTED)
        p.drawText(QRectF(left, y, width, height), int(Qt.AlignmentFlag.AlignLeft), number_text)
        p.drawText(QRectF(left, y, width, height), int(Qt.AlignmentFlag.AlignRight), date_text)

    doc.add(meta)
    doc.y += height + doc.mm(2)


def _key_figures(doc: Document, report: Report) -> None:
    """Four boxes: good-day ratio, PM2.5, composite index, heavy days, each with last year's figure."""
    yoy = report.yoy

    def then(field: str, decimals: int = 0, ratio: bool = False) -> str:
        change = yoy.get(field)
        previous = change.previous if change else None
        return f"去年同期 {percent(previous) if ratio else number(previous, decimals)}"

    boxes = [
        ("优良天数比例", percent(report.good_day_ratio), then("good_day_ratio", ratio=True)),
        ("PM2.5 平均浓度", f"{number(report.pm25_mean)} μg/m³", then("pm25_mean")),
        ("综合指数", number(report.composite_index, 2), then("composite_index", 2)),
        ("重污染天数", f"{report.heavy_days} 天", then("heavy_days")),
    ]
    if report.kind == "daily" and report.days:  # a day: its AQI and level instead of the day counts
        day = report.days[0]
        primary = "、".join(dict.fromkeys(PRIMARY_NAMES.get(x, x) for x in day.primary)) or "—"
        boxes[0] = ("空气质量指数 AQI", number(day.aqi), LEVEL_NAMES[day.level])
        boxes[3] = ("首要污染物", primary, f"级别 {LEVEL_NAMES[day.level]}")
    label_font, value_font, small = doc.font(8.5), doc.font(16, bold=True), doc.font(8)

    def draw(p: QPainter, rect: QRectF) -> None:
        gap = doc.mm(3)
        w = (rect.width() - gap * 3) / 4
        for i, (label, value, previous) in enumerate(boxes):
            box = QRectF(rect.left() + i * (w + gap), rect.top(), w, rect.height())
            p.fillRect(box, QColor(243, 246, 250))
            p.setPen(QPen(QColor(200, 208, 220), doc.mm(0.2)))
            p.drawRect(box)
            inner = box.adjusted(doc.mm(2), doc.mm(1.5), -doc.mm(2), -doc.mm(1.5))
            p.setPen(MUTED)
            p.setFont(label_font)
            p.drawText(inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop), label)
            p.setPen(INK)
            p.setFont(value_font)
            p.drawText(inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), value)
            p.setPen(MUTED)
            p.setFont(small)
            note = previous if not previous.startswith("去年") else f"（{previous}）"  # a day's level: bare
            p.drawText(inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom), note)

    doc.block(22, draw)


def _daily_box(doc: Document, report: Report) -> None:
    """A daily report's day: its AQI in the level's colour, the level and primary pollutant."""
    day = report.days[0] if report.days else None

    def draw(p: QPainter, rect: QRectF) -> None:
        level = day.level if day is not None else 0
        box = QRectF(rect.left(), rect.top(), doc.mm(40), rect.height())
        p.fillRect(box, QColor(*LEVEL_COLOURS[level]))
        p.setPen(QColor(255, 255, 255) if level >= 4 else INK)
        p.setFont(doc.font(22, bold=True))
        aqi = str(day.aqi) if day is not None and day.aqi is not None else "—"
        p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), f"AQI {aqi}")
        p.setPen(INK)
        p.setFont(doc.font(11))
        primary = "、".join(dict.fromkeys(PRIMARY_NAMES.get(x, x) for x in day.primary)) if day else ""
        text = f"空气质量级别：{LEVEL_NAMES[level]}\n首要污染物：{primary or '—'}"
        p.drawText(
            rect.adjusted(doc.mm(46), 0, 0, 0),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            text,
        )

    doc.block(24, draw)
