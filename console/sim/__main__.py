"""Prepares the simulated city: ``python -m console.sim --site DIR [--db URL --history-hours H ...]``.

Writes the region preset's site directory (boundaries, grid, roster, stations) for the hub to read like a
real deployment's, and on a first start the network's recent history into the hub's database.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

from console.hub.site import write_site
from console.hub.storage import Storage
from console.sim.citymodel import CityModel
from console.sim.network import build_network
from console.sim.preroll import preroll
from console.sim.regions import PRESETS
from console.sim.site import simulated_site, write_fleet

log = logging.getLogger("console.sim")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m console.sim", description="Prepare the simulated city.")
    p.add_argument("--site", type=Path, required=True, help="site directory to write")
    p.add_argument("--region", default="yanqing", choices=sorted(PRESETS), help="region preset")
    p.add_argument("--seed", type=int, default=7, help="simulation seed (same seed, same city)")
    p.add_argument("--stations", type=int, help="scale the network to this many stations")
    p.add_argument("--units", type=int, default=300, help="units in the simulated fleet (default 300)")
    p.add_argument(
        "--db",
        default=os.environ.get("CONSOLE_SIM_DB"),
        help="the hub's database URL (default $CONSOLE_SIM_DB); with it, write history on a first start",
    )
    p.add_argument("--history-hours", type=float, default=6, help="hours of history to write")
    p.add_argument("--model-start", type=float, help="the city model's time origin (default: history start)")
    p.add_argument("--now", type=float, help="where the history ends, Unix seconds (default now)")
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


def prepare(args: argparse.Namespace) -> None:
    """Write the site directory, then (with --db, on an empty database) the history."""
    region = PRESETS[args.region]
    specs = build_network(region, args.seed, args.stations)
    write_site(simulated_site(region, specs), args.site)
    fleet = write_fleet(region, args.seed, args.site, args.units)
    log.info(
        "wrote the site of %s (%d stations, %d units, %d km of roads) to %s",
        region.name,
        len(specs),
        len(fleet.units),
        fleet.network.length.sum() / 1000,
        args.site,
    )
    if args.db is None or args.history_hours <= 0:
        return
    now = args.now or time.time()
    model_start = args.model_start or now - args.history_hours * 3600
    storage = Storage(args.db)
    try:
        if not storage.latest():
            storage.upsert_stations([(s.station, s.pw) for s in specs])
            model = CityModel(specs, region, args.seed, model_start)
            preroll(storage, specs, model, now, args.history_hours)
    finally:
        storage.close()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    prepare(args)


if __name__ == "__main__":
    main()
