"""The cache's last picture read without SQLAlchemy: the same picture the cache proper reads, and a file it
cannot read so (older schema, damaged) is left to the cache proper, which migrates or sets it aside."""

from __future__ import annotations

import asyncio
import sqlite3

import msgspec
import pytest

from console.core import protocol
from console.core.cache import Cache
from console.core.cache_picture import read_picture
from console.core.clock import ManualClock
from console.core.session import ConsoleSession
from tests.core.test_session import T0, snapshot

RED = protocol.WarningState(
    1, "red", "issued", "2020-09-13", "2020-09-15", T0 + 3 * 86400, "stop building sites"
)
REGION = {"name": "延庆区", "townships": [{"id": "T01", "name": "东镇"}], "boundary": {"features": []}}


async def filled(path) -> None:
    session = ConsoleSession(path, clock=ManualClock(T0))
    session.apply(msgspec.structs.replace(snapshot(seq=7), warnings=[RED]))
    session.local.remember_region(REGION)
    await session.close()


@pytest.mark.asyncio
async def test_the_picture_is_the_one_the_cache_reads(tmp_path) -> None:
    path = tmp_path / "cache.db"
    await filled(path)
    picture = read_picture(path)
    cache = Cache(path)
    try:
        assert picture is not None and picture.snapshot is not None
        assert picture.snapshot == cache.load_snapshot()
        assert (picture.snapshot.epoch, picture.snapshot.seq) == ("e1", 7)
        assert picture.region == REGION
    finally:
        cache.close()


@pytest.mark.asyncio
async def test_a_session_restores_the_picture_and_its_region_then_keeps_recording(tmp_path) -> None:
    path = tmp_path / "cache.db"
    await filled(path)
    session = ConsoleSession(path, clock=ManualClock(T0))
    try:
        assert session.restore()
        assert set(session.store.stations) == {"A-1"} and session.store.latest["A-1"]["a34004"].value == 30.0
        assert session.book.get("INC-1") is not None
        assert session.cached_region() == REGION
        assert list(session.warnings.values()) == [RED]  # the open warning's banner comes with the picture
        session.apply(snapshot(seq=8))  # the cache opens on first use and records as before
    finally:
        await session.close()
    assert read_picture(path).snapshot.seq == 8


@pytest.mark.asyncio
async def test_an_older_cache_is_migrated_and_its_picture_still_shown(tmp_path) -> None:
    path = tmp_path / "cache.db"
    await filled(path)
    with sqlite3.connect(path) as conn:  # as a console before incidents were cached left it
        conn.execute("DROP TABLE incidents")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    assert read_picture(path) is None  # not read here: the cache proper migrates it first
    session = ConsoleSession(path, clock=ManualClock(T0))
    try:
        assert session.restore() and set(session.store.stations) == {"A-1"}
        assert session.cached_region() == REGION
    finally:
        await session.close()


def test_no_file_or_a_damaged_one_gives_no_picture(tmp_path) -> None:
    assert read_picture(tmp_path / "none.db") is None
    assert not (tmp_path / "none.db").exists()  # nothing created by looking
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database" * 100)
    assert read_picture(damaged) is None


@pytest.mark.asyncio
async def test_a_damaged_cache_is_set_aside_and_the_wall_starts_empty(tmp_path) -> None:
    path = tmp_path / "cache.db"
    path.write_bytes(b"not a database" * 100)
    session = ConsoleSession(path, clock=ManualClock(T0))
    try:
        assert not session.restore() and not session.store.stations
    finally:
        await session.close()
    assert list(tmp_path.glob("cache.db.unreadable-*"))  # kept, never deleted


def test_reading_never_blocks_on_a_writer(tmp_path) -> None:
    asyncio.run(filled(tmp_path / "cache.db"))
    with sqlite3.connect(tmp_path / "cache.db") as writer:
        writer.execute("BEGIN IMMEDIATE")  # a write in progress (WAL: readers go on)
        picture = read_picture(tmp_path / "cache.db")
        writer.rollback()
    writer.close()
    assert picture is not None and picture.snapshot is not None
