"""The hub's REST API as the console uses it: region, history, login, incidents, attachments, assessment,
unit tracks, reports.

aiohttp, no Qt; every call is a coroutine on the console's loop.
"""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import msgspec

from console.core.incidents import AuditEntry, Incident
from console.core.models import Reading
from console.core.report_figures import Report
from console.core.transport import Transport, describe
from console.core.units import Fix

if TYPE_CHECKING:  # aiohttp itself is imported with the first client: a console paints its cache without it
    import aiohttp

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024  # a photo larger than this is refused before upload


_readings_decoder = msgspec.json.Decoder(list[Reading])


class HubApiError(RuntimeError):
    """The hub answered with an error or not at all; the message says which, ``unreachable`` whether it
    was not at all (another hub of the cluster may answer)."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class HubApi:
    """Small async client; one aiohttp session, the token in every request."""

    def __init__(
        self, url: str, token: str, timeout_s: float = 20.0, *, transport: Transport | None = None
    ) -> None:
        import aiohttp

        self.base = _rest_base(url)
        self._transport = transport = transport or Transport()
        transport.check(self.base)  # before any connection: a plain address off this machine is refused
        self._connector_ssl = transport.ssl_for(self.base)
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._retired: list[aiohttp.ClientSession] = []  # sessions of hubs left behind, not yet closed
        self._closing: set[asyncio.Task[None]] = set()

    def retarget(self, url: str) -> None:
        """Send every later request to another hub of the cluster (the link failed over to it).

        Checked as the first address was; a request under way ends (or fails) on the hub it began on."""
        base = _rest_base(url)
        if base == self.base:
            return
        self._transport.check(base)
        self.base, self._connector_ssl = base, self._transport.ssl_for(base)
        if self._session is not None:
            self._retire(self._session)
            self._session = None

    def _retire(self, session: aiohttp.ClientSession) -> None:
        """Close a left hub's session once its requests had their time (at the latest with this client)."""
        self._retired.append(session)
        try:
            task = asyncio.get_running_loop().create_task(self._close_later(session))
        except RuntimeError:  # no loop running: closed with this client
            return
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_later(self, session: aiohttp.ClientSession) -> None:
        await asyncio.sleep(self._timeout.total or 0.0)
        await session.close()
        self._retired.remove(session)

    async def _get(self, path: str, **params: str | float) -> object:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = self._new_session()
        try:
            async with self._session.get(f"{self.base}{path}", params=params) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise HubApiError(f"{path}: HTTP {resp.status} {body[:200].decode(errors='replace')}")
                return msgspec.json.decode(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise HubApiError(f"{path}: {describe(exc)}", unreachable=True) from None

    def _new_session(self) -> aiohttp.ClientSession:
        import aiohttp

        connector = aiohttp.TCPConnector(ssl=self._connector_ssl)
        return aiohttp.ClientSession(headers=self._headers, timeout=self._timeout, connector=connector)

    async def region(self) -> dict[str, Any]:
        """Townships and boundary GeoJSON of the hub's region."""
        return await self._get("/api/region")  # type: ignore[return-value]

    async def history(
        self, station: str, factor: str, start: float, end: float, resolution: str = "raw"
    ) -> list[tuple[float, float, str]]:
        """``[(ts, value, flag), ...]`` of one factor at one station."""
        body = await self._get("/api/history", station=station, factor=factor, start=start, end=end,
                               resolution=resolution)  # fmt: skip
        return [(p[0], p[1], p[2]) for p in body["points"]]  # type: ignore[index]

    async def readings(
        self,
        start: float,
        end: float,
        after: tuple[str, str, float] | None = None,
        limit: int = 20_000,
        arrived_since: float | None = None,
    ) -> tuple[list[Reading], tuple[str, str, float] | None]:
        """One page of every station's raw readings with start <= ts <= end, and the next page's ``after``.

        With ``arrived_since``: the readings that arrived late since the hub's data clock stood there,
        whatever their data time (``start`` and ``end`` are then ignored).
        """
        params: dict[str, str | float] = {"limit": limit}
        if arrived_since is None:
            params |= {"start": start, "end": end}
        else:
            params["arrived_since"] = arrived_since
        if after is not None:
            params["after"] = f"{after[0]},{after[1]},{after[2]!r}"
        body = await self._get("/api/readings", **params)
        items = _readings_decoder.decode(msgspec.json.encode(body["items"]))  # type: ignore[index]
        following = body["next"]  # type: ignore[index]
        return items, (following[0], following[1], float(following[2])) if following else None

    def set_token(self, token: str) -> None:
        """Use a session token (after ``login``) for every later request."""
        self._headers = {"Authorization": f"Bearer {token}"}
        if self._session is not None and not self._session.closed:
            self._session.headers.update(self._headers)

    async def _request(self, method: str, path: str, *, decode: bool = True, **kwargs: Any) -> Any:
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = self._new_session()
        try:
            async with self._session.request(method, f"{self.base}{path}", **kwargs) as resp:
                body = await resp.read()
                if not 200 <= resp.status < 300:
                    raise HubApiError(f"{path}: HTTP {resp.status} {_error_text(body)}")
                return msgspec.json.decode(body) if decode else body
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise HubApiError(f"{path}: {describe(exc)}", unreachable=True) from None
        except msgspec.DecodeError as exc:
            raise HubApiError(f"{path}: the hub answered with malformed JSON ({exc})") from None

    async def fetch(self, path: str, **params: str | float) -> bytes:
        """The body of a GET (the caller decodes it); HubApiError on any failure."""
        query = {name: str(value) for name, value in params.items()}
        body: bytes = await self._request("GET", path, decode=False, params=query)
        return body

    async def login(self, user: str, password: str) -> Session:
        """Log in; the session token is used for every later request (and for the websocket)."""
        body = await self._request("POST", "/api/login", json={"user": user, "password": password})
        try:
            session = msgspec.convert(body, Session)
        except msgspec.ValidationError as exc:
            raise HubApiError(f"/api/login: unexpected answer ({exc})") from None
        self.set_token(session.token)
        return session

    async def incident(self, incident_id: str) -> tuple[Incident, list[AuditEntry]]:
        """One incident with its whole audit trail, oldest entry first."""
        body = await self._request("GET", f"/api/incidents/{_quote(incident_id)}")
        try:
            detail = msgspec.convert(body, IncidentDetail)
        except msgspec.ValidationError as exc:
            raise HubApiError(f"/api/incidents/{incident_id}: unexpected answer ({exc})") from None
        return detail.incident, sorted(detail.audit, key=lambda e: e.n)

    async def upload_attachment(self, incident_id: str, path: Path) -> str:
        """Upload a photo for an incident; returns the attachment id to name in a command's args."""
        import aiohttp

        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise HubApiError(f"cannot read {path.name}: {exc.strerror or exc}") from None
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise HubApiError(f"{path.name} is larger than {MAX_ATTACHMENT_BYTES // 2**20} MB")
        form = aiohttp.FormData()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        form.add_field("file", data, filename=path.name, content_type=content_type)
        body = await self._request("POST", f"/api/incidents/{_quote(incident_id)}/attachments", data=form)
        attachment = body.get("id") if isinstance(body, dict) else None
        if not attachment:
            raise HubApiError(f"upload of {path.name}: the hub returned no attachment id")
        return str(attachment)

    async def roster(self) -> list[dict[str, str]]:
        """Responsible people level by level: ``[{"level", "unit", "name"}, ...]`` (dispatch targets)."""
        body = await self._request("GET", "/api/responsibility")
        return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []

    async def attachment(self, attachment_id: str) -> bytes:
        """The bytes of an attachment (a photo)."""
        data: bytes = await self._request("GET", f"/api/attachments/{_quote(attachment_id)}", decode=False)
        return data

    async def assessment(self, by: str = "township") -> list[dict[str, Any]]:
        """考核 rows per township or per person: handled, on-time rate, mean handling time, returns."""
        body = await self._request("GET", "/api/assessment", params={"by": by, "format": "json"})
        rows = body.get("rows", body) if isinstance(body, dict) else body
        if not isinstance(rows, list):
            raise HubApiError("/api/assessment: unexpected answer")
        return rows

    async def assessment_csv(self, by: str = "township") -> bytes:
        """The same assessment as CSV, as the hub writes it."""
        csv: bytes = await self._request(
            "GET", "/api/assessment", params={"by": by, "format": "csv"}, decode=False
        )
        return csv

    async def track(self, unit_id: str, start: float, end: float) -> list[Fix]:
        """Every location report of a unit with start <= ts <= end, oldest first (no-fix ones marked)."""
        path = f"/api/units/{_quote(unit_id)}/track"
        body = await self._request("GET", path, params={"start": repr(start), "end": repr(end)})
        try:
            points = msgspec.convert(body["points"], list[TrackPoint])
        except (msgspec.ValidationError, KeyError, TypeError) as exc:
            raise HubApiError(f"{path}: unexpected answer ({exc})") from None
        fixes = [Fix(unit_id, p.ts, p.lat, p.lon, p.speed_kmh, p.heading, p.fix, p.alarms) for p in points]
        return sorted(fixes, key=lambda f: f.ts)

    async def forecast(self, as_of: float | None = None) -> dict[str, Any]:
        """The local forecast with its verified skill, official ones, open warnings (``/api/forecast``);
        with ``as_of`` (a replay's moment) as they stood then."""
        body = await (
            self._get("/api/forecast") if as_of is None else self._get("/api/forecast", as_of=as_of)
        )
        if not isinstance(body, dict):
            raise HubApiError("/api/forecast: unexpected answer")
        return body

    async def warning_command(self, ident: int, action: str, comment: str = "") -> dict[str, Any]:
        """Issue, reject or end a heavy-pollution warning (leaders); HubApiError with the hub's reason."""
        body = await self._request(
            "POST", f"/api/warnings/{int(ident)}", json={"action": action, "comment": comment}
        )
        if not isinstance(body, dict):
            raise HubApiError("/api/warnings: unexpected answer")
        return body

    async def report(self, kind: str, period: str) -> dict[str, Any]:
        """A period's report figures (``/api/report``): city, townships ranked, 同比/环比, targets."""
        body = await self._get("/api/report", kind=kind, period=period)
        if not isinstance(body, dict):
            raise HubApiError("/api/report: unexpected answer")
        return body

    async def report_figures(self, kind: str, period: str, dust: str = "") -> Report:
        """``report`` as a typed Report (the documents read it); dust: dust days to deduct, "D1,D2"."""
        params = {"kind": kind, "period": period} | ({"dust": dust} if dust else {})
        body = await self._request("GET", "/api/report", params=params)
        try:
            return msgspec.convert(body, Report)
        except msgspec.ValidationError as exc:
            raise HubApiError(f"/api/report: unexpected answer ({exc})") from None

    async def fetch_current(self, path: str, etag: str = "") -> tuple[int, bytes, str]:
        """A GET the caller may already hold a copy of: ``(status, body, etag)`` whatever the status: 200
        with the body and its ETag, 304 (no body) when the copy with ``etag`` is current, 404 when the
        hub has none, others with the hub's reason in the body. HubApiError when the hub cannot be
        reached."""
        import aiohttp

        if self._session is None or self._session.closed:
            self._session = self._new_session()
        headers = {"If-None-Match": etag} if etag else {}
        try:
            async with self._session.get(f"{self.base}{path}", headers=headers) as resp:
                return resp.status, await resp.read(), resp.headers.get("ETag", "")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise HubApiError(f"{path}: {describe(exc)}", unreachable=True) from None

    async def close(self) -> None:
        for task in list(self._closing):
            task.cancel()
        for session in [*self._retired, self._session]:
            if session is not None:
                await session.close()


class Session(msgspec.Struct, frozen=True):
    """A logged-in user: the token for REST and the websocket, the role, and the names to show."""

    token: str
    role: str
    user: str
    display: str = ""


class TrackPoint(msgspec.Struct, frozen=True):
    """One point of ``GET /api/units/{id}/track``."""

    ts: float
    lat: float
    lon: float
    speed_kmh: float = 0.0
    heading: float = 0.0
    fix: bool = True
    alarms: tuple[str, ...] = ()


class IncidentDetail(msgspec.Struct, frozen=True):
    """``GET /api/incidents/{id}``: the incident and its audit trail."""

    incident: Incident
    audit: list[AuditEntry] = []


def _rest_base(url: str) -> str:
    """The hub's REST root from its address (``ws://h:1/ws`` -> ``http://h:1``)."""
    base = url.rstrip("/").removesuffix("/ws")
    return base.replace("ws://", "http://", 1).replace("wss://", "https://", 1)


def _quote(part: str) -> str:
    return quote(part, safe="")


def _error_text(body: bytes) -> str:
    """The hub's ``{"error": ...}`` message, or the start of the body."""
    try:
        decoded = msgspec.json.decode(body)
    except msgspec.DecodeError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(error := decoded.get("error"), str):
        return error
    return body[:200].decode(errors="replace")
