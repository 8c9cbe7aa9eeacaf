"""Ingest node benchmark: N loggers -> one ingest node (its own process) -> the NATS JetStream input stream.

Every upload asks for a data answer, which the node sends only once JetStream has acknowledged the batch
holding it; each logger keeps up to --window uploads unanswered (a real logger waits for each answer; many
in flight stand for many loggers). Frame k of a station is stamped T0 + k x 20 ms (bench/ingest.py's
frames), so every upload is a new one in the stream.

Figures: readings/s the node accepted (its own count, from the figures line it logs when it stops) and
readings/s acknowledged (answers the loggers received, times readings per frame), answer latency p50/p99
from sending a frame to its answer, the node's CPU, and what the stream holds at the end. The stream
(a name of its own) is deleted afterwards.

Usage: python bench/ingest_node.py [--loggers 100] [--factors 10] [--seconds 20] [--window 50]
                                   [--nats nats://127.0.0.1:4222]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import frames_for_round, segment_templates, stamp_of, stations

from console.hub.cluster.streams import delete_streams, input_stream
from console.hub.site import Site, write_site

ROOT = Path(__file__).resolve().parents[1]
_ANSWER_KEY = re.compile(rb"QN=(\d+);.*MN=(\w+)")  # an answer's QN and MN are its upload's


def key_of_answer(line: bytes) -> tuple[bytes, bytes]:
    """(QN, MN) of an answer, without decoding it (the harness must not be what is measured)."""
    found = _ANSWER_KEY.search(line)
    return (found.group(1), found.group(2)) if found else (b"", b"")


async def start_node(
    tmp: Path, args: argparse.Namespace, stream: str
) -> tuple[asyncio.subprocess.Process, int]:
    cmd = ["-m", "console.hub.cluster.ingest", "--nats", args.nats, "--stream", stream, "--node", "bench"]
    cmd += ["--site", str(tmp / "site"), "--data", str(tmp / "data"), "--hj212-port", "0"]
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    with (tmp / "node.log").open("wb") as log:
        node = await asyncio.create_subprocess_exec(
            sys.executable, *cmd, stdout=asyncio.subprocess.PIPE, stderr=log, env=env
        )
    assert node.stdout is not None
    line = (await asyncio.wait_for(node.stdout.readline(), 60)).decode()
    if not line.startswith("READY"):
        raise SystemExit(f"the ingest node did not start: {(tmp / 'node.log').read_text()[-2000:]}")
    return node, int(dict(p.split("=") for p in line.split()[1:])["hj212"])


class Logger:
    """One connection; up to ``window`` uploads unanswered; notes when each was sent and answered."""

    def __init__(self, index: int, window: int, sent_at: dict, latencies: list[float]) -> None:
        self.index, self.window = index, window
        self.sent_at, self.latencies = sent_at, latencies
        self.answers = 0

    async def run(self, port: int, frames_of_round, stop: asyncio.Event) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        room = asyncio.Semaphore(self.window)
        reading = asyncio.create_task(self._read(reader, room))
        k = 0
        try:
            while not stop.is_set():
                await room.acquire()
                frame, key = frames_of_round(self.index, k)
                self.sent_at[key] = time.monotonic()
                writer.write(frame)
                k += 1
                if k % 16 == 0:
                    await writer.drain()
        finally:
            await asyncio.sleep(6)  # the last answers (HJ 212's answer timeout is 5 s)
            reading.cancel()
            writer.close()
        return k

    async def _read(self, reader: asyncio.StreamReader, room: asyncio.Semaphore) -> None:
        try:
            while True:
                line = await reader.readuntil(b"\r\n")
                now = time.monotonic()
                sent = self.sent_at.pop(key_of_answer(line), None)
                if sent is not None:
                    self.latencies.append((now - sent) * 1000)
                self.answers += 1
                room.release()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass


async def stream_state(url: str, stream: str, delete: bool) -> tuple[int, int]:
    import nats

    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(input_stream(stream))
        if delete:
            await delete_streams(js, stream)
        return info.state.messages, info.state.bytes
    finally:
        await nc.close()


def _percentile(values: list[float], share: float) -> float | None:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * share))], 1) if values else None


async def run(args: argparse.Namespace) -> dict:
    sts = stations(args.loggers, args.factors)
    stream = f"BENCH{secrets.token_hex(4).upper()}"
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        write_site(Site(stations=tuple((s, "123456") for s in sts)), tmp / "site")
        node, port = await start_node(tmp, args, stream)
        proc, me = psutil.Process(node.pid), psutil.Process()
        templates = [segment_templates(sts, v, answer=True) for v in range(8)]
        rounds: dict[int, list[bytes]] = {}

        mns = [s.mn.encode() for s in sts]

        def frames_of_round(i: int, k: int) -> tuple[bytes, tuple[bytes, bytes]]:
            frames = rounds.get(k)
            if frames is None:
                frames = rounds[k] = frames_for_round(templates[k % 8], k)
                rounds.pop(k - 64, None)
            return frames[i], (stamp_of(k).encode(), mns[i])

        sent_at: dict = {}
        latencies: list[float] = []
        loggers = [Logger(i, args.window, sent_at, latencies) for i in range(len(sts))]
        stop = asyncio.Event()
        try:
            cpu0, mine0, wall0 = proc.cpu_times(), me.cpu_times(), time.monotonic()
            tasks = [asyncio.create_task(lg.run(port, frames_of_round, stop)) for lg in loggers]
            await asyncio.sleep(args.seconds)
            answered_in_time = sum(lg.answers for lg in loggers)
            cpu1, mine1, wall1 = proc.cpu_times(), me.cpu_times(), time.monotonic()
            stop.set()
            sent = sum(await asyncio.gather(*tasks))
            node.send_signal(signal.SIGTERM)
            await asyncio.wait_for(node.wait(), 60)
        finally:
            if node.returncode is None:
                node.kill()
                await node.wait()
        log = (tmp / "node.log").read_text(errors="replace")
    found = re.findall(r"readings accepted (\d+), published (\d+)", log)
    accepted, published = (int(n) for n in found[-1]) if found else (0, 0)
    took = re.findall(r"publishing took ([\d.]+) s", log)
    messages, size = await stream_state(args.nats, stream, delete=True)
    elapsed = wall1 - wall0
    cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / elapsed
    harness = (mine1.user + mine1.system - mine0.user - mine0.system) / elapsed
    return {
        "loggers": args.loggers,
        "readings_per_frame": args.factors,
        "window": args.window,
        "seconds": round(elapsed, 1),
        "frames_sent": sent,
        "readings_accepted_per_s": round(accepted / elapsed),  # nothing is sent after ``elapsed``
        "readings_acknowledged_per_s": round(answered_in_time * args.factors / elapsed),
        "readings_published": published,
        "frames_answered": sum(lg.answers for lg in loggers),
        "answer_p50_ms": _percentile(latencies, 0.5),
        "answer_p99_ms": _percentile(latencies, 0.99),
        "node_cpu_cores": round(cpu, 2),
        "harness_cpu_cores": round(harness, 2),  # near 1: the loggers, not the node, set the pace
        "node_publishing_s": float(took[-1]) if took else None,  # awaiting JetStream's acknowledgements
        "stream_messages": messages,
        "stream_mb": round(size / 2**20, 1),
        "cpus": os.cpu_count(),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--loggers", type=int, default=100)
    p.add_argument("--factors", type=int, default=10, help="readings per frame")
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--window", type=int, default=50, help="uploads a logger keeps unanswered")
    p.add_argument("--nats", default="nats://127.0.0.1:4222")
    args = p.parse_args()
    setup = f"{args.loggers} loggers, {args.factors} readings a frame, window {args.window}"
    print(f"{setup}, {os.cpu_count()} CPUs")
    figures = asyncio.run(run(args))
    print(", ".join(f"{k}={v}" for k, v in figures.items()))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
