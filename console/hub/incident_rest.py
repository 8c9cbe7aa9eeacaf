"""REST routes of the incident loop: login, incidents with their audit trail, photos, assessment, roster.

Commands do not come here: they go over /ws as ``command`` messages (one path, one ordering, one echo).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec
from aiohttp import BodyPartReader, web

from console.core.incidents import OPEN_STATES, AuditEntry, Incident, IncidentState
from console.hub.assessment import assessed, assessment, to_csv
from console.hub.auth import token_digest
from console.hub.incident_store import Attachment
from console.hub.rest import MISSING_TOKEN, BadNumber, _error, _json, number, session_of

if TYPE_CHECKING:
    from console.hub.server import Hub

IMAGE_MAGIC = {b"\xff\xd8\xff": ("image/jpeg", "jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", "png")}
DEFAULT_ASSESSMENT_DAYS = 30
MULTIPART_SLACK = 64 * 1024  # what a form may add to a photo's bytes before the body is read and counted


def add_incident_routes(app: web.Application, hub: Hub) -> None:
    """Register the incident routes on ``app``."""
    routes = (
        ("POST", "/api/login", login),
        ("GET", "/api/incidents", incident_list),
        ("GET", "/api/incidents/{id}", incident_detail),
        ("POST", "/api/incidents/{id}/attachments", upload_attachment),
        ("GET", "/api/attachments/{id}", attachment),
        ("GET", "/api/assessment", assessment_report),
        ("GET", "/api/responsibility", roster),
    )
    for method, path, handler in routes:
        app.router.add_route(method, path, functools.partial(handler, hub))


class _Login(msgspec.Struct):
    user: str
    password: str


async def login(hub: Hub, request: web.Request) -> web.Response:
    """``{"user", "password"}`` -> ``{"token", "role", "user", "display", "expires"}``; 401 when wrong."""
    try:
        body = msgspec.json.decode(await request.read(), type=_Login)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        return _error(400, f'login needs JSON {{"user": ..., "password": ...}}: {exc}')
    sessions, address = hub.sessions, request.remote or "?"
    wait = sessions.login_wait(body.user, address)
    if wait > 0:
        return _too_many(wait, "too many failed logins; wait before trying again")
    loop = asyncio.get_running_loop()
    user = await loop.run_in_executor(None, sessions.check_password, body.user, body.password)
    if user is None:
        sessions.login_failed(body.user, address)
        return _error(401, "wrong user or password")
    sessions.login_succeeded(user.name)
    token, session = sessions.open(user)
    await loop.run_in_executor(None, hub.incidents.store.add_session, token_digest(token), session)
    reply = {"token": token, "role": session.role, "user": session.user, "display": session.display}
    return _json(reply | {"expires": session.expires})


def _too_many(wait: float, message: str) -> web.Response:
    """429 with Retry-After (whole seconds) and the wait in the message."""
    seconds = max(1, math.ceil(wait))
    response = _error(429, f"{message} (retry in {seconds} s)")
    response.headers["Retry-After"] = str(seconds)
    return response


async def incident_list(hub: Hub, request: web.Request) -> web.Response:
    """``/api/incidents?state=a,b|open&township=&overdue=1``, newest first."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    query = request.query
    states: set[str] | None = None
    if query.get("state"):
        states = set()
        for word in query["state"].split(","):
            if word == "open":
                states |= set(OPEN_STATES)
            elif word in IncidentState._value2member_map_:
                states.add(word)
            else:
                return _error(400, f"unknown state {word!r}; use open or {', '.join(IncidentState)}")
    township = query.get("township", "")
    if township:
        code = hub.responsibility.township_code(township)
        if code is None:
            return _error(400, f"unknown township {township!r}")
        township = code
    only_overdue = query.get("overdue", "") in ("1", "true", "yes")
    return _json(hub.incidents.query(states, township, only_overdue))


