"""Alarm-rule benchmark: the simulated Yanqing network's readings through RuleEngine.feed.

The simulated city (default faults, the default pollution episode) is sampled every minute for ``--hours``
of data time, with the hub's hourly AQI readings and station status changes, and fed batch by batch the
way the hub does. Only ``feed`` is timed for the headline figure; ``tick`` is timed on its own.
Readings are generated an hour at a time, outside the timed sections.

Usage: python bench/rules.py [--hours 24] [--seed 7] [--start 1763740800]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.models import Reading, StationStatus
from console.core.protocol import StatusEntry
from console.hub.derive import AqiDeriver
from console.hub.rules import RuleEngine
from console.sim.citymodel import CityModel
from console.sim.network import build_network
from console.sim.regions import PRESETS

STEP_S = 60.0


def hour_of_batches(model: CityModel, specs, deriver: AqiDeriver, start: float) -> list[list[Reading]]:
    """One minute-batch per data minute of the hour from ``start``, with the AQI readings they close."""
    batches = []
    for k in range(int(3600 / STEP_S)):
        t = start + k * STEP_S
        batch = []
        for i, spec in enumerate(specs):
            values = model.sample(i, t)
            if values is None:
                continue
            sid = spec.station.id
            batch += [Reading(sid, code, t, value, flag) for code, (value, flag) in values.items()]
        batch += deriver.feed(batch)
        batches.append(batch)
    return batches


def offline_changes(model: CityModel, specs, t: float, offline: set[str]) -> list[StatusEntry]:
    """Status entries for stations whose logger went offline or came back at data time t."""
    now = set(model.offline_ids(t))
    entries = [StatusEntry(s, StationStatus.OFFLINE, t, "no data") for s in sorted(now - offline)]
    entries += [StatusEntry(s, StationStatus.ONLINE, t, "") for s in sorted(offline - now)]
    offline.clear()
    offline.update(now)
    return entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, default=24)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=float, default=1_763_740_800.0)  # 2025-11-22 00:00 local (UTC+8)
    args = parser.parse_args()

    region = PRESETS["yanqing"]
    specs = build_network(region, args.seed)
    stations = [s.station for s in specs]
    model = CityModel(specs, region, args.seed, args.start)
    deriver = AqiDeriver({s.id: s for s in stations})
    started = time.perf_counter()
    engine = RuleEngine(stations)
    init_s = time.perf_counter() - started

    feed_s = tick_s = generate_s = 0.0
    readings = ticks = 0
    findings: Counter[str] = Counter()
    offline: set[str] = set()
    for hour in range(args.hours):
        t0 = time.perf_counter()
        batches = hour_of_batches(model, specs, deriver, args.start + hour * 3600)
        generate_s += time.perf_counter() - t0
        for batch in batches:
            t = batch[0].ts if batch else args.start
            for entry in offline_changes(model, specs, t, offline):
                findings.update(f"{f.kind}:{f.rule}" for f in engine.status(entry))
            t0 = time.perf_counter()
            out = engine.feed(batch)
            t1 = time.perf_counter()
            out += engine.tick(t + STEP_S - 1)
            t2 = time.perf_counter()
            feed_s += t1 - t0
            tick_s += t2 - t1
            readings += len(batch)
            ticks += 1
            findings.update(f"{f.kind}:{f.rule}" for f in out)
        rate = readings / feed_s
        print(f"hour {hour + 1:2d}: {readings:9d} readings, {rate:11,.0f} readings/s", flush=True)

    figures = {
        "stations": len(stations),
        "hours": args.hours,
        "readings": readings,
        "rules_readings_per_s": round(readings / feed_s),
        "feed_ns_per_reading": round(feed_s / readings * 1e9, 1),
        "tick_ms_mean": round(tick_s / ticks * 1e3, 3),
        "init_ms": round(init_s * 1e3, 1),
        "generate_s": round(generate_s, 1),
        "open_episodes_end": len(engine.open_episodes()),
        "findings": dict(sorted(findings.items())),
    }
    for key, count in figures["findings"].items():
        print(f"  {key:24s} {count}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
