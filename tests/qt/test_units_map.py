"""Units on the real offscreen map page: the layer gets batches with the right looks, trails, SOS halos,
and greys units as the session's clock runs, without any message from the hub."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent

from console.core import protocol
from console.core.clock import ManualClock
from console.core.incident_book import IncidentBook
from console.core.store import Store
from console.core.unit_book import UnitBook
from console.core.units import Fix, UnitInfo, UnitKind, UnitState, UnitStatus
from console.sim.network import build_network
from console.sim.regions import PRESETS, boundary_geojson
from console.viewmodels.units import UnitViewModel
from console.viewmodels.wall import WallViewModel
from console.views.screens import MapScreenView
from console.widgets.map_view import MapView

REGION = PRESETS["yanqing"]
T0 = 1_763_700_000.0
MAP_MS = 30_000
KINDS = [
    UnitKind.MONITORING_VAN,
    UnitKind.INSPECTOR,
    UnitKind.DRONE,
    UnitKind.INSTRUMENT,
    UnitKind.ENFORCEMENT,
]


def unit(n: int, kind: UnitKind, age_s: float, **changes) -> UnitState:
    info = UnitInfo(id=f"u{n}", name=f"U-{n:02d}", kind=kind, team="north")
    last = Fix(f"u{n}", T0 - age_s, 40.45 + n * 0.01, 115.95 + n * 0.02, 30.0, n * 40.0, True, ())
    return UnitState(info=info, last=last, **changes)


def trail(n: int, count: int, *, alarms=()) -> list[Fix]:
    return [
        Fix(f"u{n}", T0 - 600 + i * 30, 40.45 + n * 0.01 - (count - i) * 0.001, 115.95 + n * 0.02, 30.0, 0.0,
            True, tuple(alarms))
        for i in range(count)
    ]  # fmt: skip


def _evaluate(qtbot, view: MapView, js: str):
    box: list = []
    view.evaluate(js, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def test_the_units_layer_shows_kinds_trails_stale_lost_and_sos_on_the_sessions_clock(qtbot, tmp_path) -> None:
    stations = [spec.station for spec in build_network(REGION, seed=1, total=60)]
    clock = ManualClock(T0)
    units = UnitBook(clock.now)
    vm = UnitViewModel(units, IncidentBook(clock.now))
    wall = WallViewModel(Store(), clock=clock)
    map_view = MapView(cache_dir=tmp_path / "map")
    view = MapScreenView(wall, map_view, units=vm)
    try:
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        with qtbot.waitSignal(map_view.ready, timeout=MAP_MS):
            map_view.load_map(boundary_geojson(REGION), stations)
        fleet = [
            unit(1, KINDS[0], 10, status=UnitStatus.EN_ROUTE, incident="INC-1"),
            unit(2, KINDS[1], 200),  # 3 min 20 s: live now, stale in 100 s
            unit(3, KINDS[2], 400),  # stale
            unit(4, KINDS[3], 2000),  # lost: hollow at its last place, with its age
            unit(5, KINDS[4], 5),
        ]
        snapshot = protocol.Snapshot("e", 1, [], [], [], units=fleet)
        with qtbot.waitSignal(map_view.units_flushed, timeout=MAP_MS):
            vm.on_changes(units.apply(snapshot))
        state = lambda: _evaluate(qtbot, map_view, "ecoUnits.state()")  # noqa: E731
        qtbot.waitUntil(lambda: state()["count"] == 5, timeout=MAP_MS)
        shown = state()
        assert shown["looks"] == {"u1": "live", "u2": "live", "u3": "stale", "u4": "lost", "u5": "live"}
        assert shown["notes"]["u4"] == "33 min" and shown["notes"]["u1"] == ""
        assert shown["status"]["u1"] == "en_route" and shown["legend"]

        # movement: a trail that grows at its end, then a back-filled stretch placed inside it
        vm.on_changes(units.apply(protocol.UnitEvent(epoch="e", seq=2, fixes=trail(5, 10)[5:])))
        qtbot.waitUntil(lambda: state()["trails"]["u5"] == 6, timeout=MAP_MS)  # its newest fix + 5
        vm.on_changes(units.apply(protocol.UnitEvent(epoch="e", seq=3, fixes=trail(5, 10)[:5])))
        qtbot.waitUntil(lambda: state()["trails"]["u5"] == 11, timeout=MAP_MS)
        assert state()["positions"]["u5"] == [40.5, 116.05]  # a late fix never moves the unit back

        # an SOS pulses until acknowledged here
        sos = protocol.UnitEvent(
            epoch="e", seq=4, fixes=[Fix("u1", T0 + 1, 40.46, 115.97, 0, 0, True, ("sos",))]
        )
        vm.on_changes(units.apply(sos))
        qtbot.waitUntil(lambda: state()["sos"] == ["u1"] and state()["halos"] == 1, timeout=MAP_MS)
        pulsing = "getComputedStyle(document.querySelector('.eco-sos')).animationName"
        assert _evaluate(qtbot, map_view, pulsing) == "eco-pulse-sos"
        vm.acknowledge_sos("u1")
        qtbot.waitUntil(lambda: state()["sos"] == [] and state()["halos"] == 0, timeout=MAP_MS)

        # the session's clock runs on, no message comes: u2 greys after 5 minutes without a fix
        clock.advance(120)
        qtbot.waitUntil(lambda: state()["looks"]["u2"] == "stale", timeout=MAP_MS)
        clock.advance(30 * 60)
        qtbot.waitUntil(lambda: state()["looks"]["u5"] == "lost", timeout=MAP_MS)
        image = map_view.grab()
        image.save(str(tmp_path / "units.png"))
        assert not image.isNull()

        # a reloaded page gets every unit again, trails whole
        with qtbot.waitSignal(map_view.ready, timeout=MAP_MS):
            map_view.load_map(boundary_geojson(REGION), stations)
        qtbot.waitUntil(lambda: state()["count"] == 5 and state()["trails"]["u5"] == 11, timeout=MAP_MS)
    finally:
        map_view.close()
        map_view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_trails_redrawn_in_places_look_as_when_the_whole_map_is_drawn_again(
    qtbot, tmp_path, monkeypatch
) -> None:
    """Each batch redraws only the places that changed: after forty of them, trails growing at their head
    and losing points at their tail, the map looks as the same map drawn whole again (nothing left
    behind, nothing missing)."""
    stations = [spec.station for spec in build_network(REGION, seed=1, total=60)]
    clock = ManualClock(T0)
    units = UnitBook(clock.now, trail_points=20)  # trails lose points at their tail too ...
    monkeypatch.setattr("console.widgets.map_view.TRAIL_POINTS", 20)  # ... on the page as in the book
    vm = UnitViewModel(units, IncidentBook(clock.now))
    map_view = MapView(cache_dir=tmp_path / "map")
    view = MapScreenView(WallViewModel(Store(), clock=clock), map_view, units=vm)
    try:
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        with qtbot.waitSignal(map_view.ready, timeout=MAP_MS):
            map_view.load_map(boundary_geojson(REGION), stations)
        fleet = [unit(n, KINDS[n % len(KINDS)], 5) for n in range(1, 4)]
        with qtbot.waitSignal(map_view.units_flushed, timeout=MAP_MS):
            vm.on_changes(units.apply(protocol.Snapshot("e", 1, [], [], [], units=fleet)))
        for step in range(1, 41):  # a fix a second each, zigzagging north-east
            clock.advance(1.0)
            lat, lon = (
                40.35 + step * 0.004,
                115.85 + (step % 4) * 0.006,
            )  # kilometres: trails show at this zoom
            fixes = [Fix(f"u{n}", T0 + step, lat, lon + n * 0.06, 30.0, 45.0) for n in range(1, 4)]
            with qtbot.waitSignal(map_view.units_flushed, timeout=MAP_MS):
                vm.on_changes(units.apply(protocol.UnitEvent("e", 1 + step, fixes=fixes)))
                vm.flush()
        assert _evaluate(qtbot, map_view, "ecoUnits.state().trails") == {"u1": 20, "u2": 20, "u3": 20}
        qtbot.wait(300)  # the page's next frame
        in_places = map_view.grab().toImage()
        assert _evaluate(qtbot, map_view, "ecoUnits.repaint()") is True
        qtbot.wait(300)
        whole = map_view.grab().toImage()
        in_places.save(str(tmp_path / "in-places.png"))
        assert _most_apart(in_places, whole) <= 8  # blending may round a level apart; a stale stretch is far
    finally:
        map_view.close()
        map_view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _most_apart(a, b) -> int:
    """The largest difference of one colour channel between two images of the same size."""
    from PySide6.QtGui import QColor

    worst = 0
    for x in range(a.width()):
        for y in range(a.height()):
            if a.pixel(x, y) != b.pixel(x, y):
                one, two = QColor(a.pixel(x, y)), QColor(b.pixel(x, y))
                worst = max(worst, *(abs(u - v) for u, v in zip(one.getRgb(), two.getRgb(), strict=True)))
    return worst
