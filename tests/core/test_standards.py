"""GB 3095 air limits, GB 3096 noise limits and night window, GB 3838 surface water classes."""

from __future__ import annotations

import json
import math
from datetime import time
from pathlib import Path

import pytest

from console.core import factors
from console.core.aqi import iaqi
from console.core.standards import (
    AIR_LIMITS,
    AIR_POLLUTANT_BY_CODE,
    NOISE_LIMITS,
    WATER_LAKE_LIMITS,
    WATER_LIMITS,
    WATER_PARAM_BY_CODE,
    air_limit,
    is_night,
    noise_limit,
    water_class,
    water_class_from_codes,
    water_limit,
)

STANDARDS_JSON = Path(__file__).resolve().parents[3] / "shared" / "data" / "standards.json"


def _standards() -> dict:
    if not STANDARDS_JSON.exists():
        pytest.skip(f"{STANDARDS_JSON} is not available")
    return json.loads(STANDARDS_JSON.read_text(encoding="utf-8"))


# ---- GB 3095-2012 ambient air ----


@pytest.mark.parametrize(
    ("pollutant", "period", "grade", "limit"),
    [
        ("PM2.5", "24h", 2, 75),
        ("PM2.5", "24h", 1, 35),
        ("PM2.5", "annual", 2, 35),
        ("O3", "8h", 2, 160),
        ("O3", "1h", 1, 160),
        ("CO", "24h", 2, 4),  # mg/m³
        ("SO2", "1h", 2, 500),
        ("Pb", "quarterly", 2, 1),
        ("BaP", "24h", 2, 0.0025),
    ],
)
def test_air_limits(pollutant, period, grade, limit):
    assert air_limit(pollutant, period, grade) == limit


def test_air_limit_is_none_where_the_standard_sets_none():
    assert air_limit("CO", "annual") is None
    assert air_limit("PM10", "1h") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [(("PM1", "24h"), "unknown pollutant"), (("PM10", "weekly"), "unknown averaging period")],
)
def test_air_limit_rejects_unknown_names(args, message):
    with pytest.raises(ValueError, match=message):
        air_limit(*args)


def test_air_limit_rejects_a_third_grade():
    with pytest.raises(ValueError, match="grade must be 1 or 2"):
        air_limit("PM10", "24h", 3)


@pytest.mark.parametrize(
    ("pollutant", "period", "aqi_key"),
    [
        ("SO2", "24h", "SO2_24H"),
        ("SO2", "1h", "SO2_1H"),
        ("NO2", "24h", "NO2_24H"),
        ("NO2", "1h", "NO2_1H"),
        ("CO", "24h", "CO_24H"),
        ("CO", "1h", "CO_1H"),
        ("O3", "8h", "O3_8H"),
        ("O3", "1h", "O3_1H"),
        ("PM10", "24h", "PM10_24H"),
        ("PM2.5", "24h", "PM25_24H"),
    ],
)
def test_grade_ii_limit_is_where_the_iaqi_reaches_100(pollutant, period, aqi_key):
    assert iaqi(aqi_key, air_limit(pollutant, period)) == 100


def test_hj212_codes_name_the_air_pollutants():
    assert AIR_POLLUTANT_BY_CODE["a34004"] == "PM2.5"
    assert AIR_POLLUTANT_BY_CODE["a05024"] == "O3"
    assert AIR_POLLUTANT_BY_CODE["a21002"] == "NOx"
    for code, name in factors.AQI_POLLUTANTS.items():
        assert AIR_POLLUTANT_BY_CODE[code] == name


# ---- GB 3096-2008 noise ----


@pytest.mark.parametrize(
    ("zone", "day", "night"),
    [("0", 50, 40), ("1", 55, 45), ("2", 60, 50), ("3", 65, 55), ("4a", 70, 55), ("4b", 70, 60)],
)
def test_noise_limits_by_zone(zone, day, night):
    assert noise_limit(zone, night=False) == day
    assert noise_limit(zone, night=True) == night


def test_noise_zone_accepts_capital_letters():
    assert noise_limit("4B", night=True) == 60


@pytest.mark.parametrize("zone", ["5", "4c", ""])
def test_unknown_noise_zone_is_a_clear_error(zone):
    with pytest.raises(ValueError, match="unknown noise zone"):
        noise_limit(zone, night=False)


@pytest.mark.parametrize(
    ("hour", "minute", "night"),
    [(22, 0, True), (21, 59, False), (0, 0, True), (5, 59, True), (6, 0, False), (12, 0, False)],
)
def test_night_is_22_to_6(hour, minute, night):
    assert is_night(hour, minute) is night


def test_another_night_window_can_be_set():
    window = {"start": time(23, 0), "end": time(7, 0)}
    assert not is_night(22, 30, **window)
    assert is_night(6, 30, **window)
    assert not is_night(7, 0, **window)


def test_invalid_hour_is_an_error():
    with pytest.raises(ValueError):
        is_night(24)


# ---- GB 3838-2002 surface water ----

CLEAN_RIVER = {"pH": 7.4, "DO": 8.2, "CODMn": 1.8, "COD": 10, "BOD5": 2, "NH3N": 0.1, "TP": 0.015}


