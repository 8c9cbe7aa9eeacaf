"""Episode files: a stretch of history in one self-contained SQLite file, and reading one back for replay.

An episode holds everything a replay needs with no hub and no network: the stations, the readings (every
factor, wind included) as the hub stores them (a row per station and data time), the incidents of the
stretch with their audit trails, the timeline and (from version 2) the forecasts and warnings of the stretch
and the days before it as they were issued. A ``meta`` table names the format and its version and
holds a SHA-256 of the whole content, so a damaged, truncated or foreign file is refused with a clear
error before anything of it is shown. The format is documented in docs/playback.md.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sqlite3
import struct
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from console.core.incidents import AuditEntry, Incident
from console.core.models import Station
from console.core.replay import STRETCH_LIMIT, HistoryReader, StateAt, Stretch, TimelineData

FORMAT = "ecoconsole-episode"
VERSION = 2  # 2: the forecasts table
READABLE = (1, 2)  # the versions this console opens (a version 1 file has no forecasts)
FORECAST_KINDS = ("local", "official", "warning")
FORECAST_BEFORE_S = 5 * 86400.0  # the forecasts an episode carries from before its start (days 1-5 ahead)
_SQLITE_MAGIC = b"SQLite format 3\x00"
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE stations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, township TEXT NOT NULL, grid TEXT NOT NULL,
    lon REAL NOT NULL, lat REAL NOT NULL, mn TEXT NOT NULL, st TEXT NOT NULL, factors TEXT NOT NULL,
    interval_s INTEGER NOT NULL, zone TEXT NOT NULL
);
CREATE TABLE frames (station TEXT NOT NULL, ts REAL NOT NULL, data BLOB NOT NULL, PRIMARY KEY (station, ts))
    WITHOUT ROWID;
CREATE TABLE incidents (id TEXT PRIMARY KEY, created REAL NOT NULL, closed REAL, body TEXT NOT NULL);
CREATE TABLE incident_audit (
    incident TEXT NOT NULL, n INTEGER NOT NULL, ts REAL NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (incident, n)
) WITHOUT ROWID;
CREATE TABLE unit_states (unit TEXT PRIMARY KEY, info BLOB NOT NULL);
CREATE TABLE unit_fixes (
    unit TEXT NOT NULL, ts REAL NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, speed_kmh REAL NOT NULL,
    heading REAL NOT NULL, fix INTEGER NOT NULL, alarms TEXT NOT NULL, rejected TEXT NOT NULL,
    PRIMARY KEY (unit, ts)
) WITHOUT ROWID;
CREATE TABLE forecasts (kind TEXT NOT NULL, n INTEGER NOT NULL, issued REAL NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, n)) WITHOUT ROWID;
"""
# What the checksum covers, table by table in key order (meta without its checksum row).
_CONTENT = (
    ("meta", "SELECT key, value FROM meta WHERE key != 'checksum' ORDER BY key"),
    ("stations", "SELECT * FROM stations ORDER BY id"),
    ("frames", "SELECT station, ts, data FROM frames ORDER BY station, ts"),
    ("incidents", "SELECT id, created, closed, body FROM incidents ORDER BY id"),
    ("incident_audit", "SELECT incident, n, ts, body FROM incident_audit ORDER BY incident, n"),
    ("unit_states", "SELECT unit, info FROM unit_states ORDER BY unit"),
    ("unit_fixes", "SELECT * FROM unit_fixes ORDER BY unit, ts"),
    ("forecasts", "SELECT kind, n, issued, body FROM forecasts ORDER BY kind, n"),  # from version 2
)
_pack = msgspec.msgpack.Encoder().encode


class EpisodeError(ValueError):
    """An episode file that cannot be replayed: the message says what is wrong with it."""


# --- writing -----------------------------------------------------------------------------------------------


