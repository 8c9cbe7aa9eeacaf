"""The console's side of the units against a real hub on loopback: the session's unit book follows a JT/T 808
terminal, an assignment goes through the command centre and comes back as the unit's duty, and the
emergency board's track comes over REST."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from console.core.hubapi import HubApi
from console.core.session import ConsoleSession
from console.core.units import UnitStatus
from tests.net.hubkit import login
from tests.net.unitkit import LAT, LON, Terminal, location, unit_hub

pytestmark = pytest.mark.asyncio


async def until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.02)


async def test_a_console_follows_a_unit_assigns_it_and_reads_its_track(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        url = f"http://127.0.0.1:{hub.http_port}"
        token = await login(hub, "coordinator")
        session = ConsoleSession(tmp_path / "console" / "cache.db")
        session.connect(url, token)
        api = HubApi(url, token)
        try:
            await until(lambda: "VAN-1" in session.units.units)
            terminal = await Terminal.connect(hub)
            await terminal.login()
            now = time.time()
            await terminal.ask(location(now - 30, lat=LAT - 0.002))
            await terminal.ask(location(now - 20))
            await until(lambda: (van := session.units.get("VAN-1")) is not None and van.last is not None
                        and van.last.ts == int(now - 20))  # fmt: skip
            assert [round(p.lat, 4) for p in session.units.trail("VAN-1")] == [round(LAT - 0.002, 4), LAT]

            ack = await _report(session, lon=LON + 0.01)
            assert session.commands is not None
            session.commands.issue_unit("assign_unit", ack, {"unit": "VAN-1"})
            await until(lambda: session.units.get("VAN-1").status == UnitStatus.EN_ROUTE)
            assert session.units.get("VAN-1").incident == ack
            assert [u.info.id for u in session.units.assigned_to(ack)] == ["VAN-1"]
            assert session.commands.problems() == []

            track = await api.track("VAN-1", now - 3600, now)
            assert [int(p.ts) for p in track] == [int(now - 30), int(now - 20)]
            assert all(p.unit == "VAN-1" and p.fix for p in track)
            await terminal.close()
        finally:
            await api.close()
            await session.close()


async def _report(session: ConsoleSession, lon: float) -> str:
    """An incident reported from this console; its id once the hub has it."""
    assert session.commands is not None
    known = set(session.book.incidents)
    session.commands.issue("report", "", {"title": "扬尘", "lon": lon, "lat": LAT, "category": "air"})
    await until(lambda: set(session.book.incidents) - known)
    (incident,) = set(session.book.incidents) - known
    return incident
