"""The incident screens as an operator meets them: actions by role, sorting and filters, the critical pulse,
dialogs that refuse incomplete input, pending and refused commands, and 考核."""

from __future__ import annotations

import msgspec
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout

from console.core import protocol
from console.core.commands import CommandCenter
from console.core.incident_book import IncidentBook
from console.core.incidents import Action, AuditEntry, Incident, IncidentState, Severity, Source
from console.core.outbox import Outbox
from console.core.reasons import Why, render
from console.viewmodels.incidents import IncidentViewModel
from console.views.dispatch import DispatchWindow
from console.views.screens import IncidentBoard
from console.widgets.assessment import AssessmentView
from console.widgets.incident_dialogs import ActionDialog
from console.widgets.incident_queue import PULSE_COLOUR

T0 = 1_763_700_000.0
HOUR = 3600.0


def incident(n: int, version: int = 1, **changes) -> Incident:
    base = Incident(
        id=f"INC-{n}", version=version, state=IncidentState.DISCOVERED, source=Source.RULE, category="air",
        severity=Severity.MEDIUM, title=f"PM2.5 above the limit at station {n}", reason="PM2.5 1 h 180 > 150",
        created=T0 + n, updated=T0 + n, township=f"T0{n % 3}", responsible="网格员 G-01", lon=116.0, lat=40.4,
    )  # fmt: skip
    return msgspec.structs.replace(base, **changes)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def _never(_command) -> bool:
    return False  # the link is down: everything stays queued


@pytest.fixture
def world(tmp_path, qtbot):
    clock = Clock(T0 + 5 * HOUR)
    book = IncidentBook(clock)
    outbox = Outbox(tmp_path / "cache.db")
    vm = IncidentViewModel(book)
    commands = CommandCenter(outbox, _never, book, on_change=vm.on_commands_changed)
    vm.commands = commands
    book.put(incident(1))
    book.put(incident(2, state=IncidentState.DISPATCHED, dispatched=T0, deadline=T0 + 2 * HOUR, assignee="A"))
    book.put(incident(3, severity=Severity.HIGH, state=IncidentState.FEEDBACK, dispatched=T0,
                      deadline=T0 + 8 * HOUR))  # fmt: skip
    window = DispatchWindow(vm)
    qtbot.addWidget(window)
    vm.flush()
    yield vm, window, book, commands
    outbox.close()


def test_the_role_decides_which_actions_are_offered(world):
    vm, window, _book, _ = world
    vm.select("INC-1")
    assert set(window.detail.action_buttons) == {Action.DISPATCH, Action.DISMISS, Action.COMMENT}
    vm.set_role("leader")
    vm.flush()
    assert set(window.detail.action_buttons) == {Action.COMMENT}
    vm.select("INC-3")
    assert set(window.detail.action_buttons) == {Action.ASSESS, Action.COMMENT}
    vm.set_role("inspector")
    vm.flush()
    assert window.detail.action_buttons == {}
    assert "Inspector" in window.role.text()


def test_the_queue_sorts_by_urgency_by_header_and_filters(world, qtbot):
    _vm, window, _book, _ = world
    queue = window.queue
    assert queue.shown_ids()[0] == "INC-2"  # overdue comes first
    assert "overdue 3 h" in queue.row_texts(0)["deadline"]
    severity_column = queue.model.columns.index("severity")
    queue.table.horizontalHeader().sectionClicked.emit(severity_column)
    assert queue.shown_ids()[0] == "INC-3"
    queue.overdue_filter.setChecked(True)
    assert queue.shown_ids() == ["INC-2"]
    queue.overdue_filter.setChecked(False)
    queue.state_filter.setCurrentIndex(queue.state_filter.findData("feedback"))
    assert queue.shown_ids() == ["INC-3"]
    assert window.counts.texts()["overdue"].endswith("1")


