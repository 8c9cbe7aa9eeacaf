"""Alarm rules: readings, station states and the data clock in, incident findings out (the "discover" step).

Longer than most modules because it holds the whole rule set; it reads top-down:

1. ``Finding``, ``RULES`` and ``RuleConfig`` (every threshold, with the reason for its default);
2. ``_Episode`` and the episode book-keeping of ``RuleEngine`` (one "open" per station and rule, "update"
   on a worse severity or a materially higher peak, "clear" once the condition has been absent for the
   rule's hold time);
3. channels: one small object per (station, factor) that a reading is dispatched to in O(1), chosen once
   at start-up by station kind and factor. Channels keep just enough state for their rules (last value and
   repeat count, a running baseline, the open hour's sums) and report "condition present" to the engine;
4. ``RuleEngine``: ``feed`` (the hot path), ``status``, ``tick`` (neighbour comparison, offline duration,
   clears) and ``open_episodes``.

Time is always data time (the readings' ``ts``, Unix seconds UTC); local times in reasons and the cooking
and night windows use ``tz_hours``. Not thread-safe: use from one thread (the hub's event loop).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from console.core import aqi
from console.core.factors import FACTORS, unit_of
from console.core.incidents import Severity
from console.core.models import INVALID_FLAGS, Reading, Station, StationStatus
from console.core.protocol import StatusEntry
from console.core.reasons import Why, render
from console.core.standards import (
    AIR_LIMITS,
    AIR_POLLUTANT_BY_CODE,
    EMISSION_LIMITS,
    FUME_LIMIT,
    LOWER_BOUND_PARAMS,
    NOISE_LIMITS,
    ODOUR_LIMITS,
    PH_RANGE,
    WATER_CLASS_LABELS,
    WATER_LIMITS,
    WATER_PARAM_BY_CODE,
    WORSE_THAN_V,
    noise_limit,
)
from console.hub.derive import min_hourly_count

HOUR_S = 3600
DAY_S = 86400

RULES: tuple[str, ...] = (
    "exceedance",  # air quality category (AQI_H, or a micro station's hourly PM2.5) at or above 中度污染
    "sudden_rise",  # a particle concentration jumps far above its recent baseline
    "neighbour_high",  # 异常高值点位: several times the median of same-kind stations nearby, sustained
    "offline",  # the logger has sent nothing for longer than a threshold
    "stuck",  # the same value repeated for many consecutive readings
    "purifier_off",  # catering purifier off while cooking fume is present in cooking hours
    "water_class",  # surface water worse than its section's GB 3838 target class
    "night_noise",  # hourly Leq over the GB 3096 night limit of the zone (22:00-06:00 local)
    "emission",  # a key enterprise's outlet over its permit limit
    "odour",  # landfill boundary odour over GB 14554
)

_PARTICLES = ("a34004", "a34002", "a34001")
_AIR_GASES = ("a21026", "a21004", "a21005", "a05024")
_STATE_FACTORS = frozenset({"SB1-RS", "SB2-RS"})
# Factors whose value legitimately repeats (slow or coarse analysers, weather, states): never "stuck".
_NOT_STUCK = frozenset({"w01010", "w01014", "w01003", "w01018", "w01019", "w21003", "w21011", "w21001"})
_CODE_OF_PARAM = {param: code for code, param in WATER_PARAM_BY_CODE.items()}
_IAQI_KEY = {code: name.replace(".", "") + "_1H" for code, name in AIR_POLLUTANT_BY_CODE.items()}


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule found at a station: open a new episode, update it, or suggest closing it."""

    kind: str  # "open" (new episode), "update" (worse / new peak), "clear" (condition gone: suggest closing)
    station: str
    rule: str  # one of RULES
    category: str  # incident category: air, water, noise, fume, source, odour, device
    severity: Severity
    ts: float  # data time (Unix s, UTC) of the reading (or clock tick) that caused this finding
    title: str  # short English title
    reason: str  # one English sentence: rule, factor, value with unit, limit or threshold, local time
    values: dict[str, float]  # the numbers behind the reason
    why: Why | None = None  # the reason as template and arguments, for consoles in other languages


def _rise_abs() -> dict[str, float]:
    # About one AQI category of PM2.5 (75 µg/m³) and the PM10/TSP equivalents: smaller jumps happen with
    # every passing lorry or change of wind and say nothing a duty officer could act on.
    return {"a34004": 75.0, "a34002": 150.0, "a34001": 300.0}


def _neighbour_abs() -> dict[str, float]:
    # A ratio alone fires in clean air (12 vs 4 µg/m³); the excess must also be about a GB 3095 grade I
    # daily limit (PM2.5 35, TSP 120 µg/m³) before a hotspot is worth sending someone to.
    return {"a34004": 35.0, "a34001": 120.0}


