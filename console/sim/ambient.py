"""Ambient air of the simulated city: diurnal and weekly cycles, an episode, and drifting industrial puffs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from console.sim.faults import hash_normal, hash_uniform, smooth_noise
from console.sim.weather import HOUR, Conditions, WeatherModel, local_hour

_M_PER_DEG = 111_320.0
_PUFF_EVERY_S = 300.0
_PUFF_LIFE_S = 3 * HOUR
_PUFF_RATE = 2.0e5  # source strength, (µg/m³ PM2.5)·m²/s: ~45 µg/m³ on the axis 1 km downwind at 3 m/s
_PUFF_SIGMA0_M = 250.0


class Group:
    """Stations of one kind that share a factor list, with their parameters as numpy arrays."""

    def __init__(
        self,
        sub: str,
        factors: tuple[str, ...],
        idx: np.ndarray,
        keys: np.ndarray,
        params: list[dict[str, Any]],
    ):
        self.sub = sub
        self.factors = factors
        self.idx = idx
        self.keys = keys
        self._params = params
        self._arrays: dict[str, np.ndarray] = {}
        self.x = np.zeros(len(idx))  # metres east of the region's reference point
        self.y = np.zeros(len(idx))  # metres north

    def __len__(self) -> int:
        return len(self.idx)

    def p(self, name: str, default: float = 0.0) -> np.ndarray:
        """A numeric (or boolean) parameter of every station of the group, as floats."""
        if name not in self._arrays:
            self._arrays[name] = np.array([float(p.get(name, default)) for p in self._params], dtype=float)
        return self._arrays[name]

    def lookup(self, name: str, table: dict[str, float]) -> np.ndarray:
        """A text parameter (zone, water class) mapped through a table, cached."""
        key = f"{name}:{id(table)}"
        if key not in self._arrays:
            self._arrays[key] = np.array([table[str(p.get(name))] for p in self._params], dtype=float)
        return self._arrays[key]


def periodic_bump(hour: float, centre: float, width: float) -> float:
    """A Gaussian bump on the 24-hour clock."""
    d = (hour - centre + 12.0) % 24.0 - 12.0
    return math.exp(-((d / width) ** 2))


def traffic(c: Conditions) -> float:
    """Traffic intensity: morning and evening rush, quieter at weekends."""
    rush = 0.3 + periodic_bump(c.hour, 8.0, 1.3) + 0.9 * periodic_bump(c.hour, 18.5, 1.8)
    return rush * (1.0 if c.workday else 0.7)


def mixing(c: Conditions) -> float:
    """Boundary-layer trapping: high in the stable night and morning, low in the mixed afternoon."""
    return 1.0 + 0.45 * math.cos(2.0 * math.pi * (c.hour - 3.0) / 24.0)


class PuffPlume:
    """Gaussian puffs released by industrial sources every few minutes and advected by the wind."""

    def __init__(self, weather: WeatherModel, sources: np.ndarray, weights: np.ndarray) -> None:
        self.weather = weather
        self.sources = sources  # (S, 2) metres
        self.weights = weights
        self._cache: tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] | None = None

    def puffs(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Centres (x, y in metres), spreads and masses of all live puffs at time t."""
        if self._cache is not None and self._cache[0] == t:
            return self._cache[1]
        last = math.floor(t / _PUFF_EVERY_S) * _PUFF_EVERY_S
        releases = last - _PUFF_EVERY_S * np.arange(int(_PUFF_LIFE_S / _PUFF_EVERY_S))
        edges = np.concatenate([[t], releases])
        u, v = self.weather.wind_uv((edges[:-1] + edges[1:]) / 2.0)
        dt = edges[:-1] - edges[1:]
        dx, dy = np.cumsum(u * dt), np.cumsum(v * dt)
        path = np.cumsum(np.hypot(u, v) * dt)
        emission = 0.8 + 0.2 * np.exp(-(((local_hour(releases) - 13.0) / 5.0) ** 2))  # day shifts
        x = (self.sources[:, :1] + dx).ravel()
        y = (self.sources[:, 1:] + dy).ravel()
        age = t - releases
        sigma = np.tile(_PUFF_SIGMA0_M + 0.3 * path + 0.15 * age, len(self.sources))
        mass = np.outer(self.weights, emission * _PUFF_RATE * _PUFF_EVERY_S).ravel()
        result = (x, y, sigma, mass)
        self._cache = (t, result)
        return result

    def pm25(self, t: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """PM2.5 (µg/m³) the puffs add at points (x, y)."""
        px, py, sigma, mass = self.puffs(t)
        r2 = (x[:, None] - px[None, :]) ** 2 + (y[:, None] - py[None, :]) ** 2
        added: np.ndarray = (mass / (2.0 * np.pi * sigma**2) * np.exp(-r2 / (2.0 * sigma**2))).sum(axis=1)
        return added


def to_metres(
    lon: np.ndarray, lat: np.ndarray, ref_lon: float, ref_lat: float
) -> tuple[np.ndarray, np.ndarray]:
    """Local equirectangular projection around a reference point (fine over a district)."""
    x = (np.asarray(lon) - ref_lon) * _M_PER_DEG * math.cos(math.radians(ref_lat))
    return x, (np.asarray(lat) - ref_lat) * _M_PER_DEG


def ambient(g: Group, c: Conditions, plume: PuffPlume) -> dict[str, np.ndarray]:
    """PM2.5, PM10, NO2, CO, SO2 and O3 at the group's stations."""
    urban, base, ws = g.p("urban"), g.p("base"), c.weather.wind_speed_ms
    minute = int(c.t // 60)
    slow = smooth_noise(g.keys, c.t, 1800.0, 11)
    white = hash_normal(g.keys, minute, 12)
    tr, mix = traffic(c), mixing(c)
    vent = min(1.6, max(0.6, 2.0 / (0.8 + 0.5 * c.synoptic_wind)))
    background = 24.0 * c.background * vent * mix * (1.15 if c.heating else 1.0)
    episode = c.episode_pm25 * (0.85 + 0.3 * hash_uniform(g.keys, 0, 13))
    puffs = plume.pm25(c.t, g.x, g.y)
    pm25 = (background * (0.75 + 0.5 * urban * tr) + episode) * base * (1.0 + 0.08 * slow) + puffs
    pm25 = np.maximum(2.0, pm25 + 1.5 * white)
    ratio = (1.45 + 0.35 * min(1.0, ws / 6.0) + 0.08 * smooth_noise(g.keys, c.t, 2400.0, 14)) * (
        1 - 0.15 * c.load
    )
    no2 = (8.0 + 30.0 * urban * tr) * mix * math.sqrt(vent) * (1.0 + 0.8 * c.load) * base + 0.5 * puffs
    photo = periodic_bump(c.hour, 14.5, 3.2) * (0.75 - 0.25 * math.cos(2 * math.pi * (c.doy - 20.0) / 365.0))
    o3 = 32.0 + 130.0 * photo * (1.0 - 0.6 * c.load) * (1.0 + 0.1 * slow) - 0.35 * np.maximum(0.0, no2 - 10.0)
    co = (0.25 + 0.45 * urban * tr) * mix * (1.0 + 1.5 * c.load) + 0.004 * puffs + 0.02 * white
    so2 = (2.5 + 2.0 * c.heating) * (1.0 + 0.3 * slow) + 0.15 * puffs + 0.3 * white
    return {
        "a34004": pm25,
        "a34002": pm25 * ratio,
        "a21004": np.maximum(2.0, no2 + 1.5 * white),
        "a21005": np.maximum(0.1, co),
        "a21026": np.maximum(1.0, so2),
        "a05024": np.maximum(2.0, o3 + 2.0 * white),
    }


def air_station(g: Group, c: Conditions, plume: PuffPlume) -> tuple[np.ndarray, None]:
    """Standard air station: the six pollutants plus its own weather instruments."""
    air = ambient(g, c, plume)
    w = c.weather
    white = hash_normal(g.keys, int(c.t // 60), 15)
    site = hash_uniform(g.keys, 0, 16)  # fixed per station: exposure of the anemometer
    air["a01001"] = w.temp_c + g.p("elev_c") + 0.2 * white
    air["a01002"] = np.clip(w.humidity_pct + 6.0 * (site - 0.5) + white, 5.0, 100.0)
    air["a01006"] = w.pressure_kpa - 0.05 * g.p("elev_c") + 0.02 * white
    air["a01007"] = np.maximum(0.1, w.wind_speed_ms * (0.75 + 0.5 * site) + 0.3 * white)
    air["a01008"] = (w.wind_dir_deg + 12.0 * white) % 360.0
    return np.column_stack([air[code] for code in g.factors]), None


def micro_station(g: Group, c: Conditions, plume: PuffPlume) -> tuple[np.ndarray, None]:
    """Micro station: PM2.5 with a sensor bias, TSP above PM10 (road and construction dust)."""
    air = ambient(g, c, plume)
    pm25 = air["a34004"] * g.p("bias", 1.0)
    return np.column_stack([pm25, air["a34002"] * g.p("bias", 1.0) * g.p("dust", 1.8)]), None


def scenic_station(g: Group, c: Conditions, plume: PuffPlume) -> tuple[np.ndarray, None]:
    """Scenic-area station: particles and negative oxygen ions (more in the morning, fewer in haze)."""
    air = ambient(g, c, plume)
    morning = 1.0 + 0.25 * periodic_bump(c.hour, 7.0, 3.0)
    ions = g.p("ions", 3000.0) * morning * np.exp(-air["a34004"] / 110.0)
    ions = ions * (1.0 + 0.1 * smooth_noise(g.keys, c.t, 900.0, 17))
    return np.column_stack([air["a34004"], air["a34002"], np.maximum(100.0, ions)]), None
