"""The deployment site: district and township boundaries, grid cells, duty roster and station registry.

A site is a directory (see docs/site.md): ``site.toml`` names the place and lists the files that follow.
Missing files leave their part of the site empty and are listed in ``Site.missing``, so the hub starts and
says what it lacks; a file that is present but wrong raises ``SiteError`` naming file, line and field.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
import shapely
from shapely.geometry import shape

from console.core.incidents import Level
from console.core.models import Station, StationKind
from console.core.units import UnitInfo, UnitKind, UnitSource

SITE_FILE = "site.toml"
DEFAULT_FILES: dict[str, str] = {
    "district": "boundaries/district.geojson",
    "townships": "boundaries/townships.geojson",
    "grid": "grid.geojson",
    "roster": "roster.toml",
    "stations": "stations.csv",
    "units": "units.csv",
}
WHAT: dict[str, str] = {
    "site": "the site's name, time zone and centre",
    "district": "the district boundary",
    "townships": "the township boundaries",
    "grid": "the responsibility-grid cells",
    "roster": "the responsibility roster",
    "stations": "the station registry (no data logger can report)",
    "units": "the unit registry (no vehicle terminal or phone can report)",
}
# Parts a site may well lack without saying so: not every deployment tracks units.
QUIET_PARTS = frozenset({"units"})
UNIT_COLUMNS = ("id", "name", "kind")
UNIT_OPTIONAL = ("team", "source", "device")
STATION_COLUMNS = ("id", "name", "kind", "lon", "lat", "mn", "pw", "factors", "interval_s", "township")
OPTIONAL_COLUMNS = ("st", "zone", "grid")
# HJ 212 system code by station kind when stations.csv leaves ``st`` empty.
DEFAULT_ST = {"air": "22", "micro": "22", "scenic": "22", "odour": "22", "water": "21", "noise": "23"}
DEFAULT_ST |= {"fume": "31", "source": "31"}
_HJ212_RESERVED = re.compile(r"[;,=&\s]")
_POLYGONS = ("Polygon", "MultiPolygon")


class Problem(msgspec.Struct, frozen=True):
    """One validation failure: the file (relative to the site), its line (0 = whole file) and field."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class SiteError(ValueError):
    """A site directory whose files do not validate; ``problems`` lists every failure found."""

    SHOWN = 20  # problems in the message; a file wrong throughout would bury the others

    def __init__(self, problems: list[Problem]) -> None:
        lines = [str(p) for p in problems[: self.SHOWN]]
        if len(problems) > self.SHOWN:
            lines.append(f"... and {len(problems) - self.SHOWN} more")
        super().__init__("\n".join(lines))
        self.problems = problems


class Township(msgspec.Struct, frozen=True):
    """A township-level unit: code, names and its seat (WGS-84)."""

    code: str
    name: str
    name_en: str
    lon: float
    lat: float


class GridCell(msgspec.Struct, frozen=True):
    """A responsibility-grid cell: its id, the township it lies in and its outline (GeoJSON, WGS-84)."""

    id: str
    township: str
    geometry: dict[str, Any]


class Person(msgspec.Struct, frozen=True):
    """One responsible person: level, the unit (grid cell, township code, "" above) and name."""

    level: Level
    unit: str
    name: str


