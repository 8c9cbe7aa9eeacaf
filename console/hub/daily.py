"""The daily roll-up: each station's valid HJ 633 daily items per local day, kept once a day is finished.

A city's month or year of daily values is what every report reads. Computing them from the hourly roll-up
each time costs seconds for a thousand stations; the daily roll-up stores them once per finished local day
(a row per station and day, a column per item, NULL where the day's statistic is not valid by GB 3095),
with ``daily_days`` listing the days that are stored for every station.

Kept current: the storage writer, in the transaction that changes the hourly roll-up, deletes the marks of
the local days it touched (a late upload of a stored day); that day is computed again from the hourly
roll-up on its next read. Days are stored on the first read after they end (``History.stations_daily``),
by an import when it finishes, and for the whole history when an older database is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

import sqlalchemy as sa

from console.core.aggregation import DAY_S, HOUR_S

# Item -> column; the items of console/core/aggregation.daily_items that reports read.
ITEMS = ("PM25_24H", "PM10_24H", "SO2_24H", "NO2_24H", "CO_24H", "O3_8H", "O3_1H")
EPOCH_DAY = date(1970, 1, 1)
MAX_RUN_DAYS = 31  # days stored in one transaction (the writer waits for it)

metadata = sa.MetaData()
daily_rollup = sa.Table(
    "daily_rollup",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("day", sa.Integer, primary_key=True),  # local days since 1970-01-01 (UTC + tz_hours)
    *(sa.Column(item.lower(), sa.Float, nullable=True) for item in ITEMS),
    sqlite_with_rowid=False,
)
daily_days = sa.Table(
    "daily_days",
    metadata,
    sa.Column("day", sa.Integer, primary_key=True),  # a local day whose rows are stored for every station
)
DayValues = dict[str, dict[date, dict[str, float]]]  # station -> local day -> item -> valid value


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def day_of(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


def day_end(number: int, tz_hours: float) -> float:
    """Unix time of the local midnight that ends the day."""
    return (number + 1) * DAY_S - tz_hours * HOUR_S


def touched_days(hours: Iterable[int], tz_hours: int) -> set[int]:
    """The local days of some clock hours (Unix hours)."""
    return {(hour + tz_hours) // 24 for hour in hours}


def invalidate(conn: sa.Connection, days: set[int]) -> None:
    """Forget that these days are stored, so their next read computes them again (called in the writer's
    transaction)."""
    if days:
        conn.execute(sa.delete(daily_days).where(daily_days.c.day.in_(sorted(days))))


def stored_days(conn: sa.Connection, first: int, stop: int) -> set[int]:
    """The stored days first <= day < stop."""
    c = daily_days.c
    return set(conn.scalars(sa.select(c.day).where(c.day >= first, c.day < stop)))


def runs(days: Iterable[int], longest: int = MAX_RUN_DAYS) -> list[tuple[int, int]]:
    """Consecutive days as ranges (first, stop), none longer than ``longest``."""
    out: list[tuple[int, int]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] == day and day - out[-1][0] < longest:
            out[-1] = (out[-1][0], day + 1)
        else:
            out.append((day, day + 1))
    return out


def lock_for_store(conn: sa.Connection) -> None:
    """Take the write lock before reading what to store, so no upload commits between the read and the
    marks: SQLite by writing first (one writer at a time); PostgreSQL by locking the marks, which the
    writer's invalidation then waits for."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE daily_days IN SHARE ROW EXCLUSIVE MODE")


def store(conn: sa.Connection, first: int, stop: int, values: DayValues) -> int:
    """Replace the rows of days first <= day < stop with ``values`` and mark the days stored; returns rows."""
    conn.execute(sa.delete(daily_rollup).where(daily_rollup.c.day >= first, daily_rollup.c.day < stop))
    rows = []
    for station, days in values.items():
        for day, items in days.items():
            number = day_number(day)
            if first <= number < stop and items:
                rows.append({"station": station, "day": number} | {k.lower(): items.get(k) for k in ITEMS})
    for start in range(0, len(rows), 5000):
        conn.execute(daily_rollup.insert(), rows[start : start + 5000])
    conn.execute(daily_days.insert(), [{"day": day} for day in range(first, stop)])
    return len(rows)


def city_means(
    conn: sa.Connection, stations: Sequence[str], days: set[int], items: Sequence[str]
) -> dict[date, dict[str, float]]:
    """The mean of the stations' stored valid items on these (stored) days, summed in the database: a
    city's daily values, a row per day."""
    out: dict[date, dict[str, float]] = {}
    if not days or not stations or not items:
        return out
    c = daily_rollup.c
    first, stop = min(days), max(days) + 1
    sums: dict[int, list[float]] = {}  # day -> [sum, count] per item, side by side
    for start in range(0, len(stations), 500):
        aggregates = [f(c[item.lower()]) for item in items for f in (sa.func.sum, sa.func.count)]
        query = (
            sa.select(c.day, *aggregates)
            .where(c.station.in_(stations[start : start + 500]), c.day >= first, c.day < stop)
            .group_by(c.day)
        )
        for number, *found in conn.execute(query):
            if number in days:
                total = sums.setdefault(number, [0.0] * len(found))
                for i, value in enumerate(found):
                    total[i] += value or 0
    for number, total in sums.items():
        row = {item: total[2 * i] / total[2 * i + 1] for i, item in enumerate(items) if total[2 * i + 1]}
        if row:
            out[day_of(number)] = row
    return out


def read(
    conn: sa.Connection, stations: Sequence[str], days: set[int], items: Sequence[str], into: DayValues
) -> None:
    """Add the stored items of the stations on these (stored) days to ``into``."""
    if not days or not stations:
        return
    c = daily_rollup.c
    columns = [c[item.lower()] for item in items]
    first, stop = min(days), max(days) + 1
    dates = {number: day_of(number) for number in range(first, stop) if number in days}
    keys = tuple(items)
    for start in range(0, len(stations), 500):
        query = sa.select(c.station, c.day, *columns).where(
            c.station.in_(stations[start : start + 500]), c.day >= first, c.day < stop
        )
        current: str | None = None  # the rows come by station: its dict is looked up once
        station_days: dict[date, dict[str, float]] = {}
        for station, number, *found in conn.execute(query):
            day = dates.get(number)
            if day is None:
                continue
            if station != current:
                current, station_days = station, into.setdefault(station, {})
            row: dict[str, float] = (
                dict(zip(keys, found, strict=True)) if None not in found else _present(keys, found)
            )
            if not row:
                continue
            known = station_days.get(day)
            if known is None:
                station_days[day] = row
            else:
                known.update(row)


def _present(keys: tuple[str, ...], values: Sequence[float | None]) -> dict[str, float]:
    return {key: value for key, value in zip(keys, values, strict=True) if value is not None}
