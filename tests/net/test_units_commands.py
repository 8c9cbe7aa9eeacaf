"""Units on /ws and the dispatch commands: unit events (live and on resume), assignment, roles, arrival."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from console.core import protocol
from tests.net.hubkit import Console, login
from tests.net.unitkit import LAT, LON, Terminal, location, unit_hub

pytestmark = pytest.mark.asyncio


async def received(console: Console, wanted) -> protocol.HubMessage:
    """The first message ``wanted`` accepts, received already or still coming."""
    seen = [m for m in console.messages if wanted(m)]
    return seen[0] if seen else await console.until(wanted)


async def audit_entry(console: Console, action: str) -> protocol.IncidentEvent:
    """The incident event whose audit entry is ``action``."""
    return await received(
        console,
        lambda m: isinstance(m, protocol.IncidentEvent) and m.audit is not None and m.audit.action == action,
    )


def unit_fixes(console: Console) -> list:
    return [f for m in console.messages if isinstance(m, protocol.UnitEvent) for f in m.fixes]


async def report_incident(console: Console, lat: float = LAT + 0.01, lon: float = LON) -> str:
    ack = await console.command("report", title="秸秆焚烧", lon=lon, lat=lat, category="air")
    assert ack.ok, ack.error
    return ack.target


async def test_unit_events_reach_a_console_live_and_on_resume(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        console = await Console.connect(hub)
        snapshot = await console.until(lambda m: isinstance(m, protocol.Snapshot))
        assert {u.info.id for u in snapshot.units} == {"VAN-1", "CAR-2", "INSP-1", "DRONE-1"}
        terminal = await Terminal.connect(hub)
        await terminal.login()
        now = time.time()
        await terminal.ask(location(now - 20))
        event = await console.until(lambda m: isinstance(m, protocol.UnitEvent) and m.fixes)
        assert event.fixes[0].unit == "VAN-1" and event.units[0].last.ts == int(now - 20)
        resume = protocol.Resume(event.epoch, event.seq)
        await console.close()
        await terminal.ask(jt808_batch := terminal_batch(now))  # while the console is away
        assert jt808_batch
        back = await Console.connect(hub, resume=resume)
        welcome = await back.until(lambda m: isinstance(m, protocol.Welcome))
        assert welcome.resumed
        await back.until(lambda m: isinstance(m, protocol.UnitEvent) and len(m.fixes) == 2)
        assert sorted(f.ts for f in unit_fixes(back)) == [int(now - 15), int(now - 10)]
        fresh = await Console.connect(hub)  # a new console: the snapshot has the newest position
        snapshot = await fresh.until(lambda m: isinstance(m, protocol.Snapshot))
        van = next(u for u in snapshot.units if u.info.id == "VAN-1")
        assert van.last.ts == int(now - 10)
        for c in (back, fresh):
            await c.close()
        await terminal.close()


def terminal_batch(now: float):
    from console.core import jt808

    return jt808.Batch("back-fill", (location(now - 15), location(now - 10)))


async def test_assigning_a_unit_is_role_checked_audited_and_arrival_sets_on_scene(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        coordinator = await Console.connect(hub, await login(hub, "coordinator"))
        leader = await Console.connect(hub, await login(hub, "leader"))
        inspector = await Console.connect(hub, await login(hub, "inspector"))
        incident = await report_incident(coordinator)
        for console in (leader, inspector):
            ack = await console.command("assign_unit", incident, unit="VAN-1")
            assert not ack.ok and ack.error.startswith("forbidden:")
        ack = await coordinator.command("assign_unit", "INC-nope", unit="VAN-1")
        assert not ack.ok and ack.error.startswith("invalid:")
        ack = await coordinator.command("assign_unit", incident, unit="NOPE")
        assert not ack.ok and ack.error.startswith("invalid:")
        ack = await coordinator.command("assign_unit", incident, expected_version=7, unit="VAN-1")
        assert not ack.ok and ack.error.startswith("conflict:")
        ack = await coordinator.command("assign_unit", incident, unit="VAN-1")
        assert ack.ok and ack.target == incident
        event = await received(
            coordinator,
            lambda m: isinstance(m, protocol.UnitEvent) and any(u.info.id == "VAN-1" for u in m.units),
        )
        van = next(u for u in event.units if u.info.id == "VAN-1")
        assert (van.status, van.incident) == ("en_route", incident)
        audit = await audit_entry(coordinator, "assign_unit")
        assert audit.audit.actor == "coordinator" and audit.audit.details["unit"] == "VAN-1"
        ack = await leader.command("unit_status", "VAN-1", status="off_duty")
        assert not ack.ok and ack.error.startswith("forbidden:")
        ack = await coordinator.command("unit_status", "VAN-1", status="lunch")
        assert not ack.ok and ack.error.startswith("invalid:")
        terminal = await Terminal.connect(hub)
        await terminal.login()
        now = time.time() + 1  # after the assignment
        await terminal.ask(location(now, lat=LAT))  # 1.1 km away: still en route
        await terminal.ask(location(now + 60, lat=LAT + 0.0095))  # 55 m away: arrived
        arrived = await audit_entry(coordinator, "unit_arrived")
        assert arrived.audit.actor == "system" and arrived.audit.details["unit"] == "VAN-1"
        state = hub.units.tracker.units["VAN-1"]
        assert state.status == "on_scene" and state.incident == incident
        ack = await coordinator.command("unit_status", "VAN-1", status="available")
        assert ack.ok and state.status == "available" and state.incident == ""
        await audit_entry(coordinator, "release_unit")
        for c in (coordinator, leader, inspector):
            await c.close()
        await terminal.close()


async def test_assignment_and_duty_survive_a_restart(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        duty = await Console.connect(hub, await login(hub, "duty"))
        incident = await report_incident(duty)
        assert (await duty.command("assign_unit", incident, unit="CAR-2")).ok
        await duty.close()
    async with unit_hub(tmp_path) as hub:
        state = hub.units.tracker.units["CAR-2"]
        assert (state.status, state.incident, state.version) == ("en_route", incident, 1)
