"""The base channel of one (station, factor): validity, last value and the stuck rule."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.factors import FACTORS, unit_of
from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

# Factors whose value legitimately repeats (slow or coarse analysers, weather, states): never "stuck".
NOT_STUCK = frozenset({"w01010", "w01014", "w01003", "w01018", "w01019", "w21003", "w21011", "w21001"})


# -- formatting --------------------------------------------------------------------------------------------


def factor_name(code: str) -> str:
    factor = FACTORS.get(code)
    return factor.name_en if factor else code


def with_unit(code: str, value: float, kind: str = "") -> str:
    """Value with its unit at the factor's precision, e.g. '182 µg/m³'."""
    factor = FACTORS.get(code)
    decimals = factor.decimals if factor else 2
    unit = unit_of(code, kind)
    return f"{value:.{decimals}f} {unit}".rstrip()


# -- channels: one per (station, factor); ``feed`` is the hot path ------------------------------------------


class Channel:
    """Base channel: validity, last value and the stuck rule."""

    __slots__ = (
        "code", "engine", "kind", "repeats", "run_start", "station", "stuck_floor", "stuck_n", "stuck_span",
        "ts", "value",
    )  # fmt: skip

    def __init__(self, engine: RuleEngine, station: Station, code: str) -> None:
        self.engine = engine
        self.station = station.id
        self.kind = str(station.kind)
        self.code = code
        self.stuck_n = engine.config.stuck_count if code not in NOT_STUCK else 1 << 62
        factor = FACTORS.get(code)
        # A value only a few steps of the reported resolution above zero (SO2 at 6 µg/m³ in whole units)
        # repeats honestly in clean air; below this floor a repeat says nothing about the sensor.
        self.stuck_floor = engine.config.stuck_floor_steps * 10.0 ** -(factor.decimals if factor else 2)
        self.stuck_span = engine.config.stuck_min_span_s
        self.ts = -math.inf  # data time of the last valid value
        self.value = math.nan
        self.repeats = 0
        self.run_start = -math.inf  # data time of the first of the repeated values

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)

    def _track(self, ts: float, value: float) -> None:
        if value == self.value:
            self.repeats += 1
            if (
                self.repeats >= self.stuck_n
                and ts - self.run_start >= self.stuck_span
                and abs(value) >= self.stuck_floor
            ):
                self._stuck(ts, value)
        else:
            self.repeats = 1
            self.value = value
            self.run_start = ts
        self.ts = ts

    def _stuck(self, ts: float, value: float) -> None:
        n, code, kind = self.repeats, self.code, self.kind

        def describe() -> tuple[str, Why, dict[str, float]]:
            title = f"{factor_name(code)} reading stuck"
            why = Why(
                "stuck",
                {
                    "factor": code,
                    "value": with_unit(code, value, kind),
                    "repeats": str(n),
                    "threshold": str(self.stuck_n),
                    "time": self.engine.local(ts),
                },
            )
            return title, why, {"value": value, "repeats": float(n), "threshold": float(self.stuck_n)}

        self.engine.present(self.station, "stuck", "device", Severity.LOW, ts, 0.0, describe)
