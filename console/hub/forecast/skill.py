"""Verification figures of a forecast against what was observed, on held-back days.

RMSE and MAE of daily PM2.5 (µg/m³); AQI-level accuracy (the forecast's HJ 633 level equals the observed
one); probability of detection (heavy days forecast as heavy / heavy days) and false-alarm ratio (heavy
forecasts that were not / heavy forecasts) of heavy-pollution days, AQI > 200. A ratio without a
denominator (no heavy day, no heavy forecast) is None, never 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from console.core.aqi import category_of
from console.hub.forecast.series import Array

HEAVY_AQI = 200.0


def rmse(forecast: Sequence[float] | Array, observed: Sequence[float] | Array) -> float | None:
    f, o = _pairs(forecast, observed)
    return float(math.sqrt(np.mean((f - o) ** 2))) if len(f) else None


def mae(forecast: Sequence[float] | Array, observed: Sequence[float] | Array) -> float | None:
    f, o = _pairs(forecast, observed)
    return float(np.mean(np.abs(f - o))) if len(f) else None


def level_accuracy(
    forecast_aqi: Sequence[float] | Array, observed_aqi: Sequence[float] | Array
) -> float | None:
    """Share of days whose forecast AQI level (1-6) is the observed one."""
    f, o = _pairs(forecast_aqi, observed_aqi)
    if not len(f):
        return None
    same = [category_of(a).level == category_of(b).level for a, b in zip(f, o, strict=True)]
    return sum(same) / len(same)


def pod_far(
    forecast_aqi: Sequence[float] | Array, observed_aqi: Sequence[float] | Array, heavy: float = HEAVY_AQI
) -> tuple[float | None, float | None]:
    """(probability of detection, false-alarm ratio) of days with AQI > ``heavy``."""
    f, o = _pairs(forecast_aqi, observed_aqi)
    hit = int(np.sum((f > heavy) & (o > heavy)))
    miss = int(np.sum((f <= heavy) & (o > heavy)))
    false = int(np.sum((f > heavy) & (o <= heavy)))
    pod = hit / (hit + miss) if hit + miss else None
    far = false / (hit + false) if hit + false else None
    return pod, far


def figures(
    pm25: Sequence[float] | Array, aqi: Sequence[float] | Array,
    observed_pm25: Sequence[float] | Array, observed_aqi: Sequence[float] | Array,
) -> dict[str, float | None]:  # fmt: skip
    """The figures of one forecast method at one lead."""
    pod, far = pod_far(aqi, observed_aqi)
    out = {
        "rmse": rmse(pm25, observed_pm25),
        "mae": mae(pm25, observed_pm25),
        "level_accuracy": level_accuracy(aqi, observed_aqi),
        "pod": pod,
        "far": far,
    }
    return {key: None if value is None else round(value, 3) for key, value in out.items()}


def _pairs(forecast: Sequence[float] | Array, observed: Sequence[float] | Array) -> tuple[Array, Array]:
    f, o = np.asarray(forecast, dtype=float).ravel(), np.asarray(observed, dtype=float).ravel()
    if f.shape != o.shape:
        raise ValueError(f"{f.size} forecasts against {o.size} observations")
    keep = ~np.isnan(f) & ~np.isnan(o)
    return f[keep], o[keep]