@dataclass(frozen=True, slots=True)
class RuleConfig:
    """Thresholds of every rule; times are data time in seconds, concentrations in the factor's unit."""

    # -- episodes
    update_min_s: float = 600.0  # a growing peak re-announces at most every 10 min (severity rises at once)
    update_growth: float = 0.2  # a peak must be 20 % worse than the last announced one to count
    # -- exceedance (air, scenic via AQI_H; micro via its hourly PM2.5 mean graded on HJ 633)
    aqi_min_level: int = 4  # 中度污染 (4) MEDIUM, 重度 (5) HIGH, 严重 (6) CRITICAL; 轻度 (3) is common in a
    # northern winter: it stays a colour on the wall, not an incident that someone must handle
    exceedance_hold_s: float = 3 * HOUR_S  # hourly values: two clean hours after the last bad hour end it
    # -- sudden rise
    rise_window_s: float = 1800.0  # time constant of the running baseline ("within a short window")
    rise_ratio: float = 2.5  # and more than 2.5 times the baseline ...
    rise_abs: dict[str, float] = field(default_factory=_rise_abs)  # ... and more than this above it
    rise_count: int = 3  # consecutive readings: one absurd value is an instrument spike, not a rise
    rise_warmup: int = 10  # readings before the baseline is trusted (start-up, after a gap)
    rise_hold_s: float = 1800.0
    # -- neighbour comparison (tick)
    neighbour_kinds: tuple[str, ...] = ("micro",)  # dense enough for a meaningful local median
    neighbour_radius_km: float = 3.0  # "within a few km": one urban neighbourhood
    neighbour_max: int = 30  # the nearest 30 within the radius are plenty for a median
    neighbour_min: int = 3  # fewer neighbours make no median worth comparing with
    neighbour_ratio: float = 3.0  # "several times the median"
    neighbour_abs: dict[str, float] = field(default_factory=_neighbour_abs)
    neighbour_sustain_s: float = 1800.0  # half an hour: a passing truck or a bonfire puff is not a hotspot
    neighbour_every_s: float = 60.0  # compare once per minute of data time (the reporting interval)
    neighbour_hold_s: float = 1800.0
    # -- offline / stuck (category device)
    offline_after_s: float = HOUR_S  # a missing hour loses an hourly mean (HJ 663 validity)
    offline_medium_after_s: float = DAY_S  # a whole day lost spoils the daily statistics: MEDIUM
    mass_offline_share: float = 0.5  # more than half the network offline is the hub's link, not loggers
    stuck_count: int = 30  # 30 identical readings (30 min at 1/min): no live sensor is that steady
    stuck_min_span_s: float = 1500.0  # ... spanning 25 min or more: one-second data repeats in a quiet minute
    stuck_floor_steps: float = 20.0  # values under 20 steps of the factor's resolution may repeat honestly
    stuck_hold_s: float = 600.0
    # -- catering fume
    cooking_hours: tuple[tuple[float, float], ...] = ((10.5, 13.5), (16.5, 20.5))  # local, [start, end)
    fume_threshold: float = FUME_LIMIT  # DB11/1488-2018: 1.0 mg/m³
    purifier_sustain_s: float = 300.0  # five minutes: the purifier may start a little after the fan
    purifier_hold_s: float = 1800.0
    # -- surface water
    water_sustain_s: float = HOUR_S  # analysers drift; an hour worse than target is a real change
    water_hold_s: float = 2 * HOUR_S
    # -- noise
    night_hours: tuple[float, float] = (22.0, 6.0)  # GB 3096 night, local [start, end)
    noise_hold_s: float = 3 * HOUR_S  # hourly values: two quiet hours end it
    # -- outlets and odour
    emission_sustain_s: float = 600.0  # ten minutes over the permit: not a start-up transient
    emission_hold_s: float = 1800.0
    odour_sustain_s: float = 1800.0  # landfill odour comes in puffs; half an hour is a nuisance
    odour_hold_s: float = 2 * HOUR_S  # puffs an hour apart are one nuisance, not a new incident each

    def redetect(self, rule: str) -> float:
        """Time a rule needs on fresh data to see its condition again (after a hub restart, for instance)."""
        return {
            "exceedance": HOUR_S + 600.0,  # an hour must close, and late values get ten minutes
            "sudden_rise": self.rise_window_s,  # the baseline warms up first
            "neighbour_high": self.neighbour_sustain_s,
            "offline": self.offline_after_s,  # the silence is counted again from the restart
            "stuck": HOUR_S,  # stuck_count readings at the slowest usual interval (2 min)
            "purifier_off": self.purifier_sustain_s,
            "water_class": self.water_sustain_s,
            "night_noise": HOUR_S + 600.0,
            "emission": self.emission_sustain_s,
            "odour": self.odour_sustain_s,
        }[rule]

    def hold(self, rule: str) -> float:
        """Time a rule's condition must be absent before its episode clears."""
        return {
            "exceedance": self.exceedance_hold_s,
            "sudden_rise": self.rise_hold_s,
            "neighbour_high": self.neighbour_hold_s,
            "offline": 0.0,  # back online is news at once
            "stuck": self.stuck_hold_s,
            "purifier_off": self.purifier_hold_s,
            "water_class": self.water_hold_s,
            "night_noise": self.noise_hold_s,
            "emission": self.emission_hold_s,
            "odour": self.odour_hold_s,
        }[rule]


# A finding's words and numbers, built only when a finding is actually emitted.
Describe = Callable[[], tuple[str, Why, dict[str, float]]]  # title, why, the numbers behind the why


class _Episode:
    """One open episode of a (station, rule)."""

    __slots__ = ("category", "last_present", "score", "severity", "title", "updated", "values")

    def __init__(self, category: str, severity: Severity, score: float, ts: float) -> None:
        self.category = category
        self.severity = severity  # highest announced
        self.score = score  # peak announced (larger is worse)
        self.updated = ts  # data time of the last announcement
        self.last_present = ts
        self.title = ""
        self.values: dict[str, float] = {}


