"""The console's local cache (SQLite, WAL): schema and migrations, reads for offline start, retention, writer.

Everything is written by one CacheWriter thread in batched transactions; reads come from any thread. The
link position is committed in the same transaction as the data submitted before it, so after a crash the
console resumes from a point whose data are all stored. About 700 lines because the schema, the writer
thread and retention change together; the seams to split along are marked by the section comments.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from math import inf, isfinite, nextafter
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
import sqlalchemy as sa
from msgspec.structs import astuple
from sqlalchemy.dialects import sqlite

from console.core import protocol
from console.core.batch_writer import BatchWriter
from console.core.cache_picture import HOURLY_DAYS as HOURLY_DAYS  # the constants live where the picture is
from console.core.cache_picture import RAW_DAYS as RAW_DAYS  # read without SQLAlchemy
from console.core.cache_picture import SCHEMA_VERSION
from console.core.incidents import Incident
from console.core.models import Reading, Station, StationStatus

HOUR_S, DAY_S = 3600.0, 86400.0
PRUNE_ROWS = 5_000  # raw rows folded per retention transaction: as short as one batch of readings
_log = logging.getLogger(__name__)
_station_decoder = msgspec.json.Decoder(Station)
_incident_decoder = msgspec.json.Decoder(Incident)

metadata = sa.MetaData()
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
)
stations = sa.Table(  # the Station record as JSON: new optional model fields need no migration
    "stations",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
)
status = sa.Table(
    "status",
    metadata,
    sa.Column("station", sa.Text, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("since", sa.Float, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)


def _reading_columns(ts_in_key: bool = True) -> list[sa.Column[Any]]:
    return [
        sa.Column("station", sa.Text, primary_key=True),
        sa.Column("factor", sa.Text, primary_key=True),
        sa.Column("ts", sa.Float, primary_key=ts_in_key, nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("flag", sa.CHAR(1), nullable=False),
    ]


latest = sa.Table("latest", metadata, *_reading_columns(ts_in_key=False))
readings = sa.Table(
    "readings",
    metadata,
    *_reading_columns(),
    sa.Column("backfilled", sa.Integer, nullable=False),  # 1: fetched from the hub's history, not live
    sa.Index("readings_by_ts", "ts"),  # retention finds old rows without scanning the table
    sqlite_with_rowid=False,
)
readings_hourly = sa.Table(  # hourly means of valid ("N") raw values, labelled by the hour's start
    "readings_hourly",
    metadata,
    *_reading_columns(),
    sa.Column("backfilled", sa.Integer, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Index("readings_hourly_by_ts", "ts"),
    sqlite_with_rowid=False,
)
outbox = sa.Table(  # operator commands: see console.core.outbox
    "outbox",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, unique=True),  # creation order, immune to clock jumps
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("target", sa.Text, nullable=False),
    sa.Column("expected_version", sa.Integer),
    sa.Column("args", sa.Text, nullable=False),  # JSON object
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
)
_V1_TABLES = [meta, stations, status, latest, readings, readings_hourly, outbox]
incidents = sa.Table(  # the Incident record as JSON, newest version only (the hub keeps the audit trail)
    "incidents",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
)
_V2_TABLES = [incidents]


class CacheSchemaError(RuntimeError):
    """The cache file was written by a newer console; this one must not touch it."""


class HistoryRow(NamedTuple):
    """One stored point: raw reading, or hourly mean (flag "N", ts = start of the hour) once folded."""

    ts: float
    value: float
    flag: str
    backfilled: bool


# --- engine and schema --------------------------------------------------------------------------------------


def _owner_only(path: Path) -> None:
    """The file (and its folder, when new) for this user only, before SQLite opens it: SQLite gives the
    -wal and -shm files it makes the database file's mode, so the cached readings, the outbox and the
    session position never become readable by other users of the machine."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is an empty database
    if path.stat().st_uid == os.getuid():
        path.chmod(0o600)  # one made looser by an older console


