"""Headless hub: ``python -m console.hub --site DIR --http-port N --hj212-port M --data-dir D``.

The token comes from ``--token-file`` or ``$ECOHUB_TOKEN`` (``--token`` works, but ``ps`` shows it);
``--tls-cert``/``--tls-key`` make the HTTP port serve https and wss (the HJ 212 port stays plain TCP).

``--simulate`` first has the simulated city (console.sim, run as a child so the hub never imports it)
write its site directory into the data directory, then runs exactly as for a real site.
"""

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

from console.core.cli_types import positive_seconds
from console.core.incidents import Role
from console.core.lifeline import watch_parent
from console.entry import child_command
from console.hub import auth
from console.hub import site as site_module
from console.hub.auth import User
from console.hub.registry import Registry
from console.hub.server import Hub, HubConfig
from console.hub.site import Site
from console.hub.storage import Storage

log = logging.getLogger("console.hub")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m console.hub", description="The command centre's data hub.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--http-port", type=int, default=8765, help="websocket/REST port; 0 picks a free port")
    p.add_argument("--hj212-port", type=int, default=9212, help="HJ 212 TCP port for data loggers; 0 = free")
    p.add_argument(
        "--jt808-port",
        type=int,
        help="JT/T 808 TCP port for vehicle terminals (0 = free; off unless given or --simulate)",
    )
    p.add_argument(
        "--osmand-port",
        type=int,
        help="OsmAnd HTTP port for phones (0 = free; off unless given or --simulate)",
    )
    p.add_argument(
        "--accept-unknown-units",
        action="store_true",
        help="register terminals and phones missing from units.csv as units on the fly (trials); a hub "
        "node (--cluster) makes the units its ingest nodes took so, from their batches",
    )
    p.add_argument(
        "--mqtt",
        metavar="URL",
        help="take low-cost sensors' readings from this MQTT broker (mqtt://host:1883; "
        "topics eco/<site>/<station>/up, docs/deployment.md)",
    )
    p.add_argument(
        "--mqtt-prefix",
        default="eco",
        metavar="PREFIX",
        help="the first level(s) of those topics (default eco)",
    )
    p.add_argument("--data-dir", type=Path, default=Path("data/hub"), help="where the database and logs live")
    p.add_argument(
        "--db", help="SQLAlchemy URL (default: SQLite file in --data-dir; postgresql+psycopg://...)"
    )
    p.add_argument(
        "--token",
        help="token consoles present in hello and REST calls; visible to every user in ps: prefer "
        "--token-file or $ECOHUB_TOKEN (default changeme)",
    )
    p.add_argument("--token-file", type=Path, help="file whose first line is the token (keep it mode 0600)")
    p.add_argument("--tls-cert", type=Path, help="PEM certificate (chain): serve https and wss, not http/ws")
    p.add_argument("--tls-key", type=Path, help="PEM private key of --tls-cert")
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
    p.add_argument(
        "--site", type=Path, help="site directory: boundaries, roster, stations (default DATA-DIR/site)"
    )
    p.add_argument(
        "--simulate",
        action="store_true",
        help="write the simulated city's site to DATA-DIR/site, run it",
    )
    p.add_argument("--region", default="yanqing", help="simulated region preset: yanqing, huludao")
    p.add_argument("--seed", type=int, default=7, help="simulation seed (same seed, same city)")
    p.add_argument("--accel", type=float, default=1.0, help="simulated seconds per wall second")
    p.add_argument("--stations", type=int, help="scale the simulated network to this many stations")
    p.add_argument("--units", type=int, help="emergency units in the simulated fleet (default 300; 0: none)")
    p.add_argument("--interval", type=float, help="simulated reporting interval in seconds (default 60)")
    p.add_argument(
        "--unit-interval",
        type=positive_seconds,
        help="seconds between the simulated units' reports (default: by kind, 5-30 s, as devices are "
        "set up; 1 for the wall benchmark)",
    )
    p.add_argument("--history-hours", type=float, default=6, help="simulated history written at first start")
    p.add_argument("--replay-window", type=int, default=200_000, help="events kept for resuming consoles")
    p.add_argument("--batch-ms", type=float, default=20, help="publish readings every N ms")
    p.add_argument("--heartbeat", type=float, default=5.0, help="heartbeat interval in seconds")
    p.add_argument("--strict-length", action="store_true", help="reject data segments over 1,024 bytes")
    p.add_argument("--max-loggers", type=int, help="logger connections in all (default: from the fd limit)")
    p.add_argument("--max-loggers-per-address", type=int, help="... from one address (default: half)")
    p.add_argument("--logger-idle", type=float, default=600.0, help="close loggers silent N s (default 600)")
    p.add_argument("--max-consoles", type=int, default=1000, help="websocket consoles in all (default 1000)")
    p.add_argument(
        "--max-consoles-per-address", type=int, default=200, help="... from one address (default 200)"
    )
    p.add_argument("--parent-pid", type=int, help="stop when this process ends (the console that started us)")
    p.add_argument("--reports-per-hour", type=float, default=60, help="incident reports per user an hour")
    p.add_argument("--upload-max-mib", type=float, default=10, help="largest photo upload (MiB)")
    p.add_argument("--upload-day-mib", type=float, default=200, help="photo MiB per user a day")
    p.add_argument("--attachments-max-gib", type=float, default=20, help="cap of the attachments folder")
    p.add_argument(
        "--cluster",
        metavar="URL",
        help="run as a hub node of a cluster on this NATS JetStream server (nats://host:4222): consoles are "
        "served from the stream's event log, devices go to ingest nodes; needs a PostgreSQL --db "
        "(docs/deployment.md, Cluster)",
    )
    p.add_argument("--stream", default="ECO", help="the cluster's stream name (default ECO: ECO_IN, ECO_EV)")
    p.add_argument("--node", help="this hub node's name in the cluster (default host-pid)")
    p.add_argument("--bench-bypass", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING ...")
    return p.parse_args(argv)


def load_users(args: argparse.Namespace) -> dict[str, User]:
    """Users from --users; with --simulate and no file, one demo user per role (passwords in the data dir)."""
    if args.users is not None:
        try:
            return auth.load_users(args.users)
        except ValueError as exc:
            raise SystemExit(str(exc)) from None
    if args.simulate:
        return auth.demo_users(args.data_dir)
    return {}


def build_config(args: argparse.Namespace, site: Site) -> HubConfig:
    return HubConfig(
        host=args.host,
        http_port=args.http_port,
        hj212_port=args.hj212_port,
        # the simulated city's units report over both protocols: free ports unless given
        jt808_port=args.jt808_port if args.jt808_port is not None or not args.simulate else 0,
        osmand_port=args.osmand_port if args.osmand_port is not None or not args.simulate else 0,
        accept_unknown_units=args.accept_unknown_units,
        mqtt_url=args.mqtt or "",
        mqtt_prefix=args.mqtt_prefix,
        token=args.token,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        batch_s=args.batch_ms / 1000,
        heartbeat_s=args.heartbeat,
        replay_window=args.replay_window,
        max_segment=1024 if args.strict_length else 9999,
        bench_bypass=args.bench_bypass,
        site=site,
        site_dir=site_dir(args),
        tz_hours=site.tz_hours,
        max_loggers=args.max_loggers,
        max_loggers_per_address=args.max_loggers_per_address,
        logger_idle_s=args.logger_idle,
        max_consoles=args.max_consoles,
        max_consoles_per_address=args.max_consoles_per_address,
        users=load_users(args),
        token_role=args.token_role,
        escalate_s=args.escalate_every,
        attachments_dir=args.data_dir / "attachments",
        forecast_dir=args.data_dir / "forecast",
        reports_per_hour=args.reports_per_hour,
        attachment_max_bytes=int(args.upload_max_mib * 2**20),
        attachment_day_bytes=int(args.upload_day_mib * 2**20),
        attachments_max_bytes=int(args.attachments_max_gib * 2**30),
        cluster_url=args.cluster or "",
        cluster_stream=args.stream,
        node=args.node or "",
    )


def database_url(args: argparse.Namespace) -> str:
    return str(args.db or f"sqlite:///{args.data_dir / 'hub.db'}")


def open_storage(args: argparse.Namespace) -> Storage:
    return Storage(database_url(args))


def site_dir(args: argparse.Namespace) -> Path:
    """Where the site lives: --site, else DATA-DIR/site (where --simulate writes the simulated city's)."""
    if args.simulate and args.site is not None:
        raise SystemExit("--simulate writes its own site into DATA-DIR/site; leave out --site")
    return Path(args.site if args.site is not None else args.data_dir / "site")


def write_simulated_site(args: argparse.Namespace, model_start: float, now: float) -> None:
    """The simulated city writes its site directory and, on a first start, its recent history."""
    cmd = child_command("console.sim", ["--site", str(site_dir(args)), "--region", args.region])
    cmd += ["--seed", str(args.seed), "--history-hours", str(args.history_hours)]
    cmd += ["--model-start", str(model_start), "--now", str(now), "--log-level", args.log_level]
    if args.stations:
        cmd += ["--stations", str(args.stations)]
    if args.units is not None:
        cmd += ["--units", str(args.units)]
    env = {**os.environ, "CONSOLE_SIM_DB": database_url(args)}  # not in argv: a URL may hold a password
    if subprocess.run(cmd, check=False, env=env).returncode != 0:
        raise SystemExit(f"the simulated city could not write its site (region {args.region!r})")


def load_site(args: argparse.Namespace) -> Site:
    """The site directory, read and checked; what it lacks goes to the log (and /healthz)."""
    directory = site_dir(args)
    try:
        site = site_module.load_site(directory)
    except site_module.SiteError as exc:
        raise SystemExit(f"the site in {directory} is not valid:\n{exc}") from None
    for item in site.missing:
        log.warning("site %s lacks %s", directory, item)
    log.info(
        "site %s: %s, %d stations, %d units",
        directory,
        site.name or "(unnamed)",
        len(site.stations),
        len(site.units),
    )
    return site


def simulator_command(
    args: argparse.Namespace, hj212_port: int, start: float, model_start: float, unit_ports: tuple[int, int]
) -> list[str]:
    """The simulator child: same region, seed and clock as the registry; it ends when this hub ends. Its
    fleet reports to the hub's JT/T 808 and OsmAnd ports (``unit_ports``, 0: that listener is off)."""
    cmd = child_command("console.sim.simulator", ["--hj212", f"{args.host}:{hj212_port}"])
    for flag, port in zip(("--jt808-port", "--osmand-port"), unit_ports, strict=True):
        cmd += [flag, str(port)] if port else []
    cmd += ["--region", args.region, "--seed", str(args.seed), "--accel", str(args.accel)]
    cmd += ["--model-start", str(model_start), "--parent-pid", str(os.getpid())]
    if args.accel != 1:  # faster than life, the simulated day goes on from where its history ends ...
        cmd += ["--start", str(start)]  # ... at 1x the loggers stamp the wall clock, as real ones do
    if args.stations:
        cmd += ["--stations", str(args.stations)]
    if args.units is not None:
        cmd += ["--units", str(args.units)]
    if args.interval:
        cmd += ["--interval", str(args.interval)]
    if args.unit_interval:
        cmd += ["--unit-interval", str(args.unit_interval)]
    return cmd


def unit_ports(hub: Hub) -> tuple[int, int]:
    """The JT/T 808 and OsmAnd ports the hub's unit listeners are bound to (0: not listening)."""
    return hub.units.jt808_port, hub.units.osmand_port


TOKEN_ENV = "ECOHUB_TOKEN"


def resolve_token(args: argparse.Namespace) -> str:
    """The shared token: --token, else --token-file, else $ECOHUB_TOKEN, else "changeme".

    The variable is removed from this process's environment once read, so the children (the simulated
    city) do not inherit it."""
    from_env = os.environ.pop(TOKEN_ENV, "")
    if args.token:
        log.warning("the token is on the command line, where every user of this machine can read it (ps)")
        return str(args.token)
    if args.token_file is not None:
        try:
            token = str(args.token_file.read_text(encoding="utf-8").strip().splitlines()[0].strip())
        except (OSError, IndexError) as exc:
            raise SystemExit(f"cannot read a token from {args.token_file}: {exc}") from None
        if args.token_file.stat().st_mode & 0o077:
            log.warning("%s can be read by other users: chmod 600 it", args.token_file)
        return token
    if not from_env:
        log.warning("no token given (--token-file or $%s): the default, changeme, lets anyone in", TOKEN_ENV)
    return from_env or "changeme"


def owner_only(data_dir: Path) -> None:
    """The data directory 0700 and the database files in it 0600, also when an older hub made them looser:
    they hold the loggers' passwords, the users' password hashes and every reading."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if data_dir.stat().st_uid == os.getuid():  # a directory someone else gave us keeps its owner's modes
        data_dir.chmod(0o700)
    for path in data_dir.glob("hub.db*"):
        path.chmod(0o600)


def check_tls(args: argparse.Namespace) -> None:
    """Unusable --tls-cert/--tls-key end the start with a clear message, before anything is written."""
    from console.hub.tls import TLSError, server_context

    if args.tls_cert is None and args.tls_key is None:
        return
    if args.tls_cert is None or args.tls_key is None:
        raise SystemExit("TLS needs both --tls-cert and --tls-key")
    try:
        server_context(args.tls_cert, args.tls_key)
    except TLSError as exc:
        raise SystemExit(f"TLS: {exc}") from None


def check_cluster(args: argparse.Namespace) -> None:
    """A hub node needs the shared PostgreSQL database and no device ports or simulated city of its own."""
    if not args.cluster:
        return
    if not args.db or not args.db.startswith("postgresql"):
        raise SystemExit("--cluster needs --db postgresql+psycopg://...: the nodes share one database")
    if args.simulate or args.mqtt:
        raise SystemExit("--cluster takes no --simulate or --mqtt: devices reach the cluster's ingest nodes")
    from console.hub.cluster.wire import valid_stream_name

    if not valid_stream_name(args.stream):
        raise SystemExit(f"--stream {args.stream!r}: use letters, digits, - and _ only")


async def run(args: argparse.Namespace) -> None:
    check_tls(args)
    check_cluster(args)
    args.token = resolve_token(args)
    owner_only(args.data_dir)
    now = time.time()
    # The simulated city's clock starts with its history, so history and live data are one continuous day.
    model_start = now - max(0.0, args.history_hours) * 3600
    if args.simulate:
        write_simulated_site(args, model_start, now)
    site = load_site(args)
    storage = open_storage(args)
    storage.upsert_stations(site.stations)
    hub = Hub(build_config(args, site), storage, Registry(site.stations))
    try:
        await hub.start()
    except OSError as exc:  # the cluster's NATS server or the ports cannot be reached
        raise SystemExit(f"the hub cannot start: {exc}") from None
    # Long-lived start-up objects leave the collector's view, and young collections run less often: the hub
    # allocates tens of thousands of short-lived readings per second, and full collections stall the loop.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    child = None
    if args.simulate:
        child = subprocess.Popen(simulator_command(args, hub.hj212_port, now, model_start, unit_ports(hub)))
    units = f" jt808={hub.units.jt808_port}" if hub.units.jt808 is not None else ""
    units += f" osmand={hub.units.osmand_port}" if hub.units.osmand is not None else ""
    if hub.cluster is not None:
        ready = f"READY http={hub.http_port} node={hub.cluster.node} epoch={hub.cluster.epoch}"
    else:
        ready = f"READY http={hub.http_port} hj212={hub.hj212_port}{units} epoch={hub.events.epoch}"
    print(ready, flush=True)
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
    if argv[:1] == ["export-episode"]:  # a stretch of history as one file: console/hub/episode_export.py
        from console.hub.episode_export import main as export_main

        raise SystemExit(export_main(argv[1:]))
    if argv[:1] == ["forecast"]:  # the local forecast model and official forecasts: console/hub/forecast
        from console.hub.forecast.cli import main as forecast_main

        raise SystemExit(forecast_main(argv[1:]))
    args = parse_args(argv)
    # Everything the hub and its children create (database and its -wal/-shm, which SQLite makes itself,
    # attachments, the simulated site, logs) is for this user only: one umask covers files no code of
    # ours opens, where a chmod after the fact would leave a moment in which they are readable.
    os.umask(0o077)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
