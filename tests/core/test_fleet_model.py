"""The simulated fleet's journeys: on the roads, at plausible speeds, the same for the same seed."""

from __future__ import annotations

import functools
import json

import numpy as np
import shapely

from console.core.roads import RoadNetwork
from console.core.units import UnitKind
from console.sim.fleet import Fleet
from console.sim.regions import PRESETS, district_boundary
from console.sim.roadnet import build_roads
from console.sim.weather import Episode

REGION = PRESETS["yanqing"]
START = 1_800_000_000.0


@functools.cache
def roads() -> dict:
    return build_roads(REGION, 7)


def test_units_drive_on_roads_at_plausible_speeds_for_hours() -> None:
    fleet = Fleet(REGION, 7, roads(), start=START, count=30)
    network = RoadNetwork(roads()["features"])
    land = shapely.buffer(district_boundary(REGION), 0.01)
    moved = set()
    parked_headings = set()
    late: dict[str, set[tuple[float, float]]] = {u.info.id: set() for u in fleet.units}
    for t in np.arange(START, START + 16 * 3600, 900.0):
        for unit in fleet.units:
            lon, lat, kmh, heading = fleet.position(unit.index, float(t))
            assert land.contains(shapely.Point(lon, lat)), unit.info.id
            if t >= START + 12 * 3600:
                late[unit.info.id].add((round(lon, 4), round(lat, 4)))
            assert 0 <= heading < 360
            if unit.info.kind is UnitKind.DRONE:
                assert kmh <= 54
                continue
            assert kmh <= 100 * 0.95 + 1e-6, unit.info.id
            if unit.info.kind in (UnitKind.INSPECTOR, UnitKind.GRID_MEMBER):
                assert kmh <= 20 + 1e-6  # e-bikes
            if unit.info.kind is UnitKind.SPRINKLER:
                assert kmh <= 20 + 1e-6
            assert network.snap((lon, lat)).offset_m < 1.0, unit.info.id  # on a road
            if kmh > 0:
                moved.add(unit.info.id)
            else:
                parked_headings.add(round(heading))
    assert len(moved) > len(fleet.units) // 2
    assert len(parked_headings) > 10  # a parked unit faces the way it came, not north
    # hours on, units still go to new places (not back and forth between the same two)
    assert sorted(len(places) for places in late.values())[len(late) // 2] >= 6
    assert max(len(u.legs) for u in fleet.units) <= 40  # old journeys are forgotten


def test_the_same_seed_gives_the_same_fleet_and_journeys() -> None:
    a = Fleet(REGION, 7, roads(), start=START, count=30)
    b = Fleet(REGION, 7, roads(), start=START, count=30)
    assert [u.info for u in a.units] == [u.info for u in b.units]
    for t in (START + 60, START + 3600, START + 7200):
        assert [a.position(i, t) for i in range(30)] == [b.position(i, t) for i in range(30)]


def test_outages_silence_and_the_sos_come_when_scripted() -> None:
    fleet = Fleet(REGION, 7, roads(), start=START, episodes=[Episode(START - 7200, START + 86_400)])
    out = [u for u in fleet.units if u.outage_phase >= 0]
    assert 0.03 * 300 < len(out) < 0.15 * 300
    windows = {fleet.outage(out[0].index, t) for t in np.arange(START, START + 7200, 10.0)} - {None}
    assert windows and all(120 <= end - begin <= 360 for begin, end in windows)
    assert len(fleet.silent_at) == 3
    assert all(START + 300 <= at <= START + 900 for at in fleet.silent_at.values())
    begin, end = fleet.sos_window()
    assert begin == START + 180 and end == begin + 900
    assert fleet.sos(fleet.sos_unit, begin + 1) and not fleet.sos(fleet.sos_unit, end + 1)
    assert sum(fleet.sos(u.index, begin + 1) for u in fleet.units) == 1
    calm = Fleet(REGION, 7, roads(), start=START, episodes=[Episode(START + 86_400, START + 90_000)])
    assert calm.sos_window() == (START + 86_400, START + 86_400 + 900)  # waits for the episode
    assert Fleet(REGION, 7, roads(), start=START).sos_window() is None


def test_a_restart_reuses_the_roads_it_wrote_and_rebuilds_others(tmp_path) -> None:
    from console.sim.roadnet import cached_roads, roads_text

    path = tmp_path / "roads.geojson"
    path.write_text(roads_text(roads()), encoding="utf-8")
    assert cached_roads(REGION, 7, path) == json.loads(path.read_text(encoding="utf-8"))
    stale = {
        **roads(),
        "generator": {**roads()["generator"], "version": 0},
        "features": roads()["features"][:3],
    }
    path.write_text(roads_text(stale), encoding="utf-8")
    assert len(cached_roads(REGION, 7, path)["features"]) == len(roads()["features"])  # built anew
    path.write_text("{", encoding="utf-8")
    assert cached_roads(REGION, 7, path)["generator"] == roads()["generator"]
