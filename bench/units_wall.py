"""Units on the wall benchmark: the console against a hub with N stations and U units reporting each second.

The hub (with its simulated loggers) runs in its own processes, as in bench/wall.py. The units come from a
relay in another process (aiohttp, real websockets on loopback): it passes the hub's /ws and REST through,
numbers every event anew, puts its units in the snapshot instead of the hub's simulated fleet (whose units
report every 5-10 s; their events are dropped), and publishes `unit` events every 20 ms (the hub's
publish tick) so that each unit reports one fix a second; 5 % of the units fall silent after a while
(stale, then lost). The console runs here, offscreen, with the three wall views on three
1080p screens, exactly as `python main.py --hub ...` builds them.

Figures (after a warm-up):
  frame_ms p50/p99   longest stretch the GUI thread was busy between two turns of the event loop (a 4 ms
                     probe timer's gaps); ≤ 16.7 ms means a 60 Hz frame was possible
  gui_cpu            CPU time of the GUI thread per wall second (1.0 = one core)
  unit_latency_ms    a fix's time (the relay stamps fixes as it publishes them) -> the map page confirms
                     the batch holding that unit's marker is applied
  station_latency_ms the same for station readings (as bench/wall.py)
  fixes_per_s        unit fixes the console applied per second
  cpu_*              cores used by the console process (all its threads), the map's renderer, the hub (with
                     its simulated loggers) and the relay; load_avg the machine's 1-minute load at the end
  rss_mb             the console process's resident set at the end (rss_total_mb adds QtWebEngine's helpers)

Usage: python bench/units_wall.py [--stations 2000] [--units 300] [--seconds 30] [--warmup 10] [--noop-page]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={ROOT / 'tests' / 'qt' / 'screens.json'}"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import psutil  # noqa: E402

TICK_S = 0.02  # the hub's publish tick
BOX = (115.85, 40.38, 116.40, 40.66)  # where units move (the simulated district, WGS-84)
KINDS = ("inspector", "grid_member", "monitoring_van", "sprinkler", "enforcement", "drone", "instrument")


# --- the relay (a child process) -------------------------------------------------------------------------


class Fleet:
    """U units on a random walk inside BOX, each reporting once a second in its own 20 ms slot."""

    def __init__(self, count: int, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.rng = rng
        self.units = [
            {"id": f"U{n:03d}", "name": f"U-{n:03d}", "kind": KINDS[n % len(KINDS)], "team": f"T{n % 6}",
             "lon": rng.uniform(BOX[0], BOX[2]), "lat": rng.uniform(BOX[1], BOX[3]),
             "heading": rng.uniform(0, 360), "silent_after": rng.uniform(20, 60) if n % 20 == 7 else None}
            for n in range(count)
        ]  # fmt: skip
        self.slots = max(1, round(1.0 / TICK_S))
        self.start = time.time()

    def state(self, unit: dict, fix: list | None) -> dict:
        info = {"id": unit["id"], "name": unit["name"], "kind": unit["kind"], "team": unit["team"],
                "source": "sim", "device": unit["id"]}  # fmt: skip
        out: dict = {"info": info, "status": "available", "version": 1}
        if fix is not None:
            out["last"] = fix
        return out

    def snapshot_units(self) -> list[dict]:
        return [self.state(u, None) for u in self.units]

    def due(self, slot: int) -> tuple[list[dict], list[list]]:
        """States and fixes of the units whose slot this is: moved a step, stamped now."""
        now = time.time()
        states, fixes = [], []
        for unit in self.units[slot :: self.slots]:
            if unit["silent_after"] is not None and now - self.start > unit["silent_after"]:
                continue
            unit["heading"] = (unit["heading"] + self.rng.uniform(-20, 20)) % 360
            step = 0.00015  # about 15 m a second
            unit["lon"] += step * math.sin(math.radians(unit["heading"]))
            unit["lat"] += step * math.cos(math.radians(unit["heading"]))
            if not (BOX[0] < unit["lon"] < BOX[2] and BOX[1] < unit["lat"] < BOX[3]):
                unit["heading"] = (unit["heading"] + 180) % 360
            fix = [
                unit["id"],
                now,
                round(unit["lat"], 6),
                round(unit["lon"], 6),
                54.0,
                unit["heading"],
                True,
                [],
            ]
            states.append(self.state(unit, fix))
            fixes.append(fix)
        return states, fixes


async def relay_main(upstream: str, units: int) -> None:
    """Serve /ws and REST on a free loopback port (printed), relaying the hub and adding units."""
    import aiohttp
    from aiohttp import web

    fleet = Fleet(units)
    session = aiohttp.ClientSession()

    async def rest(request: web.Request) -> web.StreamResponse:
        async with session.request(
            request.method, upstream + request.rel_url.path_qs, headers=request.headers,
            data=await request.read(),
        ) as resp:  # fmt: skip
            body = await resp.read()
            return web.Response(body=body, status=resp.status, content_type=resp.content_type)

    async def ws(request: web.Request) -> web.WebSocketResponse:
        client = web.WebSocketResponse(max_msg_size=0)
        await client.prepare(request)
        hello = json.loads((await client.receive()).data)
        hello.pop("resume", None)  # a new numbering: the console starts from a snapshot
        hub = await session.ws_connect(upstream.replace("http", "ws", 1) + "/ws", max_msg_size=0)
        await hub.send_str(json.dumps(hello))
        numbering = {"seq": 0, "epoch": "", "live": False}
        lock = asyncio.Lock()

        async def send(message: dict) -> None:
            async with lock:  # one numbering, in the order sent
                if "seq" in message and message["type"] not in ("heartbeat", "welcome"):
                    numbering["seq"] += 1
                    message["seq"] = numbering["seq"]
                elif "seq" in message:
                    message["seq"] = numbering["seq"]
                await client.send_str(json.dumps(message))

        async def units_loop() -> None:
            slot = 0
            next_at = time.monotonic()
            while not client.closed:
                next_at += TICK_S
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
                if numbering["live"]:
                    states, fixes = fleet.due(slot % fleet.slots)
                    message = {"type": "unit", "epoch": numbering["epoch"], "seq": 0, "units": states,
                               "fixes": fixes}  # fmt: skip
                    try:
                        await send(message) if fixes else None
                    except (ConnectionError, aiohttp.ClientError):
                        return  # the console went away
                slot += 1

        task = asyncio.ensure_future(units_loop())
        try:
            await relay(hub, send, numbering)
        except (ConnectionError, aiohttp.ClientError):
            pass  # the console went away (the end of a run)
        finally:
            task.cancel()
            await hub.close()
            await client.close()
        return client

    async def relay(hub, send, numbering: dict) -> None:
        async for frame in hub:
            if frame.type != aiohttp.WSMsgType.TEXT:
                break
            message = json.loads(frame.data)
            if message["type"] == "unit":
                continue  # the hub's own simulated fleet (a fix every 5-10 s): the relay's units stand in
            if message["type"] == "welcome":
                numbering["epoch"] = message["epoch"]
            elif message["type"] == "snapshot":
                message["units"] = fleet.snapshot_units()
                numbering["live"] = True
            await send(message)

    app = web.Application(client_max_size=64 * 2**20)
    app.router.add_get("/ws", ws)
    app.router.add_route("*", "/{tail:.*}", rest)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"relay http={site._server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def start_relay(upstream: str, units: int) -> tuple[subprocess.Popen, str]:
    cmd = [sys.executable, __file__, "--relay", upstream, "--units", str(units)]
    relay = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    port = relay.stdout.readline().split("=")[1].strip()
    return relay, f"http://127.0.0.1:{port}"


# --- the console (this process) --------------------------------------------------------------------------


class UnitProbe:
    """Fix time -> marker applied on the page, for every unit whose marker a batch carried."""

    def __init__(self, console) -> None:
        self.console = console
        self.measuring = False
        self.latencies: list[float] = []
        self.pending: dict[str, float] = {}  # unit -> time of the fix its queued marker shows
        self.batches: list[list[str]] = []
        self.fixes = 0
        map_view = console.views["map"].map
        flush = map_view._flush

        def recording_flush() -> None:
            ids = list(map_view._units._rows)
            flush()
            if ids:
                self.batches.append(ids)

        map_view._flush = recording_flush
        map_view._timer.timeout.disconnect()
        map_view._timer.timeout.connect(recording_flush)
        map_view.units_flushed.connect(self.on_flushed)
        console.units.markers_changed.connect(self.on_markers)

    def on_message(self, message) -> None:
        from console.core import protocol

        if isinstance(message, protocol.UnitEvent):
            self.fixes += len(message.fixes)

    def on_markers(self, markers: list) -> None:
        book = self.console.session.units
        for marker in markers:
            state = book.get(marker.id)
            if state is not None and state.last is not None and state.last.ts > time.time() - 5:
                self.pending[marker.id] = state.last.ts

    def on_flushed(self, _count: int) -> None:
        now = time.time()
        for unit in self.batches.pop(0) if self.batches else []:
            ts = self.pending.pop(unit, None)
            if ts is not None and self.measuring:
                self.latencies.append((now - ts) * 1000)


async def run(args) -> dict:
    from wall import Probe, _is_webengine, _peak_rss, percentile, start_hub

    from console.app import ConsoleApp
    from console.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        hub, hub_url = start_hub(Path(tmp) / "hub", args.stations)
        relay, url = start_relay(hub_url, args.units)
        try:
            settings = Settings(hub_url=url, token="bench", data_dir=Path(tmp) / "console", lang="en")
            console = ConsoleApp(settings)
            running = asyncio.ensure_future(console.run())
            while console.session.link is None or "map" not in console.views:
                await asyncio.sleep(0.1)
            for view in console.views.values():  # a bench makes no noise
                board = getattr(view, "board", None)
                if board is not None:
                    board.sos.alarm.muted = board.alarm.muted = True
            if args.noop_page:  # the page takes the batches but never redraws: what its redraws cost
                map_view = console.views["map"].map
                noop = "ecoUnits.update = function (rows) { return rows.length; }"
                map_view.ready.connect(lambda: map_view.evaluate(noop, lambda _r: None))
                if map_view.is_ready:
                    map_view.evaluate(noop, lambda _r: None)
            probe = Probe(console)
            units = UnitProbe(console)
            console.session.changed.subscribe(lambda change: probe.on_message(change.message))
            console.session.changed.subscribe(lambda change: units.on_message(change.message))
            probe.watch_map(console.views["map"].map)
            console.vm.markers_changed.connect(probe.on_markers)
            await asyncio.sleep(args.warmup)
            me = psutil.Process()
            procs = _processes(me, hub, relay)
            busy0 = _busy(procs)
            cpu0, wall0, fixes0 = time.thread_time(), time.monotonic(), units.fixes
            probe.measuring = units.measuring = True
            await asyncio.sleep(args.seconds)
            probe.measuring = units.measuring = False
            cpu1, wall1, fixes1 = time.thread_time(), time.monotonic(), units.fixes
            busy1 = _busy(procs)
            rss = me.memory_info().rss
            rss_peak = _peak_rss()
            rss_total = rss + sum(
                c.memory_info().rss for c in me.children(recursive=True) if _is_webengine(c)
            )
            shown = len(console.session.units.units)
            console._done.set()
            await asyncio.wait_for(running, 30)
        finally:
            for child in (relay, hub):
                child.terminate()
                child.wait(20)
    return {
        "stations": args.stations,
        "units": args.units,
        "units_known": shown,
        "fixes_per_s": round((fixes1 - fixes0) / (wall1 - wall0)),
        "frame_ms_p50": percentile(probe.gaps, 0.50),
        "frame_ms_p99": percentile(probe.gaps, 0.99),
        "gui_cpu": round((cpu1 - cpu0) / (wall1 - wall0), 2),
        "unit_latency_ms_p50": percentile(units.latencies, 0.50),
        "unit_latency_ms_p99": percentile(units.latencies, 0.99),
        "unit_latency_samples": len(units.latencies),
        "station_latency_ms_p50": percentile(probe.latencies, 0.50),
        "station_latency_ms_p99": percentile(probe.latencies, 0.99),
        **{f"cpu_{name}": round((busy1[name] - busy0[name]) / (wall1 - wall0), 2) for name in busy0},
        "load_avg": round(os.getloadavg()[0], 1),
        "rss_mb": round(rss / 2**20),
        "rss_peak_mb": round(rss_peak / 2**20),
        "rss_total_mb": round(rss_total / 2**20),
    }


def _processes(me: psutil.Process, hub: subprocess.Popen, relay: subprocess.Popen) -> dict:
    """The processes whose CPU the figures split: the console, its map renderer, the hub (with its
    simulator) and the relay."""
    from wall import _is_webengine

    hub_proc = psutil.Process(hub.pid)
    return {
        "console": [me],
        "map_renderer": [c for c in me.children(recursive=True) if _is_webengine(c)],
        "hub": [hub_proc, *hub_proc.children(recursive=True)],
        "relay": [psutil.Process(relay.pid)],
    }


def _busy(procs: dict) -> dict:
    out = {}
    for name, members in procs.items():
        total = 0.0
        for proc in members:
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        out[name] = total
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stations", type=int, default=2000)
    p.add_argument("--units", type=int, default=300)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--noop-page", action="store_true", help="the page counts unit batches, never redraws")
    p.add_argument("--relay", help=argparse.SUPPRESS)  # run as the relay in front of this hub URL
    args = p.parse_args()
    if args.relay:
        asyncio.run(relay_main(args.relay, args.units))
        return
    from console.runtime import prepare_environment

    prepare_environment()
    import qasync
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.widgets.theme import WallScale, apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, WallScale())
    figures = qasync.run(run(args))
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
