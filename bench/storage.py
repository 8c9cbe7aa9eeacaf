"""Hub storage benchmark: writing uploads (µs each, by batch size) and reading history back (ms a query).

Writing: 500 stations, 10 factors, every upload a new row (one per station per round, stamped 20 ms
apart); a batch holds whole rounds, as the writer thread collects them (half a second of ingest at about
25,000 uploads/s is some 13,000 uploads). Also measured: the same with one row per SQL statement instead of
BULK_ROWS, what the writer did before it grouped rows into statements.

Reading: one station, 10 factors, 30 days of one-minute uploads; the hub's REST history queries (raw over
a day, hourly means and daily values over 30 days, the daily AQI over 30 days; targets: the hourly means
within 10 ms) and the consoles' back-fill (every reading of 6 hours). City-wide: 900 stations, one day of
one-minute uploads of 10 factors; the hourly means of one factor at every station over that day (target:
within 200 ms).

Each part starts from an empty SQLite file in a temporary folder.
Usage: python bench/storage.py [--stations 500] [--factors 10] [--uploads 200000] [--city 900]
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.hub import storage as storage_module
from console.hub.storage import Storage

POLLUTANTS = ("a34004", "a34002", "a21026", "a21004", "a21005", "a05024")
T0 = 1_700_006_400.0  # a local midnight (UTC+8)
DAY = 86_400.0


def codes(factors: int) -> list[str]:
    """Factor codes: the six HJ 633 pollutants first (so the daily AQI has its inputs), then made-up ones."""
    return [*POLLUTANTS, *(f"a{i:05d}" for i in range(max(0, factors - len(POLLUTANTS))))][:factors]


def write_us(stations: int, factors: int, uploads: int, per_batch: int) -> tuple[float, float]:
    """µs per upload for batches of ``per_batch`` uploads (whole rounds): wall clock, and CPU time of this
    thread (SQLite's work included, the waits for the disk not), which moves less with other load."""
    values = {c: (12.5 + i, "N") for i, c in enumerate(codes(factors))}
    rounds = max(1, per_batch // stations)
    batches = [
        [
            (f"S{s:05d}", T0 + (b * rounds + k) * 0.02, dict(values))
            for k in range(rounds)
            for s in range(stations)
        ]
        for b in range(max(1, uploads // (rounds * stations)))
    ]
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        start, cpu = time.perf_counter(), time.thread_time()
        for batch in batches:
            storage.write([], batch)
        elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
        storage.close()
    count = sum(map(len, batches))
    return elapsed / count * 1e6, cpu / count * 1e6


def query_ms(factors: int) -> dict[str, float]:
    """ms per history query on 30 days of one station's one-minute uploads (best of 5)."""
    names = codes(factors)
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        for day in range(30):
            base = T0 + day * DAY
            storage.write(
                [],
                [
                    ("S1", base + 60 * m, {c: (float(m % 97 + i), "N") for i, c in enumerate(names)})
                    for m in range(1440)
                ],
            )
        end = T0 + 30 * DAY
        queries = {
            "raw_1_day_ms": lambda: storage.history("S1", names[0], end - DAY, end, "raw"),
            "hourly_30_days_ms": lambda: storage.history("S1", names[0], T0, end, "1h"),
            "daily_30_days_ms": lambda: storage.history("S1", names[0], T0, end, "1d"),
            "daily_aqi_30_days_ms": lambda: storage.history("S1", "AQI_D", T0, end, "1d"),
            "all_readings_6_hours_ms": lambda: storage.readings_between(end - 6 * 3600, end, limit=50_000),
        }
        figures = {}
        for name, query in queries.items():
            best = min(_timed(query) for _ in range(5))
            figures[name] = round(best * 1000, 1)
        storage.close()
    return figures


def city_ms(stations: int, factors: int) -> dict[str, float]:
    """ms for the hourly means of one factor at every station of a city over one day (best of 5), and
    µs per upload to write that day through the roll-up."""
    names = codes(factors)
    values = {c: (12.5 + i, "N") for i, c in enumerate(names)}
    ids = [f"C{s:04d}" for s in range(stations)]
    with tempfile.TemporaryDirectory() as tmp:
        storage = Storage(f"sqlite:///{Path(tmp) / 'hub.db'}")
        start, uploads = time.perf_counter(), 0
        for minute in range(0, 1440, 10):  # ten minutes of the whole city a batch
            batch = [(s, T0 + 60 * m, dict(values)) for m in range(minute, minute + 10) for s in ids]
            storage.write([], batch)
            uploads += len(batch)
        write_us = (time.perf_counter() - start) / uploads * 1e6
        best = min(_timed(lambda: storage.stations_hourly(names[0], T0, T0 + DAY, ids)) for _ in range(5))
        found = storage.stations_hourly(names[0], T0, T0 + DAY, ids)
        assert len(found) == stations and all(len(points) == 24 for points in found.values())
        storage.close()
    return {"city_write_us_per_upload": round(write_us, 2), "city_hourly_day_ms": round(best * 1000, 1)}


def _timed(query) -> float:
    start = time.perf_counter()
    query()
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--stations", type=int, default=500)
    p.add_argument("--factors", type=int, default=10)
    p.add_argument("--uploads", type=int, default=200_000)
    p.add_argument("--city", type=int, default=900, help="stations of the city-wide query")
    args = p.parse_args()
    figures: dict[str, float] = {}
    for per_batch in (2_000, 5_000, 13_000):
        us, cpu_us = write_us(args.stations, args.factors, args.uploads, per_batch)
        figures[f"us_per_upload_batch_{per_batch}"] = round(us, 2)
        figures[f"cpu_us_per_upload_batch_{per_batch}"] = round(cpu_us, 2)
        rows = storage_module.BULK_ROWS
        print(f"batches of {per_batch:>6} uploads, {rows} rows a statement: {us:.2f} µs an upload", end="")
        print(f" ({cpu_us:.2f} µs of CPU)")
    bulk, storage_module.BULK_ROWS = storage_module.BULK_ROWS, 1
    try:
        us, _ = write_us(args.stations, args.factors, args.uploads, 13_000)
    finally:
        storage_module.BULK_ROWS = bulk
    figures["us_per_upload_batch_13000_one_row_a_statement"] = round(us, 2)
    print(f"batches of  13000 uploads, 1 row a statement: {us:.2f} µs an upload")
    queries = query_ms(args.factors)
    for name, ms in queries.items():
        print(f"{name}: {ms} ms" + (" (target 10 ms)" if name == "hourly_30_days_ms" else ""))
    figures.update(queries)
    city = city_ms(args.city, args.factors)
    print(f"city of {args.city} stations, one day: {city['city_write_us_per_upload']} µs an upload to write;")
    print(f"city_hourly_day_ms (one factor, every station): {city['city_hourly_day_ms']} ms (target 200 ms)")
    figures.update(city)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
