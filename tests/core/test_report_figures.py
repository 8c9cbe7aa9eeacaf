"""Report figures on crafted days (validity edges, percentiles, dust, targets) and on the Beijing history."""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta

import pytest

from console.core import aqi
from console.core.aggregation import daily_items
from console.core.incidents import Incident, IncidentState, Severity, Source
from console.core.report_figures import (
    day_level,
    figures,
    incident_figures,
    levels,
    matrix,
    mean_days,
    parse_period,
    percentile,
    progress,
    report,
)
from tests.conftest import shared_file

CLEAN = {"PM25_24H": 20.0, "PM10_24H": 40.0, "SO2_24H": 6.0, "NO2_24H": 20.0, "CO_24H": 0.5, "O3_8H": 60.0}


def _days(first: date, n: int, **items: float) -> dict[date, dict[str, float]]:
    return {first + timedelta(days=i): CLEAN | items for i in range(n)}


DEC = parse_period("monthly", "2015-12")


# --- periods --------------------------------------------------------------------------------------------


def test_periods_parse_into_local_days_with_their_comparison_periods():
    week = parse_period("weekly", "2015-W49")
    assert (week.start, week.end) == (date(2015, 11, 30), date(2015, 12, 7))
    assert week.previous().label == "2015-W48" and week.last_year().label == "2014-W49"
    assert (DEC.previous().label, DEC.last_year().label) == ("2015-11", "2014-12")
    jan = parse_period("monthly", "2016-01")
    assert jan.previous().label == "2015-12"
    assert parse_period("annual", "2015").days == 365
    episode = parse_period("episode", "2015-11-27/2015-12-02")
    assert episode.days == 6 and episode.previous().label == "2015-11-21/2015-11-26"
    leap = parse_period("daily", "2016-02-29")
    assert leap.last_year().start == date(2015, 2, 28)
    start, end = parse_period("daily", "2015-12-01").bounds()
    assert start == 1448899200.0 and end - start == 86400  # 2015-12-01 00:00 at UTC+8


@pytest.mark.parametrize(
    ("kind", "text"),
    [("monthly", "2015-13"), ("weekly", "2015-49"), ("daily", "2015/12/01"),
     ("episode", "2015-12-05/2015-12-01"), ("hourly", "2015"), ("annual", "15")],
)  # fmt: skip
def test_a_bad_period_says_what_is_expected(kind, text):
    with pytest.raises(ValueError, match=r"expected|ends before"):
        parse_period(kind, text)


# --- percentiles ----------------------------------------------------------------------------------------


def test_percentiles_follow_the_hj663_rank_formula():
    # k = 1 + (n - 1) p / 100, s = int(k), X(s) + (X(s+1) - X(s)) (k - s), on hand-computed lists
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == pytest.approx(9.55)  # k = 9.55
    assert percentile([8, 2, 6, 4], 90) == pytest.approx(7.4)  # sorted 2 4 6 8, k = 3.7: 6 + 0.7 × 2
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # k = 2 exactly
    assert percentile([0.4, 1.9, 1.2, 0.8, 2.6], 95) == pytest.approx(2.46)  # k = 4.8: 1.9 + 0.8 × 0.7
    assert percentile([7.0], 90) == 7.0
    assert percentile([], 95) is None
    # Nearest rank would give 10 and ceil(0.95 × 4) = 4th = 8: the rule interpolates instead.
    assert percentile([2, 4, 6, 8], 95) == pytest.approx(7.7)


def test_co_and_o3_statistics_are_the_percentiles_of_the_daily_values():
    days = {date(2015, 12, 1) + timedelta(days=i): CLEAN | {"CO_24H": 0.1 * (i + 1), "O3_8H": 10.0 * (i + 1)}
            for i in range(31)}  # fmt: skip
    found = figures(days, DEC)
    assert found.co_p95 == pytest.approx(0.1 * (1 + 30 * 0.95))  # k = 29.5 -> 2.95 mg/m³
    assert found.o3_8h_p90 == pytest.approx(10.0 * (1 + 30 * 0.9))  # k = 28 -> X(28) = 280
    assert found.pm25_mean == pytest.approx(20.0)


# --- validity ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("month", "valid", "ok"), [("2015-12", 27, True), ("2015-12", 26, False),
                                                  ("2015-02", 25, True), ("2015-02", 24, False)])  # fmt: skip
