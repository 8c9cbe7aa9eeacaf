"""The wall's banner names the hub the console is on when it knows several, and changes on a failover."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from console.app import ConsoleApp
from console.core.link import LinkState, LinkStatus
from console.core.store import Store
from console.settings import Settings
from console.viewmodels.wall import WallViewModel
from console.views.screens import MapScreenView
from console.widgets.map_view import MapView
from tests.net.hubkit import TOKEN, running_hub
from tests.qt.waiting import SHUTDOWN_S, WHOLE_CONSOLE, until

A, B = "wss://hub-a.example:8765", "wss://hub-b.example:8765"


def status(state: LinkState, hub: str, number: int, detail: str = "", **kw) -> LinkStatus:
    return LinkStatus(state, detail, hub=hub, hub_number=number, hub_count=2, **kw)


def failover(vm: WallViewModel) -> list[str]:
    """What the link says when hub A dies under it and B takes over: the banner's text at each step."""
    seen = []
    for step in (
        status(LinkState.CONNECTING, A, 1, f"hub 1 of 2: {A}"),
        status(LinkState.LIVE, A, 1, f"snapshot · hub 1 of 2: {A}"),
        status(LinkState.RECONNECTING, B, 2, f"hub 1 of 2 ({A}): connection closed by the hub"),
        status(LinkState.CONNECTING, B, 2, f"hub 2 of 2: {B}"),
        status(LinkState.LIVE, B, 2, f"snapshot · hub 2 of 2: {B}"),
    ):
        vm.link_changed.emit(step)
        seen.append(step.state.value)
    return seen


def test_the_banner_shows_the_hub_and_changes_on_failover(qtbot) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    vm.data_time_changed.emit(1_763_700_000.0)
    vm.link_changed.emit(status(LinkState.LIVE, A, 1))
    assert view.banner.link_state() == "live"
    assert view.banner.link_text() == f"● LIVE · hub 1 of 2: {A}"
    vm.link_changed.emit(status(LinkState.RECONNECTING, B, 2, "hub 1 of 2: connection closed by the hub"))
    # a failover is not an outage: still reconnecting (not offline), naming the hub tried now
    assert view.banner.link_state() == "reconnecting"
    assert view.banner.link_text() == f"⟳ RECONNECTING · hub 2 of 2: {B}"
    vm.link_changed.emit(status(LinkState.CONNECTING, B, 2))
    vm.link_changed.emit(status(LinkState.LIVE, B, 2))
    assert view.banner.link_text() == f"● LIVE · hub 2 of 2: {B}"
    vm.link_changed.emit(status(LinkState.RECONNECTING, A, 1, "no hub answers", attempt=1, next_retry_s=2))
    assert view.banner.link_text() == f"⟳ RECONNECTING · hub 1 of 2: {A} · attempt 1 · next retry in 2 s"


def test_one_hub_is_not_named(qtbot) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    vm.link_changed.emit(LinkStatus(LinkState.LIVE, "snapshot", hub=A, hub_number=1, hub_count=1))
    assert view.banner.link_text() == "● LIVE"


def test_the_hub_is_named_in_chinese(qtbot, chinese) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    assert failover(vm)[-1] == "live"
    assert view.banner.link_text() == f"● 实时 · 平台 2/2：{B}"


def test_a_replay_ended_shows_the_hub_again(qtbot) -> None:
    vm = WallViewModel(Store())
    view = MapScreenView(vm, MapView())
    qtbot.addWidget(view)
    failover(vm)
    view.set_replay(1_763_700_000.0)
    assert view.banner.link_state() == "replay"
    view.set_replay(None)
    assert view.banner.link_text() == f"● LIVE · hub 2 of 2: {B}"


@WHOLE_CONSOLE
@pytest.mark.asyncio(loop_factories=["qasync"])
async def test_a_whole_console_fails_over_and_its_banner_says_so(tmp_path, qapp) -> None:
    """Two real hubs; the first stops under a running console: the banner names the second once live on
    it. The centre screen is saved at each end (``failover-*.png`` in the test's directory) to look at."""
    async with running_hub(tmp_path / "b") as b:
        async with running_hub(tmp_path / "a") as a:
            hubs = [f"http://127.0.0.1:{a.http_port}", f"http://127.0.0.1:{b.http_port}"]
            settings = Settings(data_dir=tmp_path / "console", hub_url=hubs[0], hub_fallbacks=(hubs[1],),
                                token=TOKEN, lang="en", title="Failover")  # fmt: skip
            app = ConsoleApp(settings)
            running = asyncio.ensure_future(app.run())
            try:
                await until(lambda: app.views is not None and "map" in app.views, what="the wall")
                banner = app.views["map"].banner
                await until(lambda: banner.link_text() == f"● LIVE · hub 1 of 2: {hubs[0]}", what="live on A")
                save(app, tmp_path / "failover-a.png")
            except BaseException:
                app._done.set()
                await asyncio.wait_for(running, SHUTDOWN_S)
                raise
        try:
            await until(lambda: banner.link_text() == f"● LIVE · hub 2 of 2: {hubs[1]}", what="live on B")
            assert app.session.store.epoch == b.events.epoch
            save(app, tmp_path / "failover-b.png")
        finally:
            app._done.set()
            await asyncio.wait_for(running, SHUTDOWN_S)


def save(app: ConsoleApp, path: Path) -> None:
    """The centre screen's window as a PNG (pytest --basetemp=DIR keeps them to look at)."""
    assert app.views["map"].window().grab().save(str(path))
