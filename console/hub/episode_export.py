"""``python -m console.hub export-episode --from T --to T --out F [--data-dir D]``: a stretch of the hub's
history as one episode file (see console/core/episode.py and docs/playback.md).

The file holds the stations, every reading of the stretch with the newest value of each station and
factor at its start (so its first moment shows a whole picture), the incidents of the stretch as they
stood at its end with their audit trails up to then, the timeline, and the forecasts: the local ones as the
hub issued them, the official ones and the warnings, issued during the stretch or in the five days before
its start (a replay of its first day shows what was forecast for it). Times are ISO 8601 with a zone or
Unix seconds. Run it beside a running hub or with the hub stopped: it only reads.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from console.core.episode import FORECAST_BEFORE_S, EpisodeWriter
from console.core.replay import (
    RECENT_S,
    incident_at,
    pack_frame,
    parse_moment,
    timeline_from_hours,
    unpack_frame,
)
from console.hub.playback_rest import HubHistory
from console.hub.storage import Storage


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m console.hub export-episode",
        description="Export a stretch of history as an episode file.",
    )
    p.add_argument("--from", dest="start", required=True, help="start: ISO 8601 with zone, or Unix seconds")
    p.add_argument("--to", dest="end", required=True, help="end: ISO 8601 with zone, or Unix seconds")
    p.add_argument("--out", type=Path, required=True, help="the episode file to write")
    p.add_argument("--data-dir", type=Path, default=Path("data/hub"), help="the hub's data directory")
    p.add_argument("--db", help="SQLAlchemy URL instead of the SQLite file in --data-dir")
    p.add_argument("--tz-hours", type=float, default=8, help="the site's zone, hours east of UTC (default 8)")
    args = p.parse_args(argv)
    try:
        args.start, args.end = parse_moment(args.start), parse_moment(args.end)
    except ValueError as exc:
        p.error(str(exc))
    if args.start >= args.end:
        p.error("--from must be before --to")
    return args


def export_episode(
    storage: Storage, start: float, end: float, out: Path, tz_hours: float = 8
) -> tuple[int, int, int]:
    """Write the episode; returns (stations, readings, incidents)."""
    stations = [station for station, _ in storage.load_stations()]
    history = HubHistory(storage.engine, lambda: stations, tz_hours)
    writer = EpisodeWriter(out)
    try:
        writer.stations(stations)
        with history.reader() as reader:
            first = reader.state_at(start, stations)
            cells: dict[tuple[str, float], dict[str, tuple[float, str]]] = {}
            for r in first.latest:
                cells.setdefault((r.station, r.ts), {})[r.factor] = (r.value, r.flag)
            writer.frames(((s, ts, pack_frame(v)) for (s, ts), v in cells.items()), len(first.latest))
        with storage.engine.connect() as conn:
            for station in stations:
                rows = _frames(conn, station.id, start, end)
                writer.frames(rows, sum(len(unpack_frame(data)) for _, _, data in rows))
            bodies = conn.execute(
                sa.text("SELECT id FROM incidents WHERE created <= :b AND (closed IS NULL OR closed >= :a)"),
                {"a": start - RECENT_S, "b": end},
            ).all()
        ids = [ident for (ident,) in bodies]
        with history.reader() as reader:
            finals, trails = reader.incidents(ids), reader.trails(ids)
            kept = []
            for ident, final in finals.items():
                trail = [e for e in trails.get(ident, []) if e.ts <= end]
                at_end = incident_at(final, trail, end)
                if at_end is not None:
                    kept.append((at_end, trail))
            writer.incidents(kept)
            markers = sorted((min(e.ts for e in trail), i.id) for i, trail in kept if trail)
        with storage.engine.connect() as conn:  # units: their record, the position at the start, the trails
            units = [
                (u, bytes(info)) for u, info in conn.execute(sa.text("SELECT unit, info FROM unit_states"))
            ]
            fixes: list[tuple[object, ...]] = []
            columns = "unit, ts, lat, lon, speed_kmh, heading, fix, alarms, rejected"
            at_start = sa.text(
                f"SELECT {columns} FROM unit_fixes WHERE unit = :u AND ts <= :a AND fix = :yes "
                "AND rejected = '' ORDER BY ts DESC LIMIT 1"
            )
            during = sa.text(f"SELECT {columns} FROM unit_fixes WHERE unit = :u AND ts > :a AND ts <= :b")
            for unit, _ in units:
                for query in (at_start, during):
                    found = conn.execute(query, {"u": unit, "a": start, "b": end, "yes": True}).all()
                    fixes.extend(tuple(row) for row in found)
            writer.units(units, fixes)
            hours = reader.city_hours(start, end)
        writer.forecasts(*forecasts_of(storage.engine, start, end))
        timeline = timeline_from_hours(hours, markers, (start, end), stations)
        writer.finish(start, end, timeline, tz_hours)
        return len(stations), writer.readings, len(kept)
    except BaseException:
        writer.abandon()
        raise


def forecasts_of(
    engine: sa.Engine, start: float, end: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The local forecasts in force during the stretch (the one issued last before it, then every one
    issued up to its end), the official ones issued from FORECAST_BEFORE_S before its start to its end,
    and the warnings open at its start or stepped during it, their trails cut at its end."""
    from console.hub.forecast import issued, official, warning

    local = issued.between(engine, start, end)
    official.metadata.create_all(engine)
    c = official.official_forecasts.c
    query = sa.select(official.official_forecasts).where(
        (c.issued >= start - FORECAST_BEFORE_S) & (c.issued <= end)
    )
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(c.issued, c.source, c.area, c.valid_date)).mappings().all()
    officials = [{k: v for k, v in row.items() if k != "imported"} for row in rows]
    warnings = []
    for row in warning.listing(engine):
        trail = [e for e in row.get("audit") or [] if float(e["ts"]) <= end]
        if not trail:
            continue
        at_start = [e for e in trail if float(e["ts"]) <= start]
        open_at_start = bool(at_start) and at_start[-1]["to_state"] in ("proposed", "issued")
        if open_at_start or any(float(e["ts"]) > start for e in trail):
            warnings.append({**row, "state": trail[-1]["to_state"], "audit": trail})
    return local, officials, sorted(warnings, key=lambda w: float(w.get("created") or 0.0))


def _frames(conn: sa.Connection, station: str, start: float, end: float) -> list[tuple[str, float, bytes]]:
    query = sa.text("SELECT ts, data FROM frames WHERE station = :s AND ts >= :a AND ts <= :b ORDER BY ts")
    return [
        (station, float(ts), bytes(data))
        for ts, data in conn.execute(query, {"s": station, "a": start, "b": end})
    ]


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = args.db or f"sqlite:///{args.data_dir / 'hub.db'}"
    if not args.db and not (args.data_dir / "hub.db").exists():
        print(f"no hub database in {args.data_dir} (hub.db): give --data-dir or --db", file=sys.stderr)
        return 2
    began = time.monotonic()
    storage = Storage(url, tz_hours=int(args.tz_hours))
    try:
        stations, readings, incidents = export_episode(storage, args.start, args.end, args.out, args.tz_hours)
    finally:
        storage.close()
    size = args.out.stat().st_size
    print(
        f"{args.out}: {stations} stations, {readings} readings, {incidents} incidents, "
        f"{size / 2**20:.1f} MiB "
        f"in {time.monotonic() - began:.1f} s"
    )
    return 0
