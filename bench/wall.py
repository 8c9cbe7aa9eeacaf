"""Wall benchmark: the console against a hub simulating N stations that all report every second.

The hub (with its simulated loggers) runs in its own processes; the console runs here, offscreen, with the
three wall views on three 1080p screens, exactly as `python main.py --hub ...` builds them.

Figures (after a warm-up):
  frame_ms p50/p99   longest stretch the GUI thread was busy between two turns of the event loop, measured
                     by a 4 ms probe timer (gap between its ticks); ≤ 16.7 ms means a 60 Hz frame was possible
  gui_cpu            CPU time of the GUI thread per wall second (1.0 = one core)
  latency_ms p50/p99 hub publishes a reading (`sent`) that changes a station's marker -> the map page
                     confirms the batch holding that marker is applied (readings that change nothing on
                     the map are not counted)
  rss_mb             the console process's resident set at the end of the measurement (VmRSS: its private
                     memory, plus the pages of shared libraries and of the shared memory it shares with
                     QtWebEngine's helper processes that it has touched); rss_peak_mb its highest (VmHWM);
                     rss_total_mb adds QtWebEngine's helper processes

  unit_latency_ms    with --units: the console applies a `unit` event with a unit's new fix -> the map page
                     confirms the batch holding that unit's marker (fixes_per_s: fixes the console took)

Usage: python bench/wall.py [--stations 2000] [--units 0] [--seconds 30] [--warmup 10] [--runs 1]
The simulated city runs without its fleet of emergency units unless --units N is given; with it, every unit
reports each second (the hub's --unit-interval 1), the issue's load. The units' path alone:
bench/units_map.py; with a relay instead of the hub's fleet: bench/units_wall.py.
With --runs N, N consoles run one after the other, each in a fresh process, and min / median / max of
every figure are printed. The last line printed is one JSON object with every figure.
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={ROOT / 'tests' / 'qt' / 'screens.json'}"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import psutil  # noqa: E402


def start_hub(data_dir: Path, stations: int, units: int = 0) -> tuple[subprocess.Popen, str]:
    """The hub with its simulated city: every station reports each second, and so does every unit (the
    issue's load; real terminals report every 10-30 s)."""
    cmd = [sys.executable, "-m", "console.hub", "--simulate", "--stations", str(stations), "--interval", "1",
           "--units", str(units), *(["--unit-interval", "1"] if units else []),
           "--http-port", "0", "--hj212-port", "0", "--data-dir", str(data_dir), "--token", "bench",
           "--log-level", "WARNING"]  # fmt: skip
    hub = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    line = hub.stdout.readline()
    ports = dict(part.split("=") for part in line.split()[1:3])
    return hub, f"http://127.0.0.1:{ports['http']}"


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1)