def test_a_new_critical_incident_pulses_and_sounds_until_acknowledged(world, qtbot):
    vm, _window, book, _ = world
    board = IncidentBoard(book.clock)
    qtbot.addWidget(board)
    board.alarm.muted = True
    from console.views.dispatch import bind_queue

    bind_queue(vm, board.queue, board.counts)
    vm.pulsing_changed.connect(board.set_pulsing)
    board.acknowledge_requested.connect(lambda: vm.acknowledge())
    raised = []
    vm.critical_raised.connect(raised.append)
    event = protocol.IncidentEvent(epoch="e", seq=1, incident=incident(9, severity=Severity.CRITICAL))
    vm.on_changes(book.apply(event))
    vm.flush()
    assert raised == ["INC-9"]
    assert board.queue.shown_ids()[0] == "INC-9" and board.queue.is_pulsing()
    assert board.alarm.active and not board.acknowledge.isHidden()
    model = board.queue.model
    model.pulse_on = True  # the bright phase of the pulse: dark red behind off-white text
    assert (
        model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole).color().name() == PULSE_COLOUR.lower()
    )
    qtbot.mouseClick(board.acknowledge, Qt.MouseButton.LeftButton)
    assert not board.queue.is_pulsing() and not board.alarm.active and board.acknowledge.isHidden()
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is None
    assert "NEW" not in board.queue.row_texts(0)["badge"]


def test_acknowledging_tells_the_hub_and_an_acknowledgement_from_elsewhere_stops_the_pulse(world, qtbot):
    vm, _window, book, commands = world
    vm.set_role("duty")
    board = IncidentBoard(book.clock)
    qtbot.addWidget(board)
    board.alarm.muted = True
    from console.views.dispatch import bind_queue

    bind_queue(vm, board.queue, board.counts)
    vm.pulsing_changed.connect(board.set_pulsing)
    critical = incident(8, severity=Severity.CRITICAL)
    vm.on_changes(book.apply(protocol.IncidentEvent(epoch="e", seq=1, incident=critical)))
    vm.flush()
    assert board.queue.is_pulsing()
    seen = msgspec.structs.replace(critical, version=critical.version + 1, acknowledged="coordinator")
    vm.on_changes(book.apply(protocol.IncidentEvent(epoch="e", seq=2, incident=seen)))  # another wall
    vm.flush()
    assert not board.queue.is_pulsing() and not board.alarm.active

    other = incident(9, severity=Severity.CRITICAL)
    vm.on_changes(book.apply(protocol.IncidentEvent(epoch="e", seq=3, incident=other)))
    vm.flush()
    vm.acknowledge()  # the button on this wall
    queued = [(c.action, c.target) for c in commands.outbox.pending()]
    assert ("acknowledge", "INC-9") in queued and not board.queue.is_pulsing()


def test_dialogs_refuse_incomplete_input_and_a_command_shows_as_pending(world, qtbot):
    vm, window, _book, commands = world
    vm.select("INC-1")
    dialog = window.detail.open_dialog(Action.DISPATCH)
    assert isinstance(dialog, ActionDialog)
    dialog.assignee.setCurrentText("  ")
    dialog.ok_button.click()
    assert dialog.isVisible() and "who" in dialog.error.text()
    dialog.assignee.setCurrentText("网格员 G-07")
    dialog.ok_button.click()
    assert not dialog.isVisible()
    vm.flush()
    assert [p.command.args["assignee"] for p in commands.pending()] == ["网格员 G-07"]
    assert "pending" in window.queue.row_texts(window.queue.shown_ids().index("INC-1"))["badge"]
    assert "queued" in window.detail.pending.text()
    # the hub has not echoed it: the incident itself is unchanged
    assert vm.book.get("INC-1").state == IncidentState.DISCOVERED
    feedback = window.detail.open_dialog(Action.COMMENT)
    feedback.ok_button.click()
    assert "Write the comment" in feedback.error.text()


def test_a_refused_command_stays_with_its_reason_until_dismissed(world, qtbot):
    vm, window, _book, commands = world
    vm.select("INC-1")
    command = commands.issue("comment", "INC-1", {"comment": "checking"})
    commands.outbox.mark_sent(command.id)
    error = (
        "conflict: incident INC-1 is at version 2, not 1: someone else changed it; look again before acting"
    )
    commands.on_ack(protocol.Ack(id=command.id, ok=False, error=error, target="INC-1"))
    vm.flush()
    assert "refused" in window.queue.row_texts(window.queue.shown_ids().index("INC-1"))["badge"]
    reload, dismiss = window.detail.problem_buttons[command.id]
    reloads = []
    window.detail.reload_requested.connect(reloads.append)
    reload.click()
    assert reloads == ["INC-1"]
    dismiss.click()
    vm.flush()
    assert window.detail.problem_buttons == {} and commands.problems() == []


