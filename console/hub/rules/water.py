"""Surface water stations: each parameter's GB 3838 class against the section's target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.models import INVALID_FLAGS, Station
from console.core.standards import (
    LOWER_BOUND_PARAMS,
    PH_RANGE,
    WATER_LIMITS,
    WATER_PARAM_BY_CODE,
    WORSE_THAN_V,
)
from console.hub.rules.channel import _Channel

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

_CODE_OF_PARAM = {param: code for code, param in WATER_PARAM_BY_CODE.items()}


class _WaterState:
    """A water station's latest grade per GB 3838 parameter and how long it is worse than target."""

    __slots__ = ("grades", "since", "target", "values")

    def __init__(self, target: int) -> None:
        self.target = target
        self.grades: dict[str, int] = {}
        self.values: dict[str, float] = {}
        self.since: float | None = None


class _WaterChannel(_Channel):
    """A graded water parameter: its class by GB 3838 against the section's target class."""

    __slots__ = ("limits", "lower", "param", "state")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: _WaterState) -> None:
        super().__init__(engine, station, code)
        self.param = WATER_PARAM_BY_CODE[code]
        self.limits = WATER_LIMITS.get(self.param, ())
        self.lower = self.param in LOWER_BOUND_PARAMS
        self.state = state

    def grade(self, value: float) -> int:
        if self.param == "pH":
            return 1 if PH_RANGE[0] <= value <= PH_RANGE[1] else WORSE_THAN_V
        for i, limit in enumerate(self.limits, start=1):
            if (value >= limit) if self.lower else (value <= limit):
                return i
        return WORSE_THAN_V

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)
        state = self.state
        state.grades[self.param] = self.grade(value)
        state.values[self.param] = value
        if max(state.grades.values()) <= state.target:
            state.since = None
            return
        if state.since is None:
            state.since = ts
        if ts - state.since >= self.engine.config.water_sustain_s:
            self.engine.grade_water(self.station, state, ts)


def _water_target_limit(param: str, target: int) -> float | None:
    limits = WATER_LIMITS.get(param)
    return float(limits[target - 1]) if limits else None
