"""The hub's history (stations, readings, link states) in SQLite or PostgreSQL, and its one writer thread."""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import sqlite3
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from itertools import chain
from math import isfinite
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec
import sqlalchemy as sa
from msgspec.structs import astuple
from sqlalchemy.dialects import postgresql, sqlite

from console.core.batch_writer import BatchWriter
from console.core.models import VALID_FLAGS, Reading, Station, StationKind, Upload, Values
from console.hub import daily, rollup

if TYPE_CHECKING:
    from console.hub.history import HistoryPoint

# 5: with the daily roll-up; 4: with units (unit_fixes, unit_states); 3: with the hourly roll-up; 2: a row
# per upload (frames); 1 had a row per reading. Older ones are moved up on open.
SCHEMA_VERSION = 5
_log = logging.getLogger(__name__)
_Moment = tuple[str, float]  # (station, data time): the key of an upload
# Both dialects' inserts have on_conflict_do_update and .excluded: the writer's upserts use only those.
_INSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}

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


# Readings are stored a row per logger upload: (station, data time) -> the values of that moment, packed
# (see ``pack``). Loggers send every factor of a station at one data time in one frame, so a row holds
# what one frame carried; a second frame of the same station and time (a re-send, or hourly AQI derived
# at a minute that also has data) is merged into the row, a factor's newest value replacing its old one.
# A row per frame instead of per reading makes the hub's write path several times cheaper (1 key, 1
# B-tree insert and 1 bound row per upload); history queries unpack the rows of one station's range.
frames = sa.Table(
    "frames",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("ts", sa.Float, primary_key=True),  # data time: Unix s, UTC; the HJ 212 label
    sa.Column("data", sa.LargeBinary, nullable=False),  # msgpack [[factor, value, flag], ...]
    sqlite_with_rowid=False,
    # PostgreSQL: partitioned by data time, a partition per UTC month (frames_y2024m01 ...), made when the
    # first upload of a month is written: a month's history is a table of its own (its index stays small,
    # a query of a month reads one, and old months can be detached or dropped whole).
    postgresql_partition_by="RANGE (ts)",
)
# The newest value of each factor of a station, kept on write so latest() does not scan the history:
# a row per station, packed as [[factor, ts, value, flag], ...].
latest_values = sa.Table(
    "latest_values",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
)
# Readings that arrived late: data time more than LATE_S behind the hub's data clock when they came
# (a logger re-sending after an outage). A console that was away fetches them by arrival, since a
# back-fill by data time would not reach back to them. Keys only; the values are in ``frames``.
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


