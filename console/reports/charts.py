"""The reports' charts, drawn with QPainter into a rectangle of the page: the daily AQI calendar coloured by
HJ 633 level, the PM2.5 cumulative mean against the annual target, the township ranking by composite index."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPen

from console.core.report_figures import Figures, Progress, Report
from console.reports.tables import LEVEL_COLOURS, LEVEL_NAMES, POLLUTANT_NAMES, month_days

FontOf = Callable[[float, bool], QFont]  # (points, bold) -> font
INK = QColor(30, 30, 30)
MUTED = QColor(110, 110, 110)
GRID = QColor(215, 215, 215)
WEEKDAYS = "一二三四五六日"
# A colour per pollutant for the composite index's terms (stacked bars).
TERM_COLOURS = {
    "PM2.5": QColor(90, 110, 180), "PM10": QColor(140, 160, 210), "SO2": QColor(230, 180, 60),
    "NO2": QColor(200, 120, 60), "CO": QColor(150, 150, 150), "O3": QColor(90, 170, 140),
}  # fmt: skip


def _level_colour(level: int) -> QColor:
    return QColor(*LEVEL_COLOURS.get(level, LEVEL_COLOURS[0]))


def _ink_on(level: int) -> QColor:
    return QColor(255, 255, 255) if level >= 4 else INK


def calendar_rows(report: Report) -> int:
    """How many calendar rows of months the period takes (annual: 3 rows of 4 months)."""
    months = len(month_days([date.fromisoformat(d.day) for d in report.days]))
    columns = calendar_columns(months)
    return max(1, math.ceil(months / columns))


def calendar_columns(months: int) -> int:
    return 1 if months == 1 else (2 if months <= 2 else (3 if months <= 6 else 4))


def draw_calendar(
    p: QPainter, rect: QRectF, report: Report, font: FontOf, mm: Callable[[float], float]
) -> None:
    """Each month of the period as a calendar (weeks Monday first), a cell per day coloured by its AQI
    level with the day and its AQI; a legend of the six levels beneath."""
    by_day = {d.day: d for d in report.days}
    months = month_days([date.fromisoformat(d.day) for d in report.days])
    columns = calendar_columns(len(months))
    rows = math.ceil(len(months) / columns)
    legend_h = mm(7)
    gap = mm(4)
    cell_w = (rect.width() - gap * (columns - 1)) / columns
    cell_h = (rect.height() - legend_h - gap * (rows - 1)) / rows
    big = columns <= 2  # a month or two: the day and its AQI in each cell
    aqi_points = 11 if columns == 1 else 8.5
    for n, (first, days) in enumerate(months):
        column, row = n % columns, n // columns
        box = QRectF(rect.left() + column * (cell_w + gap), rect.top() + row * (cell_h + gap),
                     cell_w, cell_h)  # fmt: skip
        title_h = mm(6) if big else mm(4.5)
        p.setFont(font(9 if big else 7, True))
        p.setPen(INK)
        p.drawText(QRectF(box.left(), box.top(), box.width(), title_h), int(Qt.AlignmentFlag.AlignLeft),
                   f"{first.year}年{first.month}月")  # fmt: skip
        head_h = mm(4.5) if big else mm(3.2)
        weeks = _weeks_in_month(first)
        grid = QRectF(box.left(), box.top() + title_h + head_h, box.width(), box.height() - title_h - head_h)
        w, h = grid.width() / 7, grid.height() / weeks
        p.setFont(font(8 if big else 5.5, False))
        p.setPen(MUTED)
        for i, name in enumerate(WEEKDAYS):
            p.drawText(
                QRectF(grid.left() + i * w, box.top() + title_h, w, head_h),
                int(Qt.AlignmentFlag.AlignCenter),
                name,
            )
        in_period = {d.isoformat() for d in days}
        day = first
        offset = first.weekday()
        while day.month == first.month:
            slot = offset + day.day - 1
            cell = QRectF(grid.left() + (slot % 7) * w, grid.top() + (slot // 7) * h, w, h).adjusted(
                mm(0.3), mm(0.3), -mm(0.3), -mm(0.3)
            )
            figure = by_day.get(day.isoformat())
            if day.isoformat() not in in_period:
                p.fillRect(cell, QColor(245, 245, 245))
                level = -1
            else:
                level = figure.level if figure is not None else 0
                p.fillRect(cell, _level_colour(level))
            p.setPen(MUTED if level < 0 else _ink_on(level))
            if big:
                p.setFont(font(8, False))
                p.drawText(cell.adjusted(mm(1), mm(0.5), 0, 0), int(Qt.AlignmentFlag.AlignLeft), str(day.day))
                if figure is not None and figure.aqi is not None and level >= 0:
                    p.setFont(font(aqi_points, True))
                    p.drawText(
                        cell.adjusted(0, mm(2), 0, 0), int(Qt.AlignmentFlag.AlignCenter), str(figure.aqi)
                    )
            else:
                p.setFont(font(5, False))
                p.drawText(cell, int(Qt.AlignmentFlag.AlignCenter), str(day.day))
            day = date.fromordinal(day.toordinal() + 1)
    _legend(
        p, QRectF(rect.left(), rect.bottom() - legend_h + mm(2), rect.width(), legend_h - mm(2)), font, mm
    )


def _weeks_in_month(first: date) -> int:
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    days = (following - first).days
    return math.ceil((first.weekday() + days) / 7)


def _legend(p: QPainter, rect: QRectF, font: FontOf, mm: Callable[[float], float]) -> None:
    p.setFont(font(7, False))
    x = rect.left()
    for level in (1, 2, 3, 4, 5, 6, 0):
        swatch = QRectF(x, rect.top() + mm(0.8), mm(4), mm(3))
        p.fillRect(swatch, _level_colour(level))
        p.setPen(INK)
        label = LEVEL_NAMES[level] if level else "无有效数据"
        p.drawText(
            QRectF(x + mm(5), rect.top(), mm(22), rect.height()), int(Qt.AlignmentFlag.AlignLeft), label
        )
        x += mm(5) + p.fontMetrics().horizontalAdvance(label) + mm(4)


def draw_cumulative(
    p: QPainter, rect: QRectF, progress: Progress, report: Report, font: FontOf, mm: Callable[[float], float]
) -> None:
    """The running mean of a pollutant from 1 January (a line) against its annual target (dashed), the
    report's own days shaded."""
    points = [(date.fromisoformat(day), value) for day, value in progress.cumulative]
    year = date.fromisoformat(report.end).year
    first, last = date(year, 1, 1), date(year, 12, 31)
    span = (last - first).days or 1
    top_value = max([progress.target * 1.3, *(v for _, v in points)]) if points else progress.target * 1.5
    step = _nice_step(top_value / 5)
    top_value = math.ceil(top_value / step) * step
    plot = rect.adjusted(mm(12), mm(6), -mm(4), -mm(8))

    def x_of(day: date) -> float:
        return plot.left() + plot.width() * (day - first).days / span

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * value / top_value

    p.setFont(font(7, False))
    start, end = date.fromisoformat(report.start), date.fromisoformat(report.end)
    if start.year == year:
        shade = max(mm(0.6), x_of(end) - x_of(start) + plot.width() / span)
        p.fillRect(QRectF(x_of(start), plot.top(), shade,
                          plot.height()), QColor(235, 240, 250))  # fmt: skip
    value = 0.0
    while value <= top_value + 1e-9:
        y = y_of(value)
        p.setPen(QPen(GRID, mm(0.15)))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(MUTED)
        p.drawText(
            QRectF(rect.left(), y - mm(2), mm(10.5), mm(4)),
            int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
            f"{value:g}",
        )
        value += step
    for month in range(1, 13):
        x = x_of(date(year, month, 1))
        p.setPen(QPen(GRID, mm(0.15)))
        p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + mm(1)))
        p.setPen(MUTED)
        p.drawText(
            QRectF(x, plot.bottom() + mm(1), plot.width() / 12, mm(4)),
            int(Qt.AlignmentFlag.AlignCenter),
            f"{month}月",
        )
    target_y = y_of(progress.target)
    p.setPen(QPen(QColor(200, 30, 30), mm(0.4), Qt.PenStyle.DashLine))
    p.drawLine(QPointF(plot.left(), target_y), QPointF(plot.right(), target_y))
    p.setPen(QColor(200, 30, 30))
    target_box = QRectF(plot.right() - mm(50), target_y - mm(4.5), mm(50), mm(4))
    p.drawText(target_box, int(Qt.AlignmentFlag.AlignRight),
               f"年度目标 {progress.target:g} μg/m³")  # fmt: skip
    if points:
        path = QPainterPath(QPointF(x_of(points[0][0]), y_of(points[0][1])))
        for day, v in points[1:]:
            path.lineTo(QPointF(x_of(day), y_of(v)))
        p.setPen(QPen(QColor(40, 80, 160), mm(0.5)))
        p.drawPath(path)
        day, v = points[-1]
        p.setBrush(QColor(40, 80, 160))
        p.drawEllipse(QPointF(x_of(day), y_of(v)), mm(0.9), mm(0.9))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QColor(40, 80, 160))
        label = f"{day.month}月{day.day}日累计 {v:.0f}"
        right = x_of(day) + mm(2) + mm(32) <= plot.right()
        box = (
            QRectF(x_of(day) + mm(2), y_of(v) - mm(6), mm(32), mm(4))
            if right
            else QRectF(x_of(day) - mm(34), y_of(v) - mm(6), mm(32), mm(4))
        )
        p.drawText(box, int(Qt.AlignmentFlag.AlignLeft if right else Qt.AlignmentFlag.AlignRight), label)
    p.setPen(MUTED)
    name = POLLUTANT_NAMES.get(progress.pollutant, progress.pollutant)
    p.drawText(QRectF(rect.left(), rect.top(), rect.width(), mm(4)), int(Qt.AlignmentFlag.AlignLeft),
               f"{name} 累计平均浓度（μg/m³），{year}年1月1日起")  # fmt: skip
    p.setPen(QPen(RULE_INK, mm(0.2)))
    p.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))


