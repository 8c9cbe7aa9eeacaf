"""Geofences: a unit crossing a township border or entering an exclusion zone, from its successive fixes."""

from __future__ import annotations

import pytest

from console.core.geofence import FenceEvent, FenceWatch, Geofences, ZoneKind
from console.core.units import Fix
from console.sim.regions import PRESETS, boundary_geojson


def square(ident: str, west: float, south: float, size: float, **props: object) -> dict:
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {
        "type": "Feature",
        "properties": {"code": ident, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def fences() -> Geofences:
    towns = {
        "type": "FeatureCollection",
        "features": [
            square("T1", 116.0, 40.0, 0.1, name="东镇"),
            square("T2", 116.1, 40.0, 0.1, name="西镇"),
        ],
    }
    closed = {
        "type": "FeatureCollection",
        "features": [{**square("", 116.08, 40.04, 0.04), "properties": {"id": "NOFLY-1", "name": "禁飞区"}}],
    }
    return Geofences.from_geojson(towns, ZoneKind.TOWNSHIP) + Geofences.from_geojson(
        closed, ZoneKind.EXCLUSION
    )


def fix(ts: float, lon: float, lat: float, *, valid: bool = True, unit: str = "ENF-001") -> Fix:
    return Fix(unit, ts, lat, lon, 30.0, 90.0, valid)


def test_crossing_a_border_and_an_exclusion_zone_gives_exit_and_enter_events() -> None:
    watch = FenceWatch(fences())
    assert watch.update(fix(0, 116.05, 40.05)) == []  # the first fix places the unit: nothing crossed
    assert watch.zones_of("ENF-001") == {"T1"}
    assert watch.update(fix(10, 116.07, 40.05)) == []
    assert watch.update(fix(20, 116.09, 40.05)) == [
        FenceEvent("ENF-001", "NOFLY-1", "enter", 20, ZoneKind.EXCLUSION)
    ]
    assert watch.update(fix(30, 116.11, 40.05)) == [
        FenceEvent("ENF-001", "T1", "exit", 30, ZoneKind.TOWNSHIP),
        FenceEvent("ENF-001", "T2", "enter", 30, ZoneKind.TOWNSHIP),
    ]
    assert watch.update(fix(40, 116.13, 40.05)) == [
        FenceEvent("ENF-001", "NOFLY-1", "exit", 40, ZoneKind.EXCLUSION)
    ]
    assert watch.update(fix(50, 116.3, 40.05)) == [FenceEvent("ENF-001", "T2", "exit", 50, ZoneKind.TOWNSHIP)]
    assert watch.zones_of("ENF-001") == frozenset()


def test_no_fix_reports_and_late_fixes_cross_nothing() -> None:
    watch = FenceWatch(fences())
    watch.update(fix(100, 116.05, 40.05))
    assert watch.update(fix(110, 116.15, 40.05, valid=False)) == []  # "no fix" never moves the unit
    assert watch.update(fix(90, 116.15, 40.05)) == []  # a back-filled fix older than the newest
    assert watch.zones_of("ENF-001") == {"T1"}
    events = watch.update_all([fix(130, 116.15, 40.05), fix(120, 116.09, 40.05)])  # taken in time order
    assert [(e.zone, e.kind, e.ts) for e in events] == [
        ("NOFLY-1", "enter", 120),
        ("NOFLY-1", "exit", 130),
        ("T1", "exit", 130),
        ("T2", "enter", 130),
    ]


def test_units_are_followed_apart() -> None:
    watch = FenceWatch(fences())
    watch.update(fix(0, 116.05, 40.05, unit="A"))
    watch.update(fix(0, 116.15, 40.05, unit="B"))
    assert watch.update(fix(10, 116.15, 40.05, unit="A"))[1] == FenceEvent(
        "A", "T2", "enter", 10, ZoneKind.TOWNSHIP
    )
    assert watch.update(fix(10, 116.15, 40.06, unit="B")) == []


def test_the_simulated_townships_are_fences() -> None:
    collection = boundary_geojson(PRESETS["yanqing"])
    towns = {
        "type": "FeatureCollection",
        "features": [f for f in collection["features"] if f["properties"]["kind"] == "township"],
    }
    fences_ = Geofences.from_geojson(towns, ZoneKind.TOWNSHIP)
    for town in PRESETS["yanqing"].townships:
        assert fences_.at(town.lon, town.lat) == {town.code}


@pytest.mark.parametrize(
    ("collection", "message"),
    [
        ({"type": "Feature"}, "FeatureCollection"),
        ({"features": [{"properties": {}, "geometry": None}]}, "needs a 'code' or 'id'"),
        (
            {"features": [{"properties": {"id": "Z"}, "geometry": {"type": "Point", "coordinates": [1, 2]}}]},
            "zone Z: the geometry must be a Polygon",
        ),
        ({"features": [square("Z", 116, 40, 1), square("Z", 117, 40, 1)]}, "unique"),
    ],
)
def test_bad_zones_are_refused_with_the_reason(collection: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Geofences.from_geojson(collection, ZoneKind.EXCLUSION)