def test_a_month_needs_27_valid_days_25_in_february(month, valid, ok):
    period = parse_period("monthly", month)
    found = figures(_days(period.start, valid, PM25_24H=40.0), period)
    assert found.valid_days == valid
    assert found.complete is ok
    assert (found.pm25_mean == pytest.approx(40.0)) if ok else found.pm25_mean is None
    assert (found.composite_index is not None) is ok
    assert found.good_days == valid  # the days still count for the levels


def test_a_month_still_running_is_not_held_to_the_rule():
    found = figures(_days(DEC.start, 10), DEC, as_of=date(2015, 12, 10))
    assert found.complete and found.pm25_mean == pytest.approx(20.0)


def test_a_pollutant_short_of_days_alone_loses_its_statistic():
    days = _days(DEC.start, 31)
    for day in list(days)[:5]:
        del days[day]["O3_8H"]  # 26 valid O3 days
    found = figures(days, DEC)
    assert found.o3_8h_p90 is None and found.pm25_mean == pytest.approx(20.0)
    assert found.valid_days == 26  # a day without O3 is no valid day for the levels
    assert found.pollutant_days["O3"] == 26 and found.pollutant_days["PM2.5"] == 31
    assert found.composite_index is None and not found.complete


def test_missing_station_days_do_not_drag_the_city_mean():
    one = _days(DEC.start, 31, PM25_24H=30.0)
    other = {day: items | {"PM25_24H": 60.0} for day, items in _days(DEC.start, 31).items() if day.day % 2}
    city = mean_days([one, other], DEC.start, DEC.end)
    assert city[date(2015, 12, 1)]["PM25_24H"] == 45.0  # both stations
    assert city[date(2015, 12, 2)]["PM25_24H"] == 30.0  # only the first one reported
    found = figures(city, DEC)
    assert found.pm25_mean == pytest.approx((16 * 45.0 + 15 * 30.0) / 31)


# --- levels, dust, composite ------------------------------------------------------------------------------


def test_days_by_level_follow_the_daily_aqi():
    pm25 = [20.0, 50.0, 100.0, 130.0, 200.0, 400.0, 75.0, 115.0]  # levels 1 2 3 4 5 6 2 3
    days = {date(2015, 12, 1 + i): CLEAN | {"PM25_24H": v} for i, v in enumerate(pm25)}
    found = figures(days, parse_period("episode", "2015-12-01/2015-12-08"))
    assert found.days_by_level == {"1": 1, "2": 2, "3": 2, "4": 1, "5": 1, "6": 1}
    assert (found.good_days, found.heavy_days, found.valid_days) == (3, 2, 8)
    assert found.good_day_ratio == pytest.approx(3 / 8)
    for items in days.values():
        assert day_level(items) == aqi.daily_aqi(items).level
    assert day_level(CLEAN | {"O3_8H": 900.0, "O3_1H": 1000.0}) == 6  # beyond the 8-hour table


def test_levels_of_many_days_agree_with_the_aqi_of_each():
    rng = random.Random(3)
    tops = {"PM25_24H": 600, "PM10_24H": 700, "SO2_24H": 900, "NO2_24H": 1000, "CO_24H": 70, "O3_8H": 900,
            "O3_1H": 1300}  # fmt: skip
    days = {}
    for n in range(3000):
        scale = rng.choice([0.03, 0.1, 0.3, 1.0])  # clean to dirty days
        items = {key: rng.uniform(0, top * scale) for key, top in tops.items()}
        if rng.random() < 0.3:  # a value exactly on a breakpoint
            key = rng.choice(sorted(items))
            items[key] = rng.choice(aqi.BREAKPOINTS[key][1:4])
        for key in rng.sample(sorted(items), rng.choice([0, 0, 0, 1, 2])):
            del items[key]  # some days lack an item; O3_1H is optional
        days[date(2000, 1, 1) + timedelta(days=n)] = items
    found = levels(matrix(days, sorted(days)))
    expected = [
        aqi.daily_aqi(items).level if all(k in items for k in CLEAN) else 0 for items in days.values()
    ]
    assert found.tolist() == expected
    assert set(expected) == {0, 1, 2, 3, 4, 5, 6}


