"""The coordinator's units on the dispatch desk, on real view-models and books: the tracking list grouped by
duty with ages, the nearest available units and Assign (by role), SOS, and the emergency board."""

from __future__ import annotations

import msgspec
import pytest
from aiohttp import web

from console.core import protocol
from console.core.clock import ManualClock
from console.core.commands import CommandCenter
from console.core.hubapi import HubApi
from console.core.incident_book import IncidentBook
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source
from console.core.outbox import Outbox
from console.core.unit_book import UnitBook
from console.core.units import Fix, UnitInfo, UnitKind, UnitState, UnitStatus
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.units import UnitViewModel
from console.views.dispatch import DispatchWindow
from tests.qt.waiting import until

T0 = 1_763_700_000.0
TICKS_MS = 10_000
SCENE = (116.0, 40.4)


def info(n: int, kind: UnitKind = UnitKind.ENFORCEMENT, team: str = "north") -> UnitInfo:
    return UnitInfo(id=f"u{n}", name=f"Car {n}", kind=kind, team=team)


def at(n: int, ts: float, lon: float, lat: float = SCENE[1], alarms=()) -> Fix:
    return Fix(f"u{n}", ts, lat, lon, 40.0, 90.0, True, tuple(alarms))


def incident(n: int, **changes: object) -> Incident:
    base = Incident(
        id=f"INC-{n}", version=1, state=IncidentState.DISPATCHED, source=Source.RULE, category="air",
        severity=Severity.HIGH, title=f"Dust at site {n}", reason="PM10 1 h 400", created=T0 - 600,
        updated=T0 - 600, township="T01", lon=SCENE[0], lat=SCENE[1], dispatched=T0 - 300,
        deadline=T0 + 8 * 3600,
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


def fleet() -> list[UnitState]:
    return [
        UnitState(info=info(1), last=at(1, T0 - 20, 116.02)),  # available, live, 1.7 km away
        UnitState(info=info(2, UnitKind.INSPECTOR, "south"), last=at(2, T0 - 420, 116.01)),  # stale
        UnitState(info=info(3), status=UnitStatus.EN_ROUTE, incident="INC-1", last=at(3, T0 - 5, 116.05)),
        UnitState(info=info(4, UnitKind.DRONE), last=at(4, T0 - 2400, 116.001)),  # lost: never proposed
        UnitState(info=info(5, UnitKind.SPRINKLER), status=UnitStatus.OFF_DUTY, last=at(5, T0 - 30, 116.1)),
    ]


async def _never(_command: object) -> bool:
    return False  # the link is down: commands stay queued in the outbox


@pytest.fixture
def desk(qtbot, tmp_path):
    clock = ManualClock(T0)
    book, units = IncidentBook(clock.now), UnitBook(clock.now)
    incidents_vm, units_vm = IncidentViewModel(book), UnitViewModel(units, book)
    units_vm.eta = None  # straight-line ranking: what the desk shows until a road network is loaded
    outbox = Outbox(tmp_path / "cache.db", clock=clock.now)
    commands = CommandCenter(outbox, _never, book, on_change=incidents_vm.on_commands_changed)
    incidents_vm.commands = units_vm.commands = commands
    window = DispatchWindow(incidents_vm, units=units_vm)
    qtbot.addWidget(window)
    window.sos.alarm.muted = True
    snapshot = protocol.Snapshot("e", 1, [], [], [], incidents=[incident(1)], units=fleet())
    incidents_vm.on_changes(book.apply(snapshot))
    units_vm.on_changes(units.apply(snapshot))
    yield window, units_vm, units, outbox, clock
    outbox.close()


def test_the_tracking_list_groups_units_by_duty_with_the_age_of_their_last_fix(qtbot, desk) -> None:
    window, units_vm, units, _outbox, clock = desk
    units_vm.flush()
    counts = {"available": 3, "en_route": 1, "on_scene": 0, "off_duty": 1}
    qtbot.waitUntil(lambda: window.units.group_counts() == counts, timeout=TICKS_MS)
    available = {row[0]: row for row in window.units.rows_text("available")}
    assert available["Car 1"][4] == "20 s"
    assert available["Car 2"][4] == "stale · 7 min 00 s" and available["Car 2"][1] == "Inspector"
    assert available["Car 4"][4].startswith("lost · 40 min")
    assert window.units.rows_text("en_route")[0][3] == "INC-1"

    # the session's clock moves on: ages grow and Car 1 greys, with no message from the hub
    clock.advance(300)
    units_vm.flush()
    available = {row[0]: row for row in window.units.rows_text("available")}
    assert available["Car 1"][4] == "stale · 5 min 20 s"

    # a unit that reports again is fresh; one the hub sends on its way moves to its group
    moved = UnitState(info=info(1), status=UnitStatus.EN_ROUTE, incident="INC-1", version=1,
                      last=at(1, clock.now(), 116.019))  # fmt: skip
    units_vm.on_changes(units.apply(protocol.UnitEvent(epoch="e", seq=2, units=[moved])))
    units_vm.flush()
    assert window.units.group_counts()["en_route"] == 2
    assert {r[0]: r[4] for r in window.units.rows_text("en_route")}["Car 1"] == "0 s"

    # filters by kind and team
    window.units.kind.setCurrentIndex(window.units.kind.findData("inspector"))
    assert window.units.group_counts() == {"available": 1, "en_route": 0, "on_scene": 0, "off_duty": 0}
    window.units.kind.setCurrentIndex(0)
    window.units.team.setCurrentIndex(window.units.team.findData("south"))
    assert [r[0] for r in window.units.rows_text("available")] == ["Car 2"]


def test_the_nearest_available_units_are_offered_and_assign_sends_the_command(qtbot, desk) -> None:
    window, units_vm, _units, outbox, _clock = desk
    window.queue.incident_selected.emit("INC-1")
    units_vm.flush()
    rows = window.nearest.rows_text()
    assert [r[0] for r in rows] == ["Car 2", "Car 1"]  # nearest first; not the lost drone, not the busy
    assert rows[0][2] == "850 m" and rows[1][2] == "1.7 km" and rows[0][3] == "—"
    assert "ETA when the road network is loaded" in window.nearest.note.text()

    window.nearest.buttons["u1"].click()
    sent = [(c.action, c.target, c.args) for c in outbox.pending()]
    assert sent == [("assign_unit", "INC-1", {"unit": "u1"})]
    assert "Car 1: assignment sent" in window.nearest.message.text()
    units_vm.flush()
    assert {r[0] for r in window.units.rows_text("available")} >= {"Car 1 …"}  # pending until the hub says


def test_assign_is_disabled_with_a_reason_for_roles_that_may_not_dispatch(qtbot, desk) -> None:
    window, units_vm, _units, outbox, _clock = desk
    window.queue.incident_selected.emit("INC-1")
    units_vm.flush()
    units_vm.set_role("leader")
    button = window.nearest.buttons["u1"]
    assert not button.isEnabled() and "may not send units" in button.toolTip()
    units_vm.assign("u1", "INC-1")  # even if asked: nothing leaves this console
    assert outbox.pending() == []
    units_vm.set_role("coordinator")
    assert window.nearest.buttons["u1"].isEnabled()


def test_a_refused_assignment_is_shown_on_its_incident_like_any_refused_command(qtbot, desk) -> None:
    window, units_vm, _units, outbox, _clock = desk
    window.queue.incident_selected.emit("INC-1")
    units_vm.assign("u1", "INC-1")
    command = outbox.pending()[0]
    commands = units_vm.commands
    commands.on_ack(protocol.Ack(id=command.id, ok=False, error="forbidden: role duty may not assign units"))
    assert [e.command.id for e in commands.problems_for("INC-1")] == [command.id]
    window.vm.flush()
    assert command.id in window.detail.problem_buttons


def test_an_sos_shows_and_sounds_until_acknowledged(qtbot, desk) -> None:
    window, units_vm, units, _outbox, clock = desk
    sos = protocol.UnitEvent(epoch="e", seq=3, fixes=[at(3, clock.now() + 1, 116.04, alarms=["sos"])])
    units_vm.on_changes(units.apply(sos))
    units_vm.flush()
    assert window.sos.isVisibleTo(window) and "Car 3" in window.sos.full_text()
    assert window.sos.alarm.active
    window.sos.click()
    units_vm.flush()
    assert not window.sos.isVisibleTo(window) and not window.sos.alarm.active
    assert units.sos() == set()


@pytest.mark.asyncio(loop_factories=["qasync"])
async def test_the_emergency_board_shows_support_progress_and_after_closure_the_evaluation(
    qapp, tmp_path
) -> None:
    clock = ManualClock(T0 + 7200)
    book, units = IncidentBook(clock.now), UnitBook(clock.now)
    incidents_vm, units_vm = IncidentViewModel(book), UnitViewModel(units, book)
    asked: list[tuple[str, str, str]] = []

    async def track(request: web.Request) -> web.Response:
        unit = request.match_info["unit"]
        asked.append((unit, request.query["start"], request.query["end"]))
        points = [{"ts": T0 + 60 + i * 60, "lat": SCENE[1], "lon": 116.02 - i * 0.002, "speed_kmh": 30.0,
                   "heading": 270.0, "fix": True, "alarms": []} for i in range(11)]  # fmt: skip
        points.insert(3, {"ts": T0 + 200, "lat": 0.0, "lon": 0.0, "fix": False})  # no fix: not a jump
        return web.json_response({"unit": unit, "points": points})

    app = web.Application()
    app.router.add_get("/api/units/{unit}/track", track)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    api = HubApi(f"ws://127.0.0.1:{port}/ws", "token")
    units_vm.fetch_track = api.track
    window = DispatchWindow(incidents_vm, units=units_vm)
    try:
        closed = incident(1, state=IncidentState.CLOSED, dispatched=T0, closed=T0 + 3600, version=6)
        audit = [
            _entry(1, T0, "dispatch", "dispatched"),
            _entry(2, T0 + 60, "assign_unit", "dispatched", unit="u1"),
            _entry(3, T0 + 660, "unit_status", "dispatched", unit="u1", status="on_scene"),
            _entry(4, T0 + 900, "handle", "handling", comment="Site watered, works stopped"),
            _entry(5, T0 + 3000, "feedback", "feedback"),
            _entry(6, T0 + 3600, "assess", "closed"),
        ]
        snapshot = protocol.Snapshot("e", 1, [], [], [], incidents=[closed], units=fleet()[:1])
        incidents_vm.on_changes(book.apply(snapshot))
        book.set_audit("INC-1", audit)
        units_vm.on_changes(units.apply(snapshot))
        window.queue.incident_selected.emit("INC-1")
        board = window.board
        await until(lambda: board.figures_text()["covered"].endswith("km"), 20, "the track fetched")
        assert asked == [("u1", repr(T0 + 60), repr(T0 + 3600))]
        figures = board.figures_text()
        assert figures["response"] == "11 min 00 s"  # dispatch 0:00 -> first arrival 11:00
        assert figures["covered"] == "1.7 km"  # 10 legs of 0.002° at 40.4° N, the no-fix point skipped
        unit_row = board.units_text()[0]
        assert unit_row[0] == "Car 1" and unit_row[3] != "—" and unit_row[5] != "—"  # assigned, arrived
        assert unit_row[6] == "1.7 km"  # to the scene: arrived at 11:00, the whole track
        assert board.counts.text() == "Assigned 1 · En route 0 · Arrived 1"
        assert board.evaluation_title.isVisibleTo(board)
        assert [
            board.steps.item(r, 3).text()
            for r in range(board.steps.rowCount())
            if board.steps.item(r, 3).text()
        ] == ["Site watered, works stopped"]
    finally:
        window.close()
        await api.close()
        await runner.cleanup()


def _entry(n: int, ts: float, action: str, to_state: str, comment: str = "", **details: str) -> AuditEntry:
    return AuditEntry(
        incident="INC-1", n=n, ts=ts, actor="coordinator", role="coordinator", action=action,
        from_state="dispatched", to_state=to_state, version=n, comment=comment, details=dict(details),
    )  # fmt: skip


def test_the_walls_action_view_shows_an_sos_and_acknowledges_it(qtbot) -> None:
    from console.core.store import Store
    from console.viewmodels.wall import WallViewModel
    from console.views.screens import ActionView

    clock = ManualClock(T0)
    book, units = IncidentBook(clock.now), UnitBook(clock.now)
    units_vm = UnitViewModel(units, book)
    view = ActionView(WallViewModel(Store(), clock=clock), IncidentViewModel(book), units=units_vm)
    qtbot.addWidget(view)
    sos_bar = view.board.sos
    sos_bar.alarm.muted = True
    units_vm.on_changes(units.apply(protocol.Snapshot("e", 1, [], [], [], units=fleet())))
    raised = protocol.UnitEvent(epoch="e", seq=2, fixes=[at(5, T0 + 1, 116.1, alarms=["sos"])])
    units_vm.on_changes(units.apply(raised))
    qtbot.waitUntil(lambda: sos_bar.isVisibleTo(view), timeout=TICKS_MS)
    assert sos_bar.names == ["Car 5"] and sos_bar.alarm.active
    sos_bar.click()
    qtbot.waitUntil(lambda: not sos_bar.isVisibleTo(view), timeout=TICKS_MS)
    assert not sos_bar.alarm.active and units_vm.sos() == set()


def _square(code: str, name: str, west: float, east: float) -> dict:
    ring = [[west, 40.3], [east, 40.3], [east, 40.5], [west, 40.5], [west, 40.3]]
    props = {"kind": "township", "code": code, "name": name}
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_with_a_road_network_the_nearest_units_are_ranked_by_eta(qtbot, desk) -> None:
    from console.core.roads import RoadNetwork

    window, units_vm, _units, _outbox, _clock = desk
    line = {"type": "LineString", "coordinates": [[115.9, SCENE[1]], [116.2, SCENE[1]]]}
    road = {"type": "Feature", "properties": {"class": "primary"}, "geometry": line}
    units_vm.set_roads(RoadNetwork.from_geojson({"type": "FeatureCollection", "features": [road]}))
    window.queue.incident_selected.emit("INC-1")
    units_vm.flush()
    rows = window.nearest.rows_text()
    assert [r[0] for r in rows] == ["Car 1"]  # live and available; the stale and the lost are not offered
    assert rows[0][3] == "1 min 42 s"  # 1.7 km of primary road at 60 km/h
    assert window.nearest.note.text() == "Ranked by ETA along the road network"


def test_units_crossing_a_township_border_appear_on_the_walls_event_list(qtbot, desk) -> None:
    from console.core.store import Store
    from console.viewmodels.wall import WallViewModel

    _window, units_vm, units, _outbox, clock = desk
    wall = WallViewModel(Store(), clock=clock)
    units_vm.fence_crossed.connect(wall.note_events)
    west, east = _square("T-W", "West town", 115.9, 116.015), _square("T-E", "East town", 116.015, 116.2)
    units_vm.set_fences({"type": "FeatureCollection", "features": [west, east]})
    units_vm.flush()  # where each unit stands now: no event
    assert list(wall.events) == []
    crossing = protocol.UnitEvent(epoch="e", seq=5, fixes=[at(1, T0 + 5, 116.01)])  # Car 1 goes west
    units_vm.on_changes(units.apply(crossing))
    units_vm.flush()
    assert [(e.severity, e.text) for e in wall.events] == [
        ("info", "Car 1 entered West town"),
        ("info", "Car 1 left East town"),
    ]
    assert wall.events[0].ts == T0 + 5
