"""Report figures benchmark: a monthly and an annual report for a city of 1,000 stations.

From daily values: synthetic valid daily items (the six pollutants and O3_1H) of every station for the
report year and the year before (the 同比 and 环比 periods and the year to date are part of the work),
20 townships; the time of the December monthly report (target < 2 s) and the annual report (target
< 10 s), city + townships + stations + comparisons + targets.

From a hub database, end to end through console/hub/report.py: December of hourly values of the six
pollutants from every station (the first ``--through-writer`` stations upload through the storage writer,
the others get their hourly roll-up rows inserted directly: a month of 1,000 stations through the writer
takes minutes) and January 2014 to November 2015 as the daily roll-up a hub that ran them holds; the
monthly report cold (its days go into the daily roll-up) and warm, the annual report, and December's
days computed from the hourly roll-up as every report did before the daily roll-up. Then the time to
write the monthly and annual PDFs (console/reports/pdf.py) of those reports.

Usage: python bench/report.py [--stations 1000] [--db-stations 1000] [--through-writer 50] [--no-pdf]
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
from console.hub.daily import daily_days, daily_rollup, day_number
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


def write_daily(
    storage: Storage, members: list[Station], first: date, stop: date, rng: random.Random
) -> float:
    """Seconds to store the daily roll-up of the stations over first <= day < stop directly: what a hub that
    ran those days holds (each finished day is stored once)."""
    pool = day_pool(rng, 2000)
    start = time.perf_counter()
    with storage.engine.begin() as conn:
        for n in range(day_number(first), day_number(stop)):
            rows = [{"station": s.id, "day": n} | {k.lower(): v for k, v in rng.choice(pool).items()}
                    for s in members]  # fmt: skip
            conn.execute(daily_rollup.insert(), rows)
            conn.execute(daily_days.insert(), [{"day": n}])
    return time.perf_counter() - start


def hub_database(stations: int, through_writer: int, pdf: bool) -> dict[str, float]:
    """Fill a hub database and time the reports from it, end to end (console/hub/report.py).

    December: hourly values (``through_writer`` stations through the storage writer, the others' roll-up
    rows inserted directly); January 2014 to November 2015: the daily roll-up a hub that ran them holds.
    The first monthly report stores December's days in the daily roll-up (cold), the second reads them
    (warm); the annual report reads the daily roll-up of two years. Before the daily roll-up every
    report computed its days from the hourly roll-up: the December query that way is timed too.
    """
    members = air_stations(stations)
    period = parse_period("monthly", f"{YEAR}-12")
    rng = random.Random(7)
    out: dict[str, float] = {"db_stations": stations}
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        storage.upsert_stations([(s, "pw") for s in members])
        writer_s = write_uploads(storage, members[:through_writer], period, rng)
        rollup_s = write_rollup(storage, members[through_writer:], period, rng)
        daily_s = write_daily(storage, members, date(YEAR - 1, 1, 1), period.start, rng)
        incidents = IncidentStore(storage.engine)
        ids = [s.id for s in members]
        start = time.perf_counter()
        hourly_days: dict[str, dict[date, dict[str, float]]] = {}
        with storage.engine.connect() as conn:
            t0, t1 = period.bounds()
            storage._history._compute_daily(conn, ids, (int(t0 // 3600), int(t1 // 3600)), set(POLLUTANTS),
                                            hourly_days)  # fmt: skip
        query_s = time.perf_counter() - start
        timings = {}
        for label, kind, text in (("cold", "monthly", f"{YEAR}-12"), ("warm", "monthly", f"{YEAR}-12"),
                                  ("annual", "annual", str(YEAR))):  # fmt: skip
            start = time.perf_counter()
            found = build_report(storage, incidents, parse_period(kind, text), members)
            timings[label] = (time.perf_counter() - start, found)
        storage.close()
    print(f"hub database: {through_writer} stations × {period.days * 24} hourly uploads through the writer "
          f"in {writer_s:.1f} s, {stations - through_writer} stations' roll-up rows inserted "
          f"in {rollup_s:.1f} s, "
          f"{YEAR - 1}-01..{YEAR}-11 daily roll-up of {stations} stations in {daily_s:.1f} s")  # fmt: skip
    print(f"December's daily values of {len(hourly_days)} stations from the hourly roll-up: {query_s:.2f} s")
    for label, (seconds, found) in timings.items():
        print(f"report from the database ({label}): {seconds:.2f} s; city valid days {found.valid_days}, "
              f"PM2.5 {found.pm25_mean:.1f}")  # fmt: skip
    out |= {
        "db_writer_s": round(writer_s, 2), "db_rollup_fill_s": round(rollup_s, 2),
        "db_daily_fill_s": round(daily_s, 2), "db_hourly_query_s": round(query_s, 3),
        "db_monthly_cold_s": round(timings["cold"][0], 3), "db_monthly_s": round(timings["warm"][0], 3),
        "db_annual_s": round(timings["annual"][0], 3),
    }  # fmt: skip
    if pdf:
        out |= pdf_times(timings["warm"][1], timings["annual"][1])
    return out


def daily_database(stations: int) -> dict[str, float]:
    """Reports from a hub database whose two years (2014, 2015) are all in the daily roll-up (a hub that
    has run them): the daily values read alone, and the monthly and annual reports end to end."""
    members = air_stations(stations)
    rng = random.Random(9)
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        storage.upsert_stations([(s, "pw") for s in members])
        fill_s = write_daily(storage, members, date(YEAR - 1, 1, 1), date(YEAR + 1, 1, 1), rng)
        incidents = IncidentStore(storage.engine)
        ids = [s.id for s in members]
        out: dict[str, float] = {"daily_only_fill_s": round(fill_s, 2)}
        for kind, text in (("monthly", f"{YEAR}-12"), ("annual", str(YEAR))):
            period = parse_period(kind, text)
            start = time.perf_counter()
            read = daily_values_of(storage, ids, period)
            read_s = time.perf_counter() - start
            start = time.perf_counter()
            found = build_report(storage, incidents, period, members)
            total_s = time.perf_counter() - start
            print(f"{kind} {text} from the daily roll-up of {stations} stations: daily values read in "
                  f"{read_s:.2f} s ({sum(len(d) for d in read.values()):,} station-days), report end to end "
                  f"{total_s:.2f} s; PM2.5 {found.pm25_mean:.1f}")  # fmt: skip
            out |= {f"daily_only_{kind}_read_s": round(read_s, 3), f"daily_only_{kind}_s": round(total_s, 3)}
        storage.close()
    return out


def daily_values_of(
    storage: Storage, ids: list[str], period: Period
) -> dict[str, dict[date, dict[str, float]]]:
    """What console/hub/report.py reads for a report: the stations' days of the period and its 同比 and 环比
    periods, the city's PM2.5 on the other days of the year to date (under the key "city")."""
    from console.hub.report import city_year_to_date, daily_values

    return daily_values(storage, ids, period, ["a34004"], 8) | {
        "city": city_year_to_date(storage, ids, period, ["a34004"], 8)
    }


