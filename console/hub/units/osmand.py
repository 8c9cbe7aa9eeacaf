"""OsmAnd HTTP listener: what Traccar Client and other phone trackers send, at ``/``.

Two forms. The query form (GET or POST, in the URL or as a form body): ``id`` (or ``deviceid``), ``lat``,
``lon`` (or ``location=lat,lon``), ``timestamp`` (Unix seconds, milliseconds or ISO 8601), ``speed`` in
knots, ``bearing`` (or ``heading``), ``altitude``, ``accuracy``, ``batt``, ``valid``. The JSON form of
Traccar Client: ``{"device_id": ..., "location": {"timestamp": ISO, "coords": {"latitude",
"longitude", "speed" (m/s), "heading", "altitude", "accuracy"}, "battery": {"level": 0..1}}}`` (also a
list of locations). Phones buffer while offline and send late: the report's time is kept, not the
arrival's. 200 once stored; 400 with the reason for bad input; 403 for an id not in the registry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import web

from console.core.units import Fix, UnitSource

if TYPE_CHECKING:
    from console.hub.units.intake import UnitIntake
    from console.hub.units.tracker import UnitSlot

KNOT_KMH = 1.852
MPS_KMH = 3.6
MAX_BODY = 256 * 1024  # a buffered batch of a few hundred reports
MAX_BATCH = 1000  # reports in one request


class BadReport(ValueError):
    """A request that cannot be taken; the message says why (the 400's body)."""


class OsmAndServer:
    """The HTTP listener (its own port, aiohttp)."""

    def __init__(self, service: UnitIntake) -> None:
        self.service = service
        self._runner: web.AppRunner | None = None

    async def start(self, host: str, port: int) -> int:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("GET", "/", self.handle)
        app.router.add_route("POST", "/", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound: int = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return bound

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def handle(self, request: web.Request) -> web.Response:
        service = self.service
        try:
            device, reports = await _read(request)
        except BadReport as exc:
            service.reject("osmand_bad_request")
            return web.Response(status=400, text=f"{exc}\n")
        slot = service.tracker.by_device(UnitSource.OSMAND, device)
        if slot is None and service.config.accept_unknown:
            slot = service.tracker.learn(UnitSource.OSMAND, device)
        if slot is None:
            service.reject("osmand_unknown_id")
            return web.Response(status=403, text=f"unknown device id {device[:64]!r}\n")
        arrived = service.clock()
        try:
            fixes = [_fix(slot, report, arrived) for report in reports]
        except BadReport as exc:
            service.reject("osmand_bad_request")
            return web.Response(status=400, text=f"{exc}\n")
        service.tracker.report(slot, fixes)
        if not await service.stored_later():
            return web.Response(status=503, text="not stored; send it again later\n")
        return web.Response(text="OK\n")


async def _read(request: web.Request) -> tuple[str, list[Mapping[str, Any]]]:
    """The device id and its reports (each a mapping of the query form's names)."""
    query: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = msgspec.json.decode(await request.read())
            except msgspec.DecodeError as exc:
                raise BadReport(f"body is not JSON: {exc}") from None
            return _json_reports(body, query)
        if request.content_type == "application/x-www-form-urlencoded":
            query |= dict(await request.post())
    device = str(query.get("id") or query.get("deviceid") or "").strip()
    if not device:
        raise BadReport("id is required")
    return device, [query]


def _json_reports(body: object, query: dict[str, Any]) -> tuple[str, list[Mapping[str, Any]]]:
    if not isinstance(body, dict):
        raise BadReport("body must be a JSON object with device_id and location")
    device = str(body.get("device_id") or query.get("id") or "").strip()
    if not device:
        raise BadReport("device_id is required")
    locations = body.get("location")
    items = locations if isinstance(locations, list) else [locations]
    if not items or len(items) > MAX_BATCH:
        raise BadReport(f"location must be an object or a list of 1 to {MAX_BATCH}")
    reports: list[Mapping[str, Any]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("coords"), dict):
            raise BadReport("location must hold coords {latitude, longitude ...}")
        coords = item["coords"]
        speed = coords.get("speed")
        report = {
            "lat": coords.get("latitude"),
            "lon": coords.get("longitude"),
            "timestamp": item.get("timestamp"),
            "speed_kmh": speed * MPS_KMH if _is_number(speed) and speed >= 0 else None,
            "bearing": coords.get("heading"),
            "altitude": coords.get("altitude"),
            "accuracy": coords.get("accuracy"),
        }
        reports.append(report)
    return device, reports


def _fix(slot: UnitSlot, report: Mapping[str, Any], arrived: float) -> Fix:
    lat: object
    lon: object
    if "location" in report and "lat" not in report:
        lat, _, lon = str(report["location"]).partition(",")
    else:
        lat, lon = report.get("lat"), report.get("lon")
    if lat is None or lon is None or lat == "" or lon == "":
        raise BadReport("lat and lon are required")
    latitude, longitude = _number(lat, "lat"), _number(lon, "lon")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadReport(f"lat {latitude} and lon {longitude} are not a place on Earth")
    speed = report.get("speed_kmh")
    if speed is None and report.get("speed") not in (None, ""):
        speed = _number(report["speed"], "speed") * KNOT_KMH  # the query form's speed is in knots
    heading = report.get("bearing", report.get("heading"))
    heading = _number(heading, "bearing") if heading not in (None, "") else 0.0
    heading = heading % 360 if heading >= 0 else 0.0  # -1: the phone does not know
    valid = str(report.get("valid", "true")).lower() not in ("false", "0")
    ts = timestamp(report.get("timestamp"), arrived)
    return Fix(slot.info.id, ts, latitude, longitude, max(0.0, float(speed or 0.0)), heading, valid)


def timestamp(value: object, arrived: float) -> float:
    """Unix seconds of a report's time: seconds, milliseconds (above 10^11) or ISO 8601 (UTC when it
    names no zone); the arrival's when there is none."""
    if value is None or value == "":
        return arrived
    if _is_number(value):
        number = float(value)  # type: ignore[arg-type]
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise BadReport(f"timestamp {text[:40]!r} is neither Unix time nor ISO 8601") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            return moment.timestamp()
    if not math.isfinite(number):
        raise BadReport("timestamp must be finite")
    return number / 1000 if abs(number) >= 1e11 else number


def _number(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadReport(f"{name} must be a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise BadReport(f"{name} must be finite")
    return number


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
