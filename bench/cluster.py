"""Cluster benchmark: HJ 212 loggers -> an ingest node -> NATS -> two hub nodes on one PostgreSQL -> consoles.

Every process is real and on loopback: the loggers (a process of their own, bench/ingest.py's frames),
one ingest node (``python -m console.hub.cluster.ingest``), two hub nodes (``python -m console.hub
--cluster``, a leader and a follower), and ``--consoles`` consoles, each the real HubLink given both
nodes' addresses ``[A, B]`` and connected to node A first. Phases, on one cluster:

  throughput  the loggers send as fast as the ingest node takes their frames (TCP pushes back), every
              frame a new upload; readings/s = readings sent / (last console complete - first frame sent);
  latency     a fixed offered load (--rate readings/s); p50/p99 from a burst of frames written to the
              loggers' sockets to the console's HubLink handing the upload's first reading to the console
              (one monotonic clock across processes: every upload of a burst is timed, at every console);
  failover    the fixed load again; after 3 s kill -9 of node A, the node the consoles are on. Gaps from
              the kill: ``live`` until every console's link is LIVE on node B and welcomed ``resumed``
              (same epoch), ``caught_up`` until every console has applied every reading sent before its
              link went live again. A leads in one cluster and follows in another (--kill);
  lost, twice readings sent that a console lacks / applied more than once, per (station, factor, data
              time), over every phase, summed over the consoles: both must be 0.

Beside it, the same loggers, factors and consoles against the single-process default: bench/ingest.py's
throughput and latency phases (its hub with SQLite, raw websocket consoles). And ``stream``, with --batches:
ingest batches published straight to the input stream with nats-py as fast as JetStream takes them, one
console on the follower, kill -9 of the leader (takeover and resume).

Usage: python bench/cluster.py [--loggers 100] [--factors 10] [--consoles 10] [--seconds 8] [--rate 5000]
                               [--kill leader,follower] [--batches 300 --stations 100] [--no-single]
Needs NATS on 127.0.0.1:4222 and PostgreSQL on 127.0.0.1:5432, as the tests do. The last line printed is one
JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench.ingest import (
    _latencies,
    _percentile,
    frames_for_round,
    run_phase,
    segment_templates,
    stations,
    ts_ms,
)
from console.core.link import LinkState
from console.core.models import Station
from console.hub.cluster.streams import delete_streams
from tests.net.clusterkit import Cluster, HubNode, Tally, Watcher, until
from tests.net.hubkit import station
from tests.net.test_cluster_ingest import NodeProcess

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NATS = "nats://127.0.0.1:4222"
KILL_AFTER_S = 3.0  # into the failover phase's load
# The hub's own default (the test kit's nodes beat every 0.5 s): the hub pings each console every two beats
# and cuts one whose answer takes longer than a beat, and the ten consoles here share one busy process.
HEARTBEAT = ("--heartbeat", "5")


# --- loggers process --------------------------------------------------------------------------------------


async def _loggers(port: int, sts: list[Station], seconds: float, rate: float | None, first_round: int, out):
    """Frames of rounds ``first_round``... (a round: one upload of every station), each a new upload,
    built as they go from bench/ingest.py's templates; as fast as the sockets take them or ``rate``
    readings/s in bursts every 10 ms. Puts the bursts sent (monotonic, first frame index, count)."""
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in sts]
    templates = [segment_templates(sts, v) for v in range(8)]
    n, tick = len(sts), 0.01
    per_tick = max(1, round(rate / len(sts[0].factors) * tick)) if rate else n
    first = idx = first_round * n
    k, frames = -1, []
    sent: list[tuple[float, int, int]] = []
    out.put({"started": time.monotonic()})
    start, ticks = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        burst = idx
        for _ in range(per_tick):
            r, i = divmod(idx, n)
            if r != k:
                k, frames = r, frames_for_round(templates[r % 8], r)
            conns[i][1].write(frames[i])
            idx += 1
        sent.append((time.monotonic(), burst, idx - burst))
        await asyncio.gather(*(w.drain() for _, w in conns))
        if rate:
            ticks += 1
            await asyncio.sleep(max(0.0, start + ticks * tick - time.monotonic()))
    elapsed = time.monotonic() - start
    for _, w in conns:
        w.close()
    await asyncio.gather(*(w.wait_closed() for _, w in conns), return_exceptions=True)
    out.put({"first": first, "frames": idx - first, "sent": sent, "elapsed": elapsed})


def loggers_main(port, sts, seconds, rate, first_round, out) -> None:
    asyncio.run(_loggers(port, sts, seconds, rate, first_round, out))


class Loggers:
    """One phase's loggers in a process of their own (the consoles' process keeps its CPU)."""

    def __init__(self, port: int, sts: list[Station], seconds: float, rate: float | None, first_round: int):
        ctx = mp.get_context("spawn")
        self.out = ctx.Queue()
        self.proc = ctx.Process(target=loggers_main, args=(port, sts, seconds, rate, first_round, self.out))
        self.seconds = seconds

    async def start(self) -> float:
        """Start them; the monotonic time their clock starts (frames are built as they go)."""
        self.proc.start()
        return (await asyncio.to_thread(self.out.get, True, 60))["started"]

    async def done(self) -> dict:
        """What they sent; they end either way (a failed phase leaves no logger behind)."""
        try:
            return await asyncio.to_thread(self.out.get, True, self.seconds + 60)
        finally:
            await asyncio.to_thread(self.proc.join, 10)
            if self.proc.is_alive():
                self.proc.kill()


def uploads_of(phase: dict, n: int) -> Iterator[tuple[str, int]]:
    """(station, data time in ms) of every frame a phase's loggers sent."""
    return _keys(phase["first"], phase["frames"], n)


