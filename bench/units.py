"""Unit tracking benchmark: N JT/T 808 terminals -> hub -> a websocket console, on loopback.

The hub runs in its own process with a site of N registered vehicle terminals. Each terminal registers,
authenticates, then sends 0x0200 location reports as fast as the hub answers them, keeping up to
--window reports unanswered (a terminal resends what is not answered; the hub answers a report only once
it is stored, so a window keeps each connection busy while a commit is under way). Every report is a new
position 10 m on from the last, one second later in device time, so each is judged, stored (SQLite, the
hub's writer thread), and published in a ``unit`` event to the console.

Figures: positions/s delivered to the console end to end and answered, answer latency p50/p99 (report
sent to its 0x8001 received), over --seconds after a warm-up.

Usage: python bench/units.py [--terminals 200] [--window 16] [--seconds 10] [--per-terminal 1000]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core import jt808, protocol
from console.core.jt808 import Header, Location, Message
from console.core.units import UnitInfo, UnitKind, UnitSource
from console.hub.site import Site, write_site

TOKEN = "bench"
LAT, LON = 40.4650, 115.9850


def phone(n: int) -> str:
    return f"1390000{n:04d}"


def start_hub(data_dir: Path, terminals: int) -> tuple[subprocess.Popen[str], int, int]:
    kind, source = UnitKind.SPRINKLER, UnitSource.JT808
    units = tuple(
        UnitInfo(id=f"V{n:04d}", name=f"车{n}", kind=kind, source=source, device=phone(n))
        for n in range(terminals)
    )
    write_site(Site(units=units), data_dir / "site")
    profile = ["-m", "cProfile", "-o", os.environ["BENCH_PROFILE"]] if os.environ.get("BENCH_PROFILE") else []
    cmd = [sys.executable, *profile, "-m", "console.hub", "--http-port", "0", "--hj212-port", "0",
           "--jt808-port", "0", "--token", TOKEN, "--data-dir", str(data_dir),
           "--log-level", "WARNING"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    hub = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert hub.stdout is not None
    line = hub.stdout.readline()
    ports = dict(p.split("=") for p in line.split()[1:] if "=" in p)
    return hub, int(ports["http"]), int(ports["jt808"])


class Terminal:
    """One terminal: a pipelined sender of location reports, timing each answer."""

    def __init__(self, n: int, start_ts: int) -> None:
        self.phone = phone(n).rjust(12, "0")
        self.serial = 0
        self.ts = start_ts
        self.lon = LON + n * 1e-3
        self.splitter = jt808.FrameSplitter()
        self.sent: dict[int, float] = {}
        self.latencies: list[float] = []
        self.answered = 0

    def frame(self, msg_id: int, body: bytes) -> bytes:
        self.serial = (self.serial + 1) & 0xFFFF
        return jt808.encode_frame(Header(msg_id, self.phone, self.serial), body)

    def prepare(self, count: int) -> None:
        """Encode the reports before the run, so the harness spends little CPU while it runs."""
        frames = []
        for _ in range(count):
            self.ts += 1
            self.lon += 1e-4  # about 8 m a second: 30 km/h
            location = Location(0, jt808.POSITIONED, LAT, self.lon, 500, 30.0, 90, self.ts)
            frames.append((self.serial + 1) & 0xFFFF)
            frames[-1] = (frames[-1], self.frame(jt808.LOCATION, jt808.location_body(location)))
        self.queue = deque(frames)

    def report(self) -> bytes:
        if not self.queue:
            raise SystemExit("a terminal ran out of prepared reports: give --per-terminal a larger number")
        serial, frame = self.queue.popleft()
        self.sent[serial] = time.perf_counter()
        return frame

    async def replies(self, reader: asyncio.StreamReader) -> list[Message]:
        while True:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("hub closed")
            frames = self.splitter.feed(data)
            if frames:
                return [jt808.decode(f) for f in frames]

    async def answered_serials(self, reader: asyncio.StreamReader) -> list[int]:
        """The serials the next 0x8001 replies answer (read from the unescaped bytes, not decoded)."""
        while True:
            data = await reader.read(65536)
            if not data:
                raise ConnectionError("hub closed")
            frames = self.splitter.feed(data)
            if frames:
                out = []
                for frame in frames:
                    body = jt808.unescape(frame[1:-1])
                    if body[16] != 0:
                        raise SystemExit(f"the hub refused a report: {jt808.decode(frame)}")
                    out.append(int.from_bytes(body[12:14]))
                return out

    async def run(self, port: int, window: int, until: list[float], measuring: list[bool]) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        registration = jt808.Registration(11, 229, "BENCH", "B1", "T", 1, "京A00000")
        writer.write(self.frame(jt808.REGISTRATION, jt808.registration_body(registration)))
        (reply,) = await self.replies(reader)
        assert isinstance(reply.body, jt808.RegisterReply) and reply.body.result == 0, reply
        writer.write(self.frame(jt808.AUTHENTICATION, reply.body.auth_code.encode()))
        (ok,) = await self.replies(reader)
        assert isinstance(ok.body, jt808.GeneralReply) and ok.body.result == 0, ok
        writer.write(b"".join(self.report() for _ in range(window)))
        while time.perf_counter() < until[0]:
            answers = await self.answered_serials(reader)
            now = time.perf_counter()
            for serial in answers:
                started = self.sent.pop(serial, None)
                if started is not None and measuring[0]:
                    self.latencies.append(now - started)
                    self.answered += 1
            writer.write(b"".join(self.report() for _ in answers))
        writer.close()


async def console(http_port: int, counts: list[int], measuring: list[bool], stop: asyncio.Event) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"http://127.0.0.1:{http_port}/ws", max_msg_size=0)
        await ws.send_bytes(protocol.encode(protocol.Hello(protocol=1, token=TOKEN, client="bench")))
        while not stop.is_set():
            try:
                msg = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            message = protocol.decode_hub(msg.data)
            if isinstance(message, protocol.UnitEvent) and measuring[0]:
                counts[0] += len(message.fixes)
        await ws.close()


async def drive(args: argparse.Namespace, http_port: int, port: int) -> dict[str, float]:
    warmup = 2.0
    start_ts = int(time.time()) - args.per_terminal - 60  # device time never runs ahead
    terminals = [Terminal(n, start_ts) for n in range(args.terminals)]
    for terminal in terminals:
        terminal.prepare(args.per_terminal)
    until, measuring, counts, stop = [time.perf_counter() + 3600], [False], [0], asyncio.Event()
    watcher = asyncio.create_task(console(http_port, counts, measuring, stop))
    await asyncio.sleep(0.5)
    tasks = [asyncio.create_task(t.run(port, args.window, until, measuring)) for t in terminals]
    await asyncio.sleep(warmup)
    measuring[0] = True
    began = time.perf_counter()
    await asyncio.sleep(args.seconds)
    measuring[0] = False
    elapsed = time.perf_counter() - began
    until[0] = 0
    await asyncio.gather(*tasks, return_exceptions=True)
    stop.set()
    await watcher
    latencies = sorted(x for t in terminals for x in t.latencies)
    answered = sum(t.answered for t in terminals)
    return {
        "positions_per_s_console": round(counts[0] / elapsed),
        "positions_per_s_answered": round(answered / elapsed),
        "answer_p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else -1,
        "answer_p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else -1,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--terminals", type=int, default=200)
    p.add_argument("--window", type=int, default=16, help="reports a terminal keeps unanswered")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--per-terminal", type=int, default=1000, help="reports prepared per terminal")
    args = p.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        hub, http_port, port = start_hub(Path(tmp), args.terminals)
        try:
            proc = psutil.Process(hub.pid)
            figures = asyncio.run(drive(args, http_port, port))
            figures["hub_rss_mib"] = round(proc.memory_info().rss / 2**20, 1)
        finally:
            hub.terminate()
            hub.wait(10)
    figures |= {"terminals": args.terminals, "window": args.window, "load_before": round(load, 2)}
    print(f"positions/s to the console: {figures['positions_per_s_console']}, answered: "
          f"{figures['positions_per_s_answered']}; answers p50 {figures['answer_p50_ms']} ms, "
          f"p99 {figures['answer_p99_ms']} ms")  # fmt: skip
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