# Every location report of an emergency unit, by device time (a late or back-filled report takes its place
# in time). ``fix`` 0: the device had no position (kept, never moves the unit); ``rejected``: why the
# report is kept out of the trail ("future", "implausible_time", "bad_position", "teleport"), "" when
# accepted. A report re-sent with the same device time replaces the stored one.
unit_fixes = sa.Table(
    "unit_fixes",
    metadata,
    sa.Column("unit", sa.Text, primary_key=True),
    sa.Column("ts", sa.Float, primary_key=True),  # device time, Unix s
    *(sa.Column(name, sa.Float, nullable=False) for name in ("lat", "lon", "speed_kmh", "heading")),
    sa.Column("fix", sa.Boolean, nullable=False),
    sa.Column("alarms", sa.Text, nullable=False),  # names, comma-separated
    sa.Column("rejected", sa.Text, nullable=False),
    sa.Column("arrived", sa.Float, nullable=False),  # hub wall clock when it came
    sqlite_with_rowid=False,
)
# The duty of each unit (status, the incident it is assigned to) and what the hub learned about it: the
# JT/T 808 auth code it issued, the record of a unit registered on the fly (--accept-unknown-units).
unit_states = sa.Table(
    "unit_states",
    metadata,
    sa.Column("unit", sa.Text, primary_key=True),
    sa.Column("info", sa.LargeBinary, nullable=False),  # msgpack UnitInfo
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("incident", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("auth_code", sa.Text, nullable=False),
    sa.Column("learned", sa.Boolean, nullable=False),  # registered on the fly, not from units.csv
)
# The parts of split HJ 212 uploads (PNUM/PNO) that came and were answered while the rest had not come
# yet, as received; deleted in the transaction that stores their whole upload (console/hub/ingest_parts.py).
# Made on open in any database of this schema (create_all), so it needs no version of its own.
pending_parts = sa.Table(
    "pending_parts",
    metadata,
    *(sa.Column(name, sa.Text, primary_key=True) for name in ("station", "cn", "data_time")),
    *(sa.Column(name, sa.Integer, primary_key=True) for name in ("pnum", "pno")),
    sa.Column("arrived", sa.Float, nullable=False),  # hub wall clock when it came
    sa.Column("frame", sa.LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)
PART_COLUMNS = ("station", "cn", "data_time", "pnum", "pno", "arrived", "frame")
FIX_COLUMNS = ("unit", "ts", "lat", "lon", "speed_kmh", "heading", "fix", "alarms", "rejected", "arrived")
UNIT_STATE_COLUMNS = ("unit", "info", "status", "incident", "version", "auth_code", "learned")


class StationStatusRow(NamedTuple):
    """The stored link state of a station."""

    status: str
    since: float
    reason: str


class Storage:
    """SQLAlchemy Core storage; safe to read from any thread while one thread writes (SQLite WAL).

    Aggregates follow GB 3095-2012 §7 / HJ 663 (console/core/aggregation.py): only flag "N" values count;
    an hour (labelled by its start) is valid with 75 % of its expected values, a local day (UTC + tz_hours,
    labelled by its midnight) with 20 valid hourly means, built from valid hourly means only; O3 days are
    the daily maximum 8-hour mean, and AQI_D days the HJ 633 daily AQI. Buckets short of the rule come
    back flagged "I"; empty ones are left out. Hourly and daily values read the hourly roll-up
    (console/hub/rollup.py) that the writer keeps; the queries are in console/hub/history.py.
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
        if name == "postgresql":
            _partition_frames(self._engine)
        metadata.create_all(self._engine)
        rollup.metadata.create_all(self._engine)
        daily.metadata.create_all(self._engine)
        # SQLite merges a re-sent upload into its row with a function of ours; elsewhere the writer reads
        # the rows it is about to replace and merges them itself.
        self._merge_in_db = name == "sqlite"
        self._frames_sql = self._compile(self._frames_upsert(merge=True))
        self._replace_sql = self._compile(self._frames_upsert(merge=False))
        self._latest_sql = self._compile(self._upsert(latest_values, ("station",)))
        self._rollup_sql = self._compile(rollup.upsert(self._insert))
        self._fix_sql = self._compile(self._upsert(unit_fixes, ("unit", "ts")))
        self._unit_state_sql = self._compile(self._upsert(unit_states, ("unit",)))
        # PostgreSQL: a batch's rows as one array per column in one statement (unnest), where the rows of
        # a batch have distinct keys; executemany would send a statement per row.
        self._unnest: dict[str, str] = {}
        if name == "postgresql":
            replace, add = "data = EXCLUDED.data", "total = hourly_rollup.total + EXCLUDED.total"
            add += ', "count" = hourly_rollup."count" + EXCLUDED."count"'
            self._unnest = {
                self._replace_sql[0]: _unnest_upsert("frames", ("station", "ts", "data"), 2, replace),
                self._latest_sql[0]: _unnest_upsert("latest_values", ("station", "data"), 1, replace),
                self._rollup_sql[0]: _unnest_upsert("hourly_rollup", rollup.COLUMNS, 3, add),
            }
        self._latest: dict[str, _Newest] | None = None  # the writer's copy of latest_values
        migrated = self._check_schema_version()
        from console.hub.history import History  # history reads this module's tables

        self._history = History(self._engine, tz_hours)
        if migrated:  # the daily roll-up of the history an older database holds
            _log.info("database moved to schema %d: %d days in the daily roll-up", SCHEMA_VERSION,
                      self.roll_up_finished_days())  # fmt: skip

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
        return self.write(batch, ())

    def write(
        self, batch: Sequence[Reading], uploads: Sequence[Upload], parts: PartChanges | None = None
    ) -> int:
        """Store readings and whole uploads in one transaction; returns the number of readings stored.

        Uploads come from the ingest, already checked (finite values, valid flags) and grouped; they are
        handed over (storage may change their dicts). Readings are checked here (see ``write_readings``).
        ``parts``: split uploads' parts to delete and to keep, in the same transaction.
        """
        cells: dict[tuple[str, float], Values] = {(station, ts): values for station, ts, values in uploads}
        stored = sum(map(len, cells.values()))
        if len(cells) < len(uploads):  # a moment twice in the batch: merged, a re-send's values winning
            cells, stored = {}, sum(len(values) for _, _, values in uploads)
            for station, ts, values in uploads:
                cell = cells.get((station, ts))
                cells[(station, ts)] = values if cell is None else cell | values
        good = self._checked(batch) if batch else []
        for station, factor, ts, value, flag in good:
            cell = cells.get((station, ts))
            if cell is None:
                cells[(station, ts)] = cell = {}
            cell[factor] = (value, flag)
        if not cells and not parts:
            return 0
        with self._engine.begin() as conn:
            if cells:
                self._store_cells(conn, cells)
            if parts:
                self._store_parts(conn, parts)
        return stored + len(good)

    def _store_parts(self, conn: sa.Connection, parts: PartChanges) -> None:
        """Delete the parts of the uploads done, then keep the new parts (one may start an upload again)."""
        c = pending_parts.c
        done = list(parts.done)
        for start in range(0, len(done), 200):
            keys = sa.tuple_(c.station, c.cn, c.data_time, c.pnum).in_(done[start : start + 200])
            conn.execute(sa.delete(pending_parts).where(keys))
        if parts.keep:  # few: bound by name, the same on every database
            rows = [dict(zip(PART_COLUMNS, row, strict=True)) for row in parts.keep.values()]
            conn.execute(self._upsert(pending_parts, PART_COLUMNS[:5]), rows)

    def load_parts(self) -> list[tuple[Any, ...]]:
        """The stored parts of split uploads still waiting for the rest, rows of PART_COLUMNS."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(*(pending_parts.c[n] for n in PART_COLUMNS)))
            return [tuple(row) for row in rows]

    @contextlib.contextmanager
    def bulk(self) -> Iterator[BulkWrite]:
        """One transaction for an import of history: stations and many batches of uploads, all or nothing.

        The batches go the way the ingest's uploads go (frames, hourly roll-up, latest values), so a
        re-imported moment replaces its stored values and counts once. Not for use beside a running writer
        on the same Storage object.
        """
        try:
            with self._engine.begin() as conn:
                yield BulkWrite(self, conn)
        except BaseException:
            self._latest = None  # its copy ran ahead of what was rolled back: taken up again on next use
            raise

    def _store_cells(
        self, conn: sa.Connection, cells: dict[_Moment, Values], stored: dict[_Moment, Values] | None = None
    ) -> None:
        """Write uploads: roll-up, frames and latest values; ``stored`` is what ``_stored`` would read."""
        stored = self._stored(conn, cells) if stored is None else stored
        if changes := rollup.changes(cells, stored):  # before the rows it reads change
            self._upsert_rows(conn, self._rollup_sql, changes)
            daily.invalidate(conn, daily.touched_days({row[2] for row in changes}, self._tz_hours))
        self._write_frames(conn, cells)
        self._upsert_rows(conn, self._latest_sql, self._newest(conn, cells))

    @staticmethod
    def _checked(batch: Sequence[Reading]) -> list[tuple[Any, ...]]:
        """The valid readings of a batch as tuples; the others are logged and dropped."""
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
        return good

    def _write_frames(self, conn: sa.Connection, cells: dict[tuple[str, float], Values]) -> None:
        if self._unnest:  # PostgreSQL: the month partitions of these uploads first
            add_month_partitions(conn, {ts for _, ts in cells})
        if not self._merge_in_db:
            for key, old in self._read_frames(conn, list(cells)).items():
                cells[key] = old | cells[key]
        if not cells:
            return
        stations, times = zip(*cells, strict=True)  # the rows built by C loops: no Python code per upload
        # In station order (stable: a station's uploads stay in the order they came, its data-time order):
        # each station's B-tree pages are then visited once, not once per round of uploads (a third of the
        # insert's cost, python bench/storage.py).
        rows = sorted(zip(stations, times, map(_pack, cells.values()), strict=True), key=itemgetter(0))
        self._upsert_rows(conn, self._frames_sql if self._merge_in_db else self._replace_sql, rows)

    def _stored(self, conn: sa.Connection, cells: dict[_Moment, Values]) -> dict[_Moment, Values]:
        """The stored values of the moments that ``cells`` may merge into: those no newer than the newest
        stored upload of their station (a re-send or a late upload); a newer one is not stored yet."""
        latest = self._latest_of(conn)
        keys = [key for key in cells if (known := latest.get(key[0])) is not None and key[1] <= known.newest]
        return self._read_frames(conn, keys)

    @staticmethod
    def _read_frames(conn: sa.Connection, keys: list[_Moment]) -> dict[_Moment, Values]:
        c, found = frames.c, {}
        if keys and conn.dialect.name == "postgresql":  # the keys as two arrays: one statement, one plan
            sql = (
                "SELECT f.station, f.ts, f.data FROM frames f"
                " JOIN unnest(%s::text[], %s::float8[]) AS k(station, ts)"
                " ON f.station = k.station AND f.ts = k.ts"
            )
            rows = conn.exec_driver_sql(sql, ([station for station, _ in keys], [ts for _, ts in keys]))
            return {(station, ts): _unpack(data) for station, ts, data in rows}
        for start in range(0, len(keys), 500):
            moments = sa.tuple_(c.station, c.ts).in_(keys[start : start + 500])
            query = sa.select(c.station, c.ts, c.data).where(moments)
            found.update({(station, ts): _unpack(data) for station, ts, data in conn.execute(query)})
        return found

    def _latest_of(self, conn: sa.Connection) -> dict[str, _Newest]:
        """The writer's copy of latest_values, taken up from the database on first use."""
        if self._latest is None:
            found = conn.execute(sa.select(latest_values.c.station, latest_values.c.data))
            self._latest = {station: _Newest.unpack(data) for station, data in found}
        return self._latest

    def _newest(self, conn: sa.Connection, cells: dict[tuple[str, float], Values]) -> list[tuple[Any, ...]]:
        """Fold the uploads into the newest value of each factor; the packed rows of the stations touched."""
        latest = self._latest_of(conn)
        for (station, ts), cell in cells.items():  # once per upload: the fold's usual case inline
            known = latest.get(station)
            if known is None:
                latest[station] = known = _Newest({}, {}, -math.inf)
            if ts >= known.newest:
                known.values.update(cell)
                known.times.update(dict.fromkeys(cell, ts))
                known.newest = ts
            else:
                known.fold(ts, cell)
        return [(station, latest[station].pack()) for station in sorted({station for station, _ in cells})]

    def write_status(self, station: str, status: str, since: float, reason: str = "") -> None:
        """Record the link state of a station (online / offline / fault) since a time, with a reason."""
        self.write_statuses([(station, status, since, reason)])

    def write_statuses(self, entries: Sequence[tuple[str, str, float, str]]) -> None:
        """Record link states (station, status, since, reason) in one transaction; a station's last wins."""
        rows = {
            station: {"station": station, "status": str(status), "since": since, "reason": reason}
            for station, status, since, reason in entries
        }
        with self._engine.begin() as conn:
            conn.execute(self._upsert(station_status, ("station",)), list(rows.values()))

    def load_status(self) -> dict[str, StationStatusRow]:
        """The stored link state of every station that has one."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(station_status)).all()
        return {row.station: StationStatusRow(row.status, row.since, row.reason) for row in rows}

    def latest(self, station: str | None = None) -> list[Reading]:
        """The newest reading of every (station, factor), or of one station's factors."""
        query = sa.select(latest_values.c.station, latest_values.c.data).order_by(latest_values.c.station)
        if station is not None:
            query = query.where(latest_values.c.station == station)
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            Reading(name, factor, ts, value, flag)
            for name, data in rows
            for factor, (ts, value, flag) in sorted(_unpack_latest(data).items())
        ]

    def history(
        self, station: str, factor: str, start: float, end: float, resolution: str = "raw"
    ) -> list[HistoryPoint]:
        """A series over [start, end): raw rows, hourly means or daily values (see the class docstring).

        Aggregated buckets are whole: the one containing start is the first, the last starts before end.
        """
        return self._history.series(station, factor, start, end, resolution)

    def stations_hourly(
        self, factor: str, start: float, end: float, station_ids: Sequence[str] | None = None
    ) -> dict[str, list[HistoryPoint]]:
        """Hourly means of one factor at many stations (every station by default), by station id."""
        return self._history.stations_hourly(factor, start, end, station_ids)

    def stations_daily(
        self,
        station_ids: Sequence[str],
        start: float,
        end: float,
        factors: Sequence[str] | None = None,
        into: dict[str, dict[date, dict[str, float]]] | None = None,
        now: float | None = None,
    ) -> dict[str, dict[date, dict[str, float]]]:
        """Valid HJ 633 daily items of many stations by local day (see History.stations_daily)."""
        return self._history.stations_daily(station_ids, start, end, factors, into, now)

    def city_daily(
        self, station_ids: Sequence[str], start: float, end: float, factors: Sequence[str] | None = None,
        now: float | None = None,
    ) -> dict[date, dict[str, float]]:  # fmt: skip
        """The city's daily items (each the mean of the stations' valid values) by local day (see
        History.city_daily)."""
        return self._history.city_daily(station_ids, start, end, factors, now)

    def roll_up_finished_days(self, now: float | None = None) -> int:
        """Store the daily roll-up of every finished local day of the hourly roll-up not stored yet (after
        an import, or when an older database is opened); returns how many days were stored."""
        c = rollup.hourly_rollup.c
        with self._engine.connect() as conn:
            first, last = conn.execute(sa.select(sa.func.min(c.hour), sa.func.max(c.hour))).one()
            if first is None:
                return 0
            days = daily.touched_days(range(first, last + 1, 24), self._tz_hours) | daily.touched_days(
                [last], self._tz_hours
            )
            done = daily.stored_days(conn, min(days), max(days) + 1)
        now = time.time() if now is None else now
        todo = [d for d in days if d not in done and daily.day_end(d, self._tz_hours) <= now]
        return len(self._history.roll_up_days(todo)) if todo else 0

    def readings_between(
        self, start: float, end: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Raw readings of every station with start <= ts <= end in pages (see History.readings_between)."""
        return self._history.readings_between(start, end, after, limit)

    def write_late(self, arrived: float, batch: Sequence[Reading]) -> None:
        """Record that these readings arrived late, at the hub's data clock ``arrived``; forget old ones."""
        rows = [{"station": r.station, "factor": r.factor, "ts": r.ts, "arrived": arrived} for r in batch]
        with self._engine.begin() as conn:
            conn.execute(self._upsert(late_readings, ("station", "factor", "ts")), rows)
            conn.execute(sa.delete(late_readings).where(late_readings.c.arrived < arrived - LATE_KEEP_S))

    def late_since(
        self, arrived: float, after: tuple[str, str, float] | None = None, limit: int = 20_000
    ) -> list[Reading]:
        """Readings that arrived late at or after the data clock ``arrived`` (see History.late_since)."""
        return self._history.late_since(arrived, after, limit)

    def write_units(self, fixes: Sequence[tuple[Any, ...]], states: Sequence[tuple[Any, ...]]) -> None:
        """Store unit location reports (rows of FIX_COLUMNS) and unit states (rows of UNIT_STATE_COLUMNS)
        in one transaction; a report of a stored device time and a unit's state replace the stored ones."""
        with self._engine.begin() as conn:
            if fixes:
                self._upsert_rows(conn, self._fix_sql, fixes)
            if states:
                self._upsert_rows(conn, self._unit_state_sql, states)

    def unit_states(self) -> list[Any]:
        """Every stored unit state, rows of UNIT_STATE_COLUMNS."""
        with self._engine.connect() as conn:
            return list(conn.execute(sa.select(*(unit_states.c[n] for n in UNIT_STATE_COLUMNS))).all())

    def unit_track(self, unit: str, start: float, end: float, limit: int) -> list[Any]:
        """The reports of a unit with start <= ts <= end in device-time order, at most ``limit``; rows of
        FIX_COLUMNS."""
        c = unit_fixes.c
        query = sa.select(*(c[n] for n in FIX_COLUMNS)).where(c.unit == unit, c.ts >= start, c.ts <= end)
        with self._engine.connect() as conn:
            return list(conn.execute(query.order_by(c.ts).limit(limit)).all())

    def unit_newest(self, unit: str, before: float) -> list[Any]:
        """The newest accepted reports with a position of a unit up to ``before`` (device time), newest
        first, at most 64: what the tracker takes up at start."""
        c = unit_fixes.c
        query = (
            sa.select(*(c[n] for n in FIX_COLUMNS))
            .where(c.unit == unit, c.ts <= before, c.fix == sa.true(), c.rejected == "")
            .order_by(c.ts.desc())
            .limit(64)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(query).all())

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    def _upsert(self, table: sa.Table, keys: Sequence[str]) -> Any:
        stmt = self._insert(table)
        changed = {c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys}
        return stmt.on_conflict_do_update(index_elements=list(keys), set_=changed)

    def _frames_upsert(self, merge: bool) -> Any:
        stmt = self._insert(frames)
        data = sa.func.frames_merge(frames.c.data, stmt.excluded.data) if merge else stmt.excluded.data
        return stmt.on_conflict_do_update(index_elements=["station", "ts"], set_={"data": data})

    def _compile(self, stmt: Any) -> tuple[str, bool]:
        return str(stmt.compile(dialect=self._engine.dialect)), self._engine.dialect.positional

    def _upsert_rows(
        self, conn: sa.Connection, compiled: tuple[str, bool], rows: Sequence[tuple[Any, ...]]
    ) -> None:
        """Run a one-row upsert for every row. SQLite takes up to BULK_ROWS rows per statement: Python's
        driver lets go of the GIL for each statement it steps, so row by row the writer would take the GIL
        back from the event loop tens of thousands of times a second."""
        sql, positional = compiled
        if (unnest := self._unnest.get(sql)) is not None and rows:
            conn.exec_driver_sql(unnest, tuple(list(column) for column in zip(*rows, strict=True)))
            return
        if not positional or not rows:
            conn.exec_driver_sql(*self._params(compiled, rows))
            return
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for start in range(0, len(rows), BULK_ROWS):  # straight to the driver: no SQLAlchemy per statement
            chunk = rows[start : start + BULK_ROWS]
            cursor.execute(_bulk_sql(sql, len(chunk[0]), len(chunk)), tuple(chain.from_iterable(chunk)))
        cursor.close()

    @staticmethod
    def _params(compiled: tuple[str, bool], rows: Sequence[tuple[Any, ...]]) -> tuple[str, Any]:
        sql, positional = compiled
        if positional:  # SQLite: the driver's executemany with plain tuples, no per-row SQLAlchemy work
            return sql, rows
        names = _COLUMNS_OF_WIDTH.get(len(rows[0]) if rows else 0, ("station", "data"))
        return sql, [dict(zip(names, row, strict=True)) for row in rows]

    def _check_schema_version(self) -> bool:
        """Create or move up the schema; True when an older database was moved up."""
        migrated = False
        with self._engine.begin() as conn:
            found = conn.scalar(sa.select(sa.func.max(schema_version.c.version)))
            if found is None:
                conn.execute(schema_version.insert().values(version=SCHEMA_VERSION))
            elif found in (1, 2, 3, 4):
                if found == 1:
                    self._migrate_from_1(conn)
                if found <= 2:
                    self._migrate_from_2(conn)
                # 3 -> 4: the unit tables are new and empty; create_all made them above
                # 4 -> 5: the daily roll-up's tables too; filled below, once History exists
                conn.execute(schema_version.update().values(version=SCHEMA_VERSION))
                migrated = True
            elif found != SCHEMA_VERSION:
                raise RuntimeError(f"database schema version {found}, this hub needs {SCHEMA_VERSION}")
        return migrated

    def _migrate_from_1(self, conn: sa.Connection) -> None:
        """Schema 1 kept a row per reading: fold them into uploads, in the same transaction."""
        old = _schema_1.tables["readings"].c
        total, after = 0, None
        while True:
            query = sa.select(old.station, old.factor, old.ts, old.value, old.flag)
            if after is not None:
                query = query.where(sa.tuple_(old.station, old.factor, old.ts) > sa.tuple_(*after))
            rows = conn.execute(query.order_by(old.station, old.factor, old.ts).limit(100_000)).all()
            if not rows:
                break
            cells: dict[tuple[str, float], Values] = {}
            for station, factor, ts, value, flag in rows:
                cells.setdefault((station, ts), {})[factor] = (value, flag)
            self._merge_in_db, merge = False, self._merge_in_db  # one code path for every database
            try:
                self._write_frames(conn, cells)
            finally:
                self._merge_in_db = merge
            total, after = total + len(rows), tuple(rows[-1][:3])
        latest: dict[str, dict[str, tuple[float, float, str]]] = {}
        for station, factor, ts, value, flag in conn.execute(sa.select(_schema_1.tables["latest_readings"])):
            latest.setdefault(station, {})[factor] = (ts, value, flag)
        if latest:
            packed = [(station, _pack(values)) for station, values in latest.items()]
            conn.exec_driver_sql(*self._params(self._latest_sql, packed))
        _schema_1.drop_all(conn)
        _log.info("database moved to schema 2: %d readings now stored by upload", total)

    def _migrate_from_2(self, conn: sa.Connection) -> None:
        """Schema 2 had no hourly roll-up: build it from the stored uploads, in the same transaction."""
        c, total, after = frames.c, 0, None
        while True:
            query = sa.select(c.station, c.ts, c.data)
            if after is not None:
                query = query.where(sa.tuple_(c.station, c.ts) > sa.tuple_(*after))
            rows = conn.execute(query.order_by(c.station, c.ts).limit(100_000)).all()
            if not rows:
                break
            cells = {(station, ts): _unpack(data) for station, ts, data in rows}
            if changes := rollup.changes(cells, {}):
                self._upsert_rows(conn, self._rollup_sql, changes)
            total, after = total + len(rows), (rows[-1][0], rows[-1][1])
        _log.info("database moved to schema %d: hourly roll-up built from %d uploads", SCHEMA_VERSION, total)


BULK_ROWS = 256  # rows per SQLite statement (5 columns at most: far under its 32,766 parameters)
_COLUMNS_OF_WIDTH = {3: ("station", "ts", "data"), len(rollup.COLUMNS): rollup.COLUMNS}  # rows bound by name
_COLUMNS_OF_WIDTH |= {len(FIX_COLUMNS): FIX_COLUMNS, len(UNIT_STATE_COLUMNS): UNIT_STATE_COLUMNS}


@functools.lru_cache(maxsize=64)
def _bulk_sql(sql: str, width: int, count: int) -> str:
    """A one-row ``INSERT ... VALUES (?, ..) ...`` rewritten for ``count`` rows."""
    one = "(" + ", ".join("?" * width) + ")"
    head, found, tail = sql.partition(f"VALUES {one}")
    if not found:
        raise ValueError(f"not a one-row insert: {sql}")
    return f"{head}VALUES {', '.join([one] * count)}{tail}"


def _month_start(ts: float) -> datetime:
    moment = datetime.fromtimestamp(ts, UTC)
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def add_month_partitions(conn: sa.Connection, times: set[float]) -> list[str]:
    """PostgreSQL: create the ``frames`` partitions of the UTC months of these data times that are missing
    (in the caller's transaction); returns their names."""
    made = []
    for start in sorted({_month_start(ts) for ts in times}):
        name = f"frames_y{start.year:04d}m{start.month:02d}"
        if conn.exec_driver_sql("SELECT to_regclass(%s)", (name,)).scalar() is None:
            stop = datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)
            conn.exec_driver_sql(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF frames"
                f" FOR VALUES FROM ({start.timestamp():.0f}) TO ({stop.timestamp():.0f})"
            )
            made.append(name)
    return made


def _partition_frames(engine: sa.Engine) -> None:
    """PostgreSQL: a ``frames`` table made before it was partitioned becomes the partitioned one, its rows
    moved into the month partitions in one transaction."""
    with engine.begin() as conn:
        kind = conn.exec_driver_sql("SELECT relkind FROM pg_class WHERE oid = to_regclass('frames')").scalar()
        if kind != "r":  # none yet (create_all makes it partitioned) or partitioned already ("p")
            return
        conn.exec_driver_sql("ALTER TABLE frames RENAME TO frames_unpartitioned")
        conn.exec_driver_sql("ALTER INDEX frames_pkey RENAME TO frames_unpartitioned_pkey")
        frames.create(conn)
        span = conn.exec_driver_sql("SELECT min(ts), max(ts) FROM frames_unpartitioned").one()
        if span[0] is not None:
            months, moment = set(), _month_start(span[0])
            while moment.timestamp() <= span[1]:
                months.add(moment.timestamp())
                moment = datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)
            add_month_partitions(conn, months)
        moved = conn.exec_driver_sql("INSERT INTO frames SELECT station, ts, data FROM frames_unpartitioned")
        conn.exec_driver_sql("DROP TABLE frames_unpartitioned")
        _log.info("frames partitioned by month: %d uploads moved", moved.rowcount)


