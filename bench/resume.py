"""Resume benchmark: time from link restored to fully caught up, after gaps of 10 s, 5 min and 1 h.

2,000 stations (PM2.5 and PM10, one frame a minute each, spread over the minute) send to a hub in its own
process. A console (its real session: link, store, incident book, outbox, cache and resync; no Qt)
watches through a proxy. For each gap the proxy refuses the console while the loggers send that much
data time, as fast as the hub takes it; then the proxy lets the console in again and the clock runs until
the console has applied the hub's last event and any back-fill has finished. Two ways for each gap:
  replay   the hub kept running: it replays the missed events from its window;
  restart  the hub was restarted during the gap (new epoch): snapshot, then back-fill over REST.
Two figures per gap: ``reconnect_s``, from the proxy letting the console in to the hub's welcome (the
link's backoff: after a long outage its next attempt may be up to 30 s away), and ``caught_up_s``, from
that welcome until the console has applied everything (what the operator waits for once connected).
``restored_s`` is their sum.
Lost = readings stored by the hub in the gap that the console's cache lacks; duplicated = readings the
console applied more than once.

Usage: python bench/resume.py [--stations 2000] [--gaps 10,300,3600]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import TOKEN, start_hub, stations
from console.core import hj212, protocol
from console.core.models import Station
from console.core.session import ConsoleSession, SessionChange
from console.hub.storage import Storage
from tests.net.applied import AppliedReadings
from tests.net.proxy import FaultProxy

INTERVAL_S = 60


def frame(st: Station, ts: float, n: int) -> bytes:
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(ts + 8 * 3600))
    cp = {code: {"Rtd": f"{(n * 7 + i) % 300}.{i}", "Flag": "N"} for i, code in enumerate(st.factors)}
    packet = hj212.Packet.create(qn=stamp + "000", st="22", cn="2011", pw="123456", mn=st.mn, flag=4,
                                 params={"DataTime": stamp}, cp=cp)  # fmt: skip
    return hj212.encode(packet)


class Loggers:
    """One connection per station; each reports every INTERVAL_S of data time at its own offset."""

    def __init__(self, sts: list[Station], t0: float) -> None:
        self.sts, self.clock, self.conns = sts, t0, []

    async def connect(self, port: int) -> None:
        self.conns = [await asyncio.open_connection("127.0.0.1", port) for _ in self.sts]

    async def advance(self, seconds: float) -> int:
        """Send every frame due in the next ``seconds`` of data time, as fast as the hub reads."""
        sent, end = 0, self.clock + seconds
        for i, st in enumerate(self.sts):
            offset = i % INTERVAL_S
            first = self.clock - (self.clock - offset) % INTERVAL_S
            if first < self.clock:
                first += INTERVAL_S
            ts = first
            writer = self.conns[i][1]
            while ts < end:
                writer.write(frame(st, ts, sent))
                sent += 1
                ts += INTERVAL_S
            if i % 200 == 0:
                await asyncio.gather(*(w.drain() for _, w in self.conns))
        await asyncio.gather(*(w.drain() for _, w in self.conns))
        self.clock = end
        return sent

    async def close(self) -> None:
        for _, writer in self.conns:
            writer.close()


async def hub_position(session: aiohttp.ClientSession, port: int) -> tuple[str, int]:
    """The hub's (epoch, seq) once it stopped moving (everything sent has been published)."""
    seen: list[tuple[str, int]] = []
    while len(seen) < 4 or len(set(seen[-4:])) > 1:  # unchanged for a second
        async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
            body = await resp.json()
        seen.append((body["epoch"], body["seq"]))
        await asyncio.sleep(0.33)
    return seen[-1]


async def stop_hub(hub) -> None:
    hub.send_signal(signal.SIGTERM)
    try:
        await asyncio.to_thread(hub.wait, 120)
    except Exception:
        hub.kill()
        raise


