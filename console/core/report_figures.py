"""The figures of the leaders' air-quality reports for a period: city, townships and stations; pure, no I/O.

Input: each station's valid daily values (HJ 633 items ``PM25_24H PM10_24H SO2_24H NO2_24H CO_24H O3_8H``
and optionally ``O3_1H``, CO in mg/m³, the others µg/m³) by local day, as the hub computes
them with console/core/aggregation.py. Rules:

- City (and township) daily values are the means of the stations' valid daily values of that day.
- A day counts for the AQI levels (``valid_days``) when all six pollutants have a valid daily value; its
  level is the HJ 633 category of the daily AQI. Heavy pollution days: AQI above 200 (levels 5 and 6).
- Period statistics (GB 3095-2012 table 4, HJ 663-2013): the means of SO2, NO2, PM10, PM2.5 over the valid
  daily values; CO as the 95th percentile of daily means; O3 as the 90th percentile of daily maximum 8-hour
  means. A statistic is valid when every calendar month of the period (up to ``as_of``) holds at least 27
  valid daily values of the pollutant (25 in February) and a whole year at least 324; otherwise it is None.
- Composite index I = Σ C_i / S_i over those six statistics against the grade II annual limits (SO2 60,
  NO2 40, PM10 70, PM2.5 35 µg/m³; CO 4 mg/m³; O3 160 µg/m³); lower is better.
- Dust switch: national monthly reports keep dust-storm days in the levels and good-day ratio but deduct
  them from concentrations and the composite index. Pass ``dust_days`` to deduct; ``concentrations`` says
  which version the figures are.
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

import msgspec
import numpy as np
import numpy.typing as npt

from console.core import aqi
from console.core.incidents import Incident

SIX_ITEMS = ("PM25_24H", "PM10_24H", "SO2_24H", "NO2_24H", "CO_24H", "O3_8H")
DAILY_KEYS = (*SIX_ITEMS, "O3_1H")
DAILY_ITEMS = frozenset(DAILY_KEYS)  # what a daily AQI is made of
HEAVY_AQI = 200

# Pollutant -> (daily item, statistic, percentile or None for a mean, grade II annual limit).
STATISTICS: dict[str, tuple[str, str, float | None, float]] = {
    "SO2": ("SO2_24H", "so2_mean", None, 60.0),
    "NO2": ("NO2_24H", "no2_mean", None, 40.0),
    "PM10": ("PM10_24H", "pm10_mean", None, 70.0),
    "PM2.5": ("PM25_24H", "pm25_mean", None, 35.0),
    "CO": ("CO_24H", "co_p95", 95.0, 4.0),
    "O3": ("O3_8H", "o3_8h_p90", 90.0, 160.0),
}
MIN_DAYS_PER_MONTH = 27
MIN_DAYS_PER_FEBRUARY = 25
MIN_DAYS_PER_YEAR = 324
# Annual targets until the site data carries them: the grade II annual limit of PM2.5.
DEFAULT_TARGETS: dict[str, float] = {"PM2.5": 35.0}

DayItems = Mapping[str, float]  # HJ 633 daily item -> valid daily value
StationDays = Mapping[date, DayItems]  # local day -> the station's valid daily values


class Kind(StrEnum):
    """The kinds of report and how their periods are written."""

    DAILY = "daily"  # 2015-12-01
    WEEKLY = "weekly"  # 2015-W49 (ISO week)
    MONTHLY = "monthly"  # 2015-12
    ANNUAL = "annual"  # 2015
    EPISODE = "episode"  # 2015-11-27/2015-12-02, both days included


class Period(msgspec.Struct, frozen=True):
    """A report period: local days start <= day < end (UTC + 8 unless told otherwise)."""

    kind: Kind
    label: str
    start: date
    end: date  # the day after the last one

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days

    def bounds(self, tz_hours: float = 8) -> tuple[float, float]:
        """Unix seconds of the period's first local midnight and of the midnight that ends it."""
        return _midnight(self.start, tz_hours), _midnight(self.end, tz_hours)

    def previous(self) -> Period:
        """The previous period of the same kind (环比): the day, week, month or year before; an episode's
        days just before it."""
        if self.kind == Kind.MONTHLY:
            year, month = (
                (self.start.year, self.start.month - 1) if self.start.month > 1 else (self.start.year - 1, 12)
            )
            return parse_period(self.kind, f"{year:04d}-{month:02d}")
        if self.kind == Kind.ANNUAL:
            return parse_period(self.kind, str(self.start.year - 1))
        length = timedelta(days=self.days)
        return _shifted(self, self.start - length, self.end - length)

    def last_year(self) -> Period:
        """The same period a year before (同比); ISO week n of the previous year for a week."""
        if self.kind == Kind.WEEKLY:
            year, week, _ = self.start.isocalendar()
            week = min(week, date(year - 1, 12, 28).isocalendar()[1])  # a week 53 maps to the last week
            start = date.fromisocalendar(year - 1, week, 1)
            return _shifted(self, start, start + timedelta(days=7))
        return _shifted(self, _year_before(self.start), _year_before(self.end))


