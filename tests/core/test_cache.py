"""The console cache on real SQLite files: round trip, position with its data, retention, schema, kill -9."""

from __future__ import annotations

import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from console.core import cache as cache_module
from console.core import protocol
from console.core.cache import DAY_S, HOUR_S, Cache, CacheSchemaError, CacheWriter, HistoryRow, WriteGate
from console.core.incidents import Incident, IncidentState, Severity, Source
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.store import Store
from tests.core import cache_crash_child as child

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0
H0 = 1_699_999_200.0  # an hour boundary just before T0
PM25, NO2 = "a34004", "a21004"


def station(sid: str, kind: StationKind = StationKind.AIR) -> Station:
    return Station(
        id=sid, name=f"站 {sid}", kind=kind, township="110119001", lon=115.97, lat=40.45, mn=f"MN{sid}",
        st="22", factors=(PM25, NO2), zone="II",
    )  # fmt: skip


def snapshot(seq: int = 10, sids: tuple[str, ...] = ("A", "W")) -> protocol.Snapshot:
    kinds = {"A": StationKind.AIR, "W": StationKind.WATER, "M": StationKind.MICRO}
    return protocol.Snapshot(
        epoch="e1",
        seq=seq,
        stations=[station(sid, kinds[sid]) for sid in sids],
        latest=[Reading(sid, PM25, T0, 30.0) for sid in sids],
        status=[protocol.StatusEntry(sid, StationStatus.ONLINE, T0 - 600) for sid in sids],
    )


def incident(iid: str, version: int, state: IncidentState = IncidentState.DISCOVERED) -> Incident:
    return Incident(
        id=iid, version=version, state=state, source=Source.RULE, category="air", severity=Severity.HIGH,
        title="PM2.5", reason="over the limit", created=T0, updated=T0 + version, station="A",
    )  # fmt: skip


def readings(seq: int, *items: Reading) -> protocol.Readings:
    return protocol.Readings(epoch="e1", seq=seq, items=list(items))


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "console" / "cache.db"


@pytest.fixture
def cache(path):
    opened = Cache(path)
    yield opened
    opened.close()


@pytest.fixture
def writer(cache):
    started = CacheWriter(cache, max_delay=0.02, clock=lambda: T0 + DAY_S)
    yield started
    assert started.close()


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


# --- round trip -----------------------------------------------------------------------------------------


def test_a_restarted_console_paints_from_the_cache_what_it_showed_live(path, cache, writer):
    live = Store()
    fault = protocol.StatusEntry("A", StationStatus.FAULT, T0 + 60, "flag D")
    messages = [
        snapshot(seq=10),
        readings(11, Reading("A", PM25, T0 + 60, 35.0), Reading("A", NO2, T0 + 60, 20.0, "D")),
        protocol.StationEvent(epoch="e1", seq=12, entry=fault),
        readings(
            13, Reading("W", PM25, T0 + 30, 31.0), Reading("A", PM25, T0 + 30, 99.0)
        ),  # late: not latest
    ]
    for message in messages:
        live.apply(message)
        writer.submit_event(message)
    assert writer.flush(10) and writer.errors == 0
    writer.close()
    cache.close()

    reopened = Cache(path)  # the next start, hub unreachable
    loaded = reopened.load_snapshot()
    offline = Store()
    offline.apply(loaded)
    assert (loaded.epoch, loaded.seq) == ("e1", 13) == reopened.position()
    assert offline.stations == live.stations
    assert offline.latest == live.latest and offline.value("A", PM25).value == 35.0
    assert offline.status == live.status and offline.station_status("A") == StationStatus.FAULT
    assert reopened.history("A", PM25, T0, T0 + HOUR_S) == [
        HistoryRow(T0, 30.0, "N", False),
        HistoryRow(T0 + 30, 99.0, "N", False),
        HistoryRow(T0 + 60, 35.0, "N", False),
    ]
    assert reopened.meta("last_data_time") == T0 + 60
    reopened.close()


