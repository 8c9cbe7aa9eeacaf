"""``--snapshot DIR``: the console's screens (or the briefing's pages) to PNG after a while, then quit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from console.settings import Settings

if TYPE_CHECKING:
    from console.desks import Desks
    from console.replay_start import ReplaySwitch
    from console.viewmodels.incidents import IncidentViewModel
    from console.viewmodels.wall import WallViewModel
    from console.views.window import WallWindows


async def take_console_snapshots(
    settings: Settings,
    vm: WallViewModel,
    windows: WallWindows,
    incidents: IncidentViewModel,
    desks: Desks,
    replays: ReplaySwitch,
    then: Callable[[], None],
) -> None:
    """Every screen (the briefing's pages with --briefing) once ``--after`` seconds have passed (a replay
    first settles at its moment); then ``then`` (the run ends)."""
    from console.views.snapshot_tool import take_snapshots

    assert settings.snapshot_dir is not None, "only with --snapshot"
    if settings.briefing:
        from console.views.briefing import take_briefing_snapshots

        assert desks.briefing_view is not None, "attached before the snapshots"
        await take_briefing_snapshots(settings.snapshot_dir, settings.snapshot_after, desks.briefing_view)
    else:
        if replays.playback is not None:
            await replays.playback.settled()  # every screen at the replayed moment, not half-way there
        await take_snapshots(settings.snapshot_dir, settings.snapshot_after, vm, windows, incidents,
                             desks.desk.window, replays.vm)  # fmt: skip
    then()