def open_engine(path: Path, synchronous: str = "NORMAL", autocheckpoint: bool = True) -> sa.Engine:
    """An engine on the SQLite file: WAL, the given synchronous level, real transactions (BEGIN emitted here).

    Connections of ``engine.execution_options(immediate=True)`` begin with BEGIN IMMEDIATE: a writer takes
    the lock up front instead of failing to upgrade a read transaction when another writer got in first.
    Without autocheckpoint, commits never pay for a WAL checkpoint: other connections do them.
    """
    _owner_only(Path(path))
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 10.0})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # sqlite3 emits no BEGIN of its own; _on_begin does
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA cache_size=-2048")  # 2 MiB a connection: the console has a memory budget
        if not autocheckpoint:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def _to_v1(conn: sa.Connection) -> None:
    """Version 0 (no meta table, or tables missing): create what is missing."""
    metadata.create_all(conn, tables=_V1_TABLES, checkfirst=True)


def _to_v2(conn: sa.Connection) -> None:
    """Version 1 -> 2: incidents."""
    metadata.create_all(conn, tables=_V2_TABLES, checkfirst=True)


# MIGRATIONS[n] upgrades a version-n database to n + 1 inside one transaction (SQLite DDL is transactional).
MIGRATIONS: dict[int, Callable[[sa.Connection], None]] = {0: _to_v1, 1: _to_v2}


def migrate(engine: sa.Engine) -> int:
    """Upgrade the schema one version per transaction up to SCHEMA_VERSION; returns the version now.

    Raises CacheSchemaError for a file from a newer console (it is left untouched).
    """
    writer = engine.execution_options(immediate=True)
    while True:
        with writer.begin() as conn:
            found = schema_version(conn)
            if found == SCHEMA_VERSION:
                return found
            if found > SCHEMA_VERSION:
                raise CacheSchemaError(
                    f"cache {engine.url.database} has schema version {found}, newer than this console's "
                    f"{SCHEMA_VERSION}: use a newer console, or move the file aside to start a fresh cache"
                )
            MIGRATIONS[found](conn)
            _put_meta(conn, {"schema_version": found + 1})
        _log.info("cache schema migrated from version %d to %d", found, found + 1)


def schema_version(conn: sa.Connection) -> int:
    """The version recorded in the meta table; 0 when there is none (a database from before versioning)."""
    if not sa.inspect(conn).has_table("meta"):
        return 0
    value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == "schema_version"))
    return 0 if value is None else int(msgspec.json.decode(value))


def _put_meta(conn: sa.Connection, values: dict[str, Any]) -> None:
    rows = [{"key": key, "value": msgspec.json.encode(value).decode()} for key, value in values.items()]
    stmt = sqlite.insert(meta)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}), rows
    )


# --- what the writer writes: one transaction applies a list of these in order ----------------------------


class _Readings(NamedTuple):
    items: list[Reading]
    backfilled: bool


class _Stations(NamedTuple):
    stations: list[Station]
    replace: bool  # a snapshot: stations not in the list are dropped with their latest values and state


class _Status(NamedTuple):
    entries: list[protocol.StatusEntry]
    replace: bool


class _Incidents(NamedTuple):
    records: list[Incident]
    replace: bool  # a snapshot: incidents not in it are dropped


class _Meta(NamedTuple):
    values: dict[str, Any]


class _Position(NamedTuple):
    epoch: str
    seq: int
    resync: bool  # from a snapshot: everything before it is replaced, so it is consistent on its own


def _readings_sql(backfilled: int) -> str:
    """Upsert of raw readings as positional SQL, for executemany with plain tuples (the fast path).

    A re-sent (station, factor, ts) replaces the value; a row once received live stays marked live.
    """
    c = readings.c
    values: dict[str, Any] = {
        name: sa.bindparam(name) for name in ("station", "factor", "ts", "value", "flag")
    }
    stmt = sqlite.insert(readings).values(values | {"backfilled": sa.literal_column(str(backfilled))})
    changed = {
        "value": stmt.excluded.value,
        "flag": stmt.excluded.flag,
        "backfilled": sa.func.min(c.backfilled, stmt.excluded.backfilled),
    }
    stmt = stmt.on_conflict_do_update(index_elements=["station", "factor", "ts"], set_=changed)
    return str(stmt.compile(dialect=sqlite.dialect()))


