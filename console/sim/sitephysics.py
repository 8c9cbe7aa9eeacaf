"""Signals of the non-ambient monitors: surface water, noise, catering fume, outlets and landfill odour."""

from __future__ import annotations

import math

import numpy as np

from console.core.standards import EMISSION_LIMITS
from console.sim.ambient import Group, periodic_bump, traffic
from console.sim.faults import FLAG_F, FLAG_N, hash_normal, hash_uniform, smooth_noise
from console.sim.weather import HOUR, Conditions

# GB 3838-2002 limits by target class: CODMn, CODcr, NH3-N, TP (rivers), TN; DO is a lower bound.
_WATER_LIMITS = {
    "codmn": {"I": 2.0, "II": 4.0, "III": 6.0, "IV": 10.0, "V": 15.0},
    "cod": {"I": 15.0, "II": 15.0, "III": 20.0, "IV": 30.0, "V": 40.0},
    "nh3n": {"I": 0.15, "II": 0.5, "III": 1.0, "IV": 1.5, "V": 2.0},
    "tp": {"I": 0.02, "II": 0.1, "III": 0.2, "IV": 0.3, "V": 0.4},
    "tn": {"I": 0.2, "II": 0.5, "III": 1.0, "IV": 1.5, "V": 2.0},
    "do": {"I": 8.8, "II": 8.2, "III": 7.2, "IV": 6.0, "V": 5.0},  # typical daily mean, not the limit
}
# GB 3096-2008 day / night limits by zone class, dB(A).
_NOISE_DAY = {"0": 50.0, "1": 55.0, "2": 60.0, "3": 65.0, "4a": 70.0, "4b": 70.0}
_NOISE_NIGHT = {"0": 40.0, "1": 45.0, "2": 50.0, "3": 55.0, "4a": 55.0, "4b": 60.0}
# Outlet limits the simulated enterprises work against (mg/m³ for gas, mg/L for water): Beijing
# DB11/139-2015 boilers for gas, GB 18918-2002 class 1A for treated water.
SOURCE_LIMITS = EMISSION_LIMITS  # outlets run around the permit limits the wall grades them against
Result = tuple[np.ndarray, np.ndarray | None]  # values (stations × factors), row flags or None
_LUNCH = (10.5 * 60, 13.5 * 60)  # cooking windows, local minutes
_DINNER = (17.0 * 60, 20.5 * 60)


