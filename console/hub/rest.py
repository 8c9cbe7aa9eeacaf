"""REST routes of the hub: stations, latest values, history, health and Prometheus metrics."""

from __future__ import annotations

import asyncio
import functools
import math
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec
from aiohttp import web

if TYPE_CHECKING:
    from console.hub.auth import Session
    from console.hub.server import Hub
    from console.hub.site import Site

RESOLUTIONS = ("raw", "1h", "1d")
MAX_RAW_SPAN_S = 31 * 86400  # raw history is capped at a month per request; use 1h/1d beyond


def add_rest_routes(app: web.Application, hub: Hub) -> None:
    """Register every REST route on ``app``."""
    app.router.add_get("/healthz", functools.partial(healthz, hub))
    app.router.add_get("/metrics", functools.partial(metrics, hub))
    app.router.add_get("/api/stations", functools.partial(stations, hub))
    app.router.add_get("/api/latest", functools.partial(latest, hub))
    app.router.add_get("/api/history", functools.partial(history, hub))
    app.router.add_get("/api/history/hourly", functools.partial(stations_hourly, hub))
    app.router.add_get("/api/readings", functools.partial(readings_between, hub))
    app.router.add_get("/api/region", functools.partial(region, hub))


def _json(data: object, status: int = 200) -> web.Response:
    return web.Response(body=msgspec.json.encode(data), status=status, content_type="application/json")


def _error(status: int, message: str) -> web.Response:
    return _json({"error": message}, status)


MAX_TIME_S = 1e11  # Unix seconds beyond year 5000 are no time a question can be about


_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")


class BadNumber(ValueError):
    """A query parameter that is not a usable number; the message says which and why."""


def number(query: Mapping[str, str], name: str, default: float | None = None) -> float:
    """A finite query parameter of at most MAX_TIME_S in size (``default`` when absent); BadNumber else."""
    text = query.get(name)
    if text is None:
        if default is None:
            raise BadNumber(f"{name} is required")
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadNumber(f"{name} must be a number, not {text[:40]!r}") from None
    if not math.isfinite(value) or abs(value) > MAX_TIME_S:
        raise BadNumber(f"{name} must be a finite number of at most {MAX_TIME_S:.0e}, not {text[:40]!r}")
    return value


