"""Time-series plots with honest gaps, hollow invalid markers and GB limit lines; station small multiples."""

# Longer than most modules: the choice of limit per factor (GB 3095 / 3096 / 3838) belongs beside the plots.

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems import DateAxisItem as date_axis
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from console import i18n
from console.core import standards
from console.core.factors import AQI_POLLUTANTS, FACTORS
from console.widgets import theme

GAP_FACTOR = 2.5  # a step longer than this many median spacings is missing data, drawn as a gap
UTC_OFFSET = -8 * 3600  # pyqtgraph counts west of Greenwich as positive (like time.timezone): UTC+8


def with_gaps(
    ts: np.ndarray, values: np.ndarray, factor: float = GAP_FACTOR
) -> tuple[np.ndarray, np.ndarray]:
    """Insert a NaN point inside every step longer than `factor` × the median spacing."""
    if len(ts) < 3:
        return ts, values
    steps = np.diff(ts)
    positive = steps[steps > 0]
    if not len(positive):
        return ts, values
    big = np.flatnonzero(steps > factor * np.median(positive))
    return np.insert(ts, big + 1, ts[big] + steps[big] / 2), np.insert(values, big + 1, np.nan)


def _aligned(ts, values, invalid, backfilled) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The four arrays as float/bool, checked for equal length and sorted by time."""
    ts, values = np.asarray(ts, float), np.asarray(values, float)
    invalid = np.zeros(len(ts), bool) if invalid is None else np.asarray(invalid, bool)
    backfilled = np.zeros(len(ts), bool) if backfilled is None else np.asarray(backfilled, bool)
    if not len(ts) == len(values) == len(invalid) == len(backfilled):
        raise ValueError("ts, values and the masks must have the same length")
    order = np.argsort(ts, kind="stable")
    return ts[order], values[order], invalid[order], backfilled[order]


# Hours level of the date axis: allowed up to 12-hour steps (pyqtgraph's stops at 6, so a narrow 24-hour
# plot fell back to day ticks only); the example text keeps labels about one label apart.
_DAY_HOUR = date_axis.ZoomLevel(
    [
        date_axis.TickSpec(86400, date_axis.makeSStepper(86400), "%m-%d"),
        date_axis.TickSpec(3600, date_axis.makeSStepper(3600), "%H:%M", autoSkip=[1, 2, 3, 6, 12]),
    ],
    "00:00 00:",
)


class LocalTimeAxis(pg.DateAxisItem):
    """Time axis in the command centre's local time (UTC+8, 24-hour clock): HH:MM, dates at midnight."""

    def __init__(self) -> None:
        super().__init__(orientation="bottom", utcOffset=UTC_OFFSET)
        inherited: dict[float, object] = self.zoomLevels
        levels = [(spacing, level) for spacing, level in inherited.items() if spacing != 6 * 3600]
        levels.insert(2, (12 * 3600, _DAY_HOUR))
        self.zoomLevels: OrderedDict[float, object] = OrderedDict(levels)

    def tickStrings(self, values, scale, spacing) -> list[str]:
        """Tick labels without weekday or month names, so they read the same in every language."""
        return [_tick_text(theme.local_time(v), spacing) for v in values]


class ValueAxis(pg.AxisItem):
    """The left axis: value labels at least a line apart, so a short plot's labels never overlap (fewer
    labels, on steps of 2, 2.5 and 5 times the usual spacing)."""

    def __init__(self) -> None:
        super().__init__(orientation="left")

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        span, line = abs(maxVal - minVal), theme.current_scale().small_px * 1.3  # one label's height
        if not levels or span == 0 or levels[0][0] * size / span >= line:
            return levels
        base = levels[0][0]
        steps = (factor * 10**power for power in range(6) for factor in (2, 2.5, 5, 10))
        major = next((base * f for f in steps if base * f * size / span >= line), span)
        return [(major, 0)]


def _tick_text(local, spacing: float) -> str:
    if spacing >= 28 * 86400:
        return local.strftime("%Y-%m")
    if spacing >= 86400 or (local.hour, local.minute, local.second) == (0, 0, 0):
        return local.strftime("%m-%d")
    return local.strftime("%H:%M:%S" if spacing < 60 else "%H:%M")


class _Series:
    """The plot items of one series, created once and updated with setData."""

    def __init__(self, plot: TrendPlot, label: str, colour: str) -> None:
        width = max(2, round(theme.current_scale().small_px / 12))
        self.colour = colour
        self.line = plot.plot([], [], pen=pg.mkPen(colour, width=width), connect="finite", name=label)
        dash = pg.mkPen(colour, width=width, style=Qt.PenStyle.CustomDashLine)
        dash.setDashPattern([2.5, 2.5])  # in pen widths: long, even dashes read as "filled in later"
        self.backfill = plot.plot([], [], pen=dash, connect="finite")
        size = max(6, round(theme.current_scale().small_px * 0.35))
        self.hollow = pg.ScatterPlotItem(size=size, pen=pg.mkPen(colour, width=width), brush=None, symbol="o")
        plot.addItem(self.hollow)