# -- formatting --------------------------------------------------------------------------------------------


def _name(code: str) -> str:
    factor = FACTORS.get(code)
    return factor.name_en if factor else code


def _fmt(code: str, value: float, kind: str = "") -> str:
    """Value with its unit at the factor's precision, e.g. '182 µg/m³'."""
    factor = FACTORS.get(code)
    decimals = factor.decimals if factor else 2
    unit = unit_of(code, kind)
    return f"{value:.{decimals}f} {unit}".rstrip()


# -- channels: one per (station, factor); ``feed`` is the hot path ------------------------------------------


class _Channel:
    """Base channel: validity, last value and the stuck rule."""

    __slots__ = (
        "code", "engine", "kind", "repeats", "run_start", "station", "stuck_floor", "stuck_n", "stuck_span",
        "ts", "value",
    )  # fmt: skip

    def __init__(self, engine: RuleEngine, station: Station, code: str) -> None:
        self.engine = engine
        self.station = station.id
        self.kind = str(station.kind)
        self.code = code
        self.stuck_n = engine.config.stuck_count if code not in _NOT_STUCK else 1 << 62
        factor = FACTORS.get(code)
        # A value only a few steps of the reported resolution above zero (SO2 at 6 µg/m³ in whole units)
        # repeats honestly in clean air; below this floor a repeat says nothing about the sensor.
        self.stuck_floor = engine.config.stuck_floor_steps * 10.0 ** -(factor.decimals if factor else 2)
        self.stuck_span = engine.config.stuck_min_span_s
        self.ts = -math.inf  # data time of the last valid value
        self.value = math.nan
        self.repeats = 0
        self.run_start = -math.inf  # data time of the first of the repeated values

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)

    def _track(self, ts: float, value: float) -> None:
        if value == self.value:
            self.repeats += 1
            if (
                self.repeats >= self.stuck_n
                and ts - self.run_start >= self.stuck_span
                and abs(value) >= self.stuck_floor
            ):
                self._stuck(ts, value)
        else:
            self.repeats = 1
            self.value = value
            self.run_start = ts
        self.ts = ts

    def _stuck(self, ts: float, value: float) -> None:
        n, code, kind = self.repeats, self.code, self.kind

        def describe() -> tuple[str, Why, dict[str, float]]:
            title = f"{_name(code)} reading stuck"
            why = Why(
                "stuck",
                {
                    "factor": code,
                    "value": _fmt(code, value, kind),
                    "repeats": str(n),
                    "threshold": str(self.stuck_n),
                    "time": self.engine.local(ts),
                },
            )
            return title, why, {"value": value, "repeats": float(n), "threshold": float(self.stuck_n)}

        self.engine.present(self.station, "stuck", "device", Severity.LOW, ts, 0.0, describe)


class _AirChannel(_Channel):
    """Particle or gas at an air, scenic or micro station: hourly mean, sudden rise, neighbour value."""

    __slots__ = (
        "alpha",
        "base",
        "closed_hour",
        "closed_mean",
        "count",
        "gap",
        "hour_end",
        "hour_start",
        "need",
        "on_hour",
        "rise_abs",
        "rise_n",
        "rise_ratio",
        "sum",
        "warm",
    )

    def __init__(self, engine: RuleEngine, station: Station, code: str, on_hour: bool) -> None:
        super().__init__(engine, station, code)
        cfg = engine.config
        self.need = min_hourly_count(station.interval_s)
        self.hour_start, self.hour_end = -math.inf, -math.inf
        self.sum, self.count = 0.0, 0
        self.closed_hour, self.closed_mean = -1.0, math.nan
        self.on_hour = on_hour  # grade the hourly mean itself (micro: no AQI_H)
        self.alpha = min(1.0, station.interval_s / cfg.rise_window_s)
        self.gap = cfg.rise_window_s
        self.rise_abs = cfg.rise_abs.get(code, math.inf)
        self.rise_ratio = cfg.rise_ratio
        self.base = 0.0
        self.warm = cfg.rise_warmup
        self.rise_n = 0

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        if ts - self.ts > self.gap:  # first value, or after a gap: the baseline starts again
            self.warm = self.engine.config.rise_warmup
            self.base = value
        self._track(ts, value)
        if ts >= self.hour_end or ts < self.hour_start:
            if ts < self.hour_start:
                return  # late value of an hour already closed
            self.close_hour()
            self.hour_start = ts - ts % HOUR_S
            self.hour_end = self.hour_start + HOUR_S
        self.sum += value
        self.count += 1
        base = self.base
        if self.warm:  # settle the baseline quickly before judging rises against it
            self.warm -= 1
            self.base = base + 0.2 * (value - base)
            return
        if value > base * self.rise_ratio and value - base > self.rise_abs:
            self.rise_n += 1
            if self.rise_n < self.engine.config.rise_count:
                return  # not confirmed yet: a lone spike must not drag the baseline up
            self._rise(ts, value, base)
        else:
            self.rise_n = 0
        self.base = base + self.alpha * (value - base)

    def close_hour(self) -> None:
        """Close the open hour: keep its mean and, at micro stations, grade it."""
        count, self.count = self.count, 0
        total, self.sum = self.sum, 0.0
        if count < self.need or count == 0:
            return
        self.closed_hour, self.closed_mean = self.hour_start, total / count
        if self.on_hour:
            self.engine.grade_hour(self, self.hour_start, self.closed_mean)

    def mean_of(self, hour_start: float) -> float:
        """Valid hourly mean of the hour starting at hour_start, NaN if unknown."""
        if self.closed_hour == hour_start:
            return self.closed_mean
        if self.hour_start == hour_start and self.count >= self.need:
            return self.sum / self.count
        return math.nan

    def _rise(self, ts: float, value: float, base: float) -> None:
        code, kind, n = self.code, self.kind, self.rise_n
        ratio = value / base if base > 0 else math.inf

        def describe() -> tuple[str, Why, dict[str, float]]:
            title = f"Sudden rise of {_name(code)}"
            why = Why(
                "sudden_rise",
                {
                    "factor": code,
                    "value": _fmt(code, value, kind),
                    "time": self.engine.local(ts),
                    "n": str(n),
                    "ratio": f"{self.rise_ratio:g}",
                    "baseline": _fmt(code, base, kind),
                    "margin": _fmt(code, self.rise_abs, kind),
                },
            )
            values = {"value": value, "baseline": base, "ratio": min(ratio, 1e9), "threshold": self.rise_abs}
            return title, why, values

        category = "water" if self.kind == "water" else "air"
        self.engine.present(self.station, "sudden_rise", category, Severity.LOW, ts, value - base, describe)


