"""Import speed of the whole UCI Beijing PRSA set (12 stations x 35,064 hours) into an empty hub database.

Runs ``python -m console.hub import prsa`` in this process twice on a fresh SQLite file in a temporary
folder: the first import (everything new) and a second one (every moment already stored: replaced by the
same values, nothing added). Prints readings/s of each, the database size, and the time one year of daily
AQI takes to read back for a station. Readings count what was written: the CSVs' values and the hourly
and daily AQI derived from them.

Usage: python bench/import_prsa.py [--prsa DIR] [--coords FILE]  (defaults: the reference data in ../shared)
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.hub.importers.cli import main as import_main
from console.hub.storage import Storage

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prsa", type=Path, default=SHARED / "PRSA_Data_20130301-20170228")
    p.add_argument("--coords", type=Path, default=SHARED / "station_coordinates.json")
    return p.parse_args()


def timed_import(args: argparse.Namespace, data_dir: Path) -> dict[str, float]:
    """One import: its summary's figures and wall time."""
    out = io.StringIO()
    argv = ["prsa", str(args.prsa), "--coords", str(args.coords), "--data-dir", str(data_dir)]
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stderr(out):
        status = import_main(argv)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    summary = out.getvalue()
    if status != 0:
        raise SystemExit(f"import failed:\n{summary}")
    number = lambda pattern: int(re.search(pattern, summary).group(1).replace(",", ""))  # noqa: E731
    readings = number(r"readings: ([\d,]+)")
    return {
        "stations": number(r"stations: (\d+)"),
        "readings": readings,
        "new_moments": number(r"\(([\d,]+) new"),
        "skipped_rows": number(r"skipped rows: ([\d,]+)"),
        "derived_aqi": number(r"([\d,]+) derived AQI"),
        "seconds": round(seconds, 2),
        "readings_per_s": round(readings / seconds),
        "cpu_seconds": round(cpu, 2),  # steadier than the wall clock on a shared machine
        "readings_per_cpu_s": round(readings / cpu),
    }


def database_mb(data_dir: Path) -> float:
    """Size of the database and its write-ahead log, MB."""
    return round(sum(path.stat().st_size for path in data_dir.glob("hub.db*")) / 1e6, 1)


def daily_aqi_ms(data_dir: Path) -> float:
    """Milliseconds to read one station's daily AQI over 2014 (365 days)."""
    storage = Storage(f"sqlite:///{data_dir / 'hub.db'}")
    start = 1388505600.0  # 2014-01-01 00:00 Beijing time
    began = time.perf_counter()
    days = storage.history("Dongsi", "AQI_D", start, start + 365 * 86400, "1d")
    ms = (time.perf_counter() - began) * 1000
    storage.close()
    assert len(days) == 365, len(days)
    return round(ms, 1)


def main() -> None:
    args = parse_args()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        first = timed_import(args, data_dir)
        print(f"first import: {first['stations']} stations, {first['readings']:,} readings", end=" ")
        print(f"({first['skipped_rows']} rows skipped) in {first['seconds']} s:", end=" ")
        print(f"{first['readings_per_s']:,} readings/s; {first['readings_per_cpu_s']:,} per CPU second")
        figures.update({f"first_{key}": value for key, value in first.items()})
        figures["database_mb"] = database_mb(data_dir)
        print(f"database: {figures['database_mb']} MB")
        again = timed_import(args, data_dir)
        print(f"second import: {again['new_moments']} new moments, {again['seconds']} s:", end=" ")
        print(f"{again['readings_per_s']:,} readings/s; {again['readings_per_cpu_s']:,} per CPU second")
        figures.update({f"second_{key}": value for key, value in again.items()})
        figures["database_mb_after_second"] = database_mb(data_dir)
        figures["daily_aqi_year_ms"] = daily_aqi_ms(data_dir)
        print(f"one station's daily AQI over 2014: {figures['daily_aqi_year_ms']} ms")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
