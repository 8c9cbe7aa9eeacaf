"""Reports from the console: Ctrl+P opens the dialog, which writes a period's report fetched from a real hub
over REST while the event loop keeps running; the special report of an incident, with its trail and the
photo uploaded to the hub, from the detail pane's request."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pypdf
import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from console.core.hubapi import HubApi
from console.core.incidents import AuditEntry, Incident, IncidentState, Severity, Source
from console.hub.incident_store import Change
from console.viewmodels.reports import ReportsViewModel
from console.views.report_desk import ReportDesk
from console.widgets.report_export import default_period
from tests.net.hubkit import TOKEN, running_hub
from tests.net.test_report import DAY, HOURLY, _store_days
from tests.qt.test_report_pdf import _squeezed, plain
from tests.qt.waiting import until

on_qasync = pytest.mark.asyncio(loop_factories=["qasync"])


def _text(path: Path) -> str:
    reader = pypdf.PdfReader(str(path))
    return _squeezed(plain("".join(page.extract_text() for page in reader.pages)))


def _png(colour: str) -> bytes:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


@on_qasync
async def test_ctrl_p_writes_the_report_without_holding_up_the_loop(tmp_path, qapp):
    async with running_hub(tmp_path, HOURLY) as hub:
        _store_days(hub.storage, 3)
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        vm = ReportsViewModel(bureau="延庆区生态环境局")
        vm.fetch_report = api.report_figures
        desk = ReportDesk(vm, folder=tmp_path)
        window = QWidget()
        window.resize(400, 300)
        desk.add_shortcuts([window])
        window.show()
        window.activateWindow()
        await until(window.isActiveWindow, 10, "the window active")
        QTest.keyClick(window, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        dialog = desk.dialog
        assert dialog is not None and dialog.isVisible()
        assert [a.text() for a in window.actions()] == ["Report…"]  # the context menu's entry
        dialog.kind.setCurrentIndex(dialog.kind.findData("episode"))
        dialog.period.setText("2015-12-01/2015-12-03")
        dialog.format.setCurrentIndex(dialog.format.findData("pdf"))
        out = tmp_path / "december.pdf"
        dialog.path.setText(str(out))
        ticks, busy = [], []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(vm.busy))
        timer.start(10)
        vm.busy_changed.connect(busy.append)
        dialog.write_button.click()
        await until(lambda: busy == [True, False], 60, "the report written")
        timer.stop()
        assert "Written:" in dialog.status.text() and str(out) in dialog.status.text(), dialog.status.text()
        assert any(ticks), "the event loop ran while the report was fetched and written"
        text = _text(out)
        assert "延庆区生态环境局" in text and "PM2.5平均浓度40μg/m3" in text  # (NFKC: ³ -> 3)
        dialog.period.setText("2015-12-03/2015-12-01")  # a bad period: said in the dialog, nothing written
        dialog.write_button.click()
        assert "ends before it starts" in dialog.status.text()
        await api.close()
        desk.close()
        window.close()


def test_the_dialog_offers_the_last_finished_period():
    from datetime import date

    today = date(2016, 1, 5)
    assert default_period("daily", today) == "2016-01-04"
    assert default_period("weekly", today) == "2015-W53"
    assert default_period("monthly", today) == "2015-12"
    assert default_period("annual", today) == "2015"
    assert default_period("episode", today) == "2015-12-29/2016-01-04"


@on_qasync
async def test_the_special_report_of_an_incident_with_its_photo(tmp_path, qapp):
    async with running_hub(tmp_path, HOURLY) as hub:
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        dispatched = DAY + 3600
        incident = Incident(
            id="INC-7", version=4, state=IncidentState.CLOSED, source=Source.RULE, category="air",
            severity=Severity.HIGH, title="PM2.5 超标", reason="T-001 PM2.5 小时均值 180 μg/m³，超过 115",
            created=DAY + 600, updated=DAY + 9000, township="110119001", station="T-001",
            dispatched=dispatched, deadline=dispatched + 4 * 3600, closed=DAY + 9000, assignee="网格员 王五",
        )  # fmt: skip
        hub.incidents.incidents[incident.id] = incident  # the hub knows it: photos can be uploaded for it
        photo = tmp_path / "site.png"
        photo.write_bytes(_png("#3366aa"))
        photo_id = await api.upload_attachment(incident.id, photo)

        def entry(
            n: int, ts: float, actor: str, action: str, to: str, comment: str = "", photos=()
        ) -> AuditEntry:
            return AuditEntry(incident=incident.id, n=n, ts=ts, actor=actor, role="x", action=action,
                              from_state="", to_state=to, version=n, comment=comment,
                              attachments=tuple(photos))  # fmt: skip

        trail = [
            entry(1, DAY + 600, "system", "raise", "discovered"),
            entry(2, dispatched, "coordinator", "dispatch", "dispatched"),
            entry(3, DAY + 5400, "网格员 王五", "handle", "handling", "到场核查，已责令整改"),
            entry(4, DAY + 7200, "网格员 王五", "feedback", "feedback", "整改完成，复测达标", [photo_id]),
            entry(5, DAY + 9000, "leader", "assess", "closed", "同意办结"),
        ]
        hub.incidents.store.write([Change(incident, e) for e in trail])
        vm = ReportsViewModel(bureau="延庆区生态环境局")
        vm.fetch_trail, vm.fetch_attachment = api.incident, api.attachment
        vm.township_names = {"110119001": "香水园街道"}
        desk = ReportDesk(vm, folder=tmp_path)
        out = tmp_path / "special.pdf"
        done = []
        vm.written.connect(lambda path, what: done.append((path, what)))
        vm.failed.connect(lambda reason: done.append(("failed", reason)))
        desk.special(incident.id, str(out))
        await until(lambda: done, 60, "the special report written")
        assert done[0][0] == str(out), done
        reader = pypdf.PdfReader(str(out))
        assert sum(len(page.images) for page in reader.pages) == 1  # the uploaded photo
        text = _text(out)
        for words in ("问题专报", "PM2.5超标", "香水园街道", "到场核查,已责令整改", "整改完成,复测达标",
                      "按时反馈", "考核通过", "派发时间2015-12-0101:00"):  # fmt: skip
            assert words in text, words
        assert "Written:" in desk.message
        await api.close()
        await asyncio.sleep(0)