def _latest_sql() -> str:
    """Upsert of the newest value per (station, factor): an older reading never replaces a newer one."""
    stmt = sqlite.insert(latest)
    changed = {name: stmt.excluded[name] for name in ("ts", "value", "flag")}
    newer = stmt.excluded.ts >= latest.c.ts
    stmt = stmt.on_conflict_do_update(index_elements=["station", "factor"], set_=changed, where=newer)
    return str(stmt.compile(dialect=sqlite.dialect()))


def _data_time_sql() -> str:
    """Upsert of the newest data time the cache holds: an older one never replaces it."""
    stmt = sqlite.insert(meta)
    later = sa.cast(stmt.excluded.value, sa.Float) > sa.cast(meta.c.value, sa.Float)
    changed = {"value": stmt.excluded.value}
    stmt = stmt.on_conflict_do_update(index_elements=["key"], set_=changed, where=later)
    return str(stmt.compile(dialect=sqlite.dialect()))


def _fold_statement() -> Any:
    """Fold raw rows in [:start, :stop) into readings_hourly; an hour already there is merged by weight."""
    r, h = readings.c, readings_hourly.c
    hour = sa.cast(r.ts / sa.literal_column("3600.0"), sa.Integer) * sa.literal_column("3600.0")
    mean, backfilled = sa.func.avg(r.value), sa.func.max(r.backfilled)
    source = (
        sa.select(r.station, r.factor, hour, mean, sa.literal("N"), backfilled, sa.func.count())
        .where(r.ts >= sa.bindparam("start"), r.ts < sa.bindparam("stop"), r.flag == "N")  # both: ts index
        .group_by(r.station, r.factor, hour)
    )
    names = ["station", "factor", "ts", "value", "flag", "backfilled", "count"]
    stmt = sqlite.insert(readings_hourly).from_select(names, source)
    new, count = stmt.excluded, h["count"]
    merged = {
        "value": (h.value * count + new.value * new["count"]) / (count + new["count"]),
        "count": count + new["count"],
        "backfilled": sa.func.max(h.backfilled, new.backfilled),
    }
    return stmt.on_conflict_do_update(index_elements=["station", "factor", "ts"], set_=merged)


_READINGS_SQL = {b: _readings_sql(b) for b in (0, 1)}
_LATEST_SQL = _latest_sql()
_DATA_TIME_SQL = _data_time_sql()  # compiled once: a statement built for every write cost the wall frames
_FOLD = _fold_statement()


# --- the cache ----------------------------------------------------------------------------------------------


