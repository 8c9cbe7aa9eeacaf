"""Units on the map alone: the wall's map view (real offscreen QtWebEngine, 2,000 stations drawn) fed with U
units reporting each second, in this process, with no hub: what the units themselves cost the GUI thread.

bench/units_wall.py measures the whole console against a real hub; on a shared machine its figures are
dominated by the hub and the other processes. This one isolates the units' path: protocol decode -> unit
book -> view-model (20 Hz) -> map batches -> the page.

Figures (after a 5 s warm-up):
  frame_ms p50/p99   gaps of a 4 ms probe timer on the GUI thread (≤ 16.7 ms: a 60 Hz frame was possible)
  frames_over_16ms   how many gaps were longer than a 60 Hz frame
  gui_cpu_ms_per_s   GUI-thread CPU per wall second
  renderer_cpu_ms_per_s  CPU of QtWebEngine's helper processes (the map page's renderer) per wall second
  latency_ms         a fix's time -> the page confirms the batch holding that unit's marker
  batches_per_s      unit batches that reached the page
  canvas_*           the page's canvas redraws a second and the megapixels they cleared and drew again

Usage: python bench/units_map.py [--units 300] [--seconds 20] [--history 200] [--sos 0] [--profile FILE];
--noop-page replaces the page's update with a function that only counts (what the page's redraws cost, by
difference). The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 1) if ordered else None


def history(fleet, seconds: int) -> list[list]:
    """Each unit's fixes of the last ``seconds`` (one a second), walking back from where it is now."""
    import math

    now, fixes = time.time(), []
    for unit in fleet.units:
        lon, lat, heading = unit["lon"], unit["lat"], unit["heading"]
        for k in range(seconds, 0, -1):
            heading = (heading + fleet.rng.uniform(-20, 20)) % 360
            lon -= 0.00015 * math.sin(math.radians(heading))
            lat -= 0.00015 * math.cos(math.radians(heading))
            fixes.append([unit["id"], now - k, round(lat, 6), round(lon, 6), 54.0, heading, True, []])
    fixes.sort(key=lambda f: (f[0], f[1]))
    return fixes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--units", type=int, default=300)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--noop-page", action="store_true")
    p.add_argument(
        "--history", type=int, default=200, help="seconds of trail each unit has when the measurement starts"
    )
    p.add_argument("--sos", type=int, default=0, help="units that report SOS (their halos pulse)")
    p.add_argument("--profile", help="write a cProfile of the GUI thread (whole run) to this file")
    args = p.parse_args()
    from console.runtime import prepare_environment

    prepare_environment()
    import psutil
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    from units_wall import TICK_S, Fleet

    from console.core import protocol
    from console.core.clock import LiveClock
    from console.core.incident_book import IncidentBook
    from console.core.store import Store
    from console.core.unit_book import UnitBook
    from console.sim.network import build_network
    from console.sim.regions import PRESETS, boundary_geojson
    from console.viewmodels.units import UnitViewModel
    from console.viewmodels.wall import WallViewModel
    from console.views.screens import MapScreenView
    from console.views.shutdown import close_application
    from console.widgets.map_view import MapView

    fleet = Fleet(args.units)
    clock = LiveClock()
    book = UnitBook(clock.now)
    vm = UnitViewModel(book, IncidentBook(clock.now))
    map_view = MapView(cache_dir=Path(tempfile.mkdtemp(prefix="units-map-")))
    view = MapScreenView(WallViewModel(Store(), clock=clock), map_view, units=vm)
    view.resize(1920, 1080)
    view.show()
    run = {"measuring": False, "seq": 1, "slot": 0, "flushed": 0}
    gaps: list[float] = []
    latencies: list[float] = []
    pending: dict[str, float] = {}
    batches: list[list[str]] = []
    last = [time.perf_counter()]

    def probe() -> None:
        now = time.perf_counter()
        if run["measuring"]:
            gaps.append((now - last[0]) * 1000)
        last[0] = now

    flush = map_view._flush

    def recording_flush() -> None:  # which units each batch to the page holds
        ids = list(map_view._units._rows)
        flush()
        if ids:
            batches.append(ids)

    map_view._flush = recording_flush
    map_view._timer.timeout.disconnect()
    map_view._timer.timeout.connect(recording_flush)

    def on_markers(markers: list) -> None:
        for marker in markers:
            state = book.get(marker.id)
            if state is not None and state.last is not None:
                pending[marker.id] = state.last.ts

    def on_flushed(_count: int) -> None:
        now = time.time()
        run["flushed"] += run["measuring"]
        for unit in batches.pop(0) if batches else []:
            ts = pending.pop(unit, None)
            if ts is not None and run["measuring"]:
                latencies.append((now - ts) * 1000)

    def feed() -> None:
        states, fixes = fleet.due(run["slot"] % fleet.slots)
        for fix in fixes:
            if int(fix[0][1:]) < args.sos:
                fix[7] = ["sos"]
        run["slot"] += 1
        run["seq"] += 1
        event = {"type": "unit", "epoch": "e", "seq": run["seq"], "units": states, "fixes": fixes}
        vm.on_changes(book.apply(protocol.decode_hub(json.dumps(event))))

    def start() -> None:
        if args.noop_page:
            map_view.evaluate("ecoUnits.update = function (rows) { return rows.length; }", lambda _r: None)
        snapshot = {"type": "snapshot", "epoch": "e", "seq": 1, "stations": [], "latest": [], "status": [],
                    "units": fleet.snapshot_units()}  # fmt: skip
        vm.on_changes(book.apply(protocol.decode_hub(json.dumps(snapshot))))
        if args.history:  # trails as long as a unit reporting each second has after a while
            event = {"type": "unit", "epoch": "e", "seq": 2, "fixes": history(fleet, args.history)}
            vm.on_changes(book.apply(protocol.decode_hub(json.dumps(event))))
            run["seq"] = 2
        feeder.start()
        QTimer.singleShot(5000, measure)

    def renderer_cpu() -> float:
        """CPU seconds of the map's renderer and QtWebEngine's other helper processes so far."""
        total = 0.0
        for child in psutil.Process().children(recursive=True):
            try:
                total += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return total

    def note_redrawn(key: str) -> None:  # the page's canvas work: redraws and pixels drawn again
        map_view.evaluate("ecoUnits.state().redrawn", lambda value: run.__setitem__(key, value))

    def measure() -> None:
        note_redrawn("redrawn0")
        run["measuring"] = True
        run["t0"] = (time.thread_time(), time.monotonic())
        run["r0"] = renderer_cpu()
        QTimer.singleShot(int(args.seconds * 1000), done)

    def done() -> None:
        note_redrawn("redrawn1")
        QTimer.singleShot(300, finish)

    def finish() -> None:
        run["measuring"] = False
        cpu0, wall0 = run["t0"]
        r0, r1 = run.get("redrawn0") or {"frames": 0, "px": 0}, run.get("redrawn1") or {"frames": 0, "px": 0}
        wall = time.monotonic() - wall0
        run["figures"] = {
            "units": args.units,
            "sos": args.sos,
            "history_s": args.history,
            "noop_page": args.noop_page,
            "frame_ms_p50": percentile(gaps, 0.5),
            "frame_ms_p99": percentile(gaps, 0.99),
            "frames_over_16ms": sum(g > 16.7 for g in gaps),
            "gui_cpu_ms_per_s": round((time.thread_time() - cpu0) / wall * 1000, 1),
            "renderer_cpu_ms_per_s": round((renderer_cpu() - run["r0"]) / wall * 1000, 1),
            "latency_ms_p50": percentile(latencies, 0.5),
            "latency_ms_p99": percentile(latencies, 0.99),
            "latency_samples": len(latencies),
            "batches_per_s": round(run["flushed"] / wall, 1),
            "canvas_redraws_per_s": round((r1["frames"] - r0["frames"]) / wall, 1),
            "canvas_mpx_per_s": round((r1["px"] - r0["px"]) / wall / 1e6, 2),
            "load_avg": round(os.getloadavg()[0], 1),
        }
        app.quit()

    timer = QTimer(interval=4, timeout=probe)
    timer.start()
    feeder = QTimer(interval=round(TICK_S * 1000), timeout=feed)
    vm.markers_changed.connect(on_markers)
    map_view.units_flushed.connect(on_flushed)
    map_view.ready.connect(start)
    stations = [s.station for s in build_network(PRESETS["yanqing"], seed=1, total=2000)]
    map_view.load_map(boundary_geojson(PRESETS["yanqing"]), stations)
    QTimer.singleShot(int((args.seconds + 90) * 1000), app.quit)
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    app.exec()
    if args.profile:
        profiler.disable()
        profiler.dump_stats(args.profile)
    view.close()
    close_application(app)
    figures = run.get("figures", {})
    for key, value in figures.items():
        print(f"{key:>18}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
