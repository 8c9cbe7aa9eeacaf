"""The cached picture first: what the wall showed last time, its numbers drawn before anything else starts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.core.session import ConsoleSession
    from console.viewmodels.wall import WallViewModel

PICTURE_WAIT_S = 5.0  # at most this long before the rest starts, should the numbers not come


async def show_cached_picture(
    session: ConsoleSession, vm: WallViewModel, set_region: Callable[[dict[str, Any]], None]
) -> bool:
    """Apply the cache's picture and its region, then wait (at most ``PICTURE_WAIT_S``) until the city
    figures, the township ranking and the network health are drawn: the map page, the desks and the hub
    come after. False when the cache held no picture (the empty wall is drawn all the same)."""
    restored = session.restore()
    region = session.cached_region()
    if region:
        set_region(region)
    shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_health(_rows: object) -> None:  # the city figures and the ranking come the turns before
        if not shown.done():
            shown.set_result(None)

    vm.health_changed.connect(on_health)
    try:
        vm.flush()  # now, not at the next tick
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(shown, PICTURE_WAIT_S)
        await asyncio.sleep(0)  # a turn of the event loop paints them
    finally:
        vm.health_changed.disconnect(on_health)
    return restored
