"""The UCI Beijing multi-site air-quality set (PRSA): hourly CSVs of 12 national-control stations, 2013-2017.

Each file holds one station: ``No,year,month,day,hour,PM2.5,PM10,SO2,NO2,CO,O3,TEMP,PRES,DEWP,RAIN,wd,WSPM,
station``. Times are Beijing time (UTC+8) and label the hour they start, as HJ 212 hourly data does. Values
are µg/m³ (CO too), °C, hPa, mm and m/s; ``NA`` marks a missing value. docs/import.md has the mapping.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from console.core.models import Station, StationKind, Values
from console.hub.importers.loader import Known, Row, derived_mn, lines, new_password
from console.hub.importers.progress import ProgressBar
from console.hub.importers.report import BadRow, HeaderError

HEADER = [
    "No", "year", "month", "day", "hour", "PM2.5", "PM10", "SO2", "NO2", "CO", "O3",
    "TEMP", "PRES", "DEWP", "RAIN", "wd", "WSPM", "station",
]  # fmt: skip
BEIJING = timezone(timedelta(hours=8))
# column -> (HJ 212 factor code, factor to the hub's unit): CO µg/m³ -> mg/m³, pressure hPa -> kPa.
# RAIN has no HJ 212 code and is left out; DEWP becomes relative humidity (a01002) with TEMP.
COLUMNS = {
    "PM2.5": ("a34004", 1.0),
    "PM10": ("a34002", 1.0),
    "SO2": ("a21026", 1.0),
    "NO2": ("a21004", 1.0),
    "CO": ("a21005", 0.001),
    "O3": ("a05024", 1.0),
    "TEMP": ("a01001", 1.0),
    "PRES": ("a01006", 0.1),
    "WSPM": ("a01007", 1.0),
}
_NUMBERS = [(HEADER.index(name), name, code, scale) for name, (code, scale) in COLUMNS.items()]
_TEMP, _DEWP, _WD, _STATION = (HEADER.index(name) for name in ("TEMP", "DEWP", "wd", "station"))
HUMIDITY, WIND_DIRECTION = "a01002", "a01008"
FACTORS = (*(code for code, _ in COLUMNS.values()), HUMIDITY, WIND_DIRECTION)
Place = dict[str, Any]  # a station's entry in the coordinates file: zh, lon, lat ...
_POINTS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]
COMPASS = {point: n * 22.5 for n, point in enumerate(_POINTS)}  # wind from, degrees clockwise from north


def relative_humidity(temp_c: float, dew_point_c: float) -> float:
    """Relative humidity (%) from air temperature and dew point by the Magnus formula (Alduchov and
    Eskridge 1996: a = 17.625, b = 243.04 °C), capped at 100, to 0.1 %."""
    a, b = 17.625, 243.04
    ratio = math.exp(a * dew_point_c / (b + dew_point_c) - a * temp_c / (b + temp_c))
    return round(min(100.0, 100.0 * ratio), 1)


def read_coordinates(path: Path) -> dict[str, Place]:
    """The stations of a coordinates file (``{"prsa_stations": {name: {"zh", "lon", "lat"}}}``) by name."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))["prsa_stations"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"{path}: not a station coordinates file ({exc})") from None
    return dict(found)


def stations(coords: dict[str, Place], registered: Known) -> dict[str, tuple[Station, str]]:
    """The PRSA stations as the hub registers them, by id (the PRSA name); registered ones keep their
    logger password."""
    out = {}
    for name, place in coords.items():
        station = Station(
            id=name,
            name=str(place.get("zh") or name),
            kind=StationKind.AIR,
            township="",
            lon=float(place["lon"]),
            lat=float(place["lat"]),
            mn=derived_mn(name),
            st="22",
            factors=FACTORS,
            interval_s=3600,
        )
        pw = registered[name][1] if name in registered else new_password()
        out[name] = (station, pw)
    return out


def read(path: Path, progress: ProgressBar) -> Iterator[Row]:
    """The uploads of a PRSA file, an hour a row, with bad rows as ``BadRow``.

    Raises HeaderError (before yielding anything) when the first line is not the PRSA header.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(lines(handle, progress))
        header = next(reader, None)
        if header != HEADER:
            raise HeaderError(f"{path}: not a PRSA file: header {header!r}, expected {','.join(HEADER)}")
        for fields in reader:
            row = _row(path, reader.line_num, fields)
            if row is not None:
                yield row


def _row(path: Path, line: int, fields: list[str]) -> Row | None:
    """One CSV row as (line, upload), a BadRow, or None when every value is missing."""
    if len(fields) != len(HEADER):
        return BadRow(path, line, f"expected {len(HEADER)} columns, found {len(fields)}")
    try:
        year, month, day, hour = (int(field) for field in fields[1:5])
        ts = datetime(year, month, day, hour, tzinfo=BEIJING).timestamp()
    except ValueError:
        return BadRow(path, line, f"bad date {'-'.join(fields[1:4])} hour {fields[4]}")
    values: Values = {}
    for column, name, code, scale in _NUMBERS:
        text = fields[column]
        if text != "NA":
            try:
                value = float(text)
            except ValueError:
                return BadRow(path, line, f"bad number {text!r} in {name}")
            if not math.isfinite(value):
                return BadRow(path, line, f"bad number {text!r} in {name}")
            values[code] = (value * scale if scale != 1.0 else value, "N")
    if (wd := fields[_WD]) != "NA":
        if wd not in COMPASS:
            return BadRow(path, line, f"bad wind direction {wd!r}")
        values[WIND_DIRECTION] = (COMPASS[wd], "N")
    if (text := fields[_DEWP]) != "NA":
        try:
            dew_point = float(text)
        except ValueError:
            return BadRow(path, line, f"bad number {text!r} in DEWP")
        if "a01001" in values and math.isfinite(dew_point):
            values[HUMIDITY] = (relative_humidity(values["a01001"][0], dew_point), "N")
    return (line, (fields[_STATION], ts, values)) if values else None
