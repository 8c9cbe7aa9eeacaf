"""The simulated fleet: 300 emergency units of every kind, in teams by township, moving along the roads.

Who they are (``units.csv``), where each one is at any moment (``Fleet.position``), and when each one is out
of coverage, silent for good or raising SOS (``Fleet.outage``, ``stops_at``, ``sos``). Vehicles and people
drive or ride the road network from place to place in their township and stop there a while; drones fly
straight. Seeded: the same region and seed give the same fleet and the same journeys. How the units speak
to the hub (JT/T 808, OsmAnd) is in ``console.sim.fleetlink``.
"""

from __future__ import annotations

import bisect
import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from console.core.roads import BIKE_CAP_KMH, DRONE_KMH, PROFILE_OF_KIND, Profile, RoadNetwork
from console.core.units import UnitInfo, UnitKind, UnitSource
from console.sim.regions import Region, township_areas
from console.sim.weather import Episode

# How many of each kind (300 in all), the id prefix, the callsign's word, the report interval (s) range.
# Real terminals report every 10-30 s while driving; emergency units are usually set to the brisk end or
# faster. `report_s` (the hub's --unit-interval) overrides them all, e.g. 1 s for the wall benchmark.
KINDS: dict[UnitKind, tuple[int, str, str, tuple[float, float]]] = {
    UnitKind.GRID_MEMBER: (90, "GRID", "网格员", (5.0, 10.0)),
    UnitKind.INSPECTOR: (60, "INSP", "巡查", (5.0, 10.0)),
    UnitKind.ENFORCEMENT: (40, "ENF", "执法", (5.0, 8.0)),
    UnitKind.INSTRUMENT: (40, "INST", "仪器", (10.0, 30.0)),
    UnitKind.SPRINKLER: (30, "SPRK", "洒水", (5.0, 10.0)),
    UnitKind.MONITORING_VAN: (20, "VAN", "监测车", (5.0, 8.0)),
    UnitKind.DRONE: (20, "UAV", "无人机", (5.0, 5.0)),
}
# Vehicle terminals and instruments with a 4G module speak JT/T 808; phones (people) speak OsmAnd.
JT808_KINDS = frozenset(
    {UnitKind.ENFORCEMENT, UnitKind.INSTRUMENT, UnitKind.SPRINKLER, UnitKind.MONITORING_VAN, UnitKind.DRONE}
)
SPEED_FACTOR = (0.65, 0.95)  # share of the road's speed a unit keeps (traffic, driver)
SPRINKLER_KMH = 20.0  # a sprinkler truck at work
DWELL_S = (120.0, 900.0)  # a stop at a place
OUTAGE_SHARE = 0.08  # units that lose coverage now and then
OUTAGE_EVERY_S = 2400.0  # ... about once in this long (one window per period)
OUTAGE_S = (120.0, 360.0)  # ... for this long
SILENT_UNITS = 3  # units that stop reporting for good (to go stale, then lost)
SILENT_AFTER_S = (300.0, 900.0)  # ... this long after the fleet starts
SOS_AFTER_S = 180.0  # the SOS comes this long after the fleet starts, or when the episode begins
SOS_S = 900.0  # ... and lasts this long
KEPT_LEGS = 40  # journeys and stops a unit remembers (positions are asked for now and the last minutes)
JT808_2019_SHARE = 0.1  # terminals of the 2019 edition
JSON_SHARE = 0.3  # phones that post the JSON form rather than the query form


@dataclass
class SimUnit:
    """One unit of the fleet and its travel plan (legs), extended as time goes on."""

    index: int
    info: UnitInfo
    township: str
    interval_s: float
    edition: int = 2013  # JT/T 808 edition of its terminal
    form: str = "query"  # OsmAnd: "query" or "json"; timestamps as "s", "ms" or "iso"
    stamp: str = "s"
    speed_factor: float = 0.8
    outage_phase: float = -1.0  # < 0: never out of coverage
    # legs: start times, and for each (times along it, lon, lat) arrays; a stop is a leg of one point
    starts: list[float] = field(default_factory=list)
    legs: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    node: int = 0  # where the plan ends
    plans: int = 0  # journeys planned so far (each has its own seeded randomness)


