"""The site's road network and exclusion zones for a console joined to a remote hub: fetched from the hub
(``GET /api/site/roads``, ``/api/site/zones``), kept on disk for an offline start, asked for again with the
kept copy's ETag so an unchanged file never crosses the network twice.

An embedded hub's console reads the same files from the hub's site directory instead (console/site_layers.py).
No Qt: the caller hands in a sink (the units' view-model) that takes the layers and a note for the operator.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from console.core.hubapi import HubApi, HubApiError

if TYPE_CHECKING:  # scipy and numpy load only when there are roads: the console's memory
    from console.core.roads import RoadNetwork

log = logging.getLogger(__name__)
ROADS_ABSENT = "absent"  # why there is no road network (the sink words it for the operator)
ROADS_UNUSABLE = "unusable"
RETRIED = frozenset({401, 403, 429, 502, 503, 504})  # asked again later: a token being renewed, a busy hub
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0


class LayerSink(Protocol):
    """What takes the layers (console/viewmodels/units.py: UnitViewModel)."""

    def set_roads(self, roads: RoadNetwork | None) -> None: ...

    def set_fences(
        self, boundary: dict[str, Any] | None = None, zones: dict[str, Any] | None = None
    ) -> None: ...

    def set_roads_note(self, why: str) -> None: ...


class LayerCopy:
    """The copy of one layer kept for one hub: ``<dir>/<name>.geojson`` and its ETag beside it."""

    def __init__(self, directory: Path, name: str) -> None:
        self.body_path = directory / f"{name}.geojson"
        self.etag_path = directory / f"{name}.etag"

    def read(self) -> tuple[bytes, str] | None:
        """The kept body and its ETag; None when there is none (or it cannot be read)."""
        try:
            return self.body_path.read_bytes(), self.etag_path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError):
            return None

    def write(self, body: bytes, etag: str) -> None:
        """Keep a body the hub sent (whole or not at all: written aside, then renamed). A disk that refuses
        costs only the offline start's copy: logged, never raised."""
        try:
            self.body_path.parent.mkdir(parents=True, exist_ok=True)
            self.etag_path.unlink(missing_ok=True)  # no tag for a body that may be half replaced
            for path, data in ((self.body_path, body), (self.etag_path, etag.encode())):
                partial = path.with_name(path.name + ".partial")
                partial.write_bytes(data)
                os.replace(partial, path)
        except OSError as exc:
            log.warning("cannot keep %s for an offline start: %s", self.body_path, exc)

    def forget(self) -> None:
        try:
            self.body_path.unlink(missing_ok=True)
            self.etag_path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove %s: %s", self.body_path, exc)


def cache_dir_for(base: Path, hub_url: str) -> Path:
    """Where the layers of the hub at ``hub_url`` are kept, under ``base`` (one directory per hub)."""
    return base / hashlib.sha256(hub_url.encode()).hexdigest()[:16]


def parse_roads(body: bytes) -> RoadNetwork:
    """The road network of a roads.geojson body; RoadError when it is not one. CPU-heavy: off the GUI."""
    from console.core.roads import RoadNetwork

    return RoadNetwork.from_geojson(body)


def parse_zones(body: bytes) -> dict[str, Any]:
    """The exclusion zones' FeatureCollection; ValueError when the body is not one."""
    from console.core.geofence import Geofences, ZoneKind

    data = json.loads(body)
    Geofences.from_geojson(data, ZoneKind.EXCLUSION)  # refuses what is not a collection of zones
    return dict(data)


