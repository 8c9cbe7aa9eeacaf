"""The duty-wall map page: one folium/Leaflet document with local assets, boundaries and the ecoMap layer."""

from __future__ import annotations

import importlib.resources
import json
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import folium
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template
from shapely.geometry import shape
from shapely.ops import polylabel

from console.assets import RESOURCES
from console.core.aqi import category_of
from console.core.geo import wgs84_to_gcj02, wgs84_to_gcj02_arrays
from console.core.models import Station

RESOURCE_DIR = RESOURCES / "map"
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
_ASSETS = ("leaflet.js", "leaflet.css")
_OWN_ASSETS = ("eco_map.js", "eco_units.js", "eco_map.css")
_AQI_MIDPOINTS = (25, 75, 125, 175, 250, 350)  # one AQI inside each HJ 633 category, levels 1..6

DEFAULT_LABELS: dict[str, str] = {
    "layers": "Layers",
    "aqi": "AQI",
    "status": "Status",
    "air": "Air stations",
    "micro": "Micro stations",
    "scenic": "Scenic areas",
    "water": "Water quality",
    "noise": "Noise",
    "fume": "Catering fume",
    "source": "Pollution sources",
    "odour": "Odour",
    "state_ok": "Normal",
    "state_alarm": "Exceedance",
    "state_awaiting": "Awaiting first report",
    "state_offline": "Offline",
    "state_stale": "Stale data",
    "state_fault": "Instrument fault",
    "state_invalid": "Invalid data",
    "state_selected": "Selected",
    "approximate": "Township outlines approximate",
    "tile_attribution": "Intranet basemap",
    "units": "Units",
    "unit_vehicle": "Vehicle",
    "unit_person": "Person",
    "unit_drone": "Drone",
    "unit_instrument": "Instrument",
    "unit_en_route": "En route",
    "unit_on_scene": "On scene",
    "unit_stale": "No fix for 5 min",
    "unit_lost": "Lost (30 min): last place",
    "unit_sos": "SOS",
} | {f"aqi_{i + 1}": category_of(aqi).category_en for i, aqi in enumerate(_AQI_MIDPOINTS)}

# Boundary styles: a calm, lighter district on the navy ground; township lines quieter still.
_DISTRICT_FILL = {"stroke": False, "fill": True, "fillColor": "#14263f", "fillOpacity": 0.9}
_DISTRICT_LINE = {"color": "#8fa8c8", "weight": 2.5, "opacity": 0.9, "fill": False}
_TOWNSHIP_LINE = {"color": "#3d5678", "weight": 1.5, "opacity": 0.9, "fill": False}


@dataclass(frozen=True)
class PageOptions:
    """How to build the page; coordinates are WGS-84 (shifted to GCJ-02 here when the tiles need it)."""

    center: tuple[float, float] | None = None  # (lat, lon)
    zoom: int | None = None
    tile_url: str | None = None
    tiles_gcj02: bool = True
    font_px: int = 24
    labels: dict[str, str] = field(default_factory=dict)
    label_kinds: tuple[str, ...] = ("air", "water")
    name_key: str = "name"

    @property
    def shift_to_gcj02(self) -> bool:
        """True when everything must be drawn in GCJ-02 to sit right on the configured tiles."""
        return bool(self.tile_url) and self.tiles_gcj02


