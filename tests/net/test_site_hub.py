"""A hub started from a site directory: a hand-written site of three stations, and an empty one."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from console.core import hj212
from console.core.models import Station, StationKind
from tests.net.hubkit import upload
from tests.sitekit import write_small_site

pytestmark = pytest.mark.asyncio
ROOT = Path(__file__).resolve().parents[2]
T0 = 1_752_508_800.0


@contextlib.asynccontextmanager
async def site_hub(tmp_path: Path, site: Path) -> AsyncIterator[dict[str, str]]:
    """``python -m console.hub --site SITE`` on free ports; yields its READY fields (http, hj212)."""
    cmd = [sys.executable, "-m", "console.hub", "--site", str(site), "--http-port", "0", "--hj212-port", "0",
           "--data-dir", str(tmp_path / "data"), "--token", "t", "--log-level", "WARNING"]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 60)).decode()
        assert line.startswith("READY"), line + (await proc.stderr.read()).decode()
        fields = dict(part.split("=") for part in line.split()[1:])
        yield fields
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 30) == 0


async def get(ports: dict[str, str], path: str) -> object:
    async with aiohttp.ClientSession(headers={"Authorization": "Bearer t"}) as http:
        async with http.get(f"http://127.0.0.1:{ports['http']}{path}") as resp:
            assert resp.status == 200, await resp.text()
            return await resp.json()


async def answer_to(ports: dict[str, str], frame: bytes) -> hj212.Packet:
    """Send one frame to the hub's HJ 212 port as a data logger and read the hub's answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", int(ports["hj212"]))
    try:
        writer.write(frame)
        await writer.drain()
        return hj212.decode(await asyncio.wait_for(reader.readuntil(b"\r\n"), 10))
    finally:
        writer.close()


async def eventually_latest(ports: dict[str, str], timeout: float = 10.0) -> list[list[object]]:
    """The hub's latest values once it has published some (readings go out in batches)."""
    async with asyncio.timeout(timeout):
        while not (latest := await get(ports, "/api/latest")):
            await asyncio.sleep(0.05)
    assert isinstance(latest, list)
    return [r[:4] for r in latest]


def logger(mn: str) -> Station:
    return Station(id="?", name="?", kind=StationKind.AIR, township="", lon=0, lat=0, mn=mn, st="22",
                   factors=("a34004",))  # fmt: skip


async def test_a_hub_serves_its_hand_written_site(tmp_path: Path) -> None:
    site = write_small_site(tmp_path / "site")
    async with site_hub(tmp_path, site) as ports:
        stations = await get(ports, "/api/stations")
        assert isinstance(stations, list)
        assert sorted(s["id"] for s in stations) == ["AIR-1", "NOISE-1", "WATER-1"]
        region = await get(ports, "/api/region")
        assert isinstance(region, dict) and (region["key"], region["name"]) == ("testdistrict", "测试区")
        assert [t["name"] for t in region["townships"]] == ["东镇", "西镇"]
        district = region["boundary"]["features"][0]
        assert district["properties"]["kind"] == "district"
        assert district["geometry"]["coordinates"][0][1] == [116.1, 40.4]
        health = await get(ports, "/healthz")
        assert isinstance(health, dict) and health["stations"] == 3
        assert health["site"] == {"name": "测试区", "missing": []}

        accepted = await answer_to(ports, upload(logger("TESTMN000000000000000001"), T0, {"a34004": 35.0},
                                                 pw="111111", flag=5))  # fmt: skip
        assert accepted.cn == "9014"  # the data answer: the upload was taken
        wrong_pw = await answer_to(
            ports, upload(logger("TESTMN000000000000000002"), T0, {}, pw="111111", flag=5)
        )
        assert (wrong_pw.cn, wrong_pw.params["QnRtn"]) == ("9011", "2")  # refused, the same for both
        unknown = await answer_to(
            ports, upload(logger("UNKNOWNMN000000000000009"), T0, {}, pw="111111", flag=5)
        )
        assert (unknown.cn, unknown.params["QnRtn"]) == ("9011", "2")  # (docs/security.md)
        assert await eventually_latest(ports) == [["AIR-1", "a34004", T0, 35.0]]


async def test_a_hub_with_an_empty_site_starts_and_says_what_is_missing(tmp_path: Path) -> None:
    empty = tmp_path / "site"
    empty.mkdir()
    async with site_hub(tmp_path, empty) as ports:
        health = await get(ports, "/healthz")
        assert isinstance(health, dict) and health["stations"] == 0
        missing = health["site"]["missing"]
        assert [item.split(" ")[0] for item in missing] == [
            "site.toml", "boundaries/district.geojson", "boundaries/townships.geojson", "grid.geojson",
            "roster.toml", "stations.csv",
        ]  # fmt: skip
        assert await get(ports, "/api/stations") == []
        region = await get(ports, "/api/region")
        assert isinstance(region, dict) and region["boundary"]["features"] == []
        refused = await answer_to(
            ports, upload(logger("TESTMN000000000000000001"), T0, {}, pw="111111", flag=5)
        )
        assert refused.params["QnRtn"] == "2"


async def test_a_hub_refuses_to_start_on_a_broken_site_and_says_where(tmp_path: Path) -> None:
    site = write_small_site(tmp_path / "site", {"stations.csv": "id,name\nX,Y\n"})
    cmd = [sys.executable, "-m", "console.hub", "--site", str(site), "--http-port", "0", "--hj212-port", "0",
           "--data-dir", str(tmp_path / "data")]  # fmt: skip
    done = await asyncio.to_thread(
        subprocess.run,
        cmd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode != 0 and "READY" not in done.stdout
    assert (
        "stations.csv:1: kind, lon, lat, mn, pw, factors, interval_s, township: column missing" in done.stderr
    )