class _AqiChannel(_Channel):
    """AQI_H of an air or scenic station: the exceedance rule by AQI category."""

    __slots__ = ("pollutants",)

    def __init__(self, engine: RuleEngine, station: Station, code: str) -> None:
        super().__init__(engine, station, code)
        self.stuck_n = 1 << 62
        self.pollutants: list[_AirChannel] = []

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value or value < 0:
            return
        self.engine.grade_aqi(self, ts, value)


class _LimitChannel(_Channel):
    """A value against a fixed upper limit, sustained: outlet emissions and landfill odour."""

    __slots__ = ("category", "limit", "rule", "since", "sustain")

    def __init__(self, engine: RuleEngine, station: Station, code: str, rule: str, limit: float) -> None:
        super().__init__(engine, station, code)
        cfg = engine.config
        self.rule, self.limit, self.since = rule, limit, None
        self.category = "source" if rule == "emission" else "odour"
        self.sustain = cfg.emission_sustain_s if rule == "emission" else cfg.odour_sustain_s

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)
        if value <= self.limit:
            self.since = None
            return
        if self.since is None:
            self.since = ts
        if ts - self.since >= self.sustain:
            self._over(ts, value)

    def _over(self, ts: float, value: float) -> None:
        ratio = value / self.limit
        if self.rule == "emission":
            severity = Severity.CRITICAL if ratio >= 3 else Severity.HIGH if ratio >= 1.5 else Severity.MEDIUM
            what = "over permit limit"
        else:
            severity = Severity.HIGH if ratio >= 5 else Severity.MEDIUM if ratio >= 2 else Severity.LOW
            what = "over odour limit"
        code, kind, since = self.code, self.kind, self.since or ts
        rule = self.rule

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                rule,
                {
                    "factor": code,
                    "value": _fmt(code, value, kind),
                    "time": self.engine.local(ts),
                    "limit": _fmt(code, self.limit, kind),
                    "since": self.engine.local(since),
                },
            )
            values = {"value": value, "limit": self.limit, "ratio": ratio, "since": since}
            return f"{_name(code)} {what}", why, values

        self.engine.present(self.station, self.rule, self.category, severity, ts, ratio, describe)


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


class _WaterState:
    """A water station's latest grade per GB 3838 parameter and how long it is worse than target."""

    __slots__ = ("grades", "since", "target", "values")

    def __init__(self, target: int) -> None:
        self.target = target
        self.grades: dict[str, int] = {}
        self.values: dict[str, float] = {}
        self.since: float | None = None


class _WaterChannel(_Channel):
    """A graded water parameter: its class by GB 3838 against the section's target class."""

    __slots__ = ("limits", "lower", "param", "state")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: _WaterState) -> None:
        super().__init__(engine, station, code)
        self.param = WATER_PARAM_BY_CODE[code]
        self.limits = WATER_LIMITS.get(self.param, ())
        self.lower = self.param in LOWER_BOUND_PARAMS
        self.state = state

    def grade(self, value: float) -> int:
        if self.param == "pH":
            return 1 if PH_RANGE[0] <= value <= PH_RANGE[1] else WORSE_THAN_V
        for i, limit in enumerate(self.limits, start=1):
            if (value >= limit) if self.lower else (value <= limit):
                return i
        return WORSE_THAN_V

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        self._track(ts, value)
        state = self.state
        state.grades[self.param] = self.grade(value)
        state.values[self.param] = value
        if max(state.grades.values()) <= state.target:
            state.since = None
            return
        if state.since is None:
            state.since = ts
        if ts - state.since >= self.engine.config.water_sustain_s:
            self.engine.grade_water(self.station, state, ts)


class _FumeState:
    """A catering station's latest fume concentration and purifier state."""

    __slots__ = ("fume", "fume_ts", "purifier", "purifier_ts", "since")

    def __init__(self) -> None:
        self.fume, self.fume_ts = math.nan, -math.inf
        self.purifier, self.purifier_ts = math.nan, -math.inf
        self.since: float | None = None