def water_station(g: Group, c: Conditions) -> Result:
    """Surface water: pollutants near the target class limits, DO and pH with a photosynthesis cycle."""
    level = 0.65 + 0.18 * smooth_noise(g.keys, c.t, 6 * HOUR, 21) + 0.05 * smooth_noise(g.keys, c.t, HOUR, 22)
    worse = g.p("worse") * np.maximum(0.0, smooth_noise(g.keys, c.t, 3 * HOUR, 23)) * 1.5  # the bad section
    level = level * (1.0 + worse)  # fraction of the target class limits
    sun = math.sin(2.0 * math.pi * (c.hour - 9.0) / 24.0)  # peaks at 15:00
    season = 12.0 - 11.0 * math.cos(2.0 * math.pi * (c.doy - 25.0) / 365.0)
    white = hash_normal(g.keys, int(c.t // 60), 24)
    nh3n = g.lookup("cls", _WATER_LIMITS["nh3n"]) * level
    values = {
        "w01010": np.full(len(g), max(0.5, season + 1.5 * math.cos(2.0 * math.pi * (c.hour - 16.0) / 24.0))),
        "w01001": 7.65 + 0.3 * sun - 0.2 * worse + 0.03 * white,
        "w01009": np.maximum(
            0.5, g.lookup("cls", _WATER_LIMITS["do"]) + 1.3 * sun - 1.8 * worse + 0.1 * white
        ),
        "w01014": g.p("cond", 400.0) * (1.0 + 0.04 * smooth_noise(g.keys, c.t, 2 * HOUR, 25)),
        "w01003": g.p("turb", 10.0) * (1.0 + 0.3 * smooth_noise(g.keys, c.t, 3 * HOUR, 26)),
        "w01018": g.lookup("cls", _WATER_LIMITS["cod"]) * level * 0.95,
        "w01019": g.lookup("cls", _WATER_LIMITS["codmn"]) * level,
        "w21003": nh3n,
        "w21011": g.lookup("cls", _WATER_LIMITS["tp"]) * level * 0.9,
        "w21001": 1.8 * nh3n + 0.3 * g.lookup("cls", _WATER_LIMITS["tn"]),
    }
    return np.column_stack([values[code] for code in g.factors]), None


def noise_station(g: Group, c: Conditions) -> Result:
    """Environmental noise Leq: zone-dependent day and night levels, some loud nights at busy roads."""
    dayness = min(1.0, max(0.0, c.hour - 5.5)) * min(1.0, max(0.0, 22.5 - c.hour))
    day = g.lookup("zone", _NOISE_DAY) - 4.5 + 1.5 * traffic(c)
    night = g.lookup("zone", _NOISE_NIGHT) - 3.5 + g.p("night_excess")
    jitter = 1.2 * hash_normal(g.keys, int(c.t // 60), 31) + 0.8 * smooth_noise(g.keys, c.t, 1200.0, 32)
    leq = dayness * day + (1.0 - dayness) * night + g.p("level") + jitter
    return leq[:, None], None


def _in_window(minutes: np.ndarray, window: tuple[float, float]) -> np.ndarray:
    return (minutes >= window[0]) & (minutes < window[1])


def fume_station(g: Group, c: Conditions, purifier_off_rate: float) -> Result:
    """Catering fume: fan on while cooking; purifier on too, except offenders and today's lapses."""
    minutes = c.hour * 60.0 - g.p("shift_min")
    day = int((c.t + 8 * HOUR) // 86400)
    closed = hash_uniform(g.keys, day, 33) < 0.03
    cooking = ((g.p("lunch") > 0) & _in_window(minutes, _LUNCH) | _in_window(minutes, _DINNER)) & ~closed
    lapse = hash_uniform(g.keys, day, 909) < purifier_off_rate
    purifier = cooking & ~((g.p("offender") > 0) | lapse)
    u = 0.5 + 0.5 * smooth_noise(g.keys, c.t, 600.0, 34)
    fume = np.where(purifier, g.p("fume", 0.6) * (0.7 + 0.6 * u), 2.5 + 3.5 * u)
    fume = np.where(cooking, fume, 0.02 + 0.06 * u)
    columns = {"a34041": fume, "SB1-RS": purifier.astype(float), "SB2-RS": cooking.astype(float)}
    return np.column_stack([columns[code] for code in g.factors]), None


def _running(g: Group, c: Conditions) -> np.ndarray:
    running: np.ndarray = (g.p("day_only") == 0) | ((c.hour >= 7.0) & (c.hour < 19.0))
    return running


def _exceedance(g: Group, c: Conditions, n_pollutants: int) -> np.ndarray:
    """Per-pollutant gain: mostly 1, occasionally 1.25-1.85 for a whole hour on one pollutant."""
    hour = int(c.t // HOUR)
    hit = hash_uniform(g.keys, hour, 41) < 0.02 * g.p("exceed", 1.0)
    slot = (hash_uniform(g.keys, hour, 42) * n_pollutants).astype(int)
    gain = np.ones((len(g), n_pollutants))
    rows = np.flatnonzero(hit)
    gain[rows, slot[rows]] = 1.25 + 0.6 * hash_uniform(g.keys, hour, 43)[rows]
    return gain


def source_station(g: Group, c: Conditions) -> Result:
    """Key-enterprise outlet: flow and concentrations around the limits; flag F while the plant stops."""
    running = _running(g, c)
    pollutants = [code for code in g.factors if code in SOURCE_LIMITS]
    slow = smooth_noise(g.keys, c.t, 1800.0, 44)
    white = hash_normal(g.keys, int(c.t // 60), 45)
    limits = np.array([SOURCE_LIMITS[code] for code in pollutants])
    conc = g.p("load", 0.6)[:, None] * limits * (1.0 + 0.12 * slow + 0.04 * white)[:, None]
    conc = conc * _exceedance(g, c, len(pollutants))
    conc = np.where(running[:, None], conc, conc * 0.05)
    flow = np.where(running, (12.0 * g.p("base", 1.0)) * (0.9 + 0.1 * slow), 0.05)
    columns = dict(zip(pollutants, conc.T, strict=True)) | {"a00000": flow, "w00000": flow}
    flags = np.where(running, FLAG_N, FLAG_F).astype(np.uint8)
    return np.column_stack([columns[code] for code in g.factors]), flags


def odour_station(g: Group, c: Conditions) -> Result:
    """Landfill odour: H2S, NH3 and odour concentration, much higher in calm air and in short bursts."""
    calm = math.exp(-c.weather.wind_speed_ms / 1.2)
    half_hour = int(c.t // 1800)
    burst = np.where(
        hash_uniform(g.keys, half_hour, 51) < 0.04, 2.5 + 2.5 * hash_uniform(g.keys, half_hour, 52), 1
    )
    strength = g.p("strength", 1.0) * burst * (1.0 + 0.25 * smooth_noise(g.keys, c.t, 1200.0, 53))
    working = 1.0 + 0.3 * periodic_bump(c.hour, 12.0, 4.0)  # tipping and compaction by day
    white = hash_normal(g.keys, int(c.t // 60), 54)
    columns = {
        "a21028": np.maximum(0.0005, 0.004 * strength * working * (1.0 + 5.0 * calm) + 0.0004 * white),
        "a21001": np.maximum(0.005, 0.06 * strength * working * (1.0 + 4.0 * calm) + 0.005 * white),
        "a99002": np.maximum(5.0, 8.0 + 28.0 * strength * calm * working + white),
    }
    return np.column_stack([columns[code] for code in g.factors]), None
