"""Replaying an episode file shows the forecast the hub showed at the replayed moment, from the file alone
(no hub): the local forecast as issued and the official one side by side; a file of format version 1
replays without forecasts, the forecast's note saying why."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from console.core.clock import ManualClock
from console.core.episode import EpisodeSource, checksum
from console.core.store import Store
from console.hub.episode_export import export_episode
from console.hub.forecast import issued, official
from console.viewmodels.forecast import ForecastViewModel
from console.viewmodels.wall import WallViewModel
from console.views.screens import SituationView
from tests.core.test_episode_forecasts import END, OFFICIAL, _local
from tests.playbackkit import T0, build
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])


def _episode(tmp_path: Path) -> Path:
    storage, _ = build(tmp_path)
    issued.record(storage.engine, _local("2023-11-14", 1, 120), now=T0 - 5 * 3600)
    path = tmp_path / "official.csv"
    path.write_text(OFFICIAL, encoding="utf-8")
    official.store(storage.engine, official.parse_file(path)[0])
    out = tmp_path / "episode.sqlite"
    export_episode(storage, T0, END, out)
    storage.close()
    return out


async def _shown(path: Path, moment: float, png: Path | None = None) -> tuple[list[str], str]:
    source = EpisodeSource(path)
    await source.open()
    clock = ManualClock(moment)
    vm = ForecastViewModel(clock=clock)
    vm.fetch_forecast = source.forecast
    situation = SituationView(WallViewModel(Store(), clock=clock))
    situation.set_forecast(vm)
    situation.resize(1920, 1080)
    try:
        vm.set_replay(moment)
        await until(lambda: vm.picture.as_of == moment, 30, "the forecast of the moment")
        if png is not None:
            situation.forecast.grab().save(str(png))
        return situation.forecast.texts(), vm.picture.note
    finally:
        vm.close()
        await source.close()


async def test_an_episode_replay_shows_the_forecast_issued_before_its_moment(tmp_path) -> None:
    png = Path(os.environ["ECO_SHOT"]) if os.environ.get("ECO_SHOT") else None
    texts, note = await _shown(_episode(tmp_path), T0 + 1800, png)  # 2023-11-15 06:30
    assert note == ""
    assert texts[0].startswith("Today | ") and "100–150" in texts[0]  # the official issue of 11-13
    assert "150–200" in texts[1] and "—" not in texts[0].split(" | ")[1]  # the local one, as issued


async def test_an_episode_of_format_version_1_replays_saying_it_has_no_forecasts(tmp_path) -> None:
    path = _episode(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("DROP TABLE forecasts")
        db.execute("DELETE FROM meta WHERE key IN ('tz_hours', 'checksum')")
        db.execute("UPDATE meta SET value = '1' WHERE key = 'version'")
        db.execute("INSERT INTO meta VALUES ('checksum', ?)", (checksum(db, 1),))
    texts, note = await _shown(path, T0 + 1800)
    assert "format version 1" in note and "export it again" in note  # the picture's note says why
    assert texts == ["No forecast imported."]  # the replay goes on without forecasts