class Site(msgspec.Struct, kw_only=True):
    """Everything the hub knows about its deployment; empty parts are named in ``missing``."""

    key: str = ""
    name: str = ""
    name_en: str = ""
    timezone: str = "Asia/Shanghai"
    centre: tuple[float, float] | None = None
    grid_km: float = 3.0  # how near a station a place must be to take the station's grid cell
    district: dict[str, Any] | None = None  # GeoJSON geometry
    townships: tuple[Township, ...] = ()
    township_areas: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)  # code -> geometry
    approximate: frozenset[str] = frozenset()  # township codes whose outline is an approximation
    grid: tuple[GridCell, ...] = ()
    roster: tuple[Person, ...] = ()
    stations: tuple[tuple[Station, str], ...] = ()  # (station, logger password)
    units: tuple[UnitInfo, ...] = ()  # emergency units: people, vehicles, drones, instruments
    missing: tuple[str, ...] = ()

    @property
    def tz_hours(self) -> float:
        """The site's offset from UTC now, in hours (what its data loggers stamp)."""
        offset = ZoneInfo(self.timezone).utcoffset(datetime.now(UTC).replace(tzinfo=None))
        return offset.total_seconds() / 3600 if offset is not None else 0.0

    def boundary_geojson(self) -> dict[str, Any]:
        """FeatureCollection (WGS-84): the district outline, then one feature per township area."""
        features: list[dict[str, Any]] = []
        if self.district is not None:
            props: dict[str, object] = {"kind": "district", "name": self.name, "name_en": self.name_en}
            features.append({"type": "Feature", "properties": props, "geometry": self.district})
        for town in self.townships:
            if town.code in self.township_areas:
                props = {"kind": "township", "code": town.code, "name": town.name, "name_en": town.name_en}
                props["approximate"] = town.code in self.approximate
                features.append(
                    {"type": "Feature", "properties": props, "geometry": self.township_areas[town.code]}
                )
        return {"type": "FeatureCollection", "features": features}


# --- loading -------------------------------------------------------------------------------------------


class _Reader:
    """Collects problems while the files of one site directory are read."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[Problem] = []
        self.missing: list[str] = []

    def fail(self, file: str, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(file, line, field, message))

    def text(self, part: str, file: str) -> str | None:
        """The file's text, or None (and a note of what is missing) when it is not there."""
        path = self.directory / file
        if not path.is_file():
            if part not in QUIET_PARTS:
                self.missing.append(f"{file} ({WHAT[part]})")
            return None
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.fail(file, 0, "", f"cannot be read: {exc}")
            return None


def load_site(directory: Path) -> Site:
    """The site in ``directory``; raises SiteError naming every file, line and field that is wrong."""
    reader = _Reader(directory)
    header, files = _load_header(reader)
    site = Site(**header)
    district = reader.text("district", files["district"])
    if district is not None:
        site.district = _load_district(reader, files["district"], district)
    towns = reader.text("townships", files["townships"])
    if towns is not None:
        site.townships, site.township_areas, site.approximate = _load_townships(
            reader, files["townships"], towns
        )
    codes = {t.code for t in site.townships} if towns is not None else None
    grid = reader.text("grid", files["grid"])
    if grid is not None:
        site.grid = _load_grid(reader, files["grid"], grid, codes)
    cells = {c.id for c in site.grid} if grid is not None else None
    roster = reader.text("roster", files["roster"])
    if roster is not None:
        site.roster = _load_roster(reader, files["roster"], roster, codes, cells)
    stations = reader.text("stations", files["stations"])
    if stations is not None:
        site.stations = _load_stations(reader, files["stations"], stations, codes, cells)
    units = reader.text("units", files["units"])
    if units is not None:
        site.units = _load_units(reader, files["units"], units)
    if reader.problems:
        raise SiteError(reader.problems)
    site.missing = tuple(reader.missing)
    return site


