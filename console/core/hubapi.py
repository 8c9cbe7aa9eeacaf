"""The hub's REST API as the console uses it: region and history (aiohttp, no Qt)."""

from __future__ import annotations

import aiohttp
import msgspec


class HubApiError(RuntimeError):
    """The hub answered with an error or not at all; the message says which."""


class HubApi:
    """Small async client; one aiohttp session, the token in every request."""

    def __init__(self, url: str, token: str, timeout_s: float = 20.0) -> None:
        base = url.rstrip("/").removesuffix("/ws")
        self.base = base.replace("ws://", "http://").replace("wss://", "https://")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def _get(self, path: str, **params: object) -> object:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        try:
            async with self._session.get(f"{self.base}{path}", params=params) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise HubApiError(f"{path}: HTTP {resp.status} {body[:200].decode(errors='replace')}")
                return msgspec.json.decode(body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise HubApiError(f"{path}: {exc or exc.__class__.__name__}") from None

    async def region(self) -> dict:
        """Townships and boundary GeoJSON of the hub's region."""
        return await self._get("/api/region")  # type: ignore[return-value]

    async def history(
        self, station: str, factor: str, start: float, end: float, resolution: str = "raw"
    ) -> list[tuple[float, float, str]]:
        """``[(ts, value, flag), ...]`` of one factor at one station."""
        body = await self._get("/api/history", station=station, factor=factor, start=start, end=end,
                               resolution=resolution)  # fmt: skip
        return [(p[0], p[1], p[2]) for p in body["points"]]  # type: ignore[index]

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