def parse_period(kind: Kind | str, text: str) -> Period:
    """The period of a report kind: ``2015-12-01``, ``2015-W49``, ``2015-12``, ``2015``, ``START/END``.

    Raises ValueError with a message a user can act on.
    """
    try:
        kind = Kind(kind)
    except ValueError:
        raise ValueError(f"unknown report kind {kind!r}; expected one of {', '.join(Kind)}") from None
    text = text.strip()
    try:
        start, end = _PARSERS[kind](text)
    except (ValueError, KeyError):
        raise ValueError(f"bad {kind} period {text!r}; expected like {_EXAMPLES[kind]}") from None
    if end <= start:
        raise ValueError(f"the episode {text!r} ends before it starts")
    return Period(kind, text, start, end)


def _day(text: str) -> tuple[date, date]:
    day = date.fromisoformat(_exact(r"\d{4}-\d{2}-\d{2}", text))
    return day, day + timedelta(days=1)


def _week(text: str) -> tuple[date, date]:
    year, week = _exact(r"\d{4}-W\d{2}", text).split("-W")
    start = date.fromisocalendar(int(year), int(week), 1)
    return start, start + timedelta(days=7)


def _month(text: str) -> tuple[date, date]:
    year, month = (int(part) for part in _exact(r"\d{4}-\d{2}", text).split("-"))
    start = date(year, month, 1)
    return start, _month_after(start)


def _year(text: str) -> tuple[date, date]:
    year = int(_exact(r"\d{4}", text))
    return date(year, 1, 1), date(year + 1, 1, 1)


def _episode(text: str) -> tuple[date, date]:
    first, last = text.split("/")
    return _day(first)[0], _day(last)[1]


def _exact(pattern: str, text: str) -> str:
    if not re.fullmatch(pattern, text):
        raise ValueError(text)
    return text


_PARSERS = {
    Kind.DAILY: _day,
    Kind.WEEKLY: _week,
    Kind.MONTHLY: _month,
    Kind.ANNUAL: _year,
    Kind.EPISODE: _episode,
}
_EXAMPLES = {
    Kind.DAILY: "2015-12-01",
    Kind.WEEKLY: "2015-W49",
    Kind.MONTHLY: "2015-12",
    Kind.ANNUAL: "2015",
    Kind.EPISODE: "2015-11-27/2015-12-02",
}


def _shifted(period: Period, start: date, end: date) -> Period:
    iso = start.isocalendar()
    label = {
        Kind.DAILY: start.isoformat(),
        Kind.WEEKLY: f"{iso[0]:04d}-W{iso[1]:02d}",
        Kind.MONTHLY: f"{start.year:04d}-{start.month:02d}",
        Kind.ANNUAL: f"{start.year:04d}",
        Kind.EPISODE: f"{start}/{end - timedelta(days=1)}",
    }
    return Period(period.kind, label[period.kind], start, end)


def _year_before(day: date) -> date:
    return (
        day.replace(year=day.year - 1, day=28)
        if (day.month, day.day) == (2, 29)
        else day.replace(year=day.year - 1)
    )


