"""Hourly and daily AQI derived from station readings (HJ 633 with the GB 3095 validity rules)."""

from __future__ import annotations

from statistics import fmean

import pytest

from console.core.aqi import daily_aqi, hourly_aqi
from console.core.models import Reading, Station, StationKind
from console.hub.derive import AqiDeriver

DAY = 1704038400.0  # 2024-01-01 00:00 at UTC+8: a local midnight
POLLUTANTS = {"a34004": 60.0, "a34002": 90.0, "a21026": 12.0, "a21004": 40.0, "a21005": 0.8, "a05024": 80.0}
ITEM = {"a34004": "PM25", "a34002": "PM10", "a21026": "SO2", "a21004": "NO2", "a21005": "CO", "a05024": "O3"}


def _station(station_id: str, kind: StationKind, factors: tuple[str, ...]) -> Station:
    return Station(
        id=station_id, name=station_id, kind=kind, township="t", lon=116.0, lat=40.0, mn="MN" + station_id,
        st="22", factors=factors,
    )  # fmt: skip


STATIONS = {
    "AIR01": _station("AIR01", StationKind.AIR, tuple(POLLUTANTS)),
    "MIC01": _station("MIC01", StationKind.MICRO, ("a34004", "a34001")),
    "WAT01": _station("WAT01", StationKind.WATER, ("w01001",)),
}


def _hour(start: float, n: int = 60, values: dict[str, float] = POLLUTANTS, station: str = "AIR01"):
    """n one-minute readings of every pollutant from `start`; values vary by -1, 0, +1 around the base."""
    return [
        Reading(station, code, start + 60 * minute, base + (minute % 3 - 1) * base / 10, "N")
        for minute in range(n)
        for code, base in values.items()
    ]


def _hourly_means(readings: list[Reading]) -> dict[str, float]:
    by_code: dict[str, list[float]] = {}
    for reading in readings:
        if reading.flag == "N":
            by_code.setdefault(reading.factor, []).append(reading.value)
    return {f"{ITEM[code]}_1H": fmean(values) for code, values in by_code.items()}


def _next_hour(start: float) -> list[Reading]:
    return [Reading("AIR01", "a34004", start + 3600, 50.0, "N")]


def test_a_full_hour_gives_one_hourly_aqi_from_its_means():
    deriver = AqiDeriver(STATIONS)
    hour = _hour(DAY)
    assert deriver.feed(hour) == []
    out = deriver.feed(_next_hour(DAY))
    expected = hourly_aqi(_hourly_means(hour))
    assert expected is not None
    assert out == [Reading("AIR01", "AQI_H", DAY, float(expected.aqi), "N")]
    assert deriver.last_hourly("AIR01") == expected


def test_an_hour_with_too_few_values_gives_no_aqi():
    deriver = AqiDeriver(STATIONS)
    deriver.feed(_hour(DAY, n=40))
    assert deriver.feed(_next_hour(DAY)) == []
    assert deriver.last_hourly("AIR01") is None


def test_flagged_values_do_not_count():
    deriver = AqiDeriver(STATIONS)
    good = _hour(DAY, n=50)
    flagged = [
        Reading("AIR01", code, DAY + 3000 + i, 900.0, flag)
        for i, flag in enumerate("DMFC")
        for code in POLLUTANTS
    ]
    deriver.feed(good + flagged)
    out = deriver.feed(_next_hour(DAY))
    expected = hourly_aqi(_hourly_means(good))
    assert expected is not None and out[0].value == expected.aqi


def test_flagged_values_can_make_an_hour_invalid():
    deriver = AqiDeriver(STATIONS)
    readings = [
        r if r.ts < DAY + 40 * 60 else Reading(r.station, r.factor, r.ts, r.value, "D") for r in _hour(DAY)
    ]
    deriver.feed(readings)
    assert deriver.feed(_next_hour(DAY)) == []


