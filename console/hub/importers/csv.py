"""The long CSV format any bureau can export its archive to: a row per value (see docs/import.md).

``station,time,factor,value,flag``: the station id, the data time in ISO 8601 with its zone
(``2017-02-28T23:00:00+08:00``; ``Z`` for UTC), the HJ 212 factor code, the value in the unit the hub uses
for that factor (console/core/factors.py), and the HJ 212 data flag (empty means N). Stations the hub
does not know yet come from a stations file: ``id,name,kind,lon,lat,interval_s``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from console.core.factors import FACTORS
from console.core.models import VALID_FLAGS, Station, StationKind
from console.hub.importers.loader import Known, Row, derived_mn, lines, new_password
from console.hub.importers.progress import ProgressBar
from console.hub.importers.report import BadRow, HeaderError

HEADER = ["station", "time", "factor", "value", "flag"]
STATIONS_HEADER = ["id", "name", "kind", "lon", "lat", "interval_s"]
_ST_OF_KIND = {"air": "22", "micro": "22", "scenic": "22", "water": "21", "noise": "23", "source": "31"}


def read(path: Path, progress: ProgressBar) -> Iterator[Row]:
    """The values of a long CSV file as one-value uploads, with bad rows as ``BadRow``.

    Raises HeaderError (before yielding anything) when the first line is not the documented header.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(lines(handle, progress))
        header = next(reader, None)
        if header != HEADER:
            raise HeaderError(f"{path}: header {header!r}, expected {','.join(HEADER)}")
        for fields in reader:
            yield _row(path, reader.line_num, fields)


def _row(path: Path, line: int, fields: list[str]) -> Row:
    if len(fields) != len(HEADER):
        return BadRow(path, line, f"expected {len(HEADER)} columns, found {len(fields)}")
    station, time, factor, text, flag = fields
    try:
        stamp = datetime.fromisoformat(time)
    except ValueError:
        return BadRow(path, line, f"bad time {time!r}")
    if stamp.tzinfo is None:
        return BadRow(path, line, f"time {time!r} has no zone (add +08:00 or Z)")
    if factor not in FACTORS:
        return BadRow(path, line, f"unknown factor code {factor!r}")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        return BadRow(path, line, f"bad number {text!r}")
    flag = flag or "N"
    if flag not in VALID_FLAGS:
        return BadRow(path, line, f"bad flag {flag!r} (HJ 212: {' '.join(sorted(VALID_FLAGS))})")
    return line, (station, stamp.timestamp(), {factor: (value, flag)})


def read_stations(path: Path, registered: Known) -> dict[str, tuple[Station, str]]:
    """Stations of a stations file by id; registered ones keep their logger password and MN.

    Raises SystemExit with the file and line of the first bad row: stations are few, and fixed by hand.
    """
    out = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        if (header := next(reader, None)) != STATIONS_HEADER:
            raise SystemExit(f"{path}: header {header!r}, expected {','.join(STATIONS_HEADER)}")
        for fields in reader:
            try:
                station = _station(fields, registered)
            except (ValueError, TypeError) as exc:
                raise SystemExit(f"{path}:{reader.line_num}: {exc}") from None
            old = registered.get(station.id)
            out[station.id] = (station, old[1] if old else new_password())
    return out


def _station(fields: list[str], registered: Known) -> Station:
    if len(fields) != len(STATIONS_HEADER):
        raise ValueError(f"expected {len(STATIONS_HEADER)} columns, found {len(fields)}")
    id_, name, kind, lon, lat, interval = fields
    old = registered.get(id_)
    return Station(
        id=id_,
        name=name,
        kind=StationKind(kind),
        township=old[0].township if old else "",
        lon=float(lon),
        lat=float(lat),
        mn=old[0].mn if old else derived_mn(id_),
        st=_ST_OF_KIND.get(kind, "22"),
        factors=old[0].factors if old else (),
        interval_s=int(interval),
        zone=old[0].zone if old else "",
        grid=old[0].grid if old else "",
    )
