"""Each view built on its real view-model and store (no doubles): hub messages go in, the view-model ticks on
its own timer, and what the operator sees on the view comes out. These catch a view that calls a
view-model method that does not exist, or a signal wired to a slot of the wrong shape."""

from __future__ import annotations

import msgspec
import pytest
from PySide6.QtCore import QCoreApplication, QEvent

from console.core import protocol
from console.core.commands import CommandCenter
from console.core.incident_book import IncidentBook
from console.core.incidents import Action, Incident, IncidentState, Severity, Source
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.outbox import Outbox
from console.core.reasons import Why
from console.core.store import Store
from console.sim.network import build_network
from console.sim.regions import PRESETS, boundary_geojson
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.wall import WallViewModel
from console.views.dispatch import DispatchWindow
from console.views.screens import ActionView, MapScreenView, SituationView
from console.widgets.incident_words import incident_title
from console.widgets.map_view import MapView
from console.widgets.trend_plot import AIR_STATION_FACTORS

REGION = PRESETS["yanqing"]
T0 = 1_763_700_000.0  # 2025-11-21 12:40 in the command centre
TICKS_MS = 10_000  # the view-models redraw on their own timers: a loaded machine may take a while
MAP_MS = 30_000
# An hour of middling air everywhere: PM2.5 80 µg/m³ gives IAQI 107 (HJ 633: 75 -> 100, 115 -> 150,
# rounded up), the other pollutants stay well under it, so the city AQI is 107, "lightly polluted".
AIR = {"a34004": 80.0, "a34002": 60.0, "a21026": 8.0, "a21004": 30.0, "a21005": 0.6, "a05024": 60.0}


@pytest.fixture(scope="module")
def stations() -> list[Station]:
    return [spec.station for spec in build_network(REGION, seed=1, total=60)]


def air_of(stations: list[Station]) -> list[Station]:
    return sorted((s for s in stations if s.kind == StationKind.AIR), key=lambda s: s.id)


def snapshot(stations: list[Station], incidents: list[Incident] = ()) -> protocol.Snapshot:
    """What the hub sends a console that connects: every station online, the air stations' latest hour."""
    latest = [Reading(s.id, code, T0, value, "N") for s in air_of(stations) for code, value in AIR.items()]
    status = [protocol.StatusEntry(s.id, StationStatus.ONLINE, T0) for s in stations]
    return protocol.Snapshot(
        epoch="e", seq=1, stations=stations, latest=latest, status=status, incidents=list(incidents)
    )


def wall(stations: list[Station]) -> tuple[Store, WallViewModel]:
    store = Store()
    names = {s.township: f"Township {s.township[-3:]}" for s in stations}
    return store, WallViewModel(store, names)


def feed(store: Store, vm: WallViewModel, message: protocol.HubMessage) -> None:
    """As the console's link does: the store applies the message, the view-model hears what changed."""
    vm.on_changes(store.apply(message))


def test_the_situation_view_shows_the_city_the_townships_and_the_network(qtbot, stations) -> None:
    store, vm = wall(stations)
    view = SituationView(vm)
    qtbot.addWidget(view)
    feed(store, vm, snapshot(stations))
    qtbot.waitUntil(lambda: view.headline.texts()["number"] == "107", timeout=TICKS_MS)
    assert "Lightly polluted" in view.headline.texts()["category"]
    assert "PM2.5" in view.headline.texts()["primary"]

    qtbot.waitUntil(lambda: bool(view.ranking.ranked_rows()), timeout=TICKS_MS)
    assert all(name.startswith("Township ") for name, _, _ in view.ranking.ranked_rows())
    total = len(air_of(stations))
    qtbot.waitUntil(lambda: f"{total} / {total}" in _online_cells(view), timeout=TICKS_MS)

    # one air station drops out: the network health row of air stations counts it offline
    gone = air_of(stations)[0]
    entry = protocol.StatusEntry(gone.id, StationStatus.OFFLINE, T0 + 60, "no data for 600 s")
    feed(store, vm, protocol.StationEvent(epoch="e", seq=2, entry=entry))
    qtbot.waitUntil(lambda: f"{total - 1} / {total}" in _online_cells(view), timeout=TICKS_MS)


