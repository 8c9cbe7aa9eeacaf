"""Rule names, findings and every rule threshold with the reason for its default."""

from __future__ import annotations

from dataclasses import dataclass, field

from console.core.incidents import Severity
from console.core.reasons import Why
from console.core.standards import (
    FUME_LIMIT,
)

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
