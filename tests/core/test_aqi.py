"""HJ 633-2012 AQI: breakpoints, rounding, daily and hourly reports, categories."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.core.aqi import BREAKPOINTS, IAQI_LEVELS, category_of, daily_aqi, hourly_aqi, iaqi

STANDARDS_JSON = Path(__file__).resolve().parents[3] / "shared" / "data" / "standards.json"

# HJ 633-2012 Table 1, written out again so the tests do not trust the module's own table.
TABLE_1 = {
    "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1H": (0, 150, 500, 650, 800),
    "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
    "PM10_1H": (0, 50, 150, 250, 350, 420, 500, 600),
    "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "O3_8H": (0, 100, 160, 215, 265, 800),
    "PM25_24H": (0, 35, 75, 115, 150, 250, 350, 500),
    "PM25_1H": (0, 35, 75, 115, 150, 250, 350, 500),
}
LEVELS = (0, 50, 100, 150, 200, 300, 400, 500)


def _standards() -> dict:
    if not STANDARDS_JSON.exists():
        pytest.skip(f"{STANDARDS_JSON} is not available")
    return json.loads(STANDARDS_JSON.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("key", "concentration", "level"),
    [(key, bp, level) for key, table in TABLE_1.items() for bp, level in zip(table, LEVELS, strict=False)],
)
def test_every_breakpoint_gives_its_iaqi_level(key, concentration, level):
    assert iaqi(key, concentration) == level


@pytest.mark.parametrize(
    ("key", "concentration", "expected"),
    [
        ("PM25_24H", 36, 52),  # 50 + 50 * 1/40 = 51.25, rounded up
        ("PM25_24H", 74.9, 100),  # 99.875 rounds up to the limit value
        ("PM10_24H", 100, 75),  # exact midpoint
        ("NO2_1H", 450, 125),
        ("O3_8H", 300, 207),  # 200 + 100 * 35/535 = 206.5
        ("CO_24H", 3, 75),  # mg/m³: 3 mg/m³ is between the 2 and 4 mg/m³ breakpoints
        ("CO_1H", 35.5, 151),
    ],
)
def test_between_breakpoints_interpolates_and_rounds_up(key, concentration, expected):
    assert iaqi(key, concentration) == expected


@pytest.mark.parametrize(
    ("key", "concentration", "exact"),
    [("CO_24H", 2.2, 55), ("PM25_24H", 4.9, 7), ("O3_8H", 102.4, 52), ("O3_1H", 160.8, 51)],
)
def test_float_noise_does_not_round_an_exact_iaqi_up(key, concentration, exact):
    assert iaqi(key, concentration) == exact


@pytest.mark.parametrize(("key", "concentration"), [("PM25_24H", 600), ("CO_1H", 200), ("O3_1H", 5000)])
def test_above_the_top_breakpoint_is_500(key, concentration):
    assert iaqi(key, concentration) == 500


@pytest.mark.parametrize(("key", "top_iaqi"), [("SO2_1H", 200), ("O3_8H", 300)])
def test_so2_hourly_and_o3_8h_are_not_computed_above_800(key, top_iaqi):
    assert iaqi(key, 800) == top_iaqi
    assert iaqi(key, 801) is None


@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_negative_or_nan_concentration_has_no_iaqi(bad):
    assert iaqi("PM25_24H", bad) is None


def test_unknown_item_is_a_clear_error():
    with pytest.raises(ValueError, match=r"unknown AQI item 'PM2\.5'"):
        iaqi("PM2.5", 10)


def test_hourly_particles_use_the_24_hour_breakpoints():
    assert iaqi("PM25_1H", 115) == iaqi("PM25_24H", 115) == 150
    assert iaqi("PM10_1H", 420) == 300


@given(
    key=st.sampled_from(sorted(TABLE_1)),
    a=st.floats(min_value=0, max_value=5000, allow_nan=False),
    b=st.floats(min_value=0, max_value=5000, allow_nan=False),
)
def test_higher_concentration_never_gives_a_lower_iaqi(key, a, b):
    low, high = iaqi(key, min(a, b)), iaqi(key, max(a, b))
    if high is not None:  # SO2_1H / O3_8H above 800 have none
        assert low is not None
        assert low <= high


# ---- daily and hourly AQI ----

BEIJING_WINTER_DAY = {
    "PM25_24H": 180,  # 200 + 100 * 30/100 = 230
    "PM10_24H": 220,  # 100 + 50 * 70/100 = 135
    "SO2_24H": 30,  # 30
    "NO2_24H": 90,  # 105
    "CO_24H": 2.5,  # mg/m³: 63
    "O3_8H": 40,  # 20
}


def test_daily_aqi_of_a_polluted_winter_day():
    result = daily_aqi(BEIJING_WINTER_DAY)
    assert result.aqi == 230
    assert result.iaqi == {"PM2.5": 230, "PM10": 135, "SO2": 30, "NO2": 105, "CO": 63, "O3": 20}
    assert result.primary_pollutants == ("PM2.5",)
    assert (result.category, result.category_en, result.level) == ("重度污染", "Heavily polluted", 5)
    assert result.colour == (153, 0, 76)


def test_tied_pollutants_are_all_primary_in_fixed_order():
    result = daily_aqi({"O3_8H": 160, "PM10_24H": 150, "PM25_24H": 75, "NO2_24H": 30})
    assert result.aqi == 100
    assert result.primary_pollutants == ("PM2.5", "PM10", "O3")


def test_aqi_up_to_50_has_no_primary_pollutant():
    result = daily_aqi({"PM25_24H": 35, "PM10_24H": 20, "O3_8H": 60})
    assert result.aqi == 50
    assert result.primary_pollutants == ()
    assert result.category == "优"


def test_co_is_graded_in_mg_per_cubic_metre():
    result = daily_aqi({"CO_24H": 5, "PM25_24H": 50})  # CO 5 mg/m³: 100 + 50 * 1/10 = 105
    assert result.iaqi == {"PM2.5": 69, "CO": 105}
    assert result.primary_pollutants == ("CO",)
    assert hourly_aqi({"CO_1H": 12}).aqi == 104  # 100 + 50 * 2/25


def test_daily_o3_counts_with_the_higher_of_its_8_hour_and_1_hour_iaqi():
    result = daily_aqi({"O3_8H": 150, "O3_1H": 350, "PM25_24H": 20})  # 8 h: 92, 1 h: 175
    assert result.iaqi["O3"] == 175
    assert result.primary_pollutants == ("O3",)
    assert daily_aqi({"O3_8H": 200, "O3_1H": 180}).iaqi["O3"] == 137  # 8 h 136.4 beats 1 h 75


def test_daily_o3_above_800_for_8_hours_uses_the_1_hour_iaqi():
    result = daily_aqi({"O3_8H": 850, "O3_1H": 900, "PM25_24H": 60})  # 1 h: 300 + 100 * 100/200
    assert result.aqi == 350
    assert result.primary_pollutants == ("O3",)
    assert result.category == "严重污染"


def test_hourly_so2_above_800_uses_the_24_hour_iaqi():
    result = hourly_aqi({"SO2_1H": 900, "SO2_24H": 700, "PM25_1H": 20})  # 150 + 50 * 225/325 = 184.6
    assert result.iaqi["SO2"] == 185
    assert result.primary_pollutants == ("SO2",)


def test_hourly_so2_above_800_without_a_24_hour_mean_is_not_evaluated():
    result = hourly_aqi({"SO2_1H": 900, "PM25_1H": 20})
    assert result.iaqi == {"PM2.5": 29}


def test_hourly_aqi_grades_particles_on_24_hour_breakpoints():
    result = hourly_aqi({"PM25_1H": 115, "PM10_1H": 150, "NO2_1H": 150, "O3_1H": 100, "SO2_1H": 10})
    assert result.aqi == 150
    assert result.primary_pollutants == ("PM2.5",)
    assert result.category == "轻度污染"


def test_missing_pollutants_are_skipped_and_nothing_evaluable_gives_none():
    assert daily_aqi({"PM10_24H": 80}).iaqi == {"PM10": 65}
    assert daily_aqi({}) is None
    assert hourly_aqi({"PM25_1H": math.nan, "NO2_1H": -5}) is None


def test_keys_of_the_other_report_are_rejected():
    with pytest.raises(ValueError, match="PM25_1H"):
        daily_aqi({"PM25_1H": 40})


@pytest.mark.parametrize(
    ("pm25", "aqi", "level", "category", "colour"),
    [
        (20, 29, 1, "优", (0, 228, 0)),
        (50, 69, 2, "良", (255, 255, 0)),
        (100, 132, 3, "轻度污染", (255, 126, 0)),
        (130, 172, 4, "中度污染", (255, 0, 0)),
        (200, 250, 5, "重度污染", (153, 0, 76)),
        (400, 434, 6, "严重污染", (126, 0, 35)),
    ],
)
def test_each_category_of_the_daily_aqi(pm25, aqi, level, category, colour):
    result = daily_aqi({"PM25_24H": pm25})
    assert (result.aqi, result.level, result.category, result.colour) == (aqi, level, category, colour)


@pytest.mark.parametrize(
    ("aqi", "level", "category_en"),
    [
        (0, 1, "Excellent"),
        (50, 1, "Excellent"),
        (51, 2, "Good"),
        (100, 2, "Good"),
        (101, 3, "Lightly polluted"),
        (150, 3, "Lightly polluted"),
        (151, 4, "Moderately polluted"),
        (200, 4, "Moderately polluted"),
        (201, 5, "Heavily polluted"),
        (300, 5, "Heavily polluted"),
        (301, 6, "Severely polluted"),
        (500, 6, "Severely polluted"),
    ],
)
def test_category_boundaries(aqi, level, category_en):
    category = category_of(aqi)
    assert (category.level, category.category_en) == (level, category_en)


def test_category_of_a_negative_aqi_is_an_error():
    with pytest.raises(ValueError, match="non-negative"):
        category_of(-1)


def test_tables_match_the_shared_standards_file():
    hj633 = _standards()["HJ633_2012_AQI"]
    assert list(IAQI_LEVELS) == hj633["iaqi_levels"]
    shared = {key.removesuffix("_mg"): values for key, values in hj633["breakpoints"].items()}
    assert {key: list(values) for key, values in BREAKPOINTS.items()} == shared
    for entry in hj633["categories"]:
        top = entry["aqi"].split("-")[-1].lstrip(">")
        category = category_of(int(top) + (1 if entry["aqi"].startswith(">") else 0))
        assert (category.category, list(category.colour)) == (entry["category"], entry["rgb"])
