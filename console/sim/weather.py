"""Regional weather of the simulated city: smooth seeded wind, temperature, humidity, pressure, episodes."""

from __future__ import annotations

import math

import msgspec
import numpy as np
from numpy.random import PCG64, Generator

HOUR = 3600.0
DAY = 86400.0
LOCAL_OFFSET_S = 8 * HOUR  # China Standard Time, UTC+8


class Weather(msgspec.Struct, frozen=True):
    """Regional weather at one time; wind direction is where the wind blows FROM (degrees from north)."""

    wind_speed_ms: float
    wind_dir_deg: float
    temp_c: float
    humidity_pct: float
    pressure_kpa: float


class Episode(msgspec.Struct, frozen=True):
    """A scripted pollution episode: stagnant southerly build-up, then a north wind clears it.

    PM2.5 builds from `start` to `peak` (= end - clear_hours) under weak southerly wind; a cold front
    (strong north wind) then clears it within `clear_hours`. Times are Unix seconds.
    """

    start: float
    end: float
    name: str = "静稳天气重污染过程"
    peak_pm25: float = 200.0  # regional PM2.5 added at the peak, µg/m³
    clear_hours: float = 4.0

    @property
    def peak(self) -> float:
        """Time of the highest pollution, when the front arrives."""
        return self.end - self.clear_hours * HOUR


def default_episodes(start: float) -> list[Episode]:
    """One episode starting 2 simulated hours after `start` and lasting 36 hours."""
    return [Episode(start=start + 2 * HOUR, end=start + 38 * HOUR)]


def local_hour(t: float | np.ndarray) -> float | np.ndarray:
    """Local clock hour (UTC+8) as a fraction, 0 <= h < 24."""
    return ((t + LOCAL_OFFSET_S) % DAY) / HOUR


