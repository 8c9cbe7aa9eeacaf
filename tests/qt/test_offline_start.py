"""Offline start: with the hub unreachable, the wall paints the cached picture and says it is not live."""

from __future__ import annotations

import asyncio
import socket

import pytest

from console.app import ConsoleApp
from console.settings import Settings
from tests.qt.waiting import HUB_START_S, SHUTDOWN_S, WHOLE_CONSOLE, until

pytestmark = [pytest.mark.asyncio(loop_factories=["qasync"]), WHOLE_CONSOLE]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_the_wall_paints_from_the_cache_when_the_hub_is_away(tmp_path, qapp) -> None:
    live = ConsoleApp(Settings(data_dir=tmp_path, accel=60, lang="en"))
    running = asyncio.ensure_future(live.run())
    try:
        online = lambda: sum(e.status == "online" for e in live.session.store.status.values())  # noqa: E731
        await until(lambda: online() > 800, HUB_START_S, "stations online")
        await until(lambda: live.region is not None, what="region")
    finally:
        live._done.set()
        await asyncio.wait_for(running, SHUTDOWN_S)
    # after shutdown: the link has stopped and the cache writer has written everything the store applied
    seen = {sid: {k: v.value for k, v in values.items()} for sid, values in live.session.store.latest.items()}

    settings = Settings(data_dir=tmp_path, hub_url=f"http://127.0.0.1:{closed_port()}", token="t", lang="en")
    offline = ConsoleApp(settings)
    seen_first: list[tuple[int, int]] = []  # the situation screen when the console first tries the hub

    def on_link(_status: object) -> None:
        if not seen_first:
            situation = offline.views["situation"]
            seen_first.append((len(situation.ranking.ranked_rows()), situation.health.row_count()))

    offline.session.link_changed.subscribe(on_link)
    running = asyncio.ensure_future(offline.run())
    try:
        await until(lambda: bool(seen_first), timeout=30, what="a try to reach the hub")
        ranked, health_rows = seen_first[0]
        assert ranked > 0 and health_rows > 0  # the cached numbers came first, the hub after them
        await until(lambda: len(offline.session.store.stations) == 905, timeout=10, what="cached stations")
        latest = offline.session.store.latest
        cached = {sid: {k: v.value for k, v in values.items()} for sid, values in latest.items()}
        assert cached == seen  # the picture the wall had, value for value
        map_view = offline.views["map"].map
        await until(lambda: map_view.is_ready, timeout=30, what="map from the cached region")
        offline.vm.flush()
        await until(
            lambda: offline.views["situation"].headline.texts()["number"] not in ("", "—"), what="AQI"
        )
        banner = offline.views["map"].banner
        await until(lambda: banner.link_state() == "offline", timeout=30, what="offline banner")
        assert "cannot reach the hub" in banner.link_text() and "OFFLINE since" in banner.link_text()
    finally:
        offline._done.set()
        await asyncio.wait_for(running, SHUTDOWN_S)


async def test_the_wall_stays_up_and_says_why_when_the_local_hub_cannot_start(tmp_path, qapp) -> None:
    (tmp_path / "hub").write_text("a file where the local hub's folder should be")
    console = ConsoleApp(Settings(data_dir=tmp_path, lang="en"))
    running = asyncio.ensure_future(console.run())
    try:
        said_why = lambda: bool(console.views) and "local hub could not start" in banner_text(console)  # noqa: E731
        await until(said_why, what="the reason on the banner")
        banner = console.views["map"].banner
        assert banner.link_state() == "offline"  # never "live" and never a closed window
        assert not running.done()  # the wall is still up
        assert console.session.link is None  # nothing to connect to
    finally:
        console._done.set()
        assert await asyncio.wait_for(running, SHUTDOWN_S) == 0


def banner_text(console: ConsoleApp) -> str:
    return console.views["map"].banner.link_text()


async def test_a_replay_waits_for_a_hub_that_does_not_answer_and_says_so(tmp_path, qapp) -> None:
    settings = Settings(
        data_dir=tmp_path, hub_url=f"http://127.0.0.1:{closed_port()}", token="t", lang="en", playback=True
    )
    console = ConsoleApp(settings)
    running = asyncio.ensure_future(console.run())
    try:
        said = lambda: bool(console.views) and "history did not come" in banner_text(console)  # noqa: E731
        await until(said, timeout=30, what="the reason on the banner")
        assert "trying again" in banner_text(console)
        assert not running.done()  # still up, asking again: no traceback, no closed window
    finally:
        console._done.set()
        assert await asyncio.wait_for(running, SHUTDOWN_S) == 0
