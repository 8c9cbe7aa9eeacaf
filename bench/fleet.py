"""Road network and fleet figures: building the simulated roads, the graph, and ranking 300 units by ETA.

    .venv/bin/python bench/fleet.py [--incidents 200]

The last line is JSON: roads_build_s, graph_build_s, nodes, edges, road_km, nearest_300_ms_p50/p99 (one
nearest-units query over the 300 units of the simulated fleet, at random incident places), eta_ms_p50
(one point-to-point ETA with its path), positions_300_ms (where all 300 units are at one moment, planning
their first journeys included). Wall times on a shared machine swell with its load (load_average); the CPU
time of the query (nearest_300_cpu_ms_p50) does less.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from console.core.roads import RoadNetwork
from console.core.units import Fix, UnitState
from console.sim.fleet import Fleet
from console.sim.regions import PRESETS
from console.sim.roadnet import build_roads


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--incidents", type=int, default=200, help="nearest-units queries to time")
    p.add_argument("--region", default="yanqing", choices=sorted(PRESETS))
    args = p.parse_args()
    region = PRESETS[args.region]
    t0 = time.perf_counter()
    roads = build_roads(region, 7)
    t1 = time.perf_counter()
    network = RoadNetwork(roads["features"])
    t2 = time.perf_counter()
    now = 1_800_000_000.0
    fleet = Fleet(region, 7, roads, start=now - 600)
    t3 = time.perf_counter()
    places = [fleet.position(u.index, now) for u in fleet.units]
    positions_ms = (time.perf_counter() - t3) * 1000
    states = [
        UnitState(info=u.info, last=Fix(u.info.id, now - 5, lat, lon, kmh, heading))
        for u, (lon, lat, kmh, heading) in zip(fleet.units, places, strict=True)
    ]
    rng = np.random.default_rng(1)
    nodes = rng.integers(network.nodes, size=args.incidents)
    nearest: list[float] = []
    nearest_cpu: list[float] = []
    etas: list[float] = []
    for node in nodes:
        goal = (float(network.lon[node]) + 0.003, float(network.lat[node]) + 0.002)
        start, cpu = time.perf_counter(), time.thread_time()
        ranked = network.nearest_units(states, goal, 10, now=now)
        nearest.append((time.perf_counter() - start) * 1000)
        nearest_cpu.append((time.thread_time() - cpu) * 1000)
        assert ranked, "no unit can reach the incident"
        start = time.perf_counter()
        network.route(places[0][:2], goal)
        etas.append((time.perf_counter() - start) * 1000)
    figures = {
        "region": region.key,
        "roads_build_s": round(t1 - t0, 2),
        "graph_build_s": round(t2 - t1, 3),
        "nodes": network.nodes,
        "edges": network.edges,
        "road_km": round(float(network.length.sum()) / 1000),
        "units": len(states),
        "nearest_300_ms_p50": round(float(np.percentile(nearest, 50)), 2),
        "nearest_300_ms_p99": round(float(np.percentile(nearest, 99)), 2),
        "nearest_300_cpu_ms_p50": round(float(np.percentile(nearest_cpu, 50)), 2),
        "eta_ms_p50": round(float(np.percentile(etas, 50)), 2),
        "load_average": round(os.getloadavg()[0], 1),
        "positions_300_ms": round(positions_ms, 1),
    }
    print(
        f"{region.name}: {figures['road_km']} km of roads ({network.nodes} junctions and bends, "
        f"{network.edges} segments), built in {figures['roads_build_s']} s, "
        f"graph in {figures['graph_build_s']} s"
    )
    print(
        f"nearest available units among {len(states)} by ETA: p50 {figures['nearest_300_ms_p50']} ms, "
        f"p99 {figures['nearest_300_ms_p99']} ms (CPU p50 {figures['nearest_300_cpu_ms_p50']} ms); "
        f"one ETA with its path: p50 {figures['eta_ms_p50']} ms (load average {figures['load_average']})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
