"""A plausible road network for a region preset, built offline from its townships (no map data needed).

Township seats are linked by arterials (the minimum spanning tree of their Delaunay triangulation, plus the
short links that close loops), each seat has a street grid clipped to its township's area, villages spread
over each township are linked to the nearest road, and so are the scenic spots, industrial areas and
landfills. Roads are gently winding, never ruler-straight. Everything is noded (roads that cross share a
vertex: a junction) and only the connected network is kept. Same region and seed, same roads.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, mapping
from shapely.ops import nearest_points

from console.core.roads import CLASS_SPEED_KMH, RoadNetwork
from console.sim.regions import Place, Region, district_boundary, township_areas

_M_PER_DEG = 111_195.0
_RANK = {"primary": 0, "secondary": 1, "tertiary": 2, "unclassified": 3, "residential": 4}
_GRID_SIZE_M = 0.1  # noding precision
GENERATOR_VERSION = 1  # written into roads.geojson; change it whenever the roads built would change


class _Frame:
    """Local metres about a centre (equirectangular), and back."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def to_xy(self, geometry: Any) -> Any:
        def forward(c: np.ndarray) -> np.ndarray:
            return np.column_stack([(c[:, 0] - self.lon0) * self.kx, (c[:, 1] - self.lat0) * _M_PER_DEG])

        return shapely.transform(geometry, forward)

    def to_lonlat(self, geometry: Any) -> Any:
        def back(c: np.ndarray) -> np.ndarray:
            return np.column_stack([c[:, 0] / self.kx + self.lon0, c[:, 1] / _M_PER_DEG + self.lat0])

        return shapely.transform(geometry, back)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * _M_PER_DEG


