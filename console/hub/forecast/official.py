"""Official forecasts (an environment bureau's published AQI forecast) imported from file into the hub
database, to be shown beside the local model's.

CSV, UTF-8, this header exactly, a line per area (or station) and valid day:

    issued,valid_date,area,aqi_low,aqi_high,level,primary_pollutant,source
    2017-02-27T16:00+08:00,2017-02-28,北京,150,200,4,PM2.5,北京市环境保护监测中心

or JSON: a list of objects with the same keys (``{"forecasts": [...]}`` too). ``issued``: ISO 8601 with
its UTC offset; ``valid_date``: the local day; ``aqi_low`` <= ``aqi_high`` in 0 … 500; ``level``: the HJ 633
level (1-6) of the range's upper end or of a day in it; ``primary_pollutant``: PM2.5, PM10, O3, NO2, SO2,
CO or empty. A malformed line is refused with its line number (an object with its position); the other
lines go in. Importing the same forecast twice stores it once (key: source, area, valid date, issue time).
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from console.core.aqi import category_of

HEADER = ["issued", "valid_date", "area", "aqi_low", "aqi_high", "level", "primary_pollutant", "source"]
POLLUTANTS = ("PM2.5", "PM10", "O3", "NO2", "SO2", "CO")

metadata = sa.MetaData()
official_forecasts = sa.Table(
    "forecast_official",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),
    sa.Column("area", sa.Text, primary_key=True),
    sa.Column("valid_date", sa.Text, primary_key=True),  # ISO local day
    sa.Column("issued", sa.Float, primary_key=True),  # Unix time
    sa.Column("aqi_low", sa.Integer, nullable=False),
    sa.Column("aqi_high", sa.Integer, nullable=False),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("primary_pollutant", sa.Text, nullable=False),
    sa.Column("imported", sa.Float, nullable=False),
)


@dataclass(frozen=True)
class Official:
    issued: float
    valid_date: date
    area: str
    aqi_low: int
    aqi_high: int
    level: int
    primary_pollutant: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "valid_date": self.valid_date.isoformat(),
            "area": self.area,
            "aqi_low": self.aqi_low,
            "aqi_high": self.aqi_high,
            "level": self.level,
            "primary_pollutant": self.primary_pollutant,
            "source": self.source,
        }


@dataclass(frozen=True)
class Refused:
    line: int
    reason: str


def parse_record(fields: dict[str, Any]) -> Official:
    """One forecast from its fields; ValueError saying what is wrong."""
    missing = [key for key in HEADER if key not in fields]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    text = {key: str(fields[key]).strip() if fields[key] is not None else "" for key in HEADER}
    try:
        issued = datetime.fromisoformat(text["issued"])
    except ValueError:
        raise ValueError(f"issued {text['issued']!r} is not an ISO 8601 time") from None
    if issued.tzinfo is None:
        raise ValueError(f"issued {text['issued']!r} has no UTC offset (e.g. +08:00)")
    try:
        valid = date.fromisoformat(text["valid_date"])
    except ValueError:
        raise ValueError(f"valid_date {text['valid_date']!r} is not a day like 2017-02-28") from None
    numbers = {}
    for key in ("aqi_low", "aqi_high", "level"):
        try:
            numbers[key] = int(text[key])
        except ValueError:
            raise ValueError(f"{key} {text[key]!r} is not a whole number") from None
    low, high, level = numbers["aqi_low"], numbers["aqi_high"], numbers["level"]
    if not 0 <= low <= high <= 500:
        raise ValueError(f"AQI range {low}-{high} is not within 0-500, low first")
    if not category_of(low).level <= level <= category_of(high).level:
        raise ValueError(f"level {level} does not match the AQI range {low}-{high}")
    if not text["area"]:
        raise ValueError("area is empty")
    if not text["source"]:
        raise ValueError("source is empty")
    pollutant = text["primary_pollutant"]
    if pollutant not in (*POLLUTANTS, ""):
        raise ValueError(f"primary_pollutant {pollutant!r} is not one of {', '.join(POLLUTANTS)} or empty")
    if valid < issued.date():
        raise ValueError(f"valid_date {valid} is before the issue time {text['issued']}")
    return Official(issued.timestamp(), valid, text["area"], low, high, level, pollutant, text["source"])


def parse_file(path: Path) -> tuple[list[Official], list[Refused]]:
    """The forecasts of a CSV or JSON file and the lines refused; ValueError when the file as a whole
    cannot be read (not UTF-8, wrong header, not JSON)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return _parse_json(path, text)
    return _parse_csv(path, text)