def _online_cells(view: SituationView) -> list[str]:
    return [view.health.cell_text(r, "online") for r in range(view.health.row_count())]


def test_the_map_view_selects_a_clicked_station_and_shows_fresh_values_on_hover(
    qtbot, tmp_path, stations
) -> None:
    store, vm = wall(stations)
    map_view = MapView(cache_dir=tmp_path / "map")
    view = MapScreenView(vm, map_view)
    try:
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        with qtbot.waitSignal(map_view.ready, timeout=MAP_MS):
            map_view.load_map(boundary_geojson(REGION), stations)
        with qtbot.waitSignal(map_view.markers_flushed, timeout=TICKS_MS):
            feed(store, vm, snapshot(stations))
        first, second = air_of(stations)[:2]

        # a click on the map selects the station everywhere, the map rings it
        map_view.station_clicked.emit(second.id)
        assert vm.selected == second.id
        qtbot.waitUntil(lambda: _evaluate(qtbot, map_view, "ecoMap.state([]).selected") == second.id)

        # the store moves on between two redraws; the pointer reaches the station: the tooltip is asked for
        # and shows the newest values, not the marker's last lines
        fresh = protocol.Readings(epoch="e", seq=2, items=[Reading(first.id, "a34004", T0 + 60, 123.0, "N")])
        store.apply(fresh)
        map_view.tooltip_requested.emit(first.id)
        tooltip = f"ecoMap.state([{first.id!r}]).tooltip[{first.id!r}]"
        qtbot.waitUntil(lambda: "细颗粒物 123 µg/m³" in (_evaluate(qtbot, map_view, tooltip) or ""))
        shown = _evaluate(qtbot, map_view, tooltip)
        assert first.name in shown and "Township" in shown and "细颗粒物 80 µg/m³" not in shown
    finally:
        _dispose(map_view)


def test_the_map_view_names_incidents_as_the_queue_does(qtbot, tmp_path, stations) -> None:
    _store, vm = wall(stations)
    book = IncidentBook(lambda: T0 + 600)
    incidents = IncidentViewModel(book)
    map_view = MapView(cache_dir=tmp_path / "map")
    view = MapScreenView(vm, map_view, incidents)
    try:
        qtbot.addWidget(view)
        view.resize(1400, 900)
        view.show()
        with qtbot.waitSignal(map_view.ready, timeout=MAP_MS):
            map_view.load_map(boundary_geojson(REGION), stations)
        where = air_of(stations)[0]
        why = Why("sudden_rise", {"factor": "a34004"})
        rise = _incident(1, rule="sudden_rise", why=why, lon=where.lon, lat=where.lat)
        incidents.on_changes(book.apply(protocol.Snapshot("e", 1, [], [], [], incidents=[rise])))

        # the incident's marker carries the rule's words and its factor, in the operator's language, as the
        # queue and the detail pane name it: not the hub's English title
        worded = incident_title(rise.title, rise.rule, rise.why)
        assert worded != rise.title and "PM2.5" in worded
        titles = "Array.from(document.querySelectorAll('.leaflet-marker-icon[title]'), e => e.title)"
        qtbot.waitUntil(lambda: worded in (_evaluate(qtbot, map_view, titles) or []), timeout=TICKS_MS)
        assert rise.title not in _evaluate(qtbot, map_view, titles)
    finally:
        _dispose(map_view)


def _evaluate(qtbot, view: MapView, js: str) -> object:
    box: list[object] = []
    view.evaluate(js, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=5000)
    return box[0]


