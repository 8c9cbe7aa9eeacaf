"""Report figures benchmark: a monthly and an annual report for a city of 1,000 stations.

From daily values: synthetic valid daily items (the six pollutants and O3_1H) of every station for the
report year and the year before (the 同比 and 环比 periods and the year to date are part of the work),
20 townships; the time of the December monthly report (target < 2 s) and the annual report (target
< 10 s), city + townships + stations + comparisons + targets.

From a hub database: one month (December) of hourly values of the six pollutants from every station:
the first ``--through-writer`` stations upload through the storage writer (the hourly roll-up fills as in
service), the others get their roll-up rows inserted directly (writing a month of 1,000 stations through
the writer takes minutes); then the time of the city-wide daily query and of the monthly report through
console/hub/report.py (the query over the year to date and December 2014, plus the figures).

Usage: python bench/report.py [--stations 1000] [--db-stations 1000] [--through-writer 50]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.models import Station, StationKind
from console.core.report_figures import Period, Report, parse_period, report
from console.hub.incident_store import IncidentStore
from console.hub.report import build_report
from console.hub.rollup import hourly_rollup
from console.hub.storage import Storage

YEAR = 2015
POLLUTANTS = {"a34004": 55.0, "a34002": 90.0, "a21026": 10.0, "a21004": 38.0, "a21005": 1.0, "a05024": 90.0}
TOWNSHIPS = 20


def day_pool(rng: random.Random, size: int = 4000) -> list[dict[str, float]]:
    """Plausible daily items: a shared pool the stations draw from (memory, not the work, is shared)."""
    pool = []
    for _ in range(size):
        load = rng.lognormvariate(0, 0.6)
        pool.append({
            "PM25_24H": 45 * load, "PM10_24H": 80 * load, "SO2_24H": rng.uniform(3, 30),
            "NO2_24H": rng.uniform(15, 70), "CO_24H": 0.4 + 0.8 * load, "O3_8H": rng.uniform(20, 220),
            "O3_1H": rng.uniform(30, 260),
        })  # fmt: skip
    return pool


def daily_values(stations: int, rng: random.Random) -> dict[str, dict[date, dict[str, float]]]:
    """Every station's valid daily items from 1 January of the year before to the end of YEAR."""
    pool = day_pool(rng)
    first, days = date(YEAR - 1, 1, 1), (date(YEAR + 1, 1, 1) - date(YEAR - 1, 1, 1)).days
    out = {}
    for s in range(stations):
        out[f"S{s:04d}"] = {
            first + timedelta(days=d): rng.choice(pool) for d in range(days) if rng.random() > 0.02
        }
    return out


def timed_report(
    days: dict[str, dict[date, dict[str, float]]], kind: str, label: str
) -> tuple[float, Report]:
    """Seconds to compute one report from daily values, and the report."""
    township_of = {sid: f"T{i % TOWNSHIPS:02d}" for i, sid in enumerate(days)}
    start = time.perf_counter()
    found = report(days, parse_period(kind, label), township_of=township_of)
    return time.perf_counter() - start, found


def air_stations(n: int) -> list[Station]:
    """Hourly air stations of six pollutants, spread over the townships."""
    return [
        Station(id=f"S{s:04d}", name=f"S{s:04d}", kind=StationKind.AIR, township=f"T{s % TOWNSHIPS:02d}",
                lon=116.0, lat=40.0, mn=f"MN{s:06d}", st="22", factors=tuple(POLLUTANTS), interval_s=3600)
        for s in range(n)
    ]  # fmt: skip


def write_uploads(storage: Storage, members: list[Station], period: Period, rng: random.Random) -> float:
    """Seconds to write the period's hourly uploads of the stations through the storage writer."""
    t0, _ = period.bounds()
    start = time.perf_counter()
    for hour in range(period.days * 24):
        scale = rng.uniform(0.5, 1.5)
        values = {code: (v * scale, "N") for code, v in POLLUTANTS.items()}
        storage.write([], [(s.id, t0 + hour * 3600 + 60, values) for s in members])
    return time.perf_counter() - start


def write_rollup(storage: Storage, members: list[Station], period: Period, rng: random.Random) -> float:
    """Seconds to fill the hourly roll-up of the stations directly (one row per station, factor, hour)."""
    t0, _ = period.bounds()
    first = int(t0 // 3600)
    start = time.perf_counter()
    with storage.engine.begin() as conn:
        for hour in range(first, first + period.days * 24):
            scale = rng.uniform(0.5, 1.5)
            rows = [{"station": s.id, "factor": code, "hour": hour, "total": v * scale, "count": 1}
                    for s in members for code, v in POLLUTANTS.items()]  # fmt: skip
            conn.execute(hourly_rollup.insert(), rows)
    return time.perf_counter() - start


def hub_month(stations: int, through_writer: int) -> dict[str, float]:
    """Fill a hub database with a month of hourly values and time the monthly report from it.

    ``through_writer`` stations get real uploads through the storage writer (the roll-up fills as in
    service); the others get their roll-up rows inserted directly, which is what the report reads.
    """
    members = air_stations(stations)
    period = parse_period("monthly", f"{YEAR}-12")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        storage.upsert_stations([(s, "pw") for s in members])
        writer_s = write_uploads(storage, members[:through_writer], period, rng)
        rollup_s = write_rollup(storage, members[through_writer:], period, rng)
        incidents = IncidentStore(storage.engine)
        start = time.perf_counter()
        daily = storage.stations_daily([s.id for s in members], *period.bounds())
        query_s = time.perf_counter() - start
        start = time.perf_counter()
        found = build_report(storage, incidents, period, members)
        report_s = time.perf_counter() - start
        storage.close()
    hours = period.days * 24
    print(f"hub database: {through_writer} stations × {hours} hourly uploads through the writer "
          f"in {writer_s:.1f} s, {stations - through_writer} stations' roll-up rows inserted "
          f"in {rollup_s:.1f} s")  # fmt: skip
    print(f"daily values of {len(daily)} stations for the month (city-wide query): {query_s:.2f} s")
    print(f"monthly report from the database: {report_s:.2f} s; city valid days {found.valid_days}")
    return {
        "db_stations": stations, "db_writer_s": round(writer_s, 2), "db_rollup_fill_s": round(rollup_s, 2),
        "db_daily_query_s": round(query_s, 3), "db_monthly_s": round(report_s, 3),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--db-stations", type=int, default=1000)
    parser.add_argument("--through-writer", type=int, default=50, help="stations uploading via the writer")
    args = parser.parse_args()
    days = daily_values(args.stations, random.Random(1))
    month_s, month = timed_report(days, "monthly", f"{YEAR}-12")
    year_s, year = timed_report(days, "annual", str(YEAR))
    print(f"{args.stations} stations, {TOWNSHIPS} townships, daily values of {YEAR - 1}–{YEAR}")
    for label, seconds, target, found in ((f"{YEAR}-12", month_s, 2, month), (str(YEAR), year_s, 10, year)):
        print(f"report {label}: {seconds:.2f} s (target {target} s); PM2.5 {found.pm25_mean:.1f} µg/m³, "
              f"composite {found.composite_index:.2f}, "
              f"good days {found.good_days}/{found.valid_days}")  # fmt: skip
    figures = {"stations": args.stations, "monthly_s": round(month_s, 3), "annual_s": round(year_s, 3)}
    figures |= hub_month(args.db_stations, min(args.through_writer, args.db_stations))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
