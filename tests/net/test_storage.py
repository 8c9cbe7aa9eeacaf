"""Hub storage on real SQLite files and a real PostgreSQL server: schema, stations, the writer thread, latest
values and history (each test on both, through the ``db_url`` fixture of tests/conftest.py)."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from statistics import fmean

import pytest
import sqlalchemy as sa

from console.core.models import Reading, Station, StationKind
from console.hub.history import HistoryPoint
from console.hub.storage import SCHEMA_VERSION, Storage, StorageWriter
from tests.conftest import fresh_database

DAY = 1704038400.0  # 2024-01-01 00:00 at UTC+8: a local midnight
PM25, O3 = "a34004", "a05024"


def _station(station_id: str, **extra) -> Station:
    fields = dict(
        id=station_id, name=f"站 {station_id}", kind=StationKind.AIR, township="110119001", lon=115.97,
        lat=40.45, mn=f"MN{station_id}", st="22", factors=(PM25, "a34002", O3), interval_s=60,
    )  # fmt: skip
    return Station(**(fields | extra))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "hub" / "hub.db"


@pytest.fixture
def storage(db_url):
    store = Storage(db_url)
    store.upsert_stations([(_station("AIR01"), "pw1")])
    yield store
    store.close()


def _rows(storage_or_url: Storage | str, sql: str) -> list[tuple]:
    """Rows of a query, straight from the database."""
    engine = sa.create_engine(storage_or_url) if isinstance(storage_or_url, str) else storage_or_url.engine
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(sql)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        if isinstance(storage_or_url, str):
            engine.dispose()


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _minutes(start: float, n: int, value: float = 10.0, factor: str = PM25, flag: str = "N") -> list[Reading]:
    return [Reading("AIR01", factor, start + 60 * i, value, flag) for i in range(n)]


def test_schema_is_created_with_its_version(storage, db_url):
    tables = _tables(db_url)
    assert {"schema_version", "stations", "frames", "latest_values", "station_status"} <= tables
    assert {"daily_rollup", "daily_days"} <= tables
    assert _rows(db_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)] == [(5,)]
    if db_url.startswith("sqlite"):
        assert _rows(db_url, "PRAGMA journal_mode") == [("wal",)]
    Storage(db_url).close()  # reopening keeps one version row
    assert _rows(db_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_a_database_of_schema_3_gains_the_unit_tables_and_keeps_its_readings(storage, db_url):
    storage.write_readings(_minutes(DAY, 3))
    storage.close()
    _rows(db_url, "DROP TABLE unit_fixes")
    _rows(db_url, "DROP TABLE unit_states")
    _rows(db_url, "UPDATE schema_version SET version = 3")
    moved = Storage(db_url)
    moved.write_units([("VAN-1", DAY, 40.0, 116.0, 30.0, 90.0, True, "sos", "", DAY + 1)], [])
    assert [row[:3] for row in moved.unit_track("VAN-1", 0, 4e9, 10)] == [("VAN-1", DAY, 40.0)]
    assert len(moved.history("AIR01", PM25, DAY, DAY + 3600)) == 3
    assert _rows(db_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)] == [(5,)]
    moved.close()


def test_a_database_of_another_schema_version_is_refused(storage, db_url):
    _rows(storage, "UPDATE schema_version SET version = 99")
    with pytest.raises(RuntimeError, match="schema version 99"):
        Storage(db_url)


def test_stations_round_trip(storage):
    water = _station(
        "WAT01", kind=StationKind.WATER, st="21", factors=("w01001", "w21003"), zone="III", grid="G7"
    )
    storage.upsert_stations([(water, "secret")])
    renamed = _station("AIR01", name="延庆镇", interval_s=30)
    storage.upsert_stations([(renamed, "pw2")])
    assert storage.load_stations() == [(renamed, "pw2"), (water, "secret")]


def test_station_status_round_trips(storage):
    storage.write_status("AIR01", "offline", DAY, "missed 3 intervals")
    storage.write_status("AIR01", "fault", DAY + 60, "flag D")
    assert storage.load_status()["AIR01"] == ("fault", DAY + 60, "flag D")


def test_100k_readings_through_the_writer_land_exactly_once(storage):
    writer = StorageWriter(storage)
    readings = [Reading(f"S{i % 100:03d}", PM25, DAY + 60 * (i // 100), float(i)) for i in range(100_000)]
    for i in range(0, len(readings), 500):
        writer.submit(readings[i : i + 500])
    writer.submit(readings[:20_000])  # a logger re-sends
    assert writer.flush(timeout=60)
    stored = storage.readings_between(0, DAY + 86_400, limit=200_000)
    assert len(stored) == len({(r.station, r.factor, r.ts) for r in stored}) == 100_000
    assert _rows(storage, "SELECT count(*) FROM frames") == [(100_000,)]  # one factor: a row per upload
    assert writer.rows_written == 120_000 and writer.errors == 0 and writer.queue_depth == 0
    assert writer.batches >= 2  # coalesced into batches of at most max_batch (100,000)
    writer.close()


def test_a_resent_reading_replaces_the_stored_one(storage):
    storage.write_readings([Reading("AIR01", PM25, DAY, 10.0, "N")])
    storage.write_readings([Reading("AIR01", PM25, DAY, 12.0, "D")])
    assert storage.history("AIR01", PM25, DAY, DAY + 60) == [HistoryPoint(DAY, 12.0, "D", 1)]


@pytest.mark.parametrize(
    ("backend", "merge_in_db"),
    [("sqlite", True), ("sqlite", False), ("postgresql", False)],
    ids=["sqlite-function", "sqlite-read-and-merge", "postgresql"],
)
def test_a_second_upload_of_the_same_moment_is_merged_not_lost(tmp_path, backend, merge_in_db):
    """Minute data and the hourly AQI derived at the same time, or a partial re-send: one row, all values."""
    with fresh_database(backend, tmp_path) as url:
        storage = Storage(url)
        storage._merge_in_db = merge_in_db  # the read-and-merge path is the one PostgreSQL takes
        try:
            _second_upload_is_merged(storage)
        finally:
            storage.close()


def _second_upload_is_merged(storage: Storage) -> None:
    storage.write_readings([Reading("AIR01", PM25, DAY, 10.0), Reading("AIR01", O3, DAY, 80.0)])
    storage.write_readings([Reading("AIR01", "AQI_H", DAY, 55.0), Reading("AIR01", O3, DAY, 81.0, "D")])
    assert storage.readings_between(DAY, DAY) == [
        Reading("AIR01", "AQI_H", DAY, 55.0),
        Reading("AIR01", O3, DAY, 81.0, "D"),
        Reading("AIR01", PM25, DAY, 10.0),
    ]
    assert _rows(storage, "SELECT count(*) FROM frames") == [(1,)]


def test_paging_through_every_station_returns_each_reading_once(storage):
    """Pages end inside an upload; the next page goes on with the same upload's later factors."""
    written = [
        Reading(f"S{s}", factor, DAY + 60 * m, float(s * 100 + m), "N")
        for s in range(3)
        for m in range(4)
        for factor in (O3, PM25, "a21026")
    ]
    storage.write_readings(written)
    for limit in (1, 2, 5, 7, 36, 50):
        pages, after = [], None
        while True:
            page = storage.readings_between(DAY, DAY + 3600, after, limit)
            pages += page
            if len(page) < limit:
                break
            after = (page[-1].station, page[-1].factor, page[-1].ts)
        order = lambda r: (r.station, r.ts, r.factor)  # noqa: E731
        assert sorted(pages, key=order) == pages == sorted(written, key=order), limit


