"""``GET /api/forecast``: the local model's latest forecast per lead with its verified skill, and the
imported official forecasts."""

from __future__ import annotations

import asyncio
import functools
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from console.hub.forecast import issued, live, official, schedule, service, warning
from console.hub.forecast import model as fm
from console.hub.rest import _error, _json, session_of
from console.hub.storage import Storage

if TYPE_CHECKING:
    from console.hub.server import Hub


def add_forecast_routes(app: web.Application, hub: Hub) -> None:
    """``GET /api/forecast``, ``/api/warnings`` and their commands, and the daily re-training
    (console/hub/forecast/schedule.py)."""
    app.router.add_get("/api/forecast", functools.partial(forecast_route, hub))
    app.router.add_get("/api/warnings", functools.partial(warnings_route, hub))
    app.router.add_post("/api/warnings/{id}", functools.partial(warning_command_route, hub))
    schedule.add_retraining(app, hub)


def forecast(
    storage: Storage,
    directory: Path | None,
    day: date | None,
    tz_hours: float,
    as_of: float | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The answer of ``/api/forecast`` (blocking). ``local`` is None, with ``local_error`` saying why,
    when there is no usable model; each city forecast carries ``skill``: the verified figures of its lead
    (model, persistence and climatology), None when the model has not been verified.

    ``as_of`` (Unix time, a replay's moment): the forecast as it stood then: the local one the hub issued
    last at or before it, as it was issued (``as_issued``; console/hub/forecast/issued.py), or, when none
    was stored by then (history imported before the hub ran), the one today's model makes at the end of
    the day before (``as_issued`` false, ``hindcast`` when the model learnt those days); the official ones
    issued at or before it; the warnings as they were then. ``now``: the clock of the live answer."""
    out: dict[str, Any] = {"local": None, "local_error": None, "official": []}
    if as_of is not None:
        day = _local_day(as_of, tz_hours) - timedelta(days=1)
        out["local"] = issued.at(storage.engine, as_of)
    if out["local"] is None:
        try:
            if directory is None:
                raise fm.ModelError("this hub has no forecast directory")
            local = computed(storage, directory, day, tz_hours, now)
            if as_of is not None:
                local["as_issued"] = False
            out["local"] = local
        except fm.ModelError as exc:
            out["local_error"] = str(exc)
    if as_of is None:
        out["official"] = official.latest(storage.engine, day)
        out["warnings"] = [w for w in warning.listing(storage.engine) if w["state"] in live.OPEN]
    else:
        out["as_of"] = as_of
        out["official"] = official.latest(storage.engine, _local_day(as_of, tz_hours), issued_by=as_of)
        out["warnings"] = warnings_at(warning.listing(storage.engine), as_of)
    return out


def computed(
    storage: Storage, directory: Path, day: date | None, tz_hours: float, now: float | None = None
) -> dict[str, Any]:
    """The local forecast the current model makes at the end of ``day`` (default: the last finished day at
    ``now``), with its skill and the model's description; ModelError when it cannot."""
    model, manifest = fm.load_model(directory)
    found = service.latest(storage, model, day, tz_hours, now)
    if found is None:
        raise fm.ModelError("the history holds no PM2.5 to forecast from")
    figures = manifest.get("figures") or {}
    leads = figures.get("leads") or {}
    for entry in found["city"]:
        entry["skill"] = leads.get(str(entry["lead"]))
    found["model"] = {
        "version": manifest["version"],
        "trained_until": manifest["trained_until"],
        "verified": {k: figures.get(k) for k in ("from", "to", "held_back", "model_version")}
        if figures
        else None,
    }
    found["skill_scope"] = "city"  # the station forecasts are not verified one by one
    # a forecast of days the model learnt from is a hindcast, not what could be forecast then
    found["hindcast"] = date.fromisoformat(found["issued_for_day"]) <= date.fromisoformat(
        str(manifest["trained_until"])
    )
    return found


def issue(storage: Storage, directory: Path | None, tz_hours: float, now: float | None = None) -> bool:
    """Issue the local forecast of ``now``: store it (console/hub/forecast/issued.py) unless the newest
    stored one is the same; True when stored, False too when there is no usable model (blocking)."""
    if directory is None:
        return False
    now = time.time() if now is None else now
    try:
        local = computed(storage, directory, None, tz_hours, now)
    except fm.ModelError:
        return False
    return issued.record(storage.engine, local, now)


def _local_day(ts: float, tz_hours: float) -> date:
    return date(1970, 1, 1) + timedelta(seconds=ts + tz_hours * 3600)


def warnings_at(rows: list[dict[str, Any]], at: float) -> list[dict[str, Any]]:
    """The warnings open at ``at`` (proposed, or issued and not yet ended), each in its state of then,
    its audit trail cut there: a replay shows what was in force at the replayed moment."""
    out = []
    for row in rows:
        trail = [e for e in row.get("audit") or [] if e["ts"] <= at]
        if not trail or trail[-1]["to_state"] not in live.OPEN:
            continue
        out.append({**row, "state": trail[-1]["to_state"], "audit": trail})
    return out


def check_warnings(
    storage: Storage, directory: Path | None, tz_hours: float, now: float | None = None
) -> dict[str, Any] | None:
    """End the issued warnings whose days have passed; propose one when the forecast of the days from
    today on (official where imported, else local) meets a level. Returns the new proposal or None."""
    now = time.time() if now is None else now
    today = date(1970, 1, 1) + timedelta(seconds=now + tz_hours * 3600)
    warning.expire(storage.engine, today, now)
    found = forecast(storage, directory, None, tz_hours)
    local = found["local"]["city"] if found["local"] else []
    days = warning.daily_aqi(local, found["official"])
    upcoming = {day: value for day, value in days.items() if day >= today.isoformat()}
    if not upcoming:
        return None
    levels = warning.load_levels(directory / warning.LEVELS_FILE) if directory else warning.DEFAULT_LEVELS
    return warning.record_proposal(storage.engine, upcoming, levels, now=now)


async def forecast_route(hub: Hub, request: web.Request) -> web.Response:
    """``/api/forecast[?day=YYYY-MM-DD]``: the forecast issued at the end of that day (default: the last
    finished day of the history)."""
    if session_of(hub, request) is None:
        return _error(401, "missing or wrong token")
    text = request.query.get("day", "")
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return _error(400, f"day must be like 2017-02-27, got {text!r}")
    moment = request.query.get("as_of", "")
    try:
        as_of = float(moment) if moment else None
        if as_of is not None and not 0 <= as_of < 1e11:
            raise ValueError(moment)
    except ValueError:
        return _error(400, f"as_of must be a Unix time in seconds, got {moment!r}")
    directory = hub.config.forecast_dir

    def work() -> dict[str, Any]:
        return forecast(hub.storage, directory, day, hub.config.tz_hours, as_of)

    return _json(await asyncio.get_running_loop().run_in_executor(None, work))


async def warnings_route(hub: Hub, request: web.Request) -> web.Response:
    """``/api/warnings``: every warning, newest first, with its audit trail."""
    if session_of(hub, request) is None:
        return _error(401, "missing or wrong token")
    return _json(await asyncio.to_thread(warning.listing, hub.storage.engine))


async def warning_command_route(hub: Hub, request: web.Request) -> web.Response:
    """``POST /api/warnings/{id}`` ``{"action": "issue"|"reject"|"end", "comment": ...}``: a leader's
    command on a warning, audited; 403 for other roles, 409 when the warning's state does not allow it."""
    session = session_of(hub, request)
    if session is None:
        return _error(401, "missing or wrong token")
    try:
        ident = int(request.match_info["id"])
        body = await request.json()
        action, comment = str(body["action"]), str(body.get("comment", ""))
    except (ValueError, KeyError, TypeError):
        return _error(400, 'expected {"action": "issue"|"reject"|"end", "comment": "..."} for a warning id')
    try:
        done = await asyncio.to_thread(
            warning.command, hub.storage.engine, ident, action, session.user, session.role, comment
        )
    except warning.WarningError as exc:
        return _error(exc.status, str(exc))
    hub.warnings.changed(done)  # every console sees the step as a ``warning`` event
    return _json(done)
