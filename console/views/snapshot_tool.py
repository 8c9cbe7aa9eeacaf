"""--snapshot DIR: after a while, every wall window (and an open dispatch desk) saved as PNG, then quit."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from console.viewmodels.incidents import IncidentViewModel
from console.viewmodels.playback import PlaybackViewModel
from console.viewmodels.wall import WallViewModel
from console.views.dispatch import DispatchWindow
from console.views.window import WallWindows
from console.widgets import theme

log = logging.getLogger(__name__)


async def take_snapshots(
    out: Path,
    after_s: float,
    vm: WallViewModel,
    windows: WallWindows,
    incidents: IncidentViewModel,
    desk: DispatchWindow | None,
    playback: PlaybackViewModel | None = None,
) -> None:
    """Wait ``after_s``, redraw, then write ``wall-<n>-<screen>.png`` per window and ``dispatch.png``
    (replaying, with the banner and frame of the replayed moment)."""
    await asyncio.sleep(after_s)
    vm.flush()
    if playback is not None and playback.state() is not None:
        playback.flush()
        at = theme.local_time(playback.state().at)
        log.info("snapshots of the replayed moment %s (UTC+8)", f"{at:%Y-%m-%d %H:%M:%S}")
    await asyncio.sleep(0.5)
    out.mkdir(parents=True, exist_ok=True)
    for n, window in enumerate(windows.windows, 1):
        screen = window.windowHandle().screen().name() if window.windowHandle() else str(n)
        path = out / f"wall-{n}-{screen}.png"
        window.grab().save(str(path))
        log.info("snapshot written: %s", path)
    if desk is not None and desk.isVisible():
        shown = desk.queue.shown_ids()
        if shown and not incidents.selected:  # show the most urgent one's detail pane too
            incidents.select(shown[0])
            incidents.flush()
            await asyncio.sleep(0.3)
        desk.grab().save(str(out / "dispatch.png"))
