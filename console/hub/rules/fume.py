"""Catering stations: fume concentration and the purifier's state."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.models import INVALID_FLAGS, Station
from console.hub.rules.channel import _Channel

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

_STATE_FACTORS = frozenset({"SB1-RS", "SB2-RS"})


class _FumeState:
    """A catering station's latest fume concentration and purifier state."""

    __slots__ = ("fume", "fume_ts", "purifier", "purifier_ts", "since")

    def __init__(self) -> None:
        self.fume, self.fume_ts = math.nan, -math.inf
        self.purifier, self.purifier_ts = math.nan, -math.inf
        self.since: float | None = None


class _FumeChannel(_Channel):
    """Fume concentration (a34041) or purifier state (SB1-RS) of a catering station."""

    __slots__ = ("is_state", "state", "window")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: _FumeState) -> None:
        super().__init__(engine, station, code)
        self.stuck_n = 1 << 62  # off hours read a steady trickle; states repeat by nature
        self.is_state = code == "SB1-RS"
        self.state = state
        self.window = 2.0 * station.interval_s  # the two values belong to the same report

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        state = self.state
        if self.is_state:
            state.purifier, state.purifier_ts = value, ts
        else:
            state.fume, state.fume_ts = value, ts
        if abs(state.fume_ts - state.purifier_ts) > self.window:
            return
        engine = self.engine
        if state.purifier < 0.5 and state.fume > engine.config.fume_threshold and engine.cooking(ts):
            if state.since is None:
                state.since = ts
            if ts - state.since >= engine.config.purifier_sustain_s:
                engine.purifier_off(self.station, state, ts)
        else:
            state.since = None
