"""The hub's report figures: daily values from the history, incidents from the store, ``GET /api/report``."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from console.core.factors import AQI_POLLUTANTS
from console.core.incidents import Incident
from console.core.models import Station, StationKind
from console.core.report_figures import DEFAULT_TARGETS, Period, Report, local_date, parse_period, report
from console.hub import site as site_module
from console.hub.incident_store import IncidentStore
from console.hub.rest import _error, _json, session_of
from console.hub.storage import Storage

if TYPE_CHECKING:
    from console.hub.server import Hub

MAX_EPISODE_DAYS = 366
TARGET_FACTORS = {name: code for code, name in AQI_POLLUTANTS.items()}  # pollutant -> factor code


def add_report_routes(app: web.Application, hub: Hub) -> None:
    """Register ``GET /api/report`` on ``app``."""
    app.router.add_get("/api/report", functools.partial(report_route, hub))


def assessed_stations(stations: Iterable[Station]) -> list[Station]:
    """The stations whose daily values make the city's: the standard air stations (all six pollutants)."""
    return [s for s in stations if s.kind == StationKind.AIR]


def township_of(stations: Iterable[Station]) -> dict[str, str]:
    """Each station's township code.

    The one place the report learns a station's township: today the station record's region code (the
    one console/hub/responsibility.py files incidents under); a site directory can answer here later.
    """
    return {s.id: s.township for s in stations}


def load_ranges(period: Period) -> list[tuple[date, date]]:
    """The local day ranges whose six pollutants a report reads: the period, its 同比 and 环比 periods
    (overlapping or touching ranges joined)."""
    ranges = sorted((p.start, p.end) for p in (period, period.last_year(), period.previous()))
    joined = [ranges[0]]
    for start, end in ranges[1:]:
        if start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
        else:
            joined.append((start, end))
    return joined


