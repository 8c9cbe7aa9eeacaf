"""What the leaders' briefing shows, without Qt: its pages, their timing, the periods it asks the hub for,
open problems from the incident book, progress against the good-day target and the fingerprint of the
figures that tells a frozen snapshot from live data.

The briefing file (TOML, all optional)::

    viewing_distance_m = 5.0        # the leaders' seats; text sizes follow (WALL-DESIGN's table)
    good_day_target = 0.80          # the year's target of the good-day ratio, if the bureau has one
    pages = ["overview", "ranking", "comparison", "problems", "forecast", "topic"]

    [durations]                     # seconds each page stays before the rotation moves on
    overview = 40
    ranking = 30

    [[forecast]]                    # the forecasting office's issue, copied in by hand; none: none shown
    day = "2015-12-31"
    level = 5                       # HJ 633 level 1..6
    primary = "PM2.5"
    note = "orange warning from 20:00"
"""

from __future__ import annotations

import calendar
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from console.core.incident_book import sla_of
from console.core.incidents import OPEN_STATES, Incident, IncidentState

PAGES = ("overview", "ranking", "comparison", "problems", "forecast", "topic")
DEFAULT_DURATION_S = 30.0
MIN_DURATION_S = 5.0
DEFAULT_DISTANCE_M = 5.0
OPEN_STAGES = (
    IncidentState.DISCOVERED,
    IncidentState.DISPATCHED,
    IncidentState.HANDLING,
    IncidentState.FEEDBACK,
)


class BriefingConfigError(ValueError):
    """The briefing file cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class ForecastDay:
    """One day of a forecast: from the briefing file, an official one the hub imported (``source``, AQI
    range) or the hub's local model (``lead``, with its verified skill: level accuracy and RMSE against
    persistence on held-back days; None when not verified)."""

    day: date
    level: int
    primary: str = ""
    note: str = ""
    source: str = ""
    aqi_range: tuple[int, int] | None = None
    lead: int | None = None
    level_accuracy: float | None = None
    rmse: float | None = None
    persistence_rmse: float | None = None


@dataclass(frozen=True)
class WarningInForce:
    """An issued heavy-pollution warning: level (yellow, orange, red), first and last day."""

    level: str
    start: date
    end: date


def hub_forecast(
    body: Mapping[str, Any], as_of: date
) -> tuple[tuple[ForecastDay, ...], tuple[WarningInForce, ...]]:
    """The days of ``/api/forecast`` after ``as_of`` (official forecasts first, then the local model's, by
    day) and the warnings issued; malformed entries are left out."""
    days: list[ForecastDay] = []
    for f in body.get("official") or []:
        try:
            day = date.fromisoformat(str(f["valid_date"]))
            primary, source = str(f.get("primary_pollutant") or ""), str(f.get("source") or "")
            aqi_range = (int(f["aqi_low"]), int(f["aqi_high"]))
            entry = ForecastDay(day, int(f["level"]), primary, "", source, aqi_range)
        except (KeyError, TypeError, ValueError):
            continue
        if day > as_of:
            days.append(entry)
    local = body.get("local") or {}
    for e in local.get("city") or []:
        try:
            day = date.fromisoformat(str(e["valid_date"]))
            skill = (e.get("skill") or {}) if isinstance(e.get("skill"), Mapping) else {}
            model, persistence = skill.get("model") or {}, skill.get("persistence") or {}
            entry = ForecastDay(day, int(e["level"]), "PM2.5", "", "", None, int(e["lead"]),
                                _float(model.get("level_accuracy")), _float(model.get("rmse")),
                                _float(persistence.get("rmse")))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            continue
        if day > as_of:
            days.append(entry)
    days.sort(key=lambda d: (d.day, d.lead is not None))
    warnings = []
    for w in body.get("warnings") or []:
        try:
            if w["state"] == "issued":
                warnings.append(WarningInForce(str(w["level"]), date.fromisoformat(w["start"]),
                                               date.fromisoformat(w["end"])))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(days), tuple(warnings)


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class BriefingConfig:
    """Pages, their durations, the leaders' viewing distance, the good-day target and any forecast."""

    pages: tuple[str, ...] = PAGES
    durations: Mapping[str, float] = field(default_factory=dict)
    viewing_distance_m: float = DEFAULT_DISTANCE_M
    good_day_target: float | None = None
    forecast: tuple[ForecastDay, ...] = ()

    def duration(self, page: str) -> float:
        """Seconds a page stays on the wall before the rotation moves on."""
        return self.durations.get(page, DEFAULT_DURATION_S)


def load_config(path: Path | None) -> BriefingConfig:
    """The briefing file, or the defaults when ``path`` is None; BriefingConfigError on a bad file."""
    if path is None:
        return BriefingConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise BriefingConfigError(f"{path}: {exc}") from None
    return parse_config(raw, str(path))


