"""The hub's first minutes: stations it has not heard from yet are awaited, not offline, and the simulated
city's loggers all report within their first interval, some within seconds of the start."""

from __future__ import annotations

import time

import msgspec
import pytest

from console.core import protocol
from console.core.models import Reading, StationStatus
from console.hub.storage import Storage
from console.sim.citymodel import CityModel
from console.sim.network import build_network
from console.sim.regions import PRESETS
from console.sim.simulator import SimClock, Simulator
from tests.net.hubkit import PW, Console, Logger, running_hub, station, upload

pytestmark = pytest.mark.asyncio
AIR = {"a34004": 35.0, "a34002": 60.0, "a21026": 5.0, "a21004": 20.0, "a21005": 0.5, "a05024": 80.0}
T0 = 1_763_700_000.0
INTERVAL = 5  # seconds: a short reporting interval keeps the test quick (status is judged in data time)


def status_event(sid: str, status: StationStatus):
    return lambda m: (
        isinstance(m, protocol.StationEvent) and m.entry.station == sid and m.entry.status == status
    )


def snapshot_status(console: Console) -> dict[str, StationStatus]:
    snapshot = next(m for m in console.messages if isinstance(m, protocol.Snapshot))
    return {e.station: e.status for e in snapshot.status}


async def test_loggers_not_heard_from_are_awaited_then_offline_after_three_intervals(tmp_path) -> None:
    stations = [station(n, interval_s=INTERVAL) for n in (1, 2, 3)]
    async with running_hub(tmp_path, stations) as hub:
        console = await Console.connect(hub)
        await console.until(lambda m: isinstance(m, protocol.Snapshot))
        assert set(snapshot_status(console).values()) == {StationStatus.AWAITING}
        logger = await Logger.connect(hub)
        await logger.send(upload(stations[0], T0, AIR))  # the hub's first data: its clock starts here
        await console.until(lambda m: isinstance(m, protocol.Readings))
        for step in (1, 2):  # T-001 reports for two intervals; T-003 once, at the end
            await logger.send(upload(stations[0], T0 + INTERVAL * step, AIR))
        await logger.send(upload(stations[2], T0 + 2 * INTERVAL, AIR))
        await console.until(status_event("T-003", StationStatus.ONLINE))
        # Judged with the network's clock two intervals on: T-002 is still awaited, not offline.
        assert {e.station: e.status for e in hub.status.entries()}["T-002"] == StationStatus.AWAITING
        assert not any(status_event("T-002", StationStatus.OFFLINE)(m) for m in console.messages)
        for step in range(3, 5):
            await logger.send(upload(stations[0], T0 + INTERVAL * step, AIR))
        offline = await console.until(status_event("T-002", StationStatus.OFFLINE))
        assert offline.entry.reason == "no data yet"
        third = next(m.seq for m in readings_events(console) if clock_of(m) >= T0 + 15)
        assert offline.seq > third  # only once the network's clock was three intervals on
        await logger.close()
        await console.close()


def clock_of(message: protocol.Readings) -> float:
    return max(r.ts for r in message.items)


def readings_events(console: Console) -> list[protocol.Readings]:
    return [m for m in console.messages if isinstance(m, protocol.Readings)]


async def test_a_station_with_stored_data_resumes_as_before(tmp_path) -> None:
    stations = [station(n, interval_s=60) for n in (1, 2, 3)]
    now = time.time()
    storage = Storage(f"sqlite:///{tmp_path / 'hub.db'}")
    storage.upsert_stations([(s, PW) for s in stations])
    storage.write_readings(
        [Reading("T-001", "a34004", now - 30, 30.0), Reading("T-002", "a34004", now - 3600, 30.0)]
    )
    storage.close()
    async with running_hub(tmp_path, stations) as hub:
        console = await Console.connect(hub)
        await console.until(lambda m: isinstance(m, protocol.Snapshot))
        assert snapshot_status(console) == {
            "T-001": StationStatus.ONLINE,  # reported half a minute before the hub started
            "T-002": StationStatus.AWAITING,  # an hour ago: the hub has not listened three intervals yet
            "T-003": StationStatus.AWAITING,
        }
        logger = await Logger.connect(hub)
        await logger.send(upload(stations[2], now, AIR))  # the hub's first data: its clock starts here
        await console.until(lambda m: isinstance(m, protocol.Readings))
        for minute in range(1, 5):
            await logger.send(upload(stations[2], now + 60 * minute, AIR))
        offline = await console.until(status_event("T-002", StationStatus.OFFLINE))
        assert int(offline.entry.reason.split()[3]) >= 3600 + 180  # "no data for N s", from the stored time
        # Online from its stored data, T-001 too is offline once the hub has listened three intervals.
        t1_offline = status_event("T-001", StationStatus.OFFLINE)
        if not any(t1_offline(m) for m in console.messages):
            await console.until(t1_offline)
        gone = next(m for m in console.messages if t1_offline(m))
        third = next(m.seq for m in readings_events(console) if clock_of(m) >= now + 180)
        assert gone.seq > third and gone.entry.reason.startswith("no data for ")
        await logger.close()
        await console.close()


async def test_the_simulated_city_reports_within_its_first_interval(tmp_path) -> None:
    region = PRESETS["yanqing"]
    specs = [msgspec.structs.replace(s, pw=PW) for s in build_network(region, 7, 60)]
    interval = specs[0].station.interval_s
    async with running_hub(tmp_path, [s.station for s in specs]) as hub:
        console = await Console.connect(hub)
        await console.until(lambda m: isinstance(m, protocol.Snapshot))
        assert set(snapshot_status(console).values()) == {StationStatus.AWAITING}
        start = time.time()
        model = CityModel(specs, region, 7, start - 3600)
        sim = Simulator(specs, model, "127.0.0.1", hub.hj212_port, SimClock(start, accel=10.0, wall0=start))
        await sim.start()
        try:
            await console.until(
                lambda m: isinstance(m, protocol.Readings) and clock_of(m) >= start + interval
            )
        finally:
            await sim.stop()
    first: dict[str, float] = {}
    for r in console.readings():
        if not r.factor.startswith("AQI"):
            first[r.station] = min(first.get(r.station, r.ts), r.ts)
    # Loggers the city model takes offline at some moment of the first interval are excused.
    excused = {sid for t in range(int(start), int(start) + interval + 1) for sid in model.offline_ids(t)}
    expected = {s.station.id for s in specs} - excused
    assert expected <= {sid for sid, ts in first.items() if start <= ts < start + interval}
    stamps = sorted(first.values())
    assert stamps[0] - start < interval / 4  # the first readings come seconds after the start ...
    assert stamps[-1] - stamps[0] > interval / 2  # ... and the others spread over the interval
    assert not any(
        isinstance(m, protocol.StationEvent) and m.entry.status == "offline" for m in console.messages
    )
