"""The simulated city's data loggers: real TCP clients sending HJ 212-2017 frames to the hub's listener.

Run standalone: ``python -m console.sim.simulator --hj212 127.0.0.1:9212 [--region yanqing --seed 7 ...]``
(the hub's ``--simulate`` starts it this way, as a child process, so it never competes with the hub's loop).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from console.core import hj212
from console.core.cli_types import positive_seconds
from console.core.factors import FACTORS
from console.core.lifeline import watch_parent
from console.sim.citymodel import CityModel
from console.sim.network import StationSpec

if TYPE_CHECKING:
    from console.sim.fleetlink import FleetLink
    from console.sim.regions import Region
    from console.sim.weather import Episode

log = logging.getLogger(__name__)

CST = timedelta(hours=8)  # data loggers in China stamp local time (UTC+8)


@dataclass
class SimClock:
    """Simulated data time: ``start`` at wall time ``wall0``, running ``accel`` times faster."""

    start: float
    accel: float = 1.0
    wall0: float = 0.0

    def __post_init__(self) -> None:
        self.wall0 = self.wall0 or time.time()

    def now(self) -> float:
        return self.start + (time.time() - self.wall0) * self.accel

    def wall_at(self, data_time: float) -> float:
        return self.wall0 + (data_time - self.start) / self.accel


def local_stamp(ts: float) -> datetime:
    """The naive local (UTC+8) datetime a Chinese data logger writes for Unix time ``ts``."""
    return (datetime.fromtimestamp(ts, UTC) + CST).replace(tzinfo=None)


def build_frame(spec: StationSpec, values: dict[str, tuple[float, str]], ts: float, answer: bool) -> bytes:
    """A real-time upload (CN 2011) of ``values`` for one station at data time ``ts``."""
    stamp = local_stamp(ts)
    cp = {}
    station = spec.station
    for code, (value, flag) in values.items():
        field = "RS" if code.startswith("SB") else "Rtd"
        decimals = FACTORS[code].decimals if code in FACTORS else 3
        if station.kind == "source":  # stack concentrations are mg/m³: keep two decimals at least
            decimals = max(decimals, 2)
        cp[code.removesuffix("-RS")] = {field: f"{value:.{decimals}f}", "Flag": flag}
    packet = hj212.Packet.create(
        qn=hj212.format_qn(stamp),
        st=station.st,
        cn="2011",
        pw=spec.pw,
        mn=station.mn,
        flag=hj212.FLAG_V2017 | (hj212.FLAG_ANSWER if answer else 0),
        params={"DataTime": hj212.format_time(stamp)},
        cp=cp,
    )
    return hj212.encode(packet)


class LoggerLink(asyncio.Protocol):
    """One logger's TCP connection; counts the hub's answers."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.sim.answers += data.count(b"CN=9014")
        self.sim.refusals += data.count(b"CN=9011")

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