def test_a_database_of_schema_1_is_moved_to_uploads_without_losing_a_reading(db_url):
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        conn.exec_driver_sql("INSERT INTO schema_version VALUES (1)")
        for name, key in (("readings", "station, factor, ts"), ("latest_readings", "station, factor")):
            conn.exec_driver_sql(
                f"CREATE TABLE {name} (station TEXT, factor TEXT, ts FLOAT NOT NULL, value FLOAT NOT NULL,"
                f" flag CHAR(1) NOT NULL, PRIMARY KEY ({key}))"
            )
        old = [("AIR01", f, DAY + 60 * m, float(m), "N") for m in range(5) for f in (PM25, O3)]
        insert = "INSERT INTO {} VALUES (:s, :f, :t, :v, :g)"
        rows = lambda found: [dict(zip("sftvg", row, strict=True)) for row in found]  # noqa: E731
        conn.execute(sa.text(insert.format("readings")), rows([*old, ("AIR02", PM25, DAY, 7.0, "D")]))
        latest = [("AIR01", PM25, DAY + 240, 4.0, "N"), ("AIR02", PM25, DAY, 7.0, "D")]
        conn.execute(sa.text(insert.format("latest_readings")), rows(latest))
    engine.dispose()
    storage = Storage(db_url)
    assert [p.value for p in storage.history("AIR01", O3, DAY, DAY + 3600)] == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert len(storage.readings_between(0, DAY + 3600)) == 11
    assert storage.latest() == [Reading("AIR01", PM25, DAY + 240, 4.0), Reading("AIR02", PM25, DAY, 7.0, "D")]
    storage.write_readings([Reading("AIR01", PM25, DAY + 300, 5.0)])  # the writer takes up the old latest
    assert storage.latest("AIR01") == [Reading("AIR01", PM25, DAY + 300, 5.0)]
    storage.close()
    assert "readings" not in _tables(db_url)
    assert _rows(db_url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]


