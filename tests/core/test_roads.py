"""The road network: snapping, fastest paths, ETAs, the nearest available units, and clear answers when a
place cannot be reached."""

from __future__ import annotations

import functools
import json
import math

import pytest

from console.core.roads import Profile, RoadError, RoadNetwork, Unreachable
from console.core.units import Fix, UnitInfo, UnitKind, UnitState, UnitStatus
from console.sim.regions import PRESETS
from console.sim.roadnet import build_roads

M_PER_DEG_LON = 111_195.0 * math.cos(math.radians(40.0))  # at 40°N
NOW = 1_800_000_000.0


def road(coords: list[tuple[float, float]], cls: str = "primary", **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"class": cls, **props},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


def town() -> RoadNetwork:
    """A main road west-east along 40°N (60 km/h), a slow lane cutting a corner, a one-way street, a bridge
    that crosses the main road without a junction, and an island road 100 km away."""
    return RoadNetwork(
        [
            road([(116.00, 40.0), (116.01, 40.0), (116.02, 40.0), (116.03, 40.0)]),
            road([(116.01, 40.0), (116.01, 40.01), (116.02, 40.01), (116.02, 40.0)], "residential"),
            road(
                [(116.01, 40.01), (116.015, 40.0)], "living_street"
            ),  # ends on the main road, no vertex there
            road([(116.00, 40.02), (116.03, 40.02)], "tertiary", oneway="yes"),
            road([(116.00, 40.02), (116.00, 40.0)], "tertiary"),
            road([(116.03, 40.02), (116.03, 40.0)], "tertiary"),
            road([(116.025, 39.99), (116.025, 40.01)], "trunk"),  # a bridge over the main road
            road([(117.20, 40.0), (117.21, 40.0)]),
        ]
    )


def test_eta_along_a_straight_road_is_its_length_at_its_speed() -> None:
    net = town()
    seconds = net.eta((116.00, 40.0), (116.02, 40.0))
    assert seconds == pytest.approx(0.02 * M_PER_DEG_LON / (60 / 3.6), rel=2e-3)
    route = net.route((116.00, 40.0), (116.02, 40.0))
    assert route.metres == pytest.approx(0.02 * M_PER_DEG_LON, rel=2e-3)
    assert (116.01, 40.0) in route.points


def test_a_point_off_the_road_is_snapped_and_walked() -> None:
    net = town()
    snap = net.snap((116.005, 40.0009))  # 100 m north of the main road
    assert snap.offset_m == pytest.approx(100, abs=1)
    assert snap.lonlat == pytest.approx((116.005, 40.0), abs=1e-7)
    on_road = net.eta((116.005, 40.0), (116.02, 40.0))
    off_road = net.eta((116.005, 40.0009), (116.02, 40.0))
    assert off_road - on_road == pytest.approx(100 / (6 / 3.6), rel=0.02)  # 100 m on foot: a minute


def test_the_fastest_path_is_taken_not_the_shortest() -> None:
    net = town()
    # From the corner (116.01, 40.01) to (116.015, 40.0): the living street (1.3 km at 10 km/h: 7 min) is
    # shorter than going down the lane and along the main road (1.5 km at 30 and 60 km/h: 2 min).
    route = net.route((116.01, 40.01), (116.015, 40.0))
    assert route.seconds < 3 * 60
    assert (116.01, 40.0) in route.points


def test_a_one_way_road_is_driven_one_way() -> None:
    net = town()
    with_flow = net.eta((116.00, 40.02), (116.03, 40.02))
    against = net.eta((116.03, 40.02), (116.00, 40.02))
    assert with_flow == pytest.approx(0.03 * M_PER_DEG_LON / (40 / 3.6), rel=2e-3)
    assert against > 1.5 * with_flow  # around by the main road


def test_roads_that_cross_without_a_shared_vertex_do_not_meet() -> None:
    net = town()
    # The trunk road bridges the main road: from its south end to the main road is a long way round.
    with pytest.raises(Unreachable, match="no road connects"):
        net.eta((116.025, 39.99), (116.00, 40.0))


def test_unreachable_places_get_a_clear_answer() -> None:
    net = town()
    with pytest.raises(Unreachable, match=r"km from the nearest road \(at most 2.0 km\)"):
        net.eta((116.0, 40.0), (116.5, 40.5))
    with pytest.raises(Unreachable, match="no road connects"):
        net.eta((116.0, 40.0), (117.205, 40.0))
    with pytest.raises(ValueError, match="not a place on Earth"):
        net.eta((116.0, 40.0), (216.0, 40.0))


def test_drones_fly_straight() -> None:
    net = town()
    route = net.route((116.00, 40.0), (116.00, 40.02), Profile.AIR)
    assert route.metres == pytest.approx(0.02 * 111_195, rel=2e-3)
    assert route.seconds == pytest.approx(route.metres / 15.0)


def unit(
    uid: str,
    kind: UnitKind,
    lon: float,
    lat: float,
    *,
    age: float = 10.0,
    status: UnitStatus = UnitStatus.AVAILABLE,
    fix: bool = True,
) -> UnitState:
    info = UnitInfo(id=uid, name=uid, kind=kind)
    return UnitState(info=info, status=status, last=Fix(uid, NOW - age, lat, lon, 0.0, 0.0, fix))