class Simulator:
    """Drives one TCP connection per station; each reports every ``interval_s`` of simulated time.

    Like real loggers, each has its own moment in the interval: the loggers are spread over slots a whole
    number of seconds apart (at most one slot per wall second), counted from the start, so from then on
    some report every second and every logger has reported once within the first interval. Logger i
    reports in slot i % slots: the network's first stations (the standard air stations) come first.
    """

    def __init__(
        self,
        specs: list[StationSpec],
        model: CityModel,
        host: str,
        port: int,
        clock: SimClock,
        *,
        interval_s: float | None = None,
        answer_ratio: float = 0.1,
        spread: float = 0.5,
    ) -> None:
        self.specs = specs
        self.model = model
        self.host, self.port = host, port
        self.clock = clock
        self.interval = interval_s or min(s.station.interval_s for s in specs)
        self.answer_every = max(1, round(1 / answer_ratio)) if answer_ratio > 0 else 0
        self.spread = spread  # fraction of one slot (in wall time, at most 1 s) to spread its sends over
        # Slots: whole seconds of data time apart, at least one wall second; logger i reports in slot i % n.
        self.slot_s = float(max(1, math.ceil(clock.accel)))
        slots = max(1, int(self.interval // self.slot_s))
        self.slots = [list(range(k, len(specs), slots)) for k in range(slots)]
        self.links: list[LoggerLink | None] = [None] * len(specs)
        self.frames_sent = self.answers = self.refusals = 0
        self.base = float(math.ceil(clock.now()))  # data time of the first slot (HJ 212 stamps whole seconds)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.base = float(math.ceil(self.clock.now()))
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        for link in self.links:
            if link is not None and link.transport is not None:
                link.transport.close()

    def first_slot(self, now: float) -> tuple[int, int]:
        """(interval number, slot) of the first report time at or after data time ``now``."""
        since = max(0.0, now - self.base)
        n = math.floor(since / self.interval)
        k = math.ceil((since - n * self.interval) / self.slot_s)
        return (n + 1, 0) if k >= len(self.slots) else (n, k)

    async def _run(self) -> None:
        n, k = self.first_slot(self.clock.now())
        while True:
            t = self.base + n * self.interval + k * self.slot_s
            await asyncio.sleep(max(0.0, self.clock.wall_at(t) - time.time()))
            await self._report(t, self.slots[k])
            n, k = (n + 1, 0) if k + 1 == len(self.slots) else (n, k + 1)
            if self.clock.now() - t > 10 * self.interval:  # fell behind (machine busy): skip ahead
                n, k = self.first_slot(self.clock.now())

    async def _report(self, t: float, members: list[int]) -> None:
        parts = 10
        window = min(1.0, self.slot_s / self.clock.accel) * self.spread
        for part in range(parts):
            for index in members[part::parts]:
                await self._send(index, t)
            await asyncio.sleep(window / parts)

    async def _send(self, index: int, t: float) -> None:
        values = self.model.sample(index, t)
        link = self.links[index]
        if values is None:  # the logger is offline: it drops its connection
            if link is not None and link.transport is not None:
                link.transport.close()
            self.links[index] = None
            return
        if link is None or link.transport is None:
            link = await self._connect(index)
            if link is None:
                return
        answer = bool(self.answer_every) and index % self.answer_every == 0
        link.transport.write(build_frame(self.specs[index], values, t, answer))  # type: ignore[union-attr]
        self.frames_sent += 1

    async def _connect(self, index: int) -> LoggerLink | None:
        loop = asyncio.get_running_loop()
        try:
            _, link = await loop.create_connection(lambda: LoggerLink(self), self.host, self.port)
        except OSError as exc:
            if index == 0:
                log.warning("simulator cannot reach the hub at %s:%d: %s", self.host, self.port, exc)
            return None
        self.links[index] = link
        return link


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:

    p = argparse.ArgumentParser(prog="python -m console.sim.simulator", description="Simulated data loggers.")
    p.add_argument("--hj212", required=True, help="the hub's HJ 212 listener, host:port")
    p.add_argument("--region", default="yanqing")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--accel", type=float, default=1.0)
    p.add_argument("--start", type=float, help="simulated start time, Unix seconds (default now)")
    p.add_argument("--model-start", type=float, help="the city model's time origin (default: --start)")
    p.add_argument("--stations", type=int, help="scale the network to this many stations")
    p.add_argument("--interval", type=float, help="reporting interval in simulated seconds")
    p.add_argument(
        "--jt808-port", type=int, help="the hub's JT/T 808 port (same host): the fleet's terminals"
    )
    p.add_argument(
        "--osmand-port", type=int, help="the hub's OsmAnd HTTP port (same host): the fleet's phones"
    )
    p.add_argument("--units", type=int, default=300, help="units in the simulated fleet (default 300)")
    p.add_argument(
        "--unit-interval",
        type=positive_seconds,
        help="seconds between the units' reports (default: by kind, 5-30 s)",
    )
    p.add_argument("--parent-pid", type=int, help="stop when this process (the hub) ends")
    p.add_argument("--log-level", default="INFO")
    return p.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    from console.sim.network import build_network
    from console.sim.regions import PRESETS

    host, _, port = args.hj212.rpartition(":")
    region = PRESETS[args.region]
    specs = build_network(region, args.seed, args.stations)
    start = args.start or time.time()
    model = CityModel(specs, region, args.seed, args.model_start or start)
    sim = Simulator(specs, model, host, int(port), SimClock(start, args.accel), interval_s=args.interval)
    await sim.start()
    log.info("simulating %d stations of %s at %.0fx", len(specs), region.name, args.accel)
    fleet = await start_fleet(args, region, sim.clock, model.episodes, host)
    done = asyncio.Event()
    watcher = asyncio.ensure_future(watch_parent(args.parent_pid, done.set)) if args.parent_pid else None
    try:
        await done.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        if fleet is not None:
            await fleet.stop()
        await sim.stop()


async def start_fleet(
    args: argparse.Namespace, region: Region, clock: SimClock, episodes: list[Episode], host: str
) -> FleetLink | None:
    """The simulated fleet on the hub's unit ports; off (one log line) when the hub has none."""
    from console.sim.fleet import Fleet
    from console.sim.fleetlink import FleetLink
    from console.sim.roadnet import build_roads

    if (args.jt808_port is None and args.osmand_port is None) or args.units <= 0:
        log.info("the simulated fleet is off: the hub has no JT/T 808 or OsmAnd port")
        return None
    loop = asyncio.get_running_loop()
    roads = await loop.run_in_executor(None, build_roads, region, args.seed)
    fleet = Fleet(region, args.seed, roads, start=clock.now(), count=args.units, episodes=episodes,
                  report_s=getattr(args, "unit_interval", None))  # fmt: skip
    link = FleetLink(fleet, clock, host, args.jt808_port, args.osmand_port)
    await link.start()
    return link


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