def _month_after(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _midnight(day: date, tz_hours: float) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() - tz_hours * 3600


def local_date(ts: float, tz_hours: float = 8) -> date:
    """The local calendar day (UTC + tz_hours) of a Unix time."""
    return datetime.fromtimestamp(ts + tz_hours * 3600, UTC).date()


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile by HJ 663-2013 (环境空气质量评价技术规范, 百分位数计算方法).

    Sort the n values ascending, X(1) <= ... <= X(n); the rank is k = 1 + (n − 1) × p / 100; with s the
    integer part of k, the percentile is m_p = X(s) + (X(s + 1) − X(s)) × (k − s) (X(s) itself when
    s = n). This linear interpolation between closest ranks happens to be Hyndman and Fan's type 7. None
    for no values.
    """
    if not values:
        return None
    ordered = sorted(values)  # already sorted lists cost little
    k = 1 + (len(ordered) - 1) * p / 100
    s = int(k)
    if s >= len(ordered):
        return ordered[-1]
    return ordered[s - 1] + (ordered[s] - ordered[s - 1]) * (k - s)


def required_days(year: int, month: int) -> int:
    """Valid daily values a calendar month needs for its statistics: 27, or 25 in February."""
    return MIN_DAYS_PER_FEBRUARY if month == 2 else MIN_DAYS_PER_MONTH


def day_level(items: DayItems) -> int:
    """The HJ 633 AQI level (1–6) of a day from its daily items.

    The level of the highest IAQI is the highest of the items' levels, found by where the concentration
    falls among the breakpoints; concentrations on a breakpoint and O3_8H beyond its table go through
    console/core/aqi.py so the result always equals its category.
    """
    level = 1
    for key, table in _TABLES:
        value = items.get(key)
        if value is None:
            continue
        i = bisect.bisect_left(table, value)
        if i > level:
            if (i >= len(table) and key == "O3_8H") or value - table[i - 1] <= 1e-9 * max(1.0, table[i - 1]):
                return _exact_level(items)  # beyond the 8-hour table, or on a breakpoint up to float noise
            level = i
    return min(level, 6)


_TABLES = tuple((key, aqi.BREAKPOINTS[key]) for key in DAILY_KEYS)


def _exact_level(items: DayItems) -> int:
    result = aqi.daily_aqi({key: value for key, value in items.items() if key in DAILY_ITEMS})
    return result.level if result is not None else 1


class Change(msgspec.Struct, frozen=True):
    """A figure against a comparison period: its value then, the difference and the relative change."""

    previous: float | None
    delta: float | None  # now − then (percentage points ×0.01 for the good-day ratio)
    ratio: float | None  # delta / then: the 同比/环比 percentage as a fraction


class Figures(msgspec.Struct, kw_only=True):
    """A period's figures for one place (the city, a township or a station)."""

    key: str = ""  # "" for the city, the township code or the station id
    name: str = ""
    stations: int = 0  # stations that contributed a daily value
    valid_days: int = 0
    days_by_level: dict[str, int] = {}
    good_days: int = 0
    good_day_ratio: float | None = None
    heavy_days: int = 0
    pm25_mean: float | None = None
    pm10_mean: float | None = None
    so2_mean: float | None = None
    no2_mean: float | None = None
    co_p95: float | None = None  # mg/m³
    o3_8h_p90: float | None = None
    composite_index: float | None = None
    composite_terms: dict[str, float] = {}  # pollutant -> C_i / S_i
    pollutant_days: dict[str, int] = {}  # pollutant -> valid daily values in the statistic
    complete: bool = True  # every statistic met the month / year completeness rule
    concentrations: str = "dust included"  # or "dust deducted"
    yoy: dict[str, Change] = {}  # 同比
    mom: dict[str, Change] = {}  # 环比


class Progress(msgspec.Struct, frozen=True, kw_only=True):
    """Year to date against an annual target of a pollutant's mean."""

    pollutant: str
    target: float
    ytd_mean: float | None
    days_counted: int  # valid days so far this year
    days_remaining: int  # days of the year after the period
    allowed_mean: float | None  # the mean the rest of the year may still have to meet the target
    on_track: bool | None
    cumulative: list[tuple[str, float]] = []  # (ISO day, mean from 1 January to that day): days with a value


class DayFigure(msgspec.Struct, array_like=True, frozen=True):
    """One day of the city in the period: its daily AQI and level (0 and None without all six pollutants),
    primary pollutants and PM2.5 (µg/m³, None without a valid value)."""

    day: str  # ISO
    aqi: int | None
    level: int
    primary: tuple[str, ...]
    pm25: float | None


class IncidentFigures(msgspec.Struct, kw_only=True):
    """The incident loop in the period: raised, closed, closed on time and overdue."""

    raised: int = 0
    closed: int = 0
    closed_on_time: int = 0
    overdue: int = 0
    by_township: dict[str, IncidentFigures] = {}


class Report(Figures, kw_only=True):
    """A report: the city's figures at the top, then townships (ranked) and stations, targets, incidents."""

    kind: str
    period: str
    start: str  # first day, ISO
    end: str  # last day, ISO
    dust_days: list[str] = []
    townships: list[Figures] = []
    station_figures: list[Figures] = []
    progress: list[Progress] = []
    incidents: IncidentFigures = msgspec.field(default_factory=IncidentFigures)
    days: list[DayFigure] = []  # the city's days of the period, in order


COMPARED = ("pm25_mean", "pm10_mean", "so2_mean", "no2_mean", "co_p95", "o3_8h_p90", "composite_index")
COMPARED_COUNTS = ("good_day_ratio", "good_days", "heavy_days")


Matrix = npt.NDArray[np.float64]  # rows: days; columns: DAILY_KEYS (or the keys asked for); NaN = no value


def matrix(days: Mapping[date, DayItems], dates: Sequence[date], keys: Sequence[str] = DAILY_KEYS) -> Matrix:
    """The daily values of one place on some days as a matrix (NaN where a value is missing)."""
    if not keys:
        return np.empty((len(dates), 0))
    if len(keys) == 1:
        return _column(days, dates, keys[0]).reshape(len(dates), 1)
    empty = (math.nan,) * len(keys)
    pick = operator.itemgetter(*keys)
    rows: list[Sequence[float]] = []
    for day in dates:
        items = days.get(day)
        if items is None:
            rows.append(empty)
            continue
        try:
            rows.append(pick(items))  # a day with every item: one C call
        except KeyError:
            rows.append([items.get(key, math.nan) for key in keys])
    return np.array(rows, dtype=np.float64).reshape(len(dates), len(keys))


def _column(days: Mapping[date, DayItems], dates: Sequence[date], key: str) -> npt.NDArray[np.float64]:
    """One item of one place on some days (NaN where missing)."""
    nan = math.nan
    found = (items.get(key, nan) if (items := days.get(day)) is not None else nan for day in dates)
    return np.fromiter(found, dtype=np.float64, count=len(dates))


def group_sums(
    stations: Iterable[StationDays], dates: Sequence[date], keys: Sequence[str] = DAILY_KEYS
) -> tuple[Matrix, Matrix]:
    """Sum and count of a group's valid values per day and item; the city's are its townships' added."""
    total = np.zeros((len(dates), len(keys)))
    count = np.zeros((len(dates), len(keys)))
    for days in stations:
        values = matrix(days, dates, keys)
        present = ~np.isnan(values)
        total += np.where(present, values, 0.0)
        count += present
    return total, count


def group_means(total: Matrix, count: Matrix) -> Matrix:
    """Daily values of a group: each item's mean over the stations that have it that day (NaN for none)."""
    return np.divide(total, count, out=np.full_like(total, math.nan), where=count > 0)


def mean_days(stations: Iterable[StationDays], start: date, end: date) -> dict[date, dict[str, float]]:
    """Daily values of a group of stations over start <= day < end: each item's mean over the stations
    that have a valid value that day (a group's AQI comes from these means, not from its stations')."""
    dates = _dates(start, end)
    values = group_means(*group_sums(stations, dates))
    out = {}
    for day, row in zip(dates, values.tolist(), strict=True):
        items = {key: value for key, value in zip(DAILY_KEYS, row, strict=True) if not math.isnan(value)}
        if items:
            out[day] = items
    return out


def _dates(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def levels(values: Matrix) -> npt.NDArray[np.int64]:
    """The AQI level (1–6) of each day (row of DAILY_KEYS values); 0 for a day without all six pollutants.

    Vectorised day_level: the highest breakpoint segment over the items; days with a value on a
    breakpoint (up to float noise) or an O3_8H beyond its table go through day_level.
    """
    full = ~np.isnan(values[:, : len(SIX_ITEMS)]).any(axis=1)
    level = np.ones(len(values), dtype=np.int64)
    exact = np.zeros(len(values), dtype=bool)
    for j, (key, table) in enumerate(_TABLES):
        column = values[:, j]
        present = ~np.isnan(column)
        bounds = np.asarray(table)
        i = np.where(present, np.searchsorted(bounds, np.where(present, column, 0.0), side="left"), 0)
        below = bounds[np.clip(i - 1, 0, len(bounds) - 1)]
        exact |= present & (i > 0) & (column - below <= 1e-9 * np.maximum(1.0, below))
        if key == "O3_8H":
            exact |= present & (i >= len(bounds))
        level = np.maximum(level, i)
    level = np.minimum(level, 6)
    for row in np.flatnonzero(exact & full):
        level[row] = day_level(
            {k: v for k, v in zip(DAILY_KEYS, values[row].tolist(), strict=True) if not math.isnan(v)}
        )
    return np.where(full, level, 0)


def figures(
    days: Mapping[date, DayItems],
    period: Period,
    *,
    dust_days: Collection[date] = (),
    as_of: date | None = None,
    key: str = "",
    name: str = "",
) -> Figures:
    """The figures of one place over a period from its daily values (days outside the period are ignored).

    ``as_of``: the last day with data; months after it are not held to the completeness rule.
    """
    dates = _dates(period.start, period.end)
    return place_figures(matrix(days, dates), dates, period, dust_days, as_of, key, name)


def place_figures(
    values: Matrix,
    dates: Sequence[date],
    period: Period,
    dust_days: Collection[date] = (),
    as_of: date | None = None,
    key: str = "",
    name: str = "",
) -> Figures:
    """The figures of a period from a place's daily value matrix over ``dates`` (ascending, covering it)."""
    first, stop = bisect.bisect_left(dates, period.start), bisect.bisect_left(dates, period.end)
    values, dates = values[first:stop], dates[first:stop]
    out = Figures(key=key, name=name, concentrations="dust deducted" if dust_days else "dust included")
    counts = np.bincount(levels(values), minlength=7)
    _fill_days(out, {str(level): int(counts[level]) for level in range(1, 7)})
    present = ~np.isnan(values[:, : len(SIX_ITEMS)])
    kept = present & ~np.array([day in dust_days for day in dates], dtype=bool).reshape(-1, 1)
    series = {item: values[kept[:, j], j] for j, item in enumerate(SIX_ITEMS)}
    _fill_statistics(out, series, _complete_items(present, dates, period, as_of))
    return out


def _fill_days(out: Figures, by_level: dict[str, int]) -> None:
    out.days_by_level = by_level
    out.valid_days = sum(by_level.values())
    out.good_days = by_level["1"] + by_level["2"]
    out.heavy_days = by_level["5"] + by_level["6"]
    out.good_day_ratio = out.good_days / out.valid_days if out.valid_days else None


def _complete_items(
    present: npt.NDArray[np.bool_], dates: Sequence[date], period: Period, as_of: date | None
) -> set[str]:
    """The items whose valid daily values (dust days count: they are valid) meet the completeness rule in
    every month of the period (daily, weekly and episode reports have none); months that end after
    ``as_of`` are not held to it."""
    if period.kind not in (Kind.MONTHLY, Kind.ANNUAL):
        return set(SIX_ITEMS)
    last = period.end if as_of is None else min(period.end, as_of + timedelta(days=1))
    complete = set(SIX_ITEMS)
    month = period.start
    while month < period.end:
        following = _month_after(month)
        if following <= last:
            rows = slice(bisect.bisect_left(dates, month), bisect.bisect_left(dates, following))
            counts = present[rows].sum(axis=0)
            need = required_days(month.year, month.month)
            complete -= {item for j, item in enumerate(SIX_ITEMS) if counts[j] < need}
        month = following
    if period.kind == Kind.ANNUAL and last >= period.end:
        totals = present.sum(axis=0)
        complete -= {item for j, item in enumerate(SIX_ITEMS) if totals[j] < MIN_DAYS_PER_YEAR}
    return complete


def _fill_statistics(out: Figures, series: dict[str, npt.NDArray[np.float64]], complete: set[str]) -> None:
    out.pollutant_days = {pollutant: len(series[item]) for pollutant, (item, *_rest) in STATISTICS.items()}
    terms: dict[str, float] = {}
    for pollutant, (item, field, p, limit) in STATISTICS.items():
        values = series[item]
        if item not in complete or not len(values):
            continue
        value = (
            math.fsum(values.tolist()) / len(values) if p is None else percentile(np.sort(values).tolist(), p)
        )
        setattr(out, field, value)
        if value is not None:
            terms[pollutant] = value / limit
    out.complete = len(complete) == len(SIX_ITEMS)
    out.composite_terms = terms
    out.composite_index = math.fsum(terms.values()) if len(terms) == len(STATISTICS) else None


def compare(now: Figures, then: Figures) -> dict[str, Change]:
    """Changes of the headline figures against a comparison period's."""
    out: dict[str, Change] = {}
    for field in (*COMPARED, *COMPARED_COUNTS):
        current, previous = getattr(now, field), getattr(then, field)
        if field in ("good_days", "heavy_days") and not then.valid_days:
            previous = None
        delta = current - previous if current is not None and previous is not None else None
        ratio = delta / previous if delta is not None and previous else None
        out[field] = Change(previous, delta, ratio)
    return out


def progress(
    days: Mapping[date, DayItems],
    period: Period,
    targets: Mapping[str, float],
    dust_days: Collection[date] = (),
    as_of: date | None = None,
) -> list[Progress]:
    """Year to date (1 January to the period's end, or to ``as_of`` when that comes first) against annual
    targets of pollutant means.

    The allowed mean for the rest of the year keeps the annual mean at the target:
    allowed = (target × days_in_year − sum so far) / days remaining, where days_in_year counts the valid
    days so far plus the days remaining (a missing day neither helps nor hurts). None after the last day;
    negative means the target can no longer be met.
    """
    year_start = date((period.end - timedelta(days=1)).year, 1, 1)
    year_end = date(year_start.year + 1, 1, 1)
    until = (
        min(period.end, year_end) if as_of is None else min(period.end, year_end, as_of + timedelta(days=1))
    )
    remaining = (year_end - until).days
    out = []
    for pollutant, target in targets.items():
        item = STATISTICS[pollutant][0]
        so_far = [
            items[item]
            for day, items in days.items()
            if year_start <= day < until and item in items and day not in dust_days
        ]
        total, n = math.fsum(so_far), len(so_far)
        ytd = total / n if n else None
        allowed = (target * (n + remaining) - total) / remaining if remaining else None
        on_track = None if ytd is None else ytd <= target
        out.append(Progress(pollutant=pollutant, target=target, ytd_mean=ytd, days_counted=n,
                            days_remaining=remaining, allowed_mean=allowed, on_track=on_track,
                            cumulative=_cumulative(days, item, year_start, until, dust_days)))  # fmt: skip
    return out


def _cumulative(
    days: Mapping[date, DayItems], item: str, first: date, stop: date, dust_days: Collection[date]
) -> list[tuple[str, float]]:
    """The running mean of an item from ``first`` on: (ISO day, mean so far) on each day with a value."""
    out, total, n = [], 0.0, 0
    for day in _dates(first, stop):
        items = days.get(day)
        if items is None or item not in items or day in dust_days:
            continue
        total, n = total + items[item], n + 1
        out.append((day.isoformat(), total / n))
    return out


def city_days(values: Matrix, dates: Sequence[date], period: Period) -> list[DayFigure]:
    """The city's days of the period from its daily value matrix over ``dates`` (DAILY_KEYS columns)."""
    first, stop = bisect.bisect_left(dates, period.start), bisect.bisect_left(dates, period.end)
    rows, pm25 = values[first:stop], DAILY_KEYS.index("PM25_24H")
    out = []
    for day, level, row in zip(dates[first:stop], levels(rows).tolist(), rows.tolist(), strict=True):
        result = None
        if level:
            result = aqi.daily_aqi({k: v for k, v in zip(DAILY_KEYS, row, strict=True) if not math.isnan(v)})
        out.append(DayFigure(
            day=day.isoformat(), aqi=result.aqi if result else None, level=result.level if result else 0,
            primary=result.primary_pollutants if result else (),
            pm25=None if math.isnan(row[pm25]) else row[pm25],
        ))  # fmt: skip
    return out


def incident_figures(
    incidents: Iterable[Incident],
    period: Period,
    feedback: Mapping[str, float],
    tz_hours: float = 8,
    now: float | None = None,
) -> IncidentFigures:
    """The incident loop's figures of a period, in total and by township.

    raised: created in the period; closed: closed in it; closed on time: of those, dispatched ones whose
    last feedback (``feedback``: incident id -> time; the closing time when absent) came by their deadline;
    overdue: deadline in the period (up to ``now``) and no feedback by it.
    """
    start, end = period.bounds(tz_hours)
    horizon = end if now is None else min(end, now)
    total = IncidentFigures()
    for incident in incidents:
        counts = _incident_counts(incident, start, end, horizon, feedback.get(incident.id))
        if not any(counts):
            continue
        place = total.by_township.setdefault(incident.township, IncidentFigures())
        for target in (total, place):
            target.raised += counts[0]
            target.closed += counts[1]
            target.closed_on_time += counts[2]
            target.overdue += counts[3]
    return total


def _incident_counts(
    incident: Incident, start: float, end: float, horizon: float, fed_back: float | None
) -> tuple[int, int, int, int]:
    raised = start <= incident.created < end
    closed = incident.closed is not None and start <= incident.closed < end
    answered = fed_back if fed_back is not None else incident.closed
    deadline = incident.deadline
    on_time = (
        closed and incident.dispatched is not None and deadline is not None and (answered or 0) <= deadline
    )
    late = answered is None or answered > (deadline or 0)
    overdue = deadline is not None and start <= deadline < horizon and late
    return int(raised), int(closed), int(on_time), int(overdue)


def report(
    stations: Mapping[str, StationDays],
    period: Period,
    *,
    township_of: Mapping[str, str],
    township_names: Mapping[str, str] | None = None,
    station_names: Mapping[str, str] | None = None,
    targets: Mapping[str, float] | None = None,
    incidents: Iterable[Incident] = (),
    feedback: Mapping[str, float] | None = None,
    dust_days: Collection[date] = (),
    as_of: date | None = None,
    tz_hours: float = 8,
    city_year_to_date: Mapping[date, DayItems] | None = None,
) -> Report:
    """The whole report of a period: city, townships ranked by composite index (best first), stations,
    同比 and 环比 of the city and the townships, progress against annual targets and the incident loop.

    ``stations`` must hold the days of the period, of the same period a year before, of the previous
    period and from 1 January to the period's end (for the targets); other days are ignored.
    ``city_year_to_date``: the city's daily values of the targets' items on the days of the year to date
    outside those periods, when the caller has them already averaged (the hub does it in its database);
    ``stations`` then need not hold those days.
    """
    township_names = township_names or {}
    station_names = station_names or {}
    targets = DEFAULT_TARGETS if targets is None else targets
    dust = set(dust_days)
    comparisons = (period.last_year(), period.previous())
    dates = sorted({day for each in (period, *comparisons) for day in _dates(each.start, each.end)})
    sums, station_figures = _station_pass(stations, dates, township_of, station_names, period, dust, as_of)
    shape = (len(dates), len(DAILY_KEYS))
    city_sums = (
        sum((t for t, _ in sums.values()), np.zeros(shape)),
        sum((c for _, c in sums.values()), np.zeros(shape)),
    )
    place = functools.partial(_with_comparisons, dates=dates, period=period, comparisons=comparisons,
                              dust=dust, as_of=as_of)  # fmt: skip
    city_values = group_means(*city_sums)
    city = place(city_values, key="", name="")
    townships = []
    members = Counter(township_of.get(sid, "") for sid in stations)
    for code, (total, count) in sorted(sums.items()):
        township = place(group_means(total, count), key=code, name=township_names.get(code, code))
        township.stations = members[code]
        townships.append(township)
    year_to_date = _year_to_date(stations, period, targets, dates, city_values, city_year_to_date)
    out = Report(
        **{f: getattr(city, f) for f in Figures.__struct_fields__},
        kind=period.kind.value,
        period=period.label,
        start=period.start.isoformat(),
        end=(period.end - timedelta(days=1)).isoformat(),
        dust_days=sorted(d.isoformat() for d in dust),
        townships=ranked(townships),
        station_figures=ranked(station_figures),
        progress=progress(year_to_date, period, targets, dust, as_of),
        incidents=incident_figures(incidents, period, feedback or {}, tz_hours),
        days=city_days(city_values, dates, period),
    )
    out.stations = len(stations)
    return out


def _station_pass(
    stations: Mapping[str, StationDays],
    dates: Sequence[date],
    township_of: Mapping[str, str],
    station_names: Mapping[str, str],
    period: Period,
    dust: Collection[date],
    as_of: date | None,
) -> tuple[dict[str, tuple[Matrix, Matrix]], list[Figures]]:
    """One pass over the stations, each read once: every township's sums and counts per day and item,
    and each station's figures."""
    shape = (len(dates), len(DAILY_KEYS))
    sums: dict[str, tuple[Matrix, Matrix]] = {}
    station_figures = []
    for sid, days in sorted(stations.items()):
        values = matrix(days, dates)
        code = township_of.get(sid, "")
        if code not in sums:
            sums[code] = (np.zeros(shape), np.zeros(shape))
        total, count = sums[code]
        present = ~np.isnan(values)
        total += np.where(present, values, 0.0)
        count += present
        name = station_names.get(sid, sid)
        station_figures.append(place_figures(values, dates, period, dust, as_of, sid, name))
    return sums, station_figures


def _year_to_date(
    stations: Mapping[str, StationDays],
    period: Period,
    targets: Mapping[str, float],
    dates: Sequence[date],
    city_values: Matrix,
    city_days: Mapping[date, DayItems] | None = None,
) -> dict[date, dict[str, float]]:
    """The city's daily values of the targets' items from 1 January to the period's end: those of
    ``dates`` from the city's matrix, the other days from ``city_days`` when given, else from the
    stations for these items only."""
    keys = [STATISTICS[pollutant][0] for pollutant in targets]
    ytd = _dates(date((period.end - timedelta(days=1)).year, 1, 1), period.end)
    known = set(dates)
    extra = [day for day in ytd if day not in known]
    if city_days is not None:
        rows = {day: [city_days.get(day, {}).get(key, math.nan) for key in keys] for day in extra}
    else:
        means = group_means(*group_sums(stations.values(), extra, keys))
        rows = dict(zip(extra, means.tolist(), strict=True))
    columns = [DAILY_KEYS.index(key) for key in keys]
    for day, row in zip(dates, city_values[:, columns].tolist(), strict=True):
        if ytd and ytd[0] <= day < period.end:
            rows[day] = row
    return {
        day: {k: v for k, v in zip(keys, row, strict=True) if not math.isnan(v)} for day, row in rows.items()
    }


def _with_comparisons(
    values: Matrix,
    *,
    dates: Sequence[date],
    period: Period,
    comparisons: tuple[Period, Period],
    dust: Collection[date],
    as_of: date | None,
    key: str,
    name: str,
) -> Figures:
    """A group's figures with its 同比 and 环比 changes."""
    now = place_figures(values, dates, period, dust, as_of, key, name)
    now.yoy = compare(now, place_figures(values, dates, comparisons[0], dust))
    now.mom = compare(now, place_figures(values, dates, comparisons[1], dust))
    return now


def ranked(places: list[Figures]) -> list[Figures]:
    """Places by composite index, best (lowest) first; places without one last, by key."""
    return sorted(places, key=lambda f: (f.composite_index is None, f.composite_index or 0.0, f.key))