def parse_config(raw: Mapping[str, Any], source: str = "briefing") -> BriefingConfig:
    """A briefing configuration from TOML data; BriefingConfigError names the bad field."""
    pages = tuple(raw.get("pages", PAGES))
    unknown = [p for p in pages if p not in PAGES]
    if unknown or not pages:
        raise BriefingConfigError(
            f"{source}: pages must be some of {', '.join(PAGES)}, got {unknown or '[]'}"
        )
    durations = {}
    for page, seconds in dict(raw.get("durations", {})).items():
        if page not in PAGES or not isinstance(seconds, int | float) or seconds < MIN_DURATION_S:
            raise BriefingConfigError(f"{source}: durations.{page} must be a page and ≥ {MIN_DURATION_S:g} s")
        durations[page] = float(seconds)
    distance = raw.get("viewing_distance_m", DEFAULT_DISTANCE_M)
    if not isinstance(distance, int | float) or not 1.0 <= distance <= 20.0:
        raise BriefingConfigError(f"{source}: viewing_distance_m must be 1–20 m, got {distance!r}")
    target = raw.get("good_day_target")
    if target is not None and (not isinstance(target, int | float) or not 0 < target <= 1):
        raise BriefingConfigError(f"{source}: good_day_target must be a ratio in (0, 1], got {target!r}")
    forecast = tuple(_forecast_day(entry, source) for entry in raw.get("forecast", []))
    return BriefingConfig(pages, durations, float(distance), target, forecast)


def _forecast_day(entry: Mapping[str, Any], source: str) -> ForecastDay:
    try:
        day = entry["day"] if isinstance(entry["day"], date) else date.fromisoformat(str(entry["day"]))
        level = int(entry["level"])
    except (KeyError, ValueError, TypeError):
        raise BriefingConfigError(
            f"{source}: each [[forecast]] needs day = YYYY-MM-DD and level 1–6"
        ) from None
    if not 1 <= level <= 6:
        raise BriefingConfigError(f"{source}: forecast level must be 1–6, got {level}")
    return ForecastDay(day, level, str(entry.get("primary", "")), str(entry.get("note", "")))


@dataclass(frozen=True)
class Periods:
    """The report periods a briefing as of one day asks for: (kind, period) pairs for /api/report."""

    day: tuple[str, str]
    month: tuple[str, str]
    year: tuple[str, str]


def periods_as_of(day: date) -> Periods:
    """The day itself, the month to date and the year to date (whole month/year on its last day)."""
    last_of_month = day.day == calendar.monthrange(day.year, day.month)[1]
    month = ("monthly", f"{day:%Y-%m}") if last_of_month else ("episode", f"{day.replace(day=1)}/{day}")
    last_of_year = (day.month, day.day) == (12, 31)
    year = ("annual", f"{day.year}") if last_of_year else ("episode", f"{day.replace(month=1, day=1)}/{day}")
    return Periods(("daily", day.isoformat()), month, year)


@dataclass(frozen=True)
class GoodDayProgress:
    """The year's good days against a target ratio: how many more are needed in the days left."""

    target: float
    target_days: int
    good_days: int
    days_left: int
    needed: int  # good days still needed (0: the target is already met)

    @property
    def short(self) -> int:
        """Days by which the target is out of reach even if every remaining day is good (0: reachable)."""
        return max(0, self.needed - self.days_left)


def good_day_progress(target: float | None, good_days: int, as_of: date) -> GoodDayProgress | None:
    """Progress against the year's good-day target as of a day; None without a target."""
    if target is None:
        return None
    year_days = 366 if calendar.isleap(as_of.year) else 365
    target_days = math.ceil(target * year_days - 1e-9)
    days_left = (date(as_of.year + 1, 1, 1) - (as_of + timedelta(days=1))).days
    needed = max(0, target_days - good_days)
    return GoodDayProgress(target, target_days, good_days, days_left, needed)


@dataclass(frozen=True)
class Problem:
    """One open incident as the briefing lists it."""

    id: str
    title: str
    rule: str
    township: str
    state: IncidentState
    overdue_s: float | None  # seconds past its deadline, None when not overdue


@dataclass(frozen=True)
class Problems:
    """Open incidents: the list (overdue first, most overdue first) and counts by township and stage."""

    rows: tuple[Problem, ...] = ()
    by_township: Mapping[str, Mapping[IncidentState, int]] = field(default_factory=dict)
    overdue: int = 0

    @property
    def total(self) -> int:
        return len(self.rows)


def open_problems(incidents: Iterable[Incident], now: float) -> Problems:
    """Open incidents at ``now``, overdue ones first; counts by township (most overdue, then most open)."""
    rows = []
    for incident in incidents:
        if incident.state not in OPEN_STATES:
            continue
        left = sla_of(incident, now).left
        running = incident.state != IncidentState.FEEDBACK  # feedback given: the clock has stopped
        overdue_s = -left if left is not None and left < 0 and running else None
        rows.append(
            Problem(incident.id, incident.title, incident.rule, incident.township, incident.state, overdue_s)
        )
    rows.sort(key=lambda p: (p.overdue_s is None, -(p.overdue_s or 0.0), p.township, p.id))
    counts: dict[str, dict[IncidentState, int]] = {}
    late: dict[str, int] = {}
    for p in rows:
        counts.setdefault(p.township, dict.fromkeys(OPEN_STAGES, 0))[p.state] += 1
        late[p.township] = late.get(p.township, 0) + (p.overdue_s is not None)
    order = sorted(counts, key=lambda t: (-late[t], -sum(counts[t].values()), t))
    return Problems(tuple(rows), {t: counts[t] for t in order}, sum(late.values()))


Fingerprint = tuple[object, ...]


def fingerprint(
    reports: Mapping[str, Mapping[str, Any] | None], city_aqi: int | None, problems: Problems
) -> Fingerprint:
    """What a leader would see change: the reports' figures, the city AQI now and the open problems."""
    figures = tuple(sorted((key, _freeze(value)) for key, value in reports.items()))
    states = tuple(sorted((p.id, p.state.value, p.overdue_s is not None) for p in problems.rows))
    return figures, city_aqi, states


def _freeze(value: object) -> object:
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, float):
        return round(value, 6)
    return value
