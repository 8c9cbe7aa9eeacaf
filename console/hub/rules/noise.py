"""Noise stations: the hourly Leq of each local clock hour."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from console.core.models import INVALID_FLAGS, Station
from console.hub.derive import min_hourly_count
from console.hub.rules.channel import _Channel
from console.hub.rules.config import HOUR_S

if TYPE_CHECKING:
    from console.hub.rules.engine import RuleEngine


class _NoiseChannel(_Channel):
    """Leq of a noise station: the energy mean of each local clock hour, graded at night."""

    __slots__ = ("count", "energy", "hour_end", "hour_start", "limit", "need", "offset")

    def __init__(self, engine: RuleEngine, station: Station, code: str, limit: float) -> None:
        super().__init__(engine, station, code)
        self.limit = limit
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
            self.engine.grade_noise(self, self.hour_start, 10.0 * math.log10(energy / count))
