"""The hourly roll-up: the sum and count of each station's valid values per factor and clock hour.

The storage writer folds every upload into it in the transaction that stores the upload, so hourly and
daily history reads one row per hour instead of unpacking every upload. A re-sent upload of a stored
moment first takes the stored values it replaces back out, so nothing counts twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa

from console.core.aggregation import HOUR_S
from console.core.hj212 import _c
from console.core.models import Values

metadata = sa.MetaData()
hourly_rollup = sa.Table(
    "hourly_rollup",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("factor", sa.Text, primary_key=True),
    sa.Column("hour", sa.Integer, primary_key=True),  # Unix hours: the hour starts at hour * 3600 (UTC)
    sa.Column("total", sa.Float, nullable=False),  # sum of the hour's flag-N values
    sa.Column("count", sa.Integer, nullable=False),  # how many; 0 once re-sends took every one back
    sqlite_with_rowid=False,
)
COLUMNS = ("station", "factor", "hour", "total", "count")

Cells = Mapping[tuple[str, float], Values]  # (station, data time) -> an upload's values
RollupRow = tuple[str, str, int, float, int]  # a row of COLUMNS: a change to add to the stored row
# absent when the C speedups are missing or were built from an older source
_c_hour_sums: Callable[[Cells, float], dict[tuple[str, str, int], list[float]] | None] | None = getattr(
    _c, "hour_sums", None
)


class HourSum(NamedTuple):
    """One stored hour of one factor of one station: its start (Unix hours), sum and count of valid values."""

    hour: int
    total: float
    n: int


def upsert(insert: Callable[[sa.Table], Any]) -> Any:
    """The statement that adds a row of COLUMNS to the stored one (or stores it), for a dialect's insert."""
    stmt = insert(hourly_rollup)
    c, new = hourly_rollup.c, stmt.excluded
    changed = {"total": c.total + new.total, "count": c["count"] + new["count"]}
    return stmt.on_conflict_do_update(index_elements=["station", "factor", "hour"], set_=changed)


def changes(cells: Cells, stored: Cells) -> list[RollupRow]:
    """What storing ``cells`` adds to the roll-up, given the stored values of the moments they merge into.

    A cell's factor replaces the stored value of that factor (which is taken back out if it counted);
    the stored factors it does not carry stay. Only flag "N" values count.
    """
    sums = _c_hour_sums(cells, float(HOUR_S)) if _c_hour_sums is not None else None
    if sums is None:
        sums = hour_sums_py(cells, HOUR_S)
    for key, old in stored.items():
        hour = math.floor(key[1] / HOUR_S)
        for factor in cells[key].keys() & old.keys():
            value, flag = old[factor]
            if flag == "N":
                found = sums.setdefault((key[0], factor, hour), [0.0, 0])
                found[0] -= value
                found[1] -= 1
    return [(*key, total, int(count)) for key, (total, count) in sums.items() if count or total]


def hour_sums_py(cells: Cells, hour_s: float) -> dict[tuple[str, str, int], list[float]]:
    """(station, factor, hour) -> [sum, count] of the flag "N" values of ``cells``: the reference of the C
    speedups' ``hour_sums`` (console/core/_hj212_speedups.c), which gives the same and costs the writer a
    tenth of it."""
    sums: dict[tuple[str, str, int], list[float]] = {}
    for (station, hour), group in _by_hour(cells, hour_s).items():
        if len(group) == 1:  # the hour's only upload (hourly data, an imported archive): no list per factor
            for factor, (value, flag) in group[0].items():
                if flag == "N":
                    sums[(station, factor, hour)] = [value, 1]
            continue
        factors = set().union(*group)
        for factor in factors:  # a comprehension per factor, no call per value
            valid = [vf[0] for cell in group if (vf := cell.get(factor)) is not None and vf[1] == "N"]
            if valid:
                sums[(station, factor, hour)] = [sum(valid), len(valid)]
    return sums


def _by_hour(cells: Cells, hour_s: float = HOUR_S) -> dict[tuple[str, int], list[Values]]:
    """The cells grouped by station and clock hour."""
    groups: dict[tuple[str, int], list[Values]] = {}
    for (station, ts), cell in cells.items():
        key = (station, math.floor(ts / hour_s))
        group = groups.get(key)
        if group is None:
            groups[key] = [cell]
        else:
            group.append(cell)
    return groups


def hour_sums(
    conn: sa.Connection, station: str, factors: Sequence[str], first: int, stop: int
) -> dict[str, list[HourSum]]:
    """Stored hours first <= hour < stop of some factors of a station, by factor, oldest first; hours with
    no valid value are left out."""
    c = hourly_rollup.c
    query = (
        sa.select(c.factor, c.hour, c.total, c["count"])
        .where(c.station == station, c.factor.in_(factors), c.hour >= first, c.hour < stop, c["count"] > 0)
        .order_by(c.factor, c.hour)
    )
    return _grouped(conn.execute(query).all())


def stations_hour_sums(
    conn: sa.Connection, stations: Sequence[str], factor: str, first: int, stop: int
) -> dict[str, list[HourSum]]:
    """Stored hours first <= hour < stop of one factor at many stations: station -> hours, oldest first."""
    c = hourly_rollup.c
    out: dict[str, list[HourSum]] = {}
    for start in range(0, len(stations), 500):  # one index seek per station, a few hundred a statement
        query = (
            sa.select(c.station, c.hour, c.total, c["count"])
            .where(c.station.in_(stations[start : start + 500]), c.factor == factor)
            .where(c.hour >= first, c.hour < stop, c["count"] > 0)
            .order_by(c.station, c.hour)
        )
        out.update(_grouped(conn.execute(query).all()))
    return out


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[str, list[HourSum]]:
    """Rows (name, hour, total, count) ordered by name: name -> its hours."""
    return {
        name: [HourSum(hour, total, n) for _, hour, total, n in group]
        for name, group in groupby(rows, itemgetter(0))
    }


class DaySum(NamedTuple):
    """One local day of one factor at one station: the sum and number of its valid hourly means."""

    station: str
    factor: str
    day: int  # local days since the epoch: the day starts at day * 86400 - tz_hours * 3600
    total: float  # sum of the day's valid hourly means
    hours: int  # how many valid hourly means


def stations_day_sums(
    conn: sa.Connection, stations: Sequence[str], factors: Sequence[str], first: int, stop: int, need: int,
    tz_hours: int = 8,
) -> list[DaySum]:  # fmt: skip
    """Per local day, the sum and count of the valid hourly means (``need`` values or more) of some factors
    at many stations over hours first <= hour < stop, grouped in the database: a city's month in one pass."""
    c = hourly_rollup.c
    day = ((c.hour + tz_hours) // 24).label("day")  # floor division of whole hours
    out: list[DaySum] = []
    for start in range(0, len(stations), 500):
        query = (
            sa.select(c.station, c.factor, day, sa.func.sum(c.total / c["count"]), sa.func.count())
            .where(c.station.in_(stations[start : start + 500]), c.factor.in_(factors))
            .where(c.hour >= first, c.hour < stop, c["count"] >= need)
            .group_by(c.station, c.factor, day)
        )
        out.extend(DaySum(*row) for row in conn.execute(query))
    return out