def _load_header(reader: _Reader) -> tuple[dict[str, Any], dict[str, str]]:
    """site.toml: the fields of Site it sets, and the file of each part."""
    text = reader.text("site", SITE_FILE)
    if text is None:
        return {}, dict(DEFAULT_FILES)
    data = _toml(reader, SITE_FILE, text)
    header: dict[str, Any] = {}
    for key in ("key", "name", "name_en", "timezone"):
        if key in data:
            header[key] = _string(reader, SITE_FILE, text, data, key)
    if "timezone" in header:
        try:
            ZoneInfo(header["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            reader.fail(SITE_FILE, _key_line(text, "timezone"), "timezone", "not a known time zone")
    if "centre" in data:
        header["centre"] = _lonlat(reader, SITE_FILE, _key_line(text, "centre"), "centre", data["centre"])
    if "grid_km" in data:
        grid_km = data["grid_km"]
        if not isinstance(grid_km, int | float) or isinstance(grid_km, bool) or grid_km <= 0:
            reader.fail(SITE_FILE, _key_line(text, "grid_km"), "grid_km", "must be a positive number")
        else:
            header["grid_km"] = float(grid_km)
    return header, _files(reader, text, data.get("files", {}))


def _files(reader: _Reader, text: str, table: object) -> dict[str, str]:
    files = dict(DEFAULT_FILES)
    if not isinstance(table, dict):
        reader.fail(SITE_FILE, _key_line(text, "files"), "files", "must be a table")
        return files
    for part in DEFAULT_FILES:
        if part in table:
            value = table[part]
            if not isinstance(value, str) or not _inside(value):
                line = _key_line(text, part)
                reader.fail(SITE_FILE, line, f"files.{part}", "must be a path inside the site directory")
            else:
                files[part] = value
    return files


def _inside(path: str) -> bool:
    """True for a relative path that stays inside the site directory."""
    return bool(path) and not Path(path).is_absolute() and ".." not in Path(path).parts


def _toml(reader: _Reader, file: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(m.group(1)) if (m := re.search(r"line (\d+)", str(exc))) else 0
        reader.fail(file, line, "", f"not valid TOML: {exc}")
        return {}


def _string(reader: _Reader, file: str, text: str, data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        reader.fail(file, _key_line(text, key), key, "must be a string")
        return ""
    return value


def _lonlat(reader: _Reader, file: str, line: int, field: str, value: object) -> tuple[float, float] | None:
    """A [lon, lat] pair in WGS-84 degrees, or None after noting the problem."""
    pair = list(value) if isinstance(value, list | tuple) else []
    if len(pair) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
        lon, lat = float(pair[0]), float(pair[1])
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            return lon, lat
    reader.fail(file, line, field, "must be [longitude, latitude] in WGS-84 degrees")
    return None


def _key_line(text: str, key: str) -> int:
    """The line where ``key = ...`` is first set (0 when it is not written out)."""
    pattern = re.compile(rf"^[ \t]*{re.escape(key)}[ \t]*=", re.MULTILINE)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


def _nth_line(text: str, pattern: str, n: int) -> int:
    """The line of the n-th (0-based) match of ``pattern`` (0 when there are fewer)."""
    for i, match in enumerate(re.finditer(pattern, text, re.MULTILINE)):
        if i == n:
            return text.count("\n", 0, match.start()) + 1
    return 0


def _entry_line(text: str, header: str, n: int, key: str) -> int:
    """The line of ``key = ...`` in the n-th TOML table ``header``, else the header's own line."""
    start = _nth_line(text, rf"^[ \t]*{re.escape(header)}", n)
    lines = text.splitlines()[start:] if start else []
    for offset, line in enumerate(lines):
        if line.lstrip().startswith("["):
            break
        if re.match(rf"[ \t]*{re.escape(key)}[ \t]*=", line):
            return start + offset + 1
    return start


_FEATURE = r'"type"\s*:\s*"Feature"'


def _features(reader: _Reader, file: str, text: str) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(line, properties, geometry) of each polygon feature of a GeoJSON FeatureCollection."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reader.fail(file, exc.lineno, "", f"not valid JSON: {exc.msg}")
        return
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        reader.fail(file, 1, "type", "must be a GeoJSON FeatureCollection")
        return
    features = data.get("features")
    if not isinstance(features, list):
        reader.fail(file, 1, "features", "must be a list of features")
        return
    for i, feature in enumerate(features):
        line = _nth_line(text, _FEATURE, i)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            reader.fail(file, line, f"features[{i}]", "must be a GeoJSON Feature")
            continue
        props = feature.get("properties") or {}
        if _polygon(reader, file, line, feature.get("geometry")) and isinstance(props, dict):
            yield line, props, feature["geometry"]


def _polygon(reader: _Reader, file: str, line: int, geometry: object) -> bool:
    """True when ``geometry`` is a valid GeoJSON (Multi)Polygon inside WGS-84 bounds."""
    if not isinstance(geometry, dict) or geometry.get("type") not in _POLYGONS:
        reader.fail(file, line, "geometry", "must be a Polygon or MultiPolygon")
        return False
    try:
        bounds = shape(geometry).bounds
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        reader.fail(file, line, "geometry.coordinates", f"not a polygon: {exc}")
        return False
    minx, miny, maxx, maxy = bounds
    if any(math.isnan(b) for b in bounds) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        reader.fail(file, line, "geometry.coordinates", "must be longitude, latitude in WGS-84 degrees")
        return False
    return True


def _load_district(reader: _Reader, file: str, text: str) -> dict[str, Any] | None:
    found = list(_features(reader, file, text))
    if len(found) != 1:
        if not reader.problems or reader.problems[-1].file != file:
            reader.fail(file, 1, "features", f"must hold one feature, the district (found {len(found)})")
        return None
    return found[0][2]


def _text_prop(
    reader: _Reader, file: str, line: int, props: dict[str, Any], key: str, required: bool = True
) -> str:
    value = props.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        reader.fail(file, line, f"properties.{key}", "is required" if required else "must be a string")
        return ""
    return value.strip()


def _load_townships(
    reader: _Reader, file: str, text: str
) -> tuple[tuple[Township, ...], dict[str, dict[str, Any]], frozenset[str]]:
    towns: list[Township] = []
    areas: dict[str, dict[str, Any]] = {}
    approximate: set[str] = set()
    for line, props, geometry in _features(reader, file, text):
        code = _text_prop(reader, file, line, props, "code")
        name = _text_prop(reader, file, line, props, "name")
        name_en = _text_prop(reader, file, line, props, "name_en", required=False)
        if code in areas:
            reader.fail(file, line, "properties.code", f"{code!r} appears twice")
            continue
        if "seat" in props:
            seat = _lonlat(reader, file, line, "properties.seat", props["seat"])
        else:
            point = shape(geometry).representative_point()
            seat = (point.x, point.y)
        if not code or not name or seat is None:
            continue
        towns.append(Township(code, name, name_en, seat[0], seat[1]))
        areas[code] = geometry
        if props.get("approximate") is True:
            approximate.add(code)
    return tuple(towns), areas, frozenset(approximate)


def _load_grid(reader: _Reader, file: str, text: str, codes: set[str] | None) -> tuple[GridCell, ...]:
    cells: dict[str, GridCell] = {}
    for line, props, geometry in _features(reader, file, text):
        cell = _text_prop(reader, file, line, props, "id")
        town = _text_prop(reader, file, line, props, "township")
        if cell in cells:
            reader.fail(file, line, "properties.id", f"{cell!r} appears twice")
        elif town and codes is not None and town not in codes:
            reader.fail(file, line, "properties.township", f"{town!r} is not a township of the site")
        elif cell and town:
            cells[cell] = GridCell(cell, town, geometry)
    return tuple(cells.values())


def _load_roster(
    reader: _Reader, file: str, text: str, codes: set[str] | None, cells: set[str] | None
) -> tuple[Person, ...]:
    data = _toml(reader, file, text)
    people: list[Person] = []
    for level, table in ((Level.CITY, "city"), (Level.DISTRICT, "district")):
        if table in data:
            entry = data[table]
            name = entry.get("name") if isinstance(entry, dict) else None
            if not isinstance(name, str) or not name.strip():
                reader.fail(file, _entry_line(text, f"[{table}]", 0, "name"), f"{table}.name", "is required")
            else:
                people.append(Person(level, "", name.strip()))
    people += _units(reader, file, text, data, "township", "code", Level.TOWNSHIP, codes)
    people += _units(reader, file, text, data, "grid", "cell", Level.GRID, cells)
    return tuple(people)


def _units(
    reader: _Reader,
    file: str,
    text: str,
    data: dict[str, Any],
    table: str,
    key: str,
    level: Level,
    known: set[str] | None,
) -> Iterator[Person]:
    """The ``[[table]]`` entries of the roster: the person answering for each unit."""
    entries = data.get(table, [])
    if not isinstance(entries, list):
        reader.fail(file, _key_line(text, table), table, "must be an array of tables ([[...]])")
        return
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        line = _entry_line(text, f"[[{table}]]", i, key)
        unit, name = (entry.get(key), entry.get("name")) if isinstance(entry, dict) else (None, None)
        if not isinstance(unit, str) or not unit.strip():
            reader.fail(file, line, f"{table}.{key}", "is required")
        elif known is not None and unit not in known:
            reader.fail(file, line, f"{table}.{key}", f"{unit!r} is not known to the site")
        elif unit in seen:
            reader.fail(file, line, f"{table}.{key}", f"{unit!r} appears twice")
        elif not isinstance(name, str) or not name.strip():
            reader.fail(file, _entry_line(text, f"[[{table}]]", i, "name"), f"{table}.name", "is required")
        else:
            seen.add(unit)
            yield Person(level, unit, name.strip())


def _load_stations(
    reader: _Reader, file: str, text: str, codes: set[str] | None, cells: set[str] | None
) -> tuple[tuple[Station, str], ...]:
    rows = csv.DictReader(io.StringIO(text))
    header = rows.fieldnames or []
    absent = [c for c in STATION_COLUMNS if c not in header]
    if absent:
        reader.fail(file, 1, ", ".join(absent), "column missing from the header")
        return ()
    out: list[tuple[Station, str]] = []
    ids: set[str] = set()
    mns: set[str] = set()
    for row in rows:
        line = rows.line_num
        entry = _station(reader, file, line, row, codes, cells)
        if entry is None:
            continue
        station = entry[0]
        if station.id in ids:
            reader.fail(file, line, "id", f"{station.id!r} appears twice")
        elif station.mn in mns:
            reader.fail(file, line, "mn", f"{station.mn!r} appears twice")
        else:
            ids.add(station.id)
            mns.add(station.mn)
            out.append(entry)
    return tuple(out)


def _station(
    reader: _Reader,
    file: str,
    line: int,
    row: dict[str, str | None],
    codes: set[str] | None,
    cells: set[str] | None,
) -> tuple[Station, str] | None:
    """One row of stations.csv as (station, password), or None after noting its problems."""
    before = len(reader.problems)
    cell = {k: (v or "").strip() for k, v in row.items() if k is not None}

    def fail(field: str, message: str) -> None:
        reader.fail(file, line, field, message)

    for column in ("id", "name", "mn", "pw"):
        if not cell[column]:
            fail(column, "is required")
    for column in ("mn", "pw"):
        if _HJ212_RESERVED.search(cell[column]):
            fail(column, "must not contain ; , = & or spaces (HJ 212 separators)")
    if len(cell["mn"]) > 24:
        fail("mn", "is longer than the 24 characters HJ 212 allows")
    kinds = {k.value for k in StationKind}
    if cell["kind"] not in kinds:
        fail("kind", f"must be one of {', '.join(sorted(kinds))}")
    lon, lat = _number(cell["lon"]), _number(cell["lat"])
    if lon is None or not -180 <= lon <= 180:
        fail("lon", "must be a longitude in WGS-84 degrees")
    if lat is None or not -90 <= lat <= 90:
        fail("lat", "must be a latitude in WGS-84 degrees")
    factors = tuple(f.strip() for f in cell["factors"].split(";") if f.strip())
    if not factors:
        fail("factors", "lists no factor code (separate codes with ';')")
    interval = cell["interval_s"]
    if not interval.isdigit() or int(interval) <= 0:
        fail("interval_s", "must be a whole number of seconds above 0")
    township, grid = cell["township"], cell.get("grid", "")
    if township and codes is not None and township not in codes:
        fail("township", f"{township!r} is not a township of the site")
    if grid and cells is not None and grid not in cells:
        fail("grid", f"{grid!r} is not a grid cell of the site")
    if len(reader.problems) > before or lon is None or lat is None:
        return None
    st = cell.get("st") or DEFAULT_ST[cell["kind"]]
    station = Station(
        id=cell["id"],
        name=cell["name"],
        kind=StationKind(cell["kind"]),
        township=township,
        lon=lon,
        lat=lat,
        mn=cell["mn"],
        st=st,
        factors=factors,
        interval_s=int(interval),
        zone=cell.get("zone", ""),
        grid=grid,
    )
    return station, cell["pw"]


def _load_units(reader: _Reader, file: str, text: str) -> tuple[UnitInfo, ...]:
    """units.csv: one emergency unit a row; problems are noted with file, line and field."""
    rows = csv.DictReader(io.StringIO(text))
    absent = [c for c in UNIT_COLUMNS if c not in (rows.fieldnames or [])]
    if absent:
        reader.fail(file, 1, ", ".join(absent), "column missing from the header")
        return ()
    out: list[UnitInfo] = []
    ids: set[str] = set()
    devices: set[tuple[str, str]] = set()
    for row in rows:
        line = rows.line_num
        unit = _unit(reader, file, line, row)
        if unit is None:
            continue
        device = (str(unit.source), device_key(unit.source, unit.device))
        if unit.id in ids:
            reader.fail(file, line, "id", f"{unit.id!r} appears twice")
        elif unit.device and device in devices:
            reader.fail(file, line, "device", f"{unit.device!r} of {unit.source} appears twice")
        else:
            ids.add(unit.id)
            devices.add(device)
            out.append(unit)
    return tuple(out)


def device_key(source: UnitSource | str, device: str) -> str:
    """How a device identifier is matched: a JT/T 808 phone number without its padding zeros (2013
    terminals send 12 digits, 2019 ones 20), an OsmAnd id as it is."""
    return (device.lstrip("0") or "0") if source == UnitSource.JT808 and device else device


def _unit(reader: _Reader, file: str, line: int, row: dict[str, str | None]) -> UnitInfo | None:
    """One row of units.csv, or None after noting its problems."""
    before = len(reader.problems)
    cell = {k: (v or "").strip() for k, v in row.items() if k is not None}
    for column in ("id", "name"):
        if not cell[column]:
            reader.fail(file, line, column, "is required")
    if len(cell["id"]) > 64 or any(ch in cell["id"] for ch in "/?#%\\ "):
        reader.fail(file, line, "id", "must be at most 64 characters without / ? # % \\ or spaces")
    kinds = sorted(k.value for k in UnitKind)
    if cell["kind"] not in kinds:
        reader.fail(file, line, "kind", f"must be one of {', '.join(kinds)}")
    sources = [s.value for s in UnitSource]
    source = cell.get("source") or UnitSource.SIM.value
    if source not in sources:
        reader.fail(file, line, "source", f"must be one of {', '.join(sources)}")
    device = cell.get("device", "")
    if source in (UnitSource.JT808, UnitSource.OSMAND) and not device:
        reader.fail(file, line, "device", f"is required for {source} units")
    if source == UnitSource.JT808 and device and (not device.isdigit() or len(device) > 20):
        reader.fail(file, line, "device", "must be the terminal's phone number: up to 20 digits")
    if source == UnitSource.OSMAND and len(device) > 100:
        reader.fail(file, line, "device", "is longer than 100 characters")
    if len(reader.problems) > before:
        return None
    return UnitInfo(
        id=cell["id"],
        name=cell["name"],
        kind=UnitKind(cell["kind"]),
        team=cell.get("team", ""),
        source=UnitSource(source),
        device=device,
    )


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


# --- writing -------------------------------------------------------------------------------------------


def write_site(site: Site, directory: Path) -> None:
    """Write ``site`` as a site directory (the default file names); ``load_site`` reads it back. Parts the
    site does not have are left out (an empty townships file would make every township code unknown)."""
    (directory / "boundaries").mkdir(parents=True, exist_ok=True)
    _write(directory / SITE_FILE, _header_toml(site))
    if site.district is not None:
        district = [_feature({"name": site.name, "name_en": site.name_en}, site.district)]
        _write(directory / DEFAULT_FILES["district"], _collection(district))
    towns = [
        _feature(_township_props(site, t), site.township_areas[t.code])
        for t in site.townships
        if t.code in site.township_areas
    ]
    if towns:
        _write(directory / DEFAULT_FILES["townships"], _collection(towns))
    cells = [_feature({"id": c.id, "township": c.township}, c.geometry) for c in site.grid]
    if cells:
        _write(directory / DEFAULT_FILES["grid"], _collection(cells))
    if site.roster:
        _write(directory / DEFAULT_FILES["roster"], _roster_toml(site.roster))
    _write(directory / DEFAULT_FILES["stations"], _stations_csv(site.stations))
    if site.units:
        _write(directory / DEFAULT_FILES["units"], _units_csv(site.units))


def add_stations(stations: Iterable[tuple[Station, str]], directory: Path) -> int:
    """Register stations (with their logger passwords) in a site directory's stations.csv, keeping the
    stations it lists and every other file; a station already listed keeps its entry. Returns how many
    were added. Used by the history importers, so the hub serves what they brought in."""
    site = load_site(directory) if directory.exists() else Site()
    known = {station.id for station, _ in site.stations}
    new = [(station, pw) for station, pw in stations if station.id not in known]
    if new:
        directory.mkdir(parents=True, exist_ok=True)
        _write(directory / DEFAULT_FILES["stations"], _stations_csv((*site.stations, *new)))
    return len(new)


def _write(path: Path, text: str) -> None:
    """Replace a file whole, so a reader never sees half of it."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # TOML strings, numbers and arrays read like JSON's


def _header_toml(site: Site) -> str:
    lines = [f"{key} = {_toml_value(getattr(site, key))}" for key in ("key", "name", "name_en", "timezone")]
    if site.centre is not None:
        lines.append(f"centre = {_toml_value(list(site.centre))}")
    lines += [f"grid_km = {site.grid_km!r}", "", "[files]"]
    lines += [f"{part} = {_toml_value(file)}" for part, file in DEFAULT_FILES.items()]
    return "\n".join(lines) + "\n"


def _township_props(site: Site, town: Township) -> dict[str, Any]:
    props: dict[str, Any] = {"code": town.code, "name": town.name, "name_en": town.name_en}
    props["seat"] = [town.lon, town.lat]
    if town.code in site.approximate:
        props["approximate"] = True
    return props


def _feature(props: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(features: Iterable[dict[str, Any]]) -> str:
    """A FeatureCollection with one feature per line, so errors point at the feature's line."""
    body = ",\n".join(json.dumps(f, ensure_ascii=False) for f in features)
    return '{"type": "FeatureCollection", "features": [\n' + body + "\n]}\n"


def _roster_toml(people: Iterable[Person]) -> str:
    tables = {Level.CITY: "[city]", Level.DISTRICT: "[district]"}
    arrays = {Level.TOWNSHIP: ("[[township]]", "code"), Level.GRID: ("[[grid]]", "cell")}
    blocks: list[str] = []
    for person in sorted(people, key=roster_order):
        name = f"name = {_toml_value(person.name)}"
        if person.level in tables:
            blocks.append(f"{tables[person.level]}\n{name}\n")
        elif person.level in arrays:
            header, key = arrays[person.level]
            blocks.append(f"{header}\n{key} = {_toml_value(person.unit)}\n{name}\n")
    return "\n".join(blocks)


def roster_order(person: Person) -> tuple[int, str]:
    """The order roster.toml lists people in: city, district, then townships and grid cells by unit."""
    return -list(Level).index(person.level), person.unit


def _stations_csv(stations: Iterable[tuple[Station, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*STATION_COLUMNS, *OPTIONAL_COLUMNS))
    for s, pw in stations:
        row = (s.id, s.name, s.kind.value, repr(s.lon), repr(s.lat), s.mn, pw, ";".join(s.factors))
        writer.writerow((*row, s.interval_s, s.township, s.st, s.zone, s.grid))
    return out.getvalue()


def _units_csv(units: Iterable[UnitInfo]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*UNIT_COLUMNS, *UNIT_OPTIONAL))
    for u in units:
        writer.writerow((u.id, u.name, u.kind.value, u.team, u.source.value, u.device))
    return out.getvalue()
