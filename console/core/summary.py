"""City-level figures the wall shows, computed from the store: city AQI, township ranking, health, wind.

Pure functions of the store (no Qt), so live and playback give the same figures and tests need no display.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from console.core import aqi
from console.core.grading import Look
from console.core.models import INVALID_FLAGS, StationKind, StationStatus
from console.core.store import Store

FRESH_INTERVALS = 3.0  # values older than this many reporting intervals do not count towards city figures
CITY_KEYS = {"a34004": "PM25_1H", "a34002": "PM10_1H", "a21026": "SO2_1H"}
CITY_KEYS |= {"a21004": "NO2_1H", "a21005": "CO_1H", "a05024": "O3_1H"}
POLLUTANT_NAMES = {"a34004": "PM2.5", "a34002": "PM10", "a21026": "SO2", "a21004": "NO2", "a21005": "CO"}
POLLUTANT_NAMES |= {"a05024": "O3"}


@dataclass
class CitySummary:
    """Real-time city AQI from the mean of the standard air stations' latest valid values."""

    aqi: int | None
    primary: tuple[str, ...] = ()
    iaqi: dict[str, int] = field(default_factory=dict)
    conc: dict[str, float] = field(default_factory=dict)
    ts: float | None = None
    stations: int = 0


@dataclass
class TownshipRow:
    code: str
    name: str
    pm25: float
    aqi: int | None  # IAQI of the PM2.5 mean (graded on the 24-h breakpoints, as the real-time report does)
    stations: int


@dataclass
class HealthRow:
    kind: str
    total: int = 0
    online: int = 0
    offline: int = 0
    fault: int = 0
    alarm: int = 0
    awaiting: int = 0  # not heard from since the hub started, not yet overdue: neither online nor offline


def _fresh(store: Store, station_id: str, code: str) -> float | None:
    value = store.value(station_id, code)
    if value is None or value.flag in INVALID_FLAGS:
        return None
    if store.data_time - value.ts > FRESH_INTERVALS * store.stations[station_id].interval_s:
        return None
    return value.value


def city_summary(store: Store) -> CitySummary:
    """City AQI now: per pollutant the mean over online standard stations, then HJ 633 hourly AQI."""
    sums: dict[str, list[float]] = defaultdict(list)
    used, newest = set(), 0.0
    for station in store.stations_of(StationKind.AIR):
        if store.station_status(station.id) in (StationStatus.OFFLINE, StationStatus.AWAITING):
            continue
        for code in CITY_KEYS:
            value = _fresh(store, station.id, code)
            if value is not None:
                sums[code].append(value)
                used.add(station.id)
                newest = max(newest, store.latest[station.id][code].ts)
    conc = {POLLUTANT_NAMES[c]: sum(v) / len(v) for c, v in sums.items()}
    result = aqi.hourly_aqi({CITY_KEYS[c]: sum(v) / len(v) for c, v in sums.items()}) if sums else None
    if result is None:
        return CitySummary(None)
    return CitySummary(result.aqi, result.primary_pollutants, dict(result.iaqi), conc, newest, len(used))


def township_ranking(store: Store, names: Mapping[str, str]) -> list[TownshipRow]:
    """Townships by the mean PM2.5 of their air and micro stations, worst first."""
    values: dict[str, list[float]] = defaultdict(list)
    for station in store.stations.values():
        if station.kind in (StationKind.AIR, StationKind.MICRO):
            value = _fresh(store, station.id, "a34004")
            if value is not None:
                values[station.township].append(value)
    rows = []
    for code, vals in values.items():
        mean = sum(vals) / len(vals)
        rows.append(TownshipRow(code, names.get(code, code), mean, aqi.iaqi("PM25_24H", mean), len(vals)))
    return sorted(rows, key=lambda r: r.pm25, reverse=True)


def network_health(store: Store, looks: Mapping[str, Look]) -> list[HealthRow]:
    """Per network kind: totals, online, offline, fault, alarm and awaiting-first-report counts."""
    rows = {kind: HealthRow(kind.value) for kind in StationKind}
    for station in store.stations.values():
        row = rows[station.kind]
        row.total += 1
        status = store.station_status(station.id)
        if status == StationStatus.OFFLINE:
            row.offline += 1
            continue
        if status == StationStatus.AWAITING:
            row.awaiting += 1
            continue
        row.online += 1
        row.fault += status == StationStatus.FAULT
        look = looks.get(station.id)
        heavy = station.kind == StationKind.AIR and (look.level or 0) >= 4 if look else False
        row.alarm += bool(look and (look.state == "alarm" or heavy))
    return [row for row in rows.values() if row.total]


def city_wind(store: Store) -> tuple[float, float, float] | None:
    """Vector-mean wind of the standard stations: (direction it blows from, speed m/s, data time)."""
    east = north = 0.0
    count, newest = 0, 0.0
    for station in store.stations_of(StationKind.AIR):
        speed, direction = _fresh(store, station.id, "a01007"), _fresh(store, station.id, "a01008")
        if speed is None or direction is None:
            continue
        rad = math.radians(direction)
        east, north = east + speed * math.sin(rad), north + speed * math.cos(rad)
        count += 1
        newest = max(newest, store.latest[station.id]["a01007"].ts)
    if not count:
        return None
    direction = math.degrees(math.atan2(east, north)) % 360
    return direction, math.hypot(east, north) / count, newest


def city_series(store: Store, code: str, bucket_s: float = 3600.0) -> tuple[list[float], list[float]]:
    """Hourly city mean of a factor over the standard stations' recent series (for the city trend)."""
    buckets: dict[float, list[float]] = defaultdict(list)
    for station in store.stations_of(StationKind.AIR):
        series = store.series.get((station.id, code))
        if series is None:
            continue
        for ts, value, flag in zip(series.times, series.values, series.flags, strict=True):
            if flag not in INVALID_FLAGS:
                buckets[ts - ts % bucket_s].append(value)
    times = sorted(buckets)
    return times, [sum(buckets[t]) / len(buckets[t]) for t in times]
