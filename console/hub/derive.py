"""Hourly and daily AQI of air stations, derived from their readings and published like readings."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from console.core import aqi
from console.core.aggregation import (
    DAY_S,
    HOUR_S,
    ITEM,
    MIN_HOURS_PER_DAY,
    SO2,
    daily_aqi,
    local_day_start,
    min_hourly_count,
)
from console.core.factors import AQI_POLLUTANTS
from console.core.models import Reading, Station

_PARTICLES = frozenset({"a34004", "a34002"})
_KEEP_HOURS = 26  # hourly means kept per station: a whole local day plus the running 24 h of SO2


class _StationState:
    """What the deriver remembers of one station: the open hour's sums and recent hourly means."""

    __slots__ = ("closed", "counts", "day", "hour", "hourly", "last", "sums")

    def __init__(self) -> None:
        self.hour: int | None = None  # open clock hour (Unix hours)
        self.closed = -1  # last closed hour: later readings for it or before it are ignored
        self.day: float | None = None  # local midnight of the day whose AQI is still to come
        self.sums: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self.hourly: dict[int, dict[str, float]] = {}  # Unix hour -> factor code -> valid hourly mean
        self.last: aqi.AqiResult | None = None


class AqiDeriver:
    """Turns a stream of readings into AQI_H (per clock hour) and AQI_D (per local day) readings.

    Not thread-safe: feed and tick from one thread (the hub's event loop). Stations of kind "air" and
    "scenic" that report PM2.5 or PM10 are evaluated; every other station is ignored. An hour closes when
    a pollutant reading of a later hour arrives (or on tick); readings for closed hours are dropped.
    SO2_24H (used above 800 µg/m³ of 1-hour SO2) is the mean of the last 24 h with 20 valid hours.
    """

    def __init__(self, stations: Mapping[str, Station], tz_hours: int = 8) -> None:
        self._tz_hours = tz_hours
        self._interval = {s.id: s.interval_s for s in stations.values() if _evaluated(s)}
        self._states = {station_id: _StationState() for station_id in self._interval}

    def feed(self, readings: Iterable[Reading]) -> list[Reading]:
        """Accumulate readings; return the AQI readings of the hours and days that their arrival closed."""
        out: list[Reading] = []
        for reading in readings:
            state = self._states.get(reading.station)
            if state is None or reading.factor not in AQI_POLLUTANTS:
                continue
            hour = int(reading.ts // HOUR_S)
            if state.hour is not None and hour > state.hour:
                out += self._close_hour(reading.station, state)
            if hour <= state.closed or (state.hour is not None and hour < state.hour):
                continue  # late data for an hour already reported
            if state.hour is None:
                out += self._open_hour(reading.station, state, hour)
            _accumulate(state, reading)
        return out

    def tick(self, now_ts: float, grace_s: float = 600) -> list[Reading]:
        """Close the hours (and days) of stations that stopped reporting, once now_ts is past end + grace."""
        out: list[Reading] = []
        for station, state in self._states.items():
            if state.hour is not None and now_ts >= (state.hour + 1) * HOUR_S + grace_s:
                out += self._close_hour(station, state)
            if state.hour is None and state.day is not None and now_ts >= state.day + DAY_S + grace_s:
                out += self._close_day(station, state)
        return out

    def last_hourly(self, station: str) -> aqi.AqiResult | None:
        """The latest hourly AQI of a station, with IAQIs and primary pollutants; None before the first."""
        state = self._states.get(station)
        return state.last if state else None

    def hourly_means(self, station: str) -> dict[float, dict[str, float]]:
        """Valid hourly means kept for a station (about 26 hours): hour start -> factor code -> mean."""
        state = self._states.get(station)
        if state is None:
            return {}
        return {hour * HOUR_S: dict(means) for hour, means in state.hourly.items()}

    def _open_hour(self, station: str, state: _StationState, hour: int) -> list[Reading]:
        day = local_day_start(hour * HOUR_S, self._tz_hours)
        out = self._close_day(station, state) if state.day is not None and state.day != day else []
        state.hour, state.day = hour, day
        return out

    def _close_hour(self, station: str, state: _StationState) -> list[Reading]:
        hour = state.hour
        if hour is None:  # callers close only an open hour
            return []
        state.hour, state.closed = None, hour
        need = min_hourly_count(self._interval[station])
        means = {code: state.sums[code] / n for code, n in state.counts.items() if n >= need}
        state.sums, state.counts = {}, {}
        if not means:
            return []
        state.hourly[hour] = means
        for old in [h for h in state.hourly if h <= hour - _KEEP_HOURS]:
            del state.hourly[old]
        result = aqi.hourly_aqi(self._hourly_items(state, hour))
        if result is None:
            return []
        state.last = result
        return [Reading(station, "AQI_H", float(hour * HOUR_S), float(result.aqi), "N")]

    def _hourly_items(self, state: _StationState, hour: int) -> dict[str, float]:
        items = {f"{ITEM[code]}_1H": mean for code, mean in state.hourly[hour].items()}
        so2 = [m[SO2] for h, m in state.hourly.items() if hour - 24 < h <= hour and SO2 in m]
        if len(so2) >= MIN_HOURS_PER_DAY:
            items["SO2_24H"] = math.fsum(so2) / len(so2)
        return items

    def _close_day(self, station: str, state: _StationState) -> list[Reading]:
        day, state.day = state.day, None
        assert day is not None
        hours: dict[str, dict[int, float]] = {}
        for hour, means in state.hourly.items():
            if day <= hour * HOUR_S < day + DAY_S:
                for code, mean in means.items():
                    hours.setdefault(code, {})[int((hour * HOUR_S - day) // HOUR_S)] = mean
        daily = daily_aqi(hours)
        if daily is None or not daily.valid:  # only valid daily AQIs are published
            return []
        return [Reading(station, "AQI_D", float(day), float(daily.result.aqi), "N")]


def _evaluated(station: Station) -> bool:
    return station.kind in ("air", "scenic") and not _PARTICLES.isdisjoint(station.factors)


def _accumulate(state: _StationState, reading: Reading) -> None:
    value = reading.value
    if reading.flag != "N" or not isinstance(value, int | float) or not math.isfinite(value):
        return
    state.sums[reading.factor] = state.sums.get(reading.factor, 0.0) + value
    state.counts[reading.factor] = state.counts.get(reading.factor, 0) + 1
