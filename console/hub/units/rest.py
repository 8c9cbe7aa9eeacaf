"""REST routes of the units: ``GET /api/units`` and ``GET /api/units/{id}/track`` (token required)."""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Any

from aiohttp import web

from console.core.units import UnitState
from console.hub.rest import BadNumber, _error, _json, number, session_of
from console.hub.units.service import fix_record

if TYPE_CHECKING:
    from console.hub.server import Hub

MAX_TRACK_SPAN_S = 31 * 86400.0  # a month of reports per request at most
MAX_TRACK_POINTS = 100_000  # reports per answer; ask for a shorter range beyond it
DEFAULT_TRACK_S = 86400.0  # without start: the last day


def add_unit_routes(app: web.Application, hub: Hub) -> None:
    from console.hub.units.layers import add_layer_routes

    app.router.add_get("/api/units", functools.partial(units, hub))
    app.router.add_get("/api/units/{unit}/track", functools.partial(track, hub))
    add_layer_routes(app, hub)  # the roads and zones units are ranked and watched on


def unit_record(state: UnitState, positioned: bool) -> dict[str, Any]:
    """One unit as ``/api/units`` lists it: its record, duty and newest fix (None fields before any);
    ``fix`` says whether its newest report had a position (the fields keep the last one that did)."""
    info, last = state.info, state.last
    return {
        "id": info.id,
        "name": info.name,
        "kind": str(info.kind),
        "team": info.team,
        "source": str(info.source),
        "device": info.device,
        "ts": last.ts if last else None,
        "lat": last.lat if last else None,
        "lon": last.lon if last else None,
        "speed_kmh": last.speed_kmh if last else None,
        "heading": last.heading if last else None,
        "fix": positioned,
        "alarms": list(state.alarms),
        "status": str(state.status),
        "incident": state.incident,
        "version": state.version,
    }


async def units(hub: Hub, request: web.Request) -> web.Response:
    if session_of(hub, request) is None:
        return _error(401, "a valid token is required (Authorization: Bearer ...)")
    cluster = hub.cluster
    if cluster is not None and not cluster.leading:  # the units as this node's events say, not as it started
        served = cluster.state
        return _json([unit_record(u, served.positioned(u.info.id)) for u in served.units.values()])
    slots = hub.units.tracker.units.values()
    return _json([unit_record(slot.state(), slot.positioned) for slot in slots])


async def track(hub: Hub, request: web.Request) -> web.Response:
    if session_of(hub, request) is None:
        return _error(401, "a valid token is required (Authorization: Bearer ...)")
    ident = request.match_info["unit"]
    if ident not in hub.units.tracker.units:
        return _error(404, f"no such unit {ident[:64]!r}")
    try:
        end = number(request.query, "end", hub.units.clock() + 300.0)
        start = number(request.query, "start", end - DEFAULT_TRACK_S)
    except BadNumber as exc:
        return _error(400, str(exc))
    if start > end:
        return _error(400, "start must not be after end")
    if end - start > MAX_TRACK_SPAN_S:
        return _error(400, f"a track covers at most {MAX_TRACK_SPAN_S / 86400:g} days per request")
    loop = asyncio.get_running_loop()
    rows = await loop.run_in_executor(None, hub.storage.unit_track, ident, start, end, MAX_TRACK_POINTS + 1)
    truncated = len(rows) > MAX_TRACK_POINTS
    body: dict[str, Any] = {"unit": ident, "points": [fix_record(row) for row in rows[:MAX_TRACK_POINTS]]}
    if truncated:
        body["truncated"] = True
    return _json(body)