class Fleet:
    """The fleet of a region on its road network, from data time ``start``."""

    def __init__(
        self,
        region: Region,
        seed: int,
        roads: dict[str, Any],
        *,
        start: float = 0.0,
        count: int = 300,
        episodes: list[Episode] | None = None,
        report_s: float | None = None,
    ) -> None:
        """``report_s``: every unit reports this often (data seconds); None: by kind (KINDS), as devices
        are set up in the field."""
        if report_s is not None and not 0 < report_s < 86400:
            raise ValueError(f"a report interval must be more than 0 s and less than a day, not {report_s}")
        self.region, self.seed, self.start = region, seed, start
        self.report_s = report_s
        self.network = RoadNetwork(roads["features"])
        self.episodes = list(episodes or [])
        self.outage_every_s, self.outage_s, self.sos_after_s = OUTAGE_EVERY_S, OUTAGE_S, SOS_AFTER_S
        self._rng = np.random.default_rng([seed, 0xF1EE7])
        self._node_town = self._towns_of_nodes()
        self._town_nodes = {code: np.flatnonzero(self._node_town == i) for i, code in enumerate(self._codes)}
        self.units = self._build_units(count)
        silent = self._rng.choice(len(self.units), size=min(SILENT_UNITS, len(self.units)), replace=False)
        self.silent_at = {int(i): start + float(self._rng.uniform(*SILENT_AFTER_S)) for i in silent}
        self.sos_unit = next(
            (
                u.index
                for u in self.units
                if u.info.kind is UnitKind.ENFORCEMENT
                and u.index not in self.silent_at
                and u.outage_phase < 0
            ),
            -1,
        )

    # -- who ---------------------------------------------------------------------------------------------

    def _towns_of_nodes(self) -> np.ndarray:
        areas = township_areas(self.region)
        self._codes = [t.code for t in self.region.townships]
        town = np.full(self.network.nodes, -1, dtype=np.int64)
        for i, code in enumerate(self._codes):
            inside = shapely.contains_xy(areas[code], self.network.lon, self.network.lat)
            town[inside & (town < 0)] = i
        return town

    def _build_units(self, count: int) -> list[SimUnit]:
        towns = [t for t in self.region.townships if len(self._town_nodes[t.code])]
        weights = np.array([2.0 if t.code in self.region.core else 1.0 for t in towns])
        total = sum(n for n, _, _, _ in KINDS.values())
        units: list[SimUnit] = []
        for kind, (n, prefix, word, (lo, hi)) in KINDS.items():
            for k in range(max(1, round(n * count / total)) if count else 0):
                town = towns[int(self._rng.choice(len(towns), p=weights / weights.sum()))]
                units.append(self._unit(len(units), kind, prefix, word, k + 1, town.code, town.name, lo, hi))
        return units[:count]

    def _unit(
        self,
        index: int,
        kind: UnitKind,
        prefix: str,
        word: str,
        n: int,
        town: str,
        town_name: str,
        lo: float,
        hi: float,
    ) -> SimUnit:
        rng = self._rng
        jt808 = kind in JT808_KINDS
        device = f"1391190{index:04d}" if jt808 else f"76{index:04d}"
        info = UnitInfo(
            id=f"{prefix}-{n:03d}",
            name=f"{word}{n:02d}",
            kind=kind,
            team=f"{town_name}应急队",
            source=UnitSource.JT808 if jt808 else UnitSource.OSMAND,
            device=device,
        )
        interval = float(rng.uniform(lo, hi))  # drawn either way: the same seed, the same fleet otherwise
        unit = SimUnit(index, info, town, self.report_s or interval)
        unit.edition = 2019 if jt808 and rng.random() < JT808_2019_SHARE else 2013
        unit.form = "json" if not jt808 and rng.random() < JSON_SHARE else "query"
        unit.stamp = str(rng.choice(["s", "s", "ms", "iso"]))
        unit.speed_factor = float(rng.uniform(*SPEED_FACTOR))
        if rng.random() < OUTAGE_SHARE:
            unit.outage_phase = float(rng.uniform(0.1, 0.9))
        nodes = self._town_nodes[town]
        unit.node = int(nodes[rng.integers(len(nodes))])
        unit.starts.append(self.start)
        unit.legs.append(self._stop(unit.node, float(rng.uniform(0, DWELL_S[1]))))
        return unit

    def units_csv(self) -> str:
        """The fleet as the site's ``units.csv``: id, name, kind, team, source, device."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "name", "kind", "team", "source", "device"])
        for u in self.units:
            i = u.info
            writer.writerow([i.id, i.name, i.kind.value, i.team, i.source.value, i.device])
        return out.getvalue()

    # -- when --------------------------------------------------------------------------------------------

    def outage(self, index: int, t: float) -> tuple[float, float] | None:
        """The coverage outage (start, end) unit ``index`` is in at ``t``, or None."""
        phase = self.units[index].outage_phase
        if phase < 0 or t < self.start:
            return None
        period = math.floor((t - self.start) / self.outage_every_s)
        begin = self.start + (period + phase) * self.outage_every_s
        rng = np.random.default_rng([self.seed, index, period])
        end = begin + float(rng.uniform(*self.outage_s))
        return (begin, end) if begin <= t < end else None

    def silent(self, index: int, t: float) -> bool:
        """True once the unit has stopped reporting for good."""
        return index in self.silent_at and t >= self.silent_at[index]

    def sos_window(self) -> tuple[float, float] | None:
        """When the SOS unit raises its alarm: during the scripted episode (None without one)."""
        for ep in self.episodes:
            begin = max(ep.start, self.start + self.sos_after_s)
            if begin < ep.end:
                return begin, begin + SOS_S
        return None

    def sos(self, index: int, t: float) -> bool:
        window = self.sos_window()
        return index == self.sos_unit and window is not None and window[0] <= t < window[1]

    # -- where -------------------------------------------------------------------------------------------

    def position(self, index: int, t: float) -> tuple[float, float, float, float]:
        """(lon, lat, speed km/h, heading degrees) of unit ``index`` at data time ``t``."""
        unit = self.units[index]
        while unit.starts[-1] + float(unit.legs[-1][0][-1]) <= t:
            self._plan(unit)
        k = bisect.bisect_right(unit.starts, t) - 1
        times, lon, lat = unit.legs[max(k, 0)]
        dt = t - unit.starts[max(k, 0)]
        j = int(np.searchsorted(times, dt, side="right")) - 1
        if j < 0 or j >= len(times) - 1:
            return float(lon[-1] if j >= 0 else lon[0]), float(lat[-1] if j >= 0 else lat[0]), 0.0, 0.0
        span = float(times[j + 1] - times[j])
        f = (dt - float(times[j])) / span if span > 0 else 0.0
        x = float(lon[j] + f * (lon[j + 1] - lon[j]))
        y = float(lat[j] + f * (lat[j + 1] - lat[j]))
        metres = float(_metres(lon[j], lat[j], lon[j + 1], lat[j + 1]))
        if metres == 0.0:  # stopped: facing the way it came
            return x, y, 0.0, self._heading_before(unit, max(k, 0))
        kmh = metres / span * 3.6 if span > 0 else 0.0
        return x, y, kmh, float(_bearing(float(lon[j]), float(lat[j]), float(lon[j + 1]), float(lat[j + 1])))

    def _heading_before(self, unit: SimUnit, k: int) -> float:
        """The heading at the end of the last journey before leg ``k`` (0 when there was none)."""
        for times, lon, lat in reversed(unit.legs[:k]):
            for j in range(len(times) - 2, -1, -1):
                if lon[j] != lon[j + 1] or lat[j] != lat[j + 1]:
                    return float(_bearing(float(lon[j]), float(lat[j]), float(lon[j + 1]), float(lat[j + 1])))
        return 0.0

    def _plan(self, unit: SimUnit) -> None:
        """Add the next journey and the stop after it."""
        unit.plans += 1
        rng = np.random.default_rng([self.seed, unit.index, unit.plans])
        begin = unit.starts[-1] + float(unit.legs[-1][0][-1])
        target = self._destination(unit, rng)
        leg = self._journey(unit, target)
        unit.starts.append(begin)
        unit.legs.append(leg)
        unit.node = target
        unit.starts.append(begin + float(leg[0][-1]))
        unit.legs.append(self._stop(target, float(rng.uniform(*DWELL_S))))
        del unit.starts[:-KEPT_LEGS], unit.legs[:-KEPT_LEGS]  # hours of journeys: enough to look back on

    def _destination(self, unit: SimUnit, rng: np.random.Generator) -> int:
        roaming = unit.info.kind in (UnitKind.ENFORCEMENT, UnitKind.MONITORING_VAN) and rng.random() < 0.25
        nodes = np.arange(self.network.nodes) if roaming else self._town_nodes[unit.township]
        return int(nodes[rng.integers(len(nodes))])

    def _journey(self, unit: SimUnit, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        net = self.network
        profile = PROFILE_OF_KIND[unit.info.kind]
        if profile is Profile.AIR:
            a, b = unit.node, target
            lon, lat = net.lon[[a, b]], net.lat[[a, b]]
            seconds = _metres(lon[0], lat[0], lon[1], lat[1]) / (DRONE_KMH * 0.8 / 3.6)
            return np.array([0.0, max(seconds, 1.0)]), lon, lat
        _, pred = dijkstra(net.graph(profile), indices=unit.node, return_predecessors=True)
        path = [target]
        while path[-1] != unit.node and pred[path[-1]] >= 0:
            path.append(int(pred[path[-1]]))
        if path[-1] != unit.node:  # not reachable (cannot happen on a connected network): stay
            return self._stop(unit.node, 60.0)
        if len(path) < 2:  # already there
            return self._stop(unit.node, 1.0)
        nodes = np.array(path[::-1])
        lon, lat = net.lon[nodes], net.lat[nodes]
        metres = _metres(lon[:-1], lat[:-1], lon[1:], lat[1:])
        kmh = self._edge_speeds(nodes) * unit.speed_factor
        if unit.info.kind is UnitKind.SPRINKLER:
            kmh = np.minimum(kmh, SPRINKLER_KMH)
        if profile is Profile.BIKE:
            kmh = np.minimum(kmh, BIKE_CAP_KMH * 0.8)
        times = np.concatenate([[0.0], np.cumsum(metres / (kmh / 3.6))])
        return times, lon, lat

    def _edge_speeds(self, nodes: np.ndarray) -> np.ndarray:
        graph = self.network.graph(Profile.CAR)
        seconds = np.asarray(graph[nodes[:-1], nodes[1:]]).ravel()
        lon, lat = self.network.lon[nodes], self.network.lat[nodes]
        metres = _metres(lon[:-1], lat[:-1], lon[1:], lat[1:])
        speed: np.ndarray = np.where(seconds > 0, metres / np.maximum(seconds, 1e-9) * 3.6, 30.0)
        return speed

    def _stop(self, node: int, seconds: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lon, lat = self.network.lon[node], self.network.lat[node]
        return np.array([0.0, max(seconds, 1.0)]), np.array([lon, lon]), np.array([lat, lat])


def _metres(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    k = math.pi / 180.0
    x = (np.asarray(lon2) - np.asarray(lon1)) * k * np.cos((np.asarray(lat1) + np.asarray(lat2)) * k / 2)
    y = (np.asarray(lat2) - np.asarray(lat1)) * k
    return np.hypot(x, y) * 6371008.8


def _bearing(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return (math.degrees(math.atan2(dx, lat2 - lat1)) + 360.0) % 360.0