def year_to_date_ranges(period: Period, read: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days from 1 January to the period's end not in ``read``: the targets' pollutants only."""
    first = date((period.end - timedelta(days=1)).year, 1, 1)
    out = []
    for start, end in read:
        if first < min(start, period.end):
            out.append((first, min(start, period.end)))
        first = max(first, end)
    if first < period.end:
        out.append((first, period.end))
    return out


def daily_values(
    storage: Storage, station_ids: list[str], period: Period, target_codes: list[str], tz_hours: float
) -> dict[str, dict[date, dict[str, float]]]:
    """The stations' daily values a report reads: the period, its 同比 and 环比 periods (the daily roll-up,
    or the hourly roll-up for days not finished)."""
    days: dict[str, dict[date, dict[str, float]]] = {}
    for start, end in load_ranges(period):
        storage.stations_daily(station_ids, *Period(period.kind, "", start, end).bounds(tz_hours), into=days)
    return days


def city_year_to_date(
    storage: Storage, station_ids: list[str], period: Period, target_codes: list[str], tz_hours: float
) -> dict[date, dict[str, float]]:
    """The city's daily values of the targets' pollutants on the days of the year to date that
    ``daily_values`` does not read, averaged over the stations in the database."""
    out: dict[date, dict[str, float]] = {}
    for start, end in year_to_date_ranges(period, load_ranges(period)) if target_codes else ():
        bounds = Period(period.kind, "", start, end).bounds(tz_hours)
        for day, items in storage.city_daily(station_ids, *bounds, factors=target_codes).items():
            out.setdefault(day, {}).update(items)
    return out


def build_report(
    storage: Storage,
    incident_store: IncidentStore,
    period: Period,
    stations: Iterable[Station],
    *,
    township_names: Mapping[str, str] | None = None,
    targets: Mapping[str, float] | None = None,
    dust_days: Collection[date] = (),
    now: float | None = None,
    tz_hours: float = 8,
) -> Report:
    """A period's report from the stored history and incidents (blocking: run it off the event loop).

    ``targets``: annual targets of pollutant means (µg/m³) until the site data carries them; by default
    DEFAULT_TARGETS (PM2.5 35 µg/m³, the grade II annual limit).
    """
    members = assessed_stations(stations)
    targets = DEFAULT_TARGETS if targets is None else targets
    codes = [TARGET_FACTORS[pollutant] for pollutant in targets]
    ids = [s.id for s in members]
    days = daily_values(storage, ids, period, codes, tz_hours)
    city_ytd = city_year_to_date(storage, ids, period, codes, tz_hours)
    start, end = period.bounds(tz_hours)
    incidents = incident_store.active_between(start, end)
    return report(
        days,
        period,
        township_of=township_of(members),
        township_names=township_names,
        station_names={s.id: s.name for s in members},
        targets=targets,
        incidents=incidents,
        feedback=_feedback_times(incident_store, incidents),
        dust_days=dust_days,
        as_of=local_date(now, tz_hours) if now is not None else None,
        tz_hours=tz_hours,
        city_year_to_date=city_ytd,
    )


def report_from_data_dir(
    data_dir: Path, kind: str, period_text: str, *, db: str | None = None, dust: str = ""
) -> Report:
    """A period's report straight from a hub's data directory, without a running hub (``main.py report
    --data-dir``): its database (``hub.db``, or ``db``), its site (township names, time zone), its
    incidents. ValueError with a message for the user when the period or the directory is wrong."""
    period, dust_days = parse_request(kind, period_text, dust)
    path = data_dir / "hub.db"
    if db is None and not path.is_file():
        raise ValueError(f"{data_dir} holds no hub database (hub.db): give a hub's --data-dir")
    site = None
    if (data_dir / "site").is_dir():
        try:
            site = site_module.load_site(data_dir / "site")
        except site_module.SiteError as exc:
            raise ValueError(f"the site in {data_dir / 'site'} is not valid:\n{exc}") from None
    tz_hours = site.tz_hours if site is not None else 8.0
    storage = Storage(db or f"sqlite:///{path}", tz_hours=int(tz_hours))
    try:
        stations = [station for station, _pw in storage.load_stations()]
        names = {t.code: t.name for t in site.townships} if site is not None else {}
        return build_report(storage, IncidentStore(storage.engine), period, stations, township_names=names,
                            dust_days=dust_days, tz_hours=tz_hours)  # fmt: skip
    finally:
        storage.close()


def _feedback_times(store: IncidentStore, incidents: list[Incident]) -> dict[str, float]:
    """Incident id -> time of its last feedback (from the audit trail), for the on-time count."""
    out: dict[str, float] = {}
    for ident, trail in store.audits([i.id for i in incidents if i.dispatched is not None]).items():
        times = [entry.ts for entry in trail if entry.action == "feedback"]
        if times:
            out[ident] = max(times)
    return out


def parse_request(kind: str, text: str, dust: str) -> tuple[Period, set[date]]:
    """The period and dust days of a request; ValueError with a message for the user."""
    if not kind or not text:
        raise ValueError("kind (daily, weekly, monthly, annual or episode) and period are required")
    period = parse_period(kind, text)
    if period.days > MAX_EPISODE_DAYS:
        raise ValueError(f"an episode is limited to {MAX_EPISODE_DAYS} days")
    try:
        days = {date.fromisoformat(word) for word in dust.split(",") if word}
    except ValueError:
        raise ValueError(f"dust must list days like 2015-12-03,2015-12-04, got {dust!r}") from None
    return period, days


async def report_route(hub: Hub, request: web.Request) -> web.Response:
    """``/api/report?kind=daily|weekly|monthly|annual|episode&period=P[&dust=D1,D2]``: a period's figures."""
    if session_of(hub, request) is None:
        return _error(401, "missing or wrong token")
    query = request.query
    try:
        period, dust = parse_request(query.get("kind", ""), query.get("period", ""), query.get("dust", ""))
    except ValueError as exc:
        return _error(400, str(exc))
    store = hub.incidents.store

    def work() -> Report:
        hub.writer.flush(30.0)
        hub.incidents.writer.flush(5)
        return build_report(
            hub.storage,
            store,
            period,
            hub.registry.stations,
            township_names=hub.responsibility.township_names,
            targets=hub.config.report_targets,
            dust_days=dust,
            now=hub.incidents.clock(),
            tz_hours=hub.config.tz_hours,
        )

    return _json(await asyncio.get_running_loop().run_in_executor(None, work))
