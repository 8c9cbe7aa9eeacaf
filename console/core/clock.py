"""The console's clock: the one source of "now" for deadlines, data ages and retention, live or replayed.

Everything that judges time against the operator's world (an incident's deadline, how old the data shown
are, when the link was lost, which cached data have expired) asks a :class:`Clock` instead of the wall
clock, so the same code runs on a replayed clock. Pacing that belongs to this machine (timeouts, backoff,
redraw rates) stays on real time.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the console reads the time from.

    ``now()`` is Unix seconds. A live clock follows the wall clock; a playback clock is set to a moment
    of the past, paused and run at a speed by its own controls, and readers never need to know which.
    """

    def now(self) -> float:
        """The current time, Unix seconds."""
        ...


class LiveClock:
    """The wall clock: the console running live."""

    def now(self) -> float:
        """The wall-clock time, Unix seconds."""
        return time.time()


class ManualClock:
    """A clock that moves only when told to: set to a moment, advanced by steps (tools and tests)."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)

    def now(self) -> float:
        """The moment the clock was set or advanced to, Unix seconds."""
        return self._now

    def set(self, moment: float) -> None:
        """Jump to a moment (backwards too, as a replay seeking does)."""
        self._now = float(moment)

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds``; returns the new time."""
        self._now += seconds
        return self._now


LIVE_CLOCK = LiveClock()  # the default where a caller gives no clock
