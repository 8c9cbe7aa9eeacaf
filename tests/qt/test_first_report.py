"""The wall in a hub's first minute: stations not heard from yet are awaited, not counted offline."""

from __future__ import annotations

from console.core import grading, protocol
from console.core.models import Reading, StationKind, StationStatus
from console.core.store import Store
from console.viewmodels.wall import WallViewModel
from console.views.screens import SituationView
from console.widgets import theme
from console.widgets.network_health import HealthRow
from console.widgets.theme import WallScale
from tests.net.hubkit import station

T0 = 1_795_300_000.0
MICROS = [station(n, StationKind.MICRO) for n in range(1, 5)]


def snapshot(status: dict[str, StationStatus]) -> protocol.Snapshot:
    latest = [Reading(s.id, "a34004", T0 - 600, 40.0) for s in MICROS]  # stored before the hub started
    entries = [protocol.StatusEntry(sid, st, T0) for sid, st in status.items()]
    return protocol.Snapshot(epoch="e", seq=1, stations=MICROS, latest=latest, status=entries)


def event(seq: int, sid: str, status: StationStatus) -> protocol.StationEvent:
    return protocol.StationEvent(epoch="e", seq=seq, entry=protocol.StatusEntry(sid, status, T0 + seq))


def test_health_panel_and_markers_say_awaiting_not_offline(qtbot) -> None:
    store = Store()
    vm = WallViewModel(store)
    view = SituationView(vm)
    qtbot.addWidget(view)
    markers: list = []
    vm.markers_changed.connect(markers.extend)
    vm.on_changes(store.apply(snapshot({s.id: StationStatus.AWAITING for s in MICROS})))
    vm.flush()
    health = view.health
    qtbot.waitUntil(lambda: health.row_count() == 1 and health.cell_text(0, "online") == "0 / 4 ◌4")
    assert health.note_text() == "◌ awaiting first report since the hub started"
    assert health.cell_text(0, "offline") == "0"
    assert health.cell_text(0, "rate") == "—" and health.cell_state(0, "rate") == "dim"  # nobody could report
    look = vm.looks["T-001"]
    assert look.state == "awaiting" and look.color == grading.AWAITING and look.label == ""
    assert {m.state for m in markers} == {"awaiting"}
    assert vm.tooltip(MICROS[0])[-1] == "awaiting first report"

    # Two report, one is overdue since three intervals have passed: the rate counts those three only.
    for seq, (sid, status) in enumerate(
        [("T-001", StationStatus.ONLINE), ("T-002", StationStatus.ONLINE), ("T-003", StationStatus.OFFLINE)],
        2,
    ):
        vm.on_changes(store.apply(event(seq, sid, status)))
    vm.flush()
    qtbot.waitUntil(lambda: health.cell_text(0, "online") == "2 / 4 ◌1")
    assert health.cell_text(0, "offline") == "○ 1"
    assert health.cell_text(0, "rate") == "▼ 66.7%"
    assert vm.looks["T-003"].state == "offline" and vm.looks["T-004"].state == "awaiting"

    vm.on_changes(store.apply(event(5, "T-004", StationStatus.ONLINE)))
    vm.flush()
    qtbot.waitUntil(lambda: health.cell_text(0, "online") == "3 / 4")
    assert health.note_text() == ""  # nobody awaited any more: the note goes
    assert health.cell_text(0, "rate") == "▼ 75.0%"


def test_the_awaiting_words_are_chinese_in_the_chinese_interface(qtbot, chinese) -> None:
    store = Store()
    vm = WallViewModel(store)
    view = SituationView(vm)
    qtbot.addWidget(view)
    vm.on_changes(store.apply(snapshot({s.id: StationStatus.AWAITING for s in MICROS})))
    vm.flush()
    qtbot.waitUntil(lambda: view.health.row_count() == 1 and view.health.cell_text(0, "kind") == "微站")
    assert view.health.note_text() == "◌ 平台启动后等待首次上报"
    assert vm.tooltip(MICROS[0])[-1] == "等待首次上报"
    store.apply(event(2, "T-001", StationStatus.OFFLINE))
    assert vm.tooltip(MICROS[0])[-1] == "离线"


def test_the_situation_view_still_fits_its_screen_with_stations_awaited(qapp, qtbot) -> None:
    """The awaited counts ride beside the online counts: the left screen keeps its 1920 px."""
    font, sheet, previous = qapp.font(), qapp.styleSheet(), theme.current_scale()
    try:
        theme.apply_theme(qapp, WallScale())
        view = SituationView(WallViewModel(Store()))
        qtbot.addWidget(view)
        kinds = [("air", 20), ("micro", 435), ("scenic", 11), ("water", 10), ("noise", 46), ("fume", 350)]
        kinds += [("source", 20), ("odour", 13)]
        view.health.set_rows([HealthRow(k, n, n // 3, 1, 1, 1, n - n // 3 - 1) for k, n in kinds])
        view.resize(1920, 1080)
        view.show()
        qapp.processEvents()
        assert view.health.cell_text(1, "online") == "145 / 435 ◌289"
        assert view.width() == 1920 and view.minimumSizeHint().width() <= 1920
    finally:  # other tests share the application
        qapp.setFont(font)
        qapp.setStyleSheet(sheet)
        theme._current = previous
