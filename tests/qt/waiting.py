"""Waiting in async Qt tests: poll a condition on the running loop (a blocking qtbot wait would hang)."""

from __future__ import annotations

import asyncio
import time

import pytest

from console.hub_start import EMBEDDED_START_S

# A whole console on an embedded hub: the hub's first start writes the simulated city (the console allows it
# EMBEDDED_START_S), and each step below is bounded by its own `until`. The suite's 120 s for a whole test
# failed such tests on a busy machine with every step inside its own bound; a hang is still stopped.
WHOLE_CONSOLE = pytest.mark.timeout(420)
# The first wait of such a test holds the embedded hub's first start: on a busy machine it takes minutes.
HUB_START_S = EMBEDDED_START_S + 30
# A whole console's shutdown (windows, map pages, link, embedded hub): bounded to stop a hang, not timed.
SHUTDOWN_S = 120


async def until(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    """Return once ``predicate()`` is true; TimeoutError naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        await asyncio.sleep(0.05)
