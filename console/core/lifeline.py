"""Child processes that end with their parent: a hub started by a console, loggers started by a hub."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable

log = logging.getLogger(__name__)


async def watch_parent(parent_pid: int, on_gone: Callable[[], object], interval_s: float = 1.0) -> None:
    """Call ``on_gone()`` once the process ``parent_pid`` no longer exists (killed, crashed or closed)."""
    while True:
        await asyncio.sleep(interval_s)
        if os.getppid() != parent_pid and not _alive(parent_pid):
            log.warning("parent process %d is gone; stopping", parent_pid)
            on_gone()
            return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
