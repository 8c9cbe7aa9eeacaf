"""The cache's last picture read with sqlite3 alone, and the cache's constants.

An offline start paints what the wall showed last time before anything else: this reads it (stations,
latest values, states, incidents, the resume position and the region) without SQLAlchemy, which the cache
proper (console/core/cache.py) is built on and which is then imported after the picture is up. It reads the
same tables as ``Cache.load_snapshot``; a file it cannot read this way is left to the cache proper.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from console.core import protocol
from console.core.incidents import Incident
from console.core.models import Reading, Station, StationStatus

SCHEMA_VERSION = 2  # the cache's schema (console/core/cache.py migrates older files to it)
RAW_DAYS, HOURLY_DAYS = 7, 365  # default retention: raw readings a week, hourly means a year
_station_decoder = msgspec.json.Decoder(Station)
_incident_decoder = msgspec.json.Decoder(Incident)


@dataclass
class Picture:
    """What the cache kept: the live state as a hub snapshot (None when empty), the hub's region and the
    open warnings (as stored: the session checks them)."""

    snapshot: protocol.Snapshot | None
    region: dict[str, Any] | None
    warnings: Any = ()


def read_picture(path: Path) -> Picture | None:
    """The picture in the cache file, read in one read-only transaction; None when the file is not there
    or is not one this reads (another schema version, damaged, locked): the cache proper then opens,
    migrates or sets it aside as it always does."""
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0)
    except sqlite3.Error:
        return None
    try:
        conn.isolation_level = None  # explicit BEGIN below: one consistent read
        conn.execute("BEGIN")
        return _read(conn)
    except (sqlite3.Error, msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError, ValueError):
        return None
    finally:
        conn.close()


def _read(conn: sqlite3.Connection) -> Picture | None:
    meta = {k: msgspec.json.decode(v) for k, v in conn.execute("SELECT key, value FROM meta")}
    if meta.get("schema_version") != SCHEMA_VERSION:
        return None
    region, warnings = meta.get("region"), meta.get("warnings", [])
    stations = [_station_decoder.decode(data) for (data,) in conn.execute("SELECT data FROM stations")]
    if not stations:
        return Picture(None, region, warnings)
    latest = conn.execute("SELECT station, factor, ts, value, flag FROM latest ORDER BY station, factor")
    status = conn.execute("SELECT station, status, since, reason FROM status ORDER BY station")
    values = [Reading(*row) for row in latest]
    entries = [protocol.StatusEntry(s, StationStatus(st), since, why) for s, st, since, why in status]
    held = [_incident_decoder.decode(data) for (data,) in conn.execute("SELECT data FROM incidents")]
    epoch, seq = (meta["epoch"], meta["seq"]) if "epoch" in meta and "seq" in meta else ("", 0)
    snapshot = protocol.Snapshot(
        epoch=epoch,
        seq=seq,
        stations=sorted(stations, key=lambda s: s.id),
        latest=values,
        status=entries,
        incidents=sorted(held, key=lambda i: i.id),
    )
    return Picture(snapshot, region, warnings)
