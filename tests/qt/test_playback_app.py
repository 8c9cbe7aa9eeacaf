"""The console replaying for real: ``python main.py --open-episode F --snapshot DIR`` renders every wall
window at the replayed moment, with the PLAYBACK banner and the magenta frame, on three screens.

It needs the replay engine (console.core.playback) and its test history (tests/playbackkit.py): skipped
where they are not there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from console.widgets import theme

pytest.importorskip("console.core.playback", reason="the replay engine is not in this build")
playbackkit = pytest.importorskip("tests.playbackkit", reason="the replay engine's test history is not here")

ROOT = Path(__file__).resolve().parents[2]
SCREENS = Path(__file__).with_name("screens.json")


@pytest.fixture(scope="module")
def episode(tmp_path_factory) -> Path:
    """Three hours of one-minute data at four stations, with incidents, as an episode file."""
    from console.hub.episode_export import export_episode

    tmp = tmp_path_factory.mktemp("history")
    storage, _published = playbackkit.build(tmp)
    path = tmp / "three-hours.episode"
    export_episode(storage, playbackkit.T0, playbackkit.T0 + 60 * playbackkit.MINUTES, path)
    storage.close()
    return path


def test_an_episode_replayed_on_three_screens_renders_every_window_at_the_moment(tmp_path, episode) -> None:
    at = playbackkit.T0 + 95 * 60  # in the middle of an outage, incidents open
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": f"offscreen:configfile={SCREENS}"}
    out = tmp_path / "shots"
    command = [sys.executable, "main.py", "--open-episode", str(episode), "--at", f"{at:.0f}"]
    command += ["--snapshot", str(out), "--after", "3", "--lang", "en", "--data-dir", str(tmp_path / "data")]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "start-up: hub" not in done.stderr  # an episode needs no hub
    moment = theme.local_time(at)
    assert f"snapshots of the replayed moment {moment:%Y-%m-%d %H:%M:%S} (UTC+8)" in done.stderr
    shots = sorted(out.glob("wall-*.png"))
    assert len(shots) == len(json.loads(SCREENS.read_text())["screens"])
    for shot in shots:
        image = QImage(str(shot))
        assert (image.width(), image.height()) == (1920, 1080), shot.name
        for x, y in ((3, 540), (1916, 540), (960, 1076)):  # the frame on the left, right and bottom edges
            assert image.pixelColor(x, y).name() == theme.PLAYBACK.lower(), (shot.name, x, y)
