"""Limits and grading of GB 3095-2012 (ambient air), GB 3096-2008 (noise) and GB 3838-2002 (surface water)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import time

import msgspec

# ---- GB 3095-2012 ambient air: (grade I, grade II), µg/m³ except CO in mg/m³ ----

AIR_PERIODS: tuple[str, ...] = ("annual", "quarterly", "24h", "8h", "1h")  # "8h" = daily max 8-hour mean

AIR_LIMITS: dict[str, dict[str, tuple[float, float]]] = {
    "SO2": {"annual": (20, 60), "24h": (50, 150), "1h": (150, 500)},
    "NO2": {"annual": (40, 40), "24h": (80, 80), "1h": (200, 200)},
    "CO": {"24h": (4, 4), "1h": (10, 10)},
    "O3": {"8h": (100, 160), "1h": (160, 200)},
    "PM10": {"annual": (40, 70), "24h": (50, 150)},
    "PM2.5": {"annual": (15, 35), "24h": (35, 75)},
    "TSP": {"annual": (80, 200), "24h": (120, 300)},
    "NOx": {"annual": (50, 50), "24h": (100, 100), "1h": (250, 250)},
    "Pb": {"annual": (0.5, 0.5), "quarterly": (1, 1)},
    "BaP": {"annual": (0.001, 0.001), "24h": (0.0025, 0.0025)},
}

# HJ 212-2017 factor code -> GB 3095 pollutant name.
AIR_POLLUTANT_BY_CODE: dict[str, str] = {
    "a21026": "SO2",
    "a21004": "NO2",
    "a21005": "CO",
    "a05024": "O3",
    "a34002": "PM10",
    "a34004": "PM2.5",
    "a34001": "TSP",
    "a21002": "NOx",
}

# ---- GB 3096-2008 environmental noise: zone -> (day, night) Leq limit in dB(A) ----

NOISE_LIMITS: dict[str, tuple[float, float]] = {
    "0": (50, 40),
    "1": (55, 45),
    "2": (60, 50),
    "3": (65, 55),
    "4a": (70, 55),
    "4b": (70, 60),
}
NIGHT_START = time(22, 0)
NIGHT_END = time(6, 0)

# ---- GB 3838-2002 surface water: limits of classes I..V, mg/L ----

WATER_CLASS_LABELS: tuple[str, ...] = ("I", "II", "III", "IV", "V", "劣V")
WATER_CLASS_LABELS_ZH: tuple[str, ...] = ("Ⅰ类", "Ⅱ类", "Ⅲ类", "Ⅳ类", "Ⅴ类", "劣Ⅴ类")
WORSE_THAN_V = 6

PH_RANGE: tuple[float, float] = (6.0, 9.0)  # the same for classes I..V; outside it the water is 劣V
LOWER_BOUND_PARAMS = frozenset({"DO"})  # higher is better: the limit is a minimum

WATER_LIMITS: dict[str, tuple[float, ...]] = {
    "DO": (7.5, 6, 5, 3, 2),
    "CODMn": (2, 4, 6, 10, 15),
    "COD": (15, 15, 20, 30, 40),
    "BOD5": (3, 3, 4, 6, 10),
    "NH3N": (0.15, 0.5, 1.0, 1.5, 2.0),
    "TP": (0.02, 0.1, 0.2, 0.3, 0.4),
    "Cu": (0.01, 1.0, 1.0, 1.0, 1.0),
    "Zn": (0.05, 1.0, 1.0, 2.0, 2.0),
    "F": (1.0, 1.0, 1.0, 1.5, 1.5),
    "Se": (0.01, 0.01, 0.01, 0.02, 0.02),
    "As": (0.05, 0.05, 0.05, 0.1, 0.1),
    "Hg": (0.00005, 0.00005, 0.0001, 0.001, 0.001),
    "Cd": (0.001, 0.005, 0.005, 0.005, 0.01),
    "Cr6": (0.01, 0.05, 0.05, 0.05, 0.1),
    "Pb": (0.01, 0.01, 0.05, 0.05, 0.1),
    "CN": (0.005, 0.05, 0.2, 0.2, 0.2),
    "volatile_phenol": (0.002, 0.002, 0.005, 0.01, 0.1),
    "petroleum": (0.05, 0.05, 0.05, 0.5, 1.0),
    "LAS": (0.2, 0.2, 0.2, 0.3, 0.3),
    "sulfide": (0.05, 0.1, 0.2, 0.5, 1.0),
    "fecal_coliform": (200, 2000, 10000, 20000, 40000),  # per litre
}
# Lakes and reservoirs: TP has its own, stricter table; TN is graded only there.
WATER_LAKE_LIMITS: dict[str, tuple[float, ...]] = {
    "TP": (0.01, 0.025, 0.05, 0.1, 0.2),
    "TN": (0.2, 0.5, 1.0, 1.5, 2.0),
}
# Reported by water stations but not graded by GB 3838: accepted and ignored.
UNGRADED_WATER_PARAMS = frozenset({"water_temp", "conductivity", "turbidity"})

WATER_PARAM_BY_CODE: dict[str, str] = {
    "w01001": "pH",
    "w01009": "DO",
    "w01019": "CODMn",
    "w01018": "COD",
    "w01017": "BOD5",
    "w21003": "NH3N",
    "w21011": "TP",
    "w21001": "TN",
}

_GRADED_WATER_PARAMS: tuple[str, ...] = ("pH", *WATER_LIMITS, "TN")  # also the order of `determining`


class WaterClassResult(msgspec.Struct, frozen=True, kw_only=True):
    """GB 3838 class of a sample: grade 1–5 = classes I–V, 6 = worse than V (劣V类)."""

    grade: int
    label: str
    label_zh: str
    determining: tuple[str, ...]  # the parameters whose class is the sample's class
    param_grades: dict[str, int]  # grade of every evaluated parameter


def air_limit(pollutant: str, period: str, grade: int = 2) -> float | None:
    """GB 3095-2012 limit of a pollutant for an averaging period and grade (1 or 2); None if not set.

    Units µg/m³, CO mg/m³. Period "8h" is the daily maximum 8-hour mean (O3).
    """
    limits = AIR_LIMITS.get(pollutant)
    if limits is None:
        raise ValueError(f"unknown pollutant {pollutant!r}; expected one of {', '.join(AIR_LIMITS)}")
    if period not in AIR_PERIODS:
        raise ValueError(f"unknown averaging period {period!r}; expected one of {', '.join(AIR_PERIODS)}")
    if grade not in (1, 2):
        raise ValueError(f"GB 3095 grade must be 1 or 2, got {grade!r}")
    pair = limits.get(period)
    return None if pair is None else float(pair[grade - 1])


def noise_limit(zone: str, night: bool) -> float:
    """GB 3096-2008 Leq limit in dB(A) of an acoustic zone ("0", "1", "2", "3", "4a", "4b")."""
    limits = NOISE_LIMITS.get(str(zone).strip().lower())
    if limits is None:
        raise ValueError(f"unknown noise zone {zone!r}; expected one of {', '.join(NOISE_LIMITS)}")
    return float(limits[1] if night else limits[0])


def is_night(local_hour: int, minute: int = 0, *, start: time = NIGHT_START, end: time = NIGHT_END) -> bool:
    """Whether a local time falls in the night period, by default 22:00 (included) to 06:00 (excluded).

    Local governments may set another window through `start` and `end`.
    """
    now = time(local_hour, minute)
    if start <= end:
        return start <= now < end
    return now >= start or now < end


def water_class(params: Mapping[str, float], lake: bool = False) -> WaterClassResult | None:
    """GB 3838-2002 class of a sample by the single-factor rule: the worst class of any parameter.

    Parameters by name (see WATER_LIMITS, plus pH and TN); TN counts only for lakes and reservoirs, whose
    TP table is stricter. Missing or NaN values are not evaluated; None when nothing can be evaluated.
    """
    grades = {}
    for name, value in params.items():
        grade = _param_grade(name, value, lake)
        if grade is not None:
            grades[name] = grade
    if not grades:
        return None
    worst = max(grades.values())
    return WaterClassResult(
        grade=worst,
        label=WATER_CLASS_LABELS[worst - 1],
        label_zh=WATER_CLASS_LABELS_ZH[worst - 1],
        determining=tuple(p for p in _GRADED_WATER_PARAMS if grades.get(p) == worst),
        param_grades=grades,
    )


def water_class_from_codes(
    values_by_code: Mapping[str, float], lake: bool = False
) -> WaterClassResult | None:
    """water_class() of values keyed by HJ 212 code; codes GB 3838 does not grade are ignored."""
    named = {WATER_PARAM_BY_CODE[c]: v for c, v in values_by_code.items() if c in WATER_PARAM_BY_CODE}
    return water_class(named, lake)


def water_limit(param: str, grade: int, lake: bool = False) -> float | None:
    """GB 3838 limit of a parameter for class 1–5 (DO: a minimum, others: a maximum), for limit lines.

    None for pH (see PH_RANGE), for grade 6 (劣V has no limit) and for TN in rivers.
    """
    _check_water_param(param)
    if grade not in range(1, WORSE_THAN_V + 1):
        raise ValueError(f"water class grade must be 1..6, got {grade!r}")
    limits = _water_limits(param, lake)
    if limits is None or grade == WORSE_THAN_V:
        return None
    return float(limits[grade - 1])


def _param_grade(name: str, value: float | None, lake: bool) -> int | None:
    _check_water_param(name)
    if value is None or math.isnan(value):
        return None
    if name == "pH":
        return 1 if PH_RANGE[0] <= value <= PH_RANGE[1] else WORSE_THAN_V
    limits = _water_limits(name, lake)
    if limits is None:
        return None
    if name in LOWER_BOUND_PARAMS:
        passed = (value >= limit for limit in limits)
    else:
        passed = (value <= limit for limit in limits)
    return next((i for i, ok in enumerate(passed, start=1) if ok), WORSE_THAN_V)


def _water_limits(param: str, lake: bool) -> tuple[float, ...] | None:
    if lake and param in WATER_LAKE_LIMITS:
        return WATER_LAKE_LIMITS[param]
    return WATER_LIMITS.get(param)


def _check_water_param(name: str) -> None:
    if name not in _GRADED_WATER_PARAMS and name not in UNGRADED_WATER_PARAMS:
        known = ", ".join([*_GRADED_WATER_PARAMS, *sorted(UNGRADED_WATER_PARAMS)])
        raise ValueError(f"unknown water parameter {name!r}; expected one of {known}")


# --- emission and nuisance limits used to flag exceedances on the wall -----------------------------------
# Typical permit limits of the key enterprises' outlets (stack gases in mg/m³: SO2, NOx, smoke dust, as in
# GB 13223 special emission limits; waste water in mg/L: COD, NH3-N, as in GB 8978 class 1). A real
# deployment loads each outlet's own permit; these are the defaults.
EMISSION_LIMITS: dict[str, float] = {
    "a21026": 10.0,
    "a21002": 30.0,
    "a34013": 5.0,
    "w01018": 50.0,
    "w21003": 5.0,
}
# Catering fume: Beijing DB11/1488-2018, 1.0 mg/m³.
FUME_LIMIT = 1.0
# Landfill boundary odour, GB 14554-93 class II (new/expanded): H2S and NH3 in mg/m³, odour dimensionless.
ODOUR_LIMITS: dict[str, float] = {"a21028": 0.06, "a21001": 1.5, "a99002": 20.0}