def weekday(t: float) -> int:
    """Local day of the week, Monday = 0 (1970-01-01 was a Thursday)."""
    return (int((t + LOCAL_OFFSET_S) // DAY) + 3) % 7


def day_of_year(t: float) -> float:
    """Approximate local day of the year (0..365), good enough for seasons."""
    return ((t + LOCAL_OFFSET_S) / DAY) % 365.2425


def _ramp(x: np.ndarray) -> np.ndarray:
    """Smoothstep of x clipped to [0, 1]."""
    x = np.clip(x, 0.0, 1.0)
    ramp: np.ndarray = x * x * (3.0 - 2.0 * x)
    return ramp


class _Wave:
    """A smooth seeded signal within [-1, 1]: a sum of slow sinusoids (periods in hours)."""

    def __init__(self, rng: Generator, min_hours: float = 6.0, max_hours: float = 72.0, terms: int = 4):
        self.omega = 2.0 * np.pi / (rng.uniform(min_hours, max_hours, terms) * HOUR)
        self.phase = rng.uniform(0.0, 2.0 * np.pi, terms)
        weights = rng.uniform(0.5, 1.0, terms)
        self.amp = weights / weights.sum()

    def __call__(self, t: float | np.ndarray) -> np.ndarray:
        times = np.asarray(t, dtype=float)
        wave: np.ndarray = np.sin(np.multiply.outer(times, self.omega) + self.phase) @ self.amp
        return wave


def _uv(speed: float | np.ndarray, from_deg: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Air motion (east, north components) of a wind blowing FROM a direction."""
    rad = np.radians(from_deg)
    return -speed * np.sin(rad), -speed * np.cos(rad)


class WeatherModel:
    """Seeded regional weather, a pure function of time; episodes override wind and pollution load."""

    def __init__(self, seed: int, pressure_kpa: float, episodes: list[Episode]) -> None:
        rng = Generator(PCG64([seed, 0x57EA]))
        self.episodes = list(episodes)
        self.pressure_kpa = pressure_kpa
        self._wind_u, self._wind_v = _Wave(rng), _Wave(rng)
        self._temp, self._humidity = _Wave(rng, 36.0, 120.0), _Wave(rng, 8.0, 60.0)
        self._pressure = _Wave(rng, 24.0, 120.0)
        self._background = _Wave(rng, 24.0, 96.0)

    def _episode_weights(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights (0..1) of the stagnant southerly and of the clearing north wind at times t."""
        stagnant, north = np.zeros_like(t), np.zeros_like(t)
        for ep in self.episodes:
            stagnant += _ramp((t - ep.start) / HOUR) * (1.0 - _ramp((t - ep.peak) / (0.5 * HOUR)))
            north += _ramp((t - ep.peak) / (0.5 * HOUR)) * (1.0 - _ramp((t - ep.end) / (3.0 * HOUR)))
        return np.clip(stagnant, 0.0, 1.0), np.clip(north, 0.0, 1.0)

    def wind_uv(self, t: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Regional air motion (m/s east, m/s north) at times t, vectorised."""
        t = np.asarray(t, dtype=float)
        h = local_hour(t)
        gust = 0.65 + 0.7 * np.exp(-((((h - 14.5 + 12.0) % 24.0 - 12.0) / 4.5) ** 2))  # mixing by day
        u = (1.6 + 2.2 * self._wind_u(t)) * gust  # the prevailing north-westerly, drifting over hours
        v = (-1.6 + 2.2 * self._wind_v(t)) * gust
        breeze_u, breeze_v = _uv(1.2 * np.maximum(0.0, np.sin(np.pi * (h - 9.0) / 12.0)), 160.0)
        u, v = u + breeze_u, v + breeze_v  # afternoon valley breeze from the south-south-east
        stagnant, north = self._episode_weights(t)
        calm_u, calm_v = _uv(1.0 + 0.3 * self._wind_u(t), 190.0 + 15.0 * self._wind_v(t))
        front_u, front_v = _uv(7.0 + 1.0 * self._wind_u(t), 350.0)
        keep = np.clip(1.0 - stagnant - north, 0.0, 1.0)
        return keep * u + stagnant * calm_u + north * front_u, keep * v + stagnant * calm_v + north * front_v

    def synoptic_wind(self, t: float) -> float:
        """Large-scale wind speed (m/s) without the diurnal cycle: what ventilates the region for hours."""
        times = np.asarray(t, dtype=float)
        speed = np.hypot(1.6 + 2.2 * self._wind_u(times), -1.6 + 2.2 * self._wind_v(times))
        stagnant, north = self._episode_weights(times)
        return float(np.clip(1.0 - stagnant - north, 0.0, 1.0) * speed + stagnant * 1.0 + north * 7.0)

    def at(self, t: float) -> Weather:
        """The regional weather at time t."""
        u, v = self.wind_uv(t)
        speed = max(0.2, float(math.hypot(u, v)))
        direction = math.degrees(math.atan2(-float(u), -float(v))) % 360.0
        stagnant, north = (float(w) for w in self._episode_weights(np.asarray(t, dtype=float)))
        temp = self.temperature(t) - 4.0 * north
        swing = 6.0 * math.cos(2.0 * math.pi * (local_hour(t) - 15.0) / 24.0)
        humidity = 52.0 - 2.2 * swing + 20.0 * float(self._humidity(t)) + 25.0 * stagnant - 20.0 * north
        tide = 0.12 * math.cos(4.0 * math.pi * (local_hour(t) - 10.0) / 24.0)
        pressure = self.pressure_kpa + 0.7 * float(self._pressure(t)) + tide - 0.3 * stagnant + 0.7 * north
        return Weather(
            wind_speed_ms=round(speed, 2),
            wind_dir_deg=round(direction, 1) % 360.0,
            temp_c=round(temp, 2),
            humidity_pct=round(min(98.0, max(10.0, humidity)), 1),
            pressure_kpa=round(pressure, 3),
        )

    def temperature(self, t: float) -> float:
        """Air temperature: seasonal mean (cold winters), diurnal swing peaking at 15:00, slow weather."""
        season = 9.0 - 14.0 * math.cos(2.0 * math.pi * (day_of_year(t) - 20.0) / 365.0)
        swing = 6.0 * math.cos(2.0 * math.pi * (local_hour(t) - 15.0) / 24.0)
        return season + swing + 4.0 * float(self._temp(t))

    def background_factor(self, t: float) -> float:
        """Slow synoptic swing of regional background pollution (0.6..1.4), lower after a front."""
        after_front = 0.0
        for ep in self.episodes:
            if t >= ep.peak:
                after_front = max(after_front, math.exp(-max(0.0, t - ep.end) / (10.0 * HOUR)))
        return (1.0 + 0.4 * float(self._background(t))) * (1.0 - 0.55 * after_front)

    def episode_load(self, t: float) -> float:
        """Episode intensity 0..1: builds to 1 at the peak, decays within the clearing hours."""
        load = 0.0
        for ep in self.episodes:
            if ep.start <= t < ep.peak:
                x = (t - ep.start) / (ep.peak - ep.start)
                night = 0.1 * math.cos(2.0 * math.pi * (local_hour(t) - 2.0) / 24.0)  # nights accumulate
                load = max(load, x**1.4 * (1.0 + night))
            elif t >= ep.peak:
                load = max(load, math.exp(-(t - ep.peak) / (0.8 * HOUR)))
        return min(1.0, load)

    def episode_peak_pm25(self, t: float) -> float:
        """Regional PM2.5 (µg/m³) the episodes add at time t."""
        best = 0.0
        for ep in self.episodes:
            if ep.start <= t:
                best = max(best, ep.peak_pm25)
        return best * self.episode_load(t)


class Conditions(msgspec.Struct, frozen=True):
    """Everything that is the same for every station at one data time: clock, weather, episode state."""

    t: float
    hour: float  # local clock hour
    workday: bool
    doy: float
    weather: Weather
    load: float  # episode intensity 0..1
    episode_pm25: float  # regional PM2.5 the episode adds, µg/m³
    background: float  # synoptic factor of regional background pollution
    synoptic_wind: float  # large-scale wind speed, m/s (ventilation)
    heating: bool  # heating season (15 Nov - 15 Mar): more SO2 and PM


def conditions(model: WeatherModel, t: float) -> Conditions:
    """The shared conditions at data time t."""
    doy = day_of_year(t)
    return Conditions(
        t=t,
        hour=float(local_hour(t)),
        workday=weekday(t) < 5,
        doy=doy,
        weather=model.at(t),
        load=model.episode_load(t),
        episode_pm25=model.episode_peak_pm25(t),
        background=model.background_factor(t),
        synoptic_wind=model.synoptic_wind(t),
        heating=doy >= 318.0 or doy < 74.0,
    )
