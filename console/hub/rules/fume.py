"""Catering stations: fume concentration and the purifier's state."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.hub.rules.channel import Channel, with_unit

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine


class FumeState:
    """A catering station's latest fume concentration and purifier state."""

    __slots__ = ("fume", "fume_ts", "purifier", "purifier_ts", "since")

    def __init__(self) -> None:
        self.fume, self.fume_ts = math.nan, -math.inf
        self.purifier, self.purifier_ts = math.nan, -math.inf
        self.since: float | None = None


class FumeChannel(Channel):
    """Fume concentration (a34041) or purifier state (SB1-RS) of a catering station."""

    __slots__ = ("is_state", "state", "window")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: FumeState) -> None:
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
                purifier_off(engine, self.station, state, ts)
        else:
            state.since = None


def purifier_off(engine: RuleEngine, station: str, state: FumeState, ts: float) -> None:
    """Cooking fume with the purifier off in cooking hours."""
    fume, since, limit = state.fume, state.since or ts, engine.config.fume_threshold

    def describe() -> tuple[str, Why, dict[str, float]]:
        why = Why(
            "purifier_off",
            {
                "value": with_unit("a34041", fume),
                "time": engine.local(ts),
                "limit": with_unit("a34041", limit),
                "since": engine.local(since),
            },
        )
        values = {"value": fume, "limit": limit, "purifier": 0.0, "since": since}
        return "Catering purifier off while cooking", why, values

    # the finding is the state itself: a higher fume reading while the purifier is off adds nothing
    engine.present(station, "purifier_off", "fume", Severity.MEDIUM, ts, 0.0, describe)


def channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """Fume and purifier channels of a catering station, sharing the station's state."""
    state = FumeState()
    return {c: FumeChannel(engine, station, c, state) for c in ("a34041", "SB1-RS") if c in station.factors}