def test_an_empty_cache_has_no_snapshot_and_no_position(cache):
    assert cache.load_snapshot() is None and cache.position() is None and cache.meta("region") is None


def test_a_new_snapshot_drops_stations_the_hub_no_longer_has(cache, writer):
    writer.submit_event(snapshot(seq=10, sids=("A", "W")))
    writer.submit_event(snapshot(seq=3, sids=("A", "M")))
    writer.flush(10)
    loaded = cache.load_snapshot()
    assert [s.id for s in loaded.stations] == ["A", "M"]
    assert {r.station for r in loaded.latest} == {e.station for e in loaded.status} == {"A", "M"}
    assert loaded.seq == 3


def test_backfilled_history_is_marked_and_never_replaces_a_live_value(cache, writer):
    writer.submit_event(readings(1, Reading("A", PM25, T0, 30.0)))
    writer.submit_readings([Reading("A", PM25, T0 - 60, 28.0), Reading("A", PM25, T0, 30.0)], backfilled=True)
    writer.submit_readings([Reading("A", PM25, T0 + 60, 33.0)], backfilled=True)
    writer.submit_meta("region", {"code": "110119", "name": "延庆区"})
    writer.flush(10)
    assert cache.history("A", PM25, T0 - 60, T0 + 120) == [
        HistoryRow(T0 - 60, 28.0, "N", True),
        HistoryRow(T0, 30.0, "N", False),
        HistoryRow(T0 + 60, 33.0, "N", True),
    ]
    assert cache.load_snapshot() is None  # no stations yet: nothing to paint
    assert [(r.ts, r.value) for r in _latest(cache)] == [(T0, 30.0)]  # back-fill does not move latest
    assert cache.meta("region") == {"code": "110119", "name": "延庆区"}


def _latest(cache: Cache) -> list[Reading]:
    with sqlite3.connect(cache.path) as conn:
        return [Reading(*row) for row in conn.execute("SELECT station, factor, ts, value, flag FROM latest")]


def test_readings_without_a_finite_value_are_dropped_not_the_batch(cache, writer):
    writer.submit_event(readings(7, Reading("A", PM25, T0, math.nan), Reading("A", NO2, T0, 12.0)))
    writer.flush(10)
    assert (writer.rows_written, writer.rows_rejected, writer.errors) == (1, 1, 0)
    assert cache.position() == ("e1", 7)


# --- the position never runs ahead of the data -------------------------------------------------------------


def test_each_transaction_saves_the_position_of_its_last_event_with_all_data_before_it(cache, monkeypatch):
    commits: list[tuple[tuple[str, int], int]] = []
    write = cache.write

    def write_and_look(ops):
        result = write(ops)
        commits.append((cache.position(), _rows(cache.path, "SELECT count(*) FROM readings")[0][0]))
        return result

    monkeypatch.setattr(cache, "write", write_and_look)
    writer = CacheWriter(cache, max_batch=250, max_delay=0.05, clock=lambda: T0)
    for seq in range(1, 41):
        writer.submit_event(child.event("e1", seq))
    assert writer.close()
    assert len(commits) > 5  # several transactions, each ending with a whole event
    assert all(count == seq * child.PER_EVENT for (_, seq), count in commits)
    assert commits[-1][0] == ("e1", 40)


def _fail_first_write(cache, monkeypatch) -> None:
    write, calls = cache.write, []

    def fail_once(ops):
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("disk I/O error")
        return write(ops)

    monkeypatch.setattr(cache, "write", fail_once)


def test_a_failed_write_is_retried_and_loses_nothing(cache, writer, monkeypatch):
    writer.submit_event(readings(1, Reading("A", PM25, T0, 30.0)))
    writer.flush(10)
    _fail_first_write(cache, monkeypatch)
    writer.submit_event(readings(2, Reading("A", PM25, T0 + 60, 31.0)))
    writer.flush(10)
    assert writer.errors == 1 and writer.rows_dropped == 0 and not writer.positions_frozen
    assert [row.value for row in cache.history("A", PM25, T0, T0 + 300)] == [30.0, 31.0]
    assert cache.position() == ("e1", 2)


