"""End to end: the embedded hub with the simulated city, the link, the store, the panels and the map."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.app import ConsoleApp
from console.settings import Settings
from tests.qt.waiting import HUB_START_S, SHUTDOWN_S, WHOLE_CONSOLE, until

pytestmark = [pytest.mark.asyncio(loop_factories=["qasync"]), WHOLE_CONSOLE]


async def page_state(map_view) -> dict:
    future = asyncio.get_running_loop().create_future()
    map_view.evaluate("ecoMap.state()", lambda result: future.done() or future.set_result(result))
    return await asyncio.wait_for(future, 10)


async def test_readings_reach_store_panels_and_map(tmp_path, qapp) -> None:
    console = ConsoleApp(Settings(data_dir=tmp_path, accel=60, lang="en"))
    running = asyncio.ensure_future(console.run())
    try:
        applied = lambda: console.session.store.readings_applied > 2000  # noqa: E731
        await until(applied, HUB_START_S, "readings in the store")
        map_view = console.views["map"].map
        await until(lambda: map_view.is_ready, what="map page ready")
        console.vm.flush()
        await until(
            lambda: console.views["situation"].headline.texts()["number"] not in ("", "—"), what="city AQI"
        )
        deadline = time.monotonic() + 60
        while True:  # markers are graded from live readings as each station reports
            state = await page_state(map_view)
            coloured = [c for c in state["colors"].values() if c and c != "#6B7280"]
            if len(coloured) > 800 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        assert state["markers"] == len(console.session.store.stations) == 905
        assert len(coloured) > 800
        assert console.views["situation"].ranking.ranked_rows()
        assert console.views["map"].banner.link_state() == "live"
        air = next(s.id for s in console.session.store.stations.values() if s.kind == "air")
        console.vm.select_station(air)
        await until(lambda: console.views["action"].trends.factors(), what="selected station trends")
    finally:
        console._done.set()
        await asyncio.wait_for(running, SHUTDOWN_S)
    assert console.hub.process.returncode is not None  # closing the console stops the child hub
