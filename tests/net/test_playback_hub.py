"""Replaying a running hub's history over REST on loopback: the same picture as from an episode file, token
checks, stretches in bounded pieces, no command ever sent, and the real Beijing archive served."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from console.core.episode import EpisodeSource
from console.core.playback import HubSource, Playback
from console.core.replay import parse_moment
from console.hub.episode_export import export_episode
from console.hub.importers.cli import main as import_main
from console.hub.incident_store import command_acks
from console.hub.playback_rest import HubHistory
from tests.net.hubkit import TOKEN, running_hub
from tests.playbackkit import MINUTES, STATIONS, T0, build, picture, playback_session

pytestmark = pytest.mark.asyncio
END = T0 + 60 * MINUTES
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PRSA = SHARED / "PRSA_Data_20130301-20170228"


def url(hub) -> str:
    return f"http://127.0.0.1:{hub.http_port}"


async def replay(tmp_path, source, name: str, **kwargs) -> Playback:
    playback = Playback(playback_session(tmp_path, name), source, **kwargs)
    await playback.open()
    await playback.settled()
    return playback


async def finish(*playbacks: Playback) -> None:
    for playback in playbacks:
        await playback.close()
        await playback.session.close()


async def test_the_hub_replays_what_its_episode_file_replays(tmp_path) -> None:
    storage, published = build(tmp_path)
    export_episode(storage, T0, END, tmp_path / "e.sqlite")
    storage.close()
    async with running_hub(tmp_path, stations=STATIONS) as hub:
        versions = {i.id: i.version for i in hub.incidents.incidents.values()}
        acks = _acks(hub)  # the commands that made the history
        from_hub = await replay(tmp_path, HubSource(url(hub), TOKEN), "hub", speed=3600)
        from_file = await replay(tmp_path, EpisodeSource(tmp_path / "e.sqlite"), "file")
        assert from_hub.state().source == "hub" and from_hub.state().start == T0
        assert from_hub.timeline().incidents == from_file.timeline().incidents
        for minute in (21, 66, 125):
            for playback in (from_hub, from_file):
                playback.seek(T0 + 60 * minute)
                await playback.settled()
            assert picture(from_hub.session) == picture(from_file.session)
        from_hub.seek(T0)
        await from_hub.settled()
        events = []
        from_hub.session.changed.subscribe(lambda change: events.append(change.message))
        from_hub.play()
        while from_hub.state().playing:
            from_hub.tick(0.05)
            await asyncio.sleep(0.001)
        assert from_hub.state().at == END
        played = [(m.incident, m.audit) for m in events if type(m).__name__ == "IncidentEvent"]
        assert played == published
        # a replay never talks to the hub's websocket and never sends a command
        assert hub.clients == set() and hub.metrics.consoles_connected == 0
        assert _acks(hub) == acks == 9
        assert {i.id: i.version for i in hub.incidents.incidents.values()} == versions
        await finish(from_hub, from_file)


def _acks(hub) -> int:
    with hub.storage.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(command_acks)).scalar()


async def test_playback_routes_need_the_token_and_check_their_numbers(tmp_path) -> None:
    async with running_hub(tmp_path) as hub, aiohttp.ClientSession() as http:
        for path in ("/api/playback/at?t=1", "/api/playback/range?start=0&end=1", "/api/playback/timeline"):
            async with http.get(url(hub) + path) as resp:
                assert resp.status == 401
            async with http.get(url(hub) + path, headers={"Authorization": "Bearer wrong"}) as resp:
                assert resp.status == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        for path, message in (
            ("/api/playback/at?t=noon", "t must be Unix seconds"),
            ("/api/playback/at", "t is required"),
            ("/api/playback/range?start=5&end=1", "start is after end"),
            ("/api/playback/range?start=nan&end=1", "must be a finite number"),
        ):
            async with http.get(url(hub) + path, headers=auth) as resp:
                assert resp.status == 400
                assert message in (await resp.json())["error"]


async def test_a_long_stretch_comes_in_bounded_pieces_that_join_up(tmp_path) -> None:
    storage, _ = build(tmp_path)
    history = HubHistory(storage.engine, lambda: STATIONS)
    whole = history.stretch(T0 - 1, END, limit=1_000_000)
    pieces, start = [], T0 - 1
    while start < END:
        part = history.stretch(start, END, limit=500)
        assert len(part.readings) <= 500 + 19  # never a data time split: at most one more moment's values
        pieces.append(part)
        start = part.complete_to
    assert len(pieces) > 5
    assert [r for p in pieces for r in p.readings] == whole.readings
    assert [s for p in pieces for s in p.steps] == whole.steps
    times = [r.ts for r in whole.readings]
    assert times == sorted(times)
    storage.close()


def _in_episode(row: list[str]) -> bool:
    """A PRSA row (No, year, month, day, hour, ...) of 2015-11-01 .. 2015-12-04."""
    return row[1] == "2015" and (row[2] == "11" or (row[2] == "12" and int(row[3]) <= 4))


@pytest.mark.skipif(not PRSA.is_dir(), reason="the UCI Beijing archive (../shared/data) is not here")
async def test_the_real_beijing_archive_is_served_for_replay(tmp_path) -> None:
    folder = tmp_path / "prsa"
    folder.mkdir()
    for name in ("Aotizhongxin", "Dongsi"):  # the 2015-11-26 .. 12-03 episode of two stations
        source = PRSA / f"PRSA_Data_{name}_20130301-20170228.csv"
        lines = source.read_text().splitlines(keepends=True)
        wanted = [line for line in lines[1:] if _in_episode(line.split(","))]
        (folder / source.name).write_text("".join([lines[0], *wanted]))
    coords = SHARED / "station_coordinates.json"
    assert import_main(["prsa", str(folder), "--coords", str(coords), "--data-dir", str(tmp_path)]) == 0
    moment = parse_moment("2015-12-01T08:00+08:00")
    async with running_hub(tmp_path, stations=[]) as hub:
        playback = await replay(tmp_path, HubSource(url(hub), TOKEN), "beijing", at=moment, speed=3600)
        state, timeline = playback.state(), playback.timeline()
        assert state.at == moment and state.step_s == 3600
        assert any(start <= moment < end for start, end in timeline.episodes)  # city AQI above 200 then
        store = playback.session.store
        assert set(store.stations) == {"Aotizhongxin", "Dongsi"}
        assert store.value("Aotizhongxin", "a34004").value == 438  # PM2.5 of that hour in the CSV
        assert store.value("Aotizhongxin", "a21005").value == 9.5  # CO: 9500 µg/m³ read as mg/m³
        assert store.value("Aotizhongxin", "a01008") is not None  # the wind comes along
        playback.play()
        for _ in range(20):
            playback.tick(0.1)  # 6 minutes of data a frame: an hourly value every tenth frame
            await asyncio.sleep(0.01)
        await playback.settled()
        assert playback.state().at > moment + 3600
        assert store.value("Aotizhongxin", "a34004").ts == 3600 * (playback.state().at // 3600)
        await finish(playback)
