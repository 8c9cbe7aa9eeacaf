"""History at scale on PostgreSQL: load rate, a 30-day hourly series, a city's hourly day, disk used.

Loads ``--stations`` stations × ``--days`` days of uploads every ``--interval`` seconds, six pollutants an
upload (one ``frames`` row, six readings), into a fresh PostgreSQL database through the hub's own write path
(``Storage.write``: the month-partitioned ``frames``, the hourly roll-up and the latest values, batches of
``--batch`` uploads, each its own transaction, as the storage writer commits them). Then, on the loaded
database:
- a 30-day hourly series of one station and one factor (``Storage.history(..., "1h")``; target 50 ms);
- the hourly means of one factor at every station over one day (``Storage.stations_hourly``; target 500 ms);
- the disk used by the database (``pg_database_size``) and per reading.

The database (bench_scale_<random>) is dropped at the end unless --keep.
Usage: python bench/scale.py [--stations 200] [--days 31] [--interval 300] [--batch 20000]
       [--url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.models import Station, StationKind
from console.hub.storage import Storage

POLLUTANTS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")
T0 = 1_704_038_400.0  # 2024-01-01 00:00 at UTC+8
DAY = 86_400.0


def _station(n: int, interval: int) -> Station:
    return Station(
        id=f"S{n:04d}", name=f"S{n:04d}", kind=StationKind.AIR, township="110119001", lon=115.9 + n * 1e-4,
        lat=40.4, mn=f"MN{n:010d}", st="22", factors=POLLUTANTS, interval_s=interval,
    )  # fmt: skip


def _timed(call, repeat: int = 5) -> float:
    """Median milliseconds of ``repeat`` calls after one warm-up call."""
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--stations", type=int, default=200)
    parser.add_argument("--days", type=int, default=31)
    parser.add_argument("--interval", type=int, default=300, help="seconds between a station's uploads")
    parser.add_argument("--batch", type=int, default=20_000, help="uploads a transaction")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()

    admin_url = sa.make_url(args.url)
    libpq = admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"bench_scale_{secrets.token_hex(4)}"
    with psycopg.connect(libpq, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    figures: dict[str, float | int | str] = {"database": "postgresql", "stations": args.stations}
    try:
        storage = Storage(url)
        storage.upsert_stations([(_station(n, args.interval), "pw") for n in range(args.stations)])
        ids = [f"S{n:04d}" for n in range(args.stations)]
        steps = int(args.days * DAY / args.interval)
        uploads_total, start = 0, time.perf_counter()
        pending: list = []
        for step in range(steps):
            ts = T0 + step * args.interval
            for n, station in enumerate(ids):
                value = 30.0 + (n * 7 + step) % 50
                pending.append((station, ts, {code: (value + i, "N") for i, code in enumerate(POLLUTANTS)}))
            if len(pending) >= args.batch or step == steps - 1:
                storage.write([], pending)
                uploads_total += len(pending)
                pending = []
        load_s = time.perf_counter() - start
        readings = uploads_total * len(POLLUTANTS)
        figures |= {
            "days": args.days, "interval_s": args.interval, "uploads": uploads_total, "readings": readings,
            "load_s": round(load_s, 1), "load_readings_per_s": round(readings / load_s),
            "load_uploads_per_s": round(uploads_total / load_s),
        }  # fmt: skip
        print(f"loaded {readings:,} readings ({uploads_total:,} uploads) in {load_s:.1f} s: "
              f"{readings / load_s:,.0f} readings/s")  # fmt: skip
        with storage.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        end = T0 + args.days * DAY
        month = max(T0, end - 30 * DAY)
        figures["station_hourly_30_days_ms"] = _timed(
            lambda: storage.history(ids[0], "a34004", month, end, "1h")
        )
        last_day = end - DAY
        figures["city_hourly_day_ms"] = _timed(lambda: storage.stations_hourly("a34004", last_day, end))
        figures["raw_day_one_station_ms"] = _timed(lambda: storage.history(ids[0], "a34004", last_day, end))
        with storage.engine.connect() as conn:
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        figures["disk_mb"] = round(size / 2**20, 1)
        figures["disk_bytes_per_reading"] = round(size / readings, 1)
        print(
            f"30-day hourly series of one station: {figures['station_hourly_30_days_ms']} ms (target 50 ms)"
        )
        print(f"hourly day of {args.stations} stations: {figures['city_hourly_day_ms']} ms (target 500 ms)")
        print(f"raw day of one station: {figures['raw_day_one_station_ms']} ms")
        print(f"disk: {figures['disk_mb']} MiB, {figures['disk_bytes_per_reading']} bytes a reading")
        storage.close()
    finally:
        if not args.keep:
            with psycopg.connect(libpq, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
