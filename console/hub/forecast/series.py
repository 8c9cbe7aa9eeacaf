"""The series a forecast reads from the hub's history: per station and local day, the daily PM2.5 and AQI
(GB 3095 / HJ 633 daily values through console/hub/history.py), the day's 24 hourly PM2.5 means, and daily
means of the meteorology the station reports (temperature, pressure, humidity, wind)."""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from console.core import aqi
from console.core.aggregation import DAY_S, HOUR_S
from console.core.models import StationKind
from console.hub.rollup import hourly_rollup
from console.hub.storage import Storage

Array = npt.NDArray[np.float64]
EPOCH = date(1970, 1, 1)
PM25 = "a34004"
TEMP, PRES, HUMIDITY, WIND_SPEED, WIND_DIR = "a01001", "a01006", "a01002", "a01007", "a01008"
MET = ("temp", "pres", "humidity", "wind_speed", "wind_u", "wind_v")  # daily meteorology columns
ITEMS = ("PM25_24H", "PM10_24H", "SO2_24H", "NO2_24H", "CO_24H", "O3_8H", "O3_1H")
CITY = "city"


@dataclass
class Series:
    """Rows (stations, or the city) × consecutive local days from ``first``; NaN where there is no value."""

    rows: list[str]
    first: date
    pm25: Array  # rows × days: daily mean PM2.5 (µg/m³)
    aqi: Array  # rows × days: daily AQI (HJ 633)
    hourly: Array  # rows × days × 24: hourly PM2.5 means by local hour
    met: Array  # rows × days × len(MET): daily meteorology means

    @property
    def days(self) -> int:
        return int(self.pm25.shape[1])

    def day(self, index: int) -> date:
        return self.first + timedelta(days=index)

    def index(self, day: date) -> int:
        return (day - self.first).days

    def city(self) -> Series:
        """The city as one row: the mean of the stations' values (the daily AQI from the mean items is
        approximated by the stations' mean AQI)."""
        with np.errstate(all="ignore"), _quiet():
            return Series(
                [CITY],
                self.first,
                np.nanmean(self.pm25, axis=0, keepdims=True),
                np.nanmean(self.aqi, axis=0, keepdims=True),
                np.nanmean(self.hourly, axis=0, keepdims=True),
                np.nanmean(self.met, axis=0, keepdims=True),
            )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """nanmean of an all-NaN slice warns; an empty day is NaN, which is what is wanted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def day_start(day: date, tz_hours: float) -> float:
    """Unix time of the local midnight that starts ``day``."""
    return (day - EPOCH).days * DAY_S - tz_hours * HOUR_S


def air_stations(storage: Storage) -> list[str]:
    """The ids of the hub's air stations (the ones with PM2.5)."""
    return sorted(s.id for s, _pw in storage.load_stations() if s.kind == StationKind.AIR)


def data_span(storage: Storage, tz_hours: float) -> tuple[date, date] | None:
    """The first and last local days with an hourly PM2.5 mean in the history, or None without any."""
    c = hourly_rollup.c
    with storage.engine.connect() as conn:
        low, high = conn.execute(
            sa.select(sa.func.min(c.hour), sa.func.max(c.hour)).where(c.factor == PM25)
        ).one()
    if low is None:
        return None
    return tuple(
        EPOCH + timedelta(days=math.floor((h * HOUR_S + tz_hours * HOUR_S) / DAY_S)) for h in (low, high)
    )  # type: ignore[return-value]


def load(storage: Storage, stations: Sequence[str], first: date, stop: date, tz_hours: float = 8) -> Series:
    """The stations' series over the local days first <= day < stop from the hub's history."""
    n_days = (stop - first).days
    if n_days <= 0:
        raise ValueError(f"no days between {first} and {stop}")
    rows = list(stations)
    row_of = {name: i for i, name in enumerate(rows)}
    start, end = day_start(first, tz_hours), day_start(stop, tz_hours)
    pm25 = np.full((len(rows), n_days), np.nan)
    aqi_d = np.full((len(rows), n_days), np.nan)
    found = storage.stations_daily(rows, start, end)
    for station, days in found.items():
        r = row_of.get(station)
        if r is None:
            continue
        for day, items in days.items():
            d = (day - first).days
            if not 0 <= d < n_days:
                continue
            if "PM25_24H" in items:
                pm25[r, d] = items["PM25_24H"]
            result = aqi.daily_aqi({k: v for k, v in items.items() if k in ITEMS})
            if result is not None:
                aqi_d[r, d] = result.aqi
    hours = n_days * 24
    grids = {}
    for factor in (PM25, TEMP, PRES, HUMIDITY, WIND_SPEED, WIND_DIR):
        grid = np.full((len(rows), hours), np.nan)
        for station, points in storage.stations_hourly(factor, start, end, rows).items():
            r = row_of.get(station)
            if r is None or not points:
                continue
            valid = [(p.ts, p.value) for p in points if p.flag != "I"]
            if not valid:
                continue
            ts, values = np.asarray(valid).T
            index = np.round((ts - start) / HOUR_S).astype(int)
            keep = (index >= 0) & (index < hours)
            grid[r, index[keep]] = values[keep]
        grids[factor] = grid.reshape(len(rows), n_days, 24)
    radians = np.deg2rad(grids[WIND_DIR])
    speed = grids[WIND_SPEED]
    hourly_met = [
        grids[TEMP], grids[PRES], grids[HUMIDITY], speed,
        -speed * np.sin(radians), -speed * np.cos(radians),  # wind towards east and north (m/s)
    ]  # fmt: skip
    with _quiet():
        met = np.stack([np.nanmean(g, axis=2) for g in hourly_met], axis=2)
    return Series(rows, first, pm25, aqi_d, grids[PM25], met)
