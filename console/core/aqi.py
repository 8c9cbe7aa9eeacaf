"""Air quality index per HJ 633-2012: IAQI by interpolation, daily and hourly AQI, and AQI categories."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping

import msgspec

# IAQI at each breakpoint of Table 1; a key's table may stop early (SO2_1H at 200, O3_8H at 300).
IAQI_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200, 300, 400, 500)

# HJ 633-2012 Table 1 concentration breakpoints, µg/m³ except CO in mg/m³.
BREAKPOINTS: dict[str, tuple[float, ...]] = {
    "SO2_24H": (0, 50, 150, 475, 800, 1600, 2100, 2620),
    "SO2_1H": (0, 150, 500, 650, 800),
    "NO2_24H": (0, 40, 80, 180, 280, 565, 750, 940),
    "NO2_1H": (0, 100, 200, 700, 1200, 2340, 3090, 3840),
    "PM10_24H": (0, 50, 150, 250, 350, 420, 500, 600),
    "CO_24H": (0, 2, 4, 14, 24, 36, 48, 60),
    "CO_1H": (0, 5, 10, 35, 60, 90, 120, 150),
    "O3_1H": (0, 160, 200, 300, 400, 800, 1000, 1200),
    "O3_8H": (0, 100, 160, 215, 265, 800),
    "PM25_24H": (0, 35, 75, 115, 150, 250, 350, 500),
}

# No 1-hour particle breakpoints exist: the real-time report grades hourly PM on the 24-hour table.
_GRADED_AS: dict[str, str] = {"PM25_1H": "PM25_24H", "PM10_1H": "PM10_24H"}

# Above the top of these tables the standard computes no IAQI and switches to another averaging period.
_FALLBACK: dict[str, str] = {"SO2_1H": "SO2_24H", "O3_8H": "O3_1H"}

# The six pollutants in their display order (also the order of tied primary pollutants).
POLLUTANTS: tuple[str, ...] = ("PM2.5", "PM10", "SO2", "NO2", "CO", "O3")

# Items of each report: pollutant -> keys whose IAQIs it takes the highest of.
_DAILY_ITEMS: dict[str, tuple[str, ...]] = {
    "PM2.5": ("PM25_24H",),
    "PM10": ("PM10_24H",),
    "SO2": ("SO2_24H",),
    "NO2": ("NO2_24H",),
    "CO": ("CO_24H",),
    "O3": ("O3_8H", "O3_1H"),  # daily max 8-hour mean and daily max 1-hour mean are both daily items
}
_HOURLY_ITEMS: dict[str, tuple[str, ...]] = {
    "PM2.5": ("PM25_1H",),
    "PM10": ("PM10_1H",),
    "SO2": ("SO2_1H",),
    "NO2": ("NO2_1H",),
    "CO": ("CO_1H",),
    "O3": ("O3_1H",),
}


class Category(msgspec.Struct, frozen=True):
    """One of the six AQI categories of HJ 633-2012 Table 2."""

    level: int
    category: str
    category_en: str
    colour: tuple[int, int, int]


# (highest AQI of the category, category); the last one is open-ended.
_CATEGORIES: tuple[tuple[float, Category], ...] = (
    (50, Category(1, "优", "Excellent", (0, 228, 0))),
    (100, Category(2, "良", "Good", (255, 255, 0))),
    (150, Category(3, "轻度污染", "Lightly polluted", (255, 126, 0))),
    (200, Category(4, "中度污染", "Moderately polluted", (255, 0, 0))),
    (300, Category(5, "重度污染", "Heavily polluted", (153, 0, 76))),
    (math.inf, Category(6, "严重污染", "Severely polluted", (126, 0, 35))),
)
CATEGORY_BY_LEVEL: dict[int, Category] = {c.level: c for _, c in _CATEGORIES}


class AqiResult(msgspec.Struct, frozen=True, kw_only=True):
    """An AQI with the IAQI of every evaluated pollutant, its primary pollutants and its category."""

    aqi: int
    iaqi: dict[str, int]
    primary_pollutants: tuple[str, ...]
    category: str
    category_en: str
    level: int
    colour: tuple[int, int, int]


def iaqi(key: str, concentration: float) -> int | None:
    """IAQI of one concentration, rounded up; None when invalid or not computed by the standard.

    `key` is one of BREAKPOINTS (or PM25_1H / PM10_1H); units µg/m³, CO mg/m³. Above the top breakpoint
    the IAQI is 500, except SO2_1H and O3_8H above 800 µg/m³, for which the standard computes none.
    """
    table = _table(key)
    if math.isnan(concentration) or concentration < 0:
        return None
    if concentration > table[-1]:
        return None if key in _FALLBACK else IAQI_LEVELS[-1]
    i = max(bisect.bisect_left(table, concentration), 1)
    low, high = IAQI_LEVELS[i - 1], IAQI_LEVELS[i]
    value = low + (high - low) * (concentration - table[i - 1]) / (table[i] - table[i - 1])
    return math.ceil(round(value, 9))  # round first: float noise must not push 50.0000000001 up to 51


def daily_aqi(conc: Mapping[str, float]) -> AqiResult | None:
    """Daily AQI from 24-hour means, the daily max 8-hour O3 mean and optionally the daily max 1-hour O3.

    Keys: PM25_24H PM10_24H SO2_24H NO2_24H CO_24H O3_8H, optional O3_1H. Missing keys are not evaluated;
    None when nothing can be evaluated. O3 counts with the higher of its 8-hour and 1-hour IAQIs.
    """
    return _report(conc, _DAILY_ITEMS)


def hourly_aqi(conc: Mapping[str, float]) -> AqiResult | None:
    """Hourly (real-time) AQI from 1-hour means; PM2.5 and PM10 are graded on the 24-hour breakpoints.

    Keys: PM25_1H PM10_1H SO2_1H NO2_1H CO_1H O3_1H, optional SO2_24H (used for SO2 when its 1-hour mean
    is above 800 µg/m³). Missing keys are not evaluated; None when nothing can be evaluated.
    """
    return _report(conc, _HOURLY_ITEMS)


def category_of(aqi: float) -> Category:
    """The category (level, names, colour) of an AQI value: 0–50 level 1 … above 300 level 6."""
    if math.isnan(aqi) or aqi < 0:
        raise ValueError(f"AQI must be a non-negative number, got {aqi!r}")
    return next(category for top, category in _CATEGORIES if aqi <= top)


def _table(key: str) -> tuple[float, ...]:
    table = BREAKPOINTS.get(_GRADED_AS.get(key, key))
    if table is None:
        known = ", ".join([*BREAKPOINTS, *_GRADED_AS])
        raise ValueError(f"unknown AQI item {key!r}; expected one of {known}")
    return table


def _report(conc: Mapping[str, float], items: Mapping[str, tuple[str, ...]]) -> AqiResult | None:
    accepted = {key for keys in items.values() for key in keys}
    accepted |= {_FALLBACK[key] for key in accepted if key in _FALLBACK}
    unexpected = sorted(set(conc) - accepted)
    if unexpected:
        raise ValueError(f"items {unexpected} do not belong to this report; expected {sorted(accepted)}")
    iaqis = {}
    for pollutant, keys in items.items():
        values = [v for key in keys if (v := _item_iaqi(conc, key)) is not None]
        if values:
            iaqis[pollutant] = max(values)
    return _result(iaqis) if iaqis else None


def _item_iaqi(conc: Mapping[str, float], key: str) -> int | None:
    value = conc.get(key)
    if value is None:
        return None
    result = iaqi(key, value)
    fallback = _FALLBACK.get(key)
    if result is None and fallback and value > BREAKPOINTS[key][-1] and conc.get(fallback) is not None:
        return iaqi(fallback, conc[fallback])
    return result


def _result(iaqis: dict[str, int]) -> AqiResult:
    aqi = max(iaqis.values())
    primary = tuple(p for p in POLLUTANTS if iaqis.get(p) == aqi) if aqi > 50 else ()
    category = category_of(aqi)
    return AqiResult(
        aqi=aqi,
        iaqi=iaqis,
        primary_pollutants=primary,
        category=category.category,
        category_en=category.category_en,
        level=category.level,
        colour=category.colour,
    )