class SiteLayerLoader:
    """Loads the roads and zones of one hub into ``sink``: the kept copies first (an offline start has
    them at once), then the hub's, asked for until it answers."""

    def __init__(self, api: HubApi, cache: Path, sink: LayerSink) -> None:
        self.api, self.sink = api, sink
        self.roads = LayerCopy(cache, "roads")
        self.zones = LayerCopy(cache, "zones")

    async def run(self) -> None:
        layers: tuple[tuple[str, LayerCopy, Callable[[bytes], Any], Callable[[Any], None]], ...] = (
            ("roads", self.roads, parse_roads, self._apply_roads),
            ("zones", self.zones, parse_zones, self._apply_zones),
        )
        etags = [await self._kept(*layer) for layer in layers]  # every kept copy before asking the hub
        for layer, etag in zip(layers, etags, strict=True):
            await self._refresh(*layer, etag)

    async def _kept(
        self, name: str, copy: LayerCopy, parse: Callable[[bytes], Any], apply: Callable[[Any], None]
    ) -> str:
        """Apply the copy kept from the last start, if there is a usable one; its ETag ('' when none)."""
        loop = asyncio.get_running_loop()
        kept = await loop.run_in_executor(None, copy.read)
        if kept is None:
            return ""
        try:
            apply(await loop.run_in_executor(None, parse, kept[0]))
        except (ValueError, OSError) as exc:
            log.warning("site %s: the kept copy is not usable (%s); asking the hub", name, exc)
            return ""
        log.info("site %s: the copy kept from the last start", name)
        return kept[1]

    async def _refresh(
        self,
        name: str,
        copy: LayerCopy,
        parse: Callable[[bytes], Any],
        apply: Callable[[Any], None],
        etag: str,
    ) -> None:
        """The hub's layer: unchanged (304), none (404: the kept copy goes), or a new one to apply and
        keep."""
        loop = asyncio.get_running_loop()
        status, body, etag = await self._fetch(f"/api/site/{name}", etag)
        if status == 304:
            log.info("site %s: the kept copy is current", name)
        elif status == 404:
            await loop.run_in_executor(None, copy.forget)
            self._absent(name, _error_text(body))
        elif status != 200:
            self._unusable(name, f"HTTP {status} {_error_text(body)}")
        else:
            try:
                layer = await loop.run_in_executor(None, parse, body)
            except (ValueError, OSError) as exc:
                self._unusable(name, str(exc))
                return
            apply(layer)
            await loop.run_in_executor(None, copy.write, body, etag)

    async def _fetch(self, path: str, etag: str) -> tuple[int, bytes, str]:
        """The hub's answer, asked for again with doubling pauses while the hub cannot be reached or is
        not ready for it (refused token, busy); a final answer is returned (2xx, 304, 404, a broken file)."""
        delay = FIRST_RETRY_S
        while True:
            try:
                status, body, etag = await self.api.fetch_current(path, etag)
            except HubApiError as exc:
                reason = str(exc)
            else:
                if status not in RETRIED:
                    return status, body, etag
                reason = f"HTTP {status} {_error_text(body)}"
            log.warning("%s not available yet (%s); again in %.0f s", path, reason, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_S)

    def _apply_roads(self, roads: RoadNetwork) -> None:
        log.info("road network from the hub: %d nodes, %d segments", roads.nodes, roads.edges)
        self.sink.set_roads(roads)
        self.sink.set_roads_note("")

    def _apply_zones(self, zones: dict[str, Any]) -> None:
        self.sink.set_fences(zones=zones)

    def _absent(self, name: str, reason: str) -> None:
        log.warning("site %s: the hub has none (%s)", name, reason)
        if name == "roads":
            self.sink.set_roads(None)
            self.sink.set_roads_note(ROADS_ABSENT)
        else:
            self.sink.set_fences(zones={"type": "FeatureCollection", "features": []})

    def _unusable(self, name: str, reason: str) -> None:
        log.warning("site %s from the hub is not usable: %s", name, reason)
        if name == "roads":
            self.sink.set_roads_note(ROADS_UNUSABLE)


async def load_hub_layers(api: HubApi | None, base: Path, sink: LayerSink) -> None:
    """Roads and zones of the hub ``api`` talks to into ``sink``, kept under ``base`` for the next start."""
    if api is None:
        return
    await SiteLayerLoader(api, cache_dir_for(base, api.base), sink).run()


def _error_text(body: bytes) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        decoded = None
    if isinstance(decoded, dict) and isinstance(error := decoded.get("error"), str):
        return error
    return body[:200].decode(errors="replace")
