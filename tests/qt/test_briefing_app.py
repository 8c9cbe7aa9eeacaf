"""The whole console on a real hub: F5 on a wall window covers the wall with the briefing, Esc brings the
wall back, and the dispatch desk cannot be opened from the briefing."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.app import ConsoleApp
from console.settings import Settings
from tests.net.hubkit import TOKEN, running_hub
from tests.net.test_report import HOURLY, _store_days
from tests.qt.waiting import SHUTDOWN_S, until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])


async def test_f5_covers_the_wall_with_the_briefing_and_esc_brings_it_back(tmp_path, qapp) -> None:
    async with running_hub(tmp_path / "hub", HOURLY) as hub:
        _store_days(hub.storage, 3)
        url = f"ws://127.0.0.1:{hub.http_port}/ws"
        day = date(2015, 12, 3)
        settings = Settings(hub_url=url, token=TOKEN, data_dir=tmp_path / "c", lang="en", briefing_as_of=day)
        console = ConsoleApp(settings)
        running = asyncio.ensure_future(console.run())
        try:
            await until(
                lambda: console.windows is not None and console.session.api is not None, 30, "the wall"
            )
            walls = console.windows.windows
            await until(lambda: all(w.isVisible() for w in walls), 10, "the wall's windows")

            QTest.keyClick(walls[1], Qt.Key.Key_F5)
            view = console.briefing_view
            await until(lambda: len(view.screens) == 3 and view.vm.snapshot is not None, 10, "the briefing")
            assert not any(w.isVisible() for w in console.windows.windows)
            await until(lambda: view.vm.snapshot.loaded, 30, "the hub's figures")
            assert "3 good days of 3 valid" in "\n".join(
                label.text() for w in view.screens for label in w.findChildren(type(w.bar.indicator))
            )

            # a report for the meeting from the briefing itself: Ctrl+P opens the report dialog there too
            QTest.keySequence(view.screens[0], "Ctrl+P")
            await until(
                lambda: console.report_desk.dialog is not None and console.report_desk.dialog.isVisible(),
                10,
                "the report dialog",
            )
            console.report_desk.dialog.close()

            QTest.keySequence(view.screens[0], "Ctrl+D")  # the desk's key on the wall does nothing here
            await asyncio.sleep(0.1)
            assert console.desk.window is None or not console.desk.window.isVisible()

            QTest.keyClick(view.screens[0], Qt.Key.Key_Escape)
            await until(lambda: all(w.isVisible() for w in console.windows.windows), 10, "the wall back")
            assert not view.screens and not console.briefing.active
        finally:
            console._done.set()
            await asyncio.wait_for(running, SHUTDOWN_S)