def whole(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer query parameter within [low, high] (``default`` when absent); BadNumber else."""
    text = query.get(name)
    if text is None:
        return default
    if not _WHOLE.fullmatch(text) or not low <= int(text) <= high:
        raise BadNumber(f"{name} must be a whole number between {low} and {high}, not {text[:40]!r}")
    return int(text)


MISSING_TOKEN = "missing or wrong token: send Authorization: Bearer TOKEN (a token in the URL is refused)"


def session_of(hub: Hub, request: web.Request) -> Session | None:
    """Who makes the request: ``Authorization: Bearer TOKEN``, the shared or a login token.

    Never ``?token=``: a token in a URL ends up in proxies' and servers' logs and in shell history."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return hub.sessions.resolve(header.removeprefix("Bearer ").strip())


def _authorised(hub: Hub, request: web.Request) -> bool:
    return session_of(hub, request) is not None


async def healthz(hub: Hub, request: web.Request) -> web.Response:
    """Liveness for operators and the console's launcher (no token needed); ``site.missing`` lists the
    site files the hub runs without."""
    epoch, seq = hub.position
    body = {
        "status": "ok",
        "epoch": epoch,
        "seq": seq,
        "stations": len(hub.registry),
        "loggers_connected": hub.metrics.loggers_connected,
        "uptime_s": round(time.time() - hub.metrics.started, 1),
        "site": {"name": hub.config.site.name, "missing": list(hub.config.site.missing)},
    }
    if hub.cluster is not None:  # a hub node of a cluster: which one, and whether it leads
        cluster = hub.cluster
        body["cluster"] = {"node": cluster.node, "stream": cluster.stream, "leading": cluster.leading}
    return _json(body)


async def metrics(hub: Hub, request: web.Request) -> web.Response:
    """Prometheus text exposition (no token: scrape it from the intranet only)."""
    return web.Response(text=hub.metrics.render(), content_type="text/plain", charset="utf-8")


async def stations(hub: Hub, request: web.Request) -> web.Response:
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    return _json(hub.registry.stations)


async def latest(hub: Hub, request: web.Request) -> web.Response:
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    station = request.query.get("station")
    items = [r for r in hub.latest.values() if station is None or r.station == station]
    return _json(items)


async def history(hub: Hub, request: web.Request) -> web.Response:
    """``/api/history?station=&factor=&start=&end=&resolution=raw|1h|1d`` (times in Unix seconds)."""
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    query = request.query
    station, factor = query.get("station", ""), query.get("factor", "")
    resolution = query.get("resolution", "raw")
    if hub.registry.get(station) is None:
        return _error(404, f"unknown station {station!r}")
    if not factor:
        return _error(400, "factor is required")
    if resolution not in RESOLUTIONS:
        return _error(400, f"resolution must be one of {', '.join(RESOLUTIONS)}")
    try:
        end = number(query, "end", time.time())
        start = number(query, "start", end - 86400)
    except BadNumber as exc:
        return _error(400, f"start and end must be Unix seconds: {exc}")
    if start > end:
        return _error(400, "start is after end")
    if resolution == "raw" and end - start > MAX_RAW_SPAN_S:
        return _error(400, "raw history is limited to 31 days per request; use resolution 1h or 1d")
    loop = asyncio.get_running_loop()
    points = await loop.run_in_executor(None, hub.storage.history, station, factor, start, end, resolution)
    return _json({"station": station, "factor": factor, "resolution": resolution, "points": points})


MAX_HOURLY_SPAN_S = 7 * 86400  # every station's hourly means: a week per request


async def stations_hourly(hub: Hub, request: web.Request) -> web.Response:
    """``/api/history/hourly?factor=&start=&end=[&stations=a,b]``: hourly means of one factor at every
    station (or the ones listed), as ``{"factor", "stations": {station: points}}``; at most a week."""
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    query = request.query
    factor = query.get("factor", "")
    wanted = [s for s in query.get("stations", "").split(",") if s] or None
    if not factor:
        return _error(400, "factor is required")
    try:
        end = number(query, "end", time.time())
        start = number(query, "start", end - 86400)
    except BadNumber as exc:
        return _error(400, f"start and end must be Unix seconds: {exc}")
    if not 0 <= end - start <= MAX_HOURLY_SPAN_S:
        return _error(400, "start must be before end, at most 7 days apart")
    loop = asyncio.get_running_loop()
    found = await loop.run_in_executor(None, hub.storage.stations_hourly, factor, start, end, wanted)
    return _json({"factor": factor, "stations": found})


MAX_PAGE = 50_000


async def readings_between(hub: Hub, request: web.Request) -> web.Response:
    """``/api/readings?start=&end=[&after=station,factor,ts][&limit=]``: raw readings of every station.

    Consoles back-fill a gap with it after a resync. Pages in (station, ts, factor) order; the answer's
    ``next`` is the ``after`` of the next page, null on the last one. The first page waits until every
    reading received so far is stored, so a page never misses one that was already published.

    ``?arrived_since=T`` instead of start and end: the readings that arrived late (re-sent after an
    outage, data time well behind the network's) since the hub's data clock stood at T, whatever their
    data time: what a back-fill by data time cannot reach.
    """
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    query = request.query
    try:
        arrived = number(query, "arrived_since") if "arrived_since" in query else None
        start, end = (0.0, 0.0) if arrived is not None else (number(query, "start"), number(query, "end"))
        limit = whole(query, "limit", 20_000, 1, MAX_PAGE)
        after = _after(query["after"]) if "after" in query else None
    except BadNumber as exc:
        return _error(
            400,
            f"start and end (Unix seconds) or arrived_since are required; after is station,factor,ts: {exc}",
        )
    if start > end or end - start > MAX_RAW_SPAN_S:
        return _error(400, "start must be before end, at most 31 days apart")
    loop = asyncio.get_running_loop()
    if after is None:
        await loop.run_in_executor(None, hub.writer.flush, 30.0)
    if arrived is not None:
        items = await loop.run_in_executor(None, hub.storage.late_since, arrived, after, limit)
    else:
        items = await loop.run_in_executor(None, hub.storage.readings_between, start, end, after, limit)
    last = items[-1] if len(items) == limit else None
    following = [last.station, last.factor, last.ts] if last else None
    return _json({"items": items, "next": following})


def _after(text: str) -> tuple[str, str, float]:
    """``station,factor,ts`` of a page's last reading."""
    parts = text.rsplit(",", 2)
    if len(parts) != 3:
        raise BadNumber(f"after must be station,factor,ts, not {text[:80]!r}")
    return parts[0], parts[1], number({"ts": parts[2]}, "ts")


def _region_body(site: Site) -> bytes:
    townships = [msgspec.to_builtins(t) for t in site.townships]
    body: dict[str, object] = {"key": site.key, "name": site.name, "name_en": site.name_en}
    body["centre"] = site.centre
    body["townships"] = townships
    return msgspec.json.encode({**body, "boundary": site.boundary_geojson()})


async def region(hub: Hub, request: web.Request) -> web.Response:
    """The monitored region: name, townships and the boundary GeoJSON (WGS-84) the map draws, from the
    site; parts the site lacks come empty."""
    if not _authorised(hub, request):
        return _error(401, MISSING_TOKEN)
    loop = asyncio.get_running_loop()
    body = await loop.run_in_executor(None, _region_body, hub.config.site)
    return web.Response(body=body, content_type="application/json")