def _dispose(view: MapView) -> None:
    """Delete the map (and its page) now: the default web profile must outlive every page."""
    view.close()
    view.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_action_view_shows_the_selected_station_events_and_the_incident_board(qtbot, stations) -> None:
    store, vm = wall(stations)
    book = IncidentBook(lambda: T0 + 120)
    incidents = IncidentViewModel(book)
    view = ActionView(vm, incidents)
    qtbot.addWidget(view)
    view.board.alarm.muted = True
    feed(store, vm, snapshot(stations))
    first, second = air_of(stations)[:2]

    # nothing chosen yet: the first air station's trends fill the panel
    qtbot.waitUntil(lambda: first.name in view.trends_panel.title(), timeout=TICKS_MS)
    assert view.trends.factors() == list(AIR_STATION_FACTORS)
    vm.select_station(second.id)
    qtbot.waitUntil(lambda: second.name in view.trends_panel.title(), timeout=TICKS_MS)

    # a station goes offline: the latest events say so
    entry = protocol.StatusEntry(first.id, StationStatus.OFFLINE, T0 + 60, "no data for 600 s")
    feed(store, vm, protocol.StationEvent(epoch="e", seq=2, entry=entry))
    qtbot.waitUntil(lambda: bool(view.events.shown_rows()), timeout=TICKS_MS)
    assert f"{first.name} offline: no data for 10 min" in view.events.shown_rows()[0][2]

    # a critical incident arrives: the queue lists it and the board asks for acknowledgement
    critical = _incident(7, severity=Severity.CRITICAL, station=first.id)
    incidents.on_changes(book.apply(protocol.IncidentEvent(epoch="e", seq=3, incident=critical)))
    qtbot.waitUntil(lambda: view.board.queue.shown_ids() == ["INC-7"], timeout=TICKS_MS)
    assert view.board.queue.is_pulsing() and not view.board.acknowledge.isHidden()
    view.board.acknowledge.click()
    assert view.board.acknowledge.isHidden() and not view.board.queue.is_pulsing()
    assert book.unacknowledged_critical() == set()


def _incident(n: int, **changes: object) -> Incident:
    base = Incident(
        id=f"INC-{n}", version=1, state=IncidentState.DISCOVERED, source=Source.RULE, category="air",
        severity=Severity.MEDIUM, title=f"PM2.5 above the limit at station {n}", reason="PM2.5 1 h 180 > 150",
        created=T0 + n, updated=T0 + n, township="T01", responsible="网格员 G-01", lon=116.0, lat=40.4,
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


async def _never(_command: object) -> bool:
    return False  # the link is down: commands stay queued in the outbox


def test_the_dispatch_desk_lists_selects_and_sends_commands(qtbot, tmp_path) -> None:
    book = IncidentBook(lambda: T0 + 3600)
    outbox = Outbox(tmp_path / "cache.db")
    vm = IncidentViewModel(book)
    commands = CommandCenter(outbox, _never, book, on_change=vm.on_commands_changed)
    vm.commands = commands
    window = DispatchWindow(vm)
    qtbot.addWidget(window)
    try:
        opened = [_incident(1), _incident(2, severity=Severity.HIGH)]
        vm.on_changes(book.apply(protocol.Snapshot("e", 1, [], [], [], incidents=opened)))
        qtbot.waitUntil(lambda: sorted(window.queue.shown_ids()) == ["INC-1", "INC-2"], timeout=TICKS_MS)
        assert window.counts.texts()

        # the operator picks an incident in the queue: the detail pane shows it with the duty role's actions
        window.queue.incident_selected.emit("INC-1")
        assert vm.selected == "INC-1"
        assert window.detail.title.text() == "PM2.5 above the limit at station 1"
        assert Action.DISPATCH in window.detail.action_buttons

        # a dispatch from the detail pane goes to the outbox and the queue marks it pending
        args = {"assignee": "网格员 G-07"}
        window.detail.action_requested.emit("dispatch", "INC-1", args, [])
        assert [(p.command.action, p.command.target) for p in commands.pending()] == [("dispatch", "INC-1")]
        row = lambda: window.queue.row_texts(window.queue.shown_ids().index("INC-1"))  # noqa: E731
        qtbot.waitUntil(lambda: "pending" in row()["badge"], timeout=TICKS_MS)

        # acknowledging from the detail pane queues its command too
        window.detail.acknowledge_requested.emit("INC-2")
        assert ("acknowledge", "INC-2") in [(c.action, c.target) for c in outbox.pending()]
    finally:
        outbox.close()


def test_the_situation_view_never_calls_a_replay_now(qtbot, stations) -> None:
    _store, vm = wall(stations)
    view = SituationView(vm)
    qtbot.addWidget(view)
    assert view.city_panel.title() == "City air quality now"
    view.set_replay(1_448_900_000.0)  # a moment of 2015 replayed
    assert view.city_panel.title() == "City air quality as replayed"
    view.set_replay(None)
    assert view.city_panel.title() == "City air quality now"