async def incident_detail(hub: Hub, request: web.Request) -> web.Response:
    """One incident and its whole audit trail."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    ident = request.match_info["id"]
    incident = hub.incidents.incidents.get(ident) or await _stored(hub, hub.incidents.store.incident, ident)
    if incident is None:
        return _error(404, f"no incident {ident!r}")
    audit = await _stored(hub, hub.incidents.store.audit, incident.id)
    return _json({"incident": incident, "audit": audit})


async def _stored(hub: Hub, read: Callable[..., Any], *args: Any) -> Any:
    """Read from the incident tables off the loop, after what is queued has been written."""

    def work() -> Any:
        hub.incidents.writer.flush(5)
        return read(*args)

    return await asyncio.get_running_loop().run_in_executor(None, work)


async def upload_attachment(hub: Hub, request: web.Request) -> web.Response:
    """A JPEG or PNG photo (multipart or a raw body, at most ``attachment_max_bytes``) for an incident ->
    its id; 429 past the user's bytes of the day, 507 when the attachments directory is full."""
    session = session_of(hub, request)
    if session is None:
        return _error(401, MISSING_TOKEN)
    incident = hub.incidents.incidents.get(request.match_info["id"])
    if incident is None:
        return _error(404, f"no incident {request.match_info['id']!r}")
    folder = hub.config.attachments_dir
    if folder is None:
        return _error(503, "this hub keeps no attachments (no data directory)")
    limit = hub.config.attachment_max_bytes
    declared = request.content_length or 0  # a form's length holds its boundaries and headers too
    if request.content_type.startswith("multipart/"):
        declared -= MULTIPART_SLACK
    refused = _upload_refused(hub, session.user, max(1, declared))
    if refused is not None:
        return refused
    try:
        data = await _read_upload(request, limit)
    except ValueError as exc:
        return _error(400, str(exc))
    if data is None:
        return _error(413, f"attachments are limited to {_size(limit)}")
    kind = next((kind for magic, kind in IMAGE_MAGIC.items() if data.startswith(magic)), None)
    if kind is None:
        return _error(415, "only JPEG and PNG photos are accepted")
    refused = _upload_refused(hub, session.user, len(data))  # again: others may have uploaded meanwhile
    if refused is not None:
        return refused
    hub.uploads.spend(session.user, len(data))  # counted before the write: no await in between
    hub.attachments_bytes += len(data)
    content_type, ext = kind
    ident = f"ATT-{secrets.token_hex(8)}"
    record = Attachment(
        ident,
        incident.id,
        content_type,
        len(data),
        hashlib.sha256(data).hexdigest(),
        f"{ident}.{ext}",
        session.user,
        time.time(),
    )
    await asyncio.get_running_loop().run_in_executor(None, _save, hub, folder, record, data)
    hub.incidents.add_attachment(record)
    return _json({"id": ident, "incident": incident.id, "content_type": content_type, "size": len(data)}, 201)


def _upload_refused(hub: Hub, user: str, size: int) -> web.Response | None:
    """The answer when ``size`` more bytes are over a limit: the one upload, the user's day, the folder."""
    config = hub.config
    if size > config.attachment_max_bytes:
        return _error(413, f"attachments are limited to {_size(config.attachment_max_bytes)}")
    wait = hub.uploads.retry_after(user, size)
    if wait > 0:
        return _too_many(
            wait, f"photo uploads are limited to {_size(config.attachment_day_bytes)} a day per user"
        )
    if hub.attachments_bytes + size > config.attachments_max_bytes:
        return _error(
            507, f"the hub's attachments are full ({_size(config.attachments_max_bytes)}); ask an admin"
        )
    return None


def _size(count: int) -> str:
    return f"{count / 2**20:g} MiB" if count >= 2**20 else f"{count} bytes"


async def _read_upload(request: web.Request, limit: int) -> bytes | None:
    """The photo's bytes, or None when it is over the limit; ValueError for a malformed request."""
    if request.content_type.startswith("multipart/"):
        try:
            reader = await request.multipart()
            part = await reader.next()
        except (ValueError, AssertionError) as exc:
            raise ValueError(f"malformed multipart body: {exc}") from None
        if not isinstance(part, BodyPartReader):
            raise ValueError("the multipart body holds no file")
        read: Callable[[int], Awaitable[bytes]] = part.read_chunk
    else:
        read = request.content.read
    chunks, size = [], 0
    while chunk := await read(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _save(hub: Hub, folder: Path, record: Attachment, data: bytes) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{record.file}.part"
    partial.write_bytes(data)
    partial.replace(folder / record.file)
    hub.incidents.store.add_attachment(record)


async def attachment(hub: Hub, request: web.Request) -> web.StreamResponse:
    """The photo itself, with its content type."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    record = hub.incidents.attachments.get(request.match_info["id"])
    folder = hub.config.attachments_dir
    if record is None or folder is None or not (folder / record.file).is_file():
        return _error(404, f"no attachment {request.match_info['id']!r}")
    return web.FileResponse(folder / record.file, headers={"Content-Type": record.content_type})


async def assessment_report(hub: Hub, request: web.Request) -> web.Response:
    """``/api/assessment?by=township|person&from=&to=&format=json|csv`` (Unix seconds; 30 days by default)."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    query = request.query
    by, fmt = query.get("by", "township"), query.get("format", "json")
    if by not in ("township", "person") or fmt not in ("json", "csv"):
        return _error(400, "by must be township or person, format json or csv")
    try:
        end = number(query, "to", hub.incidents.clock())
        start = number(query, "from", end - DEFAULT_ASSESSMENT_DAYS * 86400)
    except BadNumber as exc:
        return _error(400, f"from and to must be Unix seconds: {exc}")
    if start > end:
        return _error(400, "from is after to")
    store = hub.incidents.store

    def read() -> tuple[list[Incident], dict[str, list[AuditEntry]]]:
        counted = assessed(store.closed_between(start, end), start, end)
        return counted, store.audits([i.id for i in counted])

    counted, audits = await _stored(hub, read)
    if by == "township":
        names = hub.responsibility.township_names
    else:
        names = {u.name: u.display or u.name for u in hub.sessions.users.values()}
    rows = assessment(counted, audits, by, names)
    if fmt == "csv":
        return web.Response(text="\ufeff" + to_csv(rows), content_type="text/csv", charset="utf-8")
    return _json({"by": by, "from": start, "to": end, "rows": rows})


async def roster(hub: Hub, request: web.Request) -> web.Response:
    """Who is responsible for what, level by level (grid members, township, district, city leaders)."""
    if session_of(hub, request) is None:
        return _error(401, MISSING_TOKEN)
    return _json(hub.responsibility.roster())
