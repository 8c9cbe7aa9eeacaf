"""GB 3095-2012 / HJ 663 aggregation: hourly means, daily values and the HJ 633 daily AQI; pure, no I/O.

Validity (GB 3095-2012 §7 table 4): an hour is valid with 75 % of its expected values; a daily mean needs 20
valid hourly means of the local day (UTC + tz_hours); the daily maximum 8-hour O3 mean is the largest of the
8-hour running means starting at 00:00 … 16:00 of the day, each valid with 6 hourly means, the day valid
with 14 valid running means. Only valid statistics take part in the daily AQI.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from console.core import aqi
from console.core.factors import AQI_POLLUTANTS

HOUR_S = 3600
DAY_S = 86400
O3 = "a05024"
SO2 = "a21026"

HOURLY_SHARE = 0.75
MIN_HOURS_PER_DAY = 20
MIN_HOURS_PER_8H = 6
MIN_8H_PER_DAY = 14
WINDOW_HOURS = 8
WINDOW_STARTS = range(24 - WINDOW_HOURS + 1)  # 00:00 … 16:00: the last window ends at midnight

# Factor code -> HJ 633 item prefix (PM25_1H, PM25_24H, ...).
ITEM: dict[str, str] = {code: name.replace(".", "") for code, name in AQI_POLLUTANTS.items()}

HoursOfDay = Mapping[int, float]  # local hour of day (0–23) -> valid hourly mean


class DailyValue(NamedTuple):
    """A daily statistic: its value, whether it meets the validity rule, and how many values made it."""

    value: float
    valid: bool
    n: int  # hourly means (24-hour mean) or valid 8-hour means (O3) it was made of


def min_hourly_count(interval_s: float) -> int:
    """Values an hourly mean needs to be valid: 75 % of the 3600 / interval_s expected, at least one."""
    expected = HOUR_S / interval_s if interval_s > 0 else 60.0
    return max(1, math.ceil(HOURLY_SHARE * expected - 1e-9))


def local_day_start(ts: float, tz_hours: float = 8) -> float:
    """Unix time of the local midnight (UTC + tz_hours) that starts the calendar day containing ts."""
    offset = tz_hours * HOUR_S
    return float(math.floor((ts + offset) / DAY_S) * DAY_S - offset)


def local_days(hourly: Iterable[tuple[float, float]], tz_hours: float = 8) -> dict[float, dict[int, float]]:
    """Valid hourly means (hour start, mean) grouped by local day: local midnight -> hour of day -> mean."""
    days: dict[float, dict[int, float]] = {}
    for hour_start, mean in hourly:
        day = local_day_start(hour_start, tz_hours)
        days.setdefault(day, {})[int((hour_start - day) // HOUR_S)] = mean
    return days


def daily_mean(hourly_means: Sequence[float]) -> DailyValue | None:
    """24-hour mean of one day's valid hourly means; valid with at least 20 of them."""
    if not hourly_means:
        return None
    mean = math.fsum(hourly_means) / len(hourly_means)
    return DailyValue(mean, len(hourly_means) >= MIN_HOURS_PER_DAY, len(hourly_means))


def daily_max_8h(hourly_means: HoursOfDay) -> DailyValue | None:
    """O3 daily maximum 8-hour running mean from valid hourly means keyed by local hour of day (0–23).

    The 17 windows 00–08 … 16–24 of the day count; a window is valid with 6 hourly means, the day with 14
    valid windows (n: the valid windows). Without any valid window the value is the largest partial
    window (never valid; n: the windows with a value).
    """
    windows = []
    for first in WINDOW_STARTS:
        values = [hourly_means[h] for h in range(first, first + WINDOW_HOURS) if h in hourly_means]
        if values:
            windows.append((math.fsum(values) / len(values), len(values) >= MIN_HOURS_PER_8H))
    if not windows:
        return None
    valid = [mean for mean, ok in windows if ok]
    if not valid:
        return DailyValue(max(mean for mean, _ in windows), False, len(windows))
    return DailyValue(max(valid), len(valid) >= MIN_8H_PER_DAY, len(valid))


def daily_value(factor: str, hourly_means: HoursOfDay) -> DailyValue | None:
    """The daily statistic of a factor: the maximum 8-hour mean for O3, the 24-hour mean otherwise."""
    if factor == O3:
        return daily_max_8h(hourly_means)
    return daily_mean(list(hourly_means.values()))


def daily_items(hours: Mapping[str, HoursOfDay]) -> dict[str, DailyValue]:
    """HJ 633 daily items of one local day (PM25_24H … O3_8H, O3_1H) from each pollutant's hourly means.

    ``hours`` maps a factor code to its valid hourly means by hour of day; other factors are ignored. The
    daily maximum 1-hour O3 takes the 20-hour rule of the 24-hour means.
    """
    items: dict[str, DailyValue] = {}
    for code, by_hour in hours.items():
        prefix = ITEM.get(code)
        stat = daily_value(code, by_hour) if prefix else None
        if prefix is None or stat is None:
            continue
        if code == O3:
            items["O3_8H"] = stat
            hourly = list(by_hour.values())
            items["O3_1H"] = DailyValue(max(hourly), len(hourly) >= MIN_HOURS_PER_DAY, len(hourly))
        else:
            items[f"{prefix}_24H"] = stat
    return items


class DailyAqi(NamedTuple):
    """A day's HJ 633 AQI: the result, whether it is valid, and how many pollutants it evaluated."""

    result: aqi.AqiResult
    valid: bool
    pollutants: int  # how many pollutants it evaluated


def daily_aqi(hours: Mapping[str, HoursOfDay]) -> DailyAqi | None:
    """The daily AQI of one local day from each pollutant's valid hourly means by hour of day.

    Only valid daily statistics take part (HJ 663: an invalid statistic is not evaluated); the AQI is valid
    when at least one takes part. A day without any valid statistic gets the AQI of its partial statistics,
    never valid. None when the day has no pollutant data at all.
    """
    items = daily_items(hours)
    valid = {key: stat.value for key, stat in items.items() if stat.valid}
    result = aqi.daily_aqi(valid) if valid else None
    if result is not None:
        return DailyAqi(result, True, len(result.iaqi))
    partial = aqi.daily_aqi({key: stat.value for key, stat in items.items()})
    return DailyAqi(partial, False, len(partial.iaqi)) if partial is not None else None
