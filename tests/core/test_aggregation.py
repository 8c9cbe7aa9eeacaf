"""GB 3095-2012 daily values and the HJ 633 daily AQI at each edge of the validity rules."""

from __future__ import annotations

from statistics import fmean

from console.core import aqi
from console.core.aggregation import (
    daily_aqi,
    daily_max_8h,
    daily_value,
    local_day_start,
    local_days,
    min_hourly_count,
)

DAY = 1704038400.0  # 2024-01-01 00:00 at UTC+8, 2023-12-31 16:00 UTC
PM25, PM10, O3, CO = "a34004", "a34002", "a05024", "a21005"


def _hours(n: int, value: float = 50.0, first: int = 0) -> dict[int, float]:
    return {h: value + h for h in range(first, first + n)}


def test_an_hour_needs_75_percent_of_its_expected_values():
    assert min_hourly_count(60) == 45
    assert min_hourly_count(300) == 9  # 9 of 12
    assert min_hourly_count(30) == 90
    assert min_hourly_count(3600) == 1


def test_a_daily_mean_needs_20_hourly_means():
    assert daily_value(PM25, _hours(19)) == (fmean(_hours(19).values()), False, 19)
    assert daily_value(PM25, _hours(20)) == (fmean(_hours(20).values()), True, 20)
    assert daily_value(PM25, {}) is None


def test_the_o3_day_needs_14_valid_8_hour_means():
    # hours 00–17: windows 00–08 … 12–20 hold 6 or more hours, 13 of them; one more hour makes 14
    thirteen, fourteen = daily_value(O3, _hours(18)), daily_value(O3, _hours(19))
    assert thirteen == (fmean(range(62, 68)), False, 13)  # the 12–20 window: hours 12–17
    assert fourteen == (fmean(range(63, 69)), True, 14)  # the 13–21 window: hours 13–18


def test_an_8_hour_window_needs_6_hourly_means():
    five = daily_max_8h({h: 100.0 for h in range(16, 21)})  # 16–20: every window has 5 hours at most
    assert five is not None and (five.valid, five.n) == (False, 8)  # 8 partial windows, none valid
    six = daily_max_8h({h: 100.0 for h in range(16, 22)})  # 16–21: windows 14–22, 15–23 and 16–24
    assert six == (100.0, False, 3)
    # a low full morning and a high 5-hour evening: the evening's partial windows do not count
    day = {h: 10.0 for h in range(14)} | {h: 200.0 for h in range(19, 24)}
    assert daily_max_8h(day) == (10.0, False, 9)  # windows 00–08 … 08–16; 16–24 holds 5 hours
    day[18] = 200.0  # the 16–24 window now holds 6 hours (18–23)
    assert daily_max_8h(day) == (200.0, False, 10)


def test_the_largest_valid_8_hour_mean_is_the_daily_value():
    profile = [20, 20, 20, 30, 40, 60, 90, 120, 150, 170, 180, 175]
    profile += [160, 140, 120, 100, 80, 60, 40, 30, 25, 20, 20, 20]
    stat = daily_value(O3, dict(enumerate(map(float, profile))))
    assert stat == (max(fmean(profile[s : s + 8]) for s in range(17)), True, 17)


def test_days_are_local_days_at_utc_plus_8():
    assert local_day_start(DAY) == DAY
    assert local_day_start(DAY - 1) == DAY - 86400  # 15:59:59 UTC is 23:59:59 local of the day before
    assert local_day_start(DAY + 86399) == DAY
    assert local_day_start(DAY + 3600, tz_hours=0) == DAY - 16 * 3600  # the same instant, a UTC day
    # 20 hours from 16:00 UTC on 31 Dec to 11:00 UTC on 1 Jan: two UTC days, one local day
    hourly = [(DAY + h * 3600, 1.0) for h in range(20)]
    assert list(local_days(hourly)) == [DAY]
    assert daily_value(PM25, local_days(hourly)[DAY]) == (1.0, True, 20)
    utc = local_days(hourly, tz_hours=0)
    assert sorted(len(hours) for hours in utc.values()) == [8, 12]  # neither UTC day is valid


def _full_day() -> dict[str, dict[int, float]]:
    return {
        PM25: _hours(24, 60.0),
        PM10: _hours(24, 90.0),
        CO: _hours(24, 0.8),
        O3: {h: 40.0 + 8 * h for h in range(24)},
    }


def test_the_daily_aqi_takes_every_valid_daily_statistic():
    day = _full_day()
    expected = aqi.daily_aqi(
        {
            "PM25_24H": fmean(day[PM25].values()),
            "PM10_24H": fmean(day[PM10].values()),
            "CO_24H": fmean(day[CO].values()),
            "O3_8H": fmean(day[O3][h] for h in range(16, 24)),
            "O3_1H": max(day[O3].values()),
        }
    )
    result = daily_aqi(day)
    assert result is not None and result.valid and result.pollutants == 4
    assert result.result == expected


def test_an_invalid_statistic_takes_no_part_in_the_daily_aqi():
    day = _full_day()
    day[PM25] = {h: 500.0 for h in range(19)}  # a very high PM2.5, but only 19 hours
    result = daily_aqi(day)
    assert result is not None and result.valid
    assert "PM2.5" not in result.result.iaqi and result.pollutants == 3


def test_a_day_without_any_valid_statistic_has_an_insufficient_aqi():
    day = {PM25: {h: 80.0 for h in range(19)}, O3: {h: 80.0 for h in range(18)}}  # 19 h; 13 windows
    result = daily_aqi(day)
    assert result is not None and not result.valid
    assert result.result == aqi.daily_aqi({"PM25_24H": 80.0, "O3_8H": 80.0, "O3_1H": 80.0})
    assert daily_aqi({"w01001": {0: 7.0}}) is None  # no AQI pollutant: no daily AQI
