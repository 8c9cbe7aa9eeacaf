"""Soak: a console through a faulty network and a hub restart loses no reading and applies none twice."""

from __future__ import annotations

import asyncio
import math
import random
import time

import pytest

from console.core.link import Backoff
from console.core.models import StationKind
from console.core.session import ConsoleSession
from console.hub.storage import Storage
from tests.net.applied import AppliedReadings
from tests.net.hubkit import TOKEN, Logger, running_hub, station, upload
from tests.net.proxy import FaultProxy

pytestmark = pytest.mark.asyncio
T0 = (time.time() // 3600 - 24) * 3600  # recent: the console's cache keeps a week of raw data
STATIONS = [station(n, StationKind.AIR) for n in range(1, 31)]
DURATION_S, CUTS = 60.0, 20


class Producer:
    """Thirty loggers' worth of data: one minute of data time per 50 ms, retried across a hub restart."""

    def __init__(self) -> None:
        self.minute = 0
        self.hub = None
        self.running = True

    async def run(self) -> None:
        logger = None
        while self.running:
            if logger is None:
                try:
                    logger = await Logger.connect(self.hub)
                except (OSError, AttributeError):
                    await asyncio.sleep(0.05)
                    continue
            ts = T0 + 60 * self.minute
            try:
                for st in STATIONS:
                    await logger.send(upload(st, ts, {"a34004": 20 + self.minute % 50, "a34002": 40.0}))
            except (ConnectionError, OSError):
                logger = None  # the hub went away mid-minute: the whole minute is sent again
                continue
            self.minute += 1
            await asyncio.sleep(0.05)
        if logger is not None:
            await logger.close()


async def cut(proxy: FaultProxy, rng: random.Random) -> None:
    """Wait a while, then cut the console's connection; sometimes keep the hub unreachable for a while."""
    await asyncio.sleep(DURATION_S / CUTS * rng.uniform(0.5, 1.0))
    proxy.cut()
    if rng.random() < 0.4:  # a long outage: the console falls out of the replay window
        proxy.refusing = True
        await asyncio.sleep(rng.uniform(1.5, 3.0))
        proxy.refusing = False


def hub_keys(path) -> set:
    storage = Storage(f"sqlite:///{path}")
    try:
        stored = storage.readings_between(-math.inf, math.inf, limit=10**9)
        return {(r.station, r.factor, r.ts) for r in stored}
    finally:
        storage.close()


async def test_soak_cuts_and_a_hub_restart_lose_nothing_and_duplicate_nothing(tmp_path) -> None:
    rng = random.Random(212)
    producer = Producer()
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    options = {"stations": STATIONS, "replay_window": 20}  # < 1 s of events: long outages need a resync
    async with running_hub(hub_dir, **options) as hub:
        port = hub.http_port
        proxy = await FaultProxy(port).start()
        console = ConsoleSession(tmp_path / "cache.db")
        applied = AppliedReadings(console)
        console.restore()
        console.connect(f"http://127.0.0.1:{proxy.port}", TOKEN, backoff=Backoff(base=0.05, cap=0.3))
        while applied.snapshots == 0:  # first contact: from here on, every reading counts
            await asyncio.sleep(0.02)
        producer.hub = hub
        producing = asyncio.create_task(producer.run())
        loop = asyncio.get_running_loop()
        started = loop.time()
        cuts = 0
        while loop.time() - started < DURATION_S / 2:
            await cut(proxy, rng)
            cuts += 1
        first_epoch = hub.events.epoch
    # the hub is down: the console keeps retrying, the producer keeps its minutes until the hub is back
    await asyncio.sleep(1.0)
    async with running_hub(hub_dir, http_port=port, **options) as hub:
        producer.hub = hub
        assert hub.events.epoch != first_epoch
        while cuts < CUTS:
            await cut(proxy, rng)
            cuts += 1
        producer.running = False
        await producing
        await asyncio.sleep(0.3)  # the last batch published
        await console.caught_up(hub.events.epoch, hub.events.seq)
        await loop.run_in_executor(None, hub.writer.flush, 30.0)
        emitted = hub_keys(hub_dir / "hub.db")
        await loop.run_in_executor(None, console.local.writer.flush, 30.0)
        stored = console.local.cache.keys_between(0, float("inf"))
    await console.close()
    await proxy.close()

    assert producer.minute > 200 and len(emitted) > 200 * len(STATIONS) * 2
    assert applied.snapshots >= 3  # first contact, the hub restart and at least one long outage
    assert [r for r in console.resync.results if r.error] == []
    assert len(console.resync.results) >= 2 and sum(r.applied for r in console.resync.results) > 0
    assert emitted - stored == set(), f"{len(emitted - stored)} readings lost"
    assert applied.keys() == emitted
    assert applied.duplicates() == 0
