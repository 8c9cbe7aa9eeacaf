"""Offline start benchmark: how soon the wall paints the cached picture when the hub is unreachable.

First a console runs against the embedded simulated city long enough to fill its cache (``main.py
--snapshot``). Then, for each of --runs fresh processes, a console starts with the same data directory and
a hub address where nothing listens, and the clock runs from process start to:
  numbers   the cached stations are in the store and the situation screen shows the township ranking
            and the network health from them (as the console drew them: this script forces no redraw);
  map       the map page is loaded and has the cached station markers;
  offline   the banner says OFFLINE (after the first failed connection).
``app_start`` is when the console object starts running (imports and Qt set up before it). Each figure
comes with the CPU time the console's process had used by then (``*_cpu``, user + system, its QtWebEngine
helper processes not counted): on a busy machine the wall-clock times stretch, the CPU times much less.
Offscreen Qt platform; three screens.

Usage: python bench/offline_start.py [--runs 3] [--fill-seconds 25] [--data-dir DIR]
``--data-dir`` keeps the filled cache there and reuses it next time (an empty or new folder is filled first).
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "tests" / "qt" / "screens.json"


def _env() -> dict[str, str]:
    return os.environ | {
        "PYTHONPATH": str(ROOT),
        "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}",
        "QTWEBENGINE_DISABLE_SANDBOX": "1",
    }


def fill(data_dir: Path, seconds: float) -> None:
    shots = data_dir / "shots"
    cmd = [sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir), "--snapshot", str(shots),
           "--after", str(seconds), "--lang", "en", "--log-level", "WARNING"]  # fmt: skip
    subprocess.run(cmd, env=_env(), check=True, timeout=seconds + 180)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child(data_dir: Path) -> None:
    """One offline start, in this process; prints a JSON line of times since the process started."""
    import asyncio

    import psutil

    process = psutil.Process()
    started = process.create_time()
    from console.app import ConsoleApp
    from console.runtime import prepare_environment
    from console.settings import Settings

    settings = Settings(data_dir=data_dir, hub_url=f"http://127.0.0.1:{closed_port()}", token="t", lang="en")
    prepare_environment()  # as console.app.main does
    from PySide6 import QtWebEngineWidgets  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.i18n import install_translator
    from console.widgets.theme import apply_theme

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    qapp = QApplication([])
    qapp.setQuitOnLastWindowClosed(False)
    install_translator(qapp, settings.lang)
    apply_theme(qapp, settings.scale)
    app = ConsoleApp(settings)
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = time.time() - started
        cpu = process.cpu_times()
        marks[f"{name}_cpu"] = cpu.user + cpu.system

    async def watch() -> None:
        mark("app_start")
        running = asyncio.ensure_future(app.run())
        while len(marks) < 8 and not running.done() and time.time() - started < 60:
            views = app.views
            if "numbers" not in marks and views and app.session.store.stations:
                situation = views["situation"]  # as the wall's own tick drew it (no flush from here)
                if situation.ranking.ranked_rows() and situation.health.row_count():
                    mark("numbers")
            if "map" not in marks and views and views["map"].map.is_ready and app.session.store.stations:
                mark("map")
            if "offline" not in marks and views and views["map"].banner.link_state() == "offline":
                mark("offline")
            await asyncio.sleep(0.01)
        app._done.set()
        await running

    import qasync

    qasync.run(watch())
    print(json.dumps({k: round(v, 2) for k, v in marks.items()}), flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--fill-seconds", type=float, default=25.0)
    p.add_argument("--data-dir", type=Path, help="keep the filled cache here and reuse it")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        if not (data_dir / "cache.db").exists():
            t = time.monotonic()
            fill(data_dir, args.fill_seconds)
            print(f"cache filled in {time.monotonic() - t:.0f} s", flush=True)
        runs = []
        for n in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--child", str(data_dir)], env=_env(), capture_output=True,
                text=True, timeout=180,
            )  # fmt: skip
            line = next((x for x in reversed(out.stdout.splitlines()) if x.startswith("{")), None)
            if line is None:
                raise SystemExit(f"run {n + 1} failed: {out.stderr[-2000:]}")
            runs.append(json.loads(line))
            print(f"run {n + 1}: " + ", ".join(f"{k} {v} s" for k, v in runs[-1].items()), flush=True)
    figures = {}
    for key in ("app_start", "numbers", "map", "offline"):
        for name, unit in ((key, "s"), (f"{key}_cpu", "s")):
            values = sorted(r[name] for r in runs if name in r)
            if values:
                figures[f"{name}_{unit}_median"] = values[len(values) // 2]
                figures[f"{name}_{unit}_max"] = values[-1]
    figures["runs"] = len(runs)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
