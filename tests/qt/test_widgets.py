"""Wall widgets: what a duty officer would see on them, checked on the offscreen platform."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QPoint, Qt

from console.core.event_log import EventRow
from console.widgets import theme
from console.widgets.aqi_headline import AqiHeadline
from console.widgets.event_list import EventList
from console.widgets.network_health import HealthRow, NetworkHealth
from console.widgets.panel import Panel, SecondTicker
from console.widgets.ranking_chart import RankingChart
from console.widgets.status_banner import StatusBanner
from console.widgets.trend_plot import AIR_STATION_FACTORS, LocalTimeAxis, StationTrends, TrendPlot
from console.widgets.wind_widget import WindWidget, compass_word, rose_fractions

# 2024-01-12 14:03:12 in the command centre (UTC+8) = 06:03:12 UTC.
T = 1705039392.0


class Clock:
    """A settable clock for widgets that show ages."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# -- theme -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "body_min", "body", "figure", "title", "headline"),
    [(3, 24, 31, 38, 46, 86), (4, 33, 41, 51, 61, 115), (5, 41, 51, 64, 76, 143)],
)
def test_wall_scale_reproduces_the_legibility_table(distance, body_min, body, figure, title, headline):
    scale = theme.WallScale(55, distance, 1080)
    assert abs(scale.small_px - body_min) <= 2
    assert abs(scale.body_px - body) <= 2
    assert abs(scale.figure_px - figure) <= 2
    assert abs(scale.title_px - title) <= 2
    assert headline <= scale.headline_px <= headline + 3


def test_smaller_and_larger_tiles_scale_by_their_pixel_pitch():
    base = theme.WallScale(55, 4.0).headline_px
    assert theme.WallScale(46, 4.0).headline_px / base == pytest.approx(1.2, abs=0.02)
    assert theme.WallScale(65, 4.0).headline_px / base == pytest.approx(0.85, abs=0.02)
    assert 14 <= theme.WallScale.desk().body_px <= 16


def test_text_colours_keep_their_contrast_on_the_dark_background():
    for background in (theme.BACKGROUND, theme.PANEL):
        assert theme.contrast_ratio(theme.TEXT, background) >= 14
        assert theme.contrast_ratio(theme.TEXT_SECONDARY, background) >= 7


def test_aqi_levels_get_the_hj633_colours_and_words(qapp):
    assert theme.aqi_colour(30).getRgb()[:3] == (0, 228, 0)
    assert theme.aqi_colour(350).getRgb()[:3] == (126, 0, 35)
    assert theme.category_word(3) == "Lightly polluted"


def test_apply_theme_sets_font_stylesheet_and_plot_defaults(qapp):
    font, sheet, previous = qapp.font(), qapp.styleSheet(), theme.current_scale()
    options = {k: pg.getConfigOption(k) for k in ("background", "foreground", "antialias")}
    try:
        scale = theme.apply_theme(qapp, theme.WallScale(55, 5.0))
        assert theme.current_scale() is scale
        assert qapp.font().pixelSize() == scale.body_px == 51
        assert f"font-size: {scale.headline_px}px" in qapp.styleSheet()
        assert pg.getConfigOption("antialias") is False
    finally:  # other tests share the application
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)
        pg.setConfigOptions(**options)
        theme._current = previous


# -- panel -------------------------------------------------------------------------------------------


def test_panel_says_no_data_then_the_local_time_and_age(qtbot):
    clock = Clock(T)
    panel = Panel("City AQI", now=clock, stale_after_s=300)
    qtbot.addWidget(panel)
    assert panel.age_text() == "no data"
    panel.set_data_time(T - 25)
    assert panel.age_text() == "as of 14:02 · 25 s ago"
    assert not panel.is_stale()


def test_panel_age_follows_the_shared_ticker_and_turns_stale(qtbot):
    clock = Clock(T)
    first, second = Panel("A", now=clock), Panel("B", now=clock, stale_after_s=60)
    for panel in (first, second):
        qtbot.addWidget(panel)
        panel.set_data_time(T - 30)
    clock.now = T + 90
    SecondTicker.shared().ticked.emit(clock.now)  # one timer drives every panel
    assert first.age_text() == "as of 14:02 · 2 min ago"
    assert second.is_stale() and second.age_text().startswith("⚠")
    assert SecondTicker.shared() is SecondTicker.shared()


