"""Training, verification and the latest forecast, from a hub's storage (blocking: run off the event loop)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from console.hub.forecast import model as fm
from console.hub.forecast import series as fs
from console.hub.forecast import skill
from console.hub.storage import Storage

LAG_DAYS = 10  # history a forecast reads before its issue day (7-day mean, 3 lags)
METHODS = ("model", "persistence", "climatology")


def model_dir(data_dir: Path) -> Path:
    return data_dir / "forecast"


def train(
    storage: Storage, directory: Path, until: date | None = None, tz_hours: float = 8
) -> dict[str, Any]:
    """Train on the history up to ``until`` (default: its last day) and save the next model version."""
    span = fs.data_span(storage, tz_hours)
    if span is None:
        raise fm.ModelError("the history holds no PM2.5: import or collect some before training")
    first, last = span
    until = last if until is None or until > last else until
    if until < first:
        raise fm.ModelError(f"--until {until} is before the history's first day {first}")
    stations = fs.air_stations(storage)
    series = fs.load(storage, stations, first, until + timedelta(days=1), tz_hours)
    model = fm.train(series, until)
    return fm.save(model, directory)


def verify(storage: Storage, directory: Path, first: date, last: date, tz_hours: float = 8) -> dict[str, Any]:
    """The city's figures per lead for target days first … last, for the model, persistence and
    climatology; stored in the manifest with the model."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    model, manifest = fm.load_model(directory)
    start = first - timedelta(days=max(fm.LEADS) + LAG_DAYS)
    stations = fs.air_stations(storage)
    city = fs.load(storage, stations, start, last + timedelta(days=1), tz_hours).city()
    target_days = np.arange(city.index(first), city.index(last) + 1)
    doy = np.array([city.day(int(d)).timetuple().tm_yday - 1 for d in target_days])
    leads: dict[str, Any] = {}
    for lead in fm.LEADS:
        issue = target_days - lead
        observed = city.pm25[0, target_days], city.aqi[0, target_days]
        methods = {
            "model": (
                model.predict("city", "pm25", lead, city)[0, issue],
                model.predict("city", "aqi", lead, city)[0, issue],
            ),
            "persistence": (city.pm25[0, issue], city.aqi[0, issue]),
            "climatology": (
                model.climatology["city/pm25"][0, doy],
                model.climatology["city/aqi"][0, doy],
            ),
        }
        # The same days for every method: those with an observation and every forecast.
        keep = ~np.isnan(observed[0]) & ~np.isnan(observed[1])
        for pm25, aqi_f in methods.values():
            keep &= ~np.isnan(pm25) & ~np.isnan(aqi_f)
        entry: dict[str, Any] = {
            name: skill.figures(pm25[keep], aqi_f[keep], observed[0][keep], observed[1][keep])
            for name, (pm25, aqi_f) in methods.items()
        }
        entry["days"] = int(keep.sum())
        entry["heavy_days"] = int(np.sum(observed[1][keep] > skill.HEAVY_AQI))
        leads[str(lead)] = entry
    figures = {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "held_back": first > date.fromisoformat(manifest["trained_until"]),
        "model_version": manifest["version"],
        "verified_at": time.time(),
        "leads": leads,
    }
    manifest["figures"] = figures
    fm.write_manifest(directory, manifest)
    return figures


def table(figures: dict[str, Any]) -> str:
    """The figures as a text table, a row per lead and method."""
    head = f"{'lead':>4}  {'method':<12}{'rmse':>8}{'mae':>8}{'level':>8}{'pod':>7}{'far':>7}  days heavy"
    lines = [f"city daily PM2.5, target days {figures['from']} .. {figures['to']}", head]
    if not figures["held_back"]:
        lines.insert(1, "warning: these days are not held back (the model was trained on them)")

    def cell(value: float | None, width: int, pct: bool = False) -> str:
        if value is None:
            return f"{'-':>{width}}"
        return f"{value * 100:>{width - 1}.0f}%" if pct else f"{value:>{width}.1f}"

    for lead, entry in figures["leads"].items():
        for name in METHODS:
            f = entry[name]
            lines.append(
                f"{'+' + lead + 'd':>4}  {name:<12}{cell(f['rmse'], 8)}{cell(f['mae'], 8)}"
                f"{cell(f['level_accuracy'], 8, True)}{cell(f['pod'], 7, True)}{cell(f['far'], 7, True)}"
                f"  {entry['days']:>4} {entry['heavy_days']:>5}"
            )
    return "\n".join(lines)


def latest(
    storage: Storage,
    model: fm.Model,
    issue: date | None = None,
    tz_hours: float = 8,
    now: float | None = None,
) -> dict[str, Any] | None:
    """The forecast issued at the end of ``issue`` (default: the last finished day of the history at ``now``,
    i.e. not today, whose daily values are not complete yet) for the city and each station, per lead; None
    without any history."""
    if issue is None:
        span = fs.data_span(storage, tz_hours)
        if span is None:
            return None
        now = time.time() if now is None else now
        yesterday = fs.EPOCH + timedelta(seconds=now + tz_hours * 3600) - timedelta(days=1)
        issue = min(span[1], yesterday)
    stations = fs.air_stations(storage)
    series = fs.load(storage, stations, issue - timedelta(days=LAG_DAYS), issue + timedelta(days=1), tz_hours)
    out: dict[str, Any] = {"issued_for_day": issue.isoformat(), "city": [], "stations": {}}
    d = series.index(issue)
    for scope, rows in (("city", series.city()), ("stations", series)):
        for lead in fm.LEADS:
            pm25 = model.predict(scope, "pm25", lead, rows)[:, d]
            aqi = model.predict(scope, "aqi", lead, rows)[:, d]
            for r, name in enumerate(rows.rows):
                if np.isnan(pm25[r]):
                    continue
                entry = {
                    "lead": lead,
                    "valid_date": (issue + timedelta(days=lead)).isoformat(),
                    "pm25": round(float(pm25[r]), 1),
                    "aqi": round(float(aqi[r])),
                    "level": _level(float(aqi[r])),
                }
                if scope == "city":
                    out["city"].append(entry)
                else:
                    out["stations"].setdefault(name, []).append(entry)
    return out


def _level(aqi: float) -> int:
    from console.core.aqi import category_of

    return category_of(max(aqi, 0.0)).level
