"""Headless hub: ``python -m console.hub --simulate --http-port N --hj212-port M --data-dir D --token T``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from console.core.incidents import Role
from console.core.lifeline import watch_parent
from console.hub import auth
from console.hub.auth import User
from console.hub.registry import Registry
from console.hub.server import Hub, HubConfig
from console.hub.storage import Storage

log = logging.getLogger("console.hub")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m console.hub", description="The command centre's data hub.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--http-port", type=int, default=8765, help="websocket/REST port; 0 picks a free port")
    p.add_argument("--hj212-port", type=int, default=9212, help="HJ 212 TCP port for data loggers; 0 = free")
    p.add_argument("--data-dir", type=Path, default=Path("data/hub"), help="where the database and logs live")
    p.add_argument(
        "--db", help="SQLAlchemy URL (default: SQLite file in --data-dir; postgresql+psycopg://...)"
    )
    p.add_argument("--token", default="changeme", help="token consoles present in hello and REST calls")
    p.add_argument("--users", type=Path, help="TOML file of users who may log in (see console/hub/auth.py)")
    p.add_argument(
        "--token-role",
        default="duty",
        choices=[str(r) for r in Role],
        help="role of consoles that present the shared --token (default duty)",
    )
    p.add_argument(
        "--escalate-every", type=float, default=5.0, help="look for overdue incidents every N seconds"
    )
    p.add_argument("--simulate", action="store_true", help="register and run the simulated city")
    p.add_argument("--region", default="yanqing", help="region preset (map and simulation): yanqing, huludao")
    p.add_argument("--seed", type=int, default=7, help="simulation seed (same seed, same city)")
    p.add_argument("--accel", type=float, default=1.0, help="simulated seconds per wall second")
    p.add_argument("--stations", type=int, help="scale the simulated network to this many stations")
    p.add_argument("--interval", type=float, help="simulated reporting interval in seconds (default 60)")
    p.add_argument("--history-hours", type=float, default=6, help="simulated history written at first start")
    p.add_argument("--replay-window", type=int, default=200_000, help="events kept for resuming consoles")
    p.add_argument("--batch-ms", type=float, default=20, help="publish readings every N ms")
    p.add_argument("--heartbeat", type=float, default=5.0, help="heartbeat interval in seconds")
    p.add_argument("--strict-length", action="store_true", help="reject data segments over 1,024 bytes")
    p.add_argument("--parent-pid", type=int, help="stop when this process ends (the console that started us)")
    p.add_argument("--bench-bypass", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ...")
    return p.parse_args(argv)


def load_users(args: argparse.Namespace) -> dict[str, User]:
    """Users from --users; with --simulate and no file, one demo user per role whose password is the token."""
    if args.users is not None:
        try:
            return auth.load_users(args.users)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    if args.simulate:
        return auth.demo_users(args.token)
    return {}


def build_config(args: argparse.Namespace) -> HubConfig:
    return HubConfig(
        host=args.host,
        http_port=args.http_port,
        hj212_port=args.hj212_port,
        token=args.token,
        batch_s=args.batch_ms / 1000,
        heartbeat_s=args.heartbeat,
        replay_window=args.replay_window,
        max_segment=1024 if args.strict_length else 9999,
        bench_bypass=args.bench_bypass,
        region=args.region,
        users=load_users(args),
        token_role=args.token_role,
        escalate_s=args.escalate_every,
        attachments_dir=args.data_dir / "attachments",
    )


def open_storage(args: argparse.Namespace) -> Storage:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    return Storage(args.db or f"sqlite:///{args.data_dir / 'hub.db'}")


def register_simulated_city(
    storage: Storage, args: argparse.Namespace, model_start: float, now: float
) -> None:
    """Register the simulated stations; on a first start, write their recent history too."""
    from console.hub.citymodel import CityModel
    from console.hub.network import build_network
    from console.hub.preroll import preroll
    from console.hub.regions import PRESETS

    if args.region not in PRESETS:
        raise SystemExit(f"unknown region {args.region!r}; choose one of {', '.join(PRESETS)}")
    region = PRESETS[args.region]
    specs = build_network(region, args.seed, args.stations)
    storage.upsert_stations([(s.station, s.pw) for s in specs])
    if args.history_hours > 0 and not storage.latest():
        preroll(storage, specs, CityModel(specs, region, args.seed, model_start), now, args.history_hours)


def simulator_command(
    args: argparse.Namespace, hj212_port: int, start: float, model_start: float
) -> list[str]:
    """The simulator child: same region, seed and clock as the registry; it ends when this hub ends."""
    cmd = [sys.executable, "-m", "console.hub.simulator", "--hj212", f"{args.host}:{hj212_port}"]
    cmd += ["--region", args.region, "--seed", str(args.seed), "--accel", str(args.accel)]
    cmd += ["--model-start", str(model_start), "--parent-pid", str(os.getpid())]
    if args.accel != 1:  # faster than life, the simulated day goes on from where its history ends ...
        cmd += ["--start", str(start)]  # ... at 1x the loggers stamp the wall clock, as real ones do
    if args.stations:
        cmd += ["--stations", str(args.stations)]
    if args.interval:
        cmd += ["--interval", str(args.interval)]
    return cmd


async def run(args: argparse.Namespace) -> None:
    storage = open_storage(args)
    now = time.time()
    # The simulated city's clock starts with its history, so history and live data are one continuous day.
    model_start = now - max(0.0, args.history_hours) * 3600
    if args.simulate:
        register_simulated_city(storage, args, model_start, now)
    registry = Registry(storage.load_stations())
    hub = Hub(build_config(args), storage, registry)
    await hub.start()
    # Long-lived start-up objects leave the collector's view, and young collections run less often: the hub
    # allocates tens of thousands of short-lived readings per second, and full collections stall the loop.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    child = None
    if args.simulate:
        child = subprocess.Popen(simulator_command(args, hub.hj212_port, now, model_start))
    print(f"READY http={hub.http_port} hj212={hub.hj212_port} epoch={hub.events.epoch}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.ensure_future(watch_parent(args.parent_pid, stop.set)) if args.parent_pid else None
    await stop.wait()
    if watcher is not None:
        watcher.cancel()
    log.info("stopping")
    if child is not None:
        child.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(5)
    await hub.stop()
    storage.close()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["import"]:  # archived history in: console/hub/importers
        from console.hub.importers.cli import main as import_main

        raise SystemExit(import_main(argv[1:]))
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