# -- trends ------------------------------------------------------------------------------------------


def _minutes(hours: float, start: float = T - 86400) -> np.ndarray:
    return start + 60.0 * np.arange(int(hours * 60))


def test_a_thirty_minute_hole_is_drawn_as_two_segments(qtbot):
    ts = _minutes(2)
    keep = (ts < ts[40]) | (ts >= ts[70])
    plot = TrendPlot("µg/m³")
    qtbot.addWidget(plot)
    plot.set_series("pm25", "PM2.5", ts[keep], np.full(keep.sum(), 40.0))
    line = plot.series_items("pm25")[0]
    finite = np.isfinite(line.yData)
    assert np.count_nonzero(~finite) == 1
    assert line.xData[~finite][0] == pytest.approx((ts[39] + ts[70]) / 2)
    runs = np.count_nonzero(np.diff(finite.astype(int)) == 1) + int(finite[0])
    assert runs == 2
    assert line.opts["connect"] == "finite"


def test_invalid_points_are_hollow_markers_off_the_line(qtbot):
    ts = _minutes(1)
    values = np.linspace(10, 70, len(ts))
    invalid = np.zeros(len(ts), bool)
    invalid[[5, 6, 30]] = True
    plot = TrendPlot()
    qtbot.addWidget(plot)
    plot.set_series("o3", "O3", ts, values, invalid=invalid)
    line, _backfill, hollow = plot.series_items("o3")
    x, y = hollow.getData()
    assert list(x) == list(ts[invalid]) and list(y) == list(values[invalid])
    assert np.isnan(line.yData[np.isin(line.xData, ts[invalid])]).all()
    assert hollow.opts["brush"].style() == Qt.BrushStyle.NoBrush  # no fill: hollow


def test_backfilled_stretch_is_drawn_dashed_and_series_items_are_reused(qtbot):
    ts = _minutes(1)
    backfilled = (ts >= ts[20]) & (ts < ts[30])
    plot = TrendPlot()
    qtbot.addWidget(plot)
    plot.set_series("pm10", "PM10", ts, np.full(len(ts), 80.0))
    line = plot.series_items("pm10")[0]
    plot.set_series("pm10", "PM10", ts, np.full(len(ts), 90.0), backfilled=backfilled)
    same_line, dashed, _ = plot.series_items("pm10")
    assert same_line is line
    assert np.isnan(line.yData[20:30]).all() and np.isfinite(dashed.yData[19:31]).all()
    assert dashed.opts["pen"].style() != line.opts["pen"].style()


def test_limit_line_sits_at_the_gb_value(qtbot):
    plot = TrendPlot("µg/m³")
    qtbot.addWidget(plot)
    plot.set_series("pm25", "PM2.5", _minutes(1), np.full(60, 50.0))
    plot.set_limit("GB 3095 II 24h 75", 75)
    assert plot.limits() == {"GB 3095 II 24h 75": 75}
    assert plot.getViewBox().viewRange()[1][1] > 75  # the limit stays in view


def test_station_trends_draw_the_gb3095_limits_per_factor(qtbot):
    trends = StationTrends()
    qtbot.addWidget(trends)
    trends.set_station("延庆镇空气站", list(AIR_STATION_FACTORS))
    assert trends.factors() == list(AIR_STATION_FACTORS)
    assert list(trends.plot("a34004").limits().values()) == [75]  # PM2.5: 24h, no 1h limit exists
    assert list(trends.plot("a05024").limits().values()) == [200]  # O3: 1h
    assert list(trends.plot("a21005").limits().values()) == [10]  # CO 1h, mg/m³
    assert "24h" in next(iter(trends.plot("a34004").limits()))
    assert trends.plot("a01001").limits() == {}


def test_station_trends_pick_water_and_noise_limits_and_skip_wind_direction(qtbot):
    trends = StationTrends()
    qtbot.addWidget(trends)
    trends.set_station("妫水河断面", ["w21003", "w01009"], zone="II")
    assert list(trends.plot("w21003").limits().values()) == [0.5]  # NH3-N, class II
    trends.set_station("噪声站", ["Leq"], zone="4a")
    assert sorted(trends.plot("Leq").limits().values()) == [55, 70]
    trends.set_station("空气站", ["a01008", "a01001", "a34004"])
    assert trends.factors() == ["a34004", "a01001"]