class WriteGate:
    """Orders this process's writers: an urgent write (the operator's command) goes before the next batch.

    SQLite's own busy handler polls, so a write squeezed between back-to-back batches could wait far
    longer than one batch; with the gate it waits at most for the transaction in progress.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._urgent = 0
        self._busy = False

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """Hold the gate for a short write that must not queue behind routine ones."""
        with self._cond:
            self._urgent += 1
            self._cond.wait_for(lambda: not self._busy)
            self._urgent -= 1
            self._busy = True
        yield from self._held()

    @contextmanager
    def routine(self) -> Iterator[None]:
        """Hold the gate for a batch; waits while an urgent write is waiting."""
        with self._cond:
            self._cond.wait_for(lambda: not self._busy and not self._urgent)
            self._busy = True
        yield from self._held()

    def _held(self) -> Iterator[None]:
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


class Cache:
    """The cache file: opened (created, migrated) here; read from any thread; written by one CacheWriter."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._engine = open_engine(self.path)
        self._writer = self._engine.execution_options(immediate=True)
        self.gate = WriteGate()  # shared with an Outbox on this cache
        self.migrate()

    def migrate(self) -> int:
        """Bring the schema to this console's version (see ``migrate``); returns it."""
        return migrate(self._engine)

    def close(self) -> None:
        """Release every pooled connection."""
        self._engine.dispose()

    # --- reads ---

    def load_snapshot(self) -> protocol.Snapshot | None:
        """The cached live state as a hub snapshot (epoch/seq = saved position), or None when empty."""
        with self._engine.connect() as conn:  # one read transaction: a consistent picture
            cached = [_station_decoder.decode(data) for (data,) in conn.execute(sa.select(stations.c.data))]
            if not cached:
                return None
            values = conn.execute(sa.select(latest).order_by(latest.c.station, latest.c.factor)).all()
            entries = conn.execute(sa.select(status).order_by(status.c.station)).all()
            epoch, seq = self._position(conn) or ("", 0)
            held = [_incident_decoder.decode(data) for (data,) in conn.execute(sa.select(incidents.c.data))]
        return protocol.Snapshot(
            epoch=epoch,
            seq=seq,
            stations=sorted(cached, key=lambda s: s.id),
            latest=[Reading(*row) for row in values],
            status=[protocol.StatusEntry(s, StationStatus(st), since, why) for s, st, since, why in entries],
            incidents=sorted(held, key=lambda i: i.id),
        )

    def history(self, station: str, factor: str, start: float, end: float) -> list[HistoryRow]:
        """Stored points in [start, end), oldest first: hourly means where raw data was folded, raw after."""

        def rows(table: sa.Table) -> sa.Select[Any]:
            c = table.c
            return sa.select(c.ts, c.value, c.flag, c.backfilled).where(
                c.station == station, c.factor == factor, c.ts >= float(start), c.ts < float(end)
            )

        query = sa.union_all(rows(readings_hourly), rows(readings)).order_by("ts")
        with self._engine.connect() as conn:
            return [HistoryRow(ts, value, flag, bool(b)) for ts, value, flag, b in conn.execute(query)]

    def keys_between(self, start: float, end: float) -> set[tuple[str, str, float]]:
        """(station, factor, ts) of raw readings stored with start <= ts <= end (a back-fill skips them)."""
        c = readings.c
        query = sa.select(c.station, c.factor, c.ts).where(c.ts >= float(start), c.ts <= float(end))
        with self._engine.connect() as conn:
            return {(station, factor, ts) for station, factor, ts in conn.execute(query)}

    def stored_keys(self, keys: list[tuple[str, str, float]]) -> set[tuple[str, str, float]]:
        """Which of these (station, factor, ts) raw readings are stored (late arrivals skip them)."""
        c, found = readings.c, set[tuple[str, str, float]]()
        with self._engine.connect() as conn:
            for start in range(0, len(keys), 300):
                chunk = keys[start : start + 300]
                query = sa.select(c.station, c.factor, c.ts).where(
                    sa.tuple_(c.station, c.factor, c.ts).in_(chunk)
                )
                found.update((station, factor, ts) for station, factor, ts in conn.execute(query))
        return found

    def position(self) -> tuple[str, int] | None:
        """(epoch, seq) of the last event whose data are all stored, or None."""
        with self._engine.connect() as conn:
            return self._position(conn)

    def meta(self, key: str, default: Any = None) -> Any:
        """A stored meta value (decoded JSON), or default."""
        with self._engine.connect() as conn:
            value = conn.scalar(sa.select(meta.c.value).where(meta.c.key == key))
        return default if value is None else msgspec.json.decode(value)

    @staticmethod
    def _position(conn: sa.Connection) -> tuple[str, int] | None:
        rows = dict(
            conn.execute(sa.select(meta.c.key, meta.c.value).where(meta.c.key.in_(("epoch", "seq")))).all()
        )
        if len(rows) < 2:
            return None
        return msgspec.json.decode(rows["epoch"]), msgspec.json.decode(rows["seq"])

    # --- writes: from the CacheWriter thread ---

    def write(self, ops: Iterable[Any]) -> tuple[int, int]:
        """Apply writer operations in order, in one transaction; returns (readings stored, rejected)."""
        stored = rejected = 0
        with self.gate.routine(), self._writer.begin() as conn:
            for op in ops:
                if isinstance(op, _Readings):
                    n = self._write_readings(conn, op.items, op.backfilled)
                    stored, rejected = stored + n, rejected + len(op.items) - n
                elif isinstance(op, _Stations):
                    self._write_stations(conn, op.stations, op.replace)
                elif isinstance(op, _Status):
                    self._write_status(conn, op.entries, op.replace)
                elif isinstance(op, _Incidents):
                    self._write_incidents(conn, op.records, op.replace)
                elif isinstance(op, _Position):
                    _put_meta(conn, {"epoch": op.epoch, "seq": op.seq})
                else:
                    _put_meta(conn, op.values)
        return stored, rejected

    def _write_readings(self, conn: sa.Connection, items: list[Reading], backfilled: bool) -> int:
        rows = _finite([astuple(r) for r in items])
        if rows:
            conn.exec_driver_sql(_READINGS_SQL[int(backfilled)], rows)
        if rows and not backfilled:  # back-filled history is older than what the wall shows as latest
            conn.exec_driver_sql(_LATEST_SQL, _newest(rows))
            self._advance_data_time(conn, max(row[2] for row in rows))
        return len(rows)

    @staticmethod
    def _advance_data_time(conn: sa.Connection, ts: float) -> None:
        conn.exec_driver_sql(_DATA_TIME_SQL, ("last_data_time", msgspec.json.encode(ts).decode()))

    @staticmethod
    def _write_stations(conn: sa.Connection, records: list[Station], replace: bool) -> None:
        if replace:
            keep = [s.id for s in records]
            for table, column in (
                (stations, stations.c.id),
                (latest, latest.c.station),
                (status, status.c.station),
            ):
                conn.execute(sa.delete(table).where(column.not_in(keep)))
        if records:
            stmt = sqlite.insert(stations)
            upsert = stmt.on_conflict_do_update(index_elements=["id"], set_={"data": stmt.excluded.data})
            conn.execute(upsert, [{"id": s.id, "data": msgspec.json.encode(s).decode()} for s in records])

    @staticmethod
    def _write_incidents(conn: sa.Connection, records: list[Incident], replace: bool) -> None:
        if replace:
            conn.execute(sa.delete(incidents).where(incidents.c.id.not_in([i.id for i in records])))
        if records:
            stmt = sqlite.insert(incidents)
            newer = stmt.excluded.version > incidents.c.version  # an older version never replaces a newer
            changed = {"version": stmt.excluded.version, "data": stmt.excluded.data}
            rows = [
                {"id": i.id, "version": i.version, "data": msgspec.json.encode(i).decode()} for i in records
            ]
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=changed, where=newer), rows)

    @staticmethod
    def _write_status(conn: sa.Connection, entries: list[protocol.StatusEntry], replace: bool) -> None:
        if replace:
            conn.execute(sa.delete(status))
        if entries:
            stmt = sqlite.insert(status)
            changed = {name: stmt.excluded[name] for name in ("status", "since", "reason")}
            rows = [{"station": e.station, "status": str(e.status), "since": e.since, "reason": e.reason}
                    for e in entries]  # fmt: skip
            conn.execute(stmt.on_conflict_do_update(index_elements=["station"], set_=changed), rows)

    # --- retention ---

    def prune(
        self, now: float, raw_days: float = RAW_DAYS, hourly_days: float = HOURLY_DAYS
    ) -> tuple[int, int]:
        """Fold raw readings older than raw_days into hourly means, delete them; drop hourly rows too old.

        The cut-off falls on an hour boundary. Works PRUNE_ROWS rows per transaction (an hour folded in
        two goes is merged by weight, so means stay exact). Returns (raw rows removed, hourly rows removed).
        """
        cutoff = _hour_start(now - raw_days * DAY_S)
        removed = 0
        while (bounds := self._next_slice(cutoff)) is not None:
            start, stop = bounds
            with self.gate.routine(), self._writer.begin() as conn:
                conn.execute(_FOLD, {"start": start, "stop": stop})
                old = readings.c.ts >= start, readings.c.ts < stop
                removed += conn.execute(sa.delete(readings).where(*old)).rowcount
        with self.gate.routine(), self._writer.begin() as conn:
            expired = readings_hourly.c.ts < now - hourly_days * DAY_S
            dropped = conn.execute(sa.delete(readings_hourly).where(expired)).rowcount
        return removed, dropped

    def _next_slice(self, cutoff: float) -> tuple[float, float] | None:
        """[start, stop) of the oldest raw rows to fold next: about PRUNE_ROWS rows, never past cutoff."""
        with self._engine.connect() as conn:
            oldest = conn.scalar(sa.select(sa.func.min(readings.c.ts)))
            if oldest is None or oldest >= cutoff:
                return None
            nth = conn.scalar(sa.select(readings.c.ts).order_by(readings.c.ts).offset(PRUNE_ROWS).limit(1))
        return oldest, min(cutoff, max(nth if nth is not None else inf, nextafter(oldest, inf)))