def test_the_audit_trail_is_shown_newest_first(world):
    vm, window, book, _ = world
    trail = [
        AuditEntry(incident="INC-3", n=1, ts=T0, actor="system", role="system", action="raise",
                   from_state="", to_state="discovered", version=1),
        AuditEntry(incident="INC-3", n=2, ts=T0 + 60, actor="duty", role="duty", action="dispatch",
                   from_state="discovered", to_state="dispatched", version=2, details={"assignee": "A"}),
    ]  # fmt: skip
    vm.on_changes(book.set_audit("INC-3", trail))
    vm.select("INC-3")
    rows = window.detail.trail_rows()
    assert rows[0][2] == "Dispatch" and "Discovered → Dispatched" in rows[0][3] and "A" in rows[0][4]
    assert rows[1][2] == "Raised"


def test_assessment_rows_sort_by_figure_and_export_asks_for_the_csv(qtbot, tmp_path):
    view = AssessmentView()
    qtbot.addWidget(view)
    rows = [
        {"key": "T01", "name": "香水园街道", "handled": 12, "on_time": 9, "on_time_rate": 0.75,
         "mean_handling_h": 5.25, "returns": 1, "escalations": 0},
        {"key": "T02", "name": "旧县镇", "handled": 3, "on_time": 3, "on_time_rate": 1.0,
         "mean_handling_h": None, "returns": 0, "escalations": 0},
    ]  # fmt: skip
    view.set_rows("township", rows)
    assert view.shown_rows()[0] == ["香水园街道", "12", "75 %", "5.2 h", "1", "0"]
    assert view.shown_rows()[1][3] == "—"
    view.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    assert view.shown_rows()[0][0] == "旧县镇"
    with qtbot.waitSignal(view.export_requested) as blocker:
        view.export_to(tmp_path / "a.csv")
    assert blocker.args == ["township", str(tmp_path / "a.csv")]


def test_incidents_on_the_map_with_deadline_halos_and_focus(qtbot, tmp_path):
    from PySide6.QtCore import QCoreApplication, QEvent

    from console.sim.network import build_network
    from console.sim.regions import PRESETS, boundary_geojson
    from console.viewmodels.incidents import IncidentMarker
    from console.widgets.incident_words import incident_map_labels
    from console.widgets.map_view import MapView

    region = PRESETS["yanqing"]
    stations = [spec.station for spec in build_network(region, seed=1, total=50)]
    view = MapView(cache_dir=tmp_path / "map")
    view.resize(1400, 850)
    view.show()
    try:
        late = IncidentMarker("INC-1", stations[0].lon, stations[0].lat, 3, "overdue", 1.3, "<b>x</b>", False)
        new = IncidentMarker("INC-2", stations[1].lon, stations[1].lat, 4, "none", 0.0, "new", True)
        view.set_incidents([late, new])  # before the page is ready: kept and sent when it is
        with qtbot.waitSignal(view.ready, timeout=30_000):
            view.load_map(boundary_geojson(region), stations, labels=incident_map_labels())
        box: list = []
        view.evaluate("ecoMap.incidentState()", box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=5000)
        assert box[0]["count"] == 2 and box[0]["lateness"]["INC-1"] == "overdue"
        assert box[0]["pulsing"] == ["INC-2"]
        view.set_incidents([late])  # acknowledged and closed: gone from the map
        view.focus_incident("INC-1")
        box.clear()
        view.evaluate(
            "[ecoMap.incidentState(), document.querySelectorAll('.eco-inc-pulse').length]", box.append
        )
        qtbot.waitUntil(lambda: bool(box), timeout=5000)
        state, pulsing = box[0]
        assert state["count"] == 1 and state["focused"] == "INC-1" and pulsing == 0
        with qtbot.waitSignal(view.incident_clicked) as clicked:
            view.page().runJavaScript("document.querySelector('.eco-inc-core').click()")
        assert clicked.args == ["INC-1"]
        import os

        if os.environ.get("INCIDENT_SHOTS"):
            qtbot.wait(1000)
            view.grab().save(os.path.join(os.environ["INCIDENT_SHOTS"], "map-incidents.png"))
    finally:
        view.release()  # the page before its view
        view.close()
        view.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_login_settings_say_what_is_missing(monkeypatch, capsys):
    from console.settings import parse_settings

    monkeypatch.delenv("ECOCONSOLE_PASSWORD", raising=False)
    with pytest.raises(SystemExit):
        parse_settings(["--password", "x"])
    assert "--password needs --user" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_settings(["--hub", "wss://hub:8080", "--user", "duty"])
    assert "--user needs --password" in capsys.readouterr().err
    monkeypatch.setenv("ECOCONSOLE_PASSWORD", "secret")
    settings = parse_settings(["--hub", "wss://hub:8080", "--user", "duty", "--dispatch"])
    assert (settings.user, settings.password, settings.dispatch) == ("duty", "secret", True)