def test_time_axis_reads_local_time_utc_plus_8(qtbot):
    plot = TrendPlot()
    qtbot.addWidget(plot)
    plot.grab()  # the axis measures its labels when it paints
    axis = plot.getAxis("bottom")
    assert isinstance(axis, LocalTimeAxis)
    assert axis.tickStrings([T, T + 3600], 1, 3600) == ["14:03", "15:03"]
    midnight_local = 1704988800.0  # 2024-01-11 16:00 UTC
    ticks = dict(axis.tickValues(midnight_local - 3 * 3600, midnight_local + 3 * 3600, 1000))
    assert midnight_local in ticks[86400]
    assert axis.tickStrings([midnight_local], 1, 3600) == ["01-12"]


# -- ranking, headline, network ----------------------------------------------------------------------


def test_ranking_puts_the_worst_township_first_with_category_words(qtbot):
    chart = RankingChart()
    qtbot.addWidget(chart)
    rows = [("延庆镇", 45, 45), ("康庄镇", 182, 182), ("四海镇", None, None), ("旧县镇", 120, 120)]
    chart.set_ranking(rows, "AQI")
    assert chart.ranked_rows() == [
        ("康庄镇", "182", "Moderate"),
        ("旧县镇", "120", "Light"),
        ("延庆镇", "45", "Excellent"),
        ("四海镇", "—", "no data"),
    ]


def test_clicking_a_ranking_row_requests_its_township(qtbot):
    chart = RankingChart()
    qtbot.addWidget(chart)
    chart.resize(800, 600)
    chart.set_ranking([("延庆镇", 45, 45), ("康庄镇", 182, 182)], "AQI")
    chart.grab()  # paints: the rows on display are known
    y = chart._header_height() + chart._row_height() // 2
    with qtbot.waitSignal(chart.township_requested) as signal:
        qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(200, y))
    assert signal.args == ["康庄镇"]


def test_headline_shows_number_level_and_category_word(qtbot):
    headline = AqiHeadline()
    qtbot.addWidget(headline)
    iaqi = {"PM2.5": 125, "PM10": 94, "SO2": 3, "NO2": 15, "CO": 6, "O3": 9}
    conc = {"PM2.5": 94.0, "PM10": 138.0, "SO2": 6.0, "NO2": 29.0, "CO": 0.52, "O3": 27.0}
    headline.set_city(125, ("PM2.5",), iaqi, conc, T - 3792)  # the hour 13:00–14:00
    texts = headline.texts()
    assert (texts["number"], texts["level"], texts["category"]) == ("125", "3", "Lightly polluted")
    assert "PM2.5" in texts["primary"] and "13:00–14:00" in texts["caption"]
    assert headline.tile("CO").texts() == ("CO", "0.5 mg/m³", "IAQI 6")


def test_headline_without_data_says_so(qtbot):
    headline = AqiHeadline()
    qtbot.addWidget(headline)
    headline.set_city(None, (), {}, {}, T)
    assert headline.texts()["number"] == "—" and headline.texts()["category"] == "No data"


def test_network_health_marks_offline_grey_and_faults_amber(qtbot):
    table = NetworkHealth(rate_warn=0.9)
    qtbot.addWidget(table)
    table.set_rows([HealthRow("air", 20, 17, 3, 0, 1), HealthRow("source", 20, 13, 0, 7, 0)])
    assert table.cell_text(0, "online") == "17 / 20"
    assert table.cell_text(0, "offline") == "○ 3" and table.cell_state(0, "offline") == "offline"
    assert table.cell_text(0, "fault") == "0" and table.cell_state(0, "fault") == "dim"
    assert table.cell_text(1, "fault") == "▲ 7" and table.cell_state(1, "fault") == "stale"
    assert table.cell_text(0, "rate") == "▼ 85.0%"
    assert table.cell_text(1, "rate") == "▼ 65.0%" and table.cell_state(1, "rate") == "stale"
    assert table.cell_text(0, "kind") == "Air"


