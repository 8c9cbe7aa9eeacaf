"""A console joined to a remote hub takes the hub's road network and exclusion zones over REST (real hub on
loopback): the nearest units are ranked by ETA along those roads, the copy kept on disk serves an offline
start, and a hub without roads (or with a broken file) is said so on the desk, without a crash."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest

from console.core import protocol
from console.core.clock import ManualClock
from console.core.hub_layers import load_hub_layers
from console.core.incident_book import IncidentBook
from console.core.session import ConsoleSession
from console.core.unit_book import UnitBook
from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.units import UnitViewModel
from console.views.dispatch import DispatchWindow
from tests.net.hubkit import TOKEN, running_hub
from tests.qt.test_units_desk import T0, fleet, incident
from tests.qt.waiting import until

pytestmark = pytest.mark.asyncio(loop_factories=["qasync"])


def road(*points: tuple[float, float], cls: str = "primary") -> dict:
    return {"type": "Feature", "properties": {"class": cls},
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]}}  # fmt: skip


ROADS = {"type": "FeatureCollection", "features": [
    road((115.98, 40.4), (116.0, 40.4), (116.02, 40.4), (116.05, 40.4), (116.1, 40.4)),
    road((116.0, 40.38), (116.0, 40.4), (116.0, 40.42), cls="secondary"),
]}  # fmt: skip
ZONES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"id": "NOFLY-1", "name": "Reservoir no-fly zone", "kind": "exclusion"},
     "geometry": {"type": "Polygon", "coordinates": [[[116.03, 40.39], [116.06, 40.39], [116.06, 40.41],
                                                      [116.03, 40.41], [116.03, 40.39]]]}},
]}  # fmt: skip


def site(tmp_path: Path, roads: str | None, zones: str | None = None) -> Path:
    directory = tmp_path / "site"
    directory.mkdir(exist_ok=True)
    for name, text in (("roads.geojson", roads), ("zones.geojson", zones)):
        if text is not None:
            (directory / name).write_text(text, encoding="utf-8")
    return directory


class Desk:
    """The dispatch desk of a console: real books, view-models and window, an incident with a place."""

    def __init__(self) -> None:
        clock = ManualClock(T0)
        self.book, self.units = IncidentBook(clock.now), UnitBook(clock.now)
        self.incidents_vm = IncidentViewModel(self.book)
        self.vm = UnitViewModel(self.units, self.book)
        self.window = DispatchWindow(self.incidents_vm, units=self.vm)
        snapshot = protocol.Snapshot("e", 1, [], [], [], incidents=[incident(1)], units=fleet())
        self.incidents_vm.on_changes(self.book.apply(snapshot))
        self.vm.on_changes(self.units.apply(snapshot))
        self.vm.select_incident("INC-1")

    def note(self) -> str:
        return self.window.nearest.note.text()

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()


async def fetch_into(desk: Desk, url: str, cache: Path) -> None:
    home = cache.parent if not cache.parent.is_file() else cache.parent.parent
    session = ConsoleSession(home / "cache.db")
    session.connect(url, TOKEN)
    try:
        await load_hub_layers(session.api, cache, desk.vm)
    finally:
        await session.close()


async def test_a_remote_console_ranks_units_by_eta_on_the_hubs_roads_and_keeps_them(qapp, tmp_path) -> None:
    directory = site(tmp_path, json.dumps(ROADS), json.dumps(ZONES, ensure_ascii=False))
    desk = Desk()
    try:
        assert "ETA when the road network is loaded" in desk.note()
        async with running_hub(tmp_path, site_dir=directory) as hub:
            url = f"http://127.0.0.1:{hub.http_port}"
            await fetch_into(desk, url, tmp_path / "console" / "layers")
            assert desk.vm.roads is not None and desk.vm.roads.nodes == 7
            assert desk.vm.zone_names == {"NOFLY-1": "Reservoir no-fly zone"}
            candidates = desk.vm.candidates()
            assert candidates.by_eta and [r.id for r in candidates.rows] == ["u1"]  # live and on a road
            assert candidates.rows[0].eta_s is not None and 60 < candidates.rows[0].eta_s < 600
            assert desk.note() == "Ranked by ETA along the road network"
        # the hub has gone: the next start takes the kept copy, and keeps asking the hub meanwhile
        offline = Desk()
        try:
            task = asyncio.ensure_future(fetch_into(offline, url, tmp_path / "console" / "layers"))
            await until(lambda: offline.vm.roads is not None and offline.vm.zone_names, 30, "the kept layers")
            assert offline.vm.roads.nodes == 7 and "NOFLY-1" in offline.vm.zone_names
            assert offline.vm.candidates().by_eta
            assert not task.done()  # still asking the hub, which is away
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        finally:
            offline.close()
    finally:
        desk.close()


async def test_a_hub_without_roads_or_with_a_broken_file_is_said_so(qapp, tmp_path) -> None:
    desk = Desk()
    try:
        async with running_hub(tmp_path, site_dir=site(tmp_path, None)) as hub:
            await fetch_into(desk, f"http://127.0.0.1:{hub.http_port}", tmp_path / "a" / "layers")
        assert desk.vm.roads is None
        assert desk.note() == "Ranked by straight-line distance; the hub serves no road network, so no ETA"
        ranked = desk.vm.candidates()
        assert ranked.rows and not ranked.by_eta  # still ranked, by straight-line distance
        broken = tmp_path / "broken"
        broken.mkdir()
        async with running_hub(broken, site_dir=site(broken, '{"type": "FeatureCollection"', "[]")) as hub:
            await fetch_into(desk, f"http://127.0.0.1:{hub.http_port}", tmp_path / "b" / "layers")
        assert desk.vm.roads is None
        assert "the hub's road network is not usable" in desk.note()
        assert not list((tmp_path / "b" / "layers").rglob("roads.geojson"))  # a bad file is not kept
    finally:
        desk.close()


async def test_a_disk_that_refuses_the_copy_costs_only_the_offline_start(qapp, tmp_path, caplog) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the copies would go")
    desk = Desk()
    try:
        async with running_hub(tmp_path, site_dir=site(tmp_path, json.dumps(ROADS))) as hub:
            await fetch_into(desk, f"http://127.0.0.1:{hub.http_port}", blocker / "layers")
        assert desk.vm.roads is not None and desk.vm.candidates().by_eta  # the roads are used all the same
        assert any("cannot keep" in r.getMessage() for r in caplog.records)
    finally:
        desk.close()
