"""History queries of the hub: raw series, hourly means and daily values, back-fill pages and late arrivals.

Raw readings come from the uploads (``frames``); hourly means and daily values from the hourly roll-up,
by the GB 3095 rules of console/core/aggregation.py. Safe to call from any thread (SQLite WAL).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from datetime import date, timedelta

import msgspec
import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from console.core import aggregation
from console.core.aggregation import DAY_S, HOUR_S, local_day_start, min_hourly_count
from console.core.factors import AQI_POLLUTANTS
from console.core.models import Reading, Values
from console.hub import daily
from console.hub.rollup import HourSum, hour_sums, hourly_rollup, stations_day_sums, stations_hour_sums
from console.hub.storage import frames, late_readings, stations

RESOLUTIONS = ("raw", "1h", "1d")
DAILY_AQI = "AQI_D"  # at 1d: the HJ 633 daily AQI of the station's pollutants, not the stored AQI_D series
_INTERVAL_OF_DERIVED = {"AQI_H": HOUR_S, "AQI_D": DAY_S}  # derived series come once per hour / day
_unpack = msgspec.msgpack.Decoder(Values).decode  # a frame: factor -> (value, flag)
_ITEM = {code: f"{prefix}_24H" for code, prefix in aggregation.ITEM.items() if code != aggregation.O3}
_DAY_MEANS = list(_ITEM)  # the pollutants whose daily value is the 24-hour mean
_EPOCH_DAY = date(1970, 1, 1)
# Pollutant -> the daily items made of it.
_DAILY_ITEMS: dict[str, tuple[str, ...]] = {
    code: (f"{prefix}_24H",) for code, prefix in aggregation.ITEM.items() if code != aggregation.O3
}
_DAILY_ITEMS[aggregation.O3] = ("O3_8H", "O3_1H")


class HistoryPoint(msgspec.Struct, array_like=True, frozen=True):
    """One point of a history series: time label (bucket start), value, flag ("I" = insufficient), count."""

    ts: float
    value: float
    flag: str
    count: int


class History:
    """Reads the hub's history; the class docstring of Storage gives the aggregation rules."""

    def __init__(self, engine: sa.Engine, tz_hours: float = 8) -> None:
        self._engine = engine
        self._tz_hours = tz_hours

    def series(
        self, station: str, factor: str, start: float, end: float, resolution: str = "raw"
    ) -> list[HistoryPoint]:
        """A series over [start, end): raw rows, hourly means or daily values.

        Aggregated buckets are whole: the one containing start is the first, the last starts before end.
        """
        if resolution == "raw":
            return self._raw(station, factor, start, end)
        if resolution == "1h":
            return self.hourly(station, factor, start, end)
        if resolution == "1d":
            return self.daily(station, factor, start, end)
        raise ValueError(f"unknown resolution {resolution!r}; expected one of {RESOLUTIONS}")

    def hourly(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        """Hourly means of the clock hours that overlap [start, end), flagged "I" under 75 % of the values."""
        first, stop = math.floor(start / HOUR_S), math.ceil(end / HOUR_S)
        with self._engine.connect() as conn:
            sums = hour_sums(conn, station, [factor], first, stop).get(factor, [])
            need = min_hourly_count(self._interval_of(conn, station, factor))
        return _hour_points(sums, need)

    def stations_hourly(
        self, factor: str, start: float, end: float, station_ids: Sequence[str] | None = None
    ) -> dict[str, list[HistoryPoint]]:
        """Hourly means of one factor at many stations (every station by default): a city at a glance."""
        first, stop = math.floor(start / HOUR_S), math.ceil(end / HOUR_S)
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(stations.c.id, stations.c.interval_s))
            intervals: dict[str, float] = {id_: interval for id_, interval in rows}
            wanted = list(intervals) if station_ids is None else list(station_ids)
            found = stations_hour_sums(conn, wanted, factor, first, stop)
        derived = _INTERVAL_OF_DERIVED.get(factor)
        return {
            station: _hour_points(hours, min_hourly_count(derived or intervals.get(station) or 60))
            for station, hours in found.items()
        }

    def stations_daily(
        self,
        station_ids: Sequence[str],
        start: float,
        end: float,
        factors: Sequence[str] | None = None,
        into: dict[str, dict[date, dict[str, float]]] | None = None,
        now: float | None = None,
    ) -> dict[str, dict[date, dict[str, float]]]:
        """Valid HJ 633 daily items (PM25_24H … CO_24H, O3_8H, O3_1H) of many stations over the local days
        that overlap [start, end): station -> local day -> item -> value; invalid values are left out.

        ``factors``: the pollutants to read (all six by default); ``into``: a result to add the items to.
        Finished days (ended before ``now``, the wall clock by default) come from the daily roll-up
        (console/hub/daily.py), stored on their first read; the others are computed from the hourly roll-up.
        """
        wanted = set(AQI_POLLUTANTS) if factors is None else set(factors)
        first, stop = local_day_start(start, self._tz_hours), local_day_start(end, self._tz_hours)
        stop += DAY_S if stop < end else 0
        numbers = range(
            round((first + self._tz_hours * HOUR_S) / DAY_S), round((stop + self._tz_hours * HOUR_S) / DAY_S)
        )
        out: dict[str, dict[date, dict[str, float]]] = {} if into is None else into
        if not numbers:
            return out
        now = time.time() if now is None else now
        with self._engine.connect() as conn:
            stored = daily.stored_days(conn, numbers.start, numbers.stop)
        finished = [n for n in numbers if n not in stored and daily.day_end(n, self._tz_hours) <= now]
        if finished:
            stored |= self.roll_up_days(finished)
        items = [item for code, group in _DAILY_ITEMS.items() if code in wanted for item in group]
        with self._engine.connect() as conn:
            daily.read(conn, station_ids, stored & set(numbers), items, out)
            for run_first, run_stop in daily.runs(n for n in numbers if n not in stored):
                hours = int(self._day_start(run_first) // HOUR_S), int(self._day_start(run_stop) // HOUR_S)
                self._compute_daily(conn, station_ids, hours, wanted, out)
        return out

    def city_daily(
        self,
        station_ids: Sequence[str],
        start: float,
        end: float,
        factors: Sequence[str] | None = None,
        now: float | None = None,
    ) -> dict[date, dict[str, float]]:
        """The mean of the stations' valid daily items by local day over the days that overlap [start, end):
        a city's daily values. Stored days are averaged in the database (a row per day, not per station
        and day); the others from ``stations_daily``."""
        wanted = set(AQI_POLLUTANTS) if factors is None else set(factors)
        items = [item for code, group in _DAILY_ITEMS.items() if code in wanted for item in group]
        first, stop = local_day_start(start, self._tz_hours), local_day_start(end, self._tz_hours)
        stop += DAY_S if stop < end else 0
        numbers = range(self._day_number(first), self._day_number(stop))
        out: dict[date, dict[str, float]] = {}
        if not numbers:
            return out
        now = time.time() if now is None else now
        with self._engine.connect() as conn:
            stored = daily.stored_days(conn, numbers.start, numbers.stop)
        finished = [n for n in numbers if n not in stored and daily.day_end(n, self._tz_hours) <= now]
        if finished:
            stored |= self.roll_up_days(finished)
        with self._engine.connect() as conn:
            out.update(daily.city_means(conn, station_ids, stored & set(numbers), items))
        for run_first, run_stop in daily.runs(n for n in numbers if n not in stored):
            found = self.stations_daily(station_ids, self._day_start(run_first), self._day_start(run_stop),
                                        factors, now=now)  # fmt: skip
            sums: dict[date, dict[str, list[float]]] = {}
            for days in found.values():
                for day, values in days.items():
                    for item, value in values.items():
                        if item in items:
                            sums.setdefault(day, {}).setdefault(item, []).append(value)
            for day, by_item in sums.items():
                out[day] = {item: math.fsum(v) / len(v) for item, v in by_item.items()}
        return out

    def _day_number(self, local_midnight: float) -> int:
        return round((local_midnight + self._tz_hours * HOUR_S) / DAY_S)

    def roll_up_days(self, numbers: Sequence[int]) -> set[int]:
        """Store the daily values of every station on these local days (days since 1970-01-01) in the daily
        roll-up, a month at most per transaction; returns the days stored."""
        done: set[int] = set()
        with self._engine.connect() as conn:
            station_ids = list(conn.scalars(sa.select(stations.c.id).order_by(stations.c.id)))
        for first, stop in daily.runs(numbers):
            with self._engine.begin() as conn:
                daily.lock_for_store(conn)
                conn.execute(
                    sa.delete(daily.daily_days).where(
                        daily.daily_days.c.day >= first, daily.daily_days.c.day < stop
                    )
                )
                values: dict[str, dict[date, dict[str, float]]] = {}
                hours = int(self._day_start(first) // HOUR_S), int(self._day_start(stop) // HOUR_S)
                self._compute_daily(conn, station_ids, hours, set(AQI_POLLUTANTS), values)
                daily.store(conn, first, stop, values)
            done.update(range(first, stop))
        return done

    def _day_start(self, number: int) -> float:
        return number * DAY_S - self._tz_hours * HOUR_S

    def _compute_daily(
        self, conn: sa.Connection, station_ids: Sequence[str], hours: tuple[int, int], wanted: set[str],
        out: dict[str, dict[date, dict[str, float]]],
    ) -> None:  # fmt: skip
        """The daily items of the stations over the clock hours [hours) from the hourly roll-up: 24-hour
        means summed by day in the database, O3 from its hours for the 8-hour windows."""
        means = [code for code in _DAY_MEANS if code in wanted]
        for need, members in self._by_need(conn, station_ids).items():
            for row in (
                stations_day_sums(conn, members, means, *hours, need, int(self._tz_hours)) if means else ()
            ):
                if row.hours >= aggregation.MIN_HOURS_PER_DAY:
                    day = _EPOCH_DAY + timedelta(days=row.day)
                    out.setdefault(row.station, {}).setdefault(day, {})[_ITEM[row.factor]] = (
                        row.total / row.hours
                    )
            if aggregation.O3 in wanted:
                self._add_o3(conn, members, hours, need, out)

    def _add_o3(
        self, conn: sa.Connection, members: list[str], hours: tuple[int, int], need: int,
        out: dict[str, dict[date, dict[str, float]]],
    ) -> None:  # fmt: skip
        """The O3 daily items (O3_8H, O3_1H) of the stations from their valid hourly means, a few hundred
        stations at a time as arrays of local days × 24 hours (the rules of aggregation.daily_items)."""
        first_day = _EPOCH_DAY + timedelta(days=round((hours[0] + self._tz_hours) / 24))
        c = hourly_rollup.c
        for start in range(0, len(members), 200):
            query = (
                sa.select(c.station, c.hour, c.total / c["count"])
                .where(c.station.in_(members[start : start + 200]), c.factor == aggregation.O3)
                .where(c.hour >= hours[0], c.hour < hours[1], c["count"] >= need)
            )
            rows = conn.execute(query).all()
            if not rows:
                continue
            found, hour_of, means = zip(*rows, strict=True)  # column by column, in C
            names = sorted(set(found))
            row_of = {name: row for row, name in enumerate(names)}
            grid = np.full((len(names), hours[1] - hours[0]), np.nan)
            grid[[row_of[name] for name in found], np.asarray(hour_of) - hours[0]] = means
            for row, day, items in o3_days(grid.reshape(len(names), -1, 24)):
                out.setdefault(names[row], {}).setdefault(first_day + timedelta(days=day), {}).update(items)

    @staticmethod
    def _by_need(conn: sa.Connection, station_ids: Sequence[str]) -> dict[int, list[str]]:
        """The stations grouped by how many values their hourly means need (from their interval)."""
        rows = conn.execute(sa.select(stations.c.id, stations.c.interval_s))
        intervals: dict[str, float] = {id_: interval for id_, interval in rows}
        groups: dict[int, list[str]] = {}
        for station in station_ids:
            groups.setdefault(min_hourly_count(float(intervals.get(station) or 60)), []).append(station)
        return groups

    def daily(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        """Daily values of the local days that overlap [start, end): 24-hour means, the O3 daily maximum
        8-hour mean, or (factor AQI_D) the HJ 633 daily AQI; flagged "I" short of the GB 3095 rules."""
        first, stop = local_day_start(start, self._tz_hours), local_day_start(end, self._tz_hours)
        stop += DAY_S if stop < end else 0  # the last day is taken whole
        factors = list(AQI_POLLUTANTS) if factor == DAILY_AQI else [factor]
        with self._engine.connect() as conn:
            sums = hour_sums(conn, station, factors, int(first // HOUR_S), int(stop // HOUR_S))
            interval = self._station_interval(conn, station)
        needs = {code: min_hourly_count(_INTERVAL_OF_DERIVED.get(code, interval)) for code in sums}
        days: dict[float, dict[str, dict[int, float]]] = {}  # local day -> factor -> hour of day -> mean
        for code, hours in sums.items():
            need = needs[code]
            valid = [(hour * HOUR_S, total / count) for hour, total, count in hours if count >= need]
            for day, by_hour in aggregation.local_days(valid, self._tz_hours).items():
                days.setdefault(day, {})[code] = by_hour
        if factor == DAILY_AQI:
            return [point for day, hours in sorted(days.items()) if (point := _aqi_point(day, hours))]
        return [point for day, hours in sorted(days.items()) if (point := _daily_point(day, factor, hours))]

    def readings_between(
        self, start: float, end: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Raw readings of every station with start <= ts <= end, at most ``limit``, ordered by station,
        time and factor.

        Keyset paging: pass the last reading's (station, factor, ts) as ``after`` for the next page.
        Consoles back-fill a gap with this after a resync.
        """
        c = frames.c
        query = sa.select(c.station, c.ts, c.data).where(c.ts >= start, c.ts <= end)
        if after is not None:  # from the upload of the last reading on; its earlier factors are skipped
            query = query.where(sa.tuple_(c.station, c.ts) >= sa.tuple_(after[0], after[2]))
        # Every upload holds a reading, and only the first one can be wholly before ``after``.
        query = query.order_by(c.station, c.ts).limit(limit + 1)
        out: list[Reading] = []
        with self._engine.connect() as conn:
            for station, ts, data in conn.execute(query):  # streamed: a page stops at ``limit`` readings
                for factor, (value, flag) in sorted(_unpack(data).items()):
                    if after is not None and (station, ts, factor) <= (after[0], after[2], after[1]):
                        continue
                    out.append(Reading(station, factor, ts, value, flag))
                    if len(out) == limit:
                        return out
        return out

    def late_since(
        self, arrived: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Readings that arrived late at or after the data clock ``arrived``, ordered by station, time and
        factor (keyset paging as ``readings_between``)."""
        late, c = late_readings.c, frames.c
        query = (
            sa.select(late.station, late.factor, late.ts, c.data)
            .join(frames, sa.and_(c.station == late.station, c.ts == late.ts))
            .where(late.arrived >= arrived)
        )
        if after is not None:
            query = query.where(
                sa.tuple_(late.station, late.ts, late.factor) > sa.tuple_(after[0], after[2], after[1])
            )
        query = query.order_by(late.station, late.ts, late.factor).limit(limit)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for station, factor, ts, data in rows:
            found = _unpack(data).get(factor)
            if found is not None:
                out.append(Reading(station, factor, ts, *found))
        return out

    def _raw(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        """Every stored value of one factor of one station with start <= ts < end, oldest first."""
        c = frames.c
        query = (
            sa.select(c.ts, c.data)
            .where(c.station == station, c.ts >= float(start), c.ts < float(end))
            .order_by(c.ts)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for ts, data in rows:
            found = _unpack(data).get(factor)
            if found is not None:
                out.append(HistoryPoint(ts, found[0], found[1], 1))
        return out

    @staticmethod
    def _interval_of(conn: sa.Connection, station: str, factor: str) -> float:
        if factor in _INTERVAL_OF_DERIVED:
            return _INTERVAL_OF_DERIVED[factor]
        return History._station_interval(conn, station)

    @staticmethod
    def _station_interval(conn: sa.Connection, station: str) -> float:
        interval = conn.scalar(sa.select(stations.c.interval_s).where(stations.c.id == station))
        return float(interval or 60)


def o3_days(hourly: npt.NDArray[np.float64]) -> list[tuple[int, int, dict[str, float]]]:
    """Valid O3 daily items from valid hourly means (stations × local days × 24 hours, NaN = none):
    (station row, day, items). O3_8H: the largest 8-hour mean starting at 00:00 … 16:00, a window valid
    with 6 hourly means, the day with 14 valid windows; O3_1H: the largest hourly mean of 20 or more."""
    present = ~np.isnan(hourly)
    zeros = np.zeros((*hourly.shape[:2], 1))
    sums = np.concatenate([zeros, np.cumsum(np.where(present, hourly, 0.0), axis=2)], axis=2)
    counts = np.concatenate([zeros, np.cumsum(present, axis=2)], axis=2)
    starts = np.arange(len(aggregation.WINDOW_STARTS))
    window_n = counts[:, :, starts + aggregation.WINDOW_HOURS] - counts[:, :, starts]
    window_sum = sums[:, :, starts + aggregation.WINDOW_HOURS] - sums[:, :, starts]
    valid = window_n >= aggregation.MIN_HOURS_PER_8H
    means = np.where(valid, window_sum / np.maximum(window_n, 1), -np.inf)
    best = means.max(axis=2)
    day_ok = valid.sum(axis=2) >= aggregation.MIN_8H_PER_DAY
    hour_ok = present.sum(axis=2) >= aggregation.MIN_HOURS_PER_DAY
    top_hour = np.where(present, hourly, -np.inf).max(axis=2)
    out = []
    for row, day in zip(*np.nonzero(day_ok | hour_ok), strict=True):
        items = {"O3_8H": float(best[row, day])} if day_ok[row, day] else {}
        if hour_ok[row, day]:
            items["O3_1H"] = float(top_hour[row, day])
        out.append((int(row), int(day), items))
    return out


def _hour_points(hours: list[HourSum], need: int) -> list[HistoryPoint]:
    """Hourly means flagged by the 75 % rule (``need`` values)."""
    return [
        HistoryPoint(float(hour * HOUR_S), total / count, "N" if count >= need else "I", count)
        for hour, total, count in hours
    ]


def _daily_point(day: float, factor: str, hours: dict[str, dict[int, float]]) -> HistoryPoint | None:
    stat = aggregation.daily_value(factor, hours.get(factor, {}))
    return HistoryPoint(day, stat.value, _flag(stat.valid), stat.n) if stat else None


def _aqi_point(day: float, hours: dict[str, dict[int, float]]) -> HistoryPoint | None:
    daily = aggregation.daily_aqi(hours)
    return HistoryPoint(day, float(daily.result.aqi), _flag(daily.valid), daily.pollutants) if daily else None


def _flag(valid: bool) -> str:
    return "N" if valid else "I"