def test_a_write_given_up_freezes_positions_until_a_snapshot(cache, monkeypatch):
    writer = CacheWriter(cache, max_delay=0.02, clock=lambda: T0 + DAY_S, retry_for=0)
    writer.submit_event(readings(1, Reading("A", PM25, T0, 30.0)))
    writer.flush(10)
    _fail_first_write(cache, monkeypatch)
    writer.submit_event(readings(2, Reading("A", PM25, T0 + 60, 31.0)))
    writer.flush(10)
    writer.submit_event(readings(3, Reading("A", PM25, T0 + 120, 32.0)))
    writer.flush(10)
    assert writer.errors == 1 and writer.rows_dropped == 1 and writer.positions_frozen
    assert [row.value for row in cache.history("A", PM25, T0, T0 + 300)] == [30.0, 32.0]
    assert cache.position() == ("e1", 1)  # event 2 is missing: resuming after 3 would skip it
    writer.submit_event(snapshot(seq=50))
    writer.flush(10)
    assert cache.position() == ("e1", 50) and not writer.positions_frozen
    assert writer.close()


def test_submitting_after_close_is_refused(cache):
    writer = CacheWriter(cache)
    assert writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit_position("e1", 1)


# --- retention ---------------------------------------------------------------------------------------------


def _old_hours() -> list[Reading]:
    first = [Reading("A", PM25, H0 + 600 * i, v) for i, v in enumerate([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])]
    invalid = [Reading("A", PM25, H0 + 300, 999.0, "D")]  # flagged: never part of a mean
    second = [Reading("A", PM25, H0 + HOUR_S + 600, 5.0), Reading("A", NO2, H0 + HOUR_S + 1200, 7.0)]
    return first + invalid + second + [Reading("B", PM25, H0, 12.0)]  # B: same time as A's first


@pytest.mark.parametrize("rows_per_transaction", [1, cache_module.PRUNE_ROWS])
def test_retention_folds_old_raw_readings_into_hourly_means_and_deletes_them(
    cache, writer, monkeypatch, rows_per_transaction
):
    monkeypatch.setattr(cache_module, "PRUNE_ROWS", rows_per_transaction)  # hours folded in pieces, or whole
    now = H0 + 10 * DAY_S
    recent = [Reading("A", PM25, now - HOUR_S, 42.0)]
    writer.submit_readings(_old_hours() + recent)
    writer.flush(10)
    assert cache.prune(now, raw_days=7, hourly_days=365) == (10, 0)
    assert cache.history("A", PM25, H0, now) == [
        HistoryRow(H0, 35.0, "N", False), HistoryRow(H0 + HOUR_S, 5.0, "N", False),
        HistoryRow(now - HOUR_S, 42.0, "N", False),
    ]  # fmt: skip
    hourly = _rows(cache.path, "SELECT * FROM readings_hourly ORDER BY station, factor, ts")
    assert [(station, factor, ts, value, count) for station, factor, ts, value, _, _, count in hourly] == [
        ("A", NO2, H0 + HOUR_S, 7.0, 1),
        ("A", PM25, H0, 35.0, 6),
        ("A", PM25, H0 + HOUR_S, 5.0, 1),
        ("B", PM25, H0, 12.0, 1),
    ]
    assert _rows(cache.path, "SELECT count(*) FROM readings") == [(1,)]


def test_late_data_for_a_folded_hour_is_merged_into_its_mean(cache, writer):
    now = H0 + 10 * DAY_S
    writer.submit_readings(_old_hours())
    writer.flush(10)
    cache.prune(now)
    writer.submit_readings([Reading("A", PM25, H0 + 3000, 140.0)], backfilled=True)  # back-fill arrives late
    writer.flush(10)
    cache.prune(now)
    assert cache.history("A", PM25, H0, H0 + 1) == [HistoryRow(H0, 50.0, "N", True)]  # (6 × 35 + 140) / 7
    counts = _rows(
        cache.path,
        f"SELECT count FROM readings_hourly WHERE station = 'A' AND factor = '{PM25}' AND ts = {H0}",
    )
    assert counts == [(7,)]