class TrendPlot(pg.PlotWidget):
    """A time-series plot in local time (UTC+8) with units, gaps, invalid markers and limit lines.

    Series are keyed; `set_series` updates the existing items of a key. Time steps longer than 2.5× the
    median spacing are drawn as gaps; invalid-flag points are hollow markers off the line; back-filled
    stretches are dashed.
    """

    def __init__(self, unit: str = "", parent: QWidget | None = None, *, y_from_zero: bool = True) -> None:
        super().__init__(
            parent, background=theme.PANEL, axisItems={"bottom": LocalTimeAxis(), "left": ValueAxis()}
        )
        self._series: dict[str, _Series] = {}
        self._limits: dict[str, pg.InfiniteLine] = {}
        self._y_from_zero = y_from_zero
        self._auto_y = True
        self._legend: pg.LegendItem | None = None
        self._style_axes()
        self.set_unit(unit)
        self.setClipToView(True)
        self.setDownsampling(auto=True, mode="peak")
        self.setMenuEnabled(False)
        self.hideButtons()
        self.getViewBox().sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        self.getViewBox().sigResized.connect(self._fit_y)

    def _style_axes(self) -> None:
        small = theme.current_scale().small_px
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTickFont(theme.font_px(small))
            axis.setTextPen(theme.TEXT_SECONDARY)
            axis.setPen(theme.PANEL_EDGE)
            axis.setStyle(tickLength=-small // 3, tickTextOffset=small // 4)
            axis.setGrid(40)
        bottom = self.getAxis("bottom")
        bottom.setHeight(round(small * 1.6))
        bottom.setStyle(textFillLimits=[(0, 0.9), (2, 0.8), (4, 0.7)])  # the axis already spaces its labels

    def set_unit(self, unit: str) -> None:
        """Unit shown as the left axis label."""
        if not unit:
            self.getAxis("left").showLabel(False)
            return
        style = {"font-size": f"{theme.current_scale().small_px}px", "color": theme.TEXT_SECONDARY}
        self.setLabel("left", unit, **style)

    def set_series(
        self,
        key: str,
        label: str,
        ts: np.ndarray,
        values: np.ndarray,
        *,
        invalid: np.ndarray | None = None,
        backfilled: np.ndarray | None = None,
        color: str | None = None,
    ) -> None:
        """Show one series (Unix seconds, values); `invalid` and `backfilled` are boolean masks."""
        ts, values, invalid, backfilled = _aligned(ts, values, invalid, backfilled)
        series = self._series.get(key) or self._add_series(key, label, color)
        valid = np.where(invalid, np.nan, values)
        edges = backfilled | np.r_[backfilled[1:], False] | np.r_[False, backfilled[:-1]]
        series.line.setData(*with_gaps(ts, np.where(backfilled, np.nan, valid)), connect="finite")
        series.backfill.setData(*with_gaps(ts, np.where(edges, valid, np.nan)), connect="finite")
        series.hollow.setData(ts[invalid], values[invalid])
        self._fit_y()

    def _add_series(self, key: str, label: str, color: str | None) -> _Series:
        series = _Series(self, label, color or theme.SERIES[len(self._series) % len(theme.SERIES)])
        self._series[key] = series
        if len(self._series) == 2:
            self._show_legend()
        elif self._legend is not None:
            self._legend.addItem(series.line, label)
        return series

    def _show_legend(self) -> None:
        small = theme.current_scale().small_px
        self._legend = self.addLegend(
            offset=(-10, 2), labelTextSize=f"{small}px", labelTextColor=theme.TEXT, colCount=len(self._series)
        )
        for key, series in self._series.items():
            self._legend.addItem(series.line, series.line.name() or key)

    def series_items(self, key: str) -> tuple[pg.PlotDataItem, pg.PlotDataItem, pg.ScatterPlotItem]:
        """(line, dashed back-fill line, hollow invalid markers) of a series."""
        series = self._series[key]
        return series.line, series.backfill, series.hollow

    def set_limit(self, label: str, value: float | None) -> None:
        """A horizontal limit line with its label; None removes the line of that label."""
        shown = self._limits.get(label)
        if shown is not None and value is not None and shown.value() == value:
            return  # unchanged: the city trend restates its limit at every update
        line = self._limits.pop(label, None)
        if line is not None:
            self.removeItem(line)
        if value is not None:
            self._limits[label] = self._add_limit(label, value)
        self._fit_y()

    def _add_limit(self, label: str, value: float) -> pg.InfiniteLine:
        # Labelled at the left end, above the line: the newest data, at the right, stays in clear view.
        pen = pg.mkPen(theme.TEXT_SECONDARY, width=2, style=Qt.PenStyle.DashLine)
        panel = QColor(theme.PANEL)
        fill = pg.mkBrush(panel.red(), panel.green(), panel.blue(), 170)
        opts = {"position": 0.02, "anchors": [(0, 1), (0, 1)], "color": theme.TEXT_SECONDARY, "fill": fill}
        line = pg.InfiniteLine(pos=value, angle=0, pen=pen, label=label, labelOpts=opts)
        line.label.setFont(theme.font_px(theme.current_scale().small_px))
        self.addItem(line, ignoreBounds=True)
        return line

    def limits(self) -> dict[str, float]:
        """Limit lines shown: label -> value."""
        return {label: line.value() for label, line in self._limits.items()}

    def _fit_y(self, *_args) -> None:
        # Keep the limit lines in view with room for their labels above, so the headroom to a limit is
        # visible at a glance; valid data only (an invalid spike must not flatten the line).
        if not self._auto_y:
            return
        data = [s.line.yData for s in self._series.values() if s.line.yData is not None]
        data += [s.backfill.yData for s in self._series.values() if s.backfill.yData is not None]
        finite = np.concatenate([d[np.isfinite(d)] for d in data]) if data else np.empty(0)
        if not len(finite):
            return
        low, high = float(finite.min()), max([float(finite.max()), *self.limits().values()])
        low = min(low, 0.0) if self._y_from_zero else low
        span = (high - low) or 1.0
        rows = (1.6 if self._limits else 0.4) + (1.5 if self._legend is not None else 0.0)
        room_px = theme.current_scale().small_px * rows  # the limit labels and the legend sit up here
        share = min(0.45, room_px / max(self.getViewBox().height(), 1.0))
        top = high + span * share / (1 - share)
        self.setYRange(low if self._y_from_zero else low - span * 0.05, top, padding=0)

    def _on_view_range_changed_manually(self, *_args) -> None:
        self._auto_y = False


def factor_title(code: str) -> str:
    """Translated display name of a factor ("PM2.5", "Temperature" …)."""
    if code in AQI_POLLUTANTS:
        return AQI_POLLUTANTS[code]
    names = {
        "a01001": QCoreApplication.translate("Factor", "Temperature"),
        "a01002": QCoreApplication.translate("Factor", "Humidity"),
        "a01006": QCoreApplication.translate("Factor", "Pressure"),
        "a01007": QCoreApplication.translate("Factor", "Wind speed"),
        "a34001": QCoreApplication.translate("Factor", "TSP"),
        "Leq": QCoreApplication.translate("Factor", "Noise Leq"),
        "w01009": QCoreApplication.translate("Factor", "Dissolved oxygen"),
        "w21003": QCoreApplication.translate("Factor", "Ammonia nitrogen"),
        "w21011": QCoreApplication.translate("Factor", "Total phosphorus"),
    }
    factor = FACTORS.get(code)
    if code in names or factor is None:
        return names.get(code, code)
    return factor.name_zh if i18n.language.startswith("zh") else factor.name_en


def limit_lines(
    code: str, *, zone: str = "", water_grade: int = 3, lake: bool = False
) -> list[tuple[str, float]]:
    """GB limits to draw on hourly data of a factor: (label, value) pairs.

    Air: the 1-hour grade II limit where GB 3095 sets one, else the 24-hour one (PM2.5, PM10, TSP: no
    1-hour limit exists); noise: the zone's day and night limits; water: the station's target class.
    """
    if code in standards.AIR_POLLUTANT_BY_CODE:
        return _air_limits(standards.AIR_POLLUTANT_BY_CODE[code])
    if code == "Leq":
        return _noise_limits(zone) if zone else []
    param = standards.WATER_PARAM_BY_CODE.get(code)
    return [] if param in (None, "pH") else _water_limits(param, water_grade, lake)


def _air_limits(pollutant: str) -> list[tuple[str, float]]:
    period = "1h" if standards.air_limit(pollutant, "1h") is not None else "24h"
    value = standards.air_limit(pollutant, period)
    label = QCoreApplication.translate("Limits", "GB 3095 II {period} {value}")
    return [] if value is None else [(label.format(period=period, value=f"{value:g}"), value)]


def _noise_limits(zone: str) -> list[tuple[str, float]]:
    label = QCoreApplication.translate("Limits", "GB 3096 zone {zone} {period} {value}")
    periods = (
        (QCoreApplication.translate("Limits", "day"), standards.noise_limit(zone, False)),
        (QCoreApplication.translate("Limits", "night"), standards.noise_limit(zone, True)),
    )
    return [(label.format(zone=zone, period=p, value=f"{v:g}"), v) for p, v in periods]


def _water_limits(param: str, grade: int, lake: bool) -> list[tuple[str, float]]:
    value = standards.water_limit(param, grade, lake)
    label = QCoreApplication.translate("Limits", "GB 3838 {cls} {value}")
    cls = standards.WATER_CLASS_LABELS[grade - 1]
    return [] if value is None else [(label.format(cls=cls, value=f"{value:g}"), value)]


# The small multiples of an air station, in reading order.
AIR_STATION_FACTORS: tuple[str, ...] = (
    "a34004",
    "a34002",
    "a05024",
    "a21004",
    "a21026",
    "a21005",
    "a01001",
    "a01007",
)  # PM2.5 PM10 O3 NO2 SO2 CO, temperature, wind speed


def _plotted(factors: list[str]) -> list[str]:
    rank = {code: i for i, code in enumerate(AIR_STATION_FACTORS)}
    shown = [code for code in factors if code != "a01008"]
    return sorted(shown, key=lambda code: rank.get(code, len(rank)))


def _water_grade(zone: str) -> int:
    labels = standards.WATER_CLASS_LABELS[:5]
    return labels.index(zone) + 1 if zone in labels else 3


class StationTrends(QWidget):
    """One station's factors as small linked trend plots in a grid, each with its unit and GB limit."""

    def __init__(self, parent: QWidget | None = None, *, columns: int = 4) -> None:
        super().__init__(parent)
        self._columns = columns
        self._plots: dict[str, TrendPlot] = {}
        self._cells: list[QWidget] = []
        self._name = theme.ElidedLabel("", "secondary")  # a long station name ends in …
        self._grid = QGridLayout()
        gap = theme.current_scale().gap_px
        self._grid.setSpacing(gap * 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(gap)
        layout.addWidget(self._name)
        layout.addLayout(self._grid, 1)

    def set_station(
        self, name: str, factors: list[str], *, zone: str = "", water_grade: int | None = None
    ) -> None:
        """Rebuild the grid for a station: one plot per factor code, with its limit lines.

        The six pollutants and weather come first in AIR_STATION_FACTORS order; wind direction is left out
        (a circular quantity: the wind widget shows it). `zone` is the station's noise zone or water target
        class (I..V), which picks the GB 3096 / GB 3838 limits; `water_grade` overrides the class.
        """
        self._name.set_full_text(name)
        for cell in self._cells:
            self._grid.removeWidget(cell)
            cell.deleteLater()
        self._cells, self._plots = [], {}
        grade = water_grade or _water_grade(zone)
        for i, code in enumerate(_plotted(factors)):
            cell, plot = self._make_cell(code, zone, grade)
            self._grid.addWidget(cell, i // self._columns, i % self._columns)
            self._cells.append(cell)
            self._plots[code] = plot
        rows = (len(self._cells) + self._columns - 1) // self._columns
        for row in range(rows):
            self._grid.setRowStretch(row, 1)  # the plots share the height they are given
        for i, plot in enumerate(self._plots.values()):
            if i // self._columns < rows - 1:
                plot.hideAxis("bottom")  # linked time axes: the bottom row's labels serve the column
        first = next(iter(self._plots.values()), None)
        for plot in self._plots.values():
            if plot is not first:
                plot.setXLink(first)

    def _make_cell(self, code: str, zone: str, water_grade: int) -> tuple[QWidget, TrendPlot]:
        unit = FACTORS[code].unit if code in FACTORS else ""
        cell = QWidget()
        title = theme.ElidedLabel(f"{factor_title(code)}  {unit}".strip(), "small")  # never widens the grid
        plot = TrendPlot("", y_from_zero=code not in ("a01001", "w01010"))  # the unit is in the title
        for label, value in limit_lines(code, zone=zone, water_grade=water_grade):
            plot.set_limit(label, value)
        layout = QVBoxLayout(cell)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(title)
        layout.addWidget(plot, 1)
        return cell, plot

    def set_factor_series(
        self,
        code: str,
        ts: np.ndarray,
        values: np.ndarray,
        invalid_mask: np.ndarray | None = None,
        *,
        backfilled: np.ndarray | None = None,
    ) -> None:
        """Data of one factor (ignored when the station does not show it)."""
        plot = self._plots.get(code)
        if plot is not None:
            plot.set_series(code, factor_title(code), ts, values, invalid=invalid_mask, backfilled=backfilled)

    def plot(self, code: str) -> TrendPlot:
        """The plot of one factor."""
        return self._plots[code]

    def factors(self) -> list[str]:
        """Factor codes shown, in grid order."""
        return list(self._plots)
