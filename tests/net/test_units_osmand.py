"""Phones over the OsmAnd HTTP protocol (Traccar Client) against a real hub: both forms, times, refusals."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from tests.net.unitkit import LAT, LON, get_json, unit_hub

pytestmark = pytest.mark.asyncio


async def send(
    hub, *, params: dict | None = None, json: object = None, method: str = "GET"
) -> tuple[int, str]:
    url = f"http://127.0.0.1:{hub.units.osmand_port}/"
    async with aiohttp.ClientSession() as http:
        async with http.request(method, url, params=params, json=json) as resp:
            return resp.status, await resp.text()


def points(hub, unit: str) -> list:
    return hub.storage.unit_track(unit, 0, 4e9, 1000)


async def test_the_query_form_with_seconds_milliseconds_and_iso_times(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        t0 = int(time.time()) - 300
        iso = datetime.fromtimestamp(t0 + 2, UTC).isoformat().replace("+00:00", "Z")
        for stamp in (t0, (t0 + 1) * 1000, iso):
            query = {"id": "phone-1", "lat": LAT, "lon": LON, "timestamp": stamp, "speed": 10, "bearing": 45}
            query |= {"altitude": 500, "accuracy": 8, "batt": 80}
            status, text = await send(hub, params=query, method="POST")
            assert (status, text.strip()) == (200, "OK")
        rows = points(hub, "INSP-1")  # answered means stored
        assert [row[1] for row in rows] == [t0, t0 + 1, t0 + 2]
        assert rows[0][4] == pytest.approx(18.52) and rows[0][5] == 45  # knots to km/h; bearing
        _, units = await get_json(hub, "/api/units")
        phone = next(u for u in units if u["id"] == "INSP-1")
        assert phone["source"] == "osmand" and phone["ts"] == t0 + 2 and phone["lat"] == pytest.approx(LAT)


async def test_the_json_form_of_traccar_client(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        when = datetime.fromtimestamp(int(time.time()) - 60, UTC)
        body = {
            "device_id": "phone-1",
            "location": {
                "timestamp": when.isoformat(),
                "coords": {"latitude": LAT, "longitude": LON, "speed": 10.0, "heading": 270, "accuracy": 5},
                "battery": {"level": 0.8, "is_charging": False},
                "is_moving": True,
            },
        }
        status, _ = await send(hub, json=body, method="POST")
        assert status == 200
        (row,) = points(hub, "INSP-1")
        assert row[1] == when.timestamp() and row[4] == pytest.approx(36.0) and row[5] == 270  # m/s to km/h


async def test_buffered_old_fixes_never_replace_the_newest(tmp_path: Path, db_url: str) -> None:
    async with unit_hub(tmp_path, db=db_url) as hub:
        now = int(time.time())
        await send(hub, params={"id": "phone-1", "lat": LAT, "lon": LON, "timestamp": now - 10})
        for age in (600, 500, 400):  # the phone was offline: its buffer comes late, oldest first
            await send(hub, params={"id": "phone-1", "lat": LAT - 0.001, "lon": LON, "timestamp": now - age})
        _, units = await get_json(hub, "/api/units")
        phone = next(u for u in units if u["id"] == "INSP-1")
        assert phone["ts"] == now - 10 and phone["lat"] == pytest.approx(LAT)
        _, track = await get_json(hub, f"/api/units/INSP-1/track?start={now - 3600}&end={now}")
        assert [p["ts"] for p in track["points"]] == [now - 600, now - 500, now - 400, now - 10]


async def test_bad_input_gets_400_with_a_reason_and_unknown_ids_403(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        cases = [
            ({"lat": LAT, "lon": LON}, "id is required"),
            ({"id": "phone-1", "lon": LON}, "lat and lon are required"),
            ({"id": "phone-1", "lat": "north", "lon": LON}, "lat must be a number"),
            ({"id": "phone-1", "lat": 95, "lon": LON}, "not a place on Earth"),
            (
                {"id": "phone-1", "lat": LAT, "lon": LON, "timestamp": "yesterday"},
                "neither Unix time nor ISO",
            ),
        ]
        for params, reason in cases:
            status, text = await send(hub, params=params)
            assert status == 400 and reason in text, (params, text)
        status, text = await send(hub, json={"location": {}}, method="POST")
        assert status == 400 and "device_id is required" in text
        status, text = await send(hub, params={"id": "stranger", "lat": LAT, "lon": LON})
        assert status == 403 and "stranger" in text
        assert points(hub, "INSP-1") == []


async def test_with_accept_unknown_units_a_new_phone_becomes_an_inspector(tmp_path: Path) -> None:
    async with unit_hub(tmp_path, accept_unknown_units=True) as hub:
        status, _ = await send(hub, params={"id": "new-phone", "lat": LAT, "lon": LON})
        assert status == 200
        _, units = await get_json(hub, "/api/units")
        new = next(u for u in units if u["device"] == "new-phone")
        assert new["kind"] == "inspector" and new["id"] == "osmand-new-phone"


async def test_no_fix_never_moves_the_unit_and_a_teleport_is_kept_out_with_its_reason(
    tmp_path: Path, db_url: str
) -> None:
    async with unit_hub(tmp_path, db=db_url) as hub:
        now = int(time.time())
        await send(hub, params={"id": "phone-1", "lat": LAT, "lon": LON, "timestamp": now - 60})
        no_fix = {"id": "phone-1", "lat": 0, "lon": 0, "timestamp": now - 50, "valid": "false"}
        assert (await send(hub, params=no_fix))[0] == 200
        far = {"id": "phone-1", "lat": LAT + 1, "lon": LON, "timestamp": now - 40}  # 111 km in 20 s
        assert (await send(hub, params=far))[0] == 200
        future = {"id": "phone-1", "lat": LAT, "lon": LON, "timestamp": now + 3600}
        assert (await send(hub, params=future))[0] == 200
        _, units = await get_json(hub, "/api/units")
        phone = next(u for u in units if u["id"] == "INSP-1")
        assert phone["ts"] == now - 60 and phone["lat"] == pytest.approx(LAT)
        assert phone["fix"] is False  # the newest report had no position the hub could take
        _, track = await get_json(hub, f"/api/units/INSP-1/track?start={now - 3600}&end={now + 7200}")
        got = [(p["ts"], p["fix"], p.get("rejected")) for p in track["points"]]
        assert got == [
            (now - 60, True, None),
            (now - 50, False, None),
            (now - 40, True, "teleport"),
            (now + 3600, True, "future"),
        ]
        status, body = await get_json(hub, "/api/units/INSP-1/track?start=abc")
        assert status == 400 and "start must be a number" in body["error"]
        status, body = await get_json(hub, "/api/units/INSP-1/track", token="wrong")
        assert status == 401


async def test_a_buffered_batch_in_json_and_a_form_body_are_taken(tmp_path: Path) -> None:
    async with unit_hub(tmp_path) as hub:
        now = int(time.time())
        stamps = [datetime.fromtimestamp(now - age, UTC).isoformat() for age in (300, 200, 100)]
        batch = [{"timestamp": s, "coords": {"latitude": LAT, "longitude": LON, "speed": -1}} for s in stamps]
        status, _ = await send(hub, json={"device_id": "drone-1", "location": batch}, method="POST")
        assert status == 200
        assert [row[1] for row in points(hub, "DRONE-1")] == [now - 300, now - 200, now - 100]
        url = f"http://127.0.0.1:{hub.units.osmand_port}/"
        form = {"id": "drone-1", "lat": str(LAT), "lon": str(LON), "timestamp": str((now - 50) * 1000)}
        async with aiohttp.ClientSession() as http, http.post(url, data=form) as resp:
            assert resp.status == 200
        assert points(hub, "DRONE-1")[-1][1] == now - 50
