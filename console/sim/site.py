"""The simulated city's site: its region preset and network written as a site directory the hub reads."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import shapely
import shapely.affinity
from shapely.geometry import Point, box, mapping

from console.core.incidents import Level
from console.hub.site import GridCell, Person, Site, Township, roster_order
from console.sim.fleet import Fleet
from console.sim.network import StationSpec
from console.sim.regions import Region, areas_are_approximate, boundary_geojson, township_areas
from console.sim.roadnet import cached_roads, roads_text

ROADS_FILE = "roads.geojson"  # the road network (a real site brings its own, e.g. from OpenStreetMap)
UNITS_FILE = "units.csv"  # the unit registry
ZONES_FILE = "zones.geojson"  # exclusion zones (geofences besides the township borders)
NO_FLY_KM = 1.5  # around the scenic spots the simulated district closes to drones

_KM_PER_DEG_LAT = 111.32  # as console.sim.network draws its grid
# Region preset -> (district level, city level) as they appear on the duty roster.
UPPER_UNITS = {"yanqing": ("延庆区", "北京市"), "huludao": ("葫芦岛市", "辽宁省")}


def simulated_site(region: Region, specs: list[StationSpec]) -> Site:
    """The site of a region preset with its simulated network: boundaries, grid, roster and stations."""
    collection = boundary_geojson(region)
    district = next(f["geometry"] for f in collection["features"] if f["properties"]["kind"] == "district")
    areas = {
        f["properties"]["code"]: f["geometry"]
        for f in collection["features"]
        if f["properties"]["kind"] == "township"
    }
    towns = tuple(Township(t.code, t.name, t.name_en, t.lon, t.lat) for t in region.townships)
    grid = grid_cells(region, specs)
    return Site(
        key=region.key,
        name=region.name,
        name_en=region.name_en,
        centre=_centre(region),
        grid_km=region.grid_km,
        district=district,
        townships=towns,
        township_areas=areas,
        approximate=frozenset(areas) if areas_are_approximate(region) else frozenset(),
        grid=grid,
        roster=roster(region, grid),
        stations=tuple((s.station, s.pw) for s in specs),
    )


def roster(region: Region, grid: tuple[GridCell, ...]) -> tuple[Person, ...]:
    """The simulated duty board: a grid member per cell, a leader per township, district and city."""
    district, city = UPPER_UNITS.get(region.key, (region.name, "市"))
    people = [Person(Level.GRID, cell.id, f"网格员 {cell.id}") for cell in grid]
    people += [Person(Level.TOWNSHIP, t.code, f"{t.name}负责人") for t in region.townships]
    people += [Person(Level.DISTRICT, "", f"{district}负责人"), Person(Level.CITY, "", f"{city}负责人")]
    return tuple(sorted(people, key=roster_order))


def grid_cells(region: Region, specs: list[StationSpec]) -> tuple[GridCell, ...]:
    """The grid cells that hold a station, each the square the network assigned it by (clipped to its
    township's area)."""
    areas = township_areas(region)
    cells: dict[str, GridCell] = {}
    for spec in sorted(specs, key=lambda s: s.station.grid):
        station = spec.station
        if station.grid and station.grid not in cells and station.township in areas:
            square = _square(areas[station.township], station.lat, station.grid, region.grid_km)
            cells[station.grid] = GridCell(station.grid, station.township, square)
    return tuple(cells.values())


def _square(area: shapely.Geometry, lat: float, cell: str, grid_km: float) -> dict[str, Any]:
    """Outline of grid cell ``cell`` of a township: the inverse of the network's grid_cell()."""
    minx, miny, maxx, _ = shapely.bounds(area)
    km_x = _KM_PER_DEG_LAT * math.cos(math.radians(lat))
    cols = max(1, math.ceil((maxx - minx) * km_x / grid_km))
    index = int(cell.rsplit("-", 1)[1]) - 1
    row, col = divmod(index, cols)
    west, south = minx + col * grid_km / km_x, miny + row * grid_km / _KM_PER_DEG_LAT
    square = box(west, south, west + grid_km / km_x, south + grid_km / _KM_PER_DEG_LAT)
    clipped = shapely.make_valid(square.intersection(area))
    polygons = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type in ("Polygon", "MultiPolygon")]
    shape = shapely.union_all(polygons) if polygons else square
    outline: dict[str, Any] = _rounded(mapping(shapely.set_precision(shape, 1e-6)))
    return outline


def _rounded(geometry: Any) -> Any:
    """Plain lists and floats rounded to 6 decimals, as JSON would give them back."""
    if isinstance(geometry, dict):
        return {k: _rounded(v) for k, v in geometry.items()}
    if isinstance(geometry, list | tuple):
        return [_rounded(v) for v in geometry]
    return round(geometry, 6) if isinstance(geometry, float) else geometry


def _centre(region: Region) -> tuple[float, float]:
    lons = [t.lon for t in region.townships]
    lats = [t.lat for t in region.townships]
    return round(sum(lons) / len(lons), 4), round(sum(lats) / len(lats), 4)


def write_fleet(region: Region, seed: int, directory: Path, units: int = 300) -> Fleet:
    """Write the simulated district's roads (``roads.geojson``), its fleet's registry (``units.csv``) and
    its exclusion zones (``zones.geojson``) into a site directory; the simulator builds the same roads and
    fleet from the same region and seed."""
    roads = cached_roads(region, seed, directory / ROADS_FILE)
    fleet = Fleet(region, seed, roads, count=units)
    files = (
        (ROADS_FILE, roads_text(roads)),
        (UNITS_FILE, fleet.units_csv()),
        (ZONES_FILE, zones_text(region)),
    )
    for name, text in files:
        partial = directory / (name + ".partial")
        partial.write_text(text, encoding="utf-8")
        partial.replace(directory / name)
    return fleet


def zones_text(region: Region) -> str:
    """Exclusion zones of the simulated district, one feature per line: a drone no-fly circle around each
    scenic spot (``console.core.geofence`` reads them as ``ZoneKind.EXCLUSION``)."""
    lines = []
    for n, place in enumerate(region.scenic, start=1):
        km_x = _KM_PER_DEG_LAT * math.cos(math.radians(place.lat))
        circle = shapely.affinity.scale(
            Point(0, 0).buffer(NO_FLY_KM, 32), 1 / km_x, 1 / _KM_PER_DEG_LAT, origin=(0, 0)
        )
        ring = shapely.affinity.translate(circle, place.lon, place.lat)
        props = {
            "id": f"NOFLY-{n:02d}",
            "name": f"{place.name}禁飞区",
            "kind": "exclusion",
            "applies_to": "drone",
        }
        feature = {"type": "Feature", "properties": props, "geometry": _rounded(mapping(ring))}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
