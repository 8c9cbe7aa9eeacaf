"""Surface water stations: each parameter's GB 3838 class against the section's target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.core.factors import FACTORS
from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.core.standards import (
    LOWER_BOUND_PARAMS,
    PH_RANGE,
    WATER_CLASS_LABELS,
    WATER_LIMITS,
    WATER_PARAM_BY_CODE,
    WORSE_THAN_V,
)
from console.hub.rules.channel import NOT_STUCK, Channel, with_unit

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

_CODE_OF_PARAM = {param: code for code, param in WATER_PARAM_BY_CODE.items()}


class WaterState:
    """A water station's latest grade per GB 3838 parameter and how long it is worse than target."""

    __slots__ = ("grades", "since", "target", "values")

    def __init__(self, target: int) -> None:
        self.target = target
        self.grades: dict[str, int] = {}
        self.values: dict[str, float] = {}
        self.since: float | None = None


class WaterChannel(Channel):
    """A graded water parameter: its class by GB 3838 against the section's target class."""

    __slots__ = ("limits", "lower", "param", "state")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: WaterState) -> None:
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
            grade_water(self.engine, self.station, state, ts)


def _water_target_limit(param: str, target: int) -> float | None:
    limits = WATER_LIMITS.get(param)
    return float(limits[target - 1]) if limits else None


def grade_water(engine: RuleEngine, station: str, state: WaterState, ts: float) -> None:
    """Water worse than its target class for the sustain time."""
    grade = max(state.grades.values())
    excess = grade - state.target
    severity = Severity.HIGH if excess >= 2 else Severity.MEDIUM
    worst = [p for p, g in state.grades.items() if g == grade]
    since = state.since or ts
    target = WATER_CLASS_LABELS[state.target - 1]
    label = WATER_CLASS_LABELS[grade - 1]
    details = {p: state.values[p] for p in worst}

    def describe() -> tuple[str, Why, dict[str, float]]:
        parts = []
        for p, v in details.items():
            code, limit = _CODE_OF_PARAM[p], _water_target_limit(p, state.target)
            args = {"factor": code, "value": with_unit(code, v)}
            if limit is None:
                parts.append(Why("water_part", args))
            else:
                bound = "water_part_minimum" if p in LOWER_BOUND_PARAMS else "water_part_limit"
                parts.append(Why(bound, args | {"target": target, "limit": with_unit(code, limit)}))
        why = Why(
            "water_class",
            {"grade": label, "time": engine.local(ts), "target": target, "since": engine.local(since)},
            tuple(parts),
        )
        values = {"grade": float(grade), "target": float(state.target), "since": since}
        values |= {f"value_{p}": v for p, v in details.items()}
        if len(details) == 1:
            p, v = next(iter(details.items()))
            values["value"] = v
            limit = _water_target_limit(p, state.target)
            if limit is not None:
                values["limit"] = limit
        return f"Water class {label} worse than target {target}", why, values

    engine.present(station, "water_class", "water", severity, ts, float(grade), describe)


def channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """Channels of a surface water station: graded parameters against its target class, others stuck only."""
    target = station.zone.strip().upper()
    state = WaterState(WATER_CLASS_LABELS.index(target) + 1) if target in WATER_CLASS_LABELS[:5] else None
    out: dict[str, Channel] = {}
    for code in station.factors:
        if state is not None and WATER_PARAM_BY_CODE.get(code, "TN") != "TN":
            out[code] = WaterChannel(engine, station, code, state)  # TN: lakes only
        elif code in FACTORS and code not in NOT_STUCK:
            out[code] = Channel(engine, station, code)
    return out