def test_the_dust_switch_deducts_dust_days_from_concentrations_only():
    days = _days(DEC.start, 31)
    dust = {date(2015, 12, 3), date(2015, 12, 4)}
    for day in dust:
        days[day] = CLEAN | {"PM10_24H": 500.0, "PM25_24H": 160.0}
    kept = figures(days, DEC)
    deducted = figures(days, DEC, dust_days=dust)
    assert kept.concentrations == "dust included" and deducted.concentrations == "dust deducted"
    assert deducted.pm10_mean == pytest.approx(40.0)
    assert kept.pm10_mean == pytest.approx((29 * 40.0 + 2 * 500.0) / 31)
    assert deducted.days_by_level == kept.days_by_level and deducted.heavy_days == 2
    assert deducted.good_day_ratio == kept.good_day_ratio == pytest.approx(29 / 31)
    assert deducted.composite_index < kept.composite_index


def test_composite_index_sums_each_pollutant_against_its_limit():
    found = figures(_days(DEC.start, 31), DEC)
    expected = {
        "SO2": 6 / 60,
        "NO2": 20 / 40,
        "PM10": 40 / 70,
        "PM2.5": 20 / 35,
        "CO": 0.5 / 4,
        "O3": 60 / 160,
    }
    assert found.composite_terms == pytest.approx(expected)
    assert found.composite_index == pytest.approx(sum(expected.values()))


# --- comparisons and targets ------------------------------------------------------------------------------


def test_year_on_year_and_period_on_period_changes():
    days = _days(date(2014, 12, 1), 31, PM25_24H=80.0) | _days(date(2015, 11, 1), 30, PM25_24H=50.0)
    days |= _days(DEC.start, 31, PM25_24H=60.0)
    found = report({"S1": days}, DEC, township_of={"S1": "T1"}, targets={})
    assert found.pm25_mean == pytest.approx(60.0)
    assert found.yoy["pm25_mean"].previous == pytest.approx(80.0)
    assert found.yoy["pm25_mean"].ratio == pytest.approx(-0.25)  # 同比 down 25 %
    assert found.mom["pm25_mean"].ratio == pytest.approx(0.2)  # 环比 up 20 %
    assert found.mom["good_days"].delta == 1  # 31 good days against November's 30
    assert found.townships[0].yoy["pm25_mean"].ratio == pytest.approx(-0.25)


def test_the_allowed_mean_keeps_the_annual_target():
    # 31 January days at 50 against a 35 target: (35 × 365 − 31 × 50) / 334 remaining days
    days = _days(date(2015, 1, 1), 31, PM25_24H=50.0)
    (found,) = progress(days, parse_period("monthly", "2015-01"), {"PM2.5": 35.0})
    assert (found.days_counted, found.days_remaining) == (31, 334)
    assert found.ytd_mean == pytest.approx(50.0) and found.on_track is False
    assert found.allowed_mean == pytest.approx((35 * 365 - 31 * 50) / 334)
    # a missing day neither helps nor hurts: 30 days counted, the year is 30 + 334 days
    del days[date(2015, 1, 15)]
    (short,) = progress(days, parse_period("monthly", "2015-01"), {"PM2.5": 35.0})
    assert short.allowed_mean == pytest.approx((35 * 364 - 30 * 50) / 334)
    (year,) = progress(days, parse_period("annual", "2015"), {"PM2.5": 35.0})
    assert year.allowed_mean is None and year.days_remaining == 0
    # a year still running: counted up to today, the rest of the year from tomorrow
    (running,) = progress(days, parse_period("annual", "2015"), {"PM2.5": 35.0}, as_of=date(2015, 1, 20))
    assert (running.days_counted, running.days_remaining) == (19, 345)
    assert running.allowed_mean == pytest.approx((35 * 364 - 19 * 50) / 345)


def test_townships_are_ranked_by_composite_index():
    stations = {
        "A": _days(DEC.start, 31, PM25_24H=70.0),
        "B": _days(DEC.start, 31),
        "C": _days(DEC.start, 31),
    }
    found = report(
        stations, DEC, township_of={"A": "T1", "B": "T2", "C": "T2"}, township_names={"T2": "百泉"}
    )
    assert [(t.key, t.name, t.stations) for t in found.townships] == [("T2", "百泉", 2), ("T1", "T1", 1)]
    assert found.pm25_mean == pytest.approx((70 + 20 + 20) / 3)
    assert [s.key for s in found.station_figures][-1] == "A"


# --- incidents --------------------------------------------------------------------------------------------