def pdf_times(month: Report, year: Report) -> dict[str, float]:
    """Seconds to write the monthly and annual PDFs of the database's reports (every station in their
    tables)."""
    from console.reports.pdf import write_pdf

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, found in (("monthly", month), ("annual", year)):
            start = time.perf_counter()
            pages = write_pdf(found, Path(tmp) / f"{label}.pdf")
            seconds = time.perf_counter() - start
            print(f"PDF of the {label} report: {seconds:.2f} s, {pages} pages")
            out |= {f"pdf_{label}_s": round(seconds, 3), f"pdf_{label}_pages": pages}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=1000)
    parser.add_argument("--db-stations", type=int, default=1000)
    parser.add_argument("--through-writer", type=int, default=50, help="stations uploading via the writer")
    parser.add_argument("--no-pdf", action="store_true", help="skip writing the PDFs")
    parser.add_argument("--daily-only", action="store_true",
                        help="only the reports from a database of daily roll-up rows (quick)")  # fmt: skip
    args = parser.parse_args()
    if args.daily_only:
        print(json.dumps({"db_stations": args.db_stations} | daily_database(args.db_stations)))
        return
    days = daily_values(args.stations, random.Random(1))
    month_s, month = timed_report(days, "monthly", f"{YEAR}-12")
    year_s, year = timed_report(days, "annual", str(YEAR))
    print(f"{args.stations} stations, {TOWNSHIPS} townships, daily values of {YEAR - 1}–{YEAR}")
    for label, seconds, target, found in ((f"{YEAR}-12", month_s, 2, month), (str(YEAR), year_s, 10, year)):
        print(f"report {label}: {seconds:.2f} s (target {target} s); PM2.5 {found.pm25_mean:.1f} µg/m³, "
              f"composite {found.composite_index:.2f}, "
              f"good days {found.good_days}/{found.valid_days}")  # fmt: skip
    figures = {"stations": args.stations, "monthly_s": round(month_s, 3), "annual_s": round(year_s, 3)}
    figures |= hub_database(args.db_stations, min(args.through_writer, args.db_stations), not args.no_pdf)
    figures |= daily_database(args.db_stations)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