def test_invalid_rows_are_dropped_without_losing_their_batch(storage):
    writer = StorageWriter(storage)
    bad = [Reading("AIR01", PM25, DAY + 1, None), Reading("AIR01", PM25, DAY + 2, math.nan)]
    bad += [Reading("AIR01", PM25, DAY + 3, math.inf), Reading("AIR01", PM25, DAY + 4, 1.0, "XY")]
    writer.submit([*_minutes(DAY, 3), *bad])
    assert writer.flush(timeout=10)
    assert [p.ts for p in storage.history("AIR01", PM25, DAY, DAY + 3600)] == [DAY, DAY + 60, DAY + 120]
    assert (writer.rows_written, writer.rows_rejected, writer.errors) == (3, 4, 0)
    writer.close()


def test_a_write_refused_by_a_locked_database_is_retried_until_stored(db_path):
    """SQLite's write lock held by another process ("database is locked")."""
    storage = Storage(f"sqlite:///{db_path}")
    storage.upsert_stations([(_station("AIR01"), "pw1")])
    writer = StorageWriter(storage)
    told: list[bool] = []
    locker = sqlite3.connect(db_path, isolation_level=None)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock: "database is locked"
    try:
        writer.submit(_minutes(DAY, 5))
        writer.notify(told.append)
        _wait_until(lambda: writer.retry_pending == 5)
        assert writer.errors >= 1 and writer.queue_depth == 5 and not told
    finally:
        locker.execute("COMMIT")
        locker.close()
    assert writer.flush(timeout=30)
    assert told == [True] and writer.rows_dropped == 0 and writer.retry_pending == 0
    assert len(storage.history("AIR01", PM25, DAY, DAY + 3600)) == 5 and writer.rows_written == 5
    writer.close()
    storage.close()


def test_a_write_cut_by_the_postgresql_server_is_retried_until_stored(tmp_path):
    """PostgreSQL's counterpart: the server ends the writer's connections (a restart, a failover)."""
    with fresh_database("postgresql", tmp_path) as url:
        storage = Storage(url)
        storage.upsert_stations([(_station("AIR01"), "pw1")])
        writer, told = StorageWriter(storage), []
        writer.submit(_minutes(DAY, 5))
        assert writer.flush(timeout=30)
        database = sa.make_url(url).database
        admin = sa.create_engine(sa.make_url(url).set(database="postgres"))
        with admin.begin() as conn:  # every connection of the pool is gone under the writer
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (database,)
            )
        admin.dispose()
        writer.submit(_minutes(DAY + 300, 5))
        writer.notify(told.append)
        assert writer.flush(timeout=30)
        assert told == [True] and writer.rows_dropped == 0 and writer.errors >= 1
        assert len(storage.history("AIR01", PM25, DAY, DAY + 3600)) == 10 and writer.rows_written == 10
        writer.close()
        storage.close()


