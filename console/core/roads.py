"""The road network: a graph of a site's roads, snapping, shortest-time paths, ETAs and the nearest units.

Built from a GeoJSON FeatureCollection of LineStrings (the site's ``roads.geojson``: generated for the
simulated city, exported from OpenStreetMap for a real one). Roads meet where they share a vertex, as in an
OpenStreetMap export: two lines that cross without a common vertex are a bridge, not a junction. Each
feature has a ``class`` (or OpenStreetMap's ``highway``) and optionally ``speed_kmh`` and ``oneway``.

Paths are by travel time on a sparse matrix (scipy's C Dijkstra): one search from an incident ranks all
its units. A point is snapped to the nearest road segment; the leg between the point and the road is
covered at ``OFFROAD_KMH``. Drones fly straight. No Qt, no I/O beyond reading the file it is given.

One module of about 500 lines: reading, snapping, searching and ranking all work on the same node and edge
arrays, and split apart they would only pass them around.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from console.core.units import Freshness, UnitKind, UnitState, UnitStatus, freshness

__all__ = [
    "CLASS_SPEED_KMH",
    "Candidate",
    "Profile",
    "RoadError",
    "RoadNetwork",
    "Route",
    "Snap",
    "Unreachable",
]

# Travel speed by road class (km/h): what a vehicle averages there, junctions and traffic included.
CLASS_SPEED_KMH: dict[str, float] = {
    "motorway": 100.0,
    "trunk": 80.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 30.0,
    "residential": 30.0,
    "living_street": 10.0,
    "service": 20.0,
    "track": 15.0,
}
DEFAULT_SPEED_KMH = 30.0  # a class not in the table
OFFROAD_KMH = 6.0  # walking pace between a point and its road (the last metres to a scene)
MAX_SNAP_M = 2000.0  # a point farther than this from every road is not reachable by road
BIKE_CAP_KMH = 25.0  # inspectors and grid members ride e-bikes (the legal limit in China)
DRONE_KMH = 54.0  # 15 m/s cruise of a survey multicopter, straight line
SAMPLE_M = 40.0  # snapping samples along each segment: a snap is within SAMPLE_M / 2 of the nearest road
SNAP_CANDIDATES = 8  # nearest samples whose segments are measured exactly
_EARTH_RADIUS_M = 6371008.8
_M_PER_DEG = math.pi * _EARTH_RADIUS_M / 180.0
_VERTEX_DECIMALS = 7  # vertices equal to 1 cm are one junction


class Profile(StrEnum):
    """How a kind of unit travels."""

    CAR = "car"  # by road at the road's speed
    BIKE = "bike"  # by road, at most BIKE_CAP_KMH
    AIR = "air"  # straight line at DRONE_KMH


PROFILE_OF_KIND: dict[UnitKind, Profile] = {
    UnitKind.INSPECTOR: Profile.BIKE,
    UnitKind.GRID_MEMBER: Profile.BIKE,
    UnitKind.MONITORING_VAN: Profile.CAR,
    UnitKind.SPRINKLER: Profile.CAR,
    UnitKind.ENFORCEMENT: Profile.CAR,
    UnitKind.DRONE: Profile.AIR,
    UnitKind.INSTRUMENT: Profile.CAR,  # carried to the scene in a van or car
}


class RoadError(ValueError):
    """The roads file cannot be read as a road network; the message says where and why."""


class Unreachable(ValueError):
    """No road leads from one point to the other; the message says why (too far from any road, or no
    road connects them)."""


@dataclass(frozen=True, slots=True)
class Snap:
    """Where a point meets the network: on ``edge`` at fraction ``t`` from its first node, ``offset_m``
    from the point itself; ``lonlat`` is the place on the road."""

    edge: int
    t: float
    offset_m: float
    lonlat: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Route:
    """A shortest-time path: seconds, metres and the points (lon, lat) from start to end."""

    seconds: float
    metres: float
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A unit that could go to an incident: its ETA (s) and how it travels."""

    unit: str
    eta_s: float
    profile: Profile