def _parse_csv(path: Path, text: str) -> tuple[list[Official], list[Refused]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None or [h.strip() for h in header] != HEADER:
        raise ValueError(f"{path}: the first line must be {','.join(HEADER)}; found {','.join(header or [])}")
    good, bad = [], []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            bad.append(Refused(line, f"{len(row)} fields, expected {len(HEADER)}"))
            continue
        try:
            good.append(parse_record(dict(zip(HEADER, row, strict=True))))
        except ValueError as exc:
            bad.append(Refused(line, str(exc)))
    return good, bad


def _parse_json(path: Path, text: str) -> tuple[list[Official], list[Refused]]:
    try:
        found = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{path}: not JSON ({exc})") from None
    if isinstance(found, dict):
        found = found.get("forecasts")
    if not isinstance(found, list):
        raise ValueError(f'{path}: expected a list of forecasts (or {{"forecasts": [...]}})')
    good, bad = [], []
    for number, item in enumerate(found, 1):
        if not isinstance(item, dict):
            bad.append(Refused(number, "not an object"))
            continue
        try:
            good.append(parse_record(item))
        except ValueError as exc:
            bad.append(Refused(number, str(exc)))
    return good, bad


def store(engine: sa.Engine, forecasts: list[Official], now: float | None = None) -> int:
    """Store forecasts (a forecast already stored is replaced); returns how many were new."""
    metadata.create_all(engine)
    now = time.time() if now is None else now
    c = official_forecasts.c
    new = 0
    with engine.begin() as conn:
        for f in forecasts:
            key = (c.source == f.source) & (c.area == f.area)
            key &= (c.valid_date == f.valid_date.isoformat()) & (c.issued == f.issued)
            existed = conn.execute(sa.delete(official_forecasts).where(key)).rowcount
            conn.execute(official_forecasts.insert().values(**f.as_dict(), imported=now))
            new += 0 if existed else 1
    return new


def latest(
    engine: sa.Engine, since: date | None = None, issued_by: float | None = None
) -> list[dict[str, Any]]:
    """The latest issued forecast of each source, area and valid day (valid on or after ``since``);
    with ``issued_by`` (Unix time) the latest issued at or before it: the forecast as it stood then."""
    metadata.create_all(engine)
    c = official_forecasts.c
    issues = sa.select(c.source, c.area, c.valid_date, sa.func.max(c.issued).label("issued"))
    if issued_by is not None:
        issues = issues.where(c.issued <= issued_by)
    newest = issues.group_by(c.source, c.area, c.valid_date).subquery()
    query = sa.select(official_forecasts).join(
        newest,
        (c.source == newest.c.source) & (c.area == newest.c.area)
        & (c.valid_date == newest.c.valid_date) & (c.issued == newest.c.issued),
    )  # fmt: skip
    if since is not None:
        query = query.where(c.valid_date >= since.isoformat())
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.valid_date, c.area, c.source)).mappings().all()
    return [{key: value for key, value in row.items() if key != "imported"} for row in rows]


INBOX = "inbox"  # DATA/forecast/inbox: official forecast files dropped here are imported


def import_inbox(engine: sa.Engine, inbox: Path, now: float | None = None) -> list[str]:
    """Import every CSV or JSON file in ``inbox`` and move it to ``inbox/done`` (its refused lines, if any,
    written beside it as FILE.refused.txt) or, when refused whole, to ``inbox/refused`` with the reason.
    A file still being written (changed in the last 5 seconds) waits for the next look. Returns one line
    per file for the log."""
    now = time.time() if now is None else now
    out: list[str] = []
    if not inbox.is_dir():
        return out
    for path in sorted(inbox.iterdir()):
        if not path.is_file() or path.suffix.lower() not in (".csv", ".json"):
            continue
        try:
            if now - path.stat().st_mtime < 5:
                continue
            good, bad = parse_file(path)
        except ValueError as exc:
            _move(path, inbox / "refused", str(exc))
            out.append(f"refused {path.name}: {exc}")
            continue
        except OSError:
            continue
        new = store(engine, good, now)
        reasons = "\n".join(f"{path.name}:{r.line}: {r.reason}" for r in bad)
        _move(path, inbox / "done", reasons)
        out.append(f"{path.name}: {len(good)} forecasts ({new} new), {len(bad)} lines refused")
    return out


def _move(path: Path, folder: Path, reasons: str) -> None:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}-{int(time.time() * 1000)}{path.suffix}"
    path.replace(target)
    if reasons:
        target.with_name(target.name + ".refused.txt").write_text(reasons + "\n", encoding="utf-8")
