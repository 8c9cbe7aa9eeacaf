"""``--snapshot DIR``: the console's screens (or the briefing's pages) to PNG after a while, then quit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from console.app import ConsoleApp


async def take_console_snapshots(console: ConsoleApp, then: Callable[[], None]) -> None:
    """Every screen (the briefing's pages with --briefing) once ``--after`` seconds have passed (a replay
    first settles at its moment); ``then`` is called after the last (the console ends its run)."""
    from console.views.snapshot_tool import take_snapshots

    settings = console.settings
    assert settings.snapshot_dir is not None, "only with --snapshot"
    if settings.briefing:
        from console.views.briefing import take_briefing_snapshots

        await take_briefing_snapshots(settings.snapshot_dir, settings.snapshot_after, console.briefing_view)
    else:
        if console.playback is not None:
            await console.playback.settled()  # every screen at the replayed moment, not half-way there
        await take_snapshots(settings.snapshot_dir, settings.snapshot_after, console.vm, console.windows,
                             console.incidents, console.desk.window, console.playback_vm)  # fmt: skip
    then()
