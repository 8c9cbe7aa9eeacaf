"""Ingest benchmark: N loggers -> hub -> M websocket consoles, all on loopback, hub in its own process.

Phases, each against a fresh hub:
  throughput  loggers send as fast as the hub takes frames; delivered readings/s per console;
  latency     a fixed offered load (--rate readings/s); p50/p99 from frame sent to websocket delivery;
  answered    the latency phase with every upload asking for a data answer (Flag=5): the hub answers once
              the upload is committed to SQLite, so p50/p99 from frame sent to answer received as well;
  ceiling     the throughput phase with HJ 212 parsing and storage bypassed in the hub: each distinct
              frame is decoded once and its readings reused, nothing goes to SQLite; the same sockets,
              AQI derivation, alarm rules, station status, event encoding and fan-out as end to end.
              The end-to-end figure reads as a fraction of it: the share that parsing and storage cost.

500 loggers carry the load of a far larger network: each sends tens of uploads a second. Frame k of a
station is stamped T0 + k x 20 ms (DataTime with milliseconds, which the hub reads), so every upload is a
new row to store, as from real loggers, and the network's data clock runs at about the wall's pace: with
whole seconds it would run 50 times faster, and a logger held back for a few seconds by TCP pushback
would look offline or late, which a real network at this load would not.

With --pin the hub (every thread of it, the storage writer included) runs on one CPU and the loggers and
consoles on the others: the "one core" of the target, and the harness no longer takes CPU from the hub.
Its ceiling can then be bound by the loggers (a delivered ratio of 1.0 says so): a floor for the ceiling.

Usage: python bench/ingest.py [--loggers 500] [--clients 2] [--factors 10] [--seconds 8] [--rate 50000]
                              [--pin] [--profile FILE [--profile-phase PHASE] [--profile-gil]]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import msgspec
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core import hj212, protocol
from console.core.models import Station, StationKind
from console.hub.site import Site, write_site

TOKEN = "bench"
CODES = ["a34004", "a34002", "a21026", "a21004", "a21005", "a05024", "a01001", "a01002", "a01006", "a01007",
         "a01008", "a34001", "a21002", "a21003", "a99001", "a00000"]  # fmt: skip
T0 = 1_700_000_000
STEP_MS = 20  # data time between two uploads of a station


def stations(n: int, factors: int) -> list[Station]:
    return [
        Station(
            id=f"B-{i:05d}",
            name=f"bench {i}",
            kind=StationKind.AIR,
            township="0",
            lon=116.0,
            lat=40.0,
            mn=f"{i:024X}",
            st="22",
            factors=tuple(CODES[:factors]),
            interval_s=60,  # a logger's uploads come in bursts of one socket read (about a second)
        )
        for i in range(n)
    ]


def stamp_of(k: int) -> str:
    """DataTime of frame k (local time, UTC+8), to the millisecond: YYYYMMDDhhmmsszzz."""
    ms = T0 * 1000 + k * STEP_MS
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(ms // 1000 + 8 * 3600)) + f"{ms % 1000:03d}"


def ts_ms(k: int) -> int:
    """The data time of frame k as the hub gives it, in whole milliseconds (the key to match deliveries)."""
    return T0 * 1000 + k * STEP_MS


def frame_for(st: Station, k: int, answer: bool = False) -> bytes:
    """Frame k of a station (unique per station, so its delivery can be matched)."""
    return frames_for_round(segment_templates([st], k, answer), k)[0]


def key_of_answer(line: bytes) -> tuple[str, int]:
    """The (station, data time in ms) an answer is for: its MN and QN are the upload's."""
    answer = hj212.decode(line)
    local_s = calendar.timegm(time.strptime(answer.qn[:14], "%Y%m%d%H%M%S"))
    return f"B-{int(answer.mn, 16):05d}", (local_s - 8 * 3600) * 1000 + int(answer.qn[14:17])


_STAMP = "19000101000000000"  # stands for the data time in a segment template (found nowhere else in it)


def frames_for_round(templates: list[str], k: int) -> list[bytes]:
    """Frame k of every station, from segment templates: a fresh data time and its CRC (C speedups),
    about 30 times cheaper than building and encoding a packet."""
    stamp = stamp_of(k)
    return [hj212.frame(t.replace(_STAMP, stamp)) for t in templates]


