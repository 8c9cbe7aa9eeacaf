"""The site directory: loading, validation errors that point at file, line and field, and the simulated
city's site written and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.incidents import Level
from console.core.models import StationKind
from console.hub.responsibility import Responsibility
from console.hub.site import Person, Site, SiteError, load_site, write_site
from console.sim.network import build_network
from console.sim.regions import PRESETS
from console.sim.site import simulated_site
from tests.sitekit import DISTRICT, GRID, ROSTER, SITE_TOML, STATIONS, TOWNSHIPS, write_small_site


def test_a_hand_written_site_loads_whole(tmp_path: Path) -> None:
    site = load_site(write_small_site(tmp_path))
    assert (site.key, site.name, site.name_en, site.centre, site.grid_km) == (
        "testdistrict", "测试区", "Test District", (116.05, 40.45), 2.0
    )  # fmt: skip
    assert site.tz_hours == 8.0 and site.missing == ()
    east, west = site.townships
    assert (east.code, east.name, east.lon, east.lat) == ("T01", "东镇", 116.075, 40.45)
    assert west.name_en == "" and 116.0 < west.lon < 116.05  # no seat given: a point inside its area
    assert [c.id for c in site.grid] == ["T01-01", "T02-01"]
    stations = {s.id: (s, pw) for s, pw in site.stations}
    air, pw = stations["AIR-1"]
    assert pw == "111111" and air.kind == StationKind.AIR and air.st == "22"  # st from the kind
    assert air.factors == ("a34004", "a34002", "a21026") and air.grid == "T01-01"
    water = stations["WATER-1"][0]
    assert (water.interval_s, water.zone, water.st, water.grid) == (240, "III", "21", "")
    kinds = {f["properties"]["kind"] for f in site.boundary_geojson()["features"]}
    assert kinds == {"district", "township"} and len(site.boundary_geojson()["features"]) == 3


def test_the_roster_decides_who_answers(tmp_path: Path) -> None:
    site = load_site(write_small_site(tmp_path))
    duty = Responsibility(site, [s for s, _ in site.stations])
    assert duty.responsible(Level.GRID, "T01", "T01-01") == "网格员 李四"
    assert duty.responsible(Level.GRID, "T02", "T02-01") == "网格员 T02-01"  # not on the roster
    assert duty.responsible(Level.TOWNSHIP, "T01", "") == "东镇 王主任"
    assert duty.responsible(Level.TOWNSHIP, "T02", "") == "西镇负责人"
    assert duty.responsible(Level.DISTRICT, "T01", "") == "区值班长"
    assert duty.responsible(Level.CITY, "", "") == "市值班长"
    assert duty.township_code("西镇") == "T02"
    assert duty.locate(116.071, 40.421) == ("T01", "T01-01")  # next to AIR-1
    assert duty.locate(116.01, 40.49) == ("T02", "")  # far from any station: the nearest seat


def test_an_empty_site_says_what_is_missing(tmp_path: Path) -> None:
    site = load_site(tmp_path)
    assert site.stations == () and site.district is None and site.roster == ()
    assert [item.split(" ")[0] for item in site.missing] == [
        "site.toml", "boundaries/district.geojson", "boundaries/townships.geojson", "grid.geojson",
        "roster.toml", "stations.csv",
    ]  # fmt: skip
    assert "station registry" in site.missing[-1]
    assert load_site(tmp_path / "not-there").missing == site.missing


def test_a_partial_site_serves_what_it_has(tmp_path: Path) -> None:
    changes: dict[str, str | None] = {"boundaries/townships.geojson": None, "grid.geojson": None}
    site = load_site(write_small_site(tmp_path, {**changes, "roster.toml": None}))
    assert len(site.stations) == 3 and site.district is not None
    assert [item.split(" ")[0] for item in site.missing] == [
        "boundaries/townships.geojson", "grid.geojson", "roster.toml"
    ]  # fmt: skip


BAD_STATION_ROWS = [
    (STATIONS.replace(",air,", ",smoke,"), "stations.csv:2: kind: must be one of"),
    (STATIONS.replace("116.02,40.42", "116.02,north"), "stations.csv:3: lat: must be a latitude"),
    (STATIONS.replace("116.08,40.47", "216.08,40.47"), "stations.csv:4: lon: must be a longitude"),
    (STATIONS.replace(",240,", ",4 min,"), "stations.csv:4: interval_s: must be a whole number"),
    (STATIONS.replace("Leq,", ","), "stations.csv:3: factors: lists no factor code"),
    (STATIONS.replace("000003", "000001"), "stations.csv:4: mn: 'TESTMN000000000000000001' appears twice"),
    (STATIONS.replace("NOISE-1", "AIR-1"), "stations.csv:3: id: 'AIR-1' appears twice"),
    (STATIONS.replace(",222222,", ",,"), "stations.csv:3: pw: is required"),
    (STATIONS.replace(",T02,23", ",T09,23"), "stations.csv:3: township: 'T09' is not a township"),
    (STATIONS.replace(",T02-01\n", ",T02-99\n"), "stations.csv:3: grid: 'T02-99' is not a grid cell"),
    (STATIONS.replace(",pw,", ",password,"), "stations.csv:1: pw: column missing"),
]
BAD_FILES = [
    ("site.toml", SITE_TOML.replace("Asia/Shanghai", "Mars/Olympus"), "site.toml:4: timezone: not a known"),
    ("site.toml", SITE_TOML.replace("[116.05, 40.45]", "[116.05]"), "site.toml:5: centre: must be [longitude"),
    ("site.toml", SITE_TOML.replace("grid_km = 2.0", "grid_km = -2"), "site.toml:6: grid_km: must be a positive"),
    ("site.toml", SITE_TOML.replace('"stations.csv"', '"../stations.csv"'), "site.toml:9: files.stations:"),
    ("site.toml", SITE_TOML.replace('name = "测试区"', "name = 测试区"), "site.toml:2: not valid TOML"),
    ("roster.toml", ROSTER.replace('code = "T01"', 'code = "T07"'), "roster.toml:8: township.code: 'T07' is not"),
    ("roster.toml", ROSTER.replace('name = "网格员 李四"', ""), "roster.toml:11: grid.name: is required"),
    ("roster.toml", ROSTER.replace('name = "区值班长"', 'who = "x"'), "roster.toml:4: district.name: is required"),
    ("roster.toml", ROSTER + "[[grid]]\ncell = 'T01-01'\nname = 'x'\n", "roster.toml:15: grid.cell: 'T01-01' appears"),
    ("boundaries/townships.geojson", TOWNSHIPS.replace('"code": "T02", ', ""), "townships.geojson:4: properties.code"),
    ("boundaries/townships.geojson", TOWNSHIPS.replace('"code": "T02"', '"code": "T01"'), "townships.geojson:4: properties.code: 'T01' appears twice"),
    ("boundaries/townships.geojson", TOWNSHIPS.replace("[116.075, 40.45]", "[40.45]"), "townships.geojson:2: properties.seat"),
    ("boundaries/district.geojson", DISTRICT.replace('"Polygon"', '"LineString"'), "district.geojson:2: geometry: must be a Polygon"),
    ("boundaries/district.geojson", DISTRICT.replace("[116.0, 40.4]]]", "[116.0, 40.4]]"), "district.geojson:3: not valid JSON"),
    ("boundaries/district.geojson", DISTRICT.replace("116.1, 40.5", "1161, 40.5"), "district.geojson:2: geometry.coordinates: must be"),
    ("grid.geojson", GRID.replace('"township": "T02"', '"township": "T03"'), "grid.geojson:4: properties.township: 'T03'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), BAD_STATION_ROWS)
def test_a_bad_station_row_names_its_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SiteError) as caught:
        load_site(write_small_site(tmp_path, {"stations.csv": text}))
    assert [str(p) for p in caught.value.problems if str(p).startswith(expected)], str(caught.value)


@pytest.mark.parametrize(("name", "text", "expected"), BAD_FILES)
def test_a_bad_file_names_its_line_and_field(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(SiteError) as caught:
        load_site(write_small_site(tmp_path, {name: text}))
    assert any(expected in str(p) for p in caught.value.problems), str(caught.value)


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    stations = STATIONS.replace(",air,", ",smoke,").replace(",240,", ",0,")
    with pytest.raises(SiteError) as caught:
        load_site(write_small_site(tmp_path, {"stations.csv": stations, "roster.toml": "[city\n"}))
    where = sorted((p.file, p.line, p.field) for p in caught.value.problems)
    assert where == [("roster.toml", 1, ""), ("stations.csv", 2, "kind"), ("stations.csv", 4, "interval_s")]


@pytest.mark.parametrize("key", ["yanqing", "huludao"])
def test_the_simulated_site_reads_back_as_written(tmp_path: Path, key: str) -> None:
    region = PRESETS[key]
    written = simulated_site(region, build_network(region, 7, 120))
    write_site(written, tmp_path)
    read = load_site(tmp_path)
    assert read.stations == written.stations and len(read.stations) == 120
    assert read.district == written.district and read.township_areas == written.township_areas
    assert read.townships == written.townships and read.grid == written.grid
    assert read.roster == written.roster and read.missing == ()
    assert read.boundary_geojson() == written.boundary_geojson()
    assert Person(Level.DISTRICT, "", f"{region.name}负责人") in read.roster
    cells = {c.id for c in read.grid}
    assert {s.grid for s, _ in read.stations} <= cells  # every station's grid cell has an outline ...
    assert {p.unit for p in read.roster if p.level == Level.GRID} == cells  # ... and a grid member


def test_a_site_of_stations_only_is_written_without_the_parts_it_lacks(tmp_path: Path) -> None:
    stations = load_site(write_small_site(tmp_path / "whole")).stations
    write_site(Site(stations=stations), tmp_path / "bare")
    read = load_site(tmp_path / "bare")
    assert read.stations == stations  # townships unknown: their codes are not checked
    assert [item.split(" ")[0] for item in read.missing] == [
        "boundaries/district.geojson", "boundaries/townships.geojson", "grid.geojson", "roster.toml"
    ]  # fmt: skip


def test_a_file_wrong_throughout_is_summed_up(tmp_path: Path) -> None:
    rows = "".join(f"S{n},x,smoke,116,40,MN{n},1,a,60,T01\n" for n in range(50))
    with pytest.raises(SiteError) as caught:
        load_site(write_small_site(tmp_path, {"stations.csv": STATIONS.splitlines(True)[0] + rows}))
    assert len(caught.value.problems) == 50
    assert str(caught.value).splitlines()[-1] == "... and 30 more"