RULE_INK = QColor(120, 120, 120)


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def ranking_height_mm(places: list[Figures]) -> float:
    """Height of the ranking chart for so many places."""
    return 14 + 6.2 * max(1, len(places))


def draw_ranking(
    p: QPainter, rect: QRectF, places: list[Figures], font: FontOf, mm: Callable[[float], float]
) -> None:
    """Places ranked by composite index (best first): a bar per place stacked by pollutant term, its index
    at the end; places without an index are listed with a dash."""
    label_w = mm(32)
    legend_h = mm(6)
    plot = QRectF(
        rect.left() + label_w,
        rect.top() + legend_h,
        rect.width() - label_w - mm(14),
        rect.height() - legend_h,
    )
    most = max((f.composite_index or 0.0 for f in places), default=1.0) or 1.0
    bar_h = min(mm(6.2), plot.height() / max(1, len(places)))
    x = rect.left()
    p.setFont(font(7, False))
    for pollutant, colour in TERM_COLOURS.items():
        p.fillRect(QRectF(x, rect.top() + mm(1), mm(4), mm(3)), colour)
        p.setPen(INK)
        name = POLLUTANT_NAMES[pollutant]
        p.drawText(QRectF(x + mm(5), rect.top(), mm(20), mm(5)), int(Qt.AlignmentFlag.AlignLeft), name)
        x += mm(5) + p.fontMetrics().horizontalAdvance(name) + mm(4)
    for n, place in enumerate(places):
        top = plot.top() + n * bar_h
        p.setFont(font(7.5, False))
        p.setPen(INK)
        label = (
            f"{n + 1}. {place.name or place.key}"
            if place.composite_index is not None
            else f"— {place.name or place.key}"
        )
        shown = p.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight, int(label_w - mm(2)))
        p.drawText(
            QRectF(rect.left(), top, label_w - mm(2), bar_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            shown,
        )
        x = plot.left()
        for pollutant, colour in TERM_COLOURS.items():
            term = place.composite_terms.get(pollutant)
            if term is None or place.composite_index is None:
                continue
            width = plot.width() * term / most
            p.fillRect(QRectF(x, top + bar_h * 0.18, width, bar_h * 0.64), colour)
            x += width
        p.setPen(INK)
        value = f"{place.composite_index:.2f}" if place.composite_index is not None else "—"
        p.drawText(
            QRectF(x + mm(1), top, mm(13), bar_h),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            value,
        )