class _FumeChannel(_Channel):
    """Fume concentration (a34041) or purifier state (SB1-RS) of a catering station."""

    __slots__ = ("is_state", "state", "window")

    def __init__(self, engine: RuleEngine, station: Station, code: str, state: _FumeState) -> None:
        super().__init__(engine, station, code)
        self.stuck_n = 1 << 62  # off hours read a steady trickle; states repeat by nature
        self.is_state = code == "SB1-RS"
        self.state = state
        self.window = 2.0 * station.interval_s  # the two values belong to the same report

    def feed(self, ts: float, value: float, flag: str) -> None:
        if (flag != "N" and flag in INVALID_FLAGS) or value != value:
            return
        state = self.state
        if self.is_state:
            state.purifier, state.purifier_ts = value, ts
        else:
            state.fume, state.fume_ts = value, ts
        if abs(state.fume_ts - state.purifier_ts) > self.window:
            return
        engine = self.engine
        if state.purifier < 0.5 and state.fume > engine.config.fume_threshold and engine.cooking(ts):
            if state.since is None:
                state.since = ts
            if ts - state.since >= engine.config.purifier_sustain_s:
                engine.purifier_off(self.station, state, ts)
        else:
            state.since = None


# -- the engine ---------------------------------------------------------------------------------------------


