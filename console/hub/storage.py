"""The hub's history (stations, readings, link states) in SQLite or PostgreSQL, and its one writer thread."""

from __future__ import annotations

import logging
import math
import sqlite3
from collections.abc import Sequence
from math import isfinite
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import sqlalchemy as sa
from msgspec.structs import astuple
from sqlalchemy.dialects import postgresql, sqlite

from console.core.batch_writer import BatchWriter
from console.core.models import VALID_FLAGS, Reading, Station, StationKind
from console.hub.derive import (
    DAY_S,
    HOUR_S,
    O3,
    daily_max_8h,
    daily_mean,
    local_day_start,
    min_hourly_count,
)

SCHEMA_VERSION = 1
RESOLUTIONS = ("raw", "1h", "1d")
_log = logging.getLogger(__name__)
_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_INTERVAL_OF_DERIVED = {"AQI_H": HOUR_S, "AQI_D": DAY_S}  # derived series come once per hour / day

metadata = sa.MetaData()
schema_version = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))
stations = sa.Table(
    "stations",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    *(sa.Column(name, sa.Text, nullable=False) for name in ("name", "kind", "township", "grid")),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("mn", sa.Text, nullable=False, unique=True),
    *(sa.Column(name, sa.Text, nullable=False) for name in ("pw", "st", "factors")),
    sa.Column("interval_s", sa.Integer, nullable=False),
    sa.Column("zone", sa.Text, nullable=False),
)


def _reading_columns(ts_in_key: bool) -> list[sa.Column]:
    return [
        sa.Column("station", sa.Text, primary_key=True),
        sa.Column("factor", sa.Text, primary_key=True),
        sa.Column("ts", sa.Float, primary_key=ts_in_key, nullable=False),  # Unix s, UTC; HJ 212 label
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("flag", sa.CHAR(1), nullable=False),
    ]


