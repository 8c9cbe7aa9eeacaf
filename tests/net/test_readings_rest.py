"""GET /api/readings: every station's raw readings over a time range, paged by station, time and factor."""

from __future__ import annotations

import asyncio

import pytest

from console.core.hubapi import HubApi, HubApiError
from tests.net.hubkit import STATIONS, TOKEN, Logger, running_hub, upload

pytestmark = pytest.mark.asyncio
T0 = 1_763_700_000.0


async def test_pages_cover_the_range_once_in_order_and_bad_input_is_refused(tmp_path, db_url) -> None:
    async with running_hub(tmp_path, db=db_url) as hub:
        logger = await Logger.connect(hub)
        for minute in range(5):
            for st in STATIONS[:3]:
                await logger.send(upload(st, T0 + 60 * minute, {"a34004": 10.0 + minute, "a34002": 20.0}))
        await asyncio.sleep(0.3)
        api = HubApi(f"http://127.0.0.1:{hub.http_port}", TOKEN)
        got, after, pages = [], None, 0
        while True:
            items, after = await api.readings(T0 + 60, T0 + 180, after, limit=4)
            got += items
            pages += 1
            if after is None:
                break
        keys = [(r.station, r.ts, r.factor) for r in got]
        assert keys == sorted(keys) and len(keys) == len(set(keys)) == 3 * 3 * 2  # minutes 1-3, inclusive
        assert pages == 5 and {r.ts for r in got} == {T0 + 60, T0 + 120, T0 + 180}
        for bad in (
            {"start": "x", "end": "1"},
            {"start": "2", "end": "1"},
            {"start": "0", "end": "1", "limit": "0"},
        ):
            with pytest.raises(HubApiError, match="HTTP 400"):
                await api._get("/api/readings", **bad)
        stranger = HubApi(f"http://127.0.0.1:{hub.http_port}", "wrong")
        with pytest.raises(HubApiError, match="HTTP 401"):
            await stranger.readings(T0, T0 + 60)
        await stranger.close()
        await api.close()
        await logger.close()
