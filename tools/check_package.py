"""Check the frozen build: run it offscreen on three screens with --snapshot and look at the pictures.

Usage: ``.venv/bin/python tools/check_package.py dist/ecoconsole/ecoconsole [KEEP-DIR]`` (``make
package-check``); the snapshots are copied to KEEP-DIR when one is given.
The program must exit 0 and write one PNG per screen, each the screen's size: the situation screen dark with
light text on it, the map screen many colours (boundaries and station markers drawn by QtWebEngine from a
page the frozen map-build child wrote), the action screen not blank. Prints the times and ends with one
JSON line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[1]
SCREENS = ROOT / "tests" / "qt" / "screens.json"
AFTER_S = 20
# The HJ 633 AQI colours the map page paints its station markers in (resources/map/eco_map.js).
AQI_RGB = np.array([(0, 228, 0), (255, 255, 0), (255, 126, 0), (255, 0, 0), (153, 0, 76), (126, 0, 35)])


def pixels(path: Path) -> np.ndarray:
    """The image as an (h, w, 3) array of RGB bytes."""
    image = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, : image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def colours(rgb: np.ndarray) -> int:
    """How many distinct colours a 2-pixel grid over the image holds."""
    sample = rgb[::2, ::2].reshape(-1, 3).astype(np.uint32)
    return len(np.unique(sample[:, 0] << 16 | sample[:, 1] << 8 | sample[:, 2]))


def problems(shot: Path, role: str) -> list[str]:
    """What is wrong with one snapshot ([] when it looks like its screen)."""
    rgb = pixels(shot)
    found = []
    if rgb.shape[:2] != (1080, 1920):
        found.append(f"{shot.name} is {rgb.shape[1]}x{rgb.shape[0]}, not the screen's 1920x1080")
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    if role == "situation":
        if np.median(luma) > 80:
            found.append(f"{shot.name}: background not dark (median luma {np.median(luma):.0f})")
        text = float(np.mean(luma > 160))
        if not 0.002 < text < 0.5:
            found.append(f"{shot.name}: {text:.2%} light pixels, not text on a dark wall")
    if role == "map":
        near = np.abs(rgb[:, :, None, :].astype(int) - AQI_RGB[None, None]).max(axis=3).min(axis=2) < 24
        if near.sum() < 2000:
            found.append(f"{shot.name}: {near.sum()} pixels in AQI colours: no station markers on the map")
    minimum = {"situation": 50, "map": 3000, "action": 50}[role]
    if colours(rgb) < minimum:
        found.append(f"{shot.name}: {colours(rgb)} colours, fewer than {minimum}: blank or unrendered")
    return found


def run(program: Path, out: Path) -> tuple[float, float]:
    """Run the frozen program; return (seconds to the first PNG, seconds to exit)."""
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}"}
    env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    command = [str(program), "--snapshot", str(out), "--after", str(AFTER_S), "--lang", "zh_CN"]
    command += ["--data-dir", str(out / "data"), "--log-level", "WARNING"]
    start = time.monotonic()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    first = None
    while child.poll() is None and time.monotonic() - start < 300:
        if first is None and any(out.glob("*.png")):
            first = time.monotonic() - start
        time.sleep(0.1)  # polls a file another process writes; no signal to wait on across processes
    if child.poll() is None:
        child.kill()
    output = child.communicate()[0]
    if child.returncode != 0:
        sys.exit(f"the frozen program exited {child.returncode}:\n{output[-3000:]}")
    total = time.monotonic() - start
    return (first if first is not None else total), total


def main(argv: list[str]) -> int:
    program = Path(argv[0] if argv else ROOT / "dist" / "ecoconsole" / "ecoconsole").resolve()
    if not program.is_file():
        sys.exit(f"{program} is missing: run `make package` first")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        first, total = run(program, out)
        shots = sorted(out.glob("wall-*.png"))
        roles = ["situation", "map", "action"]
        found = [f"{len(shots)} wall snapshots, not 3"] if len(shots) != 3 else []
        for shot, role in zip(shots, roles, strict=False):
            found += problems(shot, role)
        if len(argv) > 1:
            Path(argv[1]).mkdir(parents=True, exist_ok=True)
            for shot in out.glob("*.png"):
                shutil.copy(shot, argv[1])
    for line in found:
        print("FAIL", line)
    result = {"first_snapshot_s": round(first, 1), "startup_s": round(first - AFTER_S, 1)}
    result["total_s"] = round(total, 1)
    print(f"program: first snapshot after {first:.1f} s (--after {AFTER_S}), exit after {total:.1f} s")
    print(json.dumps({**result, "ok": not found}))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