class RoadNetwork:
    """An immutable road graph with its segment index; cheap to query, built once per site."""

    def __init__(self, features: Sequence[dict[str, Any]], *, max_snap_m: float = MAX_SNAP_M) -> None:
        self.max_snap_m = max_snap_m
        lons, lats, us, vs, speeds, oneways = _edges_of(features)
        if not us:
            raise RoadError("the roads file has no road (no LineString with two distinct points)")
        self.lon, self.lat = np.array(lons), np.array(lats)
        self.lon0, self.lat0 = float(self.lon.mean()), float(self.lat.mean())
        self.x, self.y = self._project(self.lon, self.lat)
        self.u, self.v = np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)
        self.speed = np.array(speeds)
        self.oneway = np.array(oneways, dtype=bool)
        self.length = _haversine(self.lon[self.u], self.lat[self.u], self.lon[self.v], self.lat[self.v])
        self._samples, self._sample_edge = self._sample()
        self._seconds = {p: self.length / (self._speed_of(p) / 3.6) for p in (Profile.CAR, Profile.BIKE)}
        self._graphs: dict[Profile, csr_matrix] = {}
        self._from: dict[Profile, _Search] = {}
        self._to: dict[Profile, _Search] = {}
        for profile, seconds in self._seconds.items():
            rows, cols, cost = self._arcs(seconds)
            self._graphs[profile] = csr_matrix((cost, (rows, cols)), shape=(self.nodes, self.nodes))
            self._from[profile] = _Search(rows, cols, cost, self.nodes)
            self._to[profile] = _Search(cols, rows, cost, self.nodes)

    # -- construction -----------------------------------------------------------------------------------

    @classmethod
    def from_geojson(cls, data: str | bytes | dict[str, Any], **kwargs: float) -> RoadNetwork:
        """The network of a GeoJSON FeatureCollection (text or parsed)."""
        if not isinstance(data, dict):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise RoadError(f"the roads file is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise RoadError("the roads file must be a GeoJSON FeatureCollection")
        features = data.get("features")
        if not isinstance(features, list):
            raise RoadError("the roads file has no 'features' list")
        return cls(features, **kwargs)

    @classmethod
    def load(cls, path: Path, **kwargs: float) -> RoadNetwork:
        """The network of a roads.geojson file."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RoadError(f"cannot read {path}: {exc}") from None
        return cls.from_geojson(text, **kwargs)

    def _project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local metres (equirectangular about the network's centre): good to a fraction of a percent
        over a district."""
        x = (np.asarray(lon, dtype=float) - self.lon0) * _M_PER_DEG * math.cos(math.radians(self.lat0))
        y = (np.asarray(lat, dtype=float) - self.lat0) * _M_PER_DEG
        return x, y

    def _speed_of(self, profile: Profile) -> np.ndarray:
        return np.minimum(self.speed, BIKE_CAP_KMH) if profile is Profile.BIKE else self.speed

    def _sample(self) -> tuple[cKDTree, np.ndarray]:
        """Points every SAMPLE_M along every segment, indexed: the nearest samples name the segments a
        point may snap to."""
        ax, ay, bx, by = self.x[self.u], self.y[self.u], self.x[self.v], self.y[self.v]
        counts = np.ceil(np.hypot(bx - ax, by - ay) / SAMPLE_M).astype(np.int64) + 1
        edge = np.repeat(np.arange(len(self.u)), counts)
        k = np.arange(len(edge)) - np.repeat(np.cumsum(counts) - counts, counts)
        f = k / (counts[edge] - 1)
        points = np.column_stack([ax[edge] + f * (bx - ax)[edge], ay[edge] + f * (by - ay)[edge]])
        return cKDTree(points), edge

    def graph(self, profile: Profile = Profile.CAR) -> csr_matrix:
        """Travel times (s) between adjacent nodes as a sparse matrix (row: from, column: to)."""
        return self._graphs[profile]

    def seconds(self, profile: Profile = Profile.CAR) -> np.ndarray:
        """Travel time (s) of each edge."""
        return self._seconds[profile]

    def _arcs(self, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Travel times as (from, to, seconds) arcs; of parallel edges the fastest (csr would add them)."""
        both = ~self.oneway
        rows = np.concatenate([self.u, self.v[both]])
        cols = np.concatenate([self.v, self.u[both]])
        cost = np.concatenate([seconds, seconds[both]])
        order = np.lexsort((cost, cols, rows))
        rows, cols, cost = rows[order], cols[order], cost[order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return rows[first], cols[first], cost[first]

    # -- queries ----------------------------------------------------------------------------------------

    @property
    def nodes(self) -> int:
        return len(self.lon)

    @property
    def edges(self) -> int:
        return len(self.u)

    def snap_many(self, lonlats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(edge, t, offset_m) of each (lon, lat) row: the nearest segment and the fraction along it."""
        px, py = self._project(lonlats[:, 0], lonlats[:, 1])
        k = min(SNAP_CANDIDATES, len(self._sample_edge))
        _, nearest = self._samples.query(np.column_stack([px, py]), k=k)
        candidates = self._sample_edge[np.asarray(nearest).reshape(len(px), k)]
        px, py = px[:, None], py[:, None]
        ax, ay = self.x[self.u[candidates]], self.y[self.u[candidates]]
        dx, dy = self.x[self.v[candidates]] - ax, self.y[self.v[candidates]] - ay
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0.0, 1.0)
        offset = np.hypot(ax + t * dx - px, ay + t * dy - py)
        best = np.argmin(offset, axis=1)
        rows = np.arange(len(best))
        return candidates[rows, best], t[rows, best], offset[rows, best]

    def snap(self, lonlat: tuple[float, float]) -> Snap:
        """Where a point meets the nearest road. Raises ``Unreachable`` beyond ``max_snap_m``."""
        lon, lat = _checked(lonlat)
        edge, t, offset = (a[0] for a in self.snap_many(np.array([[lon, lat]])))
        e, f = int(edge), float(t)
        if offset > self.max_snap_m:
            raise Unreachable(
                f"({lon:.5f}, {lat:.5f}) is {offset / 1000:.1f} km from the nearest road "
                f"(at most {self.max_snap_m / 1000:.1f} km)"
            )
        u, v = self.u[e], self.v[e]
        place = (
            float(self.lon[u] + f * (self.lon[v] - self.lon[u])),
            float(self.lat[u] + f * (self.lat[v] - self.lat[u])),
        )
        return Snap(e, f, float(offset), place)

    def eta(
        self, origin: tuple[float, float], destination: tuple[float, float], profile: Profile = Profile.CAR
    ) -> float:
        """Seconds from ``origin`` to ``destination`` (lon, lat) by the fastest road; ``Unreachable``
        when there is none."""
        return self.route(origin, destination, profile).seconds

    def route(
        self, origin: tuple[float, float], destination: tuple[float, float], profile: Profile = Profile.CAR
    ) -> Route:
        """The fastest path from ``origin`` to ``destination``. Raises ``Unreachable``."""
        if profile is Profile.AIR:
            return self._flight(origin, destination)
        a, b = self.snap(origin), self.snap(destination)
        w = self._seconds[profile]
        walk = (a.offset_m + b.offset_m) / (OFFROAD_KMH / 3.6)
        starts = self._exits(a, w)  # (node, seconds from the snapped point to it)
        ends = self._entries(b, w)  # (node, seconds from it to the snapped point)
        dist, pred = self._from[profile].run(starts, predecessors=True)
        best, choice = math.inf, None
        for node, tail in ends:
            if (total := float(dist[node]) + tail) < best:
                best, choice = total, node
        direct = self._along(a, b, w)
        if direct is not None and direct <= best:
            metres = abs(b.t - a.t) * float(self.length[a.edge]) + a.offset_m + b.offset_m
            return Route(direct + walk, metres, (origin, a.lonlat, b.lonlat, destination))
        if choice is None:
            raise Unreachable(f"no road connects {_place(origin)} to {_place(destination)}")
        path = _path(pred, self.nodes, choice)[1:]  # from the spare node that stands for the origin
        metres = self._path_metres(path) + a.offset_m + b.offset_m
        metres += self._partial_metres(a, path[0]) + self._partial_metres(b, path[-1])
        points = (
            origin,
            a.lonlat,
            *((float(self.lon[n]), float(self.lat[n])) for n in path),
            b.lonlat,
            destination,
        )
        return Route(best + walk, metres, points)

    def nearest_units(
        self, units: Iterable[UnitState], incident: tuple[float, float], k: int, *, now: float
    ) -> list[Candidate]:
        """The ``k`` available units with a live fix (at ``now``) that can reach ``incident`` soonest, by
        ETA. Units that cannot reach it by road (too far from a road, or on roads that do not connect)
        are left out; drones fly straight."""
        ready = [s for s in units if _ready(s, now)]
        if not ready or k <= 0:
            return []
        goal = _checked(incident)
        found: list[Candidate] = []
        groups: dict[Profile, list[UnitState]] = {}
        for state in ready:
            groups.setdefault(PROFILE_OF_KIND.get(state.info.kind, Profile.CAR), []).append(state)
        for profile, members in groups.items():
            found += self._rank(profile, members, goal, k)
        found.sort(key=lambda c: (c.eta_s, c.unit))
        return found[:k]

    # -- internals --------------------------------------------------------------------------------------

    def _rank(
        self, profile: Profile, members: list[UnitState], goal: tuple[float, float], k: int
    ) -> list[Candidate]:
        where = np.array([[s.last.lon, s.last.lat] for s in members if s.last is not None])
        if profile is Profile.AIR:
            metres = _haversine(
                where[:, 0], where[:, 1], np.full(len(where), goal[0]), np.full(len(where), goal[1])
            )
            times = metres / (DRONE_KMH / 3.6)
        else:
            try:
                times = self._times_to(profile, where, goal)
            except Unreachable:
                return []
        order = np.argsort(times, kind="stable")[:k]  # only the k best of a kind can make the list
        return [
            Candidate(members[i].info.id, float(times[i]), profile) for i in order if math.isfinite(times[i])
        ]

    def _times_to(self, profile: Profile, where: np.ndarray, goal: tuple[float, float]) -> np.ndarray:
        """Seconds from each row's point to ``goal``: one search from the goal on the reversed graph."""
        g = self.snap(goal)
        w = self._seconds[profile]
        ends = self._entries(g, w)
        to_goal = self._to[profile].run(ends)[0][: self.nodes]
        edge, t, offset = self.snap_many(where)
        we = w[edge]
        via_v = (1.0 - t) * we + to_goal[self.v[edge]]
        via_u = np.where(self.oneway[edge], np.inf, t * we + to_goal[self.u[edge]])
        total = np.minimum(via_u, via_v)
        same = edge == g.edge
        if same.any():
            forward = np.where(t <= g.t, (g.t - t) * we, np.where(self.oneway[edge], np.inf, (t - g.t) * we))
            total = np.where(same, np.minimum(total, forward), total)
        total = total + (offset + g.offset_m) / (OFFROAD_KMH / 3.6)
        return np.where(offset > self.max_snap_m, np.inf, total)

    def _exits(self, s: Snap, w: np.ndarray) -> list[tuple[int, float]]:
        """The nodes reachable from a snapped point along its edge, with the seconds it takes."""
        out = [(int(self.v[s.edge]), (1.0 - s.t) * float(w[s.edge]))]
        if not self.oneway[s.edge]:
            out.append((int(self.u[s.edge]), s.t * float(w[s.edge])))
        return out

    def _entries(self, s: Snap, w: np.ndarray) -> list[tuple[int, float]]:
        """The nodes from which a snapped point is reached along its edge, with the seconds it takes."""
        out = [(int(self.u[s.edge]), s.t * float(w[s.edge]))]
        if not self.oneway[s.edge]:
            out.append((int(self.v[s.edge]), (1.0 - s.t) * float(w[s.edge])))
        return out

    def _along(self, a: Snap, b: Snap, w: np.ndarray) -> float | None:
        """Seconds from ``a`` to ``b`` without leaving their common edge (None when they are on different
        edges, or ``b`` lies behind ``a`` on a one-way road)."""
        if a.edge != b.edge or (self.oneway[a.edge] and b.t < a.t):
            return None
        return abs(b.t - a.t) * float(w[a.edge])

    def _path_metres(self, path: list[int]) -> float:
        if len(path) < 2:
            return 0.0
        p = np.array(path)
        return float(_haversine(self.lon[p[:-1]], self.lat[p[:-1]], self.lon[p[1:]], self.lat[p[1:]]).sum())

    def _partial_metres(self, s: Snap, node: int) -> float:
        """Metres between a snapped point and one end of its edge."""
        fraction = s.t if node == self.u[s.edge] else 1.0 - s.t
        return fraction * float(self.length[s.edge])

    def _flight(self, origin: tuple[float, float], destination: tuple[float, float]) -> Route:
        a, b = _checked(origin), _checked(destination)
        metres = float(_haversine(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0])
        return Route(metres / (DRONE_KMH / 3.6), metres, (a, b))


class _Search:
    """Dijkstra from a point on an edge, in one search: the graph has a spare node whose (at most two)
    arcs are set, in place, to the nodes the point reaches along its edge and the seconds it takes."""

    def __init__(self, rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, n: int) -> None:
        rows = np.concatenate([rows, [n, n]])
        cols = np.concatenate([cols, [0, n]])
        cost = np.concatenate([cost, [1.0, 1.0]])
        self.matrix = csr_matrix((cost, (rows, cols)), shape=(n + 1, n + 1))
        self.matrix.sort_indices()
        self.spare = n
        self.slot = int(self.matrix.indptr[n])
        self._lock = threading.Lock()  # the spare node's arcs are shared: one search at a time

    def run(
        self, sources: list[tuple[int, float]], *, predecessors: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Seconds from the point to every node (the last entry is the spare node), and predecessors."""
        arcs = sorted(sources) + [(self.spare, 1.0)] * (2 - len(sources))  # unused: a loop on itself
        with self._lock:
            for i, (node, seconds) in enumerate(arcs):
                self.matrix.indices[self.slot + i] = node
                self.matrix.data[self.slot + i] = max(seconds, 1e-9)  # a zero would be no arc at all
            if predecessors:
                dist, pred = dijkstra(self.matrix, indices=self.spare, return_predecessors=True)
                return dist, pred
            return dijkstra(self.matrix, indices=self.spare), np.empty(0, dtype=np.int32)


def _ready(state: UnitState, now: float) -> bool:
    """Available, with a position whose fix is live."""
    last = state.last
    return (
        state.status is UnitStatus.AVAILABLE
        and last is not None
        and last.fix
        and freshness(last.ts, now) is Freshness.LIVE
    )


def _place(lonlat: tuple[float, float]) -> str:
    return f"({lonlat[0]:.5f}, {lonlat[1]:.5f})"


def _checked(lonlat: tuple[float, float]) -> tuple[float, float]:
    try:
        lon, lat = float(lonlat[0]), float(lonlat[1])
    except (TypeError, ValueError, IndexError):
        raise ValueError(f"not a (lon, lat) pair: {lonlat!r}") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"not a place on Earth: ({lon}, {lat})")
    return lon, lat


def _path(pred: np.ndarray, start: int, end: int) -> list[int]:
    """Nodes from ``start`` to ``end`` following Dijkstra's predecessors."""
    path = [end]
    while path[-1] != start:
        path.append(int(pred[path[-1]]))
    path.reverse()
    return path


def _haversine(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    metres: np.ndarray = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return metres


def _speed(props: dict[str, Any], where: str) -> float:
    value = props.get("speed_kmh")
    if value is None:
        cls = props.get("class", props.get("highway", ""))
        return CLASS_SPEED_KMH.get(str(cls).removesuffix("_link"), DEFAULT_SPEED_KMH)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 200:
        raise RoadError(f"{where}: speed_kmh must be a number of km/h above 0 and at most 200, not {value!r}")
    return float(value)


def _lines(geometry: Any, where: str) -> list[Any]:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("LineString", "MultiLineString"):
        return []  # points, polygons: not roads; skipped
    coords = geometry.get("coordinates")
    if not isinstance(coords, list | tuple):
        raise RoadError(f"{where}: coordinates must be a list")
    return [coords] if geometry["type"] == "LineString" else list(coords)


def _edges_of(
    features: Sequence[Any],
) -> tuple[list[float], list[float], list[int], list[int], list[float], list[bool]]:
    """Vertices (shared by equal coordinates) and edges (consecutive vertices) of every road feature."""
    index: dict[tuple[float, float], int] = {}
    lons: list[float] = []
    lats: list[float] = []
    us: list[int] = []
    vs: list[int] = []
    speeds: list[float] = []
    oneways: list[bool] = []
    for n, feature in enumerate(features):
        where = f"feature {n}"
        if not isinstance(feature, dict):
            raise RoadError(f"{where}: not a GeoJSON feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise RoadError(f"{where}: properties must be an object")
        lines = _lines(feature.get("geometry"), where)
        if not lines:
            continue
        speed = _speed(props, where)
        oneway = props.get("oneway") in (True, "yes", "1", 1)
        for line in lines:
            previous = -1
            for point in line:
                try:
                    lon, lat = _checked((point[0], point[1]))
                except (ValueError, TypeError, IndexError):
                    raise RoadError(f"{where}: {point!r} is not a [lon, lat] position") from None
                key = (round(lon, _VERTEX_DECIMALS), round(lat, _VERTEX_DECIMALS))
                node = index.get(key)
                if node is None:
                    node = index[key] = len(lons)
                    lons.append(lon)
                    lats.append(lat)
                if previous >= 0 and node != previous:
                    us.append(previous)
                    vs.append(node)
                    speeds.append(speed)
                    oneways.append(oneway)
                previous = node
    return lons, lats, us, vs, speeds, oneways
