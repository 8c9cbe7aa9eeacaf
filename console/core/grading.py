"""How a station looks on the wall: its grade colour, its state and the value to print beside it.

AQI colours (HJ 633) are used for air only; water uses the GB 3838 class colours; other kinds use one calm
colour and a distinct ``alarm`` state (drawn with shape and text, never an AQI colour).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import msgspec

from console.core import aqi, standards
from console.core.models import INVALID_FLAGS, Station, StationKind, StationStatus

NEUTRAL = "#8FA3BF"  # a station without an abnormal reading (non-air kinds)
ALARM = "#FF5CA8"  # exceedance of a non-AQI limit: magenta, outside the HJ 633 palette
OFFLINE = "#6B7280"
AWAITING = "#C9D2DE"  # outline of a hollow marker: no report since the hub started (not yet overdue)
# GB 3838 class colours of Chinese water bulletins: I–II blue, III green, IV yellow, V orange, worse red.
WATER_COLOURS = ("#4FC3F7", "#1E88E5", "#43A047", "#FDD835", "#FB8C00", "#E53935")
WATER_LABELS = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")
TARGET_GRADE = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
STALE_INTERVALS = 3.0  # a value older than three reporting intervals is stale


class ValueLike(Protocol):
    """Anything with ``ts``, ``value`` and ``flag`` (the store's Value, a Reading)."""

    @property
    def ts(self) -> float: ...
    @property
    def value(self) -> float: ...
    @property
    def flag(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Look:
    """The marker of one station: fill colour, state, short label, grade level and why it alarms."""

    color: str
    state: str  # ok | alarm | awaiting | offline | stale | fault | invalid
    label: str = ""
    level: int | None = None  # AQI level 1–6 or water grade 1–6
    reason: str = ""  # machine-readable cause of an alarm (e.g. "a21026>10")


class MarkerState(msgspec.Struct, array_like=True, frozen=True):
    """What one station marker on the map shows (a Look with its station and tooltip); travels to the map
    page as a compact JSON array.

    `color` is the '#rrggbb' fill, `state` one of ok, alarm, awaiting, offline, stale, fault, invalid;
    `label` a short value beside standard stations ('75', 'Ⅲ'); `tooltip` lines of plain text (never HTML).
    """

    id: str
    kind: str
    color: str
    state: str
    label: str = ""
    tooltip: list[str] = msgspec.field(default_factory=list)


def rgb_hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02X}{:02X}{:02X}".format(*rgb)


def station_look(
    station: Station,
    values: Mapping[str, ValueLike],
    status: StationStatus,
    data_time: float,
    local_hour: int = 12,
) -> Look:
    """Grade a station from its latest values and link state at network data time ``data_time``.

    A station awaiting its first report since the hub started shows no grade: what the hub stored before
    is too old to colour it, and it is not known to be offline either.
    """
    if status == StationStatus.AWAITING:
        return Look(AWAITING, "awaiting")
    if status == StationStatus.OFFLINE or not values:
        return Look(OFFLINE, "offline")
    graded = _grade(station, values, local_hour)
    newest = max(v.ts for v in values.values())
    if status == StationStatus.FAULT:
        return Look(graded.color, "fault", graded.label, graded.level, graded.reason)
    if data_time - newest > STALE_INTERVALS * station.interval_s:
        return Look(graded.color, "stale", graded.label, graded.level, graded.reason)
    return graded


def _grade(station: Station, values: Mapping[str, ValueLike], local_hour: int) -> Look:
    kind = station.kind
    if kind in (StationKind.AIR, StationKind.MICRO, StationKind.SCENIC):
        return air_look(values)
    if kind == StationKind.WATER:
        return water_look(values, station.zone)
    if kind == StationKind.NOISE:
        return noise_look(values, station.zone, local_hour)
    return limit_look(kind, values)


def _valid(values: Mapping[str, ValueLike], code: str) -> float | None:
    v = values.get(code)
    return v.value if v is not None and v.flag not in INVALID_FLAGS else None


def air_look(values: Mapping[str, ValueLike]) -> Look:
    """HJ 633 colour of the real-time AQI of the latest valid values; the hub's hourly AQI when none."""
    hourly = values.get("AQI_H")
    keys = {"a34004": "PM25_1H", "a34002": "PM10_1H", "a21026": "SO2_1H", "a21004": "NO2_1H"}
    keys |= {"a21005": "CO_1H", "a05024": "O3_1H"}
    conc = {key: v for code, key in keys.items() if (v := _valid(values, code)) is not None}
    result = aqi.hourly_aqi(conc) if conc else None
    value = result.aqi if result else (int(hourly.value) if hourly else None)
    if value is None:
        flagged = any(v.flag in INVALID_FLAGS for v in values.values())
        return Look(OFFLINE, "invalid" if flagged else "ok")
    category = aqi.category_of(value)
    state = "invalid" if any(values[c].flag in INVALID_FLAGS for c in keys if c in values) else "ok"
    return Look(rgb_hex(category.colour), state, str(value), category.level)


def water_look(values: Mapping[str, ValueLike], target: str) -> Look:
    """GB 3838 class colour; alarm when worse than the section's target class."""
    by_code = {code: v for code in standards.WATER_PARAM_BY_CODE if (v := _valid(values, code)) is not None}
    result = standards.water_class_from_codes(by_code)
    if result is None:
        return Look(NEUTRAL, "invalid" if values else "ok")
    grade = result.grade
    worse = grade > TARGET_GRADE.get(target, 5)
    reason = ",".join(result.determining) if worse else ""
    return Look(WATER_COLOURS[grade - 1], "alarm" if worse else "ok", WATER_LABELS[grade - 1], grade, reason)


def noise_look(values: Mapping[str, ValueLike], zone: str, local_hour: int) -> Look:
    """Leq against the GB 3096 limit of the monitor's zone, day or night."""
    leq = _valid(values, "Leq")
    if leq is None:
        return Look(NEUTRAL, "invalid")
    night = standards.is_night(local_hour)
    limit = standards.noise_limit(zone or "2", night)
    over = leq > limit
    return Look(
        ALARM if over else NEUTRAL,
        "alarm" if over else "ok",
        f"{leq:.0f}",
        None,
        f"Leq>{limit:g}" if over else "",
    )


def limit_look(kind: StationKind, values: Mapping[str, ValueLike]) -> Look:
    """Fume, outlets and odour: alarm on any limit exceeded, or a purifier off while cooking."""
    by_kind = {StationKind.SOURCE: standards.EMISSION_LIMITS, StationKind.ODOUR: standards.ODOUR_LIMITS}
    limits = by_kind.get(kind, {"a34041": standards.FUME_LIMIT})
    reasons = [f"{code}>{limit:g}" for code, limit in limits.items() if (_valid(values, code) or 0) > limit]
    if kind == StationKind.FUME and _valid(values, "SB2-RS") == 1 and _valid(values, "SB1-RS") == 0:
        reasons.append("purifier_off")
    main = next((c for c in limits if c in values), None)
    label = f"{values[main].value:.2f}" if main else ""
    if reasons:
        return Look(ALARM, "alarm", label, None, ";".join(reasons))
    stopped = values and all(v.flag == "F" for v in values.values())
    return Look(NEUTRAL, "invalid" if stopped else "ok", label)
