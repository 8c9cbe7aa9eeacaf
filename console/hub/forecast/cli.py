"""``python -m console.hub forecast train|verify|import``: the local model and official forecasts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from console.hub.forecast import model as fm
from console.hub.forecast import official, service
from console.hub.storage import Storage


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day like 2016-02-29") from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m console.hub forecast", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, required=True, help="the hub's data directory")
    common.add_argument("--db", help="SQLAlchemy URL (default: hub.db in --data-dir)")
    common.add_argument("--tz-hours", type=float, default=8, help="local time zone of the days (default 8)")
    train = sub.add_parser("train", parents=[common], help="train the model on the history")
    train.add_argument("--until", type=_day, help="last day to learn from (default: the history's last)")
    verify = sub.add_parser("verify", parents=[common], help="figures on held-back days; last line JSON")
    verify.add_argument("--from", dest="first", type=_day, required=True, help="first target day")
    verify.add_argument("--to", dest="last", type=_day, required=True, help="last target day")
    imp = sub.add_parser("import", parents=[common], help="official forecasts from a CSV or JSON file")
    imp.add_argument("files", nargs="+", type=Path, help="files (docs/forecast.md has the format)")
    return p.parse_args(argv)


def open_storage(args: argparse.Namespace) -> Storage:
    path = args.data_dir / "hub.db"
    if args.db is None and not path.is_file():
        raise SystemExit(f"{args.data_dir} holds no hub database (hub.db): give a hub's --data-dir")
    return Storage(args.db or f"sqlite:///{path}", tz_hours=int(args.tz_hours))


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    storage = open_storage(args)
    directory = service.model_dir(args.data_dir)
    try:
        if args.command == "train":
            manifest = service.train(storage, directory, args.until, args.tz_hours)
            print(
                f"model version {manifest['version']} trained on the days up to {manifest['trained_until']} "
                f"({len(manifest['stations'])} stations, {manifest['train_seconds']} s) in {directory}"
            )
            return 0
        if args.command == "verify":
            figures = service.verify(storage, directory, args.first, args.last, args.tz_hours)
            print(service.table(figures))
            print(json.dumps(figures["leads"], ensure_ascii=False))
            return 0
        return import_files(storage, args.files)
    except (fm.ModelError, ValueError) as exc:
        print(f"forecast {args.command}: {exc}", file=sys.stderr)
        return 2
    finally:
        storage.close()


def import_files(storage: Storage, files: list[Path]) -> int:
    """Import each file's good lines; list the refused ones. Status 1 when any line or file was refused."""
    status = 0
    for path in files:
        try:
            good, bad = official.parse_file(path)
        except ValueError as exc:
            print(f"refused: {exc}", file=sys.stderr)
            status = 1
            continue
        new = official.store(storage.engine, good)
        print(f"{path}: {len(good)} forecasts ({new} new), {len(bad)} lines refused")
        for refused in bad:
            print(f"{path}:{refused.line}: {refused.reason}", file=sys.stderr)
        status = 1 if bad else status
    return status
