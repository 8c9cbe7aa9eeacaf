"""Replay a stretch of a hub's history on the console's windows and save them as PNGs as it plays.

    QT_QPA_PLATFORM=offscreen:configfile=tests/qt/screens.json \\
    .venv/bin/python tools/playback_shots.py --hub ws://127.0.0.1:8765/ws --token T \\
        --at 2015-11-26T00:00+08:00 --speed 3600 --every 20 --shots 4 --out /tmp/replay [--lang zh_CN]

The console starts as ``python main.py --playback`` does, presses play, and every ``--every`` real seconds
saves every wall window and the dispatch desk (``replay-<n>-wall-<k>.png``, ``replay-<n>-dispatch.png``).
It prints the replayed moment of each set and, last, one line of JSON: the frames the replay timer ran,
their handling time (engine tick and redraw requests) p50/p99, the gaps between frames p50/p99, and the
replayed hours covered per real second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.app import ConsoleApp
from console.runtime import create_application, prepare_environment
from console.settings import parse_settings


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


class FrameMeter:
    """Times the replay view-model's frame handler (the engine's tick and the signals it sends)."""

    def __init__(self, vm) -> None:
        self.handling: list[float] = []
        self.starts: list[float] = []
        original = vm._on_frame

        def timed() -> None:
            began = time.perf_counter()
            original()
            self.starts.append(began)
            self.handling.append((time.perf_counter() - began) * 1000)

        vm._frames.timeout.disconnect()
        vm._frames.timeout.connect(timed)

    def figures(self) -> dict[str, float]:
        gaps = [(b - a) * 1000 for a, b in zip(self.starts, self.starts[1:], strict=False)]
        return {
            "frames": len(self.handling),
            "frame_handling_ms_p50": round(percentile(self.handling, 50), 2),
            "frame_handling_ms_p99": round(percentile(self.handling, 99), 2),
            "frame_gap_ms_p50": round(percentile(gaps, 50), 2),
            "frame_gap_ms_p99": round(percentile(gaps, 99), 2),
        }


async def drive(console: ConsoleApp, out: Path, every: float, shots: int) -> dict[str, float]:
    running = asyncio.ensure_future(console.run())
    while not console.playback_vm.active:
        if running.done():
            running.result()
        await asyncio.sleep(0.1)
    await asyncio.sleep(3)  # the map page
    meter = FrameMeter(console.playback_vm)
    first = console.playback.state().at
    began = time.monotonic()
    console.playback_vm.play()
    out.mkdir(parents=True, exist_ok=True)
    for n in range(1, shots + 1):
        await asyncio.sleep(every)
        console.vm.flush()
        console.incidents.flush()
        await asyncio.sleep(0.3)
        windows = [(f"wall-{k}", w) for k, w in enumerate(console.windows.windows, 1)]
        if console.desk.window is not None and console.desk.window.isVisible():
            windows.append(("dispatch", console.desk.window))
        for name, window in windows:
            window.grab().save(str(out / f"replay-{n}-{name}.png"))
        at = console.playback.state().at
        print(f"set {n}: replayed {time.strftime('%Y-%m-%d %H:%M', time.gmtime(at + 8 * 3600))} (UTC+8)")
    covered = console.playback.state().at - first
    elapsed = time.monotonic() - began
    console._done.set()
    await running
    figures = meter.figures()
    figures["replayed_hours_per_s"] = round(covered / 3600 / elapsed, 2)
    figures["stalls"] = getattr(console.playback, "stalls", 0)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--every", type=float, default=20.0, help="real seconds between sets of shots")
    parser.add_argument("--shots", type=int, default=3, help="sets of shots")
    args, console_args = parser.parse_known_args()
    settings = parse_settings([*console_args, "--playback"])
    prepare_environment(settings.map_gpu)
    import qasync

    app = create_application(settings)
    console = ConsoleApp(settings)
    figures = qasync.run(drive(console, args.out, args.every, args.shots))
    print(json.dumps(figures))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