def segment_templates(sts: list[Station], variant: int, answer: bool = False) -> list[str]:
    """Each station's upload with its data time left open; ``variant`` picks its values."""
    out = []
    for st in sts:
        cp = {
            code: {"Rtd": f"{(variant * 7 + i) % 500}.{i}", "Flag": "N"} for i, code in enumerate(st.factors)
        }
        flag = hj212.FLAG_V2017 | (hj212.FLAG_ANSWER if answer else 0)
        packet = hj212.Packet.create(qn=_STAMP, st="22", cn="2011", pw="123456", mn=st.mn, flag=flag,
                                     params={"DataTime": _STAMP}, cp=cp)  # fmt: skip
        out.append(packet.segment())
    return out


# --- loggers process ---------------------------------------------------------------------------------------


async def _answers(reader: asyncio.StreamReader, answered: dict[tuple[str, int], float]) -> None:
    """Note when each answer of one connection arrives."""
    try:
        while True:
            line = await reader.readuntil(b"\r\n")  # before the clock is read: it is the right-hand side
            answered[key_of_answer(line)] = time.monotonic()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass


async def _loggers(
    port: int, sts: list[Station], seconds: float, rate: float | None, pooled: bool, answer: bool, out
) -> None:
    conns = [await asyncio.open_connection("127.0.0.1", port) for _ in sts]
    answered: dict[tuple[str, int], float] = {}
    readers = [asyncio.create_task(_answers(r, answered)) for r, _ in conns] if answer else []
    per_frame = len(sts[0].factors)
    # At full speed, frames are encoded before the clock starts (encoding would be the bottleneck, not the
    # hub). End to end every frame is a new upload, as from real loggers: enough rounds for 80,000 frames/s.
    # The ceiling cycles through 8 frames per station, the readings its hub decoded once and reuses.
    # At a fixed rate each frame is unique so its delivery can be timed.
    pool = None
    if not rate:
        rounds = 8 if pooled else int(seconds * 80_000 / len(sts)) + 1
        templates = [segment_templates(sts, v) for v in range(8)]
        by_round = [frames_for_round(templates[k % 8], k) for k in range(rounds)]
        pool = [[by_round[k][i] for k in range(rounds)] for i in range(len(sts))]
        del by_round
    out.put({"started": True})
    frames_per_tick, tick = len(sts), 0.01
    if rate:
        frames_per_tick = max(1, round(rate / per_frame * tick))
    sent: list[tuple[float, int, int]] = []  # (monotonic, first frame index, count) per burst
    k, idx, start = 0, 0, time.monotonic()
    while time.monotonic() - start < seconds:
        burst_start = idx
        for _ in range(frames_per_tick):
            station_i = idx % len(sts)
            k_frame = idx // len(sts)
            data = (
                pool[station_i][k_frame % len(pool[0])]
                if pool
                else frame_for(sts[station_i], k_frame, answer)
            )
            conns[station_i][1].write(data)
            idx += 1
        sent.append((time.monotonic(), burst_start, idx - burst_start))
        await asyncio.gather(*(w.drain() for _, w in conns))
        if rate:
            k += 1
            await asyncio.sleep(max(0.0, start + k * tick - time.monotonic()))
    elapsed = time.monotonic() - start
    if readers:  # the last answers come after their commit (HJ 212's default timeout is 5 s)
        await asyncio.sleep(6)
        for task in readers:
            task.cancel()
    out.put({"frames": idx, "sent": sent, "elapsed": elapsed, "answered": answered})
    for _, w in conns:
        w.close()
    await asyncio.gather(*(w.wait_closed() for _, w in conns), return_exceptions=True)


def pin(cpus: set[int] | None) -> None:
    """Keep this process (and the threads it starts) on these CPUs; None leaves it free."""
    if cpus:
        os.sched_setaffinity(0, cpus)


def loggers_main(port, sts, seconds, rate, pooled, answer, cpus, out) -> None:
    pin(cpus)
    asyncio.run(_loggers(port, sts, seconds, rate, pooled, answer, out))


# --- consoles process -------------------------------------------------------------------------------------