def _keys(first: int, count: int, n: int) -> Iterator[tuple[str, int]]:
    """(station, data time in ms) of frames ``first``... of ``n`` stations (bench/ingest.py's numbering)."""
    for idx in range(first, first + count):
        yield f"B-{idx % n:05d}", ts_ms(idx // n)


def next_round(phase: dict, n: int) -> int:
    return -(-(phase["first"] + phase["frames"]) // n)


async def until_complete(watchers: list[Watcher], uploads: list[tuple[str, int]], timeout: float) -> float:
    """Wait until every console has applied every reading of these uploads; the monotonic time it was seen."""
    deadline = time.monotonic() + timeout
    for w in watchers:
        assert w.tally is not None
        while w.tally.missing(uploads):
            assert time.monotonic() < deadline, f"a console still lacks {w.tally.missing(uploads)} readings"
            await asyncio.sleep(0.1)
    return time.monotonic()


# --- the real path --------------------------------------------------------------------------------------


async def real_path(args, tmp: Path, db: str, stream: str, a_leads: bool, full: bool) -> dict:
    """One cluster: A leading (or following), the consoles on [A, B]; the throughput and latency phases
    when ``full``, then the failover phase."""
    sts = stations(args.loggers, args.factors)
    codes, n = sts[0].factors, len(sts)
    cluster = Cluster(tmp, NATS, stream, db, sts)
    ingest: NodeProcess | None = None
    watchers: list[Watcher] = []
    figures: dict = {}
    try:
        await cluster.connect()
        first = await cluster.node("a" if a_leads else "b", *HEARTBEAT)
        await first.until_line("LEADING")
        second = await cluster.node("b" if a_leads else "a", *HEARTBEAT)
        a, b = (first, second) if a_leads else (second, first)
        ingest = await NodeProcess(tmp, stream, nats_url=NATS, node="in1").start()
        watchers = [Watcher([a, b], tally=Tally(codes, timed=True)) for _ in range(args.consoles)]
        for w in watchers:
            await w.until_welcomed(60)
            assert w.live_on(a), "a console did not start on node A"
        every: list[tuple[str, int]] = []
        round_ = 0
        if full:
            loggers = Loggers(ingest.hj212_port, sts, args.seconds, None, round_)
            began = await loggers.start()
            phase = await loggers.done()
            uploads = list(uploads_of(phase, n))
            sent_s = phase["sent"][-1][0] - began
            complete = await until_complete(watchers, uploads, 300)
            readings = phase["frames"] * len(codes)
            figures |= {
                "throughput_readings_offered_per_s": round(readings / phase["elapsed"]),
                "throughput_readings": readings,
                "end_to_end_readings_per_s": round(readings / (complete - began)),
                "end_to_end_drain_s": round(complete - began - sent_s, 2),
            }
            every += uploads
            round_ = next_round(phase, n)
            loggers = Loggers(ingest.hj212_port, sts, args.seconds, args.rate, round_)
            await loggers.start()
            phase = await loggers.done()
            uploads = list(uploads_of(phase, n))
            await until_complete(watchers, uploads, 120)
            latencies = sorted(x for w in watchers for x in _latencies(phase["sent"], w.tally.arrivals, n))
            figures |= {
                "latency_offered_readings_per_s": round(phase["frames"] * len(codes) / phase["elapsed"]),
                "latency_p50_ms": _percentile(latencies, 0.5),
                "latency_p99_ms": _percentile(latencies, 0.99),
                "latency_samples": len(latencies),
            }
            every += uploads
            round_ = next_round(phase, n)
        figures["reconnects_under_load"] = sum(len(w.welcomes) - 1 for w in watchers)
        for i, w in enumerate(watchers):  # a console that left node A under load starts there again
            if not w.live_on(a):
                await w.stop()
                watchers[i] = Watcher([a, b], w.link.position, tally=w.tally)
                await watchers[i].until_welcomed(60)
        figures |= await failover(args, sts, ingest, a, b, watchers, round_, every)
        return figures
    finally:
        for w in watchers:
            await w.stop()
        if ingest is not None:
            await ingest.kill()
        await cluster.close()
        await drop_stream(stream)


async def failover(args, sts, ingest, a: HubNode, b: HubNode, watchers: list[Watcher], round_: int,
                   every: list[tuple[str, int]]) -> dict:  # fmt: skip
    """kill -9 of node A under the fixed load; the gaps, and lost / applied twice over every phase."""
    n, factors = len(sts), len(sts[0].factors)
    a_leads = a.leading
    loggers = Loggers(ingest.hj212_port, sts, args.failover_seconds, args.rate, round_)
    began = await loggers.start()
    await asyncio.sleep(max(0.0, began + KILL_AFTER_S - time.monotonic()))
    await a.kill()
    killed = a.killed_at
    takeover = asyncio.create_task(b.until_line("LEADING", 60)) if a_leads else None
    await until(lambda: all(w.live_on(b) for w in watchers), 60, every=0.05)
    phase = await loggers.done()
    uploads = list(uploads_of(phase, n))
    await until_complete(watchers, uploads, 120)
    await asyncio.sleep(1.0)  # anything applied twice would have come by now
    live = [w.live_since(b, killed, last=True) for w in watchers]
    resumed = sum(
        1 for w in watchers if w.welcomes[-1].resumed and w.welcomes[-1].epoch == w.welcomes[0].epoch
    )
    caught_up = []
    for w, back in zip(watchers, live, strict=True):
        sent_before = [k for t, idx, count in phase["sent"] if t <= back for k in _keys(idx, count, n)]
        caught_up.append(max(w.tally.arrivals[k] for k in sent_before) - killed)
    every += uploads
    lost = sum(w.tally.missing(every) for w in watchers)
    twice = sum(w.tally.twice for w in watchers)
    role = "leader" if a_leads else "follower"
    figures = {
        f"kill_{role}_live_s_max": round(max(live) - killed, 2),
        f"kill_{role}_live_s_min": round(min(live) - killed, 2),
        f"kill_{role}_resumed_consoles": resumed,
        f"kill_{role}_welcomes_after_kill": sum(
            1 for w in watchers for t, s in w.statuses if t > killed and s.state == LinkState.LIVE
        ),
        f"kill_{role}_caught_up_s_max": round(max(caught_up), 2),
        f"kill_{role}_readings_checked": len(every) * factors * len(watchers),
        f"kill_{role}_lost": lost,
        f"kill_{role}_twice": twice,
    }
    if takeover is not None:
        figures[f"kill_{role}_takeover_s"] = round(await takeover - killed, 2)
    return figures


# --- ingest batches straight to the stream ------------------------------------------------------------


async def stream_only(stations_n: int, batches: int, tmp: Path, db: str, stream: str) -> dict:
    """Ingest batches (one upload per station, three factors) published with nats-py as fast as JetStream
    takes them, a console on the follower; then kill -9 of the leader while batches keep coming."""
    cluster = Cluster(tmp, NATS, stream, db, [station(n) for n in range(1, stations_n + 1)])
    try:
        await cluster.connect()
        a = await cluster.node("a")
        await a.until_line("LEADING")
        b = await cluster.node("b")
        watcher = Watcher(b)
        await watcher.until_welcomed()
        started = time.monotonic()
        await cluster.publish(batches)
        published = time.monotonic() - started
        await until(lambda: watcher.has_all(cluster.sent), 600, every=0.25)
        elapsed = time.monotonic() - started
        readings = len(cluster.sent)
        sending = asyncio.create_task(cluster.publish(batches // 3, every_s=0.01))
        await asyncio.sleep(0.3)
        await a.kill()
        takeover = await b.until_line("LEADING", 60) - a.killed_at
        await sending
        await until(lambda: watcher.has_all(cluster.sent), 120, every=0.25)
        resumed = time.monotonic() - a.killed_at
        lost = sum(1 for key in cluster.sent if watcher.applied[key] == 0)
        twice = sum(1 for key in cluster.sent if watcher.applied[key] > 1)
        await watcher.stop()
        return {
            "stream_stations": stations_n,
            "stream_batches": batches,
            "stream_readings": readings,
            "stream_publish_s": round(published, 2),
            "stream_end_to_end_s": round(elapsed, 2),
            "stream_end_to_end_readings_per_s": round(readings / elapsed),
            "stream_takeover_s": round(takeover, 2),
            "stream_resumed_s": round(resumed, 2),
            "stream_lost": lost,
            "stream_twice": twice,
        }
    finally:
        await cluster.close()
        await drop_stream(stream)


async def drop_stream(stream: str) -> None:
    import nats

    nc = await nats.connect(NATS)
    try:
        await delete_streams(nc.jetstream(), stream)
        try:
            await nc.jetstream().delete_key_value(f"{stream}_LEADER")
        except Exception:  # never made: no node started
            pass
    finally:
        await nc.close()


def on_fresh_cluster(run) -> dict:
    """``run(tmp, db, stream)`` against a database and a stream of its own, both dropped after."""
    name = f"bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            return asyncio.run(run(Path(tmp), db, f"B{name[6:].upper()}"))
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def single_process(args) -> dict:
    """bench/ingest.py's throughput and latency phases with the same loggers, factors and consoles."""
    ns = argparse.Namespace(
        loggers=args.loggers, clients=args.consoles, factors=args.factors, seconds=args.seconds, pin=False,
        profile=None, profile_phase="throughput", profile_gil=False,
    )  # fmt: skip
    through = run_phase(ns, "throughput", None, bypass=False)
    latency = run_phase(ns, "latency", args.rate, bypass=False)
    return {
        "single_end_to_end_readings_per_s": through["readings_delivered_per_s"],
        "single_delivered_ratio": through["delivered_ratio"],
        "single_latency_offered_readings_per_s": latency["readings_offered_per_s"],
        "single_latency_p50_ms": latency["latency_p50_ms"],
        "single_latency_p99_ms": latency["latency_p99_ms"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loggers", type=int, default=100)
    p.add_argument("--factors", type=int, default=10, help="readings per frame")
    p.add_argument("--consoles", type=int, default=10)
    p.add_argument("--seconds", type=float, default=8.0, help="of each load phase")
    p.add_argument("--failover-seconds", type=float, default=12.0, help="of the load kill -9 falls in")
    p.add_argument("--rate", type=float, default=5_000, help="offered readings/s for latency and failover")
    p.add_argument("--kill", default="leader,follower", help="what node A is when killed: leader, follower")
    p.add_argument("--batches", type=int, default=0, help="the stream phase's batches (0: not run)")
    p.add_argument("--stations", type=int, default=100, help="the stream phase's stations")
    p.add_argument("--no-single", action="store_true", help="skip the single-process figures")
    args = p.parse_args()
    kills = [k.strip() for k in args.kill.split(",") if k.strip()]
    if not kills or set(kills) - {"leader", "follower"}:
        p.error("--kill takes leader, follower or both, comma-separated")
    load = os.getloadavg()
    print(f"{args.loggers} loggers, {args.factors} a frame, {args.consoles} consoles, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)  # fmt: skip
    figures: dict = {"loggers": args.loggers, "factors": args.factors, "consoles": args.consoles}
    figures["load_average_at_start"] = round(load[0], 1)
    for i, kill in enumerate(kills):
        a_leads, full = kill == "leader", i == 0  # the load phases once, on the first cluster
        figures |= on_fresh_cluster(
            lambda tmp, db, stream, a_leads=a_leads, full=full: real_path(
                args, tmp, db, stream, a_leads, full
            )
        )
        print(f"{kill} killed: done", flush=True)
    if args.batches:
        figures |= on_fresh_cluster(
            lambda tmp, db, stream: stream_only(args.stations, args.batches, tmp, db, stream)
        )
    if not args.no_single:
        figures |= single_process(args)
    figures["load_average_at_end"] = round(os.getloadavg()[0], 1)
    for key, value in figures.items():
        print(f"{key:>42}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