class Probe:
    """Event-loop gaps, GUI-thread CPU and hub-to-screen latency, recorded while ``measuring``."""

    def __init__(self, console) -> None:
        from PySide6.QtCore import QTimer

        self.console = console
        self.measuring = False
        self.gaps: list[float] = []
        self.latencies: list[float] = []
        self.latest_sent: dict[str, float] = {}  # station -> hub publish time of its latest reading
        self.pending: dict[str, float] = {}  # station -> publish time of the reading its queued marker shows
        self._last = time.perf_counter()
        self.timer = QTimer(interval=4, timeout=self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.measuring:
            self.gaps.append((now - self._last) * 1000)
        self._last = now

    def on_message(self, message) -> None:
        from console.core import protocol

        if isinstance(message, protocol.Readings) and message.sent:
            for r in message.items:
                self.latest_sent[r.station] = message.sent

    def on_markers(self, states: list) -> None:
        """The view-model handed new markers to the map: they show the latest readings of those stations."""
        for state in states:
            sent = self.latest_sent.get(state.id)
            if sent is not None:
                self.pending[state.id] = sent

    def watch_map(self, map_view) -> None:
        """Note which stations each batch sent to the page holds (instrumentation of MapView._flush)."""
        self.batches: list[list[str]] = []
        flush = map_view._flush

        def recording_flush() -> None:
            ids = list(map_view._pending)
            flush()
            if ids:
                self.batches.append(ids)

        map_view._flush = recording_flush
        map_view._timer.timeout.disconnect()
        map_view._timer.timeout.connect(recording_flush)
        map_view.markers_flushed.connect(self.on_flushed)

    def on_flushed(self, _count: int) -> None:
        now = time.time()
        ids = self.batches.pop(0) if self.batches else []
        for station in ids:
            sent = self.pending.pop(station, None)
            if sent is not None and self.measuring:
                self.latencies.append((now - sent) * 1000)


class UnitProbe:
    """Unit fix -> marker applied on the page: from the moment the console applied the `unit` event that
    brought a unit's newest fix (device times are whole seconds on the wire) to the page confirming the
    batch that held that unit's marker. The hub's publish tick (20 ms) and loopback come before it."""

    def __init__(self, console, fresh_s: float | None = None) -> None:
        self.console = console
        self.fresh_s = fresh_s  # count only fixes this young by their own time (None: every fix)
        self.measuring = False
        self.latencies: list[float] = []
        self.arrived: dict[str, float] = {}  # unit -> when the event with its newest fix was applied
        self.pending: dict[str, float] = {}  # unit -> arrival of the fix its queued marker shows
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
            now = time.time()
            self.fixes += len(message.fixes)
            for fix in message.fixes:
                if self.fresh_s is None or fix.ts > now - self.fresh_s:
                    self.arrived[fix.unit] = now

    def on_markers(self, markers: list) -> None:
        for marker in markers:
            arrived = self.arrived.pop(marker.id, None)
            if arrived is not None:
                self.pending[marker.id] = arrived

    def on_flushed(self, _count: int) -> None:
        now = time.time()
        for unit in self.batches.pop(0) if self.batches else []:
            arrived = self.pending.pop(unit, None)
            if arrived is not None and self.measuring:
                self.latencies.append((now - arrived) * 1000)


async def run(args) -> dict:
    from console.app import ConsoleApp
    from console.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        hub, url = start_hub(Path(tmp) / "hub", args.stations, args.units)
        try:
            settings = Settings(hub_url=url, token="bench", data_dir=Path(tmp) / "console", lang="en")
            console = ConsoleApp(settings)
            running = asyncio.ensure_future(console.run())
            while console.session.link is None or "map" not in console.views:
                await asyncio.sleep(0.1)
            for view in console.views.values():  # a bench makes no noise (the fleet's SOS)
                board = getattr(view, "board", None)
                if board is not None:
                    board.sos.alarm.muted = board.alarm.muted = True
            probe = Probe(console)
            units = UnitProbe(console, fresh_s=60.0)
            console.session.changed.subscribe(lambda change: probe.on_message(change.message))
            console.session.changed.subscribe(lambda change: units.on_message(change.message))
            probe.watch_map(console.views["map"].map)
            console.vm.markers_changed.connect(probe.on_markers)
            await asyncio.sleep(args.warmup)
            me = psutil.Process()
            cpu0, wall0, readings0, fixes0 = (
                time.thread_time(),
                time.monotonic(),
                console.session.store.readings_applied,
                units.fixes,
            )
            probe.measuring = units.measuring = True
            await asyncio.sleep(args.seconds)
            probe.measuring = units.measuring = False
            cpu1, wall1, readings1, fixes1 = (
                time.thread_time(),
                time.monotonic(),
                console.session.store.readings_applied,
                units.fixes,
            )
            rss = me.memory_info().rss
            rss_peak = _peak_rss()
            rss_total = rss + sum(
                c.memory_info().rss for c in me.children(recursive=True) if _is_webengine(c)
            )
            console._done.set()
            await asyncio.wait_for(running, 30)
        finally:
            hub.terminate()
            hub.wait(20)
    return {
        "stations": args.stations,
        "readings_per_s": round((readings1 - readings0) / (wall1 - wall0)),
        "frame_ms_p50": percentile(probe.gaps, 0.50),
        "frame_ms_p99": percentile(probe.gaps, 0.99),
        "gui_cpu": round((cpu1 - cpu0) / (wall1 - wall0), 2),
        "latency_ms_p50": percentile(probe.latencies, 0.50),
        "latency_ms_p99": percentile(probe.latencies, 0.99),
        "latency_samples": len(probe.latencies),
        **(
            {
                "units": args.units,
                "fixes_per_s": round((fixes1 - fixes0) / (wall1 - wall0)),
                "unit_latency_ms_p50": percentile(units.latencies, 0.50),
                "unit_latency_ms_p99": percentile(units.latencies, 0.99),
                "unit_latency_samples": len(units.latencies),
            }
            if args.units
            else {}
        ),
        "load_avg": round(os.getloadavg()[0], 1),
        "rss_mb": round(rss / 2**20),
        "rss_peak_mb": round(rss_peak / 2**20),
        "rss_total_mb": round(rss_total / 2**20),
    }


def _peak_rss() -> int:
    """This process's highest resident set so far (VmHWM), in bytes."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _is_webengine(proc: psutil.Process) -> bool:
    try:
        return "QtWebEngineProcess" in proc.name() or "QtWebEngineProcess" in " ".join(proc.cmdline()[:1])
    except psutil.Error:
        return False


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stations", type=int, default=2000)
    p.add_argument("--units", type=int, default=0, help="units in the simulated fleet (default 0)")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--warmup", type=float, default=10.0)
    p.add_argument("--profile", help="write a cProfile of the GUI thread (whole run) to this file")
    p.add_argument("--runs", type=int, default=1, help="consoles run one after the other, each a new process")
    args = p.parse_args()
    if args.runs > 1:
        run_several(args)
        return
    from console.runtime import prepare_environment

    prepare_environment()  # the console's own process settings (as main.py applies them)
    import qasync
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.widgets.theme import WallScale, apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    apply_theme(app, WallScale())
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    figures = qasync.run(run(args))
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
    for key, value in figures.items():
        print(f"{key:>16}: {value}")
    print(json.dumps(figures))


def run_several(args) -> None:
    """Run the benchmark in ``args.runs`` fresh processes; print each run and min / median / max."""
    one = [sys.executable, __file__, "--stations", str(args.stations), "--seconds", str(args.seconds),
           "--warmup", str(args.warmup), "--units", str(args.units)]  # fmt: skip
    runs = []
    for number in range(1, args.runs + 1):
        output = subprocess.run(one, stdout=subprocess.PIPE, text=True, check=True).stdout
        runs.append(json.loads(output.strip().splitlines()[-1]))
        print(f"run {number}: {json.dumps(runs[-1])}", flush=True)
    summary: dict = {"runs": len(runs), "stations": args.stations}
    for key in [key for key in runs[0] if key != "stations"]:
        values = sorted(run[key] for run in runs if run[key] is not None)
        if values:
            summary[key] = {"min": values[0], "median": statistics.median(values), "max": values[-1]}
        print(f"{key:>16}: {summary.get(key)}")
    print(json.dumps({**summary, "each": runs}))


if __name__ == "__main__":
    main()
