"""Readings re-sent long after their data time (a logger catching up after an outage) while a console was
away: the hub records them by arrival, and the console's resync fetches them, whatever their data time."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from console.core.hubapi import HubApi
from console.core.models import Reading
from console.core.session import ConsoleSession
from console.hub.storage import LATE_KEEP_S, Storage
from tests.net.applied import AppliedReadings
from tests.net.hubkit import STATIONS, TOKEN, Logger, running_hub, upload

T0 = float(int(time.time()) // 3600 * 3600 - 3 * 3600)  # recent: the console's cache keeps a week raw
MIN = 60.0
AIR = {"a34004": 35.0, "a34002": 60.0}


def start_console(port: int, cache: Path) -> tuple[ConsoleSession, AppliedReadings]:
    console = ConsoleSession(cache)
    applied = AppliedReadings(console)
    console.restore()
    console.connect(f"http://127.0.0.1:{port}", TOKEN)
    return console, applied


async def send(hub, station, minutes) -> None:
    logger = await Logger.connect(hub)
    for minute in minutes:
        await logger.send(upload(station, T0 + MIN * minute, {"a34004": 30.0 + minute, "a34002": 60.0}))
    await logger.close()


async def until(predicate, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


@pytest.mark.asyncio
async def test_the_hub_records_late_arrivals_and_answers_by_arrival(tmp_path) -> None:
    async with running_hub(tmp_path) as hub:
        await send(hub, STATIONS[0], range(30))  # the network's data clock reaches T0 + 29 min
        await until(lambda: hub.status.clock >= T0 + 29 * MIN)
        await send(hub, STATIONS[1], [25, 5])  # 25 is on time (4 min behind), 5 is 24 min behind: late
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        await until(lambda: (STATIONS[1].id, "a34004") in hub.latest)
        items, after = await api.readings(0, 0, arrived_since=T0 + 20 * MIN)
        assert after is None
        assert {(r.station, r.factor, r.ts) for r in items} == {
            (STATIONS[1].id, "a34004", T0 + 5 * MIN),
            (STATIONS[1].id, "a34002", T0 + 5 * MIN),
        }
        assert {r.value for r in items if r.factor == "a34004"} == {35.0}
        assert (await api.readings(0, 0, arrived_since=T0 + 30 * MIN))[0] == []  # arrived before that
        await api.close()


def test_late_arrivals_older_than_a_week_are_forgotten(tmp_path) -> None:
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    old = Reading("S-1", "a34004", T0, 10.0, "N")
    storage.write_readings([old])
    storage.write_late(T0 + 3600, [old])
    assert storage.late_since(T0) == [old]
    new = Reading("S-1", "a34004", T0 + 86_400, 11.0, "N")
    storage.write_readings([new])
    storage.write_late(T0 + 3600 + LATE_KEEP_S + 1, [new])
    assert storage.late_since(0) == [new]  # the week-old arrival is gone, its reading is not
    assert len(storage.readings_between(0, T0 + 2 * 86_400)) == 2
    storage.close()


@pytest.mark.asyncio
async def test_a_console_away_during_late_arrivals_gets_them_once(tmp_path) -> None:
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    async with running_hub(hub_dir) as hub:
        port = hub.http_port
        console, applied = start_console(port, tmp_path / "cache.db")
        await until(lambda: applied.snapshots == 1)
        await send(hub, STATIONS[0], range(60))
        await until(lambda: (STATIONS[0].id, "a34004", T0 + 59 * MIN) in applied.counts)
        await console.close()  # the console is away ...
    async with running_hub(hub_dir, http_port=port) as hub:  # ... while the hub restarts and
        await send(hub, STATIONS[0], range(60, 90))  # the network goes on, and a logger that was cut off
        await until(lambda: hub.status.clock >= T0 + 89 * MIN)
        await send(hub, STATIONS[1], range(10, 20))  # re-sends ten minutes from an hour ago
        await until(lambda: (STATIONS[1].id, "a34004") in hub.latest)
        console, applied = start_console(port, tmp_path / "cache.db")
        await until(lambda: applied.snapshots == 1)
        await console.caught_up(hub.events.epoch, hub.events.seq)
        late = {(STATIONS[1].id, "a34004", T0 + MIN * m) for m in range(10, 20)}
        assert late <= applied.keys()  # older than the gap by data time, fetched by arrival
        result = console.resync.results[-1]
        assert result.error == "" and result.late == 18  # ten minutes of two factors; the last came as latest
        assert applied.duplicates() == 0
        fresh = {(STATIONS[0].id, "a34004", T0 + MIN * m) for m in range(60, 90)}
        assert fresh <= applied.keys()
        await console.close()