def stored_between(db: Path, start: float, end: float) -> set:
    storage = Storage(f"sqlite:///{db}")
    try:
        found = storage.readings_between(start, end, limit=10**9)
        return {(r.station, r.factor, r.ts) for r in found if r.ts < end}
    finally:
        storage.close()


async def one_gap(sts: list[Station], gap_s: float, mode: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        hub, http_port, hj_port = start_hub(data_dir, sts, bypass=False)
        proxy = await FaultProxy(http_port).start()
        t0 = (time.time() // 3600 - 48) * 3600
        loggers = Loggers(sts, t0)
        await loggers.connect(hj_port)
        console = ConsoleSession(data_dir / "cache.db")
        applied = AppliedReadings(console)
        console.restore()
        console.connect(f"http://127.0.0.1:{proxy.port}", TOKEN)
        while applied.snapshots == 0:  # first contact before any data: the console has it all
            await asyncio.sleep(0.02)
        async with aiohttp.ClientSession() as session:
            await loggers.advance(INTERVAL_S * 5)  # five minutes of steady state first
            await console.caught_up(*await hub_position(session, http_port))
            proxy.refusing = True
            proxy.cut()
            gap_start = loggers.clock
            if mode == "restart":
                await loggers.close()
                await stop_hub(hub)
                hub, http_port, hj_port = start_hub(data_dir, sts, bypass=False)
                proxy.target_port = http_port
                await loggers.connect(hj_port)
            sent = await loggers.advance(gap_s)
            position = await hub_position(session, http_port)
            welcomed: list[float] = []

            def on_change(change: SessionChange, welcomed: list[float] = welcomed) -> None:
                if isinstance(change.message, protocol.Welcome):
                    welcomed.append(time.monotonic())

            console.changed.subscribe(on_change)
            restored = time.monotonic()
            proxy.refusing = False
            await console.caught_up(*position, timeout=600)
            done = time.monotonic()
            welcome = welcomed[0] if welcomed else restored
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, console.local.writer.flush, 60.0)
        await loggers.close()
        await stop_hub(hub)  # the hub flushes its storage before it exits
        emitted = stored_between(data_dir / "hub.db", gap_start, loggers.clock)
        have = console.local.cache.keys_between(gap_start, loggers.clock)
        result = {
            "gap_s": gap_s,
            "mode": mode,
            "readings_in_gap": len(emitted),
            "frames_sent": sent,
            "reconnect_s": round(welcome - restored, 2),
            "caught_up_s": round(done - welcome, 2),
            "restored_s": round(done - restored, 2),
            "snapshots": applied.snapshots,
            "backfilled": sum(r.applied for r in console.resync.results),
            "lost": len(emitted - have),
            "duplicated": applied.duplicates(),
        }
        await console.close()
        await proxy.close()
    print(f"gap {gap_s:>6.0f} s {mode:>7}: " + ", ".join(f"{k}={v}" for k, v in result.items()), flush=True)
    return result


async def run(args) -> list[dict]:
    sts = [s for s in stations(args.stations, 2)]
    sts = [
        Station(**{**{f: getattr(s, f) for f in s.__struct_fields__}, "interval_s": INTERVAL_S}) for s in sts
    ]
    results = []
    for gap in args.gaps:
        for mode in ("replay", "restart"):
            results.append(await one_gap(sts, gap, mode))
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stations", type=int, default=2000)
    p.add_argument("--gaps", default="10,300,3600", help="gap lengths in seconds of data time")
    args = p.parse_args()
    args.gaps = [float(g) for g in args.gaps.split(",")]
    results = asyncio.run(run(args))
    figures = {}
    for r in results:
        for key in ("reconnect_s", "caught_up_s", "restored_s"):
            figures[f"{r['mode']}_{int(r['gap_s'])}s_{key}"] = r[key]
    figures["lost"] = sum(r["lost"] for r in results)
    figures["duplicated"] = sum(r["duplicated"] for r in results)
    figures["stations"] = args.stations
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
