"""Air, scenic and micro stations: hourly means, sudden rises and the AQI exceedance."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core import aqi
from console.core.aggregation import min_hourly_count
from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.core.standards import (
    AIR_LIMITS,
    AIR_POLLUTANT_BY_CODE,
)
from console.hub.rules.channel import Channel, factor_name, with_unit
from console.hub.rules.config import HOUR_S

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine

PARTICLES = ("a34004", "a34002", "a34001")
AIR_GASES = ("a21026", "a21004", "a21005", "a05024")
_IAQI_KEY = {code: name.replace(".", "") + "_1H" for code, name in AIR_POLLUTANT_BY_CODE.items()}


class AirChannel(Channel):
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
            grade_hour(self, self.hour_start, self.closed_mean)

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
            title = f"Sudden rise of {factor_name(code)}"
            why = Why(
                "sudden_rise",
                {
                    "factor": code,
                    "value": with_unit(code, value, kind),
                    "time": self.engine.local(ts),
                    "n": str(n),
                    "ratio": f"{self.rise_ratio:g}",
                    "baseline": with_unit(code, base, kind),
                    "margin": with_unit(code, self.rise_abs, kind),
                },
            )
            values = {"value": value, "baseline": base, "ratio": min(ratio, 1e9), "threshold": self.rise_abs}
            return title, why, values

        category = "water" if self.kind == "water" else "air"
        self.engine.present(self.station, "sudden_rise", category, Severity.LOW, ts, value - base, describe)


class AqiChannel(Channel):
    """AQI_H of an air or scenic station: the exceedance rule by AQI category."""

    __slots__ = ("pollutants",)

    def __init__(self, engine: RuleEngine, station: Station, code: str) -> None:
        super().__init__(engine, station, code)
        self.stuck_n = 1 << 62
        self.pollutants: list[AirChannel] = []

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value or value < 0:
            return
        grade_aqi(self, ts, value)


def _severity_of_level(level: int) -> Severity:
    """AQI category -> severity: 中度 MEDIUM, 重度 HIGH, 严重 CRITICAL (轻度 LOW if configured in)."""
    return {3: Severity.LOW, 4: Severity.MEDIUM, 5: Severity.HIGH}.get(level, Severity.CRITICAL)


def _gb3095_limit(code: str) -> float | None:
    """GB 3095-2012 grade II limit used for reference: the 1-h limit, else the 24-h one."""
    limits = AIR_LIMITS.get(AIR_POLLUTANT_BY_CODE.get(code, ""), {})
    pair = limits.get("1h") or limits.get("24h")
    return float(pair[1]) if pair else None


def grade_aqi(channel: AqiChannel, ts: float, value: float) -> None:
    """Exceedance by hourly AQI at an air or scenic station."""
    engine = channel.engine
    category = aqi.category_of(value)
    if category.level < engine.config.aqi_min_level:
        return
    primary = _primary(channel.pollutants, ts)
    low = aqi.IAQI_LEVELS[category.level - 1]

    def describe() -> tuple[str, Why, dict[str, float]]:
        span = f"{engine.local(ts)}-{engine.local(ts + HOUR_S)[-5:]}"
        values = {"aqi": value, "threshold": float(low), "level": float(category.level)}
        args = {
            "aqi": f"{value:.0f}",
            "span": span,
            "category": str(category.level),
            "threshold": str(low),
        }
        key = "exceedance_aqi"
        if primary is not None:
            code, mean, limit = primary
            key, args = "exceedance_aqi_primary", args | {"factor": code, "value": with_unit(code, mean)}
            values |= {"value": mean}
            if limit is not None:
                key, args = "exceedance_aqi_limit", args | {"limit": with_unit(code, limit)}
                values |= {"limit": limit}
        return f"Hourly AQI {value:.0f}: {category.category_en.lower()}", Why(key, args), values

    severity = _severity_of_level(category.level)
    engine.present(channel.station, "exceedance", "air", severity, ts, value, describe)


def _primary(pollutants: list[AirChannel], ts: float) -> tuple[str, float, float | None] | None:
    """The pollutant with the highest IAQI in the hour starting at ts: code, mean, GB 3095 limit."""
    best: tuple[int, str, float] | None = None
    for channel in pollutants:
        mean = channel.mean_of(ts)
        key = _IAQI_KEY.get(channel.code)
        if key is None or mean != mean:
            continue
        index = aqi.iaqi(key, mean)
        if index is not None and (best is None or index > best[0]):
            best = (index, channel.code, mean)
    if best is None:
        return None
    return best[1], best[2], _gb3095_limit(best[1])


def grade_hour(channel: AirChannel, hour_start: float, mean: float) -> None:
    """Exceedance by a micro station's hourly PM2.5 mean, graded on the HJ 633 breakpoints."""
    engine = channel.engine
    index = aqi.iaqi(_IAQI_KEY[channel.code], mean)
    if index is None:
        return
    category = aqi.category_of(index)
    if category.level < engine.config.aqi_min_level:
        return
    code = channel.code
    threshold = aqi.BREAKPOINTS["PM25_24H"][category.level - 1]
    limit = _gb3095_limit(code)

    def describe() -> tuple[str, Why, dict[str, float]]:
        span = f"{engine.local(hour_start)}-{engine.local(hour_start + HOUR_S)[-5:]}"
        why = Why(
            "exceedance_hour",
            {
                "factor": code,
                "value": with_unit(code, mean),
                "span": span,
                "category": str(category.level),
                "threshold": with_unit(code, threshold),
                "iaqi": str(index),
                "limit": with_unit(code, limit or math.nan),
            },
        )
        values = {"value": mean, "threshold": threshold, "iaqi": float(index)}
        if limit is not None:
            values["limit"] = limit
        return f"{factor_name(code)} over GB 3095 limit ({category.category_en.lower()})", why, values

    severity = _severity_of_level(category.level)
    engine.present(channel.station, "exceedance", "air", severity, hour_start, mean, describe)


def channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """Channels of an air, scenic or micro station: its particles and gases, AQI_H, negative ions."""
    kind, factors = str(station.kind), station.factors
    out: dict[str, Channel] = {}
    pollutants = []
    for code in factors:
        if code in PARTICLES or code in AIR_GASES:
            out[code] = channel = AirChannel(
                engine, station, code, on_hour=kind == "micro" and code == "a34004"
            )
            pollutants.append(channel)
    if kind != "micro":
        aqi_channel = AqiChannel(engine, station, "AQI_H")
        aqi_channel.pollutants = pollutants
        out["AQI_H"] = aqi_channel
    if "a99001" in factors:
        out["a99001"] = Channel(engine, station, "a99001")  # negative ions: stuck only
    return out