_PG_TYPES = {
    "station": "text",
    "factor": "text",
    "ts": "float8",
    "data": "bytea",
    "hour": "int4",
    "total": "float8",
}
_PG_TYPES["count"] = "int4"


def _unnest_upsert(table: str, columns: Sequence[str], keys: int, update: str) -> str:
    """PostgreSQL's upsert of rows given as one array per column; the first ``keys`` columns are the key."""
    names = ", ".join(f'"{name}"' for name in columns)
    arrays = ", ".join(f"%s::{_PG_TYPES[name]}[]" for name in columns)
    key = ", ".join(f'"{name}"' for name in columns[:keys])
    into = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"
    return f"{into} ON CONFLICT ({key}) DO UPDATE SET {update}"


def _prepare_sqlite(engine: sa.Engine) -> None:
    """WAL (checkpointed every 40 MiB), synchronous=FULL and a larger page cache on every connection;
    creates the file's folder."""
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # A logger is answered once its upload is committed, and forgets it then. In WAL mode a commit is
        # in the operating system's hands when it returns, so it survives the hub being killed; FULL also
        # syncs the WAL to disk at each commit, so it survives a power cut or a kernel crash too (NORMAL
        # would lose the last commits before a checkpoint). The writer commits a few times a second, so
        # the fsync (about 1.5 ms here) costs little.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB: keeps every station's insert point cached
        # Each commit rewrites every station's last page; checkpointing every 40 MiB of WAL instead of the
        # default 4 MiB copies such a page back to the database once where it was rewritten many times.
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        dbapi_conn.create_function("frames_merge", 2, _merge_frames, deterministic=True)
        try:
            cursor.execute("SELECT floor(0.5)")
        except sqlite3.OperationalError:  # SQLite built without its math functions
            dbapi_conn.create_function("floor", 1, math.floor, deterministic=True)
        cursor.close()