def test_hourly_means_older_than_their_retention_are_dropped(cache, writer):
    writer.submit_readings(_old_hours())
    writer.flush(10)
    cache.prune(H0 + 10 * DAY_S)
    assert cache.prune(H0 + 366 * DAY_S, hourly_days=365) == (0, 4)
    assert cache.history("A", PM25, H0, H0 + DAY_S) == []


def test_the_writer_applies_retention_on_its_own_thread(cache):
    now = H0 + 10 * DAY_S
    writer = CacheWriter(cache, max_delay=0.01, raw_days=7, prune_interval_s=0.0, clock=lambda: now)
    writer.submit_readings(_old_hours())
    writer.flush(10)
    assert writer.prunes >= 1 and writer.errors == 0
    assert [row.ts for row in cache.history("A", PM25, H0, now)] == [H0, H0 + HOUR_S]
    assert writer.close()


# --- schema ------------------------------------------------------------------------------------------------


def test_a_new_cache_is_in_wal_mode_with_its_schema_version(cache):
    tables = {name for (name,) in _rows(cache.path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {
        "meta",
        "stations",
        "latest",
        "status",
        "readings",
        "readings_hourly",
        "outbox",
        "incidents",
    } <= tables
    assert _rows(cache.path, "PRAGMA journal_mode") == [("wal",)]
    assert cache.meta("schema_version") == cache_module.SCHEMA_VERSION == 2


def test_a_version_0_database_is_migrated_and_keeps_its_data(path):
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("""INSERT INTO meta VALUES ('schema_version', '0'), ('region', '{"name": "yanqing"}')""")
    cache = Cache(path)
    assert cache.meta("schema_version") == 2 and cache.meta("region") == {"name": "yanqing"}
    assert cache.load_snapshot() is None and cache.history("A", PM25, 0, T0) == []
    cache.close()


def test_missing_tables_are_created_around_the_ones_that_exist(path):
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as conn:  # no meta table at all: a file from before versioning
        conn.execute("CREATE TABLE stations (id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        conn.execute("INSERT INTO stations VALUES ('A', ?)", (protocol.encode(station("A")).decode(),))
    cache = Cache(path)
    assert cache.load_snapshot().stations == [station("A")] and cache.meta("schema_version") == 2
    cache.close()


def test_a_cache_from_a_newer_console_is_refused_and_left_alone(path):
    Cache(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    with pytest.raises(CacheSchemaError, match="schema version 3, newer than this console's 2"):
        Cache(path)
    assert _rows(path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("3",)]


def test_migrations_run_one_version_at_a_time(path, monkeypatch):
    Cache(path).close()
    steps: list[int] = []

    def to_v2(conn):
        steps.append(2)
        conn.exec_driver_sql("ALTER TABLE stations ADD COLUMN note TEXT")

    def to_v3(conn):
        steps.append(3)
        conn.exec_driver_sql("UPDATE stations SET note = 'v3'")

    monkeypatch.setattr(cache_module, "SCHEMA_VERSION", 4)
    monkeypatch.setitem(cache_module.MIGRATIONS, 2, to_v2)
    monkeypatch.setitem(cache_module.MIGRATIONS, 3, to_v3)
    cache = Cache(path)
    assert steps == [2, 3] and cache.meta("schema_version") == 4
    assert "note" in {row[1] for row in _rows(path, "PRAGMA table_info(stations)")}
    cache.close()


def test_a_version_1_cache_gains_incidents_and_keeps_its_data(path):
    Cache(path).close()
    with sqlite3.connect(path) as conn:  # as the previous console left it
        conn.execute("DROP TABLE incidents")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        conn.execute("INSERT INTO stations VALUES ('A', ?)", (protocol.encode(station("A")).decode(),))
    cache = Cache(path)
    assert cache.meta("schema_version") == 2
    snapshot = cache.load_snapshot()
    assert snapshot.stations == [station("A")] and snapshot.incidents == []
    cache.close()


def test_incidents_are_kept_at_their_newest_version(cache):
    writer = CacheWriter(cache)
    first = incident("I1", version=3, state=IncidentState.DISPATCHED)
    writer.submit_event(protocol.IncidentEvent(epoch="e", seq=5, incident=first))
    writer.submit_event(protocol.IncidentEvent(epoch="e", seq=6, incident=incident("I1", version=2)))
    writer.submit_event(protocol.IncidentEvent(epoch="e", seq=7, incident=incident("I2", version=1)))
    writer.submit_stations([station("A")])
    assert writer.close()
    snapshot = cache.load_snapshot()
    assert [(i.id, i.version, i.state) for i in snapshot.incidents] == [
        ("I1", 3, IncidentState.DISPATCHED),
        ("I2", 1, IncidentState.DISCOVERED),
    ]
    assert cache.position() == ("e", 7)  # an incident event moves the position like any event


def test_a_snapshot_replaces_the_incidents(cache):
    writer = CacheWriter(cache)
    writer.submit_event(protocol.IncidentEvent(epoch="e", seq=1, incident=incident("OLD", version=1)))
    fresh = protocol.Snapshot(
        epoch="f",
        seq=9,
        stations=[station("A")],
        latest=[],
        status=[],
        incidents=[incident("NEW", version=4)],
    )
    writer.submit_event(fresh)
    assert writer.close()
    assert [i.id for i in cache.load_snapshot().incidents] == ["NEW"]


# --- kill -9 -----------------------------------------------------------------------------------------------


def _run_and_kill(path: Path, rng: random.Random) -> tuple[int, list[str]]:
    """Start the child, kill it with SIGKILL at a random moment; its start position and the ids it printed."""
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.core.cache_crash_child", str(path)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: list[str] = []
    first_id = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            lines.append(line.strip())
            if len(lines) >= 2:
                first_id.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert first_id.wait(30), "the child never added a command"
        threading.Event().wait(rng.uniform(0.05, 0.6))  # let it write for a random while
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        reader.join(10)
    assert proc.returncode == -signal.SIGKILL
    return int(lines[0].split()[1]), lines[1:]


def test_kill_9_while_writing_never_corrupts_the_cache_nor_loses_a_command(tmp_path):
    path, rng = tmp_path / "cache.db", random.Random(212)
    expected_start, given = 0, []
    for _ in range(5):
        start, ids = _run_and_kill(path, rng)
        given += ids
        assert _rows(path, "PRAGMA integrity_check") == [("ok",)]
        assert start == expected_start  # the next start resumes where the last one's data ended
        stored = {command_id for (command_id,) in _rows(path, "SELECT id FROM outbox")}
        assert set(given) <= stored
        cache = Cache(path)
        _, seq = cache.position() or ("", 0)
        cache.close()
        through_seq = _rows(path, f"SELECT count(*) FROM readings WHERE ts <= {child.T0 + 60.0 * seq}")
        assert seq >= start and through_seq == [(seq * child.PER_EVENT,)]  # every event up to it is stored
        expected_start = seq
    assert len(given) >= 5 and expected_start > 0


def test_an_operator_write_goes_before_the_next_batch():
    gate, order, release = WriteGate(), [], threading.Event()

    def batch(name: str) -> None:
        with gate.routine():
            order.append(name)
            if name == "batch 1":
                release.wait(10)

    def command() -> None:
        with gate.urgent():
            order.append("command")

    threads = [threading.Thread(target=batch, args=("batch 1",)), threading.Thread(target=command)]
    threads[0].start()
    while order != ["batch 1"]:
        threading.Event().wait(0.001)
    threads[1].start()
    while not gate._urgent:  # the command is waiting for the batch in progress
        threading.Event().wait(0.001)
    threads.append(threading.Thread(target=batch, args=("batch 2",)))
    threads[2].start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["batch 1", "command", "batch 2"]