class EpisodeWriter:
    """Writes an episode to ``path`` (through ``path.part``, renamed at the end: never half a file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._part = self.path.with_name(self.path.name + ".part")
        self._part.unlink(missing_ok=True)
        self._db = sqlite3.connect(self._part)
        self._db.execute("PRAGMA journal_mode=OFF")  # written once, start to end: renamed only when whole
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self.readings = 0

    def stations(self, stations: Sequence[Station]) -> None:
        rows = [
            (s.id, s.name, str(s.kind), s.township, s.grid, s.lon, s.lat, s.mn, s.st, ",".join(s.factors),
             s.interval_s, s.zone)
            for s in stations
        ]  # fmt: skip
        self._db.executemany("INSERT OR REPLACE INTO stations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)

    def frames(self, frames: Iterable[tuple[str, float, bytes]], readings: int = 0) -> None:
        """Rows (station, data time, packed values) as the hub stores them; ``readings``: how many values."""
        self._db.executemany("INSERT OR REPLACE INTO frames VALUES (?, ?, ?)", frames)
        self.readings += readings

    def incidents(self, incidents: Iterable[tuple[Incident, Sequence[AuditEntry]]]) -> None:
        for incident, trail in incidents:
            body = msgspec.json.encode(incident).decode()
            self._db.execute(
                "INSERT OR REPLACE INTO incidents VALUES (?, ?, ?, ?)",
                (incident.id, incident.created, incident.closed, body),
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO incident_audit VALUES (?, ?, ?, ?)",
                [(e.incident, e.n, e.ts, msgspec.json.encode(e).decode()) for e in trail],
            )

    def units(self, units: Iterable[tuple[str, bytes]], fixes: Iterable[Sequence[Any]]) -> None:
        """Units (id, packed UnitInfo as the hub stores it) and their location reports (unit, ts, lat, lon,
        speed_kmh, heading, fix, alarms, rejected)."""
        self._db.executemany("INSERT OR REPLACE INTO unit_states VALUES (?, ?)", units)
        self._db.executemany("INSERT OR REPLACE INTO unit_fixes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", fixes)

    def forecasts(
        self, local: Sequence[dict[str, Any]], official: Sequence[dict[str, Any]],
        warnings: Sequence[dict[str, Any]],
    ) -> None:  # fmt: skip
        """The local forecasts as issued (each with its ``issued_at``), the official ones (``issued``) and
        the warnings with their audit trails (``created``), as the hub's ``/api/forecast`` gives them."""
        rows = []
        for kind, items, key in (("local", local, "issued_at"), ("official", official, "issued"),
                                 ("warning", warnings, "created")):  # fmt: skip
            for n, item in enumerate(items):
                rows.append((kind, n, float(item.get(key) or 0.0), json.dumps(item, ensure_ascii=False)))
        self._db.executemany("INSERT OR REPLACE INTO forecasts VALUES (?, ?, ?, ?)", rows)

    def finish(self, start: float, end: float, timeline: TimelineData, tz_hours: float = 8) -> Path:
        """Write the meta data and the checksum, close and put the file in place."""
        meta = {
            "format": FORMAT,
            "version": str(VERSION),
            "start": repr(float(start)),
            "end": repr(float(end)),
            "created": repr(time.time()),
            "timeline": msgspec.json.encode(timeline).decode(),
            "tz_hours": repr(float(tz_hours)),
        }
        self._db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        self._db.commit()
        self._db.execute("INSERT INTO meta VALUES ('checksum', ?)", (checksum(self._db),))
        self._db.commit()
        self._db.close()
        os.replace(self._part, self.path)
        return self.path

    def abandon(self) -> None:
        self._db.close()
        self._part.unlink(missing_ok=True)


def checksum(db: sqlite3.Connection, version: int = VERSION) -> str:
    """SHA-256 of the content, table by table, row by row in key order (a version 1 file: no forecasts)."""
    digest = hashlib.sha256()
    for table, sql in _CONTENT:
        if table == "forecasts" and version < 2:
            continue
        digest.update(table.encode())
        for row in db.execute(sql):
            digest.update(_pack(tuple(row)))
    return digest.hexdigest()


# --- reading -----------------------------------------------------------------------------------------------


