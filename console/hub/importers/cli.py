"""``python -m console.hub import prsa|csv ...``: archived history into the hub's data directory."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from console.hub import site as site_module
from console.hub.importers import csv as long_csv
from console.hub.importers import prsa
from console.hub.importers.loader import Known, Loader, Row
from console.hub.importers.progress import ProgressBar
from console.hub.importers.report import HeaderError, Report
from console.hub.storage import Storage

Reader = Callable[[Path, ProgressBar], Iterator[Row]]


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m console.hub import", description="Import archived history into the hub's database."
    )
    p.add_argument("--data-dir", type=Path, default=Path("data/hub"), help="the hub's data directory")
    p.add_argument("--db", help="SQLAlchemy URL (default: SQLite file in --data-dir), as the hub takes it")
    formats = p.add_subparsers(dest="format", required=True)
    one = formats.add_parser("prsa", help="the UCI Beijing multi-site air-quality CSVs (PRSA_Data_*.csv)")
    one.add_argument("path", type=Path, help="a folder of PRSA_Data_*.csv files, or one such file")
    one.add_argument("--coords", type=Path, required=True, help="station_coordinates.json: names, positions")
    long = formats.add_parser("csv", help="the long format: station,time,factor,value,flag (docs/import.md)")
    long.add_argument("path", type=Path, nargs="+", help="one or more CSV files")
    long.add_argument("--stations", type=Path, help="id,name,kind,lon,lat,interval_s of new stations")
    for sub in (one, long):  # accepted after the format's arguments too
        sub.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.add_argument("--db", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run an import; prints a summary. Exit status 1 when a file was refused."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    prsa_format = args.format == "prsa"  # the inputs are checked before the database is touched
    files = prsa_files(args.path) if prsa_format else list(args.path)
    places = prsa.read_coordinates(args.coords) if prsa_format else {}
    args.data_dir.mkdir(parents=True, exist_ok=True)
    storage = Storage(args.db or f"sqlite:///{args.data_dir / 'hub.db'}")
    try:
        registered = {station.id: (station, pw) for station, pw in storage.load_stations()}
        if prsa_format:
            report = run(storage, files, prsa.read, prsa.stations(places, registered), derive=True)
        else:
            extra = long_csv.read_stations(args.stations, registered) if args.stations else {}
            # No AQI is derived from the long format: its rows need not be in time order, and an archive
            # may hold its own AQI.
            report = run(storage, files, long_csv.read, registered | extra, derive=False)
        # The hub's registry is its site directory: the imported stations join it, so the hub serves them.
        site_module.add_stations(storage.load_stations(), args.data_dir / "site")
        # Reports read a finished day's values from the daily roll-up: the imported days are stored now.
        report.rolled_up_days = storage.roll_up_finished_days()
    finally:
        storage.close()
    print(report.summary(), file=sys.stderr)
    return 1 if report.refused else 0


def prsa_files(path: Path) -> list[Path]:
    """The PRSA files to read: the one given, or every PRSA_Data_*.csv of a folder, by name."""
    if path.is_dir():
        if found := sorted(path.glob("PRSA_Data_*.csv")):
            return found
        raise SystemExit(f"{path}: no PRSA_Data_*.csv files in this folder")
    if path.exists():
        return [path]
    raise SystemExit(f"{path}: no such file or folder")


def run(storage: Storage, files: list[Path], reader: Reader, known: Known, derive: bool) -> Report:
    """Import files one after the other, each whole or not at all; a progress bar on stderr. With
    ``derive``, the hourly and daily AQI of air stations are derived as the rows go in (in time order)."""
    report = Report()
    progress = ProgressBar(sum(path.stat().st_size for path in files if path.exists()))
    loader = Loader(storage, report)
    for path in files:
        progress.set_note(path.name)
        try:
            loader.load(path, reader(path, progress), known, derive)
        except (HeaderError, OSError, UnicodeDecodeError) as exc:
            report.refused.append(str(exc) if isinstance(exc, HeaderError) else f"{path}: {exc}")
    progress.finish()
    return report