# (station, factor, ts) is the key: a logger's re-send replaces the stored row (last write wins).
readings = sa.Table("readings", metadata, *_reading_columns(True), sqlite_with_rowid=False)
# The newest row per (station, factor), kept on write so latest() does not scan the history.
latest_readings = sa.Table("latest_readings", metadata, *_reading_columns(False))
# Readings that arrived late: data time more than LATE_S behind the hub's data clock when they came
# (a logger re-sending after an outage). A console that was away fetches them by arrival, since a
# back-fill by data time would not reach back to them. Keys only; the values are in ``readings``.
late_readings = sa.Table(
    "late_readings",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("factor", sa.Text, primary_key=True),
    sa.Column("ts", sa.Float, primary_key=True),
    sa.Column("arrived", sa.Float, nullable=False, index=True),  # the hub's data clock when it came
    sqlite_with_rowid=False,
)
LATE_S = 600.0  # behind the hub's data clock by more than this: late
LATE_KEEP_S = 7 * 86_400.0  # arrivals older than a week are forgotten (a console away longer reloads)
station_status = sa.Table(
    "station_status",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("since", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)


class HistoryPoint(msgspec.Struct, array_like=True, frozen=True):
    """One point of a history series: time label (bucket start), value, flag ("I" = insufficient), count."""

    ts: float
    value: float
    flag: str
    count: int


class StationStatusRow(NamedTuple):
    """The stored link state of a station."""

    status: str
    since: float
    reason: str


class Storage:
    """SQLAlchemy Core storage; safe to read from any thread while one thread writes (SQLite WAL).

    Aggregates follow GB 3095-2012 §7 / HJ 663: only flag "N" values count; an hour (labelled by its
    start) is valid with 75 % of its expected values, a local day (UTC + tz_hours, labelled by its
    midnight) with 20 valid hourly means, built from valid hourly means only; O3 days are the daily
    maximum 8-hour mean. Buckets short of the rule come back flagged "I"; empty ones are left out.
    """

    def __init__(self, url: str, tz_hours: int = 8) -> None:
        self._engine = sa.create_engine(url)
        self._tz_hours = tz_hours
        name = self._engine.dialect.name
        if name not in _INSERTS:
            raise ValueError(f"unsupported database {name!r}: use sqlite or postgresql")
        if name == "sqlite":
            _prepare_sqlite(self._engine)
        self._insert = _INSERTS[name]
        metadata.create_all(self._engine)
        self._check_schema_version()
        self._reading_sql = self._compile(self._upsert(readings, ("station", "factor", "ts")))
        self._latest_sql = self._compile(self._upsert(latest_readings, ("station", "factor")))

    @property
    def engine(self) -> sa.Engine:
        """The engine, for the hub's other tables (incidents) in the same database."""
        return self._engine

    def upsert_stations(self, specs: Sequence[tuple[Station, str]]) -> None:
        """Insert or update stations (with their logger password), keyed by station id."""
        rows = [_station_row(station, pw) for station, pw in specs]
        if rows:
            with self._engine.begin() as conn:
                conn.execute(self._upsert(stations, ("id",)), rows)

    def load_stations(self) -> list[tuple[Station, str]]:
        """All stored stations with their logger password, ordered by id."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(stations).order_by(stations.c.id)).mappings().all()
        return [(_station_of(row), row["pw"]) for row in rows]

    def write_readings(self, batch: Sequence[Reading]) -> int:
        """Store readings in one transaction; invalid rows (None/NaN/inf, bad flag) are logged and dropped.

        Returns the number of rows stored. A re-sent (station, factor, ts) replaces the earlier row.
        """
        rows = [astuple(r) for r in batch]
        try:  # fast path: one comprehension, no call per row; anything odd takes the careful path
            good = [row for row in rows if isfinite(row[3]) and isfinite(row[2]) and row[4] in VALID_FLAGS]
            if len(good) < len(rows) or not all(type(row[0]) is str and type(row[1]) is str for row in good):
                good = [row for row in rows if _is_valid(row)]
        except TypeError:
            good = [row for row in rows if _is_valid(row)]
        if len(good) < len(rows):
            bad = next(row for row in rows if not _is_valid(row))
            _log.warning("dropped %d invalid readings, e.g. %r", len(rows) - len(good), bad)
        if not good:
            return 0
        newest: dict[tuple[str, str], tuple] = {}
        for row in good:
            kept = newest.get((row[0], row[1]))
            if kept is None or row[2] >= kept[2]:
                newest[(row[0], row[1])] = row
        with self._engine.begin() as conn:
            conn.exec_driver_sql(*self._params(self._reading_sql, good))
            conn.exec_driver_sql(*self._params(self._latest_sql, list(newest.values())))
        return len(good)

    def write_status(self, station: str, status: str, since: float, reason: str = "") -> None:
        """Record the link state of a station (online / offline / fault) since a time, with a reason."""
        row = {"station": station, "status": str(status), "since": since, "reason": reason}
        with self._engine.begin() as conn:
            conn.execute(self._upsert(station_status, ("station",)), [row])

    def load_status(self) -> dict[str, StationStatusRow]:
        """The stored link state of every station that has one."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(station_status)).all()
        return {row.station: StationStatusRow(row.status, row.since, row.reason) for row in rows}

    def latest(self, station: str | None = None) -> list[Reading]:
        """The newest reading of every (station, factor), or of one station's factors."""
        query = sa.select(latest_readings).order_by(latest_readings.c.station, latest_readings.c.factor)
        if station is not None:
            query = query.where(latest_readings.c.station == station)
        with self._engine.connect() as conn:
            return [Reading(*row) for row in conn.execute(query)]

    def history(
        self, station: str, factor: str, start: float, end: float, resolution: str = "raw"
    ) -> list[HistoryPoint]:
        """A series over [start, end): raw rows, hourly means or daily values (see the class docstring).

        Aggregated buckets are whole: the one containing start is the first, the last starts before end.
        """
        if resolution == "raw":
            return self._raw(station, factor, start, end)
        if resolution == "1h":
            return self._hourly(station, factor, math.floor(start / HOUR_S) * HOUR_S, end)
        if resolution == "1d":
            return self._daily(station, factor, start, end)
        raise ValueError(f"unknown resolution {resolution!r}; expected one of {RESOLUTIONS}")

    def readings_between(
        self, start: float, end: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Raw readings of every station with start <= ts <= end, in key order, at most ``limit``.

        Keyset paging: pass the last reading's (station, factor, ts) as ``after`` for the next page.
        Consoles back-fill a gap with this after a resync.
        """
        c = readings.c
        query = sa.select(c.station, c.factor, c.ts, c.value, c.flag).where(c.ts >= start, c.ts <= end)
        if after is not None:
            query = query.where(sa.tuple_(c.station, c.factor, c.ts) > sa.tuple_(*after))
        query = query.order_by(c.station, c.factor, c.ts).limit(limit)
        with self._engine.connect() as conn:
            return [Reading(*row) for row in conn.execute(query)]

    def write_late(self, arrived: float, batch: Sequence[Reading]) -> None:
        """Record that these readings arrived late, at the hub's data clock ``arrived``; forget old ones."""
        rows = [{"station": r.station, "factor": r.factor, "ts": r.ts, "arrived": arrived} for r in batch]
        with self._engine.begin() as conn:
            conn.execute(self._upsert(late_readings, ("station", "factor", "ts")), rows)
            conn.execute(sa.delete(late_readings).where(late_readings.c.arrived < arrived - LATE_KEEP_S))

    def late_since(
        self, arrived: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Readings that arrived late at or after the data clock ``arrived``, in key order (keyset paging)."""
        c, late = readings.c, late_readings.c
        query = (
            sa.select(c.station, c.factor, c.ts, c.value, c.flag)
            .join(late_readings, sa.and_(late.station == c.station, late.factor == c.factor, late.ts == c.ts))
            .where(late.arrived >= arrived)
        )
        if after is not None:
            query = query.where(sa.tuple_(c.station, c.factor, c.ts) > sa.tuple_(*after))
        query = query.order_by(c.station, c.factor, c.ts).limit(limit)
        with self._engine.connect() as conn:
            return [Reading(*row) for row in conn.execute(query)]

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def _raw(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        c = readings.c
        query = sa.select(c.ts, c.value, c.flag).where(*_range(station, factor, start, end)).order_by(c.ts)
        with self._engine.connect() as conn:
            return [HistoryPoint(ts, value, flag, 1) for ts, value, flag in conn.execute(query)]

    def _hourly(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        # An inline constant, not a bind parameter: PostgreSQL needs the same text in SELECT and GROUP BY.
        hour = sa.func.floor(readings.c.ts / sa.literal_column("3600.0", sa.Float))
        query = (
            sa.select(hour, sa.func.avg(readings.c.value), sa.func.count())
            .where(*_range(station, factor, start, math.ceil(end / HOUR_S) * HOUR_S), readings.c.flag == "N")
            .group_by(hour)
            .order_by(hour)
        )
        need = min_hourly_count(self._interval_of(station, factor))
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [HistoryPoint(float(h) * HOUR_S, mean, "N" if n >= need else "I", n) for h, mean, n in rows]

    def _daily(self, station: str, factor: str, start: float, end: float) -> list[HistoryPoint]:
        first, stop = local_day_start(start, self._tz_hours), local_day_start(end, self._tz_hours)
        stop += DAY_S if stop < end else 0  # the last day is taken whole
        days: dict[float, dict[int, float]] = {}  # local midnight -> hour of day -> valid hourly mean
        for point in self._hourly(station, factor, first, stop):
            if point.flag == "N":
                day = local_day_start(point.ts, self._tz_hours)
                days.setdefault(day, {})[int((point.ts - day) // HOUR_S)] = point.value
        points = []
        for day, hours in days.items():
            stat = daily_max_8h(hours) if factor == O3 else daily_mean(list(hours.values()))
            if stat is not None:
                points.append(HistoryPoint(day, stat.value, "N" if stat.valid else "I", stat.count))
        return points

    def _interval_of(self, station: str, factor: str) -> float:
        if factor in _INTERVAL_OF_DERIVED:
            return _INTERVAL_OF_DERIVED[factor]
        with self._engine.connect() as conn:
            interval = conn.scalar(sa.select(stations.c.interval_s).where(stations.c.id == station))
        return interval or 60

    def _upsert(self, table: sa.Table, keys: Sequence[str]) -> Any:
        stmt = self._insert(table)
        changed = {c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys}
        newer = stmt.excluded.ts >= table.c.ts if table is latest_readings else None
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=changed, where=newer)

    def _compile(self, stmt: Any) -> tuple[str, bool]:
        return str(stmt.compile(dialect=self._engine.dialect)), self._engine.dialect.positional

    @staticmethod
    def _params(compiled: tuple[str, bool], rows: list[tuple]) -> tuple[str, list]:
        sql, positional = compiled
        if positional:  # SQLite: the driver's executemany with plain tuples, no per-row SQLAlchemy work
            return sql, rows
        return sql, [
            dict(zip(("station", "factor", "ts", "value", "flag"), row, strict=True)) for row in rows
        ]

    def _check_schema_version(self) -> None:
        with self._engine.begin() as conn:
            found = conn.scalar(sa.select(sa.func.max(schema_version.c.version)))
            if found is None:
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found != SCHEMA_VERSION:
                raise RuntimeError(f"database schema version {found}, this hub needs {SCHEMA_VERSION}")


def _prepare_sqlite(engine: sa.Engine) -> None:
    """WAL, synchronous=NORMAL and a larger page cache on every connection; creates the file's folder."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: keeps every station's insert point cached
        try:
            cursor.execute("SELECT floor(0.5)")
        except sqlite3.OperationalError:  # SQLite built without its math functions
            dbapi_conn.create_function("floor", 1, math.floor, deterministic=True)
        cursor.close()


def _range(station: str, factor: str, start: float, end: float) -> tuple:
    c = readings.c
    return c.station == station, c.factor == factor, c.ts >= float(start), c.ts < float(end)


def _is_valid(row: tuple) -> bool:
    station, factor, ts, value, flag = row
    return (
        type(station) is str
        and type(factor) is str
        and isinstance(ts, float | int)
        and isinstance(value, float | int)
        and math.isfinite(ts)
        and math.isfinite(value)
        and type(flag) is str
        and flag in VALID_FLAGS
        and bool(station)
        and bool(factor)
    )


def _station_row(station: Station, pw: str) -> dict[str, Any]:
    row = msgspec.structs.asdict(station)
    return row | {"kind": str(station.kind), "factors": ",".join(station.factors), "pw": pw}


def _station_of(row: Any) -> Station:
    fields = {name: row[name] for name in Station.__struct_fields__}
    fields["kind"] = StationKind(fields["kind"])
    fields["factors"] = tuple(code for code in fields["factors"].split(",") if code)
    return Station(**fields)


class _Status(NamedTuple):
    station: str
    status: str
    since: float
    reason: str


class _Late(NamedTuple):
    arrived: float
    batch: list[Reading]


class StorageWriter(BatchWriter):
    """The one thread that writes to a Storage: submit from anywhere without blocking, flush, close.

    Submissions are coalesced into transactions of up to max_batch readings or max_delay seconds. A failed
    write is logged and counted in `errors`; the thread carries on. Counters feed /metrics.
    """

    def __init__(self, storage: Storage, max_batch: int = 20000, max_delay: float = 0.1) -> None:
        self._storage = storage
        self.rows_written = 0
        self.rows_rejected = 0  # invalid readings dropped (None/NaN value, unknown flag ...)
        super().__init__("storage-writer", max_batch, max_delay)

    def submit(self, batch: Sequence[Reading]) -> None:
        """Queue readings for writing; returns at once. Raises RuntimeError after close()."""
        rows = list(batch)
        if rows:
            self._put(rows, len(rows))

    def submit_status(self, station: str, status: str, since: float, reason: str = "") -> None:
        """Queue a station's link state for writing; returns at once."""
        self._put(_Status(station, str(status), since, reason), 0)

    def submit_late(self, arrived: float, batch: Sequence[Reading]) -> None:
        """Queue the record of late arrivals (after the readings themselves); returns at once."""
        self._put(_Late(arrived, list(batch)), 0)

    def _write(self, items: list[Any]) -> None:
        readings = [r for item in items if isinstance(item, list) for r in item]
        if readings:
            written = self._storage.write_readings(readings)
            self.rows_written += written
            self.rows_rejected += len(readings) - written
        for item in items:
            if isinstance(item, _Status):
                self._storage.write_status(*item)
            elif isinstance(item, _Late):
                self._storage.write_late(item.arrived, item.batch)

    def _failed(self, rows: int) -> None:
        _log.exception("storage write failed (%d readings)", rows)
