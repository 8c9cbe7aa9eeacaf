"""The wall re-homes its windows when a monitor is unplugged and plugged back, on a real X server.

Xorg with the dummy video driver exposes 16 RandR outputs (DUMMY0..DUMMY15). Three of them are switched
on side by side (5760x1080 desktop); ``xrandr --output DUMMYn --off`` unplugs one at run time and
``--mode ... --pos ...`` plugs it back, and Qt's xcb platform reports that as real screenRemoved /
screenAdded signals — no mock of QGuiApplication.screens().

The rest of the session runs on the offscreen platform, so each scenario runs in a child Python process
(tests/qt/screens_child.py) with QT_QPA_PLATFORM=xcb and DISPLAY set to the test's own server.

Needs the Debian packages xserver-xorg-core, xserver-xorg-video-dummy and x11-xserver-utils (xrandr), plus
the xcb runtime libraries listed in the README; the Xorg tests skip when the server or driver is missing.
"""

from __future__ import annotations

import glob
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHILD = Path(__file__).with_name("screens_child.py")
ROOT = Path(__file__).resolve().parents[2]
MODE = "1920x1080"
OUTPUTS = ("DUMMY0", "DUMMY1", "DUMMY2")  # left, middle, right
START_TIMEOUT_S = 30
CHILD_TIMEOUT_S = 90

XORG_CONF = f"""\
Section "ServerFlags"
    Option "AutoAddDevices" "false"
    Option "AutoAddGPU" "false"
    Option "DontVTSwitch" "true"
EndSection
Section "Device"
    Identifier "dummy"
    Driver "dummy"
    VideoRam 256000
EndSection
Section "Monitor"
    Identifier "monitor"
    HorizSync 5.0 - 1000.0
    VertRefresh 5.0 - 200.0
EndSection
Section "Screen"
    Identifier "screen"
    Device "dummy"
    Monitor "monitor"
    DefaultDepth 24
    SubSection "Display"
        Depth 24
        Virtual 5760 1080
        Modes "{MODE}"
    EndSubSection
EndSection
"""