_Row = tuple[Any, ...]  # a Reading's fields: station, factor, ts, value, flag


def _finite(rows: list[_Row]) -> list[_Row]:
    """The rows with a finite time and value (NaN would fail NOT NULL and lose the whole batch)."""
    good = [row for row in rows if isfinite(row[2]) and isfinite(row[3])]
    if len(good) < len(rows):
        bad = next(row for row in rows if not (isfinite(row[2]) and isfinite(row[3])))
        _log.warning(
            "cache: dropped %d readings without a finite time or value, e.g. %r", len(rows) - len(good), bad
        )
    return good


def _newest(rows: list[_Row]) -> list[_Row]:
    """The newest row of each (station, factor)."""
    newest: dict[tuple[str, str], _Row] = {}
    for row in rows:
        kept = newest.get((row[0], row[1]))
        if kept is None or row[2] >= kept[2]:
            newest[(row[0], row[1])] = row
    return list(newest.values())


def _hour_start(ts: float) -> float:
    return (ts // HOUR_S) * HOUR_S


# --- the writer thread --------------------------------------------------------------------------------------


def _merge(units: list[list[Any]]) -> list[Any]:
    """The operations of several submitted units, in order; runs of readings joined for one executemany."""
    ops: list[Any] = []
    for unit in units:
        for op in unit:
            last = ops[-1] if ops else None
            if isinstance(op, _Readings) and isinstance(last, _Readings) and last.backfilled == op.backfilled:
                ops[-1] = _Readings(last.items + op.items, op.backfilled)
                continue
            ops.append(op)
    return ops


class CacheWriter(BatchWriter):
    """The one thread that writes the cache: submit from any thread without blocking; flush; close.

    Each submit is a unit kept whole in one transaction; a transaction holds whole units in submission
    order, up to max_batch readings or max_delay seconds, so a position is committed together with the
    data submitted before it. A transaction failing on a storage error that may pass (locked, disk full)
    is retried for up to retry_for seconds; one given up is logged and counted in `rows_dropped`, and
    positions are no longer saved until the next snapshot (the data before them are incomplete): a restart
    then resumes from the last complete point. Retention runs on this thread every prune_interval_s.
    """

    def __init__(
        self,
        cache: Cache,
        max_batch: int = 5000,
        max_delay: float = 0.2,
        *,
        raw_days: float = RAW_DAYS,
        hourly_days: float = HOURLY_DAYS,
        prune_interval_s: float = 600.0,
        clock: Callable[[], float] = time.time,
        retry_for: float = 60.0,
    ) -> None:
        self._cache = cache
        self._retention = (raw_days, hourly_days)
        self._prune_interval_s, self._clock = prune_interval_s, clock
        self._next_prune = 0.0  # prune soon after start: the console may have been off for days
        self.positions_frozen = False
        self.rows_written = self.rows_rejected = self.prunes = 0
        # Retried for a while, not for ever: the console has no one to push back on, so a cache that
        # cannot be written for long must not fill its memory; after that it forgets, as a resync repairs.
        super().__init__("cache-writer", max_batch, max_delay, retry_for=retry_for)

    def submit_readings(self, items: Iterable[Reading], backfilled: bool = False) -> None:
        """Queue readings (live, or back-filled history from the hub)."""
        self._put([_Readings(list(items), backfilled)])

    def submit_status(self, entries: Iterable[protocol.StatusEntry]) -> None:
        """Queue station link states."""
        self._put([_Status(list(entries), False)])

    def submit_stations(self, records: Iterable[Station]) -> None:
        """Queue station records (added or changed)."""
        self._put([_Stations(list(records), False)])

    def submit_snapshot(self, snapshot: protocol.Snapshot) -> None:
        """Queue a hub snapshot: replaces stations and states, stores the latest values, sets the position."""
        self._put([
            _Stations(list(snapshot.stations), True),
            _Status(list(snapshot.status), True),
            _Readings(list(snapshot.latest), False),
            _Incidents(list(snapshot.incidents), True),
            _Position(snapshot.epoch, snapshot.seq, True),
        ])  # fmt: skip

    def submit_position(self, epoch: str, seq: int) -> None:
        """Queue the link position; it is committed with (never before) the data submitted before it."""
        self._put([_Position(epoch, seq, False)])

    def submit_meta(self, key: str, value: Any) -> None:
        """Queue a meta value (any JSON-encodable value, e.g. the region)."""
        self._put([_Meta({key: value})])

    def submit_event(self, message: protocol.HubMessage) -> None:
        """Queue what a hub message carries, with its position: snapshot, readings or station state."""
        if isinstance(message, protocol.Snapshot):
            self.submit_snapshot(message)
        elif isinstance(message, protocol.Readings):
            self._put([_Readings(list(message.items), False), _Position(message.epoch, message.seq, False)])
        elif isinstance(message, protocol.StationEvent):
            self._put([_Status([message.entry], False), _Position(message.epoch, message.seq, False)])
        elif isinstance(message, protocol.IncidentEvent):
            self._put([_Incidents([message.incident], False), _Position(message.epoch, message.seq, False)])
        elif isinstance(message, protocol.EVENT_TYPES):  # an event this cache keeps nothing of: its position
            self._put([_Position(message.epoch, message.seq, False)])

    def _put(self, unit: list[Any], rows: int | None = None) -> None:
        if rows is None:
            rows = sum(len(op.items) for op in unit if isinstance(op, _Readings))
        super()._put(unit, rows)

    def _write(self, items: list[Any]) -> None:
        stored, rejected = self._cache.write(self._savable(_merge(items)))
        self.rows_written += stored
        self.rows_rejected += rejected

    def _failed(self, rows: int) -> None:
        self.positions_frozen = True
        _log.exception("cache write failed (%d readings); positions not saved until a snapshot", rows)

    def _after_write(self, items: list[Any]) -> None:
        if time.monotonic() >= self._next_prune:
            self._prune()

    def _savable(self, ops: list[Any]) -> list[Any]:
        """The operations to write: positions are left out while frozen (a snapshot's position thaws them)."""
        kept = []
        for op in ops:
            if isinstance(op, _Position) and op.resync:
                self.positions_frozen = False
            if not (isinstance(op, _Position) and self.positions_frozen):
                kept.append(op)
        return kept

    def _prune(self) -> None:
        self._next_prune = time.monotonic() + self._prune_interval_s
        try:
            removed, dropped = self._cache.prune(self._clock(), *self._retention)
            self.prunes += 1
            if removed or dropped:
                _log.info(
                    "cache retention: folded %d raw readings into hourly means, dropped %d hours",
                    removed,
                    dropped,
                )
        except Exception:
            self.errors += 1
            _log.exception("cache retention failed")
