"""Noise stations: the hourly Leq of each local clock hour."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.aggregation import min_hourly_count
from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Station
from console.core.reasons import Why
from console.core.standards import (
    NOISE_LIMITS,
    noise_limit,
)
from console.hub.rules.channel import Channel
from console.hub.rules.config import HOUR_S

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine


class NoiseChannel(Channel):
    """Leq of a noise station: the energy mean of each local clock hour, graded at night."""

    __slots__ = ("count", "energy", "hour_end", "hour_start", "limit", "need", "offset", "zone")

    def __init__(self, engine: RuleEngine, station: Station, code: str, limit: float) -> None:
        super().__init__(engine, station, code)
        self.limit = limit
        self.zone = station.zone
        self.need = min_hourly_count(station.interval_s)
        self.offset = engine.tz_s
        self.hour_start, self.hour_end = -math.inf, -math.inf
        self.energy, self.count = 0.0, 0

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)
        if ts >= self.hour_end or ts < self.hour_start:
            if ts < self.hour_start:
                return
            self.close_hour()
            local = ts + self.offset
            self.hour_start = local - local % HOUR_S - self.offset
            self.hour_end = self.hour_start + HOUR_S
        self.energy += 10.0 ** (value / 10.0)
        self.count += 1

    def close_hour(self) -> None:
        count, self.count = self.count, 0
        energy, self.energy = self.energy, 0.0
        if count >= self.need and count:
            grade_noise(self, self.hour_start, 10.0 * math.log10(energy / count))


def grade_noise(channel: NoiseChannel, hour_start: float, leq: float) -> None:
    """Night noise: an hour's Leq against the zone's GB 3096 night limit."""
    engine = channel.engine
    if not engine.night(hour_start) or leq <= channel.limit:
        return
    excess = leq - channel.limit
    severity = Severity.HIGH if excess > 10 else Severity.MEDIUM if excess > 5 else Severity.LOW
    zone = channel.zone

    def describe() -> tuple[str, Why, dict[str, float]]:
        span = f"{engine.local(hour_start)}-{engine.local(hour_start + HOUR_S)[-5:]}"
        why = Why(
            "night_noise",
            {
                "value": f"{leq:.1f} dB(A)",
                "span": span,
                "zone": zone,
                "limit": f"{channel.limit:g} dB(A)",
                "excess": f"{excess:.1f} dB",
            },
        )
        return (
            "Night noise over zone limit",
            why,
            {"value": leq, "limit": channel.limit, "excess": excess},
        )

    engine.present(channel.station, "night_noise", "noise", severity, hour_start, excess, describe)


def channels(engine: RuleEngine, station: Station) -> dict[str, Channel]:
    """The Leq channel of a noise station in a GB 3096 zone; none without a known zone."""
    if station.zone.strip().lower() not in NOISE_LIMITS:
        return {}
    return {"Leq": NoiseChannel(engine, station, "Leq", noise_limit(station.zone, night=True))}