class RuleEngine:
    """Turns readings, station states and the data clock into findings; one episode per (station, rule)."""

    def __init__(
        self, stations: Iterable[Station], tz_hours: float = 8.0, config: RuleConfig | None = None
    ) -> None:
        self.config = config or RuleConfig()
        self.tz_s = tz_hours * HOUR_S
        self._stations: dict[str, Station] = {s.id: s for s in stations}
        self._channels: dict[str, dict[str, _Channel]] = {}
        self._hourly: list[_AirChannel | _NoiseChannel] = []
        self._open: dict[tuple[str, str], _Episode] = {}
        self._out: list[Finding] = []
        self._offline: dict[str, float | None] = {}  # station -> data time of its last data (None: unknown)
        self._now = 0.0
        self._next_neighbour = -math.inf
        self._neighbour_since: dict[tuple[str, str], float] = {}
        for station in self._stations.values():
            self._channels[station.id] = self._build(station)
        self._neighbours = self._build_neighbours()

    # -- construction ------------------------------------------------------------------------------------

    def _build(self, station: Station) -> dict[str, _Channel]:
        """Channels of one station, by kind and factor: the dispatch decided once."""
        kind, factors = str(station.kind), station.factors
        channels: dict[str, _Channel] = {}
        if kind in ("air", "scenic", "micro"):
            for code in factors:
                if code in _PARTICLES or code in _AIR_GASES:
                    channels[code] = _AirChannel(
                        self, station, code, on_hour=kind == "micro" and code == "a34004"
                    )
                    self._hourly.append(channels[code])  # type: ignore[arg-type]
            if kind != "micro":
                aqi_channel = _AqiChannel(self, station, "AQI_H")
                aqi_channel.pollutants = [c for c in channels.values() if isinstance(c, _AirChannel)]
                channels["AQI_H"] = aqi_channel
            if "a99001" in factors:
                channels["a99001"] = _Channel(self, station, "a99001")  # negative ions: stuck only
        elif kind == "noise" and station.zone.strip().lower() in NOISE_LIMITS:
            limit = noise_limit(station.zone, night=True)
            channels["Leq"] = _NoiseChannel(self, station, "Leq", limit)
            self._hourly.append(channels["Leq"])  # type: ignore[arg-type]
        elif kind == "water":
            target = station.zone.strip().upper()
            state = (
                _WaterState(WATER_CLASS_LABELS.index(target) + 1)
                if target in WATER_CLASS_LABELS[:5]
                else None
            )
            for code in factors:
                if state is not None and WATER_PARAM_BY_CODE.get(code, "TN") != "TN":
                    channels[code] = _WaterChannel(self, station, code, state)  # TN: lakes only
                elif code in FACTORS and code not in _NOT_STUCK:
                    channels[code] = _Channel(self, station, code)
        elif kind == "fume":
            state = _FumeState()
            channels = {
                c: _FumeChannel(self, station, c, state) for c in ("a34041", "SB1-RS") if c in factors
            }
        elif kind == "source":
            for code in factors:
                if code in EMISSION_LIMITS:
                    channels[code] = _LimitChannel(self, station, code, "emission", EMISSION_LIMITS[code])
        elif kind == "odour":
            for code in factors:
                if code in ODOUR_LIMITS:
                    channels[code] = _LimitChannel(self, station, code, "odour", ODOUR_LIMITS[code])
        return channels

    def _build_neighbours(self) -> dict[str, list[str]]:
        """Same-kind stations within the radius, nearest first (at most ``neighbour_max``)."""
        cfg = self.config
        out: dict[str, list[str]] = {}
        for kind in cfg.neighbour_kinds:
            group = [s for s in self._stations.values() if s.kind == kind]
            if len(group) <= cfg.neighbour_min:
                continue
            lat = np.radians([s.lat for s in group])
            lon = np.radians([s.lon for s in group])
            x = lon[:, None] - lon[None, :]
            y = lat[:, None] - lat[None, :]
            a = np.sin(y / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(x / 2) ** 2
            km = 2 * 6371.0 * np.arcsin(np.sqrt(np.minimum(1.0, a)))
            for i, station in enumerate(group):
                order = [j for j in np.argsort(km[i]) if j != i and km[i, j] <= cfg.neighbour_radius_km]
                if len(order) >= cfg.neighbour_min:
                    out[station.id] = [group[j].id for j in order[: cfg.neighbour_max]]
        return out

    # -- public API ----------------------------------------------------------------------------------------

    def feed(self, readings: Iterable[Reading]) -> list[Finding]:
        """Findings caused by a batch of readings (raw and derived); unknown stations/factors are skipped."""
        self._out = out = []
        channels = self._channels
        for r in readings:
            station = channels.get(r.station)
            if station is None:
                continue
            channel = station.get(r.factor)
            if channel is not None:
                channel.feed(r.ts, r.value, r.flag)
        return out

    def status(self, entry: StatusEntry) -> list[Finding]:
        """Note a station's link state; the offline rule itself is judged on ``tick``."""
        self._out = []
        if entry.station not in self._stations:
            return []
        if entry.status == StationStatus.OFFLINE:
            if entry.station not in self._offline:
                last = max((c.ts for c in self._channels[entry.station].values()), default=-math.inf)
                self._offline[entry.station] = last if last > 0 else None
        else:
            self._offline.pop(entry.station, None)
        return self._out

    def tick(self, now: float) -> list[Finding]:
        """Periodic work at data time ``now``: stale hours, neighbours, offline duration, clears."""
        self._out = []
        self._now = now = max(now, self._now)
        grace = 600.0
        for channel in self._hourly:
            if channel.count and now >= channel.hour_end + grace:
                channel.close_hour()
                channel.hour_start = channel.hour_end  # later values of the closed hour are late
        if now >= self._next_neighbour:
            self._next_neighbour = now + self.config.neighbour_every_s
            self._compare_neighbours(now)
        self._check_offline(now)
        for key, episode in list(self._open.items()):
            if now - episode.last_present > self.config.hold(key[1]):
                del self._open[key]
                self._emit_clear(key, episode, now)
        return self._out

    def open_episodes(self) -> list[tuple[str, str]]:
        """(station, rule) of every episode currently open."""
        return list(self._open)

    def resume_episode(
        self, station: str, rule: str, category: str, severity: Severity, last_present: float
    ) -> bool:
        """Take up an episode opened before a restart (its incident is still open) without announcing it.

        ``last_present`` is the data time up to which the condition is taken to have held (the station's
        newest stored reading). The rule gets the time it needs to see the condition again on fresh data
        (:meth:`RuleConfig.redetect`) on top of the hold: only then does the episode clear. The next
        sighting refreshes it with an update, never a second opening. False for an unknown station or
        rule, or an episode already open.
        """
        key = (station, rule)
        if station not in self._stations or rule not in RULES or key in self._open:
            return False
        # score 0: the first sighting after the restart is announced as an update with today's figures
        episode = self._open[key] = _Episode(category, severity, 0.0, last_present)
        episode.last_present = last_present + self.config.redetect(rule)
        return True

    # -- episodes -------------------------------------------------------------------------------------------

    def present(
        self,
        station: str,
        rule: str,
        category: str,
        severity: Severity,
        ts: float,
        score: float,
        describe: Describe,
    ) -> None:
        """A rule's condition holds at ``ts``: open, update or just refresh the (station, rule) episode."""
        key = (station, rule)
        episode = self._open.get(key)
        if episode is None:
            episode = self._open[key] = _Episode(category, severity, score, ts)
            self._emit("open", key, episode, ts, describe)
            return
        episode.last_present = max(episode.last_present, ts)
        cfg = self.config
        if severity > episode.severity or (
            score >= episode.score * (1.0 + cfg.update_growth) + 1e-12
            and ts - episode.updated >= cfg.update_min_s
        ):
            episode.severity = max(episode.severity, severity)
            episode.score = max(episode.score, score)
            episode.updated = ts
            self._emit("update", key, episode, ts, describe)

    def _emit(
        self, kind: str, key: tuple[str, str], episode: _Episode, ts: float, describe: Describe
    ) -> None:
        title, why, values = describe()
        episode.title, episode.values = title, values
        finding = Finding(kind, *key, episode.category, episode.severity, ts, title, render(why), values, why)
        self._out.append(finding)

    def _emit_clear(self, key: tuple[str, str], episode: _Episode, now: float) -> None:
        hold = self.config.hold(key[1])
        why = Why(
            "clear",
            {
                "rule": key[1],
                "since": self.local(episode.last_present),
                "hold": f"{hold / 60:g}",
                "time": self.local(now),
            },
        )
        values = dict(episode.values) | {"last_present": episode.last_present, "hold_s": hold}
        title = f"Cleared: {episode.title}"
        finding = Finding(
            "clear", *key, episode.category, episode.severity, now, title, render(why), values, why
        )
        self._out.append(finding)

    # -- rule bodies called by channels ----------------------------------------------------------------------

    def local(self, ts: float) -> str:
        """Local date and time of a data time, e.g. '2026-11-22 14:00'."""
        return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ts + self.tz_s))

    def cooking(self, ts: float) -> bool:
        """Whether a data time falls in the local cooking hours."""
        hour = ((ts + self.tz_s) % DAY_S) / HOUR_S
        return any(start <= hour < end for start, end in self.config.cooking_hours)

    def night(self, ts: float) -> bool:
        """Whether a data time falls in the local GB 3096 night."""
        hour = ((ts + self.tz_s) % DAY_S) / HOUR_S
        start, end = self.config.night_hours
        return start <= hour < end if start <= end else hour >= start or hour < end

    def grade_aqi(self, channel: _AqiChannel, ts: float, value: float) -> None:
        """Exceedance by hourly AQI at an air or scenic station."""
        category = aqi.category_of(value)
        if category.level < self.config.aqi_min_level:
            return
        primary = self._primary(channel.pollutants, ts)
        low = aqi.IAQI_LEVELS[category.level - 1]

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(ts)}-{self.local(ts + HOUR_S)[-5:]}"
            values = {"aqi": value, "threshold": float(low), "level": float(category.level)}
            args = {
                "aqi": f"{value:.0f}",
                "span": span,
                "category": str(category.level),
                "threshold": str(low),
            }
            key = "exceedance_aqi"
            if primary is not None:
                code, mean, limit = primary
                key, args = "exceedance_aqi_primary", args | {"factor": code, "value": _fmt(code, mean)}
                values |= {"value": mean}
                if limit is not None:
                    key, args = "exceedance_aqi_limit", args | {"limit": _fmt(code, limit)}
                    values |= {"limit": limit}
            return f"Hourly AQI {value:.0f}: {category.category_en.lower()}", Why(key, args), values

        severity = _severity_of_level(category.level)
        self.present(channel.station, "exceedance", "air", severity, ts, value, describe)

    def _primary(self, pollutants: list[_AirChannel], ts: float) -> tuple[str, float, float | None] | None:
        """The pollutant with the highest IAQI in the hour starting at ts: code, mean, GB 3095 limit."""
        best: tuple[int, str, float] | None = None
        for channel in pollutants:
            mean = channel.mean_of(ts)
            key = _IAQI_KEY.get(channel.code)
            if key is None or mean != mean:
                continue
            index = aqi.iaqi(key, mean)
            if index is not None and (best is None or index > best[0]):
                best = (index, channel.code, mean)
        if best is None:
            return None
        return best[1], best[2], _gb3095_limit(best[1])

    def grade_hour(self, channel: _AirChannel, hour_start: float, mean: float) -> None:
        """Exceedance by a micro station's hourly PM2.5 mean, graded on the HJ 633 breakpoints."""
        index = aqi.iaqi(_IAQI_KEY[channel.code], mean)
        if index is None:
            return
        category = aqi.category_of(index)
        if category.level < self.config.aqi_min_level:
            return
        code = channel.code
        threshold = aqi.BREAKPOINTS["PM25_24H"][category.level - 1]
        limit = _gb3095_limit(code)

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(hour_start)}-{self.local(hour_start + HOUR_S)[-5:]}"
            why = Why(
                "exceedance_hour",
                {
                    "factor": code,
                    "value": _fmt(code, mean),
                    "span": span,
                    "category": str(category.level),
                    "threshold": _fmt(code, threshold),
                    "iaqi": str(index),
                    "limit": _fmt(code, limit or math.nan),
                },
            )
            values = {"value": mean, "threshold": threshold, "iaqi": float(index)}
            if limit is not None:
                values["limit"] = limit
            return f"{_name(code)} over GB 3095 limit ({category.category_en.lower()})", why, values

        severity = _severity_of_level(category.level)
        self.present(channel.station, "exceedance", "air", severity, hour_start, mean, describe)

    def grade_noise(self, channel: _NoiseChannel, hour_start: float, leq: float) -> None:
        """Night noise: an hour's Leq against the zone's GB 3096 night limit."""
        if not self.night(hour_start) or leq <= channel.limit:
            return
        excess = leq - channel.limit
        severity = Severity.HIGH if excess > 10 else Severity.MEDIUM if excess > 5 else Severity.LOW
        zone = self._stations[channel.station].zone

        def describe() -> tuple[str, Why, dict[str, float]]:
            span = f"{self.local(hour_start)}-{self.local(hour_start + HOUR_S)[-5:]}"
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

        self.present(channel.station, "night_noise", "noise", severity, hour_start, excess, describe)

    def grade_water(self, station: str, state: _WaterState, ts: float) -> None:
        """Water worse than its target class for the sustain time."""
        grade = max(state.grades.values())
        excess = grade - state.target
        severity = Severity.HIGH if excess >= 2 else Severity.MEDIUM
        worst = [p for p, g in state.grades.items() if g == grade]
        since = state.since or ts
        target = WATER_CLASS_LABELS[state.target - 1]
        label = WATER_CLASS_LABELS[grade - 1]
        details = {p: state.values[p] for p in worst}

        def describe() -> tuple[str, Why, dict[str, float]]:
            parts = []
            for p, v in details.items():
                code, limit = _CODE_OF_PARAM[p], _water_target_limit(p, state.target)
                args = {"factor": code, "value": _fmt(code, v)}
                if limit is None:
                    parts.append(Why("water_part", args))
                else:
                    bound = "water_part_minimum" if p in LOWER_BOUND_PARAMS else "water_part_limit"
                    parts.append(Why(bound, args | {"target": target, "limit": _fmt(code, limit)}))
            why = Why(
                "water_class",
                {"grade": label, "time": self.local(ts), "target": target, "since": self.local(since)},
                tuple(parts),
            )
            values = {"grade": float(grade), "target": float(state.target), "since": since}
            values |= {f"value_{p}": v for p, v in details.items()}
            if len(details) == 1:
                p, v = next(iter(details.items()))
                values["value"] = v
                limit = _water_target_limit(p, state.target)
                if limit is not None:
                    values["limit"] = limit
            return f"Water class {label} worse than target {target}", why, values

        self.present(station, "water_class", "water", severity, ts, float(grade), describe)

    def purifier_off(self, station: str, state: _FumeState, ts: float) -> None:
        """Cooking fume with the purifier off in cooking hours."""
        fume, since, limit = state.fume, state.since or ts, self.config.fume_threshold

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                "purifier_off",
                {
                    "value": _fmt("a34041", fume),
                    "time": self.local(ts),
                    "limit": _fmt("a34041", limit),
                    "since": self.local(since),
                },
            )
            values = {"value": fume, "limit": limit, "purifier": 0.0, "since": since}
            return "Catering purifier off while cooking", why, values

        # the finding is the state itself: a higher fume reading while the purifier is off adds nothing
        self.present(station, "purifier_off", "fume", Severity.MEDIUM, ts, 0.0, describe)

    def _compare_neighbours(self, now: float) -> None:
        """异常高值点位: a station far above the median of its fresh neighbours, sustained."""
        cfg = self.config
        for station, neighbours in self._neighbours.items():
            own_channels = self._channels[station]
            for code, threshold in cfg.neighbour_abs.items():
                channel = own_channels.get(code)
                if channel is None:
                    continue
                key = (station, code)
                median = self._median(neighbours, code, now)
                value = channel.value
                fresh = now - channel.ts <= 3 * self._stations[station].interval_s
                if (
                    median is None
                    or not fresh
                    or not (value >= cfg.neighbour_ratio * median and value - median >= threshold)
                ):
                    self._neighbour_since.pop(key, None)
                    continue
                since = self._neighbour_since.setdefault(key, now)
                if now - since >= cfg.neighbour_sustain_s:
                    self._neighbour_high(station, code, value, median, len(neighbours), since, now)

    def _median(self, neighbours: list[str], code: str, now: float) -> float | None:
        values = []
        for other in neighbours:
            channel = self._channels[other].get(code)
            if channel is not None and now - channel.ts <= 3 * self._stations[other].interval_s:
                values.append(channel.value)
        if len(values) < self.config.neighbour_min:
            return None
        values.sort()
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    def _neighbour_high(
        self, station: str, code: str, value: float, median: float, n: int, since: float, now: float
    ) -> None:
        cfg = self.config
        ratio = value / median if median > 0 else math.inf
        severity = Severity.HIGH if ratio >= 2 * cfg.neighbour_ratio else Severity.MEDIUM

        def describe() -> tuple[str, Why, dict[str, float]]:
            why = Why(
                "neighbour_high",
                {
                    "factor": code,
                    "value": _fmt(code, value),
                    "time": self.local(now),
                    "ratio": f"{ratio:.1f}",
                    "median": _fmt(code, median),
                    "n": str(n),
                    "radius": f"{cfg.neighbour_radius_km:g}",
                    "threshold": f"{cfg.neighbour_ratio:g}",
                    "margin": _fmt(code, cfg.neighbour_abs[code]),
                    "since": self.local(since),
                },
            )
            values = {"value": value, "neighbours_median": median, "ratio": min(ratio, 1e9), "since": since}
            return f"Abnormal high {_name(code)} against neighbours", why, values

        self.present(station, "neighbour_high", "air", severity, now, min(ratio, 1e9), describe)

    def _check_offline(self, now: float) -> None:
        cfg = self.config
        mass = len(self._offline) > cfg.mass_offline_share * max(1, len(self._stations))
        for station, since in self._offline.items():
            if since is None:
                self._offline[station] = since = now
            duration = now - since
            if duration < cfg.offline_after_s or (mass and (station, "offline") not in self._open):
                continue
            severity = Severity.MEDIUM if duration >= cfg.offline_medium_after_s else Severity.LOW

            def describe(
                since: float = since, duration: float = duration
            ) -> tuple[str, Why, dict[str, float]]:
                why = Why(
                    "offline",
                    {
                        "since": self.local(since),
                        "hours": f"{duration / HOUR_S:.1f}",
                        "time": self.local(now),
                        "threshold": f"{cfg.offline_after_s / HOUR_S:g}",
                    },
                )
                values = {"since": since, "duration_s": duration, "threshold": cfg.offline_after_s}
                return "Data logger offline", why, values

            self.present(station, "offline", "device", severity, now, 0.0, describe)


def _severity_of_level(level: int) -> Severity:
    """AQI category -> severity: 中度 MEDIUM, 重度 HIGH, 严重 CRITICAL (轻度 LOW if configured in)."""
    return {3: Severity.LOW, 4: Severity.MEDIUM, 5: Severity.HIGH}.get(level, Severity.CRITICAL)


def _gb3095_limit(code: str) -> float | None:
    """GB 3095-2012 grade II limit used for reference: the 1-h limit, else the 24-h one."""
    limits = AIR_LIMITS.get(AIR_POLLUTANT_BY_CODE.get(code, ""), {})
    pair = limits.get("1h") or limits.get("24h")
    return float(pair[1]) if pair else None


def _water_target_limit(param: str, target: int) -> float | None:
    limits = WATER_LIMITS.get(param)
    return float(limits[target - 1]) if limits else None