def test_clean_sample_is_class_i():
    result = water_class(CLEAN_RIVER)
    assert (result.grade, result.label, result.label_zh) == (1, "I", "Ⅰ类")


def test_one_bad_ammonia_sets_the_class_and_is_determining():
    result = water_class({**CLEAN_RIVER, "NH3N": 1.2})
    assert (result.grade, result.label_zh) == (4, "Ⅳ类")
    assert result.determining == ("NH3N",)


def test_a_limit_value_itself_is_still_inside_the_class():
    assert water_class({"NH3N": 0.5}).label == "II"
    assert water_class({"DO": 5}).label == "III"


def test_tied_parameters_are_all_determining():
    result = water_class({**CLEAN_RIVER, "NH3N": 0.8, "CODMn": 5})
    assert result.label == "III"
    assert result.determining == ("CODMn", "NH3N")


@pytest.mark.parametrize(("do", "label"), [(6.5, "II"), (4, "IV"), (2.5, "V"), (1.5, "劣V")])
def test_low_dissolved_oxygen_worsens_the_class(do, label):
    assert water_class({**CLEAN_RIVER, "DO": do}).label == label


@pytest.mark.parametrize("ph", [9.5, 5.5])
def test_ph_outside_6_to_9_is_worse_than_v(ph):
    result = water_class({**CLEAN_RIVER, "pH": ph})
    assert (result.grade, result.label, result.label_zh) == (6, "劣V", "劣Ⅴ类")
    assert result.determining == ("pH",)


def test_lake_tp_table_is_stricter_than_the_river_table():
    sample = {"TP": 0.08}
    assert water_class(sample).label == "II"
    assert water_class(sample, lake=True).label == "IV"


def test_total_nitrogen_counts_only_for_lakes():
    sample = {**CLEAN_RIVER, "TP": 0.005, "TN": 3.0}
    assert water_class(sample).label == "I"
    result = water_class(sample, lake=True)
    assert (result.label, result.determining) == ("劣V", ("TN",))


def test_station_readings_by_hj212_code():
    readings = {"w01001": 7.1, "w01009": 6.8, "w21003": 1.2, "w21011": 0.12, "w01010": 18.5}
    result = water_class_from_codes(readings)  # water temperature (w01010) is not graded
    assert result.label == "IV"
    assert result.param_grades == {"pH": 1, "DO": 2, "NH3N": 4, "TP": 3}


def test_nothing_to_grade_gives_none():
    assert water_class({}) is None
    assert water_class({"NH3N": math.nan, "water_temp": 12.0}) is None


def test_unknown_water_parameter_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown water parameter 'NH3-N'"):
        water_class({"NH3-N": 0.3})


@pytest.mark.parametrize(
    ("param", "grade", "lake", "limit"),
    [
        ("NH3N", 3, False, 1.0),
        ("DO", 3, False, 5.0),  # a minimum
        ("TP", 3, False, 0.2),
        ("TP", 3, True, 0.05),
        ("TN", 3, True, 1.0),
        ("TN", 3, False, None),
        ("COD", 5, False, 40.0),
        ("NH3N", 6, False, None),
        ("pH", 2, False, None),
    ],
)
def test_water_limits_for_chart_lines(param, grade, lake, limit):
    assert water_limit(param, grade, lake) == limit


def test_water_limit_rejects_a_grade_outside_1_to_6():
    with pytest.raises(ValueError, match=r"1\.\.6"):
        water_limit("NH3N", 0)


# ---- the tables against the shared copy of the standards ----


def test_air_limits_match_the_shared_standards_file():
    gb3095 = _standards()["GB3095_2012_ambient_air"]
    shared = {
        item["pollutant"]: {
            ("8h" if period == "daily_max_8h" else period): tuple(values)
            for period, values in item.items()
            if period != "pollutant"
        }
        for item in gb3095["basic_items"] + gb3095["other_items"]
    }
    assert shared == AIR_LIMITS


def test_noise_limits_match_the_shared_standards_file():
    limits = _standards()["GB3096_2008_environmental_noise"]["limits"]
    assert {zone: (v["day"], v["night"]) for zone, v in limits.items()} == NOISE_LIMITS


def test_water_tables_match_the_shared_standards_file():
    gb3838 = _standards()["GB3838_2002_surface_water"]
    items = gb3838["items"]
    assert tuple(items["pH"]["range"]) == (6, 9)
    river = {
        name.removesuffix("_max_per_L").removesuffix("_max").removesuffix("_min"): tuple(values)
        for name, values in items.items()
        if isinstance(values, list) and "lake" not in name
    }
    assert river == WATER_LIMITS
    lake = {"TP": tuple(items["TP_lake_reservoir_max"]), "TN": tuple(items["TN_max_lake_reservoir"])}
    assert lake == WATER_LAKE_LIMITS
    graded = ("pH", *WATER_LIMITS, "TN")
    codes = {code: name for name, code in gb3838["hj212_codes"].items() if name in graded}
    assert codes == WATER_PARAM_BY_CODE