# Schema 1's reading tables, only to move their rows into ``frames`` when an old database is opened.
_schema_1 = sa.MetaData()
for _name, _ts_in_key in (("readings", True), ("latest_readings", False)):
    sa.Table(
        _name,
        _schema_1,
        sa.Column("station", sa.Text, primary_key=True),
        sa.Column("factor", sa.Text, primary_key=True),
        sa.Column("ts", sa.Float, primary_key=_ts_in_key, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("flag", sa.CHAR(1), nullable=False),
    )

_pack = msgspec.msgpack.Encoder().encode
_unpack = msgspec.msgpack.Decoder(Values).decode  # a frame: factor -> (value, flag)
_unpack_latest = msgspec.msgpack.Decoder(dict[str, tuple[float, float, str]]).decode  # -> (ts, value, flag)


def _merge_frames(old: bytes, new: bytes) -> bytes:
    """SQLite's ``frames_merge``: the stored upload with a re-sent one folded in (its values win)."""
    return _pack(_unpack(old) | _unpack(new))


class _Newest:
    """The newest value of each factor of one station, as the writer keeps it: values and their times
    apart, so an upload newer than everything known is folded in at C speed, without a loop per factor."""

    __slots__ = ("newest", "times", "values")

    def __init__(self, values: Values, times: dict[str, float], newest: float) -> None:
        self.values = values  # factor -> (value, flag)
        self.times = times  # factor -> data time
        self.newest = newest  # the newest data time of any factor

    @classmethod
    def unpack(cls, data: bytes) -> _Newest:
        stored = _unpack_latest(data)
        times = {factor: ts for factor, (ts, _, _) in stored.items()}
        values = {factor: (value, flag) for factor, (_, value, flag) in stored.items()}
        return cls(values, times, max(times.values(), default=-math.inf))

    def fold(self, ts: float, cell: Values) -> None:
        """Take an upload's values where they are at least as new as the known ones."""
        if ts >= self.newest:  # the usual case: the station's newest upload so far
            self.values.update(cell)
            self.times.update(dict.fromkeys(cell, ts))
            self.newest = ts
            return
        times = self.times
        for factor, value in cell.items():  # a late upload: only the factors it is newest for
            if ts >= times.get(factor, -math.inf):
                self.values[factor] = value
                times[factor] = ts

    def pack(self) -> bytes:
        """The latest_values row: factor -> (ts, value, flag)."""
        times = self.times
        return _pack({factor: (times[factor], *value) for factor, value in self.values.items()})


def _is_valid(row: tuple[Any, ...]) -> bool:
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


class BulkWrite:
    """The open transaction of ``Storage.bulk``: register stations and write uploads in it."""

    def __init__(self, storage: Storage, conn: sa.Connection) -> None:
        self._storage, self._conn = storage, conn
        self.new_moments = 0  # (station, data time) written that were not stored before

    def stations(self, specs: Sequence[tuple[Station, str]]) -> None:
        """Insert or update stations (with their logger password), keyed by station id."""
        if specs:
            upsert = self._storage._upsert(stations, ("id",))
            self._conn.execute(upsert, [_station_row(station, pw) for station, pw in specs])

    def uploads(self, uploads: Sequence[Upload]) -> int:
        """Store whole uploads, already checked (finite values, valid flags); returns the values stored."""
        cells: dict[tuple[str, float], Values] = {}
        for station, ts, values in uploads:
            cell = cells.get((station, ts))
            cells[(station, ts)] = values if cell is None else cell | values
        stored = self._stored(cells)
        # A moment stored with these very values is left alone: a second import of an archive only reads.
        fresh = {
            key: cell for key, cell in cells.items() if (old := stored.get(key)) is None or old | cell != old
        }
        if fresh:
            replaced = {key: stored[key] for key in fresh if key in stored}
            self._storage._store_cells(self._conn, fresh, replaced)
            self.new_moments += len(fresh) - len(replaced)
        return sum(len(values) for _, _, values in uploads)

    def _stored(self, cells: dict[_Moment, Values]) -> dict[_Moment, Values]:
        """The stored uploads of these moments: one range read per station, which an archive's runs of
        consecutive hours make far cheaper than looking up each moment."""
        spans: dict[str, tuple[float, float]] = {}
        for station, ts in cells:
            first, last = spans.get(station, (ts, ts))
            spans[station] = (min(first, ts), max(last, ts))
        c, found = frames.c, {}
        for station, (first, last) in spans.items():
            query = sa.select(c.ts, c.data).where(c.station == station, c.ts >= first, c.ts <= last)
            for ts, data in self._conn.execute(query):
                if (station, ts) in cells:
                    found[(station, ts)] = _unpack(data)
        return found


class PartChanges(NamedTuple):
    """What a transaction does to the stored parts of split uploads: the uploads whose parts go
    (station, CN, DataTime, PNUM), then the parts kept, by (station, CN, DataTime, PNUM, PNO)."""

    done: set[tuple[Any, ...]]
    keep: dict[tuple[Any, ...], tuple[Any, ...]]


class _Part(NamedTuple):
    row: tuple[Any, ...]


class _Status(NamedTuple):
    station: str
    status: str
    since: float
    reason: str


class _Uploads(NamedTuple):
    uploads: list[Upload]
    parts_done: list[tuple[Any, ...]]


class _Late(NamedTuple):
    arrived: float
    batch: list[Reading]


class _Units(NamedTuple):
    fixes: list[tuple[Any, ...]]
    states: list[tuple[Any, ...]]


class StorageWriter(BatchWriter):
    """The one thread that writes to a Storage: submit from anywhere without blocking, flush, close.

    Submissions are coalesced into transactions of up to max_batch readings or max_delay seconds; when
    someone waits for the commit (``notify``: loggers' answers) a transaction is cut at once, or
    answer_delay seconds after the previous one if that is later. A write that
    fails on a storage error (locked, cannot open the file, disk full) is retried with back-off until it
    is written, never dropped: the hub's ingest stops reading from loggers while the queue is long.
    Counters feed /metrics.
    """

    # Every transaction rewrites the last page of each station it touches: at 25,000 uploads/s from 500
    # stations, half-second transactions cost about 9 µs an upload, tenth-of-a-second ones about 14 µs
    # (python bench/storage.py). Half a second when no one waits; when a logger waits for its answer
    # (HJ 212's default timeout is 5 s, some loggers use less), a batch is cut at once, or 150 ms after
    # the previous commit if that is later.
    def __init__(
        self, storage: Storage, max_batch: int = 100_000, max_delay: float = 0.5, answer_delay: float = 0.15
    ) -> None:
        self._storage = storage
        self.rows_written = 0
        self.rows_rejected = 0  # invalid readings dropped (None/NaN value, unknown flag ...)
        super().__init__("storage-writer", max_batch, max_delay, notice_delay=answer_delay)

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

    def submit_uploads(self, uploads: Sequence[Upload], parts_done: Sequence[tuple[Any, ...]] = ()) -> None:
        """Queue whole uploads from the ingest (handed over: not to be changed after), and the split uploads
        whose stored parts go in the same transaction (completed or dropped); returns at once."""
        if uploads or parts_done:
            self._put(_Uploads(list(uploads), list(parts_done)), sum(len(values) for _, _, values in uploads))

    def submit_part(self, row: tuple[Any, ...]) -> None:
        """Queue a part of a split upload to keep (a row of PART_COLUMNS); returns at once."""
        self._put(_Part(row), 0)

    def submit_units(self, fixes: Sequence[tuple[Any, ...]], states: Sequence[tuple[Any, ...]] = ()) -> None:
        """Queue unit location reports and unit states (see ``Storage.write_units``); returns at once."""
        if fixes or states:
            self._put(_Units(list(fixes), list(states)), len(fixes))

    def _write(self, items: list[Any]) -> None:
        units = [item for item in items if isinstance(item, _Units)]
        if units:  # first: a terminal's answer waits on these (a retry writes the same again: upserts)
            fixes = [row for item in units for row in item.fixes]
            self._storage.write_units(fixes, [row for item in units for row in item.states])
        readings = [r for item in items if isinstance(item, list) for r in item]
        uploads = [u for item in items if isinstance(item, _Uploads) for u in item.uploads]
        parts = _part_changes(items)
        submitted = written = 0
        if readings or uploads or parts:  # a retry writes the same again: upserts, the result is the same
            submitted = len(readings) + sum(len(values) for _, _, values in uploads)
            written = self._storage.write(readings, uploads, parts)
        statuses = [item for item in items if isinstance(item, _Status)]
        if statuses:  # one transaction (each is a disk sync): hundreds change at once when a hub starts
            self._storage.write_statuses(statuses)
        for item in items:
            if isinstance(item, _Late):
                self._storage.write_late(item.arrived, item.batch)
        self.rows_written += written  # counted once the whole batch is in
        self.rows_rejected += submitted - written

    def _failed(self, rows: int) -> None:
        _log.exception("storage write failed (%d readings): not retried, dropped", rows)


def _part_changes(items: list[Any]) -> PartChanges | None:
    """The changes to stored parts that a batch's items make, in their order: an upload done deletes the
    parts kept before it; a part kept after that starts it again."""
    done: set[tuple[Any, ...]] = set()
    keep: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for item in items:
        if isinstance(item, _Part):
            keep[item.row[:5]] = item.row
        elif isinstance(item, _Uploads) and item.parts_done:
            gone = set(item.parts_done)
            done |= gone
            keep = {key: row for key, row in keep.items() if key[:4] not in gone}
    return PartChanges(done, keep) if done or keep else None
