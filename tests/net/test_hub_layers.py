"""The hub serves its site's roads and exclusion zones over REST: token required, an ETag that spares an
unchanged file the trip, 404 for a layer the site lacks, 500 with the reason for a file that is broken."""

from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from tests.net.hubkit import TOKEN, running_hub

pytestmark = pytest.mark.asyncio
ROADS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"class": "primary"},
     "geometry": {"type": "LineString", "coordinates": [[116.0, 40.4], [116.02, 40.4]]}},
]}  # fmt: skip


async def test_roads_and_zones_come_with_an_etag_and_only_when_changed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "roads.geojson").write_text(json.dumps(ROADS))
    (site / "zones.geojson").write_text("{not json")
    async with running_hub(tmp_path, site_dir=site) as hub, aiohttp.ClientSession() as http:
        base = f"http://127.0.0.1:{hub.http_port}/api/site"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        async with http.get(f"{base}/roads") as resp:
            assert resp.status == 401  # no token, no roads
        async with http.get(f"{base}/roads", headers=auth) as resp:
            assert resp.status == 200 and json.loads(await resp.read()) == ROADS
            etag = resp.headers["ETag"]
            assert resp.headers["Cache-Control"] == "private, no-cache"
        async with http.get(f"{base}/roads", headers={**auth, "If-None-Match": etag}) as resp:
            assert resp.status == 304 and await resp.read() == b""
        changed = {**ROADS, "features": ROADS["features"] * 2}
        (site / "roads.geojson").write_text(json.dumps(changed, indent=1))
        async with http.get(f"{base}/roads", headers={**auth, "If-None-Match": etag}) as resp:
            assert resp.status == 200 and json.loads(await resp.read()) == changed
            assert resp.headers["ETag"] != etag
        async with http.get(f"{base}/zones", headers=auth) as resp:
            assert resp.status == 500 and "zones.geojson is not JSON" in (await resp.json())["error"]
        (site / "roads.geojson").unlink()
        async with http.get(f"{base}/roads", headers=auth) as resp:
            assert resp.status == 404
            assert (await resp.json())["error"] == "the site has no road network (roads.geojson)"


async def test_a_hub_without_a_site_directory_has_no_layers(tmp_path: Path) -> None:
    async with running_hub(tmp_path) as hub, aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{hub.http_port}/api/site/zones"
        async with http.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as resp:
            assert resp.status == 404 and "no site directory" in (await resp.json())["error"]