def _incident(ident: str, township: str, created: float, **changes: object) -> Incident:
    base = dict(id=ident, version=1, state=IncidentState.DISCOVERED, source=Source.RULE, category="air",
                severity=Severity.MEDIUM, title="t", reason="r", created=created, updated=created,
                township=township)  # fmt: skip
    return Incident(**(base | changes))  # type: ignore[arg-type]


def test_incident_figures_count_raised_closed_on_time_and_overdue():
    start, _ = DEC.bounds()
    hour = 3600.0
    incidents = [
        _incident("A", "T1", start + hour, state=IncidentState.CLOSED, dispatched=start + 2 * hour,
                  deadline=start + 26 * hour, closed=start + 30 * hour),  # fed back at +20 h: on time
        _incident("B", "T1", start + hour, state=IncidentState.HANDLING, dispatched=start + 2 * hour,
                  deadline=start + 26 * hour),  # never fed back: overdue
        _incident("C", "T2", start - 40 * 86400, state=IncidentState.CLOSED, dispatched=start - 40 * 86400,
                  deadline=start - 39 * 86400, closed=start + 5 * hour),  # raised before; closed late
        _incident("D", "T2", start - 40 * 86400),  # nothing in December
    ]  # fmt: skip
    found = incident_figures(incidents, DEC, {"A": start + 20 * hour})
    assert (found.raised, found.closed, found.closed_on_time, found.overdue) == (2, 2, 1, 1)
    assert found.by_township["T1"].overdue == 1 and found.by_township["T2"].closed == 1
    assert found.by_township["T2"].closed_on_time == 0 and "D" not in found.by_township


# --- the real Beijing history -----------------------------------------------------------------------------

PRSA = "data/PRSA_Data_20130301-20170228"
COLUMNS = {
    "PM2.5": "a34004",
    "PM10": "a34002",
    "SO2": "a21026",
    "NO2": "a21004",
    "CO": "a21005",
    "O3": "a05024",
}
GOOD_TOPS = {
    "PM25_24H": 75,
    "PM10_24H": 150,
    "SO2_24H": 150,
    "NO2_24H": 80,
    "CO_24H": 4,
    "O3_8H": 160,
    "O3_1H": 200,
}


def _beijing_december() -> dict[str, dict[date, dict[str, float]]]:
    """Each station's valid daily values of December 2015 from its hourly CSV (CO from µg/m³ to mg/m³)."""
    folder = shared_file(PRSA)
    stations = {}
    for path in sorted(folder.glob("PRSA_Data_*.csv")):
        hours: dict[date, dict[str, dict[int, float]]] = {}
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                if (row["year"], row["month"]) != ("2015", "12"):
                    continue
                day = date(2015, 12, int(row["day"]))
                for column, code in COLUMNS.items():
                    if row[column] != "NA":
                        value = float(row[column]) / (1000 if column == "CO" else 1)
                        hours.setdefault(day, {}).setdefault(code, {})[int(row["hour"])] = value
                station = row["station"]
        stations[station] = {
            day: {key: stat.value for key, stat in daily_items(by_code).items() if stat.valid}
            for day, by_code in hours.items()
        }
    return stations


def test_beijing_december_2015_against_a_plain_computation():
    stations = _beijing_december()
    assert len(stations) == 12
    found = report(stations, DEC, township_of={s: s for s in stations}, targets={})
    # Independent: each day's city PM2.5 is the mean of the stations that have a valid value.
    city_pm25 = []
    good_days = 0
    for n in range(31):
        day = date(2015, 12, 1) + timedelta(days=n)
        per_item = {}
        for key in GOOD_TOPS:
            values = [days[day][key] for days in stations.values() if key in days.get(day, {})]
            if values:
                per_item[key] = sum(values) / len(values)
        if "PM25_24H" in per_item:
            city_pm25.append(per_item["PM25_24H"])
        six = ("PM25_24H", "PM10_24H", "SO2_24H", "NO2_24H", "CO_24H", "O3_8H")
        if all(k in per_item for k in six) and all(v <= GOOD_TOPS[k] for k, v in per_item.items()):
            good_days += 1  # AQI <= 100: every IAQI at most 100, i.e. every value at most its 100 breakpoint
    assert len(city_pm25) >= 27
    assert found.pm25_mean == pytest.approx(sum(city_pm25) / len(city_pm25))
    assert found.good_days == good_days
    assert 100 < found.pm25_mean < 200  # December 2015: the red alerts
    assert found.heavy_days >= 5 and found.valid_days == 31
    assert len(found.townships) == 12 and math.isfinite(found.composite_index)