class Episode:
    """An opened, checked episode file (read-only); ``reader`` answers the replay questions."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        _check_file(self.path)
        try:
            self._db = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self.meta = _meta(self._db, self.path)
            self.version = int(self.meta["version"])
            found = checksum(self._db, self.version)
        except sqlite3.DatabaseError as exc:
            raise EpisodeError(f"{self.path.name} is damaged: {exc}") from None
        if found != self.meta.get("checksum"):
            self._db.close()
            raise EpisodeError(
                f"{self.path.name} is damaged: its content does not match its checksum (changed or corrupted "
                "after it was written)"
            )
        self._lock = threading.Lock()
        self._closed = False
        self.reader = HistoryReader(self._rows)
        self.start = float(self.meta["start"])
        self.end = float(self.meta["end"])
        self.timeline = msgspec.json.decode(self.meta["timeline"], type=TimelineData)
        self.tz_hours = float(self.meta.get("tz_hours", "8"))
        self._forecasts: dict[str, list[dict[str, Any]]] | None = None

    def forecast_at(self, as_of: float) -> dict[str, Any]:
        """The forecast as it stood at ``as_of``, shaped like the hub's ``/api/forecast?as_of=T``: the local
        one issued last by then, the official ones issued by then for the days from then on, the warnings
        open then with their trails cut there (blocking)."""
        out: dict[str, Any] = {
            "local": None,
            "local_error": None,
            "official": [],
            "warnings": [],
            "as_of": as_of,
        }
        if self.version < 2:
            out["local_error"] = (
                f"{self.path.name} is an episode of format version {self.version}, written before episodes "
                "carried forecasts: export it again to replay them"
            )
            return out
        if self._forecasts is None:
            found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in FORECAST_KINDS}
            for kind, body in self._rows("SELECT kind, body FROM forecasts ORDER BY kind, n", {}):
                found.setdefault(kind, []).append(json.loads(body))
            self._forecasts = found
        stored = self._forecasts
        local = [f for f in stored["local"] if float(f.get("issued_at", 0.0)) <= as_of]
        if local:
            out["local"] = max(local, key=lambda f: float(f["issued_at"]))
        else:
            out["local_error"] = "no local forecast was issued before this moment of the episode"
        today = time.strftime("%Y-%m-%d", time.gmtime(as_of + self.tz_hours * 3600))
        newest: dict[tuple[str, str, str], dict[str, Any]] = {}
        for f in stored["official"]:
            key = (str(f["source"]), str(f["area"]), str(f["valid_date"]))
            if float(f["issued"]) > as_of or key[2] < today:
                continue
            if key not in newest or float(f["issued"]) > float(newest[key]["issued"]):
                newest[key] = f
        out["official"] = [newest[k] for k in sorted(newest, key=lambda k: (k[2], k[1], k[0]))]
        for row in stored["warning"]:
            trail = [e for e in row.get("audit") or [] if float(e["ts"]) <= as_of]
            if trail and trail[-1]["to_state"] in ("proposed", "issued"):
                out["warnings"].append({**row, "state": trail[-1]["to_state"], "audit": trail})
        return out

    def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        with self._lock:  # one query at a time; never one on a closed connection
            if self._closed:
                raise EpisodeError(f"{self.path.name} is closed")
            return self._db.execute(sql, params).fetchall()

    def close(self) -> None:
        """Close the file once the query running on another thread (a read-ahead) is done."""
        with self._lock:
            self._closed = True
            self._db.close()


def _check_file(path: Path) -> None:
    """Refuse what is not a whole SQLite file before SQLite reads it: missing, foreign or truncated."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
            size = os.fstat(f.fileno()).st_size
    except OSError as exc:
        raise EpisodeError(f"cannot read episode {path}: {exc.strerror or exc}") from None
    if not header.startswith(_SQLITE_MAGIC):
        raise EpisodeError(f"{path.name} is not an episode file (not an SQLite database)")
    if len(header) < 100:
        raise EpisodeError(f"{path.name} is truncated: {size} bytes, not even a database header")
    page_size = struct.unpack(">H", header[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    pages = struct.unpack(">I", header[28:32])[0]
    if pages and size < page_size * pages:
        raise EpisodeError(
            f"{path.name} is truncated: {size} bytes of the {page_size * pages} it was written with"
        )


def _meta(db: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.OperationalError:
        raise EpisodeError(
            f"{path.name} is not an episode file (an SQLite database of something else)"
        ) from None
    if meta.get("format") != FORMAT:
        raise EpisodeError(f"{path.name} is not an episode file (format {meta.get('format')!r})")
    if meta.get("version") not in [str(v) for v in READABLE]:
        raise EpisodeError(
            f"{path.name} is an episode of format version {meta.get('version')}; this console reads versions "
            f"{', '.join(map(str, READABLE))} (a newer console wrote it?)"
        )
    for key in ("start", "end", "timeline", "checksum"):
        if key not in meta:
            raise EpisodeError(f"{path.name} is damaged: its meta data lack {key!r}")
    try:
        float(meta["start"]), float(meta["end"])
        json.loads(meta["timeline"])
    except ValueError:
        raise EpisodeError(f"{path.name} is damaged: unreadable meta data") from None
    return meta


class EpisodeSource:
    """A replay of an episode file: no hub, no network. ``open`` checks the whole file first."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._episode: Episode | None = None
        self._stations: list[Station] = []
        self._units: list[str] = []

    async def open(self) -> TimelineData:
        self._episode = await asyncio.to_thread(Episode, self.path)
        self._stations = await asyncio.to_thread(self._episode.reader.stations)
        self._units = [u.id for u in await asyncio.to_thread(self._episode.reader.units)]
        return self._episode.timeline

    def _open(self) -> Episode:
        if self._episode is None:
            raise RuntimeError("episode not opened")
        return self._episode

    async def timeline(self) -> TimelineData:
        return self._open().timeline

    async def state_at(self, t: float) -> StateAt:
        return await asyncio.to_thread(self._open().reader.state_at, t, self._stations)

    async def stretch(self, start: float, end: float) -> Stretch:
        ids = [s.id for s in self._stations]
        reader = self._open().reader
        return await asyncio.to_thread(reader.stretch, start, end, ids, STRETCH_LIMIT, self._units)

    async def forecast(self, as_of: float | None = None) -> dict[str, Any]:
        """The forecast and warnings as they stood at ``as_of`` (the replay's moment; default its start),
        from the file, like the hub's ``/api/forecast?as_of=T``."""
        episode = self._open()
        return await asyncio.to_thread(episode.forecast_at, episode.start if as_of is None else as_of)

    async def close(self) -> None:
        if self._episode is not None:
            self._episode.close()
            self._episode = None
