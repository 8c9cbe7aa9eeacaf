"""End to end through the dispatch desk: a coordinator logs in to the real embedded hub and dispatches,
records handling and submits feedback with a photo on an incident the simulated city raised; a leader,
at a second console on the same hub, assesses it. Everything by clicking the widgets; the hub's audit
trail shows every step, and who took it, in the detail pane."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtGui import QColor, QImage

from console.app import ConsoleApp
from console.core.incidents import Action, IncidentState
from console.settings import Settings
from tests.qt.waiting import HUB_START_S, SHUTDOWN_S, WHOLE_CONSOLE, until

pytestmark = [pytest.mark.asyncio(loop_factories=["qasync"]), WHOLE_CONSOLE]


async def act(console, incident_id: str, action: Action, fill, done) -> None:
    """Click an action's button, fill its dialog, send, until the incident is ``done`` (a predicate); once
    more after a conflict (the rules may have updated the incident meanwhile: the pane then shows the
    refusal with its reason). Not any new version: a rule's update can land while a photo uploads."""
    detail = console.desk.window.detail
    session = console.session
    for _attempt in range(3):
        await until(lambda: action in detail.action_buttons, 30, f"{action} button")
        moved = lambda: done(session.book.get(incident_id)) or session.commands.problems()  # noqa: E731
        detail.action_buttons[action].click()
        dialog = detail.dialog
        fill(dialog)
        dialog.ok_button.click()
        assert not dialog.isVisible(), dialog.error.text()
        await until(moved, 60, f"{action} echoed by the hub")
        problems = console.session.commands.problems()
        if not problems:
            return
        assert problems[0].error.startswith("conflict"), problems[0].error
        refused = problems[0].command.id
        await until(lambda r=refused: r in detail.problem_buttons, 10, "refusal shown")
        detail.problem_buttons[refused][1].click()  # the operator reads it and tries again
    raise AssertionError(f"{action} kept conflicting")


async def test_the_closed_loop_through_the_dispatch_desk(tmp_path, qapp) -> None:
    photo = tmp_path / "site.png"
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    assert image.save(str(photo))
    settings = Settings(data_dir=tmp_path / "desk", accel=60, lang="en", user="coordinator", dispatch=True)
    console = ConsoleApp(settings)
    running = asyncio.ensure_future(console.run())
    leader, led = None, None
    try:
        await until(lambda: console.login.account is not None, HUB_START_S, "login")
        await until(lambda: console.incidents.role == "coordinator", 60, "role from the welcome")
        book = console.session.book
        await until(
            lambda: any(i.state == IncidentState.DISCOVERED for i in book.incidents.values()),
            90,
            "an incident",
        )
        incident_id = next(i.id for i in book.incidents.values() if i.state == IncidentState.DISCOVERED)
        window = console.desk.window
        assert window is not None and window.isVisible()
        window.queue.incident_selected.emit(incident_id)  # as a click on its row does
        await until(lambda: window.detail.detail and window.detail.detail.incident.id == incident_id)

        # the hub's responsibility roster reaches the open desk: dispatching offers its people
        await until(lambda: window.detail.roster, 30, "the responsibility roster at the desk")
        roster = window.detail.roster
        assert roster == console.incidents.roster

        def dispatch(dialog) -> None:
            assert dialog.assignee.findText(roster[0]) >= 0
            dialog.assignee.setCurrentText("网格员 测试-01")

        assigned = lambda i: i.assignee == "网格员 测试-01"  # noqa: E731
        await act(console, incident_id, Action.DISPATCH, dispatch, assigned)
        assert book.get(incident_id).assignee == "网格员 测试-01"
        await act(
            console, incident_id, Action.HANDLE, lambda d: d.comment.setPlainText("到场核查，已责令整改"),
            lambda i: i.state == IncidentState.HANDLING,
        )  # fmt: skip

        def feedback(dialog) -> None:
            dialog.comment.setPlainText("整改完成，复测达标")
            dialog.add_photos([photo])
            assert dialog.photos == [photo]

        fed_back = lambda i: i.state == IncidentState.FEEDBACK  # noqa: E731
        await act(console, incident_id, Action.FEEDBACK, feedback, fed_back)
        assert book.get(incident_id).state == IncidentState.FEEDBACK
        assert Action.ASSESS not in window.detail.action_buttons  # assessing is the leader's
        await until(lambda: console.session.commands.pending() == [], 30, "every command acknowledged")

        # the leader, at a second console on the same hub, assesses it
        password = console.hub.demo_password("leader")  # made by the embedded hub at its first start
        leader = ConsoleApp(Settings(data_dir=tmp_path / "leader", hub_url=console.hub.url, lang="en",
                                     user="leader", password=password, dispatch=True))  # fmt: skip
        led = asyncio.ensure_future(leader.run())
        await until(lambda: leader.incidents.role == "leader", 60, "the leader's role")
        leader_book = leader.session.book
        await until(lambda: leader_book.get(incident_id) is not None, 60, "the incident at the leader's desk")
        leader.desk.window.queue.incident_selected.emit(incident_id)
        assert set(leader.desk.window.detail.action_buttons) <= {Action.ASSESS, Action.COMMENT}
        closed = lambda i: i.state == IncidentState.CLOSED  # noqa: E731
        await act(leader, incident_id, Action.ASSESS, lambda d: d.passed.setChecked(True), closed)
        await until(lambda: leader.session.commands.pending() == [], 30, "the assessment acknowledged")
        await until(lambda: book.get(incident_id).state == IncidentState.CLOSED, 30, "closed at the desk too")

        detail = window.detail
        console.incidents.reload(incident_id)  # the whole trail from the hub's REST API
        wanted = ["Dispatch", "Record handling", "Submit feedback", "Assess"]
        await until(
            lambda: all(any(row[2] == w for row in detail.trail_rows()) for w in wanted), 30, "audit trail"
        )
        rows = detail.trail_rows()
        feedback_row = next(row for row in rows if row[2] == "Submit feedback")
        assert feedback_row[5].startswith("1") and "复测达标" in feedback_row[4]
        assert rows[0][2] == "Assess"  # newest first
        assert "leader" in rows[0][1] and all("coordinator" in r[1] for r in rows if r[2] in wanted[:3])
        detail.trail.cellClicked.emit(rows.index(feedback_row), 5)  # the photo count opens the photo
        await until(lambda: getattr(window, "photo_dialog", None) is not None, 30, "the photo from the hub")
        assert window.photo_dialog.shown == 1
        window.photo_dialog.close()

        window.tabs.setCurrentWidget(window.assessment)  # 考核 as the hub counts it
        await until(lambda: window.assessment.shown_rows(), 30, "assessment rows")
        township = book.get(incident_id).township
        names = console.incidents.township_names
        (row,) = [r for r in window.assessment.shown_rows() if r[0] in (township, names.get(township))]
        assert row[1] == "1" and row[2] == "100 %"
        csv_path = tmp_path / "assessment.csv"
        window.assessment.export_to(csv_path)
        await until(csv_path.exists, 30, "the CSV export")
        assert "on_time_rate" in csv_path.read_text(encoding="utf-8-sig")
    finally:
        if leader is not None:
            leader._done.set()
            await asyncio.wait_for(led, SHUTDOWN_S)
        console._done.set()
        await asyncio.wait_for(running, SHUTDOWN_S)
    assert console.hub.process.returncode is not None
