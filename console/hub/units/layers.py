"""The site's map layers for consoles that do not share the hub's disk: ``GET /api/site/roads`` (the road
network, for ETAs) and ``GET /api/site/zones`` (exclusion zones, for geofences), token required.

Each answer carries a strong ``ETag`` (a digest of the file) and ``Cache-Control: no-cache``: a console
that kept a copy asks again with ``If-None-Match`` and gets ``304`` with no body while the file is the same.
Files are read (and checked to be GeoJSON FeatureCollections) off the event loop, once per change of the
file; bodies are compressed when the console accepts it.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec
from aiohttp import web

from console.hub.rest import _error, session_of

if TYPE_CHECKING:
    from console.hub.server import Hub

log = logging.getLogger(__name__)

# layer -> (file in the site directory, what it is, for messages)
LAYERS: dict[str, tuple[str, str]] = {
    "roads": ("roads.geojson", "road network"),
    "zones": ("zones.geojson", "exclusion zones"),
}


class LayerError(ValueError):
    """The layer's file is absent (``absent``) or not usable; the message says which and why."""

    def __init__(self, message: str, *, absent: bool = False) -> None:
        super().__init__(message)
        self.absent = absent


@dataclass(frozen=True)
class Layer:
    """One file's body as served, with its digest and the file's identity when it was read."""

    body: bytes
    etag: str
    stamp: tuple[int, int]  # (mtime_ns, size)


class SiteLayers:
    """The site directory's layer files, read once per change of each file."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._cache: dict[str, Layer] = {}

    def get(self, name: str) -> Layer:
        """The layer ``name`` (a key of LAYERS); LayerError when the site has none or it is not usable.
        Blocking (stat, read): call it off the event loop."""
        file, what = LAYERS[name]
        if self.directory is None:
            raise LayerError(f"this hub has no site directory, so no {what}", absent=True)
        path = self.directory / file
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise LayerError(f"the site has no {what} ({file})", absent=True) from None
        except OSError as exc:
            raise LayerError(f"the site's {file} cannot be read: {exc.strerror or exc}") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(name)
        if cached is not None and cached.stamp == stamp:
            return cached
        body = _checked(path, file)
        layer = Layer(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', stamp)
        self._cache[name] = layer
        return layer


def _checked(path: Path, file: str) -> bytes:
    """The file's bytes, once they are known to be a GeoJSON FeatureCollection."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise LayerError(f"the site's {file} cannot be read: {exc.strerror or exc}") from None
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise LayerError(f"the site's {file} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise LayerError(f"the site's {file} is not a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list):
        raise LayerError(f"the site's {file} has no 'features' list")
    return body


def add_layer_routes(app: web.Application, hub: Hub) -> None:
    layers = SiteLayers(hub.config.site_dir)
    for name in LAYERS:
        app.router.add_get(f"/api/site/{name}", functools.partial(serve_layer, hub, layers, name))


async def serve_layer(hub: Hub, layers: SiteLayers, name: str, request: web.Request) -> web.StreamResponse:
    """200 with the file (ETag), 304 when the console's copy is current, 404 when the site has no such
    layer, 500 when its file is not usable (the reason in the body and the hub's log)."""
    if session_of(hub, request) is None:
        return _error(401, "a valid token is required (Authorization: Bearer ...)")
    loop = asyncio.get_running_loop()
    try:
        layer = await loop.run_in_executor(None, layers.get, name)
    except LayerError as exc:
        if not exc.absent:
            log.warning("site layer %s: %s", name, exc)
        return _error(404 if exc.absent else 500, str(exc))
    headers = {"ETag": layer.etag, "Cache-Control": "private, no-cache"}
    if layer.etag in _etags(request.headers.get("If-None-Match", "")):
        return web.Response(status=304, headers=headers)
    response = web.Response(body=layer.body, content_type="application/geo+json", headers=headers)
    response.enable_compression()
    return response


def _etags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones count as their strong tag, as for GET)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