def leaflet_dir() -> Path:
    """Folder of the Leaflet 1.9.4 files shipped by the django-js-lib-leaflet package."""
    return Path(str(importlib.resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet")))


def copy_assets(target: Path) -> None:
    """Put Leaflet and the ecoMap JS/CSS next to the page (copied only when missing or changed)."""
    target.mkdir(parents=True, exist_ok=True)
    sources = [leaflet_dir() / name for name in _ASSETS] + [RESOURCE_DIR / name for name in _OWN_ASSETS]
    for source in sources:
        destination = target / source.name
        stat = source.stat()
        if (
            not destination.exists()
            or destination.stat().st_size != stat.st_size
            or (destination.stat().st_mtime < stat.st_mtime)
        ):
            shutil.copy2(source, destination)


def safe_json(value: object) -> str:
    """JSON that is safe inside an HTML <script> block (no '</script>', '<!--' or line separators)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def shift_geojson(collection: dict) -> dict:
    """A copy of a GeoJSON FeatureCollection with every vertex moved from WGS-84 to GCJ-02."""

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = wgs84_to_gcj02_arrays(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    features = []
    for feature in collection.get("features", []):
        geometry = shapely.transform(shape(feature["geometry"]), convert)
        moved = json.loads(shapely.to_geojson(geometry))
        features.append({**feature, "geometry": moved})
    return {**collection, "features": features}


def station_rows(stations: Iterable[Station], shift: bool) -> list[list]:
    """Compact rows [id, kind, lon, lat, name] for ecoMap.init, in display coordinates."""
    stations = list(stations)
    lon = np.array([s.lon for s in stations], dtype=float)
    lat = np.array([s.lat for s in stations], dtype=float)
    if shift and stations:
        lon, lat = wgs84_to_gcj02_arrays(lon, lat)
    return [
        [s.id, str(s.kind), round(float(x), 6), round(float(y), 6), s.name]
        for s, x, y in zip(stations, lon, lat, strict=True)
    ]


def township_labels(collection: dict, name_key: str = "name", candidates: int = 48) -> list[list]:
    """[name, [[lat, lon], ...]] per township: places for its name inside it, the most central first.

    The page picks, at the current zoom, the first place where the name covers the fewest stations.
    """
    rows = []
    for feature in collection.get("features", []):
        props = feature.get("properties", {})
        if props.get("kind") != "township":
            continue
        places = _label_places(_largest_polygon(shape(feature["geometry"])), candidates)
        rows.append([str(props.get(name_key) or props.get("name", "")), places])
    return rows


def _label_places(polygon: shapely.Polygon, count: int) -> list[list[float]]:
    best: shapely.Point = polylabel(polygon, tolerance=0.0005)  # one polygon in, one point out
    minx, miny, maxx, maxy = polygon.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 16), np.linspace(miny, maxy, 16))
    grid = shapely.points(xs.ravel().tolist(), ys.ravel().tolist())
    inside = grid[shapely.contains(polygon, grid)]
    depth = shapely.distance(polygon.exterior, inside)
    ranked = [best, *inside[np.argsort(-depth)][: count - 1]]
    return [[round(p.y, 5), round(p.x, 5)] for p in ranked]


def _largest_polygon(geometry: shapely.Geometry) -> shapely.Polygon:
    parts = shapely.get_parts(shapely.get_parts(geometry))  # twice: collections may hold multipolygons
    return max((p for p in parts if isinstance(p, shapely.Polygon)), key=lambda p: p.area)


def _features(collection: dict, kind: str) -> dict:
    features = [f for f in collection.get("features", []) if f.get("properties", {}).get("kind") == kind]
    return {"type": "FeatureCollection", "features": features}


def _is_approximate(collection: dict) -> bool:
    return any(f.get("properties", {}).get("approximate") for f in collection.get("features", []))


class _EcoMapInit(MacroElement):
    """Calls ecoMap.init once the folium map and its boundary layers exist."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            ecoMap.init({{ this.stations }}, Object.assign({{ this.options }}, {
                map: {{ this._parent.get_name() }},
                district: {{ this.district.get_name() }}
            }));
        {% endmacro %}
        """
    )

    def __init__(self, stations: list, options: dict, district: folium.GeoJson) -> None:
        super().__init__()
        self._name = "EcoMapInit"
        self.stations = safe_json(stations)
        self.options = safe_json(options)
        self.district = district


def _base_map(options: PageOptions, center: Sequence[float] | None) -> folium.Map:
    fmap = folium.Map(
        location=list(center) if center else [0.0, 0.0],
        zoom_start=options.zoom or 10,
        tiles=None,
        # Boundaries as SVG, drawn once into the page's tiles (~4 MB): a canvas is handed to the compositor
        # in the console's own process as three full-size frames (measured 3 x 8.5 MB of its RSS).
        prefer_canvas=False,
        zoom_control=False,
        attribution_control=bool(options.tile_url),
        zoom_snap=0.1,
        zoom_delta=0.5,
        font_size=f"{options.font_px}px",
    )
    # Instance lists: folium's class-level defaults point at CDNs (Leaflet, jQuery, Bootstrap, fonts).
    fmap.default_js = [
        ("leaflet", "leaflet.js"), ("qwebchannel", QWEBCHANNEL_JS), ("eco_units", "eco_units.js"),
        ("eco_map", "eco_map.js"),
    ]  # fmt: skip
    fmap.default_css = [("leaflet_css", "leaflet.css"), ("eco_map_css", "eco_map.css")]
    if options.tile_url:
        attribution = {**DEFAULT_LABELS, **options.labels}["tile_attribution"]
        folium.TileLayer(tiles=options.tile_url, attr=attribution, max_zoom=18).add_to(fmap)
    return fmap


def _add_boundaries(fmap: folium.Map, boundary: dict) -> folium.GeoJson:
    district = _features(boundary, "district")
    townships = _features(boundary, "township")
    line = {**_TOWNSHIP_LINE, "dashArray": "8 6"} if _is_approximate(boundary) else _TOWNSHIP_LINE
    folium.GeoJson(district, style_function=lambda _: _DISTRICT_FILL, interactive=False).add_to(fmap)
    if townships["features"]:
        folium.GeoJson(townships, style_function=lambda _: line, interactive=False).add_to(fmap)
    outline = folium.GeoJson(district, style_function=lambda _: _DISTRICT_LINE, interactive=False)
    outline.add_to(fmap)
    return outline


def render_page(boundary: dict, stations: Iterable[Station], options: PageOptions) -> str:
    """The complete HTML of the map page (assets referenced by relative file names)."""
    shift = options.shift_to_gcj02
    if shift:
        boundary = shift_geojson(boundary)
    center = options.center
    if center and shift:
        lon, lat = wgs84_to_gcj02(center[1], center[0])
        center = (lat, lon)
    fmap = _base_map(options, center)
    outline = _add_boundaries(fmap, boundary)
    js_options = {
        "fontPx": options.font_px,
        "labels": {**DEFAULT_LABELS, **options.labels},
        "labelKinds": list(options.label_kinds),
        "towns": township_labels(boundary, options.name_key),
        "approximate": _is_approximate(boundary),
        "center": list(center) if center else None,
        "zoom": options.zoom,
    }
    fmap.add_child(_EcoMapInit(station_rows(stations, shift), js_options, outline))
    return fmap.get_root().render()


def build_page(page_path: Path, boundary: dict, stations: Iterable[Station], options: PageOptions) -> Path:
    """Write the page to `page_path` with its assets beside it; returns the path."""
    copy_assets(page_path.parent)
    page_path.write_text(render_page(boundary, stations, options), encoding="utf-8")
    return page_path