class _BrokenOnce(Storage):
    """A write that fails for a reason no retry can mend (a bug, bad data): there is no real one to use."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.failed = threading.Event()

    def write(self, batch, uploads, parts=None):
        if not self.failed.is_set():
            self.failed.set()
            raise ValueError("cannot store this")
        return super().write(batch, uploads, parts)


def test_a_batch_failing_for_other_reasons_is_given_up_and_its_waiters_told(db_url, caplog):
    storage = _BrokenOnce(db_url)
    writer, told = StorageWriter(storage), []
    writer.submit(_minutes(DAY, 5))
    writer.notify(told.append)
    assert writer.flush(timeout=10)
    writer.submit(_minutes(DAY + 3600, 5))
    writer.notify(told.append)
    assert writer.flush(timeout=10)
    assert told == [False, True]
    assert (writer.errors, writer.rows_dropped, writer.rows_written) == (1, 5, 5)
    assert "not retried, dropped" in caplog.text
    assert len(storage.history("AIR01", PM25, DAY, DAY + 7200)) == 5
    writer.close()
    storage.close()


def _wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


def test_close_flushes_and_refuses_more(storage):
    writer = StorageWriter(storage, max_delay=5.0)
    writer.submit(_minutes(DAY, 10))
    writer.submit_status("AIR01", "online", DAY, "")
    assert writer.close(timeout=10)
    assert len(storage.history("AIR01", PM25, DAY, DAY + 3600)) == 10
    assert storage.load_status()["AIR01"].status == "online"
    with pytest.raises(RuntimeError):
        writer.submit(_minutes(DAY, 1))


def test_latest_gives_the_newest_reading_of_each_station_and_factor(storage):
    storage.write_readings([*_minutes(DAY, 5, 1.0), *_minutes(DAY, 3, 2.0, factor=O3)])
    storage.write_readings([Reading("AIR02", PM25, DAY, 7.0), Reading("AIR01", PM25, DAY - 60, 9.0)])
    assert storage.latest() == [
        Reading("AIR01", O3, DAY + 120, 2.0),
        Reading("AIR01", PM25, DAY + 240, 1.0),  # the older late reading did not replace it
        Reading("AIR02", PM25, DAY, 7.0),
    ]
    assert storage.latest("AIR02") == [Reading("AIR02", PM25, DAY, 7.0)]


def test_uploads_and_readings_are_stored_together_and_a_resend_in_the_same_batch_wins(storage):
    """The ingest hands whole uploads over; derived readings come one by one into the same rows."""
    first = ("AIR01", DAY, {PM25: (10.0, "N"), O3: (80.0, "N")})
    resent = ("AIR01", DAY, {O3: (81.0, "D")})
    later = ("AIR01", DAY + 60, {PM25: (11.0, "N")})
    stored = storage.write([Reading("AIR01", "AQI_H", DAY, 55.0)], [first, resent, later])
    assert stored == 5
    assert storage.readings_between(DAY, DAY + 60) == [
        Reading("AIR01", "AQI_H", DAY, 55.0),
        Reading("AIR01", O3, DAY, 81.0, "D"),
        Reading("AIR01", PM25, DAY, 10.0),
        Reading("AIR01", PM25, DAY + 60, 11.0),
    ]
    assert storage.latest("AIR01") == [
        Reading("AIR01", "AQI_H", DAY, 55.0),
        Reading("AIR01", O3, DAY, 81.0, "D"),
        Reading("AIR01", PM25, DAY + 60, 11.0),
    ]


def test_a_late_upload_updates_only_the_factors_it_is_newest_for(storage, db_url):
    storage.write([], [("AIR01", DAY + 600, {PM25: (20.0, "N")})])
    storage.write([], [("AIR01", DAY, {PM25: (1.0, "N"), O3: (2.0, "N")})])  # a re-send from an outage
    expected = [Reading("AIR01", O3, DAY, 2.0), Reading("AIR01", PM25, DAY + 600, 20.0)]
    assert storage.latest("AIR01") == expected
    reopened = Storage(db_url)  # a new writer takes the newest values up from the database
    reopened.write([], [("AIR01", DAY + 300, {PM25: (5.0, "N"), O3: (6.0, "N")})])
    assert reopened.latest("AIR01") == [Reading("AIR01", O3, DAY + 300, 6.0), expected[1]]
    reopened.close()


def test_the_writer_counts_uploads_it_stored(storage):
    writer = StorageWriter(storage)
    writer.submit_uploads(
        [("AIR01", DAY + 60 * m, {PM25: (float(m), "N"), O3: (1.0, "N")}) for m in range(3)]
    )
    writer.submit(_minutes(DAY + 3600, 2))
    assert writer.flush(timeout=10)
    assert (writer.rows_written, writer.rows_rejected, writer.queue_depth) == (8, 0, 0)
    assert [p.value for p in storage.history("AIR01", PM25, DAY, DAY + 180)] == [0.0, 1.0, 2.0]
    writer.close()


def test_raw_history_keeps_every_row_with_its_flag(storage):
    storage.write_readings([*_minutes(DAY, 2), Reading("AIR01", PM25, DAY + 120, 99.0, "D")])
    assert storage.history("AIR01", PM25, DAY, DAY + 180, "raw") == [
        HistoryPoint(DAY, 10.0, "N", 1),
        HistoryPoint(DAY + 60, 10.0, "N", 1),
        HistoryPoint(DAY + 120, 99.0, "D", 1),
    ]


def test_hourly_history_applies_the_75_percent_rule_and_keeps_gaps(storage):
    storage.write_readings(
        [
            *_minutes(DAY, 45, 20.0),  # 45 of 60: valid
            *_minutes(DAY + 45 * 60, 15, 500.0, flag="D"),  # flagged values never count
            *_minutes(DAY + 3600, 44, 30.0),  # 44 of 60: insufficient
            *_minutes(DAY + 3 * 3600, 60, 40.0, flag="M"),  # nothing valid: left out like the empty hour
            *_minutes(DAY + 4 * 3600, 60, 50.0),
        ]
    )
    assert storage.history("AIR01", PM25, DAY + 1800, DAY + 5 * 3600, "1h") == [
        HistoryPoint(DAY, 20.0, "N", 45),
        HistoryPoint(DAY + 3600, 30.0, "I", 44),
        HistoryPoint(DAY + 4 * 3600, 50.0, "N", 60),
    ]


def test_hourly_history_uses_the_station_interval(storage):
    storage.upsert_stations([(_station("AIR01", interval_s=300), "pw1")])
    storage.write_readings([Reading("AIR01", PM25, DAY + 300 * i, 5.0) for i in range(9)])  # 9 of 12
    assert storage.history("AIR01", PM25, DAY, DAY + 3600, "1h") == [HistoryPoint(DAY, 5.0, "N", 9)]


def _hours(day: float, hours, value, factor: str = PM25) -> list[Reading]:
    return [r for h in hours for r in _minutes(day + h * 3600, 60, value(h), factor)]


def test_daily_history_needs_20_valid_hourly_means(storage):
    storage.write_readings(_hours(DAY, range(20), float))  # hourly means 0 … 19
    storage.write_readings(_hours(DAY + 86400, range(19), float))
    storage.write_readings(_minutes(DAY + 86400 + 20 * 3600, 30, 1000.0))  # an insufficient hour: not used
    assert storage.history("AIR01", PM25, DAY, DAY + 3 * 86400, "1d") == [
        HistoryPoint(DAY, fmean(range(20)), "N", 20),
        HistoryPoint(DAY + 86400, fmean(range(19)), "I", 19),
    ]
    assert storage.history("AIR01", PM25, DAY + 7200, DAY + 10800, "1d")[0].flag == "N"  # days are whole


def test_daily_history_labels_local_days(storage):
    storage.write_readings(_hours(DAY - 3600, range(2), float))  # 23:00 the day before and 00:00
    points = storage.history("AIR01", PM25, DAY - 86400, DAY + 86400, "1d")
    assert [(p.ts, p.value, p.flag) for p in points] == [(DAY - 86400, 0.0, "I"), (DAY, 1.0, "I")]


def test_o3_daily_history_is_the_maximum_8_hour_mean(storage):
    profile = [20, 20, 20, 30, 40, 60, 90, 120, 150, 170, 180, 175]
    profile += [160, 140, 120, 100, 80, 60, 40, 30, 25, 20, 20, 20]
    storage.write_readings(_hours(DAY, range(24), lambda h: float(profile[h]), O3))
    storage.write_readings(_hours(DAY + 86400, range(14), lambda h: float(profile[h]), O3))
    full = max(fmean(profile[first : first + 8]) for first in range(17))
    partial = max(fmean(profile[first : min(first + 8, 14)]) for first in range(9))  # 6+ hours a window
    points = storage.history("AIR01", O3, DAY, DAY + 2 * 86400, "1d")
    assert points == [
        HistoryPoint(DAY, pytest.approx(full), "N", 17),
        HistoryPoint(DAY + 86400, pytest.approx(partial), "I", 9),  # windows 00–08 … 08–16: 9 of 14
    ]
    assert all(type(p.ts) is float for p in points)


def test_unknown_resolution_is_refused(storage):
    with pytest.raises(ValueError, match="resolution"):
        storage.history("AIR01", PM25, DAY, DAY + 60, "5m")


def test_many_uploads_go_in_few_statements_and_a_resend_among_them_is_merged(storage):
    """Uploads are inserted a few hundred rows a statement; a row already stored is merged, not doubled."""
    storage.write([], [("AIR01", DAY, {PM25: (1.0, "N")})])
    uploads = [(f"S{i:03d}", DAY + 60 * (i % 7), {PM25: (float(i), "N")}) for i in range(1000)]
    uploads.append(("AIR01", DAY, {O3: (2.0, "N")}))
    assert storage.write([], uploads) == 1001
    assert _rows(storage, "SELECT count(*) FROM frames") == [(1001,)]
    assert storage.readings_between(DAY, DAY, limit=5)[:2] == [
        Reading("AIR01", O3, DAY, 2.0),
        Reading("AIR01", PM25, DAY, 1.0),
    ]
    assert len(storage.latest()) == 1002


def test_postgresql_keeps_uploads_in_month_partitions_and_partitions_an_older_table(tmp_path):
    """PostgreSQL only: ``frames`` is partitioned by UTC month; a table made before that is moved into it."""
    jan, feb = 1704067200.0, 1706745600.0  # 2024-01-01 and 2024-02-01 00:00 UTC
    with fresh_database("postgresql", tmp_path) as url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:  # what an unpartitioned database looks like
            conn.exec_driver_sql("CREATE TABLE frames (station TEXT, ts FLOAT, data BYTEA NOT NULL,"
                                 " PRIMARY KEY (station, ts))")  # fmt: skip
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO frames VALUES (%s, %s, %s)", ("AIR01", jan - 60, _packed({PM25: (7.0, "N")}))
            )
        storage = Storage(url)
        storage.upsert_stations([(_station("AIR01"), "pw1")])
        storage.write([], [("AIR01", jan + 60, {PM25: (1.0, "N")}), ("AIR01", feb, {PM25: (2.0, "N")})])
        assert [(r.ts, r.value) for r in storage.readings_between(0, 2e9)] == [
            (jan - 60, 7.0), (jan + 60, 1.0), (feb, 2.0)
        ]  # fmt: skip
        partitions = _rows(
            storage, "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'frames'::regclass"
        )
        assert sorted(name for (name,) in partitions) == [
            "frames_y2023m12",
            "frames_y2024m01",
            "frames_y2024m02",
        ]
        assert _rows(storage, "SELECT count(*) FROM frames_y2024m02") == [(1,)]
        storage.close()
        engine.dispose()


def _packed(values) -> bytes:
    from console.hub.storage import _pack

    return _pack(values)
