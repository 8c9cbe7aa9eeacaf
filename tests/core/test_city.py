"""The simulated city: region presets, network placement and the seeded physics of the readings."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import msgspec
import numpy as np
import pytest
import shapely

from console.core.factors import FACTORS
from console.core.geo import bearing_deg, haversine_m
from console.core.models import StationKind
from console.sim.citymodel import CityModel
from console.sim.network import DEFAULT_COUNTS, build_network, scale_counts
from console.sim.regions import PRESETS, boundary_geojson, district_boundary, township_areas

SHARED_REGIONS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "regions.json"
MIDNIGHT = 1_720_368_000.0  # 2024-07-08 00:00 local time (UTC+8), a Monday
HOUR = 3600.0
AMBIENT = ("air", "micro", "scenic")


@pytest.fixture(scope="module")
def yanqing():
    return build_network(PRESETS["yanqing"], seed=7)


@pytest.fixture(scope="module")
def clean_city(yanqing):
    """Yanqing without the scripted episode: ordinary days."""
    return CityModel(yanqing, PRESETS["yanqing"], seed=7, start=MIDNIGHT, episodes=[])


@pytest.fixture(scope="module")
def city(yanqing):
    return CityModel(yanqing, PRESETS["yanqing"], seed=7, start=MIDNIGHT)


def _valid(model, indices, t, code):
    """Valid (flag N) values of one factor at the given stations."""
    values = []
    for i in indices:
        sample = model.sample(i, t)
        if sample is not None and code in sample and sample[code][1] == "N":
            values.append(sample[code][0])
    return np.array(values)


def _kinds(specs, *kinds):
    return [i for i, s in enumerate(specs) if s.station.kind.value in kinds]


# -- regions ---------------------------------------------------------------------------------------------


def test_presets_describe_yanqing_and_huludao():
    yanqing, huludao = PRESETS["yanqing"], PRESETS["huludao"]
    assert (yanqing.adcode, len(yanqing.townships)) == (110119, 18)
    assert (huludao.adcode, len(huludao.townships)) == (211400, 6)
    assert huludao.division_adcodes == (211402, 211403, 211404, 211421, 211422, 211481)


@pytest.mark.skipif(not SHARED_REGIONS.exists(), reason="shared reference data not available")
def test_yanqing_townships_match_the_reference_list():
    reference = json.loads(SHARED_REGIONS.read_text(encoding="utf-8"))["yanqing"]["townships"]
    expected = {str(t["code"]): t["name"] for t in reference}
    assert {t.code: t.name for t in PRESETS["yanqing"].townships} == expected


def test_boundary_is_converted_from_gcj02_to_wgs84():
    boundary = district_boundary(PRESETS["yanqing"])
    minx, _, _, maxy = boundary.bounds
    assert 115.7 < minx < 115.76 and 40.78 < maxy < 40.8  # the raw GCJ-02 file reaches 115.736 / 40.792
    seat = PRESETS["yanqing"].townships[0]
    assert boundary.contains(shapely.Point(seat.lon, seat.lat))


@pytest.mark.parametrize("key", ["yanqing", "huludao"])
def test_township_areas_cover_every_seat(key):
    region = PRESETS[key]
    areas = township_areas(region)
    assert set(areas) == {t.code for t in region.townships}
    for town in region.townships:
        assert areas[town.code].contains(shapely.Point(town.lon, town.lat))


@pytest.mark.parametrize(("key", "approximate"), [("yanqing", True), ("huludao", False)])
def test_boundary_geojson_is_a_small_feature_collection(key, approximate):
    region = PRESETS[key]
    collection = boundary_geojson(region)
    kinds = Counter(f["properties"]["kind"] for f in collection["features"])
    assert kinds == {"district": 1, "township": len(region.townships)}
    township = collection["features"][1]["properties"]
    assert township["approximate"] is approximate and township["code"] == region.townships[0].code
    text = json.dumps(collection)
    assert len(text) < 250_000
    coords = np.array(collection["features"][1]["geometry"]["coordinates"][0], dtype=float)
    assert np.array_equal(np.round(coords, 6), coords)


# -- network ---------------------------------------------------------------------------------------------


def test_default_network_has_the_yanqing_counts(yanqing):
    counts = Counter(s.station.kind for s in yanqing)
    assert len(yanqing) == 905
    assert counts == DEFAULT_COUNTS
    assert counts[StationKind.MICRO] == 435 and counts[StationKind.FUME] == 350


@pytest.mark.parametrize("key", ["yanqing", "huludao"])
def test_every_station_lies_in_the_boundary_and_its_township(key):
    region = PRESETS[key]
    specs = build_network(region, seed=3)
    boundary, areas = district_boundary(region), township_areas(region)
    lon = np.array([s.station.lon for s in specs])
    lat = np.array([s.station.lat for s in specs])
    assert shapely.contains_xy(boundary, lon, lat).all()
    for spec in specs:
        assert areas[spec.station.township].contains(shapely.Point(spec.station.lon, spec.station.lat))
        assert spec.station.grid.startswith(spec.station.township + "-")


def test_scaling_reaches_exactly_the_requested_total():
    specs = build_network(PRESETS["yanqing"], seed=1, total=5000)
    counts = Counter(s.station.kind for s in specs)
    assert len(specs) == 5000
    assert all(counts[kind] >= 1 for kind in StationKind)
    assert counts[StationKind.MICRO] > counts[StationKind.FUME] > counts[StationKind.NOISE]
    assert len({s.station.id for s in specs}) == 5000


@pytest.mark.parametrize("total", [8, 9, 100, 906, 12345])
def test_scale_counts_is_exact_and_keeps_every_kind(total):
    counts = scale_counts(total)
    assert sum(counts.values()) == total
    assert min(counts.values()) >= 1


def test_scale_counts_rejects_too_small_networks():
    with pytest.raises(ValueError):
        scale_counts(3)


def test_station_records_follow_the_conventions(yanqing):
    ids = [s.station.id for s in yanqing]
    assert len(set(ids)) == len(ids) and len({s.station.mn for s in yanqing}) == len(ids)
    for spec in yanqing:
        station = spec.station
        assert len(station.mn) == 24 and station.mn == station.mn.upper()
        int(station.mn, 16)
        assert len(spec.pw) == 6 and spec.pw.isdigit()
        assert all(code in FACTORS for code in station.factors)
        assert station.id.startswith(station.kind.value.upper() + "-")
    by_id = {s.station.id: s.station for s in yanqing}
    assert by_id["AIR-001"].st == "22" and len(by_id["AIR-001"].factors) == 11
    assert by_id["MICRO-0001"].factors == ("a34004", "a34001")
    assert by_id["WATER-001"].st == "21" and by_id["WATER-001"].zone in ("II", "III", "IV")
    assert by_id["NOISE-001"].st == "23" and by_id["NOISE-001"].zone in ("1", "2", "3", "4a")
    assert {s.station.st for s in yanqing if s.station.kind is StationKind.SOURCE} == {"31", "32"}


def test_network_is_deterministic_for_a_seed():
    region = PRESETS["yanqing"]
    first, again = build_network(region, seed=11), build_network(region, seed=11)
    assert msgspec.to_builtins(first) == msgspec.to_builtins(again)
    other = build_network(region, seed=12)
    assert [s.station.mn for s in other] != [s.station.mn for s in first]


def test_urban_monitors_cluster_in_the_district_seat(yanqing):
    core = set(PRESETS["yanqing"].core)
    micro = [s for s in yanqing if s.station.kind is StationKind.MICRO]
    in_core = sum(s.station.township in core for s in micro)
    assert in_core > 0.3 * len(micro)  # 4 of 18 townships hold far more than their share


# -- physics ---------------------------------------------------------------------------------------------


def test_sampling_is_deterministic_whatever_the_order(yanqing):
    region = PRESETS["yanqing"]
    t = MIDNIGHT + 30 * HOUR
    forward = CityModel(yanqing, region, seed=5, start=MIDNIGHT)
    backward = CityModel(yanqing, region, seed=5, start=MIDNIGHT)
    first = [forward.sample(i, t) for i in range(len(yanqing))]
    second = [backward.sample(i, t) for i in reversed(range(len(yanqing)))][::-1]
    assert first == second
    other = CityModel(yanqing, region, seed=6, start=MIDNIGHT)
    assert [other.sample(i, t) for i in range(20)] != first[:20]


def test_samples_report_every_factor_with_a_flag(city, yanqing):
    t = MIDNIGHT + 10 * HOUR
    for i, spec in enumerate(yanqing):
        sample = city.sample(i, t)
        if sample is None:
            continue
        assert tuple(sample) == spec.station.factors
        assert all(isinstance(v, float) and f in "NDMCFTB" for v, f in sample.values())


def test_weather_is_smooth_and_plausible_for_yanqing(clean_city):
    days = [clean_city.weather(MIDNIGHT + k * 600.0) for k in range(6 * 24 * 3)]
    assert all(92.0 <= w.pressure_kpa <= 95.0 for w in days)
    assert all(0.0 <= w.wind_dir_deg < 360.0 and w.wind_speed_ms > 0.0 for w in days)
    temps = np.array([w.temp_c for w in days])
    assert np.abs(np.diff(temps)).max() < 1.5  # ten minutes never jump
    afternoon = [w.temp_c for w in days[6 * 15 : 6 * 16]]
    dawn = [w.temp_c for w in days[6 * 5 : 6 * 6]]
    assert np.mean(afternoon) > np.mean(dawn)


def test_rush_hour_beats_the_mixed_afternoon_on_a_clean_day(clean_city, yanqing):
    ambient, air = _kinds(yanqing, *AMBIENT), _kinds(yanqing, "air")
    day = MIDNIGHT + 24 * HOUR
    assert _valid(clean_city, ambient, day + 8 * HOUR, "a34004").mean() > (
        _valid(clean_city, ambient, day + 15 * HOUR, "a34004").mean()
    )
    assert _valid(clean_city, air, day + 15 * HOUR, "a05024").mean() > (
        _valid(clean_city, air, day + 6 * HOUR, "a05024").mean()
    )


def test_weekday_traffic_exceeds_the_weekend(clean_city, yanqing):
    air = _kinds(yanqing, "air")
    weekday = np.mean(
        [_valid(clean_city, air, MIDNIGHT + (d * 24 + 8) * HOUR, "a21004").mean() for d in range(5)]
    )
    weekend = np.mean(
        [_valid(clean_city, air, MIDNIGHT + (d * 24 + 8) * HOUR, "a21004").mean() for d in (5, 6)]
    )
    assert weekday > weekend


def test_particles_are_ordered_pm25_pm10_tsp(clean_city, yanqing):
    t = MIDNIGHT + 33 * HOUR
    for i in _kinds(yanqing, "air", "scenic"):
        sample = clean_city.sample(i, t)
        if sample and sample["a34004"][1] == sample["a34002"][1] == "N":
            assert 1.2 <= sample["a34002"][0] / sample["a34004"][0] <= 2.2
    for i in _kinds(yanqing, "micro"):
        sample = clean_city.sample(i, t)
        if sample and sample["a34004"][1] == sample["a34001"][1] == "N":
            assert sample["a34001"][0] > sample["a34004"][0]


def test_scenic_spots_have_many_negative_ions(clean_city, yanqing):
    ions = _valid(clean_city, _kinds(yanqing, "scenic"), MIDNIGHT + 31 * HOUR, "a99001")
    assert 1000.0 <= np.median(ions) <= 5000.0


def test_the_plume_raises_downwind_stations(clean_city, yanqing):
    source = PRESETS["yanqing"].industry[0]
    near = {}
    for i in _kinds(yanqing, *AMBIENT):
        s = yanqing[i].station
        if 1000.0 < haversine_m(source.lon, source.lat, s.lon, s.lat) < 8000.0:
            near[i] = bearing_deg(source.lon, source.lat, s.lon, s.lat)
    downwind, upwind = [], []
    for k in range(24):
        t = MIDNIGHT + (24 + k) * HOUR
        blowing_from = clean_city.weather(t).wind_dir_deg
        off = {i: abs((b - blowing_from + 180.0) % 360.0 - 180.0) for i, b in near.items()}
        down = _valid(clean_city, [i for i, a in off.items() if a > 140.0], t, "a34004")
        up = _valid(clean_city, [i for i, a in off.items() if a < 40.0], t, "a34004")
        if down.size and up.size:
            downwind.append(down.mean())
            upwind.append(up.mean())
    assert len(downwind) > 12
    assert np.mean(downwind) > 1.2 * np.mean(upwind)


def test_the_episode_builds_to_heavy_pollution_and_clears(city, yanqing):
    (episode,) = city.episodes
    assert episode.start == MIDNIGHT + 2 * HOUR and episode.end - episode.start == 36 * HOUR
    ambient = _kinds(yanqing, *AMBIENT)
    before = _valid(city, ambient, MIDNIGHT + HOUR, "a34004").mean()
    peak = _valid(city, ambient, episode.peak, "a34004").mean()
    after = _valid(city, ambient, episode.end + 3 * HOUR, "a34004").mean()
    assert 115.0 < peak < 350.0
    assert after < 75.0 and before < peak
    calm, front = city.weather(episode.peak - 6 * HOUR), city.weather(episode.peak + 2 * HOUR)
    assert calm.wind_speed_ms < 2.0 and 135.0 < calm.wind_dir_deg < 250.0
    assert front.wind_speed_ms > 4.0 and (front.wind_dir_deg > 300.0 or front.wind_dir_deg < 60.0)


def test_some_restaurants_cook_with_the_purifier_off(city, yanqing):
    fume = _kinds(yanqing, "fume")
    states = Counter()
    for t in (MIDNIGHT + 12 * HOUR, MIDNIGHT + 18.5 * HOUR, MIDNIGHT + 3 * HOUR):
        for i in fume:
            sample = city.sample(i, t)
            if sample is not None:
                states[(sample["SB2-RS"][0], sample["SB1-RS"][0])] += 1
    assert states[(1.0, 1.0)] > states[(1.0, 0.0)] > 0  # most comply, some do not
    assert states[(0.0, 1.0)] == 0  # no purifier runs without cooking


def test_water_sections_stay_plausible_and_one_gets_worse(city, yanqing):
    water = _kinds(yanqing, "water")
    limits = {"II": 0.5, "III": 1.0, "IV": 1.5}
    exceeded = set()
    for k in range(0, 48, 2):
        t = MIDNIGHT + k * HOUR
        for i in water:
            sample = city.sample(i, t)
            if sample is None or sample["w01001"][1] != "N":
                continue
            assert 7.0 <= sample["w01001"][0] <= 8.5 and 3.0 <= sample["w01009"][0] <= 11.0
            if sample["w21003"][0] > limits[yanqing[i].station.zone] and sample["w21003"][1] == "N":
                exceeded.add(i)
    assert 1 <= len(exceeded) <= 2


def test_faults_happen_but_stay_rare(yanqing):
    model = CityModel(yanqing, PRESETS["yanqing"], seed=9, start=MIDNIGHT)
    offline_share, flagged = [], Counter()
    for k in range(0, 2 * 24 * 60, 15):
        t = MIDNIGHT + k * 60.0
        offline_share.append(model.offline(t).mean())
        for sample in model.sample_all(t):
            for _, flag in (sample or {}).values():
                flagged[flag] += 1
    assert max(offline_share) < 0.05 and sum(offline_share) > 0
    invalid = sum(n for flag, n in flagged.items() if flag != "N")
    assert {"D", "C"} <= set(flagged) and invalid < 0.05 * sum(flagged.values())


def test_offline_ids_match_sample_returning_none(city, yanqing):
    for k in range(0, 24 * 60, 20):
        t = MIDNIGHT + k * 60.0
        ids = city.offline_ids(t)
        if ids:
            assert city.sample(city.index_of(ids[0]), t) is None
            return
    pytest.fail("no logger went offline in a day")


def test_huludao_network_runs_at_sea_level(yanqing):
    region = PRESETS["huludao"]
    specs = build_network(region, seed=2, total=300)
    model = CityModel(specs, region, seed=2, start=MIDNIGHT)
    assert 99.0 < model.weather(MIDNIGHT).pressure_kpa < 103.0
    assert sum(model.sample(i, MIDNIGHT) is not None for i in range(len(specs))) > 290