async def _consoles(port: int, clients: int, seconds: float, timed: bool, out, ready) -> None:
    decoder = msgspec.json.Decoder(protocol.HubMessage)
    arrivals: dict[tuple[str, int], float] = {}  # (station, data time in ms) -> when it arrived
    counts = [0] * clients
    spans = [[0.0, 0.0] for _ in range(clients)]

    async def one(n: int, session: aiohttp.ClientSession) -> None:
        async with session.ws_connect(f"http://127.0.0.1:{port}/ws", max_msg_size=0) as ws:
            await ws.send_bytes(protocol.encode(protocol.Hello(protocol=1, token=TOKEN, client=f"bench-{n}")))
            ready.put(n)
            end = time.monotonic() + seconds + 60  # the loggers may still be encoding their frames
            while (left := end - time.monotonic()) > 0:
                try:
                    msg = await ws.receive(timeout=left)
                except TimeoutError:
                    break
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                m = decoder.decode(msg.data)
                if isinstance(m, protocol.Readings):
                    now = time.monotonic()
                    if not counts[n]:  # the first readings: from now on ``seconds`` more
                        end = now + seconds
                    counts[n] += len(m.items)
                    spans[n][0] = spans[n][0] or now
                    spans[n][1] = now
                    if timed and n == 0:  # the latency phase: when each upload arrived
                        for r in m.items:
                            arrivals.setdefault((r.station, round(r.ts * 1000)), now)

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(one(n, session) for n in range(clients)))
    rates = [c / max(1e-6, s[1] - s[0]) for c, s in zip(counts, spans, strict=True)]
    out.put({"counts": counts, "rates": rates, "arrivals": arrivals})


def consoles_main(port, clients, seconds, timed, cpus, out, ready) -> None:
    pin(cpus)
    asyncio.run(_consoles(port, clients, seconds, timed, out, ready))


# --- driver -----------------------------------------------------------------------------------------------


def start_hub(
    data_dir: Path, sts: list[Station], bypass: bool, cpus: set[int] | None = None
) -> tuple[subprocess.Popen, int, int]:
    write_site(Site(stations=tuple((s, "123456") for s in sts)), data_dir / "site")  # the hub's registry
    cmd = [sys.executable, "-m", "console.hub", "--http-port", "0", "--hj212-port", "0", "--token", TOKEN,
           "--data-dir", str(data_dir), "--log-level", "WARNING", "--replay-window", "20000"]  # fmt: skip
    if bypass:
        cmd.append("--bench-bypass")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    hub = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env, preexec_fn=lambda: pin(cpus))
    line = hub.stdout.readline()
    ports = dict(p.split("=") for p in line.split()[1:3])
    return hub, int(ports["http"]), int(ports["hj212"])


def split_cpus(pinned: bool) -> tuple[set[int] | None, set[int] | None]:
    """With --pin: the hub on the first CPU, the loggers and consoles on the others."""
    if not pinned:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("--pin needs at least 2 CPUs")
    return {cpus[0]}, set(cpus[1:])


