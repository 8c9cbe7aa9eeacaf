"""Waiting in async Qt tests: poll a condition on the running loop (a blocking qtbot wait would hang)."""

from __future__ import annotations

import asyncio
import time


async def until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    """Return once ``predicate()`` is true; TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        await asyncio.sleep(0.05)