def test_a_report_needs_a_title_and_a_station_and_goes_through_the_outbox(world):
    vm, window, _book, commands = world
    vm.set_station_names({"A-01": "百泉街道空气站", "W-02": "妫水河水质站"})
    assert window.report_button.isVisibleTo(window)
    dialog = window.open_report()
    dialog.ok_button.click()
    assert "title" in dialog.error.text() and dialog.isVisible()
    dialog.title.setText("河道有异味")
    dialog.station.setCurrentText("不存在的站")
    dialog.ok_button.click()
    assert "No station" in dialog.error.text()
    dialog.station.setCurrentIndex(dialog.station.findData("W-02"))
    dialog.category.setCurrentIndex(dialog.category.findData("water"))
    dialog.ok_button.click()
    assert not dialog.isVisible()
    (pending,) = commands.pending()
    assert pending.command.action == "report" and pending.command.target == ""
    assert pending.command.args["station"] == "W-02" and pending.command.args["category"] == "water"
    vm.set_role("leader")
    vm.flush()
    assert not window.report_button.isVisibleTo(window)


def test_the_alarm_sounds_until_stopped_and_its_tone_is_a_valid_wav(qtbot, tmp_path):
    import wave

    from console.widgets.incident_queue import AlarmSound, alarm_wav

    with wave.open(str(alarm_wav(tmp_path / "a.wav"))) as wav:
        assert wav.getframerate() == 22050 and wav.getnframes() > 10000
    alarm = AlarmSound()
    alarm.set_active(True)
    assert alarm.active and alarm.count == 1  # at once, then every few seconds
    alarm.set_active(False)
    assert not alarm.active


def test_a_rules_reason_reads_in_the_operators_language(world, chinese):
    vm, window, book, _ = world
    why = Why("sudden_rise", {"factor": "a34004", "value": "221 µg/m³", "time": "2026-11-22 00:53", "n": "3",
                              "ratio": "2", "baseline": "60 µg/m³", "margin": "75 µg/m³"})  # fmt: skip
    raised = incident(7, rule="sudden_rise", station="MICRO-0007", why=why, reason=render(why))
    vm.set_station_names({"MICRO-0007": "延庆镇微站007"})
    vm.on_changes(book.apply(protocol.IncidentEvent(epoch="e", seq=1, incident=raised)))
    vm.select("INC-7")
    vm.flush()
    shown = window.detail.why.text()
    assert shown.startswith("突升规则：PM2.5 于 2026-11-22 00:53 升至 221 µg/m³") and "Sudden" not in shown
    assert window.detail.title.text() == "浓度突升 · PM2.5"  # the rule's words and the factor it is about
    row = window.queue.row_texts(window.queue.shown_ids().index("INC-7"))
    assert row["title"] == "延庆镇微站007 · 浓度突升 · PM2.5"
    source = [window.detail.fields.itemAt(n, QFormLayout.ItemRole.FieldRole).widget().text()
              for n in range(window.detail.fields.rowCount())]  # fmt: skip
    assert "报警规则 · 浓度突升 · 延庆镇微站007 (MICRO-0007)" in source