# -- banner, wind, events ----------------------------------------------------------------------------


def test_banner_offline_state_shows_the_data_time(qtbot):
    banner = StatusBanner("Yanqing command centre", now=Clock(T + 95))
    qtbot.addWidget(banner)
    banner.set_link_state("offline", "", T)
    assert "OFFLINE" in banner.link_text() and "14:03:12" in banner.link_text()
    assert banner.clock_text() == "2024-01-12 14:04:47"
    banner.set_link_state("offline", "", T, since=T + 30)
    assert banner.link_text() == "OFFLINE since 14:03:42 — data as of 14:03:12"


def test_banner_shows_the_progress_of_filling_a_gap(qtbot):
    banner = StatusBanner("Centre", now=Clock(T))
    qtbot.addWidget(banner)
    banner.show()
    assert banner.backfill_text() == ""
    banner.set_backfill(0.456)
    assert banner.backfill_text() == "filling the gap 46 %"
    banner.set_backfill(None)
    assert banner.backfill_text() == ""


def test_banner_shows_reconnect_attempts_and_replay_time(qtbot):
    banner = StatusBanner("Centre", now=Clock(T))
    qtbot.addWidget(banner)
    banner.set_link_state("reconnecting", StatusBanner.reconnect_detail(3, 7.6), None)
    assert "RECONNECTING" in banner.link_text() and "attempt 3" in banner.link_text()
    assert "8 s" in banner.link_text()
    banner.set_link_state("replay", "", 1705017600.0)
    assert "REPLAY 2024-01-12 08:00" in banner.link_text()
    with pytest.raises(ValueError, match="unknown link state"):
        banner.set_link_state("sleeping", "", None)


def test_banner_warning_strip_appears_and_goes(qtbot):
    banner = StatusBanner("Centre", now=Clock(T))
    qtbot.addWidget(banner)
    banner.set_warning("Orange heavy-pollution warning in force")
    assert "Orange heavy-pollution warning" in banner.warning_text()
    banner.set_warning(None)
    assert banner.warning_text() == ""


def test_wind_label_names_where_the_wind_comes_from(qtbot):
    wind = WindWidget()
    qtbot.addWidget(wind)
    wind.set_wind(315, 3.2, T)
    assert wind.label_text() == "NW 3.2 m/s"
    wind.set_wind(90, 0.1, T)
    assert wind.label_text().startswith("Calm")
    assert [compass_word(d) for d in (0, 44, 180, 337.6)] == ["N", "NE", "S", "N"]


def test_wind_rose_counts_sectors_and_skips_calm(qapp):
    shares = rose_fractions([(0, 2.0), (10, 2.0), (180, 3.0), (90, 0.1)])
    assert shares[0] == pytest.approx(2 / 3) and shares[8] == pytest.approx(1 / 3)
    assert sum(shares) == pytest.approx(1.0)


def test_event_list_shows_newest_first_with_shape_and_word(qtbot):
    events = EventList(max_rows=3, now=Clock(T))
    qtbot.addWidget(events)
    events.resize(900, 600)
    rows = [
        EventRow(T - 600, "warning", "延庆镇空气站 offline"),
        EventRow(T - 60, "critical", "Incident 031 escalated"),
        EventRow(T - 86400, "info", "old"),
        EventRow(T - 300, "info", "Orange warning issued"),
    ]
    events.set_events(rows)
    shown = events.shown_rows()
    assert [text for *_, text in shown] == [
        "Incident 031 escalated",
        "Orange warning issued",
        "延庆镇空气站 offline",
    ]
    assert shown[0][:2] == ("14:02", "◆ Critical")
    assert shown[2][1] == "▲ Warning"


def test_clicking_an_event_requests_it(qtbot):
    events = EventList(now=Clock(T))
    qtbot.addWidget(events)
    events.resize(900, 600)
    row = EventRow(T - 60, "critical", "Incident 031 escalated")
    events.set_events([row])
    events.layout().activate()  # lines get their geometry without showing a window
    line = events._lines[0]
    with qtbot.waitSignal(events.event_requested) as signal:
        qtbot.mouseClick(line.text, Qt.MouseButton.LeftButton)
    assert signal.args == [row]
