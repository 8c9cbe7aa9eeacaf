"""After a gap the hub can no longer replay, the wall fills it from the hub's history and dashes it."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from console.app import ConsoleApp
from console.core import protocol
from console.core.models import Reading, Station, StationKind, StationStatus
from console.core.store import Store
from console.settings import Settings
from console.viewmodels.wall import WallViewModel
from tests.net.hubkit import STATIONS, TOKEN, Logger, running_hub, upload
from tests.qt.waiting import SHUTDOWN_S, until

T0 = (time.time() // 3600 - 3) * 3600
AIR = {"a34004": 35.0, "a34002": 60.0}


async def send_minutes(logger: Logger, first: int, last: int) -> None:
    for minute in range(first, last):
        await logger.send(upload(STATIONS[0], T0 + 60 * minute, AIR | {"a34004": 30.0 + minute}))
        await asyncio.sleep(0.03)  # one event each: the gap is longer than the hub's replay window


async def run_console(tmp_path, port: int) -> tuple[ConsoleApp, asyncio.Future]:
    settings = Settings(
        data_dir=tmp_path / "console", hub_url=f"http://127.0.0.1:{port}", token=TOKEN, lang="en"
    )
    app = ConsoleApp(settings)
    return app, asyncio.ensure_future(app.run())


@pytest.mark.asyncio(loop_factories=["qasync"])
async def test_a_gap_outside_the_replay_window_is_back_filled_and_dashed(tmp_path, qapp) -> None:
    async with running_hub(tmp_path, replay_window=3) as hub:
        logger = await Logger.connect(hub)
        first, running = await run_console(tmp_path, hub.http_port)
        try:
            await until(lambda: first.session.store.stations, what="stations")
            await send_minutes(logger, 0, 10)
            await until(lambda: first.session.store.data_time >= T0 + 540, what="first ten minutes")
        finally:
            first._done.set()
            await asyncio.wait_for(running, SHUTDOWN_S)

        await send_minutes(logger, 10, 40)  # thirty minutes the console does not see
        await asyncio.sleep(0.5)

        second, running = await run_console(tmp_path, hub.http_port)
        try:
            resync = lambda: second.session.resync  # noqa: E731  (there once the link starts)
            await until(lambda: resync() is not None and resync().results, what="a back-fill")
            await second.session.resync.wait()
            result = second.session.resync.results[-1]
            assert result.error == "" and result.applied >= 29 * len(AIR)  # minute 39 came as latest
            series = second.session.store.series[("T-001", "a34004")]
            assert [t for t in series.times if T0 + 600 <= t < T0 + 2400] == [
                T0 + 60 * m for m in range(10, 40)
            ]
            second.vm.select_station("T-001")
            second.vm.flush()
            trends = second.views["action"].trends

            def dashed_line():  # looked up each time: selecting a station rebuilds the plots
                shown = "a34004" in trends.factors()
                return trends.plot("a34004").series_items("a34004")[1] if shown else None

            def drawn() -> bool:
                dashes = dashed_line()
                return dashes is not None and dashes.yData is not None and (~np.isnan(dashes.yData)).any()

            await until(drawn, what="dashes")
            xs, ys = dashed_line().xData, dashed_line().yData
            dashed = xs[~np.isnan(ys)]
            assert dashed.min() <= T0 + 600 and dashed.max() >= T0 + 2340  # the filled stretch is dashed
        finally:
            second._done.set()
            await asyncio.wait_for(running, SHUTDOWN_S)
        await logger.close()


def test_the_selected_stations_chart_redraws_when_older_history_is_filled_in(qtbot) -> None:
    store = Store()
    vm = WallViewModel(store)
    air = Station(id="A", name="A", kind=StationKind.AIR, township="1", lon=116.0, lat=40.0, mn="A", st="22",
                  factors=("a34004",))  # fmt: skip
    latest = [Reading("A", "a34004", T0 + 3600, 30.0, "N")]
    status = [protocol.StatusEntry("A", StationStatus.ONLINE, T0)]
    first = protocol.Snapshot(epoch="e", seq=1, stations=[air], latest=latest, status=status)
    vm.on_changes(store.apply(first))
    vm.select_station("A")
    vm.flush()
    redrawn = []
    vm.station_series_changed.connect(redrawn.append)
    older = [Reading("A", "a34004", T0 + 60 * m, 20.0 + m, "N") for m in range(30)]  # before the latest value
    vm.on_changes(store.apply_backfill(older))
    vm.flush()
    assert redrawn == ["A"] and store.value("A", "a34004").ts == T0 + 3600  # the latest value stays
