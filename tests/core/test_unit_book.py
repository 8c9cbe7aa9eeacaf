"""The unit book: late fixes in time order, no-fix reports, freshness on the session's clock, SOS."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core import protocol
from console.core.clock import ManualClock
from console.core.session import ConsoleSession
from console.core.unit_book import UnitBook, track_distance_m
from console.core.units import Fix, Freshness, UnitInfo, UnitKind, UnitState, UnitStatus

T0 = 1_763_700_000.0
VAN = UnitInfo(id="u1", name="Van 1", kind=UnitKind.MONITORING_VAN, team="north")
CAR = UnitInfo(id="u2", name="Car 7", kind=UnitKind.ENFORCEMENT, team="south")


def fix(ts: float, lon: float = 116.0, lat: float = 40.5, *, ok: bool = True, alarms=(), unit="u1") -> Fix:
    return Fix(unit, ts, lat, lon, 30.0, 90.0, ok, tuple(alarms))


def snapshot(*states: UnitState, seq: int = 1) -> protocol.Snapshot:
    return protocol.Snapshot(epoch="e", seq=seq, stations=[], latest=[], status=[], units=list(states))


def event(seq: int, states=(), fixes=()) -> protocol.UnitEvent:
    return protocol.UnitEvent(epoch="e", seq=seq, units=list(states), fixes=list(fixes))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(T0)


@pytest.fixture
def book(clock: ManualClock) -> UnitBook:
    b = UnitBook(clock.now)
    b.apply(snapshot(UnitState(info=VAN, last=fix(T0 - 10)), UnitState(info=CAR)))
    return b


def test_a_snapshot_then_events_place_units_and_grow_their_trails(book: UnitBook) -> None:
    assert book.get("u1").last.ts == T0 - 10
    assert book.get("u2").last is None and book.freshness("u2") == Freshness.NEVER
    change = book.apply(event(2, fixes=[fix(T0 - 5, 116.001), fix(T0, 116.002)]))
    assert change.moved == {"u1"}
    assert book.get("u1").last.lon == 116.002
    assert [p.ts for p in book.trail("u1")] == [T0 - 10, T0 - 5, T0]


def test_late_and_back_filled_fixes_take_their_place_in_time_and_never_move_the_unit_back(book) -> None:
    book.apply(event(2, fixes=[fix(T0 + 60, 116.01)]))
    # a terminal back-fills its blind stretch (0x0704) after the newer fix was already shown
    book.apply(event(3, fixes=[fix(T0 + 30, 116.005), fix(T0 + 15, 116.003), fix(T0 + 45, 116.007)]))
    assert [p.ts for p in book.trail("u1")] == [T0 - 10, T0 + 15, T0 + 30, T0 + 45, T0 + 60]
    assert book.get("u1").last.lon == 116.01  # the marker stays at the newest position
    # a late state from the hub with an older newest fix does not move it back either
    book.apply(event(4, states=[UnitState(info=VAN, last=fix(T0 + 20, 116.004))]))
    assert book.get("u1").last.ts == T0 + 60


def test_a_report_without_a_position_never_moves_the_unit(book: UnitBook) -> None:
    change = book.apply(event(2, fixes=[fix(T0 + 5, 0.0, 0.0, ok=False)]))
    assert not change.moved
    assert book.get("u1").last.lon == 116.0 and [p.ts for p in book.trail("u1")] == [T0 - 10]
    state = UnitState(info=VAN, last=fix(T0 + 6, 0.0, 0.0, ok=False))  # the hub's state says "no fix"
    book.apply(event(3, states=[state]))
    assert book.get("u1").last.ts == T0 - 10 and book.get("u1").last.lon == 116.0


def test_freshness_follows_the_sessions_clock_live_stale_lost(book: UnitBook, clock: ManualClock) -> None:
    assert book.refresh() == {"u1", "u2"}  # first look
    assert book.freshness("u1") == Freshness.LIVE
    clock.advance(4 * 60)
    assert book.refresh() == set()
    clock.advance(60)  # 5 min 10 s since the last fix
    assert book.refresh() == {"u1"} and book.freshness("u1") == Freshness.STALE
    clock.advance(25 * 60)
    assert book.refresh() == {"u1"} and book.freshness("u1") == Freshness.LOST
    assert book.age("u1") == pytest.approx(30 * 60 + 10)
    book.apply(event(2, fixes=[fix(clock.now())]))  # it reports again
    assert book.refresh() == {"u1"} and book.freshness("u1") == Freshness.LIVE
    clock.set(T0 - 5)  # a replay seeking backwards makes it fresh too
    assert book.freshness("u1") == Freshness.LIVE


def test_trails_are_bounded_by_time_and_by_points(clock: ManualClock) -> None:
    b = UnitBook(clock.now, trail_s=600, trail_points=5)
    b.apply(snapshot(UnitState(info=VAN)))
    b.apply(event(2, fixes=[fix(T0 + i * 10) for i in range(20)]))
    assert [p.ts for p in b.trail("u1")] == [T0 + i * 10 for i in range(15, 20)]
    b.apply(event(3, fixes=[fix(T0 + 2000)]))
    assert [p.ts for p in b.trail("u1")] == [T0 + 2000]  # the rest is older than 10 minutes
    b.apply(event(4, fixes=[fix(T0 + 100)]))  # too old for the trail, and not the newest
    assert [p.ts for p in b.trail("u1")] == [T0 + 2000]


def test_sos_stays_until_acknowledged_here_and_a_new_alarm_sounds_again(book, clock) -> None:
    change = book.apply(event(2, fixes=[fix(T0 + 1, alarms=["sos"])]))
    assert change.sos == {"u1"} and book.sos() == {"u1"}
    book.apply(event(3, fixes=[fix(T0 + 2, alarms=["sos"])]))  # the same alarm goes on
    book.apply(event(4, fixes=[fix(T0 + 3)]))  # cleared on the device before anyone saw it
    assert book.sos() == {"u1"}  # still pulsing: nobody acknowledged it
    assert book.acknowledge_sos("u1") and book.sos() == set()
    assert not book.acknowledge_sos("u1")
    change = book.apply(event(5, fixes=[fix(T0 + 60, alarms=["sos"])]))  # a new alarm
    assert change.sos == {"u1"} and book.sos() == {"u1"}


def test_an_acknowledged_sos_stays_quiet_while_it_goes_on(book) -> None:
    book.apply(event(2, states=[UnitState(info=VAN, last=fix(T0 + 1, alarms=["sos"]), alarms=("sos",))]))
    assert book.sos() == {"u1"}
    book.acknowledge_sos("u1")
    book.apply(event(3, fixes=[fix(T0 + 2, alarms=["sos"])]))
    book.apply(event(4, states=[UnitState(info=VAN, last=fix(T0 + 3, alarms=["sos"]), alarms=("sos",))]))
    assert book.sos() == set()


def test_duty_follows_the_newest_version(book: UnitBook) -> None:
    book.apply(event(2, states=[UnitState(info=CAR, status=UnitStatus.EN_ROUTE, incident="I-1", version=2)]))
    book.apply(event(3, states=[UnitState(info=CAR, status=UnitStatus.AVAILABLE, version=1)]))  # stale
    assert book.get("u2").status == UnitStatus.EN_ROUTE
    assert [u.info.id for u in book.assigned_to("I-1")] == ["u2"]


def test_candidates_are_available_units_not_lost_nearest_first(book, clock) -> None:
    far = UnitState(info=CAR, last=fix(T0, 116.2, 40.5, unit="u2"))
    book.apply(event(2, states=[far]))
    ranked = book.candidates(116.21, 40.5)
    assert [c.unit.info.id for c in ranked] == ["u2", "u1"]
    assert ranked[0].distance_m == pytest.approx(845, rel=0.02) and ranked[0].eta_s is None
    by_road = book.candidates(116.21, 40.5, eta=lambda a, b: 100.0 if a[0] < 116.1 else 900.0)
    assert [c.unit.info.id for c in by_road] == ["u1", "u2"]  # the road network knows better
    assert by_road[0].eta_s == 100.0
    clock.advance(31 * 60)
    assert book.candidates(116.21, 40.5) == []  # both lost: last positions are no ground to send them


def test_track_distance_skips_points_without_a_position() -> None:
    points = [fix(T0, 116.0), fix(T0 + 10, 0.0, 0.0, ok=False), fix(T0 + 20, 116.01), fix(T0 + 30, 116.02)]
    assert track_distance_m(points) == pytest.approx(1690, rel=0.01)
    assert track_distance_m(points, start=T0 + 15) == pytest.approx(845, rel=0.01)


@pytest.mark.asyncio
async def test_the_session_applies_unit_events_and_the_cache_keeps_its_position(tmp_path: Path) -> None:
    clock = ManualClock(T0)
    session = ConsoleSession(tmp_path / "cache.db", clock=clock)
    changes = []
    session.changed.subscribe(changes.append)
    session.apply(snapshot(UnitState(info=VAN, last=fix(T0 - 10))))
    session.apply(event(2, fixes=[fix(T0, 116.5)]))
    assert changes[-1].units.moved == {"u1"} and session.units.get("u1").last.lon == 116.5
    await session.close()
    reopened = ConsoleSession(tmp_path / "cache.db", clock=clock)
    assert reopened.local.position() == ("e", 2)  # unit events never break the cache's resume position
    await reopened.close()


def test_the_board_takes_arrivals_seen_live_when_the_audit_has_none(book, clock) -> None:
    from console.core.emergency_board import board_figures
    from console.core.incidents import Incident, IncidentState, Severity, Source

    incident = Incident(
        id="I-1", version=2, state=IncidentState.DISPATCHED, source=Source.RULE, category="air",
        severity=Severity.HIGH, title="Dust", reason="PM10", created=T0 - 100, updated=T0, dispatched=T0,
    )  # fmt: skip
    clock.set(T0 + 60)
    book.apply(event(2, states=[UnitState(info=CAR, status=UnitStatus.EN_ROUTE, incident="I-1", version=1)]))
    clock.set(T0 + 400)
    book.apply(event(3, states=[UnitState(info=CAR, status=UnitStatus.ON_SCENE, incident="I-1", version=2)]))
    figures = board_figures(incident, [], book.assigned_to("I-1"), book.observed["I-1"], known=book.units)
    assert [(u.name, u.assigned, u.en_route, u.arrived) for u in figures.units] == [
        ("Car 7", T0 + 60, T0 + 60, T0 + 400)
    ]
    assert figures.response_s == 400 and (figures.assigned, figures.en_route, figures.arrived) == (1, 0, 1)
    assert not figures.closed and figures.units[0].covered_m is None  # no track asked before closure
