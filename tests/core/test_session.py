"""The console's session on a clock it is given: deadlines, the link's "since" and command stamps follow
that clock, not the wall; every message is applied once, in order, one published change a turn, and the
cache keeps what was applied for the next start."""

from __future__ import annotations

import asyncio
import socket

import msgspec
import pytest

from console.core import protocol
from console.core.clock import ManualClock
from console.core.incident_book import Lateness
from console.core.incidents import Action, Incident, IncidentState, Severity, Source
from console.core.link import Backoff, LinkState, LinkStatus
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.session import ConsoleSession, SessionChange

T0 = 1_600_000_000.0  # September 2020: by the wall clock every deadline below passed long ago
HOUR = 3600.0
AIR = Station(id="A-1", name="Air 1", kind=StationKind.AIR, township="T01", lon=116.0, lat=40.0, mn="A1",
              st="22", factors=("a34004",))  # fmt: skip


def dispatched(version: int = 2, **changes: object) -> Incident:
    incident = Incident(
        id="INC-1", version=version, state=IncidentState.DISPATCHED, source=Source.RULE, category="air",
        severity=Severity.HIGH, title="PM2.5 exceedance", reason="PM2.5 1 h 180 µg/m³ > 150",
        created=T0, updated=T0, township="T01", dispatched=T0, deadline=T0 + 4 * HOUR,
    )  # fmt: skip
    return msgspec.structs.replace(incident, **changes)


def snapshot(seq: int = 1) -> protocol.Snapshot:
    status = [protocol.StatusEntry("A-1", StationStatus.ONLINE, T0)]
    latest = [Reading("A-1", "a34004", T0, 30.0, "N")]
    return protocol.Snapshot("e1", seq, [AIR], latest, status, [dispatched()])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.asyncio
async def test_an_incidents_deadline_runs_out_as_the_sessions_clock_advances(tmp_path) -> None:
    clock = ManualClock(T0 + HOUR)
    session = ConsoleSession(tmp_path / "cache.db", clock=clock)
    try:
        session.apply(snapshot())
        assert session.book.sla("INC-1").lateness == Lateness.ON_TIME  # the wall says four years late
        assert session.book.overdue_count() == 0
        clock.advance(2.5 * HOUR)  # half an hour left
        assert session.book.sla("INC-1").lateness == Lateness.DUE_SOON
        clock.advance(HOUR)
        assert session.book.sla("INC-1").lateness == Lateness.OVERDUE
        assert session.book.sla("INC-1").left == -0.5 * HOUR
        assert session.book.overdue_count() == 1
        clock.set(T0 + HOUR)  # a replay seeking back: on time again
        assert session.book.sla("INC-1").lateness == Lateness.ON_TIME
    finally:
        await session.close()


@pytest.mark.asyncio
async def test_one_change_a_turn_in_order_and_the_next_start_restores_it(tmp_path) -> None:
    session = ConsoleSession(tmp_path / "cache.db", clock=ManualClock(T0))
    changes: list[SessionChange] = []
    session.changed.subscribe(changes.append)
    messages = [
        protocol.Welcome("e1", 1, "coordinator", 5.0),
        snapshot(1),
        protocol.Readings("e1", 2, [Reading("A-1", "a34004", T0 + 60, 42.0, "N")]),
        protocol.IncidentEvent("e1", 3, dispatched(3, state=IncidentState.HANDLING)),
    ]
    for message in messages:
        session.apply(message)
    await session.close()

    assert [c.message for c in changes] == messages
    assert changes[0].role == "coordinator" and changes[1].data.snapshot and changes[1].incidents.snapshot
    assert changes[2].data.factors == {("A-1", "a34004")} and not changes[2].incidents
    assert changes[3].incidents.incidents == {"INC-1"} and not changes[3].data

    again = ConsoleSession(tmp_path / "cache.db", clock=ManualClock(T0))
    restored: list[SessionChange] = []
    again.changed.subscribe(restored.append)
    try:
        assert again.local.position() == ("e1", 3)  # committed with the data before it
        assert again.restore() and len(restored) == 1 and restored[0].restored
        assert again.store.value("A-1", "a34004").value == 42.0
        assert again.book.get("INC-1").state == IncidentState.HANDLING
    finally:
        await again.close()


@pytest.mark.asyncio
async def test_the_link_and_the_outbox_stamp_with_the_sessions_clock(tmp_path) -> None:
    clock = ManualClock(T0)
    session = ConsoleSession(tmp_path / "cache.db", clock=clock)
    statuses: list[LinkStatus] = []
    session.link_changed.subscribe(statuses.append)
    lost = asyncio.Event()
    session.link_changed.subscribe(lambda s: s.state == LinkState.RECONNECTING and lost.set())
    session.apply(snapshot())
    try:
        clock.advance(90.0)
        session.connect(f"http://127.0.0.1:{closed_port()}", "t", backoff=Backoff(base=5.0, cap=5.0))
        await asyncio.wait_for(lost.wait(), 10)  # the hub is not there: refused at once
        assert statuses[-1].since == T0 + 90.0  # "offline since" on the session's clock
        command = session.commands.issue(Action.HANDLE, "INC-1", {"comment": "on site"})
        entry = session.outbox.get(command.id)
        assert entry is not None and entry.created == T0 + 90.0  # queued offline, stamped by the clock
        assert [p.command.id for p in session.commands.pending()] == [command.id]
    finally:
        await session.close()