def test_nearest_units_are_the_available_live_ones_ranked_by_eta() -> None:
    net = town()
    units = [
        unit("far-van", UnitKind.MONITORING_VAN, 116.00, 40.0),
        unit("near-van", UnitKind.ENFORCEMENT, 116.015, 40.0),
        unit("bike", UnitKind.INSPECTOR, 116.015, 40.0),  # as near, at 25 km/h at most
        unit("stale", UnitKind.ENFORCEMENT, 116.029, 40.0, age=6 * 60),
        unit("busy", UnitKind.ENFORCEMENT, 116.029, 40.0, status=UnitStatus.EN_ROUTE),
        unit("no-fix", UnitKind.ENFORCEMENT, 116.029, 40.0, fix=False),
        unit("island", UnitKind.ENFORCEMENT, 117.205, 40.0),
        unit("drone", UnitKind.DRONE, 116.03, 40.02),
        UnitState(info=UnitInfo(id="never", name="never", kind=UnitKind.SPRINKLER)),
    ]
    ranked = net.nearest_units(units, (116.03, 40.0), 10, now=NOW)
    # 1.3 km at 60 km/h (77 s); 2.2 km flown at 15 m/s (148 s); 2.6 km at 60 (153 s); 1.3 km at 25 (184 s)
    assert [c.unit for c in ranked] == ["near-van", "drone", "far-van", "bike"]
    assert ranked[0].eta_s == pytest.approx(net.eta((116.015, 40.0), (116.03, 40.0)), rel=1e-6)
    assert ranked[2].eta_s == pytest.approx(net.eta((116.00, 40.0), (116.03, 40.0)), rel=1e-6)
    assert ranked[3].eta_s == pytest.approx(net.eta((116.015, 40.0), (116.03, 40.0), Profile.BIKE), rel=1e-6)
    assert [c.profile for c in ranked] == [Profile.CAR, Profile.AIR, Profile.CAR, Profile.BIKE]
    assert [c.unit for c in net.nearest_units(units, (116.03, 40.0), 2, now=NOW)] == ["near-van", "drone"]
    assert net.nearest_units(units, (116.03, 40.0), 0, now=NOW) == []


def test_nearest_units_on_the_same_road_as_the_incident_respect_one_way() -> None:
    net = town()
    ahead = unit("behind", UnitKind.ENFORCEMENT, 116.025, 40.02)  # past the incident on the one-way road
    before = unit("before", UnitKind.ENFORCEMENT, 116.005, 40.02)
    ranked = net.nearest_units([ahead, before], (116.02, 40.02), 2, now=NOW)
    assert [c.unit for c in ranked] == ["before", "behind"]
    assert ranked[0].eta_s == pytest.approx(net.eta((116.005, 40.02), (116.02, 40.02)), rel=1e-6)
    assert ranked[1].eta_s == pytest.approx(net.eta((116.025, 40.02), (116.02, 40.02)), rel=1e-6)


ROADS = (
    '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": %s, '
    '"geometry": {"type": "LineString", "coordinates": %s}}]}'
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"type": "FeatureCollection", "features": []}', "no road"),
        (ROADS % ('{"speed_kmh": -3}', "[[116, 40], [116.1, 40]]"), "feature 0: speed_kmh"),
        (ROADS % ("{}", '[[116, 40], ["x", 40]]'), "feature 0: \\['x', 40\\]"),
    ],
)
def test_a_bad_roads_file_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(RoadError, match=message):
        RoadNetwork.from_geojson(text)


def test_an_openstreetmap_export_reads_its_highway_tags(tmp_path) -> None:
    path = tmp_path / "roads.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"highway": "motorway"},
                        "geometry": {"type": "LineString", "coordinates": [[116.0, 40.0], [116.1, 40.0]]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"highway": "bus_stop"},
                        "geometry": {"type": "Point", "coordinates": [116, 40]},
                    },
                ],
            }
        )
    )
    net = RoadNetwork.load(path)
    assert net.eta((116.0, 40.0), (116.1, 40.0)) == pytest.approx(0.1 * M_PER_DEG_LON / (100 / 3.6), rel=2e-3)
    with pytest.raises(RoadError, match="cannot read"):
        RoadNetwork.load(tmp_path / "missing.geojson")


@functools.cache
def yanqing() -> RoadNetwork:
    return RoadNetwork(build_roads(PRESETS["yanqing"], 7)["features"])


def test_the_simulated_district_links_every_township_seat_at_plausible_times() -> None:
    net = yanqing()
    seats = PRESETS["yanqing"].townships
    centre = next(t for t in seats if t.code == "110119001")  # 百泉街道, the district's centre
    for town_ in seats:
        assert net.snap((town_.lon, town_.lat)).offset_m < 50, town_.name
        minutes = net.eta((centre.lon, centre.lat), (town_.lon, town_.lat)) / 60
        straight_km = math.dist((centre.lon * 0.766, centre.lat), (town_.lon * 0.766, town_.lat)) * 111.2
        assert straight_km / 80 * 60 <= minutes <= max(10.0, straight_km / 25 * 60), town_.name