def _xorg_binary() -> str | None:
    # The real server, not Debian's /usr/bin/Xorg shell wrapper: with xserver-xorg-legacy installed that
    # wrapper runs the setuid Xorg.wrap, which refuses non-console users.
    for candidate in ("/usr/lib/xorg/Xorg", "/usr/libexec/Xorg"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("Xorg")


def _dummy_driver_installed() -> bool:
    patterns = (
        "/usr/lib/xorg/modules/drivers",
        "/usr/lib64/xorg/modules/drivers",
        "/usr/lib/*/xorg/modules/drivers",
    )
    return any(glob.glob(f"{p}/dummy_drv.so") for p in patterns)


class DummyXorg:
    """An Xorg server with the dummy driver on a display number it picked itself (-displayfd)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.log = workdir / "Xorg.log"
        self.proc: subprocess.Popen | None = None
        self.display = ""
        self.startup_s = 0.0

    def start(self, xorg: str) -> None:
        conf = self.workdir / "xorg.conf"
        conf.write_text(XORG_CONF)
        # -configdir replaces /etc/X11/xorg.conf.d (the machine's own snippets); Xorg ignores an empty one
        snippets = self.workdir / "xorg.conf.d"
        snippets.mkdir()
        (snippets / "00-none.conf").write_text("# nothing: the test's xorg.conf says it all\n")
        read_fd, write_fd = os.pipe()
        started = time.monotonic()
        args = ["-displayfd", str(write_fd), "-config", str(conf), "-configdir", str(snippets)]
        args += ["-noreset", "-nolisten", "tcp", "-logfile", str(self.log)]
        with open(self.workdir / "Xorg.stderr", "wb") as stderr:
            self.proc = subprocess.Popen(
                [xorg, *args],
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
        os.close(write_fd)
        number = b""
        with os.fdopen(read_fd, "rb") as pipe:
            while not number.endswith(b"\n"):
                ready, _, _ = select.select(
                    [pipe], [], [], max(0, START_TIMEOUT_S - (time.monotonic() - started))
                )
                chunk = pipe.read1(16) if ready else b""
                if not chunk:
                    self.stop()
                    pytest.fail(f"Xorg did not start:\n{self.tail()}")
                number += chunk
        self.display = f":{int(number)}"
        self.startup_s = time.monotonic() - started

    def xrandr(self, *args: str) -> str:
        done = subprocess.run(
            ["xrandr", "-d", self.display, *args], capture_output=True, text=True, timeout=20, check=False
        )
        if done.returncode:
            pytest.fail(f"xrandr {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def three_monitors(self) -> None:
        """Switch DUMMY0..2 on, left to right, DUMMY0 primary."""
        args = ["--fb", "5760x1080"]
        for n, output in enumerate(OUTPUTS):
            args += ["--output", output, "--mode", MODE, "--pos", f"{1920 * n}x0"]
        self.xrandr(*args, "--output", OUTPUTS[0], "--primary")
        monitors = self.xrandr("--listmonitors")
        if not monitors.startswith("Monitors: 3"):
            pytest.fail(f"expected three monitors, xrandr says:\n{monitors}")

    def tail(self) -> str:
        parts = []
        for path in (self.workdir / "Xorg.stderr", self.log):
            if path.exists():
                parts.append("\n".join(path.read_text(errors="replace").splitlines()[-25:]))
        return "\n".join(parts)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def xorg(tmp_path_factory):
    binary = _xorg_binary()
    if binary is None:
        pytest.skip("Xorg is not installed (Debian: xserver-xorg-core xserver-xorg-video-dummy)")
    if not _dummy_driver_installed():
        pytest.skip("the Xorg dummy video driver is not installed (Debian: xserver-xorg-video-dummy)")
    if shutil.which("xrandr") is None:
        pytest.skip("xrandr is not installed (Debian: x11-xserver-utils)")
    server = DummyXorg(tmp_path_factory.mktemp("xorg"))
    server.start(binary)
    try:
        outputs = server.xrandr()
        for output in OUTPUTS[1:]:
            if f"\n{output} " not in outputs:
                pytest.fail(f"the dummy driver offers no output {output}:\n{outputs}")
            server.xrandr("--addmode", output, MODE)
        yield server
    finally:
        server.stop()


def run_child(env_changes: dict[str, str], commands: dict[str, list[str]]) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORMTHEME")}
    env.update(env_changes)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, str(CHILD), json.dumps(commands)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        pytest.fail(f"the wall process failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    if done.returncode or result["errors"]:
        pytest.fail(f"the wall process failed (exit {done.returncode}): {result['errors']}\n{done.stderr}")
    return result


def unplug_scenario(server: DummyXorg, output: str, replug: list[str]) -> dict:
    server.three_monitors()
    xrandr = ["xrandr", "-d", server.display]
    return run_child(
        {"QT_QPA_PLATFORM": "xcb", "DISPLAY": server.display},
        {"remove": [*xrandr, "--output", output, "--off"], "add": [*xrandr, *replug]},
    )


@pytest.fixture(scope="module")
def middle_unplugged(xorg) -> dict:
    """Unplug the middle monitor (the map's), then plug it back where it was."""
    return unplug_scenario(xorg, "DUMMY1", ["--output", "DUMMY1", "--mode", MODE, "--pos", "1920x0"])


@pytest.fixture(scope="module")
def left_unplugged(xorg) -> dict:
    """Unplug the left, primary monitor: xrandr then shifts the other two left to keep the desktop at 0,0."""
    replug = []
    for n, output in enumerate(OUTPUTS):
        replug += ["--output", output, "--mode", MODE, "--pos", f"{1920 * n}x0"]
    return unplug_scenario(xorg, "DUMMY0", replug)


# --- helpers on a snapshot printed by the child --------------------------------------------------------


def screen_names(snap: dict) -> list[str]:
    return [s["name"] for s in snap["screens"]]


def assert_windows_on_distinct_screens(snap: dict, count: int) -> None:
    windows = snap["windows"]
    assert len(windows) == count, windows
    assert sorted(w["screen"] for w in windows) == sorted(screen_names(snap)[:count]), windows
    assert len({w["screen"] for w in windows}) == count, windows


def assert_windows_cover_their_screens(snap: dict) -> None:
    geometry = {s["name"]: s["geometry"] for s in snap["screens"]}
    for window in snap["windows"]:
        assert window["exposed"], window
        assert window["screen_at_centre"] == window["screen"], window
        assert window["geometry"] == geometry[window["screen"]], window


def assert_every_view_shown(snap: dict) -> None:
    windows = {w["name"]: w["screen"] for w in snap["windows"]}
    for name, view in snap["views"].items():
        assert view["visible"], f"view {name} is hidden: {view}"
        assert view["window"] in windows, f"view {name} is not in a shown wall window: {view}"
        assert view["screen"] == windows[view["window"]], view
        assert view["screen"] in screen_names(snap), f"view {name} is on a screen that is gone: {view}"


def views_by_screen(snap: dict) -> dict[str, str]:
    return {name: view["screen"] for name, view in snap["views"].items()}


# --- the tests ------------------------------------------------------------------------------------------


def test_three_monitors_get_three_windows_left_to_right(middle_unplugged):
    start = middle_unplugged["snapshots"]["start"]
    assert screen_names(start) == ["DUMMY0", "DUMMY1", "DUMMY2"]
    assert_windows_on_distinct_screens(start, 3)
    assert_windows_cover_their_screens(start)
    assert_every_view_shown(start)
    assert views_by_screen(start) == {"situation": "DUMMY0", "map": "DUMMY1", "action": "DUMMY2"}


def test_unplugging_a_monitor_moves_its_view_to_a_remaining_one(middle_unplugged):
    signals = [(s["signal"], s["screen"]) for s in middle_unplugged["signals"]]
    assert signals[0] == ("screenRemoved", "DUMMY1")
    removed = middle_unplugged["snapshots"]["removed"]
    assert screen_names(removed) == ["DUMMY0", "DUMMY2"]
    assert_windows_on_distinct_screens(removed, 2)
    assert_windows_cover_their_screens(removed)
    assert_every_view_shown(removed)  # none lost: the map left DUMMY1 for a screen that still exists
    assert views_by_screen(removed) == {"situation": "DUMMY0", "map": "DUMMY2", "action": "DUMMY2"}


def test_plugging_it_back_gives_three_windows_again(middle_unplugged):
    signals = [(s["signal"], s["screen"]) for s in middle_unplugged["signals"]]
    assert signals == [("screenRemoved", "DUMMY1"), ("screenAdded", "DUMMY1")]
    added = middle_unplugged["snapshots"]["added"]
    assert sorted(screen_names(added)) == ["DUMMY0", "DUMMY1", "DUMMY2"]
    assert_windows_on_distinct_screens(added, 3)
    assert_windows_cover_their_screens(added)
    assert_every_view_shown(added)


def test_plugging_it_back_restores_the_left_to_right_layout(middle_unplugged):
    added = middle_unplugged["snapshots"]["added"]
    assert views_by_screen(added) == {"situation": "DUMMY0", "map": "DUMMY1", "action": "DUMMY2"}


def test_unplugging_the_primary_monitor_loses_no_view(left_unplugged):
    signals = [(s["signal"], s["screen"]) for s in left_unplugged["signals"]]
    assert signals == [("screenRemoved", "DUMMY0"), ("screenAdded", "DUMMY0")]
    removed = left_unplugged["snapshots"]["removed"]
    assert screen_names(removed) == ["DUMMY1", "DUMMY2"]
    assert len(removed["windows"]) == 2
    for name, view in removed["views"].items():
        assert view["visible"] and view["window"], f"view {name} lost: {view}"
    added = left_unplugged["snapshots"]["added"]
    assert screen_names(added) == ["DUMMY0", "DUMMY1", "DUMMY2"]  # the primary comes first again
    assert len(added["windows"]) == 3
    for name, view in added["views"].items():
        assert view["visible"] and view["window"], f"view {name} lost: {view}"


def test_unplugging_the_primary_monitor_keeps_every_window_on_a_screen(left_unplugged):
    removed = left_unplugged["snapshots"]["removed"]
    assert_windows_on_distinct_screens(removed, 2)
    assert_windows_cover_their_screens(removed)
    assert_every_view_shown(removed)


def test_plugging_the_primary_back_gives_each_monitor_its_window(left_unplugged):
    added = left_unplugged["snapshots"]["added"]
    assert_windows_on_distinct_screens(added, 3)
    assert_windows_cover_their_screens(added)
    assert_every_view_shown(added)
    assert views_by_screen(added) == {"situation": "DUMMY0", "map": "DUMMY1", "action": "DUMMY2"}


def test_three_offscreen_screens_get_three_windows(tmp_path):
    """No X server needed: the offscreen platform's fixed screens, as a baseline that always runs."""
    config = tmp_path / "screens.json"
    screens = [
        {"name": f"{n + 1}-screen", "x": 1920 * n, "y": 0, "width": 1920, "height": 1080, "dpr": 1}
        for n in range(3)
    ]
    config.write_text(json.dumps({"screens": screens}))
    result = run_child({"QT_QPA_PLATFORM": f"offscreen:configfile={config}"}, {})
    start = result["snapshots"]["start"]
    assert_windows_on_distinct_screens(start, 3)
    assert_every_view_shown(start)
    assert views_by_screen(start) == {"situation": "1-screen", "map": "2-screen", "action": "3-screen"}