def run_phase(args, name: str, rate: float | None, bypass: bool, answer: bool = False) -> dict:
    sts = stations(args.loggers, args.factors)
    ctx = mp.get_context("spawn")
    out, ready = ctx.Queue(), ctx.Queue()
    with tempfile.TemporaryDirectory() as tmp:
        hub_cpus, harness_cpus = split_cpus(args.pin)
        hub, http_port, hj_port = start_hub(Path(tmp), sts, bypass, hub_cpus)
        proc = psutil.Process(hub.pid)
        timed = rate is not None  # only the latency phase notes when each upload arrives
        consoles = ctx.Process(
            target=consoles_main,
            args=(http_port, args.clients, args.seconds + 4, timed, harness_cpus, out, ready),
        )
        loggers = ctx.Process(
            target=loggers_main, args=(hj_port, sts, args.seconds, rate, bypass, answer, harness_cpus, out)
        )
        try:  # whatever fails, no process of the phase outlives it
            consoles.start()
            for _ in range(args.clients):
                ready.get(timeout=30)
            loggers.start()
            out.get(timeout=120)  # the loggers have their frames ready and start sending
            profiler = None
            if args.profile and name == args.profile_phase:
                spy = ["py-spy", "record", "--pid", str(hub.pid), "--duration", str(int(args.seconds))]
                spy += ["--format", "raw", "--output", args.profile, "--nonblocking"]
                spy += ["--gil"] if args.profile_gil else []
                profiler = subprocess.Popen(spy)
            cpu0, wall0 = proc.cpu_times(), time.monotonic()
            results = [out.get(timeout=args.seconds + 60)]
            cpu1, wall1 = proc.cpu_times(), time.monotonic()
            results.append(out.get(timeout=90))
            rss = proc.memory_info().rss
            loggers.join(10)
            consoles.join(10)
            if profiler is not None:
                profiler.wait(30)
        finally:
            for child in (loggers, consoles):
                if child.is_alive():
                    child.kill()
            hub.terminate()  # the hub flushes its storage backlog before it exits
            hub.wait(120)
    sent = next(r for r in results if "sent" in r)
    got = next(r for r in results if "counts" in r)
    return summarise(
        name, args, sent, got, (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / (wall1 - wall0), rss
    )


def _latencies(sent: list, arrivals: dict, n_st: int) -> list[float]:
    """Milliseconds from a burst's sending to the arrival of its frames (a sample of each burst), sorted."""
    latencies = []
    for when, first, count in sent:
        for idx in range(first, first + count, max(1, count // 50)):
            key = (f"B-{idx % n_st:05d}", ts_ms(idx // n_st))
            if key in arrivals:
                latencies.append((arrivals[key] - when) * 1000)
    return sorted(latencies)


def _percentile(values: list[float], share: float) -> float | None:
    return round(values[min(len(values) - 1, int(len(values) * share))], 1) if values else None


def summarise(name, args, sent, got, cpu, rss) -> dict:
    per_frame = args.factors
    latencies = _latencies(sent["sent"], got["arrivals"], args.loggers)
    answers = _latencies(sent["sent"], sent["answered"], args.loggers)
    delivered = min(got["counts"])
    result = {
        "phase": name,
        "frames_sent": sent["frames"],
        "frames_per_s": round(sent["frames"] / sent["elapsed"]),
        "readings_offered_per_s": round(sent["frames"] * per_frame / sent["elapsed"]),
        "readings_delivered_per_client": delivered,
        "readings_delivered_per_s": round(min(got["rates"])),
        "delivered_ratio": round(delivered / max(1, sent["frames"] * per_frame), 4),
        "latency_p50_ms": _percentile(latencies, 0.5),
        "latency_p99_ms": _percentile(latencies, 0.99),
        "answered_ratio": round(len(sent["answered"]) / max(1, sent["frames"]), 4),
        "answer_p50_ms": _percentile(answers, 0.5),
        "answer_p99_ms": _percentile(answers, 0.99),
        "answer_max_ms": _percentile(answers, 1.0),
        "hub_cpu_cores": round(cpu, 2),
        "hub_rss_mb": round(rss / 2**20, 1),
    }
    print(f"{name:>10}: " + ", ".join(f"{k}={v}" for k, v in result.items() if k != "phase"), flush=True)
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loggers", type=int, default=500)
    p.add_argument("--clients", type=int, default=2)
    p.add_argument("--factors", type=int, default=10, help="readings per frame")
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--rate", type=float, default=50_000, help="offered readings/s in the latency phase")
    p.add_argument(
        "--pin", action="store_true", help="the hub on one CPU (threads included), the rest elsewhere"
    )
    p.add_argument("--profile", help="record the hub with py-spy (raw format) during one phase")
    p.add_argument(
        "--profile-phase", default="throughput", choices=("throughput", "latency", "answered", "ceiling")
    )
    p.add_argument(
        "--profile-gil", action="store_true", help="profile only what holds the GIL (the storage writer's"
        " share of the event loop's time)",
    )  # fmt: skip
    args = p.parse_args()
    setup = f"{args.loggers} loggers, {args.clients} consoles, {args.factors} a frame, {os.cpu_count()} CPUs"
    print(setup + (", the hub pinned to one of them" if args.pin else ""))
    through = run_phase(args, "throughput", None, bypass=False)
    latency = run_phase(args, "latency", args.rate, bypass=False)
    answered = run_phase(args, "answered", args.rate, bypass=False, answer=True)
    ceiling = run_phase(args, "ceiling", None, bypass=True)
    figures = {
        "loggers": args.loggers,
        "clients": args.clients,
        "hub_pinned_to_one_cpu": args.pin,
        "readings_per_frame": args.factors,
        "end_to_end_readings_per_s": through["readings_delivered_per_s"],
        "end_to_end_frames_per_s": round(through["readings_delivered_per_s"] / args.factors),
        "ceiling_readings_per_s": ceiling["readings_delivered_per_s"],
        "ratio_to_ceiling": round(
            through["readings_delivered_per_s"] / max(1, ceiling["readings_delivered_per_s"]), 3
        ),
        "latency_offered_readings_per_s": latency["readings_offered_per_s"],
        "latency_delivered_ratio": latency["delivered_ratio"],
        "latency_p50_ms": latency["latency_p50_ms"],
        "latency_p99_ms": latency["latency_p99_ms"],
        "answered_offered_readings_per_s": answered["readings_offered_per_s"],
        "answered_ratio": answered["answered_ratio"],
        "answered_delivery_p99_ms": answered["latency_p99_ms"],
        "answer_p50_ms": answered["answer_p50_ms"],
        "answer_p99_ms": answered["answer_p99_ms"],
        "answer_max_ms": answered["answer_max_ms"],
        "hub_cpu_cores_at_full_load": through["hub_cpu_cores"],
        "hub_rss_mb": max(through["hub_rss_mb"], latency["hub_rss_mb"]),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
