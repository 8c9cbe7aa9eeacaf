"""Air, scenic and micro stations: hourly means, sudden rises and the AQI exceedance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.core.standards import (
    AIR_LIMITS,
    AIR_POLLUTANT_BY_CODE,
)
from console.hub.derive import min_hourly_count
from console.hub.rules.channel import _Channel, _fmt, _name
from console.hub.rules.config import HOUR_S

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

_PARTICLES = ("a34004", "a34002", "a34001")
_AIR_GASES = ("a21026", "a21004", "a21005", "a05024")
_IAQI_KEY = {code: name.replace(".", "") + "_1H" for code, name in AIR_POLLUTANT_BY_CODE.items()}


class _AirChannel(_Channel):
    """Particle or gas at an air, scenic or micro station: hourly mean, sudden rise, neighbour value."""

    __slots__ = (
        "alpha",
        "base",
        "closed_hour",
        "closed_mean",
        "count",
        "gap",
        "hour_end",
        "hour_start",
        "need",
        "on_hour",
        "rise_abs",
        "rise_n",
        "rise_ratio",
        "sum",
        "warm",
    )

    def __init__(self, engine: RuleEngine, station: Station, code: str, on_hour: bool) -> None:
        super().__init__(engine, station, code)
        cfg = engine.config
        self.need = min_hourly_count(station.interval_s)
        self.hour_start, self.hour_end = -math.inf, -math.inf
        self.sum, self.count = 0.0, 0
        self.closed_hour, self.closed_mean = -1.0, math.nan
        self.on_hour = on_hour  # grade the hourly mean itself (micro: no AQI_H)
        self.alpha = min(1.0, station.interval_s / cfg.rise_window_s)
        self.gap = cfg.rise_window_s
        self.rise_abs = cfg.rise_abs.get(code, math.inf)
        self.rise_ratio = cfg.rise_ratio
        self.base = 0.0
        self.warm = cfg.rise_warmup
        self.rise_n = 0

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        if ts - self.ts > self.gap:  # first value, or after a gap: the baseline starts again
            self.warm = self.engine.config.rise_warmup
            self.base = value
        self._track(ts, value)
        if ts >= self.hour_end or ts < self.hour_start:
            if ts < self.hour_start:
                return  # late value of an hour already closed
            self.close_hour()
            self.hour_start = ts - ts % HOUR_S
            self.hour_end = self.hour_start + HOUR_S
        self.sum += value
        self.count += 1
        base = self.base
        if self.warm:  # settle the baseline quickly before judging rises against it
            self.warm -= 1
            self.base = base + 0.2 * (value - base)
            return
        if value > base * self.rise_ratio and value - base > self.rise_abs:
            self.rise_n += 1
            if self.rise_n < self.engine.config.rise_count:
                return  # not confirmed yet: a lone spike must not drag the baseline up
            self._rise(ts, value, base)
        else:
            self.rise_n = 0
        self.base = base + self.alpha * (value - base)

    def close_hour(self) -> None:
        """Close the open hour: keep its mean and, at micro stations, grade it."""
        count, self.count = self.count, 0
        total, self.sum = self.sum, 0.0
        if count < self.need or count == 0:
            return
        self.closed_hour, self.closed_mean = self.hour_start, total / count
        if self.on_hour:
            self.engine.grade_hour(self, self.hour_start, self.closed_mean)

    def mean_of(self, hour_start: float) -> float:
        """Valid hourly mean of the hour starting at hour_start, NaN if unknown."""
        if self.closed_hour == hour_start:
            return self.closed_mean
        if self.hour_start == hour_start and self.count >= self.need:
            return self.sum / self.count
        return math.nan

    def _rise(self, ts: float, value: float, base: float) -> None:
        code, kind, n = self.code, self.kind, self.rise_n
        ratio = value / base if base > 0 else math.inf

        def describe() -> tuple[str, Why, dict[str, float]]:
            title = f"Sudden rise of {_name(code)}"
            why = Why(
                "sudden_rise",
                {
                    "factor": code,
                    "value": _fmt(code, value, kind),
                    "time": self.engine.local(ts),
                    "n": str(n),
                    "ratio": f"{self.rise_ratio:g}",
                    "baseline": _fmt(code, base, kind),
                    "margin": _fmt(code, self.rise_abs, kind),
                },
            )
            values = {"value": value, "baseline": base, "ratio": min(ratio, 1e9), "threshold": self.rise_abs}
            return title, why, values

        category = "water" if self.kind == "water" else "air"
        self.engine.present(self.station, "sudden_rise", category, Severity.LOW, ts, value - base, describe)


class _AqiChannel(_Channel):
    """AQI_H of an air or scenic station: the exceedance rule by AQI category."""

    __slots__ = ("pollutants",)

    def __init__(self, engine: RuleEngine, station: Station, code: str) -> None:
        super().__init__(engine, station, code)
        self.stuck_n = 1 << 62
        self.pollutants: list[_AirChannel] = []

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value or value < 0:
            return
        self.engine.grade_aqi(self, ts, value)


def _severity_of_level(level: int) -> Severity:
    """AQI category -> severity: 中度 MEDIUM, 重度 HIGH, 严重 CRITICAL (轻度 LOW if configured in)."""
    return {3: Severity.LOW, 4: Severity.MEDIUM, 5: Severity.HIGH}.get(level, Severity.CRITICAL)


def _gb3095_limit(code: str) -> float | None:
    """GB 3095-2012 grade II limit used for reference: the 1-h limit, else the 24-h one."""
    limits = AIR_LIMITS.get(AIR_POLLUTANT_BY_CODE.get(code, ""), {})
    pair = limits.get("1h") or limits.get("24h")
    return float(pair[1]) if pair else None