def test_a_full_day_gives_one_daily_aqi_from_the_24_hour_means():
    deriver = AqiDeriver(STATIONS)
    out, hourly = [], {code: [] for code in POLLUTANTS}
    for h in range(24):
        values = {code: base * (1 + h / 12) for code, base in POLLUTANTS.items()}
        out += deriver.feed(_hour(DAY + h * 3600, values=values))
        for code, value in values.items():
            hourly[code].append(value)  # the ±10 % minute pattern averages out to the base
    out += deriver.feed(_next_hour(DAY + 23 * 3600))
    daily = [r for r in out if r.factor == "AQI_D"]
    assert len([r for r in out if r.factor == "AQI_H"]) == 24
    o3 = hourly.pop("a05024")
    conc = {f"{ITEM[code]}_24H": fmean(values) for code, values in hourly.items()}
    conc["O3_8H"] = max(fmean(o3[first : first + 8]) for first in range(17))
    conc["O3_1H"] = max(o3)
    expected = daily_aqi(conc)
    assert expected is not None
    assert daily == [Reading("AIR01", "AQI_D", DAY, float(expected.aqi), "N")]


def _day_of_hours(hours: int) -> list[Reading]:
    deriver = AqiDeriver(STATIONS)
    out = []
    for h in range(hours):
        out += deriver.feed(_hour(DAY + h * 3600))
    return out + deriver.feed(_next_hour(DAY + 86400))


def test_a_day_with_fewer_than_20_valid_hours_keeps_only_a_valid_o3_8h_max():
    out = _day_of_hours(19)  # 24-h means invalid; O3 still has 14 valid 8-h windows (00–08 … 13–21)
    assert [r.factor for r in out] == ["AQI_H"] * 19 + ["AQI_D"]
    assert out[-1].value == daily_aqi({"O3_8H": POLLUTANTS["a05024"]}).aqi
    assert [r.factor for r in _day_of_hours(18)] == ["AQI_H"] * 18  # 13 valid windows: no daily AQI


def test_so2_above_800_uses_the_running_24_hour_mean():
    deriver = AqiDeriver(STATIONS)
    out = []
    for h in range(21):
        out += deriver.feed(_hour(DAY + h * 3600, values={"a21026": 900.0}))
    assert len(out) == 1  # only the 20th hour has 20 hourly SO2 means for its 24-h mean
    assert out[0].ts == DAY + 19 * 3600
    assert out[0].value == hourly_aqi({"SO2_1H": 900.0, "SO2_24H": 900.0}).aqi


def test_stations_other_than_air_are_ignored():
    deriver = AqiDeriver(STATIONS)
    for station in ("MIC01", "WAT01", "UNKNOWN"):
        readings = _hour(DAY, values={"a34004": 80.0, "w01001": 7.0}, station=station)
        assert deriver.feed([*readings, Reading(station, "a34004", DAY + 3600, 80.0)]) == []
        assert deriver.last_hourly(station) is None
        assert deriver.hourly_means(station) == {}


def test_tick_closes_the_hour_of_a_silent_station():
    deriver = AqiDeriver(STATIONS)
    hour = _hour(DAY)
    deriver.feed(hour)
    assert deriver.tick(DAY + 3600 + 599) == []
    out = deriver.tick(DAY + 3600 + 600)
    assert [(r.factor, r.ts) for r in out] == [("AQI_H", DAY)]
    assert deriver.feed([Reading("AIR01", "a34004", DAY + 3599, 500.0)]) == []  # late: hour already reported
    assert deriver.tick(DAY + 7200 + 600) == []


def test_tick_closes_the_day_of_a_station_that_went_silent():
    deriver = AqiDeriver(STATIONS)
    for h in range(24):
        deriver.feed(_hour(DAY + h * 3600))
    assert [r.factor for r in deriver.tick(DAY + 86400 + 600)] == ["AQI_H", "AQI_D"]


def test_hourly_means_are_bounded():
    deriver = AqiDeriver(STATIONS)
    for h in range(40):
        deriver.feed(_hour(DAY + h * 3600, n=45))
    means = deriver.hourly_means("AIR01")
    assert 24 <= len(means) <= 26
    assert max(means) == DAY + 38 * 3600  # the 40th hour is still open
    assert means[DAY + 38 * 3600]["a34004"] == pytest.approx(60.0)