class _Builder:
    """Collects roads (metres) with their class while the network grows."""

    def __init__(self, region: Region, seed: int) -> None:
        self.region = region
        self.rng = np.random.default_rng([seed, 0x808])
        seats = region.townships
        self.frame = _Frame(sum(t.lon for t in seats) / len(seats), sum(t.lat for t in seats) / len(seats))
        self.boundary = self.frame.to_xy(district_boundary(region))
        self.areas = {code: self.frame.to_xy(a) for code, a in township_areas(region).items()}
        self.scale = region.urban_sigma_km / 1.5  # Huludao's towns are bigger and farther apart
        self.roads: list[tuple[str, LineString]] = []
        self.villages_placed: list[Point] = []

    def add(self, cls: str, line: LineString) -> None:
        if line.length > 1.0:
            self.roads.append((cls, line))

    def wiggle(self, a: tuple[float, float], b: tuple[float, float], amount: float = 0.05) -> LineString:
        """A road from a to b that winds a little (smooth lateral offsets, zero at both ends)."""
        ax, ay = a
        bx, by = b
        length = math.hypot(bx - ax, by - ay)
        n = max(2, int(length / 350))
        s = np.linspace(0.0, 1.0, n + 1)
        r = self.rng.normal(size=3)
        offset = (
            length
            * amount
            * (
                r[0] * np.sin(np.pi * s)
                + 0.5 * r[1] * np.sin(2 * np.pi * s)
                + 0.25 * r[2] * np.sin(3 * np.pi * s)
            )
        )
        nx, ny = -(by - ay) / max(length, 1e-9), (bx - ax) / max(length, 1e-9)
        return LineString(
            np.column_stack([ax + s * (bx - ax) + offset * nx, ay + s * (by - ay) + offset * ny])
        )

    # -- the parts ---------------------------------------------------------------------------------------

    def arterials(self) -> None:
        seats = [self.frame.point(t.lon, t.lat) for t in self.region.townships]
        edges = shapely.delaunay_triangles(MultiPoint(seats), only_edges=True)
        index = {(round(x, 3), round(y, 3)): i for i, (x, y) in enumerate(seats)}
        land = shapely.buffer(self.boundary, 1000)
        links = []
        for edge in shapely.get_parts(edges):
            (x1, y1), (x2, y2) = edge.coords
            i, j = index[(round(x1, 3), round(y1, 3))], index[(round(x2, 3), round(y2, 3))]
            inside = shapely.length(shapely.intersection(edge, land)) / max(edge.length, 1e-9)
            links.append((edge.length * (1.0 if inside > 0.9 else 3.0), i, j))
        links.sort()
        parent = list(range(len(seats)))

        def root(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        tree = []
        for link in links:
            a, b = root(link[1]), root(link[2])
            if a != b:
                parent[a] = b
                tree.append(link)
        longest = max(cost for cost, _, _ in tree)
        for cost, i, j in links:
            if (cost, i, j) in tree:
                self.add("primary", self.wiggle(seats[i], seats[j], 0.04))
            elif cost < 0.8 * longest:
                self.add("secondary", self.wiggle(seats[i], seats[j], 0.07))

    def town_grids(self) -> None:
        core = set(self.region.core)
        city_angle = float(self.rng.uniform(-0.25, 0.25))
        for town in self.region.townships:
            urban = town.code in core
            spacing = (380.0 if urban else 650.0) * self.scale
            radius = (1900.0 if urban else 1000.0) * self.scale
            angle = city_angle if urban else float(self.rng.uniform(-0.6, 0.6))
            cx, cy = self.frame.point(town.lon, town.lat)
            area = shapely.intersection(Point(cx, cy).buffer(radius), self.areas[town.code])
            self._grid(cx, cy, spacing, radius, angle, area)

    def _grid(
        self, cx: float, cy: float, spacing: float, radius: float, angle: float, area: shapely.Geometry
    ) -> None:
        c, s = math.cos(angle), math.sin(angle)
        m = int(radius // spacing)
        for k in range(-m, m + 1):
            for start, end in (
                ((-radius, k * spacing), (radius, k * spacing)),
                ((k * spacing, -radius), (k * spacing, radius)),
            ):
                ends = [(cx + x * c - y * s, cy + x * s + y * c) for x, y in (start, end)]
                clipped = shapely.intersection(LineString(ends), area)
                for part in shapely.get_parts(clipped):
                    if part.geom_type == "LineString" and part.length > 150:
                        self.add("tertiary" if k == 0 else "residential", part)

    def villages(self) -> None:
        for town in self.region.townships:
            area = self.areas[town.code]
            km2 = area.area / 1e6
            count = int(np.clip(km2 / 10.0, 3, 16))
            seat = Point(self.frame.point(town.lon, town.lat))
            placed: list[Point] = []
            minx, miny, maxx, maxy = area.bounds
            tries = 0
            while len(placed) < count and tries < 400:
                tries += 1
                p = Point(self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy))
                if not area.contains(p.buffer(300)) or p.distance(seat) < 1800 * self.scale:
                    continue
                if any(p.distance(q) < 1800 * self.scale for q in placed):
                    continue
                placed.append(p)
            for p in placed:
                self.link(p, "tertiary")
                self._grid(p.x, p.y, 300.0, 450.0, float(self.rng.uniform(-0.8, 0.8)), p.buffer(450))
            self.villages_placed += placed
        self._lanes()

    def _lanes(self) -> None:
        """Lanes between neighbouring villages (the nearest other one, when close): the loops that let a
        car go round rather than back the way it came."""
        villages = self.villages_placed
        done: set[tuple[int, int]] = set()
        for i, p in enumerate(villages):
            others = sorted((p.distance(q), j) for j, q in enumerate(villages) if j != i)
            for distance, j in others[:2]:
                pair = (min(i, j), max(i, j))
                if (
                    distance < 5000 * self.scale
                    and pair not in done
                    and self.boundary.contains(LineString([p, villages[j]]))
                ):
                    done.add(pair)
                    self.add("unclassified", self.wiggle((p.x, p.y), (villages[j].x, villages[j].y), 0.1))

    def places(self, places: tuple[Place, ...]) -> None:
        for place in places:
            self.link(Point(self.frame.point(place.lon, place.lat)), "unclassified")

    def link(self, p: Point, cls: str) -> None:
        """A road from p to the nearest road built so far (unless p is on one already)."""
        lines = shapely.multilinestrings([line for _, line in self.roads])
        near = nearest_points(p, lines)[1]
        if p.distance(near) > 60:
            self.add(cls, self.wiggle((p.x, p.y), (near.x, near.y), 0.08))

    # -- output ------------------------------------------------------------------------------------------

    def noded(self) -> list[tuple[str, shapely.Geometry]]:
        """Roads split where they cross (a shared vertex at every junction), each piece with the best class
        of the roads it came from, merged back into long lines per class."""
        lines = [line for _, line in self.roads]
        pieces = shapely.get_parts(shapely.union_all(lines, grid_size=_GRID_SIZE_M))
        tree = shapely.STRtree(lines)
        by_class: dict[str, list[shapely.Geometry]] = {}
        for piece in pieces:
            middle = shapely.line_interpolate_point(piece, 0.5, normalized=True)
            near = tree.query(middle, predicate="dwithin", distance=_GRID_SIZE_M * 5)
            classes = [self.roads[int(i)][0] for i in near] or ["residential"]
            best = min(classes, key=_RANK.__getitem__)
            by_class.setdefault(best, []).append(piece)
        merged = []
        for cls in sorted(by_class, key=_RANK.__getitem__):
            joined = shapely.line_merge(shapely.multilinestrings(by_class[cls]))
            merged += [(cls, g) for g in shapely.get_parts(joined)]
        return merged


def build_roads(region: Region, seed: int) -> dict[str, Any]:
    """The region's road network as a GeoJSON FeatureCollection of LineStrings (WGS-84), each with its
    ``class`` and ``speed_kmh``; only the largest connected part is kept."""
    builder = _Builder(region, seed)
    builder.arterials()
    builder.town_grids()
    builder.villages()
    builder.places(region.scenic + region.industry + region.odour_sites)
    features = []
    for cls, line in builder.noded():
        geometry = shapely.transform(builder.frame.to_lonlat(line), lambda c: np.round(c, 6))
        features.append(
            {
                "type": "Feature",
                "properties": {"class": cls, "speed_kmh": CLASS_SPEED_KMH[cls]},
                "geometry": json.loads(json.dumps(mapping(geometry))),  # plain lists, as read back
            }
        )
    generator = {"region": region.key, "seed": seed, "version": GENERATOR_VERSION}
    return {"type": "FeatureCollection", "generator": generator, "features": _connected(features)}


def _connected(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The features of the largest connected part of the network."""
    from scipy.sparse.csgraph import connected_components

    network = RoadNetwork(features)
    _, labels = connected_components(network.graph(), directed=False)
    main = np.bincount(labels).argmax()
    keep = []
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"][0]
        node = int(np.argmin(np.abs(network.lon - lon) + np.abs(network.lat - lat)))
        if labels[node] == main:
            keep.append(feature)
    return keep


def roads_text(collection: dict[str, Any]) -> str:
    """GeoJSON text with one feature per line (as the site's other GeoJSON files are written)."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    generator = json.dumps(collection.get("generator", {}), separators=(",", ":"))
    return (
        f'{{"type":"FeatureCollection","generator":{generator},"features":[\n' + ",\n".join(lines) + "\n]}\n"
    )


def cached_roads(region: Region, seed: int, path: Path) -> dict[str, Any]:
    """The roads in ``path`` when this generator wrote them for this region and seed, else new ones: a
    restarted hub rewrites its simulated site without building the same roads again."""
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = None
    wanted = {"region": region.key, "seed": seed, "version": GENERATOR_VERSION}
    if isinstance(known, dict) and known.get("generator") == wanted and known.get("features"):
        return known
    return build_roads(region, seed)
